// Issue 14 without SystemC: bit-sliced weights on few-bit cells (device.bits_per_cell) and
// multi-bit input phases (dac.bits_per_phase) of the analog tile (docs/imc-model.md, Numerics
// items 10 and 11, Energy, Area): conductance mapping per slice, per-slice and per-phase ADC
// quantisation with shift-add, the ideal cases, the cost formulas and the config checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "models/common/config.h"
#include "models/imc/numerics.h"
#include "tests/unit/imc/analog_test_parts.h"

using namespace imcvp;
using namespace imcvp::imc;
using namespace imcvp::imc::analog_test;

namespace {

// Independent reference of the sliced/phased ADC path: weight magnitude digits of b bits
// (sign of w), input phase digits of k bits (sign of x; PWM: k = 0, the whole input), each
// (phase, slice) column sum normalised to full = (largest phase digit) x (2^b - 1), rounded and
// clamped on its own; the codes shift-added in int64.
std::vector<int32_t> sliced_reference(const std::vector<int32_t>& w, const std::vector<int32_t>& x,
                                      unsigned R, unsigned C, unsigned mag_bits, unsigned b,
                                      unsigned planes, unsigned k, double x_max, unsigned bits,
                                      double bound) {
  const double cmax = double((1 << (bits - 1)) - 1), lsb = bound / cmax;
  const unsigned S = (mag_bits + b - 1) / b;
  const unsigned kk = k ? std::min(k, planes) : 0;
  const unsigned P = k ? (planes + kk - 1) / kk : 1;
  const double full = (k ? double((1 << kk) - 1) : x_max) * double((1 << b) - 1);
  std::vector<int32_t> y(C);
  for (unsigned j = 0; j < C; ++j) {
    int64_t sum = 0;
    for (unsigned p = 0; p < P; ++p) {
      for (unsigned s = 0; s < S; ++s) {
        int64_t a = 0;
        for (unsigned i = 0; i < R; ++i) {
          const int32_t wm = std::abs(w[i * C + j]), xm = std::abs(x[i]);
          const int64_t wd = (wm >> (s * b)) & ((1 << b) - 1);
          const int64_t xd = k ? (xm >> (p * kk)) & ((1 << kk) - 1) : xm;
          const int sign = (w[i * C + j] < 0) != (x[i] < 0) ? -1 : 1;
          a += sign * wd * xd;
        }
        const double code = std::clamp(std::round(double(a) / full / lsb), -cmax, cmax);
        sum += int64_t(code) * (int64_t(1) << (p * kk + s * b));
      }
    }
    y[j] = static_cast<int32_t>(std::llround(double(sum) * lsb * full));
  }
  return y;
}

}  // namespace

TEST(BitSlicing, SlicesAndCellBits) {
  TileConfig c;  // weight_bits 8: 7 magnitude bits
  EXPECT_EQ(c.weight_slices(), 1u);
  EXPECT_EQ(c.cell_bits(), 7u);
  c.device.bits_per_cell = 1;
  EXPECT_EQ(c.weight_slices(), 7u);
  c.device.bits_per_cell = 2;
  EXPECT_EQ(c.weight_slices(), 4u);  // 2+2+2+1
  c.device.bits_per_cell = 3;
  EXPECT_EQ(c.weight_slices(), 3u);  // 3+3+1
  c.device.bits_per_cell = 7;
  EXPECT_EQ(c.weight_slices(), 1u);
  c.weight_bits = 2;  // binary weights: one magnitude bit
  c.device.bits_per_cell = 1;
  EXPECT_EQ(c.weight_slices(), 1u);
}

