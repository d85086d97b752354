// Deterministic generators of the reference traces described in
// tests/unit/dram/dramsim3/README.md (also written to files by scripts/gen-dram-trace).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "models/dram/trace_replay.h"

namespace imcvp::dram::test {

// n reads at 0, 64, 128, ... issued every gap cycles (gap 0: all at cycle 0).
inline std::vector<TraceRequest> seq_reads(uint64_t n, uint64_t gap) {
  std::vector<TraceRequest> v;
  for (uint64_t i = 0; i < n; ++i) v.push_back({i * 64, false, i * gap, uint32_t(i + 1)});
  return v;
}

// n reads at uniformly random 64-byte-aligned addresses below capacity (a power of two).
inline std::vector<TraceRequest> rand_reads(uint64_t n, uint64_t gap, uint64_t capacity,
                                            uint64_t seed = 1, double write_fraction = 0.0) {
  std::mt19937_64 g(seed);
  std::vector<TraceRequest> v;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t a = (g() % (capacity / 64)) * 64;
    bool w = write_fraction > 0 && static_cast<double>(g() % 1000000) < write_fraction * 1e6;
    v.push_back({a, w, i * gap, uint32_t(i + 1)});
  }
  return v;
}

}  // namespace imcvp::dram::test
