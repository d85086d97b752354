#include <gtest/gtest.h>

#include "models/cpu/rv32_hart.h"

namespace imcvp::cpu {
namespace {

// CSRRW (op 0, always writes), CSRRS (op 1), CSRRC (op 2).
bool rd(Hart& h, uint32_t csr, uint32_t& v) {
  return h.csr_access(csr, 1, 0, false, v);
}
bool wr(Hart& h, uint32_t csr, uint32_t val) {
  uint32_t old;
  return h.csr_access(csr, 0, val, true, old);
}

TEST(Hart, MachineInformationCsrs) {
  Hart h(3);
  uint32_t v;
  ASSERT_TRUE(rd(h, csr::misa, v));
  EXPECT_EQ(v, 0x40101105u);  // RV32 + A C I M U
  ASSERT_TRUE(rd(h, csr::mhartid, v));
  EXPECT_EQ(v, 3u);
  for (uint32_t c : {csr::mvendorid, csr::marchid, csr::mimpid}) {
    ASSERT_TRUE(rd(h, c, v));
    EXPECT_EQ(v, 0u);
    EXPECT_FALSE(wr(h, c, 1)) << "read-only CSR write must be illegal";
    uint32_t old;
    EXPECT_TRUE(h.csr_access(c, 1, 0, false, old)) << "csrrs x0 on read-only is a plain read";
  }
  EXPECT_TRUE(wr(h, csr::misa, 0));  // WARL, ignored
  ASSERT_TRUE(rd(h, csr::misa, v));
  EXPECT_EQ(v, Hart::kMisa);
}

TEST(Hart, AbsentCsrsAreIllegal) {
  Hart h;
  uint32_t v;
  for (uint32_t c : {0x302u /*medeleg*/, 0x303u /*mideleg*/, 0x100u /*sstatus*/, 0x180u /*satp*/,
                     0x7a5u /*tcontrol*/, 0x7a8u /*mcontext*/, 0x7b0u /*dcsr*/, 0x7c0u, 0x800u,
                     0x001u /*fflags*/})
    EXPECT_FALSE(rd(h, c, v)) << std::hex << c;
  // Implemented but read-zero.
  for (uint32_t c : {0xB03u, 0xB1Fu, 0xB83u, 0x323u, 0x33Fu, 0x3A4u, 0x3C0u, 0x310u, 0x30Au}) {
    ASSERT_TRUE(rd(h, c, v)) << std::hex << c;
    EXPECT_EQ(v, 0u);
    EXPECT_TRUE(wr(h, c, 0xffffffff)) << std::hex << c;
    ASSERT_TRUE(rd(h, c, v));
    EXPECT_EQ(v, 0u) << std::hex << c;
  }
}

TEST(Hart, UserModePrivilegeAndCounterEnable) {
  Hart h;
  h.instret = 1234;
  h.cycles = 5678;
  h.time_now = 99;
  h.machine = false;
  uint32_t v;
  EXPECT_FALSE(rd(h, csr::mstatus, v));
  EXPECT_FALSE(rd(h, csr::mscratch, v));
  EXPECT_FALSE(rd(h, csr::cycle, v));  // mcounteren = 0
  EXPECT_FALSE(rd(h, csr::instret, v));
  EXPECT_FALSE(rd(h, csr::time, v));
  h.mcounteren = 0x5;  // CY and IR, not TM
  ASSERT_TRUE(rd(h, csr::cycle, v));
  EXPECT_EQ(v, 5678u);
  ASSERT_TRUE(rd(h, csr::instret, v));
  EXPECT_EQ(v, 1234u);
  EXPECT_FALSE(rd(h, csr::time, v));
  EXPECT_FALSE(rd(h, csr::timeh, v));
  ASSERT_TRUE(rd(h, csr::cycleh, v));
  EXPECT_EQ(v, 0u);
  EXPECT_FALSE(wr(h, csr::cycle, 0));  // user counters are read-only
  h.machine = true;
  ASSERT_TRUE(rd(h, csr::time, v));
  EXPECT_EQ(v, 99u);
}

TEST(Hart, CounterWritesAndInhibit) {
  Hart h;
  h.cycles = 1000;
  h.instret = 10;
  uint32_t v;
  ASSERT_TRUE(wr(h, csr::mcycle, 5));
  ASSERT_TRUE(rd(h, csr::mcycle, v));
  EXPECT_EQ(v, 5u);
  h.cycles += 7;
  ASSERT_TRUE(rd(h, csr::mcycle, v));
  EXPECT_EQ(v, 12u);
  ASSERT_TRUE(wr(h, csr::mcycleh, 2));
  EXPECT_EQ(h.mcycle_value(), (uint64_t{2} << 32) | 12);
  // minstret: the writing instruction does not count itself.
  ASSERT_TRUE(wr(h, csr::minstret, 100));
  h.instret += 1;  // the csrw retires
  ASSERT_TRUE(rd(h, csr::minstret, v));
  EXPECT_EQ(v, 100u);
  ASSERT_TRUE(wr(h, csr::minstreth, 1));
  h.instret += 1;
  EXPECT_EQ(h.minstret_value(), (uint64_t{1} << 32) | 100);
  // Inhibit CY and IR: frozen until released.
  ASSERT_TRUE(wr(h, csr::mcountinhibit, 0x7));
  ASSERT_TRUE(rd(h, csr::mcountinhibit, v));
  EXPECT_EQ(v, 0x5u);  // TM is read-only zero
  const uint64_t cy = h.mcycle_value(), ir = h.minstret_value();
  h.cycles += 50;
  h.instret += 5;
  EXPECT_EQ(h.mcycle_value(), cy);
  EXPECT_EQ(h.minstret_value(), ir);
  ASSERT_TRUE(wr(h, csr::mcountinhibit, 0));
  h.cycles += 3;
  EXPECT_EQ(h.mcycle_value(), cy + 3);
}

TEST(Hart, WarlFields) {
  Hart h;
  uint32_t v;
  ASSERT_TRUE(wr(h, csr::mstatus, 0xffffffff));
  ASSERT_TRUE(rd(h, csr::mstatus, v));
  EXPECT_EQ(v, 0x1888u | (1u << 21));        // MIE, MPIE, MPP=M, TW; no MPRV/SIE/...
  ASSERT_TRUE(wr(h, csr::mstatus, 0x0800));  // MPP = S: not supported -> U
  ASSERT_TRUE(rd(h, csr::mstatus, v));
  EXPECT_EQ(v & 0x1800u, 0u);
  ASSERT_TRUE(wr(h, csr::mtvec, 0x80000103));
  ASSERT_TRUE(rd(h, csr::mtvec, v));
  EXPECT_EQ(v, 0x80000101u);
  ASSERT_TRUE(wr(h, csr::mepc, 0x80000003));
  ASSERT_TRUE(rd(h, csr::mepc, v));
  EXPECT_EQ(v, 0x80000002u);
  ASSERT_TRUE(wr(h, csr::mie, 0xffffffff));
  ASSERT_TRUE(rd(h, csr::mie, v));
  EXPECT_EQ(v, 0x888u);
  h.irq_lines = mip_bits::MTIP;
  ASSERT_TRUE(wr(h, csr::mip, 0));  // read-only bits: write ignored
  ASSERT_TRUE(rd(h, csr::mip, v));
  EXPECT_EQ(v, 0x80u);
  // CSRRS / CSRRC semantics
  uint32_t old;
  ASSERT_TRUE(h.csr_access(csr::mscratch, 0, 0xf0, true, old));
  ASSERT_TRUE(h.csr_access(csr::mscratch, 1, 0x0f, true, old));
  EXPECT_EQ(old, 0xf0u);
  ASSERT_TRUE(h.csr_access(csr::mscratch, 2, 0x11, true, old));
  EXPECT_EQ(old, 0xffu);
  EXPECT_EQ(h.mscratch, 0xeeu);
}

TEST(Hart, TrapEntryAndMret) {
  Hart h;
  h.mtvec = 0x80000100;
  h.mstatus |= mstatus_bits::MIE;
  h.machine = false;
  h.reservation_valid = true;
  h.trap(cause::ecall_u, 0, 0x80001004);
  EXPECT_EQ(h.pc, 0x80000100u);
  EXPECT_TRUE(h.machine);
  EXPECT_EQ(h.mepc, 0x80001004u);
  EXPECT_EQ(h.mcause, 8u);
  EXPECT_EQ(h.mstatus & mstatus_bits::MIE, 0u);
  EXPECT_EQ(h.mstatus & mstatus_bits::MPIE, mstatus_bits::MPIE);
  EXPECT_EQ(h.mstatus & mstatus_bits::MPP, 0u);  // came from U
  EXPECT_FALSE(h.reservation_valid);
  h.mret();
  EXPECT_FALSE(h.machine);
  EXPECT_EQ(h.pc, 0x80001004u);
  EXPECT_EQ(h.mstatus & mstatus_bits::MIE, mstatus_bits::MIE);
  EXPECT_EQ(h.mstatus & mstatus_bits::MPIE, mstatus_bits::MPIE);
  // Vectored: interrupts go to base + 4*cause, exceptions to base.
  h.mtvec = 0x80000101;
  EXPECT_EQ(h.trap_target(cause::mti), 0x8000011cu);
  EXPECT_EQ(h.trap_target(cause::illegal), 0x80000100u);
}

TEST(Hart, InterruptPriorityAndEnable) {
  Hart h;
  h.irq_lines = mip_bits::ALL;
  EXPECT_EQ(h.pending_interrupt(), 0u);  // mie = 0
  h.mie = mip_bits::ALL;
  EXPECT_EQ(h.pending_interrupt(), 0u);  // M-mode with MIE = 0
  h.mstatus |= mstatus_bits::MIE;
  EXPECT_EQ(h.pending_interrupt(), cause::mei);
  h.irq_lines = mip_bits::MSIP | mip_bits::MTIP;
  EXPECT_EQ(h.pending_interrupt(), cause::msi);
  h.irq_lines = mip_bits::MTIP;
  EXPECT_EQ(h.pending_interrupt(), cause::mti);
  h.mstatus &= ~mstatus_bits::MIE;
  h.machine = false;  // U-mode: M interrupts are always enabled
  EXPECT_EQ(h.pending_interrupt(), cause::mti);
  EXPECT_STREQ(cause_name(cause::mti), "machine timer interrupt");
}

TEST(Hart, PmpCsrsReachThePmp) {
  Hart h;
  ASSERT_TRUE(wr(h, csr::pmpaddr0 + 3, 0x12345678));
  uint32_t v;
  ASSERT_TRUE(rd(h, csr::pmpaddr0 + 3, v));
  EXPECT_EQ(v, 0x12345678u);
  ASSERT_TRUE(wr(h, csr::pmpcfg0 + 1, 0x0000001f));
  EXPECT_TRUE(h.pmp.any_active());
  h.machine = false;
  EXPECT_FALSE(rd(h, csr::pmpcfg0, v));
}

}  // namespace
}  // namespace imcvp::cpu