// Slice s holds the digit (|w| >> s*b) & (2^b - 1) on the weight's polarity: g_min + d (g_max -
// g_min) / (2^b - 1); the other polarity and the digits of 0 stay at g_min.
TEST(BitSlicing, ConductancesPerSlice) {
  TileConfig c = quiet_tile(2, 2, 8, 16);
  c.device.bits_per_cell = 2;
  Rng rng(3);
  AnalogArray a(c, rng);
  ASSERT_EQ(a.slices(), 4u);
  // 91 = 0b1'01'10'11: digits (LSB first) 3, 2, 1, 1; -91 the same on the negative side.
  const int8_t w[4] = {91, -91, 0, 127};
  OpCounts oc;
  a.program(w, 2, 2, 0.0, rng, oc);
  const double gmin = c.device.g_min_us, step = (c.device.g_max_us - gmin) / 3.0;
  const int d91[4] = {3, 2, 1, 1}, d127[4] = {3, 3, 3, 1};
  for (unsigned s = 0; s < 4; ++s) {
    EXPECT_DOUBLE_EQ(a.g_prog_us(0, 0, false, 0, s), gmin + d91[s] * step) << s;
    EXPECT_DOUBLE_EQ(a.g_prog_us(0, 0, true, 0, s), gmin) << s;
    EXPECT_DOUBLE_EQ(a.g_prog_us(0, 1, false, 0, s), gmin) << s;
    EXPECT_DOUBLE_EQ(a.g_prog_us(0, 1, true, 0, s), gmin + d91[s] * step) << s;
    EXPECT_DOUBLE_EQ(a.g_prog_us(1, 0, false, 0, s), gmin) << s;
    EXPECT_DOUBLE_EQ(a.g_prog_us(1, 1, false, 0, s), gmin + d127[s] * step) << s;
    EXPECT_EQ(a.writes(1, 1, false, 0, s), 1u);  // every device of every slice is written
  }
  EXPECT_EQ(oc.pulses, 4u * 4u * 2u);  // weights x slices x polarities (no verify)
  // Binary cells: each slice is g_max or g_min.
  c.device.bits_per_cell = 1;
  AnalogArray b(c, rng);
  b.program(w, 2, 2, 0.0, rng, oc);
  for (unsigned s = 0; s < 7; ++s)
    EXPECT_DOUBLE_EQ(b.g_prog_us(0, 0, false, 0, s), (91 >> s) & 1 ? c.device.g_max_us : gmin);
  // Readback and the effective weight combine the slices.
  std::vector<int8_t> back(4);
  b.readback(2, 2, 0.0, rng, back.data());
  EXPECT_EQ(std::vector<int8_t>(w, w + 4), back);
  EXPECT_NEAR(b.effective_weight(0, 1, 0.0, rng), -91.0, 1e-9);
}

// Ideal ADC (bits 0), no noise: the integer MVM for every bits_per_cell and bits_per_phase,
// signed and unsigned inputs, PWM and bit-serial, every column path.
TEST(BitSlicing, IdealCasesAreExact) {
  const unsigned R = 48, C = 24;
  const auto w = random_ints(R * C, 21, -127, 127);
  const auto xs = random_ints(R, 22, -127, 127);
  const auto xu = random_ints(R, 23, 0, 255);
  const auto ys = exact(w, xs, R, C), yu = exact(w, xu, R, C);
  for (const char* model : {"column", "device", "nodal"}) {
    for (unsigned b : {0u, 1u, 2u, 3u, 5u, 7u}) {
      for (unsigned k : {0u, 1u, 2u, 3u, 8u}) {  // 0: PWM
        TileConfig c = quiet_tile(R, C, 0, 16);
        c.device.bits_per_cell = b;
        set_array_model(c, model, k);
        EXPECT_EQ(run_mvm(c, w, xs, true), ys) << model << " b=" << b << " k=" << k;
        EXPECT_EQ(run_mvm(c, w, xu, false), yu) << model << " b=" << b << " k=" << k;
      }
    }
  }
  // Narrower weights: 4-bit weights (3 magnitude bits) on 1-bit cells.
  TileConfig c = quiet_tile(R, C, 0, 16);
  c.weight_bits = 4;
  c.device.bits_per_cell = 1;
  const auto w4 = random_ints(R * C, 24, -7, 7);
  EXPECT_EQ(run_mvm(c, w4, xs, true), exact(w4, xs, R, C));
}

