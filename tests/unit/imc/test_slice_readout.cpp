// Issue 14 without SystemC: analog readout of bit-sliced weights (device.slice_readout: analog,
// docs/imc-model.md, Numerics item 11): the slices' column values weighted by 2^(s*b) and
// summed before ONE conversion per column and input phase. Exactness with an ideal ADC, the
// combined conversion against an independent reference (rounding, clamping, static INL),
// read noise weighted per slice, the cost counts and the config checks.
#include <gtest/gtest.h>

#include <algorithm>
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

// Independent reference of the analog slice readout: whatever the slicing, the weighted sum of
// the slice currents is the whole weight, so per input phase (k bits of |x|, sign of x; PWM:
// k = 0, the whole input) the column value sum_i x_d w is normalised to full = (largest phase
// digit) x w_max, w_max = 2^mag_bits - 1, converted ONCE (round, static bow INL
// inl_lsb (1 - (c/cmax)^2) at the ideal code, clamp) and the phase codes shift-added.
// *clamped counts the conversions outside the ADC range.
std::vector<int32_t> combined_reference(const std::vector<int32_t>& w,
                                        const std::vector<int32_t>& x, unsigned R, unsigned C,
                                        unsigned mag_bits, unsigned planes, unsigned k,
                                        double x_max, unsigned bits, double bound, double inl_lsb,
                                        uint64_t* clamped) {
  const double cmax = double((1 << (bits - 1)) - 1), lsb = bound / cmax;
  const unsigned kk = k ? std::min(k, planes) : 0;
  const unsigned P = k ? (planes + kk - 1) / kk : 1;
  const double full = (k ? double((1 << kk) - 1) : x_max) * double((1 << mag_bits) - 1);
  std::vector<int32_t> y(C);
  *clamped = 0;
  for (unsigned j = 0; j < C; ++j) {
    int64_t sum = 0;
    for (unsigned p = 0; p < P; ++p) {
      int64_t a = 0;
      for (unsigned i = 0; i < R; ++i) {
        const int32_t xm = std::abs(x[i]);
        const int64_t xd = k ? (xm >> (p * kk)) & ((1 << kk) - 1) : xm;
        a += (x[i] < 0 ? -1 : 1) * xd * w[i * C + j];
      }
      const double u = double(a) / full / lsb;
      double q = std::round(u);
      const double c0 = std::clamp(q, -cmax, cmax);
      q = std::round(u + inl_lsb * (1.0 - (c0 / cmax) * (c0 / cmax)));
      if (q > cmax || q < -cmax) ++*clamped;
      sum += int64_t(std::clamp(q, -cmax, cmax)) * (int64_t(1) << (p * kk));
    }
    y[j] = static_cast<int32_t>(std::llround(double(sum) * lsb * full));
  }
  return y;
}

}  // namespace

// An ideal ADC and no noise: the analog readout is the exact integer MVM for every slicing,
// input phase width and array model.
TEST(SliceReadout, IdealCasesAreExact) {
  const unsigned R = 40, C = 20;
  const auto w = random_ints(R * C, 41, -127, 127);
  const auto xs = random_ints(R, 42, -127, 127);
  const auto xu = random_ints(R, 43, 0, 255);
  const auto ys = exact(w, xs, R, C), yu = exact(w, xu, R, C);
  for (const char* model : {"column", "device", "nodal"}) {
    for (unsigned b : {1u, 2u, 3u, 7u}) {
      for (unsigned k : {0u, 1u, 3u}) {  // 0: PWM
        TileConfig c = quiet_tile(R, C, 0, 16);
        c.device.bits_per_cell = b;
        c.device.slice_readout = "analog";
        set_array_model(c, model, k);
        EXPECT_EQ(run_mvm(c, w, xs, true), ys) << model << " b=" << b << " k=" << k;
        EXPECT_EQ(run_mvm(c, w, xu, false), yu) << model << " b=" << b << " k=" << k;
      }
    }
  }
}

