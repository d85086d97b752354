// Model tests of Rv32Core on a one-target bench: traps, interrupts, WFI, LR/SC, self-modifying
// code, store watch, counters, DMI on/off equivalence, limits, fatal traps, PMP, semihosting.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "models/common/run_control.h"
#include "models/common/stats.h"
#include "tests/models/cpu/cpu_bench.h"
#include "tests/util/sc_fixture.h"

namespace imcvp::test {
namespace {

using cpu::CpuConfig;

struct Result {
  StopInfo stop;
  uint64_t instret = 0, cycles = 0;
  uint32_t x[32] = {};
  uint32_t pc = 0;
  std::vector<uint8_t> ram;
  std::string console;
  uint64_t bt_reads = 0, bt_writes = 0, bt_rbytes = 0, bt_wbytes = 0;
  uint64_t dmi_reads = 0, dmi_writes = 0, dmi_rbytes = 0, dmi_wbytes = 0;
  double sim_ns = 0;
  cpu::Hart hart;
  nlohmann::ordered_json stats;
  uint32_t word(uint32_t a) const {
    uint32_t v;
    std::memcpy(&v, &ram[a - kRamBase], 4);
    return v;
  }
  uint64_t reads() const { return bt_reads + dmi_reads; }
  uint64_t writes() const { return bt_writes + dmi_writes; }
};

class CoreTest : public ScFixture {
 protected:
  // Builds a fresh simulation, loads programs/<prog>.bin at 0x80000000, runs it and returns
  // the final state. `setup` may configure the bench/core before the run.
  Result run(const char* prog, CpuConfig cfg = {},
             const std::function<void(CoreBench&)>& setup = nullptr,
             sc_core::sc_time limit = sc_core::sc_time(10, sc_core::SC_MS)) {
    fresh_context();
    Result r;
    {
      auto tb = std::make_unique<CoreBench>(cfg);
      EXPECT_TRUE(tb->bench.load(std::string(CPU_PROG_DIR) + "/" + prog + ".bin")) << prog;
      if (setup) setup(*tb);
      sc_core::sc_start(limit);
      tb->core.flush_traffic();
      r.stop = RunControl::get().info();
      r.instret = tb->core.instret();
      r.cycles = tb->core.cycles();
      for (unsigned i = 0; i < 32; ++i) r.x[i] = tb->core.reg(i);
      r.pc = tb->core.pc();
      r.ram = tb->bench.ram;
      r.console = tb->bench.console;
      r.bt_reads = tb->bench.bt_reads;
      r.bt_writes = tb->bench.bt_writes;
      r.bt_rbytes = tb->bench.bt_rbytes;
      r.bt_wbytes = tb->bench.bt_wbytes;
      r.dmi_reads = tb->bench.dmi_reads;
      r.dmi_writes = tb->bench.dmi_writes;
      r.dmi_rbytes = tb->bench.dmi_rbytes;
      r.dmi_wbytes = tb->bench.dmi_wbytes;
      r.sim_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
      r.hart = tb->core.hart();
      r.stats = stats::Registry::get().to_json()["cpu"];
    }
    return r;
  }
};

enum Reg {
  ra = 1,
  sp,
  gp,
  tp,
  t0,
  t1,
  t2,
  s0,
  s1,
  a0,
  a1,
  a2,
  a3,
  a4,
  a5,
  a6,
  a7,
  s2,
  s3,
  s4,
  s5,
  s6,
  s7,
  s8,
  s9,
  s10,
  s11,
  t3,
  t4,
  t5,
  t6
};
constexpr uint32_t LOG = 0x80010000u;

TEST_F(CoreTest, EveryTrapKindSetsCauseEpcTval) {
  Result r = run("traps");
  ASSERT_EQ(r.stop.reason, StopReason::finisher)
      << r.stop.message << " pc=" << std::hex << r.pc << " log entries=" << (r.x[s0] - LOG) / 12;
  EXPECT_EQ(r.stop.exit_code, 0);
  const uint32_t mis = 0x80020001u;
  struct E {
    uint32_t cause, tval;
  };
  auto insn = [&](uint32_t a) { return r.word(a); };
  const uint32_t L14 = r.word(0x80000800 + 13 * 4), L15 = r.word(0x80000800 + 14 * 4);
  const E exp[16] = {{2, 0x40001033},
                     {2, 0x0000},
                     {11, 0},
                     {3, r.word(0x80000800 + 3 * 4)},
                     {3, r.word(0x80000800 + 4 * 4)},
                     {4, mis},
                     {6, mis + 2},
                     {5, 0x30000000},
                     {7, 0x30000000},
                     {7, 0x1000},
                     {6, mis},
                     {4, mis},
                     {1, 0x30000000},
                     {2, insn(L14)},
                     {2, insn(L15)},
                     {4, mis}};
  EXPECT_EQ(insn(L15), 0x7c0023f3u);  // csrr t2, 0x7c0: the assembler agrees with our mtval
  ASSERT_EQ(r.x[s0], LOG + 16 * 12) << "number of traps taken";
  for (int i = 0; i < 16; ++i) {
    const uint32_t epc = i == 12 ? 0x30000000u : r.word(0x80000800 + 4 * i);
    EXPECT_EQ(r.word(LOG + 12 * i), exp[i].cause) << "trap " << i + 1;
    EXPECT_EQ(r.word(LOG + 12 * i + 4), epc) << "trap " << i + 1;
    EXPECT_EQ(r.word(LOG + 12 * i + 8), exp[i].tval) << "trap " << i + 1;
  }
}

TEST_F(CoreTest, VectoredInterruptsInPriorityOrder) {
  Result r = run("irq");
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  ASSERT_EQ(r.stop.exit_code, 0);
  EXPECT_EQ(r.word(LOG + 0), 0x8000000bu);   // external first
  EXPECT_EQ(r.word(LOG + 12), 0x80000003u);  // then software
  EXPECT_EQ(r.word(LOG + 24), 0x80000007u);  // then timer
  // In the handler: MIE = 0, MPIE = 1, MPP = M.
  EXPECT_EQ(r.word(LOG + 8) & 0x1888u, 0x1880u);
  EXPECT_EQ(r.hart.mstatus & 0x8u, 0x8u);  // mret restored MIE
}

TEST_F(CoreTest, WfiLetsSimulatedTimePass) {
  Result r = run("wfi");
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  EXPECT_GE(r.sim_ns, 5000.0);
  EXPECT_LT(r.sim_ns, 5200.0);
  // time CSR at 10 MHz: at least 50 ticks passed across the WFI.
  EXPECT_GE(r.x[s2] - r.x[s1], 50u);
  EXPECT_LE(r.x[s2] - r.x[s1], 52u);
  EXPECT_EQ(r.x[s3] & 0x80u, 0x80u);  // MTIP pending
  EXPECT_LT(r.instret, 20u);          // no busy loop
  // mcycle keeps counting through WFI (1 GHz: ~5000 cycles).
  EXPECT_GE(r.cycles, 5000u);
}

TEST_F(CoreTest, LrScReservationRules) {
  Result r = run("lrsc");
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  EXPECT_EQ(r.x[a1], 0u);  // lr/sc pair succeeds
  EXPECT_EQ(r.x[a3], 1u);  // store to the reserved word clears it
  EXPECT_EQ(r.x[a4], 1u);  // sc without reservation
  EXPECT_EQ(r.x[a6], 1u);  // a trap clears it
  EXPECT_EQ(r.x[s2], 0u);  // a store elsewhere keeps it
  EXPECT_EQ(r.x[s3], 5u);
  EXPECT_EQ(r.x[s4], 15u);
  EXPECT_EQ(r.x[s5], 0xfffffffdu);
  EXPECT_EQ(r.x[s6], 0xfffffffdu);
  EXPECT_EQ(r.x[s7], 7u);
  EXPECT_EQ(r.x[s8], 0xfu);
  EXPECT_EQ(r.word(LOG), 11u);  // the ecall was taken
}

TEST_F(CoreTest, SelfModifyingCodeAndFenceI) {
  for (bool dmi : {true, false}) {
    CpuConfig cfg;
    cfg.dmi = dmi;
    Result r = run("smc", cfg);
    ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
    EXPECT_EQ(r.x[s1], 1u) << "dmi=" << dmi;
    EXPECT_EQ(r.x[s2], 5u) << "dmi=" << dmi;
    EXPECT_EQ(r.x[a1], 7u) << "dmi=" << dmi;
  }
}

TEST_F(CoreTest, StoreWatchCallbackSeesOverlappingStores) {
  std::vector<std::pair<uint32_t, uint32_t>> seen;
  for (bool dmi : {true, false}) {
    seen.clear();
    CpuConfig cfg;
    cfg.dmi = dmi;
    Result r = run("watch", cfg, [&](CoreBench& tb) {
      tb.core.set_store_watch(LOG + 0x300, 4, [&](uint32_t addr, uint32_t v) {
        seen.emplace_back(addr, v);
        if (v == 0xabcd) RunControl::get().request_stop(StopReason::tohost, 0, "tohost");
      });
    });
    ASSERT_EQ(r.stop.reason, StopReason::tohost) << r.stop.message;
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].first, LOG + 0x302);
    EXPECT_EQ(seen[0].second & 0xff, 0x34u);
    EXPECT_EQ(seen[1].first, LOG + 0x300);
    EXPECT_EQ(r.x[a0], 1u) << "stopped right after the watched store";
  }
}

