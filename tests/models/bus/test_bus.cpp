// Bus bench: address decode and translation, error responses, DMI range translation and
// invalidation, debug transport, overlap rejection, and DMI/b_transport traffic parity.
#include <gtest/gtest.h>

#include <vector>

#include <tlm_utils/simple_target_socket.h>

#include "models/bus/bus.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using imcvp::bus::Bus;
using imcvp::bus::BusConfig;
using imcvp::test::TestInitiator;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

// A plain RAM-like target that remembers the local addresses it saw.
struct FakeTarget : sc_core::sc_module {
  tlm_utils::simple_target_socket<FakeTarget> socket;
  std::vector<uint8_t> mem;
  std::vector<uint64_t> seen;
  uint64_t dmi_end_override = 0;  // nonzero: grant DMI up to this local end

  FakeTarget(sc_core::sc_module_name n, size_t size) : sc_module(n), socket("socket"), mem(size) {
    socket.register_b_transport(this, &FakeTarget::b_transport);
    socket.register_get_direct_mem_ptr(this, &FakeTarget::dmi);
    socket.register_transport_dbg(this, &FakeTarget::dbg);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& d) {
    seen.push_back(p.get_address());
    d += sc_time(10, SC_NS);
    if (p.get_address() + p.get_data_length() > mem.size()) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    uint8_t* m = &mem[p.get_address()];
    if (p.is_write())
      std::memcpy(m, p.get_data_ptr(), p.get_data_length());
    else
      std::memcpy(p.get_data_ptr(), m, p.get_data_length());
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  bool dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& d) {
    d.set_dmi_ptr(mem.data());
    d.set_start_address(0);
    d.set_end_address(dmi_end_override ? dmi_end_override : mem.size() - 1);
    d.allow_read_write();
    d.set_read_latency(sc_time(5, SC_NS));
    d.set_write_latency(sc_time(6, SC_NS));
    return true;
  }
  unsigned dbg(tlm::tlm_generic_payload& p) {
    seen.push_back(p.get_address());
    unsigned n = p.get_data_length();
    if (p.get_address() + n > mem.size()) return 0;
    if (p.is_write())
      std::memcpy(&mem[p.get_address()], p.get_data_ptr(), n);
    else
      std::memcpy(p.get_data_ptr(), &mem[p.get_address()], n);
    return n;
  }
};

