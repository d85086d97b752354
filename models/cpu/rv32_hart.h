// Architectural state of one RV32IMAC hart (M + U mode): registers, CSRs, trap entry/return.
// Pure logic without SystemC, so the CSR and trap rules are unit-testable; Rv32Core runs the
// instructions and keeps the raw counters `instret`/`cycles` up to date before CSR accesses.
//
// Triggers (Sdtrig): kTriggers mcontrol (type 2) triggers, address match on execute, load,
// store in M and U mode, timing "before", action 0 (breakpoint exception) or, for triggers the
// debugger owns (dmode = 1), action 1 (halt in the debugger); see docs/cpu.md.
//
// Limits: no S-mode (medeleg/mideleg do not exist: illegal), no MPRV (reads 0), no debug
// mode (dmode triggers are set only through the debugger API), mhpmcounters read zero, mtval is
// written for every exception as documented in docs/cpu.md.
#pragma once

#include <cstdint>

#include "models/cpu/pmp.h"

namespace imcvp::cpu {

namespace csr {
enum : uint16_t {
  cycle = 0xC00,
  time = 0xC01,
  instret = 0xC02,
  cycleh = 0xC80,
  timeh = 0xC81,
  instreth = 0xC82,
  mstatus = 0x300,
  misa = 0x301,
  medeleg = 0x302,
  mideleg = 0x303,
  mie = 0x304,
  mtvec = 0x305,
  mcounteren = 0x306,
  menvcfg = 0x30A,
  mstatush = 0x310,
  menvcfgh = 0x31A,
  mcountinhibit = 0x320,
  mscratch = 0x340,
  mepc = 0x341,
  mcause = 0x342,
  mtval = 0x343,
  mip = 0x344,
  pmpcfg0 = 0x3A0,
  pmpaddr0 = 0x3B0,
  mcycle = 0xB00,
  minstret = 0xB02,
  mcycleh = 0xB80,
  minstreth = 0xB82,
  mvendorid = 0xF11,
  marchid = 0xF12,
  mimpid = 0xF13,
  mhartid = 0xF14,
  mconfigptr = 0xF15,
  tselect = 0x7A0,
  tdata1 = 0x7A1,
  tdata2 = 0x7A2,
  tdata3 = 0x7A3,
  tinfo = 0x7A4,
};
}  // namespace csr

namespace cause {
enum : uint32_t {
  insn_misaligned = 0,
  insn_access = 1,
  illegal = 2,
  breakpoint = 3,
  load_misaligned = 4,
  load_access = 5,
  store_misaligned = 6,
  store_access = 7,
  ecall_u = 8,
  ecall_m = 11,
  interrupt = 0x80000000u,
  msi = interrupt | 3,
  mti = interrupt | 7,
  mei = interrupt | 11,
};
}  // namespace cause
const char* cause_name(uint32_t mcause);

namespace mstatus_bits {
enum : uint32_t { MIE = 1u << 3, MPIE = 1u << 7, MPP = 3u << 11, TW = 1u << 21 };
}
namespace mip_bits {
enum : uint32_t { MSIP = 1u << 3, MTIP = 1u << 7, MEIP = 1u << 11, ALL = MSIP | MTIP | MEIP };
}

// mcontrol (tdata1 type 2) fields, RV32 layout of the RISC-V Debug Specification (Sdtrig).
namespace mcontrol {
enum : uint32_t {
  TYPE_SHIFT = 28,
  DMODE = 1u << 27,
  MASKMAX_MASK = 0x3Fu << 21,
  HIT = 1u << 20,
  SELECT = 1u << 19,
  TIMING = 1u << 18,
  SIZELO_MASK = 3u << 16,
  ACTION_SHIFT = 12,
  ACTION_MASK = 0xFu << 12,
  CHAIN = 1u << 11,
  MATCH_SHIFT = 7,
  MATCH_MASK = 0xFu << 7,
  M = 1u << 6,
  S = 1u << 4,
  U = 1u << 3,
  EXECUTE = 1u << 2,
  STORE = 1u << 1,
  LOAD = 1u << 0,
};
constexpr uint32_t kType2 = 2u << TYPE_SHIFT;
constexpr uint32_t kType15 = 15u << TYPE_SHIFT;  // "exists but disabled"
}  // namespace mcontrol

class Hart {
 public:
  explicit Hart(uint32_t hartid = 0) : hartid_(hartid) { reset(0); }
  void reset(uint32_t pc);