TEST_F(CoreTest, CounterCsrs) {
  Result r = run("csr");
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  EXPECT_EQ(r.x[a1] - r.x[a0], 4u);
  EXPECT_EQ(r.x[a2], 100u);
  EXPECT_EQ(r.x[a3], 101u);
  EXPECT_EQ(r.x[a4], r.x[a5]);
  EXPECT_EQ(r.x[s1], r.x[s2]);
  EXPECT_EQ(r.x[s3], 0x40101105u);
  EXPECT_EQ(r.x[s4], 0u);
  EXPECT_EQ(r.x[s5], 0xfffffffdu);
  EXPECT_EQ(r.x[s6] & 0x1800u, 0u);
  EXPECT_EQ(r.x[s7], 0u);
}

uint32_t crc32_ref(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
  }
  return ~c;
}

TEST_F(CoreTest, DmiOnAndOffGiveIdenticalCountsAndTraffic) {
  auto lat = [](CoreBench& tb) { tb.bench.latency = sc_core::sc_time(3, sc_core::SC_NS); };
  CpuConfig on, off;
  off.dmi = false;
  Result a = run("crc", on, lat);
  Result b = run("crc", off, lat);
  ASSERT_EQ(a.stop.reason, StopReason::finisher) << a.stop.message;
  ASSERT_EQ(b.stop.reason, StopReason::finisher) << b.stop.message;
  uint8_t buf[256];
  for (int i = 0; i < 256; ++i) buf[i] = static_cast<uint8_t>(i * 7 + 1);
  EXPECT_EQ(a.x[s1], crc32_ref(buf, 256));
  EXPECT_EQ(a.x[s1], b.x[s1]);
  EXPECT_EQ(a.instret, b.instret);
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_GT(a.instret, 4u * 256 * 8 * 7);
  // DMI run: almost all traffic through the sink; non-DMI run: all through b_transport.
  EXPECT_GT(a.dmi_reads, 1000u);
  EXPECT_EQ(b.dmi_reads + b.dmi_writes, 0u);
  EXPECT_EQ(a.reads(), b.reads());
  EXPECT_EQ(a.writes(), b.writes());
  EXPECT_EQ(a.bt_rbytes + a.dmi_rbytes, b.bt_rbytes + b.dmi_rbytes);
  EXPECT_EQ(a.bt_wbytes + a.dmi_wbytes, b.bt_wbytes + b.dmi_wbytes);
  // 4 passes x 256 byte loads + 256 fill stores + 4 result stores + 1 exit store.
  EXPECT_EQ(a.writes(), 256u + 4 + 1);
}

