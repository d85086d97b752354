#include "models/cpu/pmp.h"

namespace imcvp::cpu {

uint32_t Pmp::read_cfg(unsigned reg) const {
  uint32_t v = 0;
  for (unsigned b = 0; b < 4; ++b) v |= static_cast<uint32_t>(cfg_[reg * 4 + b]) << (8 * b);
  return v;
}

void Pmp::write_cfg(unsigned reg, uint32_t v) {
  for (unsigned b = 0; b < 4; ++b) write_cfg_byte(reg * 4 + b, static_cast<uint8_t>(v >> (8 * b)));
  update_flags();
}

void Pmp::write_cfg_byte(unsigned i, uint8_t b) {
  if (cfg_[i] & L) return;          // locked entries ignore writes until reset
  b &= (R | W | X | A_MASK | L);    // bits 6:5 are reserved (read zero)
  if ((b & (R | W)) == W) b &= ~W;  // R=0,W=1 is reserved: WARL keeps it legal
  cfg_[i] = b;
}

bool Pmp::addr_locked(unsigned i) const {
  if (cfg_[i] & L) return true;
  // A locked TOR entry i+1 also locks its lower bound, pmpaddr[i].
  return i + 1 < kEntries && (cfg_[i + 1] & L) && ((cfg_[i + 1] & A_MASK) >> 3) == TOR;
}

void Pmp::write_addr(unsigned i, uint32_t v) {
  if (addr_locked(i)) return;
  addr_[i] = v;  // RV32: pmpaddr holds address bits 33:2
}

void Pmp::update_flags() {
  active_ = locked_ = false;
  for (unsigned i = 0; i < kEntries; ++i) {
    if ((cfg_[i] & A_MASK) == 0) continue;
    active_ = true;
    if (cfg_[i] & L) locked_ = true;
  }
}

bool Pmp::check(uint32_t addr, uint32_t len, Access a, bool machine) const {
  const uint64_t lo_a = addr, hi_a = static_cast<uint64_t>(addr) + len;  // [lo_a, hi_a)
  for (unsigned i = 0; i < kEntries; ++i) {
    const uint8_t c = cfg_[i];
    const unsigned mode = (c & A_MASK) >> 3;
    if (mode == OFF) continue;
    uint64_t lo = 0, hi = 0;
    if (mode == TOR) {
      lo = i == 0 ? 0 : static_cast<uint64_t>(addr_[i - 1]) << 2;
      hi = static_cast<uint64_t>(addr_[i]) << 2;
    } else if (mode == NA4) {
      lo = static_cast<uint64_t>(addr_[i]) << 2;
      hi = lo + 4;
    } else {  // NAPOT: trailing ones t encode a 2^(t+3)-byte region
      uint64_t v = addr_[i];
      unsigned t = 0;
      while (t < 32 && ((v >> t) & 1)) ++t;
      const uint64_t size = uint64_t{1} << (t + 3);
      lo = (v << 2) & ~(size - 1);
      hi = lo + size;
    }
    if (hi <= lo) continue;  // empty TOR range never matches
    const bool any = lo_a < hi && hi_a > lo;
    if (!any) continue;
    // A partial match fails regardless of permissions (the lowest matching entry decides).
    if (lo_a < lo || hi_a > hi) return false;
    if (machine && !(c & L)) return true;
    return (c & static_cast<uint8_t>(a)) != 0;
  }
  return machine;  // no match: M-mode allowed, U-mode denied (entries are implemented)
}

}  // namespace imcvp::cpu
