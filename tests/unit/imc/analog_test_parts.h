// Parts shared by the analog-array unit tests without SystemC (test_bit_serial.cpp,
// test_bit_slicing.cpp, test_slice_readout.cpp): a tile with every device non-ideality off, random
// operands, one MVM on a freshly programmed array and the exact integer MVM.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/imc/numerics.h"

namespace imcvp::imc::analog_test {

// An analog tile with every device non-ideality off (w_eff = w up to rounding of the
// conductance mapping) and the given ADC.
inline TileConfig quiet_tile(unsigned rows, unsigned cols, unsigned adc_bits, double bound) {
  TileConfig c;
  c.rows = rows;
  c.cols = cols;
  c.nonideal.programming_noise = c.nonideal.write_verify = false;
  c.nonideal.drift = c.nonideal.read_noise = false;
  c.adc.bits = adc_bits;
  c.adc.bound = bound;
  return c;
}

inline std::vector<int32_t> random_ints(unsigned n, uint64_t seed, int lo, int hi) {
  Rng r(seed);
  std::vector<int32_t> v(n);
  for (auto& e : v) e = lo + static_cast<int>(r.next() % uint64_t(hi - lo + 1));
  return v;
}

// One MVM at t_s seconds after programming on a freshly programmed array; oc_out receives the
// MVM's counts (conversions, saturations).
inline std::vector<int32_t> run_mvm(const TileConfig& c, const std::vector<int32_t>& w,
                                    const std::vector<int32_t>& x, bool is_signed,
                                    OpCounts* oc_out = nullptr, uint64_t seed = 1,
                                    double t_s = 1.0) {
  Rng rng(seed);
  AnalogArray a(c, rng);
  std::vector<int8_t> w8(w.begin(), w.end());
  OpCounts oc;
  a.program(w8.data(), c.rows, c.cols, 0.0, rng, oc);
  std::vector<int32_t> y(c.cols);
  OpCounts om;
  a.mvm(x.data(), c.rows, c.cols, is_signed, t_s, rng, y.data(), om);
  if (oc_out) *oc_out = om;
  return y;
}

// The array model of a test loop: "column" or "device" read noise, or "nodal" (a nodal solve
// with zero wire resistance, which must then be exact); k input bits per bit-serial phase
// (0: PWM).
inline void set_array_model(TileConfig& c, const std::string& model, unsigned k) {
  if (k) {
    c.dac.mode = "bit-serial";
    c.dac.bits_per_phase = k;
  }
  if (model == "nodal") {
    c.nonideal.ir_drop = true;
    c.nonideal.ir_drop_model = "nodal";
    c.nonideal.wire_resistance_ohm = 0.0;
  } else {
    c.nonideal.read_noise_model = model;
  }
}

// The exact integer MVM y[j] = sum_i x[i] * w[i][j] (w row-major, R x C).
inline std::vector<int32_t> exact(const std::vector<int32_t>& w, const std::vector<int32_t>& x,
                                  unsigned R, unsigned C) {
  std::vector<int32_t> y(C, 0);
  for (unsigned i = 0; i < R; ++i)
    for (unsigned j = 0; j < C; ++j) y[j] += x[i] * w[i * C + j];
  return y;
}

}  // namespace imcvp::imc::analog_test