TEST_F(CoreTest, MaxInstsStopsExactly) {
  for (uint64_t lim : {1u, 1001u, 100000u}) {
    Result r = run("loop", {}, [&](CoreBench& tb) { tb.core.set_max_insts(lim); });
    ASSERT_EQ(r.stop.reason, StopReason::limit_insts);
    EXPECT_EQ(r.stop.exit_code, exit_code::limit);
    EXPECT_EQ(r.instret, lim);
    EXPECT_EQ(r.x[a0], (lim + 1) / 2);
  }
}

TEST_F(CoreTest, FatalTrapWithoutHandlerStopsWithOriginalCause) {
  Result r = run("fatal");
  ASSERT_EQ(r.stop.reason, StopReason::fatal_trap);
  EXPECT_EQ(r.stop.exit_code, exit_code::fatal_trap);
  const std::string& m = r.stop.message;
  EXPECT_NE(m.find("illegal instruction"), std::string::npos) << m;
  EXPECT_NE(m.find("mcause=0x00000002"), std::string::npos) << m;
  EXPECT_NE(m.find("pc=0x80000002"), std::string::npos) << m;
  EXPECT_NE(m.find("0x40001033"), std::string::npos) << m;
  EXPECT_NE(m.find("mtvec=0x00000000"), std::string::npos) << m;
  EXPECT_EQ(r.instret, 1u);
  EXPECT_LT(r.sim_ns, 1000.0);
}

