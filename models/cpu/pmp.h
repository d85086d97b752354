// Physical memory protection: 16 entries, OFF/TOR/NA4/NAPOT, R/W/X, lock (priv. spec 1.12,
// §3.7). Pure logic, no SystemC.
//
// Limits: granularity G = 0 (4 bytes); no Smepmp (mseccfg); 32-bit physical addresses only
// (pmpaddr bits above the 32-bit space never match an access).
#pragma once

#include <cstdint>

namespace imcvp::cpu {

enum class Access : uint8_t { read = 1, write = 2, exec = 4 };

class Pmp {
 public:
  static constexpr int kEntries = 16;
  enum : uint8_t { R = 1, W = 2, X = 4, A_MASK = 0x18, L = 0x80 };
  enum Mode : uint8_t { OFF = 0, TOR = 1, NA4 = 2, NAPOT = 3 };

  uint32_t read_cfg(unsigned reg) const;  // pmpcfg0..3
  void write_cfg(unsigned reg, uint32_t v);
  uint32_t read_addr(unsigned i) const { return addr_[i]; }
  void write_addr(unsigned i, uint32_t v);

  // Does an access of `len` bytes at `addr` by privilege `machine` (true: M, false: U) pass?
  bool check(uint32_t addr, uint32_t len, Access a, bool machine) const;
  // Any entry enabled (non-OFF)?
  bool any_active() const { return active_; }
  // Any enabled entry locked (binds M-mode too)?
  bool any_locked() const { return locked_; }
  uint8_t cfg(unsigned i) const { return cfg_[i]; }

 private:
  void write_cfg_byte(unsigned i, uint8_t b);
  void update_flags();
  bool addr_locked(unsigned i) const;
  uint8_t cfg_[kEntries] = {};
  uint32_t addr_[kEntries] = {};
  bool active_ = false, locked_ = false;
};

}  // namespace imcvp::cpu
