// Address interleaving over several identical targets (e.g. DRAM controllers): the window
// [base, base + size) is cut into granules of `granule` bytes dealt round robin to `ways`
// targets; each target sees its granules packed together from local offset 0.
//
//   way(a)   = ((a - base) / granule) mod ways
//   local(a) = ((a - base) / (granule * ways)) * granule + (a - base) mod granule
//
// Plain arithmetic, no SystemC; used by noc::Network (interleaved target groups) and
// bus::Interleaver. A transaction that crosses a granule boundary touches two targets and must
// be split at bytes_to_boundary().
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace imcvp {

struct Interleave {
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t granule = 4096;
  uint32_t ways = 1;

  // Throws std::invalid_argument unless granule is a power of two, ways >= 1 and the window is
  // a whole number of rounds (every target gets the same number of granules).
  void validate(const std::string& what) const {
    if (ways < 1) throw std::invalid_argument(what + ": at least one target is needed");
    if (granule == 0 || (granule & (granule - 1)) != 0)
      throw std::invalid_argument(what + ": interleave granule of " + std::to_string(granule) +
                                  " B is not a power of two");
    if (granule > std::numeric_limits<uint64_t>::max() / ways)
      throw std::invalid_argument(what + ": granule x targets overflows 64 bits");
    if (size != 0 && base + size - 1 < base)
      throw std::invalid_argument(what + ": window wraps around the address space");
    if (size == 0 || size % (granule * ways) != 0)
      throw std::invalid_argument(what + ": window of " + std::to_string(size) +
                                  " B is not a multiple of granule x targets (" +
                                  std::to_string(granule) + " x " + std::to_string(ways) + ")");
  }
  bool contains(uint64_t a) const { return a >= base && a - base < size; }
  uint32_t way(uint64_t a) const { return uint32_t(((a - base) / granule) % ways); }
  uint64_t local(uint64_t a) const {
    const uint64_t off = a - base;
    return off / (granule * ways) * granule + off % granule;
  }
  // Inverse of (way, local): the global address.
  uint64_t global(uint32_t w, uint64_t loc) const {
    return base + (loc / granule * ways + w) * granule + loc % granule;
  }
  // Bytes from `a` to the end of its granule.
  uint64_t bytes_to_boundary(uint64_t a) const { return granule - (a - base) % granule; }
  // Bytes each target holds.
  uint64_t per_target() const { return size / ways; }
};

}  // namespace imcvp