TEST_F(CoreTest, TimerInterruptInterruptsABusyLoopWithinAQuantum) {
  CpuConfig cfg;
  cfg.quantum_ns = 100;
  Result r = run("timer", cfg);
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  EXPECT_EQ(r.x[s2], 1u);
  EXPECT_GE(r.sim_ns, 2000.0);
  EXPECT_LE(r.sim_ns, 2000.0 + 2 * 100 + 50);
  // loop: addi (1 cycle) + lw (2) + taken branch (3) = 6 ns per iteration at 1 GHz.
  EXPECT_GT(r.x[s1], 280u);
  EXPECT_LT(r.x[s1], 380u);
  EXPECT_EQ(r.hart.mcause, 0x80000007u);
  // Interrupt arrival is at the same instruction with DMI off (syncs happen at block ends on
  // both paths, memory stalls are charged at once on both).
  CpuConfig off = cfg;
  off.dmi = false;
  Result b = run("timer", off,
                 [](CoreBench& tb) { tb.bench.latency = sc_core::sc_time(2, sc_core::SC_NS); });
  Result a = run("timer", cfg,
                 [](CoreBench& tb) { tb.bench.latency = sc_core::sc_time(2, sc_core::SC_NS); });
  EXPECT_EQ(a.instret, b.instret);
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(a.x[s1], b.x[s1]);
  EXPECT_LT(a.x[s1], r.x[s1]);  // the 2-cycle load latency slows the loop down
  EXPECT_EQ(a.hart.mepc, b.hart.mepc);
}

TEST_F(CoreTest, MisalignedAccessesEmulatedWhenConfigured) {
  CpuConfig cfg;
  cfg.misaligned = "emulate";
  for (bool dmi : {true, false}) {
    cfg.dmi = dmi;
    Result r = run("misaligned", cfg);
    ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
    EXPECT_EQ(r.x[a0], 0x11223344u);
    EXPECT_EQ(r.x[a1], 0x1122u);
    EXPECT_EQ(r.x[a2], 0xffff80ffu);
    EXPECT_EQ(r.x[a3], 0x80ffu);
    EXPECT_EQ(r.x[a4], 0x22334400u);
  }
}

TEST_F(CoreTest, FatalTrapWhenHandlerFaultsImmediately) {
  Result r = run("fatal2");
  ASSERT_EQ(r.stop.reason, StopReason::fatal_trap);
  const std::string& m = r.stop.message;
  EXPECT_NE(m.find("environment call from M-mode"), std::string::npos) << m;
  EXPECT_NE(m.find("mtvec=0x80010000"), std::string::npos) << m;
  EXPECT_NE(m.find("illegal instruction"), std::string::npos) << m;
}

