#include "models/cpu/rv32_hart.h"

namespace imcvp::cpu {

const char* cause_name(uint32_t c) {
  switch (c) {
    case cause::insn_misaligned:
      return "instruction address misaligned";
    case cause::insn_access:
      return "instruction access fault";
    case cause::illegal:
      return "illegal instruction";
    case cause::breakpoint:
      return "breakpoint";
    case cause::load_misaligned:
      return "load address misaligned";
    case cause::load_access:
      return "load access fault";
    case cause::store_misaligned:
      return "store/AMO address misaligned";
    case cause::store_access:
      return "store/AMO access fault";
    case cause::ecall_u:
      return "environment call from U-mode";
    case cause::ecall_m:
      return "environment call from M-mode";
    case cause::msi:
      return "machine software interrupt";
    case cause::mti:
      return "machine timer interrupt";
    case cause::mei:
      return "machine external interrupt";
    default:
      return "unknown cause";
  }
}

void Hart::reset(uint32_t reset_pc) {
  for (auto& r : x) r = 0;
  pc = reset_pc;
  machine = true;
  mstatus = mstatus_bits::MPP;  // MPP = M after reset (only M and U exist)
  mie = mtvec = mscratch = mepc = mcause = mtval = mcounteren = mcountinhibit = 0;
  pmp = Pmp{};
  reservation_valid = false;
  instret = cycles = 0;
  for (auto& t : trig)  // the debugger's triggers (dmode) survive a hart reset
    if (!(t.tdata1 & mcontrol::DMODE)) t = Trigger{};
  tselect = 0;
  ++trig_version;
  cy_off_ = ir_off_ = cy_frozen_ = ir_frozen_ = 0;
}

uint64_t Hart::mcycle_value() const {
  return ((mcountinhibit & 1) ? cy_frozen_ : cycles) + cy_off_;
}
uint64_t Hart::minstret_value() const {
  return ((mcountinhibit & 4) ? ir_frozen_ : instret) + ir_off_;
}
void Hart::set_mcycle(uint64_t v) {
  cy_off_ = v - ((mcountinhibit & 1) ? cy_frozen_ : cycles);
}
void Hart::set_minstret(uint64_t v) {
  // The writing instruction itself retires after the write: do not let it count.
  if (mcountinhibit & 4)
    ir_off_ = v - ir_frozen_;
  else
    ir_off_ = v - (instret + 1);
  instret_written = true;
}
void Hart::set_inhibit(uint32_t v) {
  v &= 0xFFFFFFFDu;  // bit 1 (TM) is read-only zero
  const uint64_t cy = mcycle_value(), ir = minstret_value();
  const bool ir_now = instret_written;
  mcountinhibit = v;
  cy_frozen_ = cycles;
  ir_frozen_ = instret;
  set_mcycle(cy);
  // Re-basing minstret must keep the current value (this instruction has not retired yet).
  ir_off_ = ir - ((mcountinhibit & 4) ? ir_frozen_ : instret);
  instret_written = ir_now;
}

bool Hart::counter_allowed(uint32_t num) const {
  if (machine) return true;
  const uint32_t bit = num & 0x1f;  // cycle/time/instret/hpmcounterN and their *h
  return (mcounteren >> bit) & 1;
}

bool Hart::csr_read(uint32_t num, uint32_t& v) const {
  const uint32_t min_priv = (num >> 8) & 3;
  if (min_priv == 1 || min_priv == 2) return false;  // S/H CSRs do not exist
  if (min_priv == 3 && !machine) return false;
  if ((num >= 0xC00 && num <= 0xC1F) || (num >= 0xC80 && num <= 0xC9F)) {
    if (!counter_allowed(num)) return false;
    const bool high = num >= 0xC80;
    uint64_t val = 0;
    switch (num & 0x1f) {
      case 0:
        val = mcycle_value();
        break;
      case 1:
        val = time_now;
        break;
      case 2:
        val = minstret_value();
        break;
      default:
        val = 0;
        break;  // hpmcounter3..31
    }
    v = static_cast<uint32_t>(high ? val >> 32 : val);
    return true;
  }
  if ((num >= 0xB03 && num <= 0xB1F) || (num >= 0xB83 && num <= 0xB9F) ||
      (num >= 0x323 && num <= 0x33F)) {
    v = 0;  // mhpmcounter3..31(h), mhpmevent3..31: not implemented, read zero
    return true;
  }
  if (num >= csr::pmpcfg0 && num <= 0x3AF) {
    v = num < csr::pmpcfg0 + 4 ? pmp.read_cfg(num - csr::pmpcfg0) : 0;
    return true;
  }
  if (num >= csr::pmpaddr0 && num <= 0x3EF) {
    v = num < csr::pmpaddr0 + Pmp::kEntries ? pmp.read_addr(num - csr::pmpaddr0) : 0;
    return true;
  }
  switch (num) {
    case csr::mstatus:
      v = mstatus;
      return true;
    case csr::mstatush:
      v = 0;
      return true;
    case csr::misa:
      v = kMisa;
      return true;
    case csr::mie:
      v = mie;
      return true;
    case csr::mip:
      v = mip();
      return true;
    case csr::mtvec:
      v = mtvec;
      return true;
    case csr::mcounteren:
      v = mcounteren;
      return true;
    case csr::menvcfg:
    case csr::menvcfgh:
      v = 0;
      return true;
    case csr::mcountinhibit:
      v = mcountinhibit;
      return true;
    case csr::mscratch:
      v = mscratch;
      return true;
    case csr::mepc:
      v = mepc;
      return true;
    case csr::mcause:
      v = mcause;
      return true;
    case csr::mtval:
      v = mtval;
      return true;
    case csr::mcycle:
      v = static_cast<uint32_t>(mcycle_value());
      return true;
    case csr::mcycleh:
      v = static_cast<uint32_t>(mcycle_value() >> 32);
      return true;
    case csr::minstret:
      v = static_cast<uint32_t>(minstret_value());
      return true;
    case csr::minstreth:
      v = static_cast<uint32_t>(minstret_value() >> 32);
      return true;
    case csr::mvendorid:
    case csr::marchid:
    case csr::mimpid:
    case csr::mconfigptr:
      v = 0;
      return true;
    case csr::mhartid:
      v = hartid_;
      return true;
    case csr::tselect:
      v = tselect;
      return true;
    case csr::tdata1:
      v = trig[tselect].tdata1;
      return true;
    case csr::tdata2:
      v = trig[tselect].tdata2;
      return true;
    case csr::tdata3:
      v = 0;  // mcontrol has no tdata3
      return true;
    case csr::tinfo:
      v = (1u << 2) | (1u << 15);  // types 2 (mcontrol) and 15 (disabled)
      return true;
    default:
      return false;  // includes medeleg/mideleg (no S-mode), tcontrol, mcontext, dcsr...
  }
}

bool Hart::write_csr(uint32_t num, uint32_t v) {
  if (num >= csr::pmpcfg0 && num <= 0x3AF) {
    if (num < csr::pmpcfg0 + 4) pmp.write_cfg(num - csr::pmpcfg0, v);
    return true;
  }
  if (num >= csr::pmpaddr0 && num <= 0x3EF) {
    if (num < csr::pmpaddr0 + Pmp::kEntries) pmp.write_addr(num - csr::pmpaddr0, v);
    return true;
  }
  if ((num >= 0xB03 && num <= 0xB1F) || (num >= 0xB83 && num <= 0xB9F) ||
      (num >= 0x323 && num <= 0x33F))
    return true;  // read-only-zero counters/events ignore writes
  switch (num) {
    case csr::mstatus: {
      uint32_t m = v & (mstatus_bits::MIE | mstatus_bits::MPIE | mstatus_bits::TW);
      uint32_t mpp = (v & mstatus_bits::MPP) >> 11;
      m |= (mpp == 3 ? 3u : 0u) << 11;  // WARL: only M (3) and U (0) exist
      mstatus = m;
      return true;
    }
    case csr::mstatush:
    case csr::misa:
    case csr::mip:
    case csr::menvcfg:
    case csr::menvcfgh:
      return true;  // WARL, nothing writable (mip bits come from the interrupt ports)
    case csr::mie:
      mie = v & mip_bits::ALL;
      return true;
    case csr::mtvec:
      mtvec = v & ~2u;
      return true;  // modes 0 (direct), 1 (vectored)
    case csr::mcounteren:
      mcounteren = v;
      return true;
    case csr::mcountinhibit:
      set_inhibit(v);
      return true;
    case csr::mscratch:
      mscratch = v;
      return true;
    case csr::mepc:
      mepc = v & ~1u;
      return true;  // IALIGN = 16
    case csr::mcause:
      mcause = v;
      return true;
    case csr::mtval:
      mtval = v;
      return true;
    case csr::mcycle:
      set_mcycle((mcycle_value() & ~0xFFFFFFFFull) | v);
      return true;
    case csr::mcycleh:
      set_mcycle((mcycle_value() & 0xFFFFFFFFull) | static_cast<uint64_t>(v) << 32);
      return true;
    case csr::minstret:
      set_minstret((minstret_value() & ~0xFFFFFFFFull) | v);
      return true;
    case csr::minstreth:
      set_minstret((minstret_value() & 0xFFFFFFFFull) | static_cast<uint64_t>(v) << 32);
      return true;
    case csr::tselect:
      if (v < kTriggers) tselect = v;  // WARL: a trigger that does not exist is not selected
      return true;
    case csr::tdata1:
      write_tdata1(v);
      return true;
    case csr::tdata2:
      if (!(trig[tselect].tdata1 & mcontrol::DMODE)) {  // dmode triggers: debug mode only
        trig[tselect].tdata2 = v;
        ++trig_version;
      }
      return true;
    case csr::tdata3:
    case csr::tinfo:
      return true;  // nothing writable
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Triggers.

void Hart::write_tdata1(uint32_t v) {
  using namespace mcontrol;
  Trigger& t = trig[tselect];
  if (t.tdata1 & DMODE) return;  // owned by the debugger: writable from debug mode only
  const uint32_t type = v >> TYPE_SHIFT;
  if (type != 2) {
    t.tdata1 = kType15;  // WARL: every other type becomes "disabled"
  } else {
    // Kept: hit, chain, match 0/2/3, m, u, execute, store, load. dmode and action 1 need debug
    // mode; select (data), timing (after), sizelo, s and the other match kinds are not
    // supported and read 0; maskmax is 0 (no NAPOT match).
    uint32_t nv = kType2 | (v & (HIT | CHAIN | M | U | EXECUTE | STORE | LOAD));
    const uint32_t match = (v & MATCH_MASK) >> MATCH_SHIFT;
    if (match == 2 || match == 3) nv |= match << MATCH_SHIFT;
    // The last trigger has no successor; a chain may not lead into a debugger's trigger.
    if (tselect + 1 >= kTriggers || (trig[tselect + 1].tdata1 & DMODE)) nv &= ~CHAIN;
    t.tdata1 = nv;
  }
  ++trig_version;
}

void Hart::trigger_debug_set(unsigned i, uint32_t tdata1, uint32_t tdata2) {
  if (i >= kTriggers) return;
  trig[i].tdata1 = (tdata1 >> mcontrol::TYPE_SHIFT) == 2 ? tdata1 : mcontrol::kType2;
  trig[i].tdata2 = tdata2;
  ++trig_version;
}

bool Hart::trigger_armed(unsigned i, uint32_t kinds) const {
  using namespace mcontrol;
  const uint32_t d = trig[i].tdata1;
  return (d >> TYPE_SHIFT) == 2 && (d & (M | U)) && (d & kinds);
}

bool Hart::trigger_free(unsigned i) const {
  using namespace mcontrol;
  return !(trig[i].tdata1 & DMODE) && !trigger_armed(i, EXECUTE | STORE | LOAD);
}

bool Hart::trigger_matches(unsigned i, uint32_t kinds, uint32_t a, unsigned n) const {
  using namespace mcontrol;
  const uint32_t d = trig[i].tdata1;
  if ((d >> TYPE_SHIFT) != 2 || !(d & kinds) || !(d & (machine ? M : U))) return false;
  const uint32_t t2 = trig[i].tdata2;
  // The compare values are the addresses of all accessed bytes; any of them may match.
  switch ((d & MATCH_MASK) >> MATCH_SHIFT) {
    case 0:
      return t2 - a < n;
    case 2:
      return uint64_t{a} + n - 1 >= t2;
    case 3:
      return a < t2;
    default:
      return false;
  }
}

int Hart::trigger_fire(uint32_t kinds, uint32_t a, unsigned n, bool debug) {
  using namespace mcontrol;
  unsigned i = 0;
  while (i < kTriggers) {
    const unsigned first = i;
    bool all = true;
    while (true) {
      if (!trigger_matches(i, kinds, a, n)) all = false;
      if (!(trig[i].tdata1 & CHAIN) || i + 1 >= kTriggers) break;
      ++i;
    }
    const unsigned last = i++;
    if (!all) continue;
    const uint32_t d = trig[last].tdata1;
    const uint32_t action = (d & ACTION_MASK) >> ACTION_SHIFT;
    if (action == 1) {
      if (!debug || !(d & DMODE)) continue;
    } else if (machine && !(mstatus & mstatus_bits::MIE)) {
      continue;
    }
    for (unsigned k = first; k <= last; ++k) trig[k].tdata1 |= HIT;
    return static_cast<int>(last);
  }
  return -1;
}

bool Hart::csr_access(uint32_t num, int op, uint32_t operand, bool writes, uint32_t& old) {
  instret_written = false;
  if (!csr_read(num, old)) return false;
  if (!writes) return true;
  if (((num >> 10) & 3) == 3) return false;  // read-only CSR
  uint32_t nv = op == 0 ? operand : op == 1 ? (old | operand) : (old & ~operand);
  return write_csr(num, nv);
}

uint32_t Hart::trap_target(uint32_t c) const {
  const uint32_t base = mtvec & ~3u;
  if ((mtvec & 1) && (c & cause::interrupt)) return base + 4 * (c & 0x7fffffff);
  return base;
}

void Hart::trap(uint32_t c, uint32_t tval, uint32_t epc) {
  reservation_valid = false;
  mepc = epc & ~1u;
  mcause = c;
  mtval = tval;
  uint32_t s = mstatus & ~(mstatus_bits::MPIE | mstatus_bits::MPP | mstatus_bits::MIE);
  if (mstatus & mstatus_bits::MIE) s |= mstatus_bits::MPIE;
  if (machine) s |= mstatus_bits::MPP;
  mstatus = s;
  machine = true;
  pc = trap_target(c);
}

void Hart::mret() {
  const bool to_machine = (mstatus & mstatus_bits::MPP) == mstatus_bits::MPP;
  uint32_t s = mstatus & ~(mstatus_bits::MIE | mstatus_bits::MPP);
  if (mstatus & mstatus_bits::MPIE) s |= mstatus_bits::MIE;
  s |= mstatus_bits::MPIE;  // MPIE = 1, MPP = U (least-privileged mode)
  mstatus = s;
  machine = to_machine;
  pc = mepc;
}

uint32_t Hart::pending_interrupt() const {
  const uint32_t p = mip() & mie;
  if (!p) return 0;
  if (machine && !(mstatus & mstatus_bits::MIE)) return 0;
  if (p & mip_bits::MEIP) return cause::mei;
  if (p & mip_bits::MSIP) return cause::msi;
  return cause::mti;
}

}  // namespace imcvp::cpu
