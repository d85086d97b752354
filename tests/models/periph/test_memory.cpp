// Memory bench: RW/RO behaviour, range errors, byte enables, DMI grants, debug access and
// lazy host allocation.
#include <gtest/gtest.h>

#include "models/periph/memory.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using imcvp::periph::Memory;
using imcvp::periph::MemoryConfig;
using imcvp::test::TestInitiator;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {
class MemoryTest : public imcvp::test::ScFixture {};
MemoryConfig cfg(uint64_t size, bool ro = false, double lat = 1.0) {
  MemoryConfig c;
  c.size_bytes = size;
  c.read_only = ro;
  c.latency_ns = lat;
  return c;
}
}  // namespace

TEST_F(MemoryTest, ReadWriteWithLatencyAndRangeErrors) {
  Memory mem("ram", cfg(4096, false, 4));
  TestInitiator ini("ini");
  ini.socket.bind(mem.socket);
  imcvp::test::settle();
  EXPECT_EQ(ini.write(0x100, 0x1122334455667788ull, 8), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(ini.read(0x100, 8), 0x1122334455667788ull);
  EXPECT_EQ(ini.read(0x104, 2), 0x3344u);
  EXPECT_EQ(ini.delay, sc_time(12, SC_NS));
  EXPECT_EQ(mem.data()[0x100], 0x88);
  tlm::tlm_response_status st;
  ini.read(4094, 4, &st);  // runs past the end
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(ini.write(4096, 1, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(ini.write(4095, 0xab, 1), tlm::TLM_OK_RESPONSE);
  // Byte enables: only enabled bytes are written.
  uint8_t data[4] = {1, 2, 3, 4};
  uint8_t be[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_WRITE_COMMAND);
  p.set_address(0x200);
  p.set_data_ptr(data);
  p.set_data_length(4);
  p.set_streaming_width(4);
  p.set_byte_enable_ptr(be);
  p.set_byte_enable_length(2);
  sc_time d;
  ini.socket->b_transport(p, d);
  EXPECT_TRUE(p.is_response_ok());
  EXPECT_EQ(ini.read(0x200, 4), 0x00030001u);
}

TEST_F(MemoryTest, RomRejectsBusWritesButAcceptsDebugWrites) {
  Memory rom("rom", cfg(4096, true));
  TestInitiator ini("ini");
  ini.socket.bind(rom.socket);
  imcvp::test::settle();
  EXPECT_EQ(ini.write(0x0, 0x13, 4), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(ini.read(0x0, 4), 0u);
  uint8_t code[8] = {0x97, 0x02, 0x00, 0x00, 0x13, 0x05, 0x00, 0x00};
  EXPECT_EQ(ini.debug(tlm::TLM_WRITE_COMMAND, 0x10, code, 8), 8u);
  EXPECT_EQ(ini.read(0x10, 4), 0x00000297u);
  uint8_t back[8] = {};
  EXPECT_EQ(ini.debug(tlm::TLM_READ_COMMAND, 0xffc, back, 8), 4u);  // cut at the end
  EXPECT_EQ(ini.debug(tlm::TLM_READ_COMMAND, 0x1000, back, 4), 0u);
  // DMI: read-only grant; a write request is refused but describes the read grant.
  tlm::tlm_dmi d;
  EXPECT_TRUE(ini.dmi(0x10, false, d));
  EXPECT_TRUE(d.is_read_allowed());
  EXPECT_FALSE(d.is_write_allowed());
  EXPECT_FALSE(ini.dmi(0x10, true, d));
  EXPECT_FALSE(d.is_write_allowed());
}

TEST_F(MemoryTest, DmiPointerAliasesStorage) {
  Memory mem("ram", cfg(1 << 16, false, 3));
  TestInitiator ini("ini");
  ini.socket.bind(mem.socket);
  imcvp::test::settle();
  tlm::tlm_dmi d;
  ASSERT_TRUE(ini.dmi(0x40, true, d));
  EXPECT_TRUE(d.is_read_write_allowed());
  EXPECT_EQ(d.get_start_address(), 0u);
  EXPECT_EQ(d.get_end_address(), (1u << 16) - 1);
  EXPECT_EQ(d.get_read_latency(), sc_time(3, SC_NS));
  d.get_dmi_ptr()[0x1234] = 0x5a;
  EXPECT_EQ(ini.read(0x1234, 1), 0x5au);
  ini.write(0x2000, 0xa5, 1);
  EXPECT_EQ(d.get_dmi_ptr()[0x2000], 0xa5);
}

TEST_F(MemoryTest, LargeWindowIsAllocatedLazily) {
  Memory mem("dram", cfg(1ull << 30));
  TestInitiator ini("ini");
  ini.socket.bind(mem.socket);
  imcvp::test::settle();
  EXPECT_EQ(mem.resident_bytes(), 0u);
  EXPECT_EQ(ini.read(0x2000'0000, 4), 0u);  // untouched memory reads as zero
  ini.write(0x3000'0000, 0xdeadbeef, 4);
  EXPECT_EQ(ini.read(0x3000'0000, 4), 0xdeadbeefu);
  // Only the touched pages are backed (the zero-page read may or may not count).
  EXPECT_GT(mem.resident_bytes(), 0u);
  EXPECT_LE(mem.resident_bytes(), 2u * 65536);
}

TEST_F(MemoryTest, ZeroSizeIsAClearError) {
  EXPECT_THROW(Memory("bad", cfg(0)), std::invalid_argument);
}