TEST_F(CoreTest, DmiInvalidationDropsPointersAndDecodedCode) {
  Result r = run("dmiinv");
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  EXPECT_EQ(r.x[s3], 2016u);
  EXPECT_EQ(r.x[s4], 2016u);
  const auto& c = r.stats;
  EXPECT_GE(c["dmi_grants"]["value"].get<double>(), 2.0) << c.dump(1);  // re-acquired
  EXPECT_GE(c["decode"]["invalidations"]["value"].get<double>(), 1.0);
  // Traffic stays complete across the invalidation: 64 fill stores + 2 x 64 loads.
  EXPECT_EQ(r.writes(), 64u + 1 + 1);  // + the invalidate and exit device writes
  EXPECT_GE(r.reads(), 128u);
}

TEST_F(CoreTest, TargetThatWaitsInBTransportAdvancesCoreTime) {
  Result r = run("slowdev");
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  EXPECT_EQ(r.x[a0], 0x5107u);
  // 100 ns at 1 GHz = 100 cycles of stall, plus the load and CSR costs.
  EXPECT_GE(r.x[s2] - r.x[s1], 100u);
  EXPECT_LE(r.x[s2] - r.x[s1], 110u);
  EXPECT_GE(r.sim_ns, 100.0);
  EXPECT_EQ(r.x[s3], static_cast<uint32_t>((r.x[s2] + 3) / 100));  // time at 10 MHz
}

TEST_F(CoreTest, PmpDeniesUModeAndLocksMMode) {
  Result r = run("pmp");
  ASSERT_EQ(r.stop.reason, StopReason::finisher) << r.stop.message;
  ASSERT_EQ(r.x[s0], LOG + 6 * 12);
  const uint32_t U3 = r.word(0x80000808), U4 = r.word(0x8000080c);
  const uint32_t exp_cause[6] = {7, 5, 2, 2, 8, 7};
  const uint32_t exp_tval[6] = {0x80030000, 0x80040000, r.word(U3), r.word(U4), 0, 0x80050000};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(r.word(LOG + 12 * i), exp_cause[i]) << i;
    if (i == 4) continue;  // ecall entry only records the cause
    EXPECT_EQ(r.word(LOG + 12 * i + 4), r.word(0x80000800 + 4 * i)) << i;
    EXPECT_EQ(r.word(LOG + 12 * i + 8), exp_tval[i]) << i;
  }
  EXPECT_EQ(r.x[a1], 0x80008000u);
  EXPECT_EQ(r.x[s1], 0x00910000u);  // locked entry survives pmpcfg0 = 0
  EXPECT_EQ(r.x[s2], 0x20014000u);  // locked pmpaddr2 ignores writes
}

TEST_F(CoreTest, SemihostingWriteFeaturesAndExitExtended) {
  std::string out;
  Result r = run("semihost", {}, [&](CoreBench& tb) {
    tb.core.semihost().set_console_out([&](int, const char* d, size_t n) { out.append(d, n); });
  });
  ASSERT_EQ(r.stop.reason, StopReason::semihost_exit) << r.stop.message;
  EXPECT_EQ(r.stop.exit_code, 3);
  EXPECT_EQ(out, "hello semihosting\n");
  EXPECT_EQ(r.x[s2], 0u);
  EXPECT_EQ(std::memcmp(&r.ram[LOG + 0x200 - kRamBase], "SHFB\x03", 5), 0);
}

TEST_F(CoreTest, StatsReportInstructionsAndEnergy) {
  fresh_context();
  auto tb = std::make_unique<CoreBench>();
  ASSERT_TRUE(tb->bench.load(std::string(CPU_PROG_DIR) + "/loop.bin"));
  tb->core.set_max_insts(5000);
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
  auto j = stats::Registry::get().to_json();
  const auto& c = j["cpu"];
  EXPECT_EQ(c["instructions"]["value"].get<double>(), 5000.0);
  EXPECT_EQ(c["energy"]["value"].get<double>(), 5000.0 * CpuConfig{}.energy_per_inst_pj);
  EXPECT_GT(c["ipc"]["value"].get<double>(), 0.1);
}

}  // namespace
}  // namespace imcvp::test