  // x[0] is always 0; x[32] is a scratch sink for writes to x0 from side-effecting ops.
  uint32_t x[33] = {};
  uint32_t pc = 0;
  bool machine = true;  // privilege: true = M, false = U

  // Raw counters maintained by the executor (all retired instructions / elapsed cycles).
  uint64_t instret = 0;
  uint64_t cycles = 0;
  uint64_t time_now = 0;   // value for the time CSR; set by the core before a CSR access
  uint32_t irq_lines = 0;  // MSIP/MTIP/MEIP levels from the interrupt ports

  // CSR access as CSRRW/S/C: op 0 = write, 1 = set, 2 = clear. `writes` is false for CSRRS/C
  // with rs1 = x0 (or uimm = 0), which must not write nor fail on read-only CSRs.
  // Returns false if the access is illegal (caller raises illegal instruction).
  bool csr_access(uint32_t num, int op, uint32_t operand, bool writes, uint32_t& old);
  bool csr_read(uint32_t num, uint32_t& v) const;
  // Set when a CSR write hit minstret(h): the writing instruction must not increment it.
  bool instret_written = false;

  // Takes a trap: updates mepc/mcause/mtval/mstatus/privilege and sets pc to the handler.
  void trap(uint32_t mcause, uint32_t mtval, uint32_t epc);
  void mret();
  // Highest-priority pending and enabled interrupt as an mcause value, or 0.
  uint32_t pending_interrupt() const;
  uint32_t mip() const { return irq_lines & mip_bits::ALL; }
  // Handler address a trap with this mcause would jump to.
  uint32_t trap_target(uint32_t mcause) const;

  uint32_t mstatus = 0, mie = 0, mtvec = 0, mscratch = 0, mepc = 0, mcause = 0, mtval = 0;
  uint32_t mcounteren = 0, mcountinhibit = 0;
  Pmp pmp;
  bool reservation_valid = false;
  uint32_t reservation_addr = 0;

  static constexpr uint32_t kMisa =
      0x40000000u | (1u << 0) | (1u << 2) | (1u << 8) | (1u << 12) | (1u << 20);  // RV32 A C I M U

  // --- Triggers ---
  static constexpr unsigned kTriggers = 4;
  struct Trigger {
    uint32_t tdata1 = mcontrol::kType2;  // type 2, nothing enabled
    uint32_t tdata2 = 0;
  };
  Trigger trig[kTriggers];
  uint32_t tselect = 0;
  // Bumped on every change of a trigger (the core re-derives its fast-path flags from it).
  uint32_t trig_version = 0;
  // Firing trigger for an access of `kinds` (mcontrol EXECUTE/STORE/LOAD bits) to bytes
  // [a, a+n) at the current privilege: the index of the last trigger of the matching chain,
  // or -1. Triggers with action 1 (debugger) count only if `debug` is true; action 0 ones
  // do not fire in M-mode while mstatus.MIE = 0 (Sdtrig's rule against re-entering the
  // handler, as there is no tcontrol). Sets the hit bits of the chain.
  int trigger_fire(uint32_t kinds, uint32_t a, unsigned n, bool debug);
  // Whether trigger i (type 2) is enabled for kind(s) in some mode (ignores MIE/privilege).
  bool trigger_armed(unsigned i, uint32_t kinds) const;
  // Debugger access (as from debug mode): raw values, no WARL rules except the type.
  void trigger_debug_set(unsigned i, uint32_t tdata1, uint32_t tdata2);
  // Free for the debugger: not enabled for anything and not owned by the debugger.
  bool trigger_free(unsigned i) const;

  uint64_t mcycle_value() const;
  uint64_t minstret_value() const;

 private:
  bool counter_allowed(uint32_t num) const;
  bool write_csr(uint32_t num, uint32_t v);
  void set_mcycle(uint64_t v);
  void set_minstret(uint64_t v);
  void set_inhibit(uint32_t v);
  void write_tdata1(uint32_t v);
  bool trigger_matches(unsigned i, uint32_t kinds, uint32_t a, unsigned n) const;

  uint32_t hartid_;
  // mcycle = (inhibited ? frozen : cycles) + offset; the same scheme for minstret.
  uint64_t cy_off_ = 0, ir_off_ = 0, cy_frozen_ = 0, ir_frozen_ = 0;
};

}  // namespace imcvp::cpu