// A real ADC converts every (phase, slice) column on its own: the result equals the independent
// reference exactly (bound 3.3 fully-on rows: no rounding ties with integer sums).
TEST(BitSlicing, EverySliceAndPhaseIsQuantisedOnItsOwn) {
  const unsigned R = 64, C = 16, bits = 5;
  const double bound = 3.3;
  const auto w = random_ints(R * C, 31, -127, 127);
  const auto xs = random_ints(R, 32, -127, 127);
  const auto xu = random_ints(R, 33, 0, 255);
  for (unsigned b : {1u, 2u, 3u, 7u}) {
    for (unsigned k : {0u, 1u, 2u, 3u, 4u}) {
      TileConfig c = quiet_tile(R, C, bits, bound);
      c.device.bits_per_cell = b;
      if (k) {
        c.dac.mode = "bit-serial";
        c.dac.bits_per_phase = k;
      }
      OpCounts oc;
      EXPECT_EQ(run_mvm(c, w, xs, true, &oc),
                sliced_reference(w, xs, R, C, 7, b, 7, k, 127, bits, bound))
          << "b=" << b << " k=" << k;
      EXPECT_EQ(run_mvm(c, w, xu, false),
                sliced_reference(w, xu, R, C, 7, b, 8, k, 255, bits, bound))
          << "b=" << b << " k=" << k;
      c.nonideal.read_noise_model = "device";
      EXPECT_EQ(run_mvm(c, w, xs, true),
                sliced_reference(w, xs, R, C, 7, b, 7, k, 127, bits, bound));
    }
  }
}

// bits_per_cell = weight_bits - 1 is the unsliced tile, bits_per_phase 1 is bit-serial: with
// every non-ideality on, the same seed gives the same outputs as the defaults.
TEST(BitSlicing, DefaultsAreTheUnslicedModel) {
  const unsigned R = 64, C = 32;
  const auto w = random_ints(R * C, 41, -127, 127);
  const auto x = random_ints(R, 42, -127, 127);
  TileConfig c;
  c.rows = R;
  c.cols = C;
  const auto y0 = run_mvm(c, w, x, true, nullptr, 5, 3600.0);
  c.device.bits_per_cell = 7;
  EXPECT_EQ(run_mvm(c, w, x, true, nullptr, 5, 3600.0), y0);
  c.dac.mode = "bit-serial";
  const auto ys = run_mvm(c, w, x, true, nullptr, 5, 3600.0);
  c.dac.bits_per_phase = 1;
  c.device.bits_per_cell = 0;
  EXPECT_EQ(run_mvm(c, w, x, true, nullptr, 5, 3600.0), ys);
}

// Sliced, phased and noisy: deterministic with the seed, different with another seed, and
// close to the exact MVM (binary PCM cells, 2-bit phases, 8-bit ADC).
TEST(BitSlicing, NoisySlicesAreDeterministicAndClose) {
  const unsigned R = 64, C = 32;
  const auto w = random_ints(R * C, 51, -127, 127);
  const auto x = random_ints(R, 52, -127, 127);
  TileConfig c;
  c.rows = R;
  c.cols = C;
  c.device.bits_per_cell = 1;
  c.dac.mode = "bit-serial";
  c.dac.bits_per_phase = 2;
  OpCounts oc;
  const auto y1 = run_mvm(c, w, x, true, &oc, 7, 60.0);
  EXPECT_EQ(run_mvm(c, w, x, true, nullptr, 7, 60.0), y1);
  EXPECT_NE(run_mvm(c, w, x, true, nullptr, 8, 60.0), y1);
  const auto ye = exact(w, x, R, C);
  double err = 0, ref = 0;
  for (unsigned j = 0; j < C; ++j) {
    err += double(y1[j] - ye[j]) * (y1[j] - ye[j]);
    ref += double(ye[j]) * ye[j];
  }
  EXPECT_LT(std::sqrt(err / ref), 0.2);
  EXPECT_GT(err, 0.0);
}

