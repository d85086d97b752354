// RegBank: access policies, decoding errors, hooks, arrays and C header rendering.
#include <gtest/gtest.h>

#include <cstring>

#include "models/common/regs.h"

using imcvp::regs::Access;
using imcvp::regs::AccessCtx;
using imcvp::regs::Reg;
using imcvp::regs::RegBank;

namespace {

uint64_t rd(RegBank& b, uint64_t off, unsigned len, tlm::tlm_response_status* st = nullptr) {
  uint8_t buf[8] = {};
  auto s = b.read(off, buf, len);
  if (st) *st = s;
  uint64_t v = 0;
  for (unsigned i = 0; i < len; ++i) v |= uint64_t(buf[i]) << (8 * i);
  return v;
}
tlm::tlm_response_status wr(RegBank& b, uint64_t off, unsigned len, uint64_t v) {
  uint8_t buf[8];
  for (unsigned i = 0; i < 8; ++i) buf[i] = uint8_t(v >> (8 * i));
  return b.write(off, buf, len);
}

}  // namespace

TEST(RegBank, ResetValuesAndRw) {
  RegBank b("dev");
  b.add("CTRL", 0x0, 4, 0x12345678, Access::rw, "control");
  EXPECT_EQ(rd(b, 0, 4), 0x12345678u);
  EXPECT_EQ(wr(b, 0, 4, 0xdeadbeef), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(rd(b, 0, 4), 0xdeadbeefu);
  b.reset();
  EXPECT_EQ(b.get("CTRL").value(), 0x12345678u);
}

TEST(RegBank, SubwordAccess) {
  RegBank b("dev");
  b.add("W", 0x8, 8, 0x1122334455667788ull, Access::rw);
  EXPECT_EQ(rd(b, 0x8, 4), 0x55667788u);
  EXPECT_EQ(rd(b, 0xC, 4), 0x11223344u);
  EXPECT_EQ(rd(b, 0xD, 1), 0x33u);
  EXPECT_EQ(rd(b, 0xA, 2), 0x5566u);
  EXPECT_EQ(wr(b, 0xC, 4, 0xaabbccdd), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.get("W").value(), 0xaabbccdd55667788ull);
  b.add("N", 0x10, 4, 0, Access::rw).subword(false);
  tlm::tlm_response_status st;
  rd(b, 0x10, 2, &st);
  EXPECT_EQ(st, tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(wr(b, 0x10, 1, 1), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(b.get("N").value(), 0u);
}

TEST(RegBank, DecodeErrors) {
  RegBank b("dev");
  b.add("A", 0x0, 4, 0, Access::rw);
  b.add("R", 0x4, 4, 7, Access::ro);
  tlm::tlm_response_status st;
  rd(b, 0x8, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);  // unmapped
  rd(b, 0x2, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);  // misaligned
  rd(b, 0x0, 8, &st);
  EXPECT_EQ(st, tlm::TLM_BURST_ERROR_RESPONSE);  // wider than the register
  rd(b, 0x0, 3, &st);
  EXPECT_EQ(st, tlm::TLM_BURST_ERROR_RESPONSE);                  // odd size
  EXPECT_EQ(wr(b, 0x4, 4, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);  // write to RO
  EXPECT_EQ(b.get("R").value(), 7u);
  EXPECT_EQ(rd(b, 0x4, 4), 7u);
}

TEST(RegBank, PoliciesPerField) {
  RegBank b("dev");
  Reg& r = b.add("ST", 0x0, 4, 0, Access::rw, "status");
  r.field("EN", 0, 1, Access::rw, "enable")
      .field("VER", 4, 4, Access::ro, "version")
      .field("IRQ", 8, 4, Access::w1c, "pending")
      .field("SET", 12, 4, Access::w1s)
      .field("KEY", 16, 8, Access::wo)
      .field("EVT", 24, 4, Access::rc);
  r.set(0x0a00'0f30);  // EVT=0xa, IRQ=0xf, VER=3
  // Reserved bits (outside fields) read as 0; WO bits read as 0.
  r.set(r.value() | (0xffull << 16) | (1ull << 31));
  EXPECT_EQ(rd(b, 0, 4), 0x0a000f30u);
  // RC cleared by that (non-debug) read.
  EXPECT_EQ(r.get_field("EVT"), 0u);
  r.set_field("KEY", 0);
  wr(b, 0, 4, 0x0055'5551);  // EN=1, VER write ignored, clear IRQ bits 0 and 2, set SET bits
  EXPECT_EQ(r.get_field("EN"), 1u);
  EXPECT_EQ(r.get_field("VER"), 3u);
  EXPECT_EQ(r.get_field("IRQ"), 0xau);
  EXPECT_EQ(r.get_field("SET"), 0x5u);
  EXPECT_EQ(r.get_field("KEY"), 0x55u);
  wr(b, 0, 4, 0x0000'2001);  // W1S: writing 0 does not clear
  EXPECT_EQ(r.get_field("SET"), 0x7u);
}

TEST(RegBank, DebugReadHasNoSideEffects) {
  RegBank b("dev");
  int calls = 0;
  b.add("EV", 0, 4, 0, Access::rc);
  b.add("C", 4, 4, 0, Access::ro).on_read([&](Reg&, const AccessCtx& c) -> uint64_t {
    if (!c.debug) ++calls;
    return 99;
  });
  b.get("EV").set(5);
  uint8_t buf[4] = {};
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(0);
  p.set_data_ptr(buf);
  p.set_data_length(4);
  EXPECT_EQ(b.transport_dbg(p), 4u);
  EXPECT_EQ(buf[0], 5);
  EXPECT_EQ(b.get("EV").value(), 5u);
  p.set_address(4);
  EXPECT_EQ(b.transport_dbg(p), 4u);
  EXPECT_EQ(buf[0], 99);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(rd(b, 4, 4), 99u);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(rd(b, 0, 4), 5u);
  EXPECT_EQ(b.get("EV").value(), 0u);
  EXPECT_EQ(wr(b, 0, 4, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);  // RC is not writable
}

TEST(RegBank, WriteHookAndDelay) {
  RegBank b("dev");
  uint64_t seen_old = 0, seen_new = 0;
  sc_core::sc_time seen_delay;
  b.add("CMD", 0, 4, 3, Access::wo).on_write([&](Reg& r, uint64_t old, const AccessCtx& c) {
    seen_old = old;
    seen_new = r.value();
    seen_delay = c.delay;
  });
  EXPECT_EQ(rd(b, 0, 4), 0u);  // WO reads as zero
  uint32_t v = 0x42;
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(0);
  p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
  p.set_data_length(4);
  p.set_streaming_width(4);
  sc_core::sc_time d(7, sc_core::SC_NS);
  b.transport(p, d);
  EXPECT_EQ(p.get_response_status(), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(seen_old, 3u);
  EXPECT_EQ(seen_new, 0x42u);
  EXPECT_EQ(seen_delay, sc_core::sc_time(7, sc_core::SC_NS));
  // Byte enables and short streaming width are rejected.
  unsigned char be[4] = {0xff, 0, 0xff, 0};
  p.set_byte_enable_ptr(be);
  p.set_byte_enable_length(4);
  b.transport(p, d);
  EXPECT_EQ(p.get_response_status(), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
  p.set_byte_enable_ptr(nullptr);
  p.set_streaming_width(2);
  b.transport(p, d);
  EXPECT_EQ(p.get_response_status(), tlm::TLM_BURST_ERROR_RESPONSE);
}

TEST(RegBank, ReadWritePairAtOneOffset) {
  RegBank b("uart");
  int written = -1;
  b.add("RBR", 0, 1, 0, Access::ro).on_read([](Reg&, const AccessCtx&) -> uint64_t {
    return 0x61;
  });
  b.add("THR", 0, 1, 0, Access::wo).on_write([&](Reg& r, uint64_t, const AccessCtx&) {
    written = int(r.value());
  });
  EXPECT_EQ(rd(b, 0, 1), 0x61u);
  EXPECT_EQ(wr(b, 0, 1, 0x7a), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(written, 0x7a);
  // A third register at the same offset, or an RW one, is rejected.
  EXPECT_THROW(b.add("X", 0, 1, 0, Access::rw), std::invalid_argument);
}

TEST(RegBank, RejectsBadDefinitions) {
  RegBank b("dev");
  b.add("A", 0x0, 4, 0, Access::rw);
  EXPECT_THROW(b.add("B", 0x2, 2, 0, Access::rw), std::invalid_argument);   // overlap
  EXPECT_THROW(b.add("C", 0x5, 2, 0, Access::rw), std::invalid_argument);   // misaligned
  EXPECT_THROW(b.add("D", 0x8, 3, 0, Access::rw), std::invalid_argument);   // width
  EXPECT_THROW(b.add("A", 0x10, 4, 0, Access::rw), std::invalid_argument);  // duplicate
  b.add("E", 0x8, 1, 0, Access::rw);
  b.add("F", 0xA, 1, 0, Access::rw);
  EXPECT_THROW(b.add("G", 0x8, 4, 0, Access::rw), std::invalid_argument);  // covers E and F
  EXPECT_THROW(b.get("A").field("X", 30, 4, Access::rw), std::invalid_argument);
  b.get("A").field("X", 0, 4, Access::rw);
  EXPECT_THROW(b.get("A").field("Y", 2, 4, Access::rw), std::invalid_argument);
  EXPECT_THROW(b.get("nope"), std::out_of_range);
}

TEST(RegBank, Arrays) {
  RegBank b("plic");
  auto prio = b.add_array("PRIORITY", 0x0, 1024, 4, 4, 0, Access::rw, "source priority");
  b.array_field("PRIORITY", "PRIO", 0, 3, Access::rw, "priority level");
  ASSERT_EQ(prio.size(), 1024u);
  EXPECT_EQ(wr(b, 4 * 1000, 4, 0xffffffff), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(prio[1000]->value(), 7u);
  EXPECT_EQ(b.get("PRIORITY[1000]").value(), 7u);
  EXPECT_EQ(rd(b, 4 * 999, 4), 0u);
  tlm::tlm_response_status st;
  rd(b, 4 * 1024, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST(RegBank, CHeader) {
  RegBank b("uart0");
  b.add("LSR", 0x5, 1, 0x60, Access::ro, "line status")
      .field("DR", 0, 1, Access::ro, "data ready")
      .field("THRE", 5, 1, Access::ro);
  b.add("WIDE", 0x8, 8, 0, Access::rw).field("HI", 32, 32, Access::rw);
  b.add_array("PRIO", 0x100, 8, 4, 4, 0, Access::rw);
  b.array_field("PRIO", "LEVEL", 0, 3, Access::rw);
  std::string h = b.c_header("imc_uart");
  EXPECT_NE(h.find("#ifndef IMC_UART_REGS_H"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_LSR_OFFSET 0x5u\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_LSR_DR_SHIFT 0u\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_LSR_DR_MASK 0x1u\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_LSR_THRE_SHIFT 5u\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_LSR_THRE_MASK 0x20u\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_WIDE_HI_MASK 0xffffffff00000000ull\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_PRIO_OFFSET(i) (0x100u + 0x4u * (i))\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_PRIO_COUNT 8u\n"), std::string::npos);
  EXPECT_NE(h.find("#define IMC_UART_PRIO_LEVEL_MASK 0x7u\n"), std::string::npos);
  // Array elements are rendered once, not per element.
  EXPECT_EQ(h.find("PRIO_1_"), std::string::npos);
  EXPECT_NE(h.find("#endif"), std::string::npos);
  std::string md = b.markdown();
  EXPECT_NE(md.find("| 0x5 | LSR | 1 | RO | 0x60 | line status |"), std::string::npos);
  EXPECT_NE(md.find("[5] THRE"), std::string::npos);
}