struct Bench {
  TestInitiator cpu{"cpu"};
  TestInitiator dbg{"dbg"};
  Bus bus;
  FakeTarget rom{"rom", 0x100};
  FakeTarget ram{"ram", 0x1000};
  explicit Bench(const BusConfig& cfg = {}, const char* name = "bus") : bus(name, cfg) {
    cpu.socket.bind(bus.target_socket);
    dbg.socket.bind(bus.target_socket);
    EXPECT_EQ(bus.add_target("rom", 0x1000, 0x100), 0);
    EXPECT_EQ(bus.add_target("ram", 0x8000'0000, 0x1000), 1);
    bus.initiator_socket.bind(rom.socket);
    bus.initiator_socket.bind(ram.socket);
    bus.name_initiator(0, "cpu");
    bus.name_initiator(1, "dbg");
  }
};

class BusTest : public imcvp::test::ScFixture {};

}  // namespace

TEST_F(BusTest, DecodeTranslatesAndAddsLatency) {
  BusConfig cfg;
  cfg.latency_ns = 3;
  Bench b(cfg);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  EXPECT_EQ(b.cpu.write(0x8000'0010, 0xcafef00d), tlm::TLM_OK_RESPONSE);
  ASSERT_EQ(b.ram.seen.size(), 1u);
  EXPECT_EQ(b.ram.seen[0], 0x10u);
  EXPECT_EQ(b.cpu.last_address, 0x8000'0010u);  // restored for the initiator
  EXPECT_EQ(b.cpu.delay, sc_time(13, SC_NS));   // bus 3 ns + target 10 ns
  EXPECT_EQ(b.cpu.read(0x8000'0010), 0xcafef00du);
  EXPECT_EQ(b.cpu.read(0x10fc), 0u);
  EXPECT_EQ(b.rom.seen.back(), 0xfcu);
  EXPECT_EQ(b.bus.decode(0x0fff), -1);
  EXPECT_EQ(b.bus.decode(0x1000), 0);
  EXPECT_EQ(b.bus.decode(0x10ff), 0);
  EXPECT_EQ(b.bus.decode(0x1100), -1);
  EXPECT_EQ(b.bus.decode(0x8000'0fff), 1);
  EXPECT_EQ(b.bus.decode(0x8000'1000), -1);
}

TEST_F(BusTest, UnmappedAndStraddlingAccessesAreAddressErrors) {
  Bench b;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  tlm::tlm_response_status st;
  b.cpu.read(0x0, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.cpu.write(0xffff'fff0, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.cpu.read(0x10fe, 4, &st);  // last 2 bytes of rom + 2 unmapped bytes
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_TRUE(b.rom.seen.empty());
  EXPECT_EQ(b.bus.initiator_counters(0).errors, 3u);
  EXPECT_EQ(b.bus.initiator_counters(0).transactions, 0u);
  EXPECT_EQ(b.bus.target_counters(0).errors, 1u);
  // A target's own error response is counted, too.
  b.ram.mem.resize(0x10);
  b.cpu.read(0x8000'0100, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.bus.target_counters(1).errors, 1u);
  EXPECT_EQ(b.bus.total_counters().errors, 4u);
}

TEST_F(BusTest, OverlappingRangesRejected) {
  Bus bus("bus", BusConfig{});
  bus.add_target("tcm", 0x8000'0000, 0x10'0000);
  try {
    bus.add_target("dram", 0x800f'0000, 0x1000);
    FAIL() << "overlap accepted";
  } catch (const std::invalid_argument& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("dram"), std::string::npos) << m;
    EXPECT_NE(m.find("tcm"), std::string::npos) << m;
  }
  EXPECT_THROW(bus.add_target("big", 0x0, 0x8000'0001), std::invalid_argument);
  EXPECT_THROW(bus.add_target("zero", 0x1000, 0), std::invalid_argument);
  EXPECT_THROW(bus.add_target("wrap", 0xffff'ffff'ffff'f000ull, 0x2000), std::invalid_argument);
  EXPECT_THROW(bus.add_target("tcm", 0x1000, 0x10), std::invalid_argument);
  EXPECT_EQ(bus.add_target("below", 0x7fff'f000, 0x1000), 1);  // adjacent is fine
}

TEST_F(BusTest, DmiRangeTranslatedAndClamped) {
  BusConfig cfg;
  cfg.latency_ns = 2;
  Bench b(cfg);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  tlm::tlm_dmi d;
  ASSERT_TRUE(b.cpu.dmi(0x8000'0004, false, d));
  EXPECT_EQ(d.get_start_address(), 0x8000'0000u);
  EXPECT_EQ(d.get_end_address(), 0x8000'0fffu);
  EXPECT_EQ(d.get_dmi_ptr(), b.ram.mem.data());
  EXPECT_EQ(d.get_read_latency(), sc_time(7, SC_NS));
  EXPECT_EQ(d.get_write_latency(), sc_time(8, SC_NS));
  // A target granting more than its window gets clamped to the window.
  b.rom.dmi_end_override = 0xffff;
  ASSERT_TRUE(b.cpu.dmi(0x1000, true, d));
  EXPECT_EQ(d.get_start_address(), 0x1000u);
  EXPECT_EQ(d.get_end_address(), 0x10ffu);
  // Holes grant nothing.
  EXPECT_FALSE(b.cpu.dmi(0x2000, false, d));
  EXPECT_EQ(d.get_granted_access(), tlm::tlm_dmi::DMI_ACCESS_NONE);
}

TEST_F(BusTest, InvalidationTranslatedToAllInitiators) {
  Bench b;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  b.ram.socket->invalidate_direct_mem_ptr(0x10, 0x20);
  b.rom.socket->invalidate_direct_mem_ptr(0, ~0ull);  // "everything" is clamped to the window
  for (TestInitiator* i : {&b.cpu, &b.dbg}) {
    ASSERT_EQ(i->invalidations.size(), 2u);
    EXPECT_EQ(i->invalidations[0], std::make_pair(uint64_t(0x8000'0010), uint64_t(0x8000'0020)));
    EXPECT_EQ(i->invalidations[1], std::make_pair(uint64_t(0x1000), uint64_t(0x10ff)));
  }
}

TEST_F(BusTest, DebugTransportForwardedAndCut) {
  Bench b;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  uint8_t data[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  EXPECT_EQ(b.dbg.debug(tlm::TLM_WRITE_COMMAND, 0x8000'0100, data, 16), 16u);
  EXPECT_EQ(b.ram.mem[0x100], 1);
  EXPECT_EQ(b.ram.mem[0x10f], 16);
  uint8_t back[16] = {};
  EXPECT_EQ(b.dbg.debug(tlm::TLM_READ_COMMAND, 0x8000'0100, back, 16), 16u);
  EXPECT_EQ(std::memcmp(back, data, 16), 0);
  EXPECT_EQ(b.dbg.debug(tlm::TLM_READ_COMMAND, 0x4000'0000, back, 4), 0u);  // unmapped
  EXPECT_EQ(b.dbg.debug(tlm::TLM_WRITE_COMMAND, 0x10f8, data, 16), 8u);     // cut at rom end
  EXPECT_EQ(b.rom.mem[0xff], 8);
  // Debug accesses are not traffic.
  EXPECT_EQ(b.bus.total_counters().transactions, 0u);
}

TEST_F(BusTest, DmiSinkTotalsEqualBTransportTotals) {
  BusConfig cfg;
  cfg.energy_pj_per_byte = 2.5;
  Bench a(cfg, "bus_a");
  Bus bus_b("bus_b", cfg);
  TestInitiator cpu_b("cpu_b"), dbg_b("dbg_b");
  FakeTarget rom_b("rom_b", 0x100), ram_b("ram_b", 0x1000);
  cpu_b.socket.bind(bus_b.target_socket);
  dbg_b.socket.bind(bus_b.target_socket);
  bus_b.add_target("rom", 0x1000, 0x100);
  bus_b.add_target("ram", 0x8000'0000, 0x1000);
  bus_b.initiator_socket.bind(rom_b.socket);
  bus_b.initiator_socket.bind(ram_b.socket);
  bus_b.name_initiator(0, "cpu");
  imcvp::TrafficSink& sink = bus_b.dmi_sink(0);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);

  // The same access mix: through b_transport on bus_a, reported as DMI batches on bus_b.
  for (int i = 0; i < 10; ++i) a.cpu.write(0x8000'0000 + 4 * i, i, 4);
  for (int i = 0; i < 7; ++i) a.cpu.read(0x8000'0000 + 2 * i, 2);
  for (int i = 0; i < 3; ++i) a.cpu.read(0x1000 + i, 1);
  sink.dmi_traffic(0x8000'0000, 0, 10, 0, 40);
  sink.dmi_traffic(0x8000'0800, 7, 0, 14, 0);
  sink.dmi_traffic(0x1000, 3, 0, 3, 0);

  auto same = [](const Bus::Counters& x, const Bus::Counters& y) {
    EXPECT_EQ(x.transactions, y.transactions);
    EXPECT_EQ(x.reads, y.reads);
    EXPECT_EQ(x.writes, y.writes);
    EXPECT_EQ(x.bytes_read, y.bytes_read);
    EXPECT_EQ(x.bytes_written, y.bytes_written);
  };
  same(a.bus.initiator_counters(0), bus_b.initiator_counters(0));
  same(a.bus.target_counters(0), bus_b.target_counters(0));
  same(a.bus.target_counters(1), bus_b.target_counters(1));
  same(a.bus.total_counters(), bus_b.total_counters());
  EXPECT_EQ(a.bus.total_counters().transactions, 20u);
  EXPECT_EQ(a.bus.total_counters().bytes_written, 40u);
  EXPECT_EQ(a.bus.total_counters().bytes_read, 17u);
  EXPECT_DOUBLE_EQ(a.bus.energy_pj(), 2.5 * 57);
  EXPECT_DOUBLE_EQ(bus_b.energy_pj(), a.bus.energy_pj());
  EXPECT_EQ(a.bus.initiator_counters(1).transactions, 0u);

  // The stats tree has per-initiator and per-target groups and the host_bus energy.
  auto& reg = imcvp::stats::Registry::get();
  ASSERT_NE(reg.find("bus_b.initiators.cpu"), nullptr);
  ASSERT_NE(reg.find("bus_b.targets.ram"), nullptr);
  auto e = reg.energy_breakdown();
  EXPECT_DOUBLE_EQ(e[static_cast<int>(imcvp::stats::EnergyKind::host_bus)], 2 * 2.5 * 57);
}