// A real ADC converts the weighted sum of the slices once per column and phase: the outputs
// and the clamp count equal the independent reference exactly (bound 3.3 fully-on rows: no
// rounding ties with integer sums), with a static INL bow applied to that one conversion. The
// digital readout of the same array (every slice clamped and rounded on its own) differs.
TEST(SliceReadout, OneConversionOfTheWeightedSum) {
  const unsigned R = 64, C = 16, bits = 5;
  const double bound = 3.3;
  const auto w = random_ints(R * C, 51, -127, 127);
  const auto xs = random_ints(R, 52, -127, 127);
  const auto xu = random_ints(R, 53, 0, 255);
  for (double inl : {0.0, 0.7}) {
    for (unsigned b : {1u, 2u, 3u}) {
      for (unsigned k : {0u, 1u, 2u}) {
        TileConfig c = quiet_tile(R, C, bits, bound);
        c.adc.inl_lsb = inl;
        c.device.bits_per_cell = b;
        c.device.slice_readout = "analog";
        if (k) {
          c.dac.mode = "bit-serial";
          c.dac.bits_per_phase = k;
        }
        for (bool sgn : {true, false}) {
          const auto& x = sgn ? xs : xu;
          const unsigned planes = sgn ? 7 : 8;
          uint64_t clamped = 0;
          const auto ref = combined_reference(w, x, R, C, 7, planes, k, sgn ? 127.0 : 255.0, bits,
                                              bound, inl, &clamped);
          OpCounts oc;
          EXPECT_EQ(run_mvm(c, w, x, sgn, &oc), ref)
              << "inl=" << inl << " b=" << b << " k=" << k << " signed=" << sgn;
          EXPECT_EQ(oc.adc_saturations, clamped) << "b=" << b << " k=" << k;
          TileConfig d = c;
          d.device.slice_readout = "digital";
          EXPECT_NE(run_mvm(d, w, x, sgn), ref) << "b=" << b << " k=" << k;
        }
      }
    }
  }
  // The readout's full scale is the whole weight's: with one fully-on row (x = x_max, w =
  // w_max) the normalised value is 1 fully-on row, as on an unsliced array; a bound of 0.9
  // clamps it in the one conversion.
  TileConfig c = quiet_tile(1, 2, 8, 0.9);
  c.device.bits_per_cell = 1;
  c.device.slice_readout = "analog";
  OpCounts oc;
  const auto y = run_mvm(c, {127, -127}, {127}, true, &oc);
  EXPECT_EQ(oc.adc_saturations, 2u);
  EXPECT_NEAR(y[0], 0.9 * 127 * 127, 1.0);
  EXPECT_NEAR(y[1], -0.9 * 127 * 127, 1.0);
}

// Read noise of every device enters with its slice's weight: column model, ideal ADC, the
// output variance of the analog readout equals that of the digital readout (each slice's noisy
// column sum shift-added by 2^(s*b)) and is far above what equal slice weights would give.
TEST(SliceReadout, ReadNoiseIsWeightedPerSlice) {
  const unsigned R = 4, C = 32, n = 600;
  std::vector<int32_t> w(R * C, 127), x(R, 100);  // every slice digit on: every slice noisy
  auto variance = [&](const char* readout) {
    TileConfig c = quiet_tile(R, C, 0, 16);
    c.nonideal.read_noise = true;
    c.nonideal.read_noise_scale = 20.0;  // well above the integer rounding of the output
    c.device.bits_per_cell = 1;
    c.device.slice_readout = readout;
    Rng rng(7);
    AnalogArray a(c, rng);
    std::vector<int8_t> w8(w.begin(), w.end());
    OpCounts oc;
    a.program(w8.data(), R, C, 0.0, rng, oc);
    std::vector<int32_t> y(C);
    double s = 0, s2 = 0;
    for (unsigned t = 0; t < n; ++t) {
      a.mvm(x.data(), R, C, true, 100.0, rng, y.data(), oc);
      for (int32_t v : y) {
        s += v;
        s2 += double(v) * v;
      }
    }
    const double m = s / (n * C);
    return s2 / (n * C) - m * m;
  };
  const double va = variance("analog"), vd = variance("digital");
  ASSERT_GT(vd, 100.0);
  EXPECT_NEAR(va / vd, 1.0, 0.08) << va << " " << vd;
  // Equal weights would give sum_s var_s = (sum_s 4^s var_s) x 7/5461 for equal var_s.
  EXPECT_GT(va, 100.0 * vd * 7.0 / 5461.0);
}