// Phases and pulses: k magnitude bits per phase, one pulse per non-zero phase digit, the row
// on for the sum of the digits in steps; the last phase has only the bits left.
TEST(BitSlicing, PhaseCounts) {
  TileConfig c;
  EXPECT_EQ(input_phases(c, true), 1u);  // PWM
  EXPECT_EQ(input_phase_steps(c, true), 255u);
  c.dac.mode = "bit-serial";
  EXPECT_EQ(input_phases(c, true), 7u);
  EXPECT_EQ(input_phase_steps(c, true), 7u);
  c.dac.bits_per_phase = 2;
  EXPECT_EQ(input_phases(c, false), 4u);        // 8 planes
  EXPECT_EQ(input_phase_steps(c, false), 12u);  // 4 x 3
  EXPECT_EQ(input_phases(c, true), 4u);         // 7 planes: 2+2+2+1
  EXPECT_EQ(input_phase_steps(c, true), 10u);   // 3+3+3+1
  c.dac.bits_per_phase = 3;
  EXPECT_EQ(input_phases(c, false), 3u);        // 3+3+2
  EXPECT_EQ(input_phase_steps(c, false), 17u);  // 7+7+3
  c.dac.bits_per_phase = 8;
  EXPECT_EQ(input_phases(c, true), 1u);
  EXPECT_EQ(input_phase_steps(c, true), 127u);  // one phase of the 7 magnitude bits
  DacConfig d;
  d.mode = "bit-serial";
  d.bits_per_phase = 2;
  EXPECT_EQ(dac_pulses(0, d), 0u);
  EXPECT_EQ(dac_pulses(0b11001100, d), 2u);  // digits 0, 3, 0, 3
  EXPECT_EQ(dac_pulses(-0b01010101, d), 4u);
  EXPECT_DOUBLE_EQ(input_on_ns(0b11001100, d), 6 * d.step_ns);
  EXPECT_DOUBLE_EQ(input_on_ns(-0b01100110, d), (2 + 1 + 2 + 1) * d.step_ns);
  d.bits_per_phase = 1;
  EXPECT_EQ(dac_pulses(0b11001100, d), 4u);
  EXPECT_DOUBLE_EQ(input_on_ns(0b11001100, d), 4 * d.step_ns);
}

// Cost of one vector: conversions nc x S x P, rounds ceil(nc S / adc.count), time per phase
// (2^k - 1 steps + one round), ADC energy per conversion; array area S x devices.
TEST(BitSlicing, CostCountsSlicesAndPhases) {
  TileConfig c;
  c.dac.mode = "bit-serial";
  const std::vector<int32_t> x(256, 0);
  const MvmCost k1 = analog_mvm_cost(c, x.data(), nullptr, 256, 256, false);
  EXPECT_EQ(k1.adc_conversions, 256u * 8u);
  const double t_conv = adc_conversion_ns(c.adc), post = c.periphery.postproc_ns;
  EXPECT_DOUBLE_EQ(k1.t_ns, 8 * (c.dac.step_ns + t_conv) + post);
  c.device.bits_per_cell = 1;  // 7 slices
  c.dac.bits_per_phase = 2;    // 4 phases of 3 steps
  const MvmCost k = analog_mvm_cost(c, x.data(), nullptr, 256, 256, false);
  EXPECT_EQ(k.adc_conversions, 256u * 7u * 4u);
  EXPECT_NEAR(k.t_ns, 12 * c.dac.step_ns + 4 * 7 * t_conv + post, 1e-9);
  EXPECT_NEAR(k.e_adc, 256.0 * 7 * 4 * adc_energy_pj(c.adc), 1e-9);
  c.adc.count = 64;  // 7 x 256 columns on 64 ADCs: 28 rounds per phase
  EXPECT_NEAR(analog_mvm_cost(c, x.data(), nullptr, 256, 256, false).t_ns,
              12 * c.dac.step_ns + 4 * 28 * t_conv + post, 1e-9);
  c.adc.count = 256;
  c.dac.mode = "pwm";
  c.dac.bits_per_phase = 1;
  const MvmCost kp = analog_mvm_cost(c, x.data(), nullptr, 256, 256, false);
  EXPECT_EQ(kp.adc_conversions, 256u * 7u);
  EXPECT_NEAR(kp.t_ns, 255 * c.dac.step_ns + 7 * t_conv + post, 1e-9);
  // Area: 7 binary devices per polarity instead of one multi-level one; the rest unchanged.
  TileConfig d;
  const TileArea a1 = tile_area(d, 0);
  d.device.bits_per_cell = 1;
  const TileArea a7 = tile_area(d, 0);
  EXPECT_NEAR(a7.array, 7 * a1.array, 1e-15);
  EXPECT_DOUBLE_EQ(a7.adc, a1.adc);
  EXPECT_DOUBLE_EQ(a7.dac, a1.dac);
}