namespace imcvp::cpu {
namespace {
// Sdtrig mcontrol triggers: WARL rules and the match logic (the core's use: test_debug.cpp,
// firmware isa-tests trig_*, rv32mi-p-breakpoint).
TEST(Hart, TriggerCsrsAndMatching) {
  using namespace mcontrol;
  Hart h;
  uint32_t v = 0, old = 0;
  ASSERT_TRUE(h.csr_read(csr::tinfo, v));
  EXPECT_EQ(v, 0x8004u);
  EXPECT_TRUE(h.csr_access(csr::tselect, 0, Hart::kTriggers, true, old));
  ASSERT_TRUE(h.csr_read(csr::tselect, v));
  EXPECT_EQ(v, 0u) << "a trigger that does not exist is not selected";
  // Load trigger on [0x100, 0x100] in M; M-mode needs mstatus.MIE.
  EXPECT_TRUE(h.csr_access(csr::tdata2, 0, 0x100, true, old));
  EXPECT_TRUE(h.csr_access(csr::tdata1, 0, kType2 | M | LOAD, true, old));
  EXPECT_EQ(h.trigger_fire(LOAD, 0x100, 4, false), -1) << "MIE = 0 in M-mode";
  h.mstatus |= mstatus_bits::MIE;
  EXPECT_EQ(h.trigger_fire(STORE, 0x100, 4, false), -1);
  EXPECT_EQ(h.trigger_fire(LOAD, 0x101, 4, false), -1);
  EXPECT_EQ(h.trigger_fire(LOAD, 0xFE, 4, false), 0) << "any accessed byte matches";
  EXPECT_TRUE(h.trig[0].tdata1 & HIT);
  h.machine = false;
  EXPECT_EQ(h.trigger_fire(LOAD, 0x100, 4, false), -1) << "m only";
  h.machine = true;
  // Chain 0 (>= 0x100) -> 1 (< 0x108): a range; the last of the chain fires.
  EXPECT_TRUE(
      h.csr_access(csr::tdata1, 0, kType2 | CHAIN | (2u << MATCH_SHIFT) | M | STORE, true, old));
  EXPECT_TRUE(h.csr_access(csr::tselect, 0, 1, true, old));
  EXPECT_TRUE(h.csr_access(csr::tdata2, 0, 0x108, true, old));
  EXPECT_TRUE(h.csr_access(csr::tdata1, 0, kType2 | (3u << MATCH_SHIFT) | M | STORE, true, old));
  EXPECT_EQ(h.trigger_fire(STORE, 0x104, 4, false), 1);
  EXPECT_EQ(h.trigger_fire(STORE, 0xFC, 4, false), -1);
  EXPECT_EQ(h.trigger_fire(STORE, 0x108, 1, false), -1);
  EXPECT_EQ(h.trigger_fire(STORE, 0xFD, 4, false), 1);
  // WARL: dmode, action 1, timing, select, NAPOT match and S are not writable from M-mode.
  EXPECT_TRUE(h.csr_access(csr::tdata1, 0,
                           kType2 | DMODE | (1u << ACTION_SHIFT) | TIMING | SELECT |
                               (1u << MATCH_SHIFT) | S | M | EXECUTE,
                           true, old));
  ASSERT_TRUE(h.csr_read(csr::tdata1, v));
  EXPECT_EQ(v, kType2 | M | EXECUTE);
  EXPECT_TRUE(h.csr_access(csr::tdata1, 0, 0, true, old));
  ASSERT_TRUE(h.csr_read(csr::tdata1, v));
  EXPECT_EQ(v, kType15);
  // U-mode has no access.
  h.machine = false;
  EXPECT_FALSE(h.csr_read(csr::tselect, v));
  EXPECT_FALSE(h.csr_read(csr::tdata1, v));
}
}  // namespace
}  // namespace imcvp::cpu