// Cost: one conversion per weight column and input phase (not per slice), conversion rounds
// over the weight columns; array energy and area count every slice's devices as with the
// digital readout; nothing is charged for the stacking circuit.
TEST(SliceReadout, CostCountsColumnsNotSlices) {
  TileConfig c;
  c.dac.mode = "bit-serial";
  c.device.bits_per_cell = 1;  // 7 slices
  c.dac.bits_per_phase = 2;    // 4 phases of 3 steps (unsigned: 8 planes)
  std::vector<int32_t> x(256);
  for (unsigned i = 0; i < 256; ++i) x[i] = int32_t(i);
  std::vector<double> g(256);
  for (unsigned i = 0; i < 256; ++i) g[i] = 100.0 + i;
  const MvmCost kd = analog_mvm_cost(c, x.data(), g.data(), 256, 256, false);
  c.device.slice_readout = "analog";
  const MvmCost ka = analog_mvm_cost(c, x.data(), g.data(), 256, 256, false);
  const double t_conv = adc_conversion_ns(c.adc), post = c.periphery.postproc_ns;
  EXPECT_EQ(kd.adc_conversions, 256u * 7u * 4u);
  EXPECT_EQ(ka.adc_conversions, 256u * 4u);
  EXPECT_NEAR(ka.e_adc, 256.0 * 4 * adc_energy_pj(c.adc), 1e-9);
  EXPECT_NEAR(ka.t_ns, 12 * c.dac.step_ns + 4 * 1 * t_conv + post, 1e-9);
  EXPECT_DOUBLE_EQ(ka.e_array, kd.e_array);
  EXPECT_DOUBLE_EQ(ka.e_dac, kd.e_dac);
  EXPECT_DOUBLE_EQ(ka.e_digital, kd.e_digital);
  c.adc.count = 64;  // 256 weight columns on 64 ADCs: 4 rounds per phase
  EXPECT_NEAR(analog_mvm_cost(c, x.data(), g.data(), 256, 256, false).t_ns,
              12 * c.dac.step_ns + 4 * 4 * t_conv + post, 1e-9);
  TileConfig d = c;
  d.device.slice_readout = "digital";
  const TileArea aa = tile_area(c, 0), ad = tile_area(d, 0);
  EXPECT_DOUBLE_EQ(aa.array, ad.array);
  EXPECT_DOUBLE_EQ(aa.total(), ad.total());
  // One slice (binary weights on binary cells): both readouts are the same.
  c.weight_bits = 2;
  d.weight_bits = 2;
  c.adc.count = d.adc.count = 256;
  EXPECT_EQ(analog_mvm_cost(c, x.data(), g.data(), 256, 256, false).adc_conversions,
            analog_mvm_cost(d, x.data(), g.data(), 256, 256, false).adc_conversions);
}

// Bad combinations: file:line:col at the offending value; digital tiles ignore the key.
TEST(SliceReadout, BadCombinationsAreConfigErrors) {
  auto err = [](const std::string& text) -> std::string {
    TileConfig t;
    try {
      config::apply_text(t, text, "t.yaml");
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "";
  };
  std::string e = err("device:\n  slice_readout: analog\n");
  EXPECT_NE(e.find("t.yaml:2:18: device.slice_readout: device.slice_readout = analog needs "
                   "bit-sliced weights (device.bits_per_cell >= 1"),
            std::string::npos)
      << e;
  e = err("device:\n  slice_readout: current\n");
  EXPECT_NE(e.find("t.yaml:2:18: device.slice_readout: 'current' is not one of: digital analog"),
            std::string::npos)
      << e;
  EXPECT_EQ(err("device:\n  bits_per_cell: 1\n  slice_readout: analog\n"), "");
  EXPECT_EQ(err("weight_bits: 2\ndevice:\n  bits_per_cell: 1\n  slice_readout: analog\n"), "");
  EXPECT_EQ(err("kind: digital\ndevice:\n  slice_readout: analog\n"), "");
  // An update that removes the slicing names the key it sets.
  TileConfig t;
  config::apply_text(t, "device:\n  bits_per_cell: 1\n  slice_readout: analog\n", "a.yaml");
  try {
    config::apply_text(t, "device:\n  bits_per_cell: 0\n", "b.yaml");
    ADD_FAILURE() << "no error";
  } catch (const config::ConfigError& x) {
    EXPECT_NE(std::string(x.what()).find("b.yaml:2:18: device.bits_per_cell: device.slice_readout"),
              std::string::npos)
        << x.what();
  }
  // The tile's own check (configs built in code).
  TileConfig c;
  c.device.slice_readout = "analog";
  EXPECT_NE(c.slicing_error().find("needs bit-sliced weights"), std::string::npos);
  c.device.bits_per_cell = 2;
  EXPECT_EQ(c.slicing_error(), "");
  EXPECT_TRUE(c.analog_slice_readout());
  c.kind = "digital";
  EXPECT_EQ(c.slicing_error(), "");
}