// The array energy (ivt) uses the conductances actually programmed in every slice: the row
// conductance sums cover all slices' devices.
TEST(BitSlicing, RowConductanceCoversEverySlice) {
  TileConfig c = quiet_tile(4, 4, 8, 16);
  c.device.bits_per_cell = 1;
  Rng rng(1);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(16, 0);
  w[0] = 127;  // row 0: one weight with all 7 bits set
  w[4] = 1;    // row 1: one weight with only bit 0
  OpCounts oc;
  a.program(w.data(), 4, 4, 0.0, rng, oc);
  const double gmin = c.device.g_min_us, gmax = c.device.g_max_us;
  const double* g = a.row_conductance_us();
  // 4 weights x 7 slices x 2 polarities per row, all at g_min except the set bits.
  EXPECT_NEAR(g[0], 4 * 7 * 2 * gmin + 7 * (gmax - gmin), 1e-9);
  EXPECT_NEAR(g[1], 4 * 7 * 2 * gmin + (gmax - gmin), 1e-9);
  EXPECT_NEAR(g[2], 4 * 7 * 2 * gmin, 1e-9);
}

// Range and consistency: file:line:col at the offending value.
TEST(BitSlicing, BadValuesAreConfigErrors) {
  auto err = [](const std::string& text) -> std::string {
    TileConfig t;
    try {
      config::apply_text(t, text, "t.yaml");
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(err("device:\n  bits_per_cell: 8\n")
                .find("t.yaml:2:18: device.bits_per_cell: value 8 "
                      "out of range"),
            std::string::npos);
  EXPECT_NE(err("dac:\n  bits_per_phase: 0\n").find("t.yaml:2:19: dac.bits_per_phase: value 0"),
            std::string::npos);
  EXPECT_NE(err("dac:\n  bits_per_phase: 9\n").find("out of range [1, 8]"), std::string::npos);
  EXPECT_EQ(err("device:\n  bits_per_cell: 7\n"), "");
  std::string e = err("weight_bits: 4\ndevice:\n  bits_per_cell: 4\n");
  EXPECT_NE(e.find("t.yaml:3:18: device.bits_per_cell: device.bits_per_cell = 4 exceeds the "
                   "weight magnitude bits (weight_bits - 1 = 3)"),
            std::string::npos)
      << e;
  e = err("dac:\n  bits_per_phase: 2\n");  // the default mode is pwm
  EXPECT_NE(e.find("t.yaml:2:19: dac.bits_per_phase: dac.bits_per_phase = 2 needs dac.mode "
                   "bit-serial"),
            std::string::npos)
      << e;
  EXPECT_EQ(err("dac:\n  mode: bit-serial\n  bits_per_phase: 2\n"), "");
  // An update that makes an earlier value inconsistent names the key it sets.
  TileConfig t;
  config::apply_text(t, "device:\n  bits_per_cell: 5\n", "a.yaml");
  try {
    config::apply_text(t, "weight_bits: 4\n", "b.yaml");
    ADD_FAILURE() << "no error";
  } catch (const config::ConfigError& x) {
    EXPECT_NE(std::string(x.what()).find("b.yaml:1:14: weight_bits: device.bits_per_cell = 5"),
              std::string::npos)
        << x.what();
  }
  // Digital tiles ignore the analog keys.
  EXPECT_EQ(err("kind: digital\ndac:\n  bits_per_phase: 2\n"), "");
}
