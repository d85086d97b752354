// Numerics of the IMC tiles (no SystemC): fixed seeds, statistical tolerances.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "models/common/tech_scaling.h"
#include "models/imc/numerics.h"

using namespace imcvp::imc;

namespace {

TileConfig ideal_analog(unsigned rows = 16, unsigned cols = 16) {
  TileConfig c;
  c.rows = rows;
  c.cols = cols;
  c.nonideal.programming_noise = false;
  c.nonideal.write_verify = false;
  c.nonideal.drift = false;
  c.nonideal.read_noise = false;
  c.adc.bits = 0;
  return c;
}

// Ideal analog tile with uniform drift (nu = 0.05 on every device, g_min = 0): outputs scale
// by ((t + 20) / 20)^-0.05.
TileConfig drifting(unsigned rows, unsigned cols) {
  TileConfig c = ideal_analog(rows, cols);
  c.nonideal.drift = true;
  c.nonideal.drift_model = "gaussian";
  c.nonideal.drift_nu_mean = 0.05;
  c.nonideal.drift_nu_std = 0.0;
  c.device.g_min_us = 0.0;
  return c;
}

std::vector<int8_t> random_weights(Rng& rng, unsigned n, int lo, int hi) {
  std::vector<int8_t> w(n);
  for (auto& v : w) v = static_cast<int8_t>(lo + static_cast<int>(rng.next() % (hi - lo + 1)));
  return w;
}

struct Moments {
  double mean = 0, std = 0;
};
Moments moments(const std::vector<double>& v) {
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= v.size();
  for (double x : v) m.std += (x - m.mean) * (x - m.mean);
  m.std = std::sqrt(m.std / (v.size() - 1));
  return m;
}

TEST(Rng, DeterministicAndStandardNormal) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(Rng(42).next(), c.next());
  Rng r(7);
  std::vector<double> v(200000);
  for (auto& x : v) x = r.normal();
  auto m = moments(v);
  EXPECT_NEAR(m.mean, 0.0, 0.01);
  EXPECT_NEAR(m.std, 1.0, 0.01);
  double u_sum = 0;
  for (int i = 0; i < 100000; ++i) {
    double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    u_sum += u;
  }
  EXPECT_NEAR(u_sum / 100000, 0.5, 0.01);
  EXPECT_NE(derive_seed(1, 0), derive_seed(1, 1));
  EXPECT_EQ(derive_seed(5, 3), derive_seed(5, 3));
}

TEST(Formulas, WeightRangeAndConductanceMapping) {
  EXPECT_EQ(weight_max(8), 127);
  EXPECT_EQ(weight_max(4), 7);
  EXPECT_TRUE(weight_in_range(-127, 8, true));
  EXPECT_FALSE(weight_in_range(-128, 8, true));  // analog pairs are symmetric
  EXPECT_TRUE(weight_in_range(-128, 8, false));
  EXPECT_FALSE(weight_in_range(8, 4, false));
  auto p = weight_to_conductance(127, 127, 0.25, 25.0);
  EXPECT_DOUBLE_EQ(p.gp_us, 25.0);
  EXPECT_DOUBLE_EQ(p.gn_us, 0.25);
  auto n = weight_to_conductance(-64, 127, 0.25, 25.0);
  EXPECT_DOUBLE_EQ(n.gp_us, 0.25);
  EXPECT_NEAR(n.gn_us - n.gp_us, 24.75 * 64 / 127, 1e-12);
  auto z = weight_to_conductance(0, 127, 0.25, 25.0);
  EXPECT_DOUBLE_EQ(z.gp_us, z.gn_us);
}

TEST(Formulas, AihwkitPcmCoefficients) {
  TileConfig c;
  // sigma_prog(g_max) = 0.26348 + 1.9650 - 1.1731 uS at g_max = 25 uS.
  EXPECT_NEAR(prog_noise_std_us(25.0, c), 1.05538, 1e-5);
  EXPECT_NEAR(prog_noise_std_us(0.0, c), 0.26348, 1e-6);
  // nu mean/std clamp ranges.
  EXPECT_DOUBLE_EQ(drift_nu_mean(25.0, c), 0.049);  // -0.0155 ln 1 + 0.0244 < 0.049
  EXPECT_DOUBLE_EQ(drift_nu_mean(1e-9, c), 0.1);
  EXPECT_NEAR(drift_nu_std(25.0 * std::exp(-2.0), c), 2 * 0.0125 - 0.0059, 1e-12);
  EXPECT_DOUBLE_EQ(drift_nu_std(25.0, c), 0.008);  // clamped from below
  EXPECT_NEAR(drift_factor(20.0, 20.0, 0.05), std::pow(2.0, -0.05), 1e-12);
  EXPECT_DOUBLE_EQ(drift_factor(0.0, 20.0, 0.1), 1.0);
  // 1/f read noise at g_max right after programming: 0.0088 * sqrt(ln((t0 + tr)/(2 tr))).
  double expect = 0.0088 * std::sqrt(std::log((20.0 + 250e-9) / (500e-9)));
  EXPECT_NEAR(read_noise_rel_std(25.0, 0.0, c), expect, 1e-9);
}

TEST(Formulas, DacAdcAndPostprocess) {
  bool sat = false;
  EXPECT_EQ(dac_clamp(100, 4, true, true, &sat), 7);
  EXPECT_TRUE(sat);
  EXPECT_EQ(dac_clamp(-100, 4, true, false, &sat), -8);
  EXPECT_EQ(dac_clamp(-128, 8, true, true, &sat), -127);
  EXPECT_EQ(dac_clamp(200, 8, false, true, &sat), 200);
  EXPECT_FALSE(sat);
  EXPECT_EQ(dac_clamp(-3, 8, false, true, &sat), 0);
  EXPECT_TRUE(sat);
  // 8-bit ADC over +-16: lsb 16/127; codes round to nearest and saturate at +-127.
  EXPECT_DOUBLE_EQ(adc_lsb(8, 16.0), 16.0 / 127);
  EXPECT_EQ(adc_code(0.0, 8, 16.0, &sat), 0);
  EXPECT_EQ(adc_code(16.0 / 127 * 10.4, 8, 16.0, &sat), 10);
  EXPECT_FALSE(sat);
  EXPECT_EQ(adc_code(100.0, 8, 16.0, &sat), 127);
  EXPECT_TRUE(sat);
  EXPECT_EQ(adc_code(-100.0, 8, 16.0, &sat), -127);
  EXPECT_EQ(postprocess(10, 5, false, false, 1, 0), 15);
  EXPECT_EQ(postprocess(-10, 5, true, false, 1, 0), 0);
  EXPECT_EQ(postprocess(300, 0, false, true, 3, 4), (900 + 8) >> 4);
  EXPECT_EQ(postprocess(100000, 0, false, true, 1, 0), 127);
  EXPECT_EQ(postprocess(-100000, 0, false, true, 1, 0), -128);
  EXPECT_EQ(postprocess(-24, 0, false, true, 1, 4), -1);  // (-24 + 8) >> 4 = -1
}

TEST(Digital, BitExactAgainstReference) {
  Rng rng(3);
  const unsigned R = 64, C = 48;
  DigitalArray a(R, C);
  auto w = random_weights(rng, R * C, -128, 127);
  a.program(w.data(), R, C);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<int32_t> x(R), y(C);
    for (auto& v : x) v = static_cast<int32_t>(rng.next() % 256) - 128;
    a.mvm(x.data(), R, C, y.data());
    for (unsigned j = 0; j < C; ++j) {
      int64_t ref = 0;
      for (unsigned i = 0; i < R; ++i) ref += int64_t(x[i]) * w[i * C + j];
      ASSERT_EQ(y[j], ref) << "column " << j;
    }
  }
}

TEST(Analog, IdealConfigurationIsExact) {
  TileConfig c = ideal_analog(256, 64);
  Rng rng(11);
  AnalogArray a(c, rng);
  auto w = random_weights(rng, 256 * 64, -127, 127);
  OpCounts oc;
  a.program(w.data(), 256, 64, 0.0, rng, oc);
  EXPECT_EQ(oc.pulses, 256u * 64 * 2);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<int32_t> x(256), y(64);
    for (auto& v : x) v = static_cast<int32_t>(rng.next() % 255) - 127;
    a.mvm(x.data(), 256, 64, true, 1.0 + trial, rng, y.data(), oc);
    for (unsigned j = 0; j < 64; ++j) {
      int64_t ref = 0;
      for (unsigned i = 0; i < 256; ++i) ref += int64_t(x[i]) * w[i * 64 + j];
      ASSERT_EQ(y[j], ref);
    }
  }
  std::vector<int8_t> back(256 * 64);
  a.readback(256, 64, 5.0, rng, back.data());
  EXPECT_EQ(back, w);
}

TEST(Analog, ProgrammingNoiseMatchesPolynomial) {
  for (int weight : {127, 64, 0}) {
    TileConfig c = ideal_analog(64, 64);
    c.nonideal.programming_noise = true;
    Rng rng(100 + weight);
    AnalogArray a(c, rng);
    std::vector<int8_t> w(64 * 64, static_cast<int8_t>(weight));
    OpCounts oc;
    a.program(w.data(), 64, 64, 0.0, rng, oc);
    CondPair t = weight_to_conductance(weight, 127, c.device.g_min_us, c.device.g_max_us);
    std::vector<double> err;
    for (unsigned i = 0; i < 64; ++i)
      for (unsigned j = 0; j < 64; ++j) err.push_back(a.g_prog_us(i, j, false) - t.gp_us);
    auto m = moments(err);
    double sd = prog_noise_std_us(t.gp_us, c);
    // 4096 samples: the std estimate is within ~3% (1 sigma ~1.1%); clamping at 0 uS only
    // matters for the off state, whose target (0.25 uS) is ~1 sigma above 0.
    if (weight != 0) {
      EXPECT_NEAR(m.mean, 0.0, 4 * sd / 64) << weight;
      EXPECT_NEAR(m.std, sd, 0.04 * sd) << weight;
    } else {
      EXPECT_GT(m.std, 0.5 * sd);
      EXPECT_LT(m.std, 1.05 * sd);
    }
  }
}

// Regression (issue 14): aihwkit's programming-noise sigma is the error left after iterative
// write-verify. The model used to apply it to every pulse and then verify again, which halved
// the error at g_max (0.547 uS instead of 1.055 uS). With the default settings (write-verify
// on) the programmed error must match sigma(g_T) within 5 % at five conductance levels.
TEST(Analog, WriteVerifyKeepsTheAihwkitProgrammingError) {
  for (int weight : {127, 95, 64, 32, 16}) {
    TileConfig c;  // defaults: programming noise + write-verify (tolerance 0.04, 5 iterations)
    c.rows = c.cols = 64;
    c.nonideal.drift = c.nonideal.read_noise = false;
    ASSERT_TRUE(c.nonideal.write_verify && c.nonideal.programming_noise);
    Rng rng(700 + weight);
    AnalogArray a(c, rng);
    std::vector<int8_t> w(64 * 64, static_cast<int8_t>(weight));
    OpCounts oc;
    a.program(w.data(), 64, 64, 0.0, rng, oc);
    const double target =
        weight_to_conductance(weight, 127, c.device.g_min_us, c.device.g_max_us).gp_us;
    std::vector<double> err;
    for (unsigned i = 0; i < 64; ++i)
      for (unsigned j = 0; j < 64; ++j) err.push_back(a.g_prog_us(i, j, false) - target);
    auto m = moments(err);
    const double sd = prog_noise_std_us(target, c);
    std::printf("g_T = %6.3f uS: sigma(aihwkit) %.4f uS, programmed error std %.4f uS (%+.1f %%)\n",
                target, sd, m.std, 100.0 * (m.std / sd - 1.0));
    EXPECT_NEAR(m.std, sd, 0.05 * sd) << "g_T " << target;
    EXPECT_NEAR(m.mean, 0.0, 4 * sd / 64) << "g_T " << target;
    // The verify loop still costs pulses and verify reads.
    EXPECT_EQ(oc.verifies, oc.pulses);
    EXPECT_GE(oc.pulses, 2u * 64 * 64);
  }
}

TEST(Analog, WriteVerifyCostDependsOnToleranceNotError) {
  auto run = [](double tol, double* err_std) {
    TileConfig c = ideal_analog(32, 32);
    c.nonideal.programming_noise = true;
    c.nonideal.write_verify = true;
    c.nonideal.verify_tolerance = tol;
    c.nonideal.verify_max_iterations = 50;
    Rng rng(5);
    AnalogArray a(c, rng);
    std::vector<int8_t> w(32 * 32, 127);
    OpCounts oc;
    a.program(w.data(), 32, 32, 0.0, rng, oc);
    std::vector<double> e;
    for (unsigned i = 0; i < 32; ++i)
      for (unsigned j = 0; j < 32; ++j) e.push_back(a.g_prog_us(i, j, false) - 25.0);
    *err_std = moments(e).std;
    return oc;
  };
  double s_tight = 0, s_loose = 0;
  OpCounts tight = run(0.02, &s_tight), loose = run(0.2, &s_loose);
  EXPECT_GT(tight.pulses, 2u * 32 * 32);  // some devices needed several iterations
  EXPECT_EQ(loose.pulses, 2u * 32 * 32);  // 0.2 * 25 uS = 5 sigma: one pulse each
  EXPECT_GT(tight.program_steps, loose.program_steps);
  // The error is sigma(g_T) either way (1.055 uS at g_max), not truncated by the tolerance.
  EXPECT_NEAR(s_tight, 1.05538, 0.1);
  EXPECT_NEAR(s_loose, 1.05538, 0.1);
}

// ---- energy and time model (docs/imc-model.md, Energy) ----

TEST(Energy, AdcWaldenEnergyDoublesPerBit) {
  AdcConfig a;  // 2 pJ at 8 bits, Walden
  const double expect[] = {0.125, 0.5, 2.0, 8.0};
  const unsigned bits[] = {4, 6, 8, 10};
  for (int k = 0; k < 4; ++k) {
    a.bits = bits[k];
    EXPECT_DOUBLE_EQ(adc_energy_pj(a), expect[k]) << bits[k];
  }
  a.bits = 0;  // ideal ADC: charged as the reference resolution
  EXPECT_DOUBLE_EQ(adc_energy_pj(a), 2.0);
  a.bits = 4;
  a.energy_model = "constant";
  EXPECT_DOUBLE_EQ(adc_energy_pj(a), 2.0);
  a.energy_model = "walden";
  a.ref_bits = 6;
  a.energy_pj = 1.0;
  EXPECT_DOUBLE_EQ(adc_energy_pj(a), 0.25);
}

TEST(Energy, AdcConversionTimeSarAndFlash) {
  AdcConfig a;
  EXPECT_DOUBLE_EQ(adc_conversion_ns(a), 30.0);  // 8 bits = ref_bits
  a.bits = 4;
  EXPECT_DOUBLE_EQ(adc_conversion_ns(a), 30.0 * 5 / 9);
  a.bits = 10;
  EXPECT_DOUBLE_EQ(adc_conversion_ns(a), 30.0 * 11 / 9);
  a.architecture = "flash";
  EXPECT_DOUBLE_EQ(adc_conversion_ns(a), 30.0);
}

TEST(Energy, AdcBitsBeyondTheModelAreAConfigError) {
  TileConfig c;
  EXPECT_EQ(energy_config_error(c), "");
  c.adc.bits = 12;
  EXPECT_EQ(energy_config_error(c), "");
  c.adc.bits = 13;
  EXPECT_NE(energy_config_error(c).find("Walden"), std::string::npos);
  c.adc.energy_model = "constant";
  EXPECT_EQ(energy_config_error(c), "");
  c.kind = "digital";
  c.adc.energy_model = "walden";
  EXPECT_EQ(energy_config_error(c), "");  // digital tiles have no ADC
}

TEST(Energy, DacPulsesAndOnTime) {
  DacConfig d;  // pwm, 0.4 ns
  EXPECT_EQ(dac_pulses(0, d), 0u);
  EXPECT_EQ(dac_pulses(5, d), 1u);
  EXPECT_EQ(dac_pulses(-128, d), 1u);
  EXPECT_DOUBLE_EQ(input_on_ns(10, d), 4.0);
  EXPECT_DOUBLE_EQ(input_on_ns(-10, d), 4.0);
  d.mode = "bit-serial";
  EXPECT_EQ(dac_pulses(0b1011, d), 3u);
  EXPECT_EQ(dac_pulses(-7, d), 3u);
  EXPECT_EQ(dac_pulses(255, d), 8u);
  EXPECT_DOUBLE_EQ(input_on_ns(7, d), 3 * 0.4);
  EXPECT_DOUBLE_EQ(ivt_energy_pj(25.0, 0.2, 100.0), 0.1);  // 0.04 V^2 x 25 uS x 100 ns
}

TEST(Energy, AnalogMvmCostPwmAndBitSerial) {
  TileConfig c;
  const int32_t x[4] = {0, 1, -3, 127};
  const double g[4] = {10, 20, 30, 40};
  MvmCost k = analog_mvm_cost(c, x, g, 4, 2);
  EXPECT_DOUBLE_EQ(k.e_dac, 3 * 0.05);  // three non-zero inputs, one pulse each
  EXPECT_NEAR(k.e_array, 0.04 * (20 * 0.4 + 30 * 1.2 + 40 * 50.8) * 1e-3, 1e-12);
  EXPECT_DOUBLE_EQ(k.e_adc, 2 * 2.0);
  EXPECT_EQ(k.adc_conversions, 2u);
  EXPECT_DOUBLE_EQ(k.e_digital, 2 * c.periphery.postproc_energy_pj);
  EXPECT_NEAR(k.t_ns, 255 * 0.4 + 30 + 4, 1e-9);
  c.dac.mode = "bit-serial";
  MvmCost s = analog_mvm_cost(c, x, g, 4, 2);
  EXPECT_DOUBLE_EQ(s.e_dac, (0 + 1 + 2 + 7) * 0.05);  // one pulse per 1 bit
  EXPECT_EQ(s.adc_conversions, 2u * 8);               // one conversion per input bit
  EXPECT_DOUBLE_EQ(s.e_adc, 16 * 2.0);
  EXPECT_NEAR(s.t_ns, 8 * (0.4 + 30) + 4, 1e-9);
  EXPECT_NEAR(s.e_array, 0.04 * (20 * 0.4 + 30 * 0.8 + 40 * 2.8) * 1e-3, 1e-12);
  // Constant models: the pre-issue-14 numbers.
  c.dac.mode = "pwm";
  c.dac.energy_model = "constant";
  c.periphery.array_energy_model = "constant";
  c.adc.energy_model = "constant";
  c.adc.bits = 4;
  MvmCost f = analog_mvm_cost(c, x, g, 4, 2);
  EXPECT_DOUBLE_EQ(f.e_dac, 4 * 0.05);
  EXPECT_DOUBLE_EQ(f.e_array, 8 * 0.01);
  EXPECT_DOUBLE_EQ(f.e_adc, 2 * 2.0);
}

TEST(Energy, SparseAndSmallInputsCostLess) {
  TileConfig c;
  std::vector<double> g(256, 256 * 12.5);
  std::vector<int32_t> zero(256, 0), small(256, 3), big(256, 120);
  MvmCost z = analog_mvm_cost(c, zero.data(), g.data(), 256, 256);
  MvmCost s = analog_mvm_cost(c, small.data(), g.data(), 256, 256);
  MvmCost b = analog_mvm_cost(c, big.data(), g.data(), 256, 256);
  EXPECT_EQ(z.e_dac, 0.0);
  EXPECT_EQ(z.e_array, 0.0);
  EXPECT_LT(s.e_array, b.e_array);
  EXPECT_NEAR(b.e_array / s.e_array, 40.0, 1e-9);  // proportional to the pulse width
  EXPECT_EQ(z.e_adc, b.e_adc);                     // every column is converted anyway
}

TEST(Energy, DigitalMacEnergyScalesWithBits) {
  TileConfig c;
  c.kind = "digital";
  MvmCost k8 = digital_mvm_cost(c, 256, 256);
  EXPECT_DOUBLE_EQ(k8.e_array, 65536 * 0.05);
  EXPECT_DOUBLE_EQ(k8.t_ns, 8 + 4);
  c.input_bits = 4;
  MvmCost k4 = digital_mvm_cost(c, 256, 256);
  EXPECT_DOUBLE_EQ(k4.e_array, 65536 * 0.05 / 2);
  c.weight_bits = 4;
  EXPECT_DOUBLE_EQ(digital_mvm_cost(c, 256, 256).e_array, 65536 * 0.05 / 4);
}

TEST(Energy, RowConductanceSumsFollowTheProgrammedWeights) {
  TileConfig c = ideal_analog(4, 8);
  Rng rng(3);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(4 * 8, 0);
  for (unsigned j = 0; j < 8; ++j) w[1 * 8 + j] = 127;   // row 1: G+ = g_max
  for (unsigned j = 0; j < 4; ++j) w[2 * 8 + j] = -127;  // row 2: half the columns G- = g_max
  OpCounts oc;
  a.program(w.data(), 4, 8, 0.0, rng, oc);
  const double* g = a.row_conductance_us();
  EXPECT_NEAR(g[0], 16 * 0.25, 1e-12);  // all devices at g_min
  EXPECT_NEAR(g[1], 8 * (25.0 + 0.25), 1e-12);
  EXPECT_NEAR(g[2], 4 * (25.0 + 0.25) + 8 * 0.25, 1e-12);
}

TEST(Analog, DriftFollowsPowerLaw) {
  TileConfig c = ideal_analog(8, 8);
  c.nonideal.drift = true;
  c.nonideal.drift_model = "gaussian";
  c.nonideal.drift_nu_mean = 0.06;
  c.nonideal.drift_nu_std = 0.0;
  c.device.g_min_us = 0.0;  // pure proportional drift of the differential weight
  Rng rng(9);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(64, 100);
  OpCounts oc;
  a.program(w.data(), 8, 8, 0.0, rng, oc);
  for (double t : {0.0, 20.0, 3600.0, 86400.0 * 365}) {
    double expect = 100.0 * std::pow((t + 20.0) / 20.0, -0.06);
    EXPECT_NEAR(a.effective_weight(3, 4, t, rng), expect, 1e-9) << t;
  }
  // Extra age shifts the clock.
  a.set_extra_age_s(3600.0);
  EXPECT_NEAR(a.effective_weight(3, 4, 0.0, rng), 100.0 * std::pow(3620.0 / 20.0, -0.06), 1e-9);
}

TEST(Analog, AihwkitDriftExponentStatistics) {
  TileConfig c = ideal_analog(64, 64);
  c.nonideal.drift = true;
  c.device.g_min_us = 0.0;
  Rng rng(21);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(64 * 64, 127);  // g = g_max: mu = 0.049, sigma = 0.008
  OpCounts oc;
  a.program(w.data(), 64, 64, 0.0, rng, oc);
  const double t = 1e6, l = std::log((t + 20.0) / 20.0);
  std::vector<double> nu;
  for (unsigned i = 0; i < 64; ++i)
    for (unsigned j = 0; j < 64; ++j)
      nu.push_back(-std::log(a.effective_weight(i, j, t, rng) / 127.0) / l);
  auto m = moments(nu);
  EXPECT_NEAR(m.mean, 0.049, 0.001);
  EXPECT_NEAR(m.std, 0.008, 0.0008);
}

TEST(Analog, ReadNoiseMatchesOneOverFModel) {
  TileConfig c = ideal_analog(64, 64);
  c.nonideal.read_noise = true;
  c.device.g_min_us = 0.0;
  Rng rng(33);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(64 * 64, 127);
  OpCounts oc;
  a.program(w.data(), 64, 64, 0.0, rng, oc);
  const double t = 100.0;
  std::vector<double> rel;
  for (unsigned i = 0; i < 64; ++i)
    for (unsigned j = 0; j < 64; ++j) rel.push_back(a.effective_weight(i, j, t, rng) / 127.0 - 1);
  auto m = moments(rel);
  double sd = read_noise_rel_std(25.0, t, c);
  EXPECT_NEAR(m.mean, 0.0, 4 * sd / 64);
  EXPECT_NEAR(m.std, sd, 0.04 * sd);
}

TEST(Analog, AdcQuantisesAndSaturates) {
  TileConfig c = ideal_analog(64, 4);
  c.adc.bits = 4;      // lsb = bound / 7
  c.adc.bound = 16.0;  // saturates above 16 fully-on rows
  Rng rng(1);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(64 * 4);
  for (unsigned i = 0; i < 64; ++i) {
    w[i * 4 + 0] = 127;               // column 0: sum of 64 full-scale rows -> saturates
    w[i * 4 + 1] = i < 5 ? 127 : 0;   // column 1: 5 rows -> 5 / (16/7) = 2.19 -> code 2
    w[i * 4 + 2] = i < 5 ? -127 : 0;  // column 2: -5 rows -> code -2
    w[i * 4 + 3] = 0;
  }
  OpCounts oc;
  a.program(w.data(), 64, 4, 0.0, rng, oc);
  std::vector<int32_t> x(64, 127), y(4);
  a.mvm(x.data(), 64, 4, true, 0.0, rng, y.data(), oc);
  const double full = 127.0 * 127.0, lsb = 16.0 / 7;
  EXPECT_EQ(y[0], std::llround(7 * lsb * full));
  EXPECT_EQ(y[1], std::llround(2 * lsb * full));
  EXPECT_EQ(y[2], std::llround(-2 * lsb * full));
  EXPECT_EQ(y[3], 0);
  EXPECT_EQ(oc.adc_saturations, 1u);
}

TEST(Analog, EnduranceWearsDevicesOut) {
  TileConfig c = ideal_analog(4, 4);
  c.device.endurance_writes = 3;
  Rng rng(2);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(16, 50);
  for (int k = 0; k < 3; ++k) {
    OpCounts oc;
    a.program(w.data(), 4, 4, k, rng, oc);
    EXPECT_EQ(oc.newly_worn, 0u);
  }
  EXPECT_EQ(a.writes(0, 0, false), 3u);
  OpCounts oc;
  a.program(w.data(), 4, 4, 4.0, rng, oc);
  EXPECT_EQ(oc.newly_worn, 32u);  // every device of the 4x4 block, both polarities
  EXPECT_EQ(a.stuck_devices(), 32u);
  EXPECT_DOUBLE_EQ(a.effective_weight(1, 1, 5.0, rng), 0.0);  // both sides stuck at g_min
}

TEST(Analog, StuckFaultRates) {
  TileConfig c = ideal_analog(128, 128);
  c.nonideal.stuck_on_rate = 0.01;
  c.nonideal.stuck_off_rate = 0.02;
  Rng rng(4);
  AnalogArray a(c, rng);
  const double n = 128.0 * 128 * 2;
  EXPECT_NEAR(a.stuck_devices() / n, 0.03, 0.003);
  // A stuck-on device pins its side at g_max whatever is programmed.
  std::vector<int8_t> w(128 * 128, 0);
  OpCounts oc;
  a.program(w.data(), 128, 128, 0.0, rng, oc);
  EXPECT_LT(oc.pulses, static_cast<uint64_t>(n));
  unsigned full = 0;
  for (unsigned i = 0; i < 128; ++i)
    for (unsigned j = 0; j < 128; ++j) full += std::abs(a.effective_weight(i, j, 0.0, rng)) > 126;
  EXPECT_NEAR(full / (128.0 * 128), 0.02, 0.004);  // ~1% stuck-on per side, not both
}

TEST(Analog, IrDropAttenuatesFarCells) {
  TileConfig c = ideal_analog(64, 64);
  c.nonideal.ir_drop = true;
  c.nonideal.wire_resistance_ohm = 20.0;
  c.device.g_min_us = 0.0;
  Rng rng(6);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(64 * 64, 127);
  OpCounts oc;
  a.program(w.data(), 64, 64, 0.0, rng, oc);
  double near = a.effective_weight(63, 0, 0.0, rng);  // next to driver and sense amplifier
  double far = a.effective_weight(0, 63, 0.0, rng);
  EXPECT_NEAR(near, 127.0 / (1 + 20.0 * 25e-6 * 2), 1e-9);
  EXPECT_NEAR(far, 127.0 / (1 + 20.0 * 25e-6 * 128), 1e-9);
  EXPECT_LT(far, near);
}

TEST(Analog, GlobalDriftCompensationRestoresScale) {
  TileConfig c = drifting(64, 16);
  Rng rng(8);
  AnalogArray a(c, rng);
  auto w = random_weights(rng, 64 * 16, -127, 127);
  OpCounts oc;
  a.program(w.data(), 64, 16, 0.0, rng, oc);
  std::vector<int32_t> x(64), y0(16), y1(16), y2(16);
  for (auto& v : x) v = static_cast<int32_t>(rng.next() % 255) - 127;
  a.mvm(x.data(), 64, 16, true, 0.0, rng, y0.data(), oc);
  const double year = 3.15e7;
  a.mvm(x.data(), 64, 16, true, year, rng, y1.data(), oc);
  a.calibrate(year, rng);
  EXPECT_NEAR(a.alpha(), std::pow((year + 20) / 20, 0.05), 1e-9);
  a.mvm(x.data(), 64, 16, true, year, rng, y2.data(), oc);
  double e1 = 0, e2 = 0;
  for (unsigned j = 0; j < 16; ++j) {
    e1 += std::abs(y1[j] - y0[j]);
    e2 += std::abs(y2[j] - y0[j]);
  }
  EXPECT_GT(e1, 100 * (e2 + 1));
}

// Regression: with an extra age set before programming (nonideal.extra_age_s, or AGE_S
// written first) the compensation reference must still be the fresh array, so CALIBRATE
// compensates the extra age's drift.
TEST(Analog, ExtraAgeIsNotPartOfTheCompensationReference) {
  TileConfig c = drifting(64, 16);
  const double year = 3.15e7;
  TileConfig aged_cfg = c;
  aged_cfg.nonideal.extra_age_s = year;
  // Same seed: the same weights and devices; only the extra age differs.
  Rng rf(8), ra(8);
  AnalogArray fresh(c, rf), aged(aged_cfg, ra);
  auto w = random_weights(rf, 64 * 16, -127, 127);
  EXPECT_EQ(random_weights(ra, 64 * 16, -127, 127), w);
  OpCounts oc;
  fresh.program(w.data(), 64, 16, 0.0, rf, oc);
  aged.program(w.data(), 64, 16, 0.0, ra, oc);
  std::vector<int32_t> x(64), y0(16), y1(16), y2(16);
  for (auto& v : x) v = static_cast<int32_t>(rf.next() % 255) - 127;
  fresh.mvm(x.data(), 64, 16, true, 0.0, rf, y0.data(), oc);
  aged.mvm(x.data(), 64, 16, true, 0.0, ra, y1.data(), oc);
  aged.calibrate(0.0, ra);
  EXPECT_NEAR(aged.alpha(), std::pow((year + 20) / 20, 0.05), 1e-9);
  aged.mvm(x.data(), 64, 16, true, 0.0, ra, y2.data(), oc);
  double e1 = 0, e2 = 0;
  for (unsigned j = 0; j < 16; ++j) {
    e1 += std::abs(y1[j] - y0[j]);
    e2 += std::abs(y2[j] - y0[j]);
  }
  EXPECT_GT(e1, 100 * (e2 + 1));  // the extra age drifted the outputs; CALIBRATE undid it
}

TEST(Analog, SameSeedSameResults) {
  auto run = [](uint64_t seed) {
    TileConfig c;
    c.rows = c.cols = 32;
    Rng rng(seed);
    AnalogArray a(c, rng);
    Rng wr(1);
    auto w = random_weights(wr, 32 * 32, -127, 127);
    OpCounts oc;
    a.program(w.data(), 32, 32, 0.0, rng, oc);
    std::vector<int32_t> x(32, 50), y(32);
    a.mvm(x.data(), 32, 32, true, 10.0, rng, y.data(), oc);
    return y;
  };
  EXPECT_EQ(run(77), run(77));
  EXPECT_NE(run(77), run(78));
}

}  // namespace

// ---- area and efficiency (docs/imc-model.md, Area and efficiency) ----

TEST(Area, AdcAreaFollowsTheSurveyRegression) {
  TileConfig c;  // 8 bit, 30 ns (33.3 MHz), 2 pJ, 14 nm
  // exp(4.850567 + 0.0666585 ln 3.33e7 + 0.797324 ln 14 - 0.134373*8 + 0.423657 ln 2)
  EXPECT_NEAR(adc_area_um2(c), 1522.47, 0.05);
  c.adc.bits = 4;  // 16.7 ns, 0.125 pJ
  EXPECT_NEAR(adc_area_um2(c), 837.26, 0.05);
  c.adc.bits = 8;
  c.area.node_nm = 28;  // node^0.797
  EXPECT_NEAR(adc_area_um2(c), 1522.47 * std::pow(2.0, 0.797324), 0.05);
}

TEST(Area, TileAreaBreakdown) {
  TileConfig c;
  const uint64_t buf = 456 * 1024;
  TileArea a = tile_area(c, buf);
  EXPECT_NEAR(a.array, 65536 * 2 * 48 * 0.014 * 0.014 * 1e-6, 1e-12);  // 48 F^2 per device
  EXPECT_NEAR(a.dac, 256 * 6e-6, 1e-12);
  EXPECT_NEAR(a.adc, 256 * 1522.47e-6, 1e-4);
  EXPECT_NEAR(a.buffers, buf * 8 * 0.0588 / 0.7 * 1e-6, 1e-9);
  EXPECT_DOUBLE_EQ(a.periphery, 0.01);
  EXPECT_DOUBLE_EQ(a.macro(), a.array + a.dac + a.adc);
  EXPECT_DOUBLE_EQ(a.total(), a.macro() + a.buffers + a.periphery);
  // First-order node scaling of everything but the ADC: x4 from 14 to 28 nm.
  TileConfig c28 = c;
  c28.area.node_nm = 28;
  TileArea b = tile_area(c28, buf);
  EXPECT_NEAR(b.array, 4 * a.array, 1e-12);
  EXPECT_NEAR(b.buffers, 4 * a.buffers, 1e-9);
  EXPECT_NEAR(b.periphery, 4 * a.periphery, 1e-12);
  // Two devices per polarity double the array.
  c.device.devices_per_weight = 2;
  EXPECT_NEAR(tile_area(c, buf).array, 2 * a.array, 1e-12);
  // Digital: weight bits x SRAM bit (with efficiency) x adder-tree overhead, no DAC/ADC.
  c.kind = "digital";
  TileArea d = tile_area(c, buf);
  EXPECT_NEAR(d.array, 65536 * 8 * 0.0588 / 0.7 * 2.5 * 1e-6, 1e-9);
  EXPECT_EQ(d.adc, 0.0);
  EXPECT_EQ(d.dac, 0.0);
}

TEST(Area, PeakThroughput) {
  TileConfig c;  // 136 ns per 256x256 MVM
  EXPECT_NEAR(peak_tops(c), 2.0 * 65536 / 136.0 * 1e-3, 1e-9);
  c.adc.bits = 4;  // faster SAR conversion
  EXPECT_GT(peak_tops(c), 2.0 * 65536 / 136.0 * 1e-3);
  c.kind = "digital";  // 8 + 4 ns
  EXPECT_NEAR(peak_tops(c), 2.0 * 65536 / 12.0 * 1e-3, 1e-9);
}

// ---- IR drop: nodal crossbar solve ----

namespace {
// Direct dense solve of the same network (unknowns: row-wire node voltages, then column-wire
// node voltages), Gaussian elimination with partial pivoting; returns column currents (uA).
std::vector<double> dense_crossbar(const std::vector<double>& g, unsigned R, unsigned C,
                                   const std::vector<double>& v, double r_ohm) {
  const double gw = 1e6 / r_ohm;
  const unsigned n = R * C, N = 2 * n;
  std::vector<double> A(std::size_t(N) * (N + 1), 0.0);
  auto at = [&](unsigned r, unsigned c) -> double& { return A[std::size_t(r) * (N + 1) + c]; };
  auto vr = [&](unsigned i, unsigned j) { return i * C + j; };
  auto vc = [&](unsigned i, unsigned j) { return n + i * C + j; };
  for (unsigned i = 0; i < R; ++i)
    for (unsigned j = 0; j < C; ++j) {
      const double gij = g[i * C + j];
      unsigned k = vr(i, j);  // KCL at the row node
      at(k, k) += gij + gw;   // left segment (or driver)
      if (j > 0)
        at(k, vr(i, j - 1)) -= gw;
      else
        at(k, N) += gw * v[i];
      if (j + 1 < C) {
        at(k, k) += gw;
        at(k, vr(i, j + 1)) -= gw;
      }
      at(k, vc(i, j)) -= gij;
      k = vc(i, j);          // KCL at the column node
      at(k, k) += gij + gw;  // segment below (or the sense amplifier)
      if (i + 1 < R) at(k, vc(i + 1, j)) -= gw;
      if (i > 0) {
        at(k, k) += gw;
        at(k, vc(i - 1, j)) -= gw;
      }
      at(k, vr(i, j)) -= gij;
    }
  for (unsigned c = 0; c < N; ++c) {
    unsigned p = c;
    for (unsigned r = c + 1; r < N; ++r)
      if (std::abs(at(r, c)) > std::abs(at(p, c))) p = r;
    for (unsigned k = c; k <= N; ++k) std::swap(at(c, k), at(p, k));
    for (unsigned r = c + 1; r < N; ++r) {
      const double f = at(r, c) / at(c, c);
      if (f != 0)
        for (unsigned k = c; k <= N; ++k) at(r, k) -= f * at(c, k);
    }
  }
  std::vector<double> xs(N);
  for (unsigned r = N; r-- > 0;) {
    double s = at(r, N);
    for (unsigned k = r + 1; k < N; ++k) s -= at(r, k) * xs[k];
    xs[r] = s / at(r, r);
  }
  std::vector<double> out(C);
  for (unsigned j = 0; j < C; ++j) out[j] = xs[vc(R - 1, j)] * gw;
  return out;
}
}  // namespace

TEST(IrDrop, NodalSolveMatchesDirectSolve) {
  Rng rng(41);
  for (auto [R, C, r_ohm] : {std::tuple<unsigned, unsigned, double>{8, 8, 2.0},
                             {8, 8, 2000.0},
                             {12, 7, 500.0},
                             {5, 16, 5000.0}}) {
    std::vector<double> g(R * C), v(R);
    for (auto& e : g) e = 0.25 + 24.75 * rng.uniform();
    for (auto& e : v) e = std::floor(rng.uniform() * 255) - 127;
    std::vector<double> it(C);
    unsigned iters = crossbar_currents(g.data(), R, C, v.data(), r_ohm, it.data(), 1e-12);
    auto ref = dense_crossbar(g, R, C, v, r_ohm);
    double scale = 0;
    for (double e : ref) scale = std::max(scale, std::abs(e));
    for (unsigned j = 0; j < C; ++j)
      EXPECT_NEAR(it[j], ref[j], 1e-6 * scale) << R << "x" << C << " r " << r_ohm << " col " << j;
    EXPECT_LT(iters, 10000u);
  }
}

TEST(IrDrop, ZeroWireResistanceIsIdeal) {
  std::vector<double> g = {1, 2, 3, 4, 5, 6}, v = {1, -2}, out(3);
  EXPECT_EQ(crossbar_currents(g.data(), 2, 3, v.data(), 0.0, out.data()), 0u);
  EXPECT_DOUBLE_EQ(out[0], 1 * 1 - 2 * 4);
  EXPECT_DOUBLE_EQ(out[2], 3 * 1 - 2 * 6);
}

// A full 256-row column of g_max devices at 2 ohm per pitch: the nodal solve loses ~48 % of the
// current (the number issue 14 quotes; the first-order series model loses 0.6 %). The loss
// depends on the data: rows far from the sense amplifier lose more than rows next to it
// (undriven rows are held at 0 V by their drivers and sink current from the raised column wire,
// so the loss is not simply proportional to the number of driven rows).
TEST(IrDrop, FullColumnLossIsLargeAndDataDependent) {
  const unsigned R = 256;
  std::vector<double> g(R, 25.0), all(R, 0.2), top(R, 0.0), bottom(R, 0.0), out(1);
  for (unsigned i = 0; i < 16; ++i) top[i] = bottom[R - 1 - i] = 0.2;
  auto loss = [&](const std::vector<double>& v, double ideal) {
    crossbar_currents(g.data(), R, 1, v.data(), 2.0, out.data(), 1e-12);
    return 1.0 - out[0] / ideal;
  };
  const double l_all = loss(all, R * 25.0 * 0.2);
  const double l_top = loss(top, 16 * 25.0 * 0.2), l_bottom = loss(bottom, 16 * 25.0 * 0.2);
  std::printf(
      "256-row column at 2 ohm: nodal loss %.1f %% (all rows), %.1f %% (16 rows far from "
      "the ADC), %.1f %% (16 rows next to it)\n",
      100 * l_all, 100 * l_top, 100 * l_bottom);
  EXPECT_NEAR(l_all, 0.478, 0.01);
  EXPECT_GT(l_top, l_bottom + 0.05);
}

TEST(IrDrop, NodalTileModelDependsOnWhichRowsAreDriven) {
  TileConfig c = ideal_analog(64, 8);
  c.nonideal.ir_drop = true;
  c.nonideal.ir_drop_model = "nodal";
  c.nonideal.wire_resistance_ohm = 20.0;
  Rng rng(4);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(64 * 8, 100);
  OpCounts oc;
  a.program(w.data(), 64, 8, 0.0, rng, oc);
  std::vector<int32_t> dense(64, 100), top(64, 0), bottom(64, 0), y(8);
  for (unsigned i = 0; i < 8; ++i) top[i] = bottom[63 - i] = 100;
  a.mvm(dense.data(), 64, 8, true, 0.0, rng, y.data(), oc);
  const double r_dense = y[0] / (64.0 * 100 * 100);
  a.mvm(top.data(), 64, 8, true, 0.0, rng, y.data(), oc);
  const double r_top = y[0] / (8.0 * 100 * 100);
  a.mvm(bottom.data(), 64, 8, true, 0.0, rng, y.data(), oc);
  const double r_bottom = y[0] / (8.0 * 100 * 100);
  EXPECT_LT(r_dense, 0.9);
  EXPECT_LT(r_top, r_bottom);  // far from the sense amplifiers: more wire
  EXPECT_LE(r_bottom, 1.0);
  // The nodal model agrees with the first-order model when the wires are ideal.
  TileConfig c0 = c;
  c0.nonideal.wire_resistance_ohm = 0.0;
  Rng rng0(4);
  AnalogArray a0(c0, rng0);
  a0.program(w.data(), 64, 8, 0.0, rng0, oc);
  a0.mvm(dense.data(), 64, 8, true, 0.0, rng0, y.data(), oc);
  EXPECT_EQ(y[0], 64 * 100 * 100);
}

// Host cost of the nodal solve on a full default array (docs/imc-model.md quotes it): random
// PCM conductances, random int8 inputs, 2 ohm per pitch. Converges (well below the cap) and
// matches the first-order attenuation's direction.
TEST(IrDrop, HostCostOfAFull256x256Solve) {
  const unsigned R = 256, C = 256;
  Rng rng(8);
  std::vector<double> g(R * C), v(R), out(C);
  for (auto& e : g) e = 0.25 + 24.75 * rng.uniform();
  for (auto& e : v) e = std::floor(rng.uniform() * 255) - 127;
  auto t0 = std::chrono::steady_clock::now();
  unsigned it = crossbar_currents(g.data(), R, C, v.data(), 2.0, out.data(), 1e-7 * 127);
  std::vector<double> tight(C);
  unsigned it2 = crossbar_currents(g.data(), R, C, v.data(), 2.0, tight.data(), 1e-12);
  double dmax = 0, omax = 0;
  for (unsigned j = 0; j < C; ++j) {
    dmax = std::max(dmax, std::abs(tight[j] - out[j]));
    omax = std::max(omax, std::abs(tight[j]));
  }
  std::printf("tolerance 1e-12 V: %u iterations, max difference %.2e of the largest current\n", it2,
              dmax / omax);
  EXPECT_LT(dmax, 0.01 * omax);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  double ideal = 0, got = 0;
  for (unsigned j = 0; j < C; ++j) {
    double s = 0;
    for (unsigned i = 0; i < R; ++i) s += g[i * C + j] * v[i];
    ideal += std::abs(s);
    got += std::abs(out[j]);
  }
  std::printf("256x256 nodal solve: %u iterations, %.1f ms on this host; mean |I| / ideal %.3f\n",
              it, ms, got / ideal);
  EXPECT_LT(it, 10000u);
  EXPECT_LT(got, ideal);
}

// ---- switchable non-idealities: device-to-device window variation, ADC noise ----

TEST(Analog, DeviceToDeviceWindowVariation) {
  TileConfig c = ideal_analog(64, 64);
  c.nonideal.g_max_sigma = 0.05;
  Rng rng(12);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(64 * 64, 127);
  OpCounts oc;
  a.program(w.data(), 64, 64, 0.0, rng, oc);
  std::vector<double> g;
  for (unsigned i = 0; i < 64; ++i)
    for (unsigned j = 0; j < 64; ++j) g.push_back(a.g_prog_us(i, j, false));
  auto m = moments(g);
  EXPECT_NEAR(m.mean, 25.0, 0.05);
  EXPECT_NEAR(m.std, 0.05 * 24.75, 0.06 * 0.05 * 24.75);  // 4096 samples: ~1.1 % 1-sigma
  // Off (the default) draws nothing: the same seed gives the same array as before.
  TileConfig c0 = ideal_analog(64, 64);
  Rng r1(12), r2(12);
  AnalogArray a1(c0, r1);
  EXPECT_EQ(r1.next(), r2.next());
}

TEST(Analog, AdcNoisePerConversion) {
  TileConfig c = ideal_analog(16, 16);
  c.adc.bits = 8;
  c.adc.noise_sigma_lsb = 1.0;
  Rng rng(13);
  AnalogArray a(c, rng);
  std::vector<int8_t> w(16 * 16, 0);
  OpCounts oc;
  a.program(w.data(), 16, 16, 0.0, rng, oc);
  std::vector<int32_t> x(16, 0), y(16);
  std::vector<double> codes;
  const double step = adc_lsb(8, c.adc.bound) * 127 * 127;  // one LSB in output units
  for (int k = 0; k < 200; ++k) {
    a.mvm(x.data(), 16, 16, true, 0.0, rng, y.data(), oc);
    for (int32_t v : y) codes.push_back(v / step);
  }
  auto m = moments(codes);
  EXPECT_NEAR(m.mean, 0.0, 0.1);
  EXPECT_NEAR(m.std, 1.04, 0.08);  // N(0, 1) rounded to integer codes: sqrt(1 + 1/12)
}

// ---- column read-noise model (issue 19; docs/imc-model.md, Numerics item 7) ----

namespace {
// Every non-ideality that the column model covers, ideal ADC (the analog value, rounded).
TileConfig noisy(unsigned rows, unsigned cols, const char* model) {
  TileConfig c;
  c.rows = rows;
  c.cols = cols;
  c.nonideal.write_verify = false;  // same programmed state, fewer draws
  c.nonideal.ir_drop = true;
  c.nonideal.wire_resistance_ohm = 2.0;
  c.nonideal.read_noise_model = model;
  c.adc.bits = 0;
  return c;
}

// Two-sample Kolmogorov-Smirnov statistic.
double ks_statistic(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0, j = 0;
  double d = 0;
  while (i < a.size() && j < b.size()) {
    const double v = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= v) ++i;
    while (j < b.size() && b[j] <= v) ++j;
    d = std::max(d, std::abs(double(i) / a.size() - double(j) / b.size()));
  }
  return d;
}
}  // namespace

// The column model (one normal per column output with the exact mean and variance of the sum
// of the clamped per-device read noises) against the per-device model: per-column mean and
// variance over many MVMs, and a KS test of the pooled standardised outputs. Columns 0-7 hold
// random weights, 8-9 all -127 (G+ at g_min: the clamp at 0 biases their mean), 10-11 zeros.
TEST(ColumnReadNoise, MatchesThePerDeviceModelInDistribution) {
  const unsigned R = 128, C = 12, N = 4000;
  Rng wr(5);
  std::vector<int8_t> w(R * C);
  for (unsigned i = 0; i < R; ++i)
    for (unsigned j = 0; j < C; ++j)
      w[i * C + j] = j < 8 ? static_cast<int8_t>(int(wr.next() % 255) - 127)
                           : static_cast<int8_t>(j < 10 ? -127 : 0);
  std::vector<int32_t> x(R);
  for (auto& v : x) v = int32_t(wr.next() % 255) - 127;
  // Same seed: the same stuck faults, programmed states and drift exponents in both arrays.
  std::vector<std::vector<double>> out[2];
  for (int model = 0; model < 2; ++model) {
    TileConfig c = noisy(R, C, model ? "column" : "device");
    Rng rng(11);
    AnalogArray a(c, rng);
    OpCounts oc;
    a.program(w.data(), R, C, 0.0, rng, oc);
    out[model].assign(C, {});
    std::vector<int32_t> y(C);
    for (unsigned k = 0; k < N; ++k) {
      // A new time point per MVM: the device model draws a new realisation for each.
      a.mvm(x.data(), R, C, true, 100.0 + 1e-3 * k, rng, y.data(), oc);
      for (unsigned j = 0; j < C; ++j) out[model][j].push_back(y[j]);
    }
  }
  std::vector<double> zd, zc;
  for (unsigned j = 0; j < C; ++j) {
    const Moments d = moments(out[0][j]), c = moments(out[1][j]);
    const double se = std::sqrt((d.std * d.std + c.std * c.std) / N);
    EXPECT_NEAR(c.mean, d.mean, 4.5 * se + 1.0) << "column " << j;
    // Std of the ratio of two sample variances of N normals: sqrt(4/N) = 3.2 %.
    EXPECT_NEAR(c.std * c.std / (d.std * d.std), 1.0, 4.5 * std::sqrt(4.0 / N)) << "column " << j;
    for (double v : out[0][j]) zd.push_back((v - d.mean) / d.std);
    for (double v : out[1][j]) zc.push_back((v - d.mean) / d.std);
  }
  // KS critical value at alpha = 0.001: 1.95 * sqrt(2 / n).
  EXPECT_LT(ks_statistic(zd, zc), 1.95 * std::sqrt(2.0 / (N * C)));
}

TEST(ColumnReadNoise, SameSeedGivesIdenticalOutputsAndBatchVectorsDiffer) {
  auto run = [](uint64_t seed) {
    TileConfig c;  // defaults: column model, every default non-ideality, 8-bit ADC
    c.rows = c.cols = 64;
    c.adc.noise_sigma_lsb = 0.5;
    Rng rng(seed);
    AnalogArray a(c, rng);
    Rng wr(1);
    auto w = random_weights(wr, 64 * 64, -127, 127);
    OpCounts oc;
    a.program(w.data(), 64, 64, 0.0, rng, oc);
    std::vector<int32_t> x(64, 90), y(64), all;
    for (int k = 0; k < 3; ++k) {
      a.mvm(x.data(), 64, 64, true, 10.0, rng, y.data(), oc);  // same time point
      all.insert(all.end(), y.begin(), y.end());
    }
    a.calibrate(1e5, rng);
    all.push_back(static_cast<int32_t>(a.alpha() * 65536));
    return all;
  };
  const auto r = run(77);
  EXPECT_EQ(r, run(77));
  EXPECT_NE(r, run(78));
  // Per-read noise: vectors at the same time point see independent draws.
  EXPECT_NE(std::vector<int32_t>(r.begin(), r.begin() + 64),
            std::vector<int32_t>(r.begin() + 64, r.begin() + 128));
}

// A packed tile's blocks (MVMs over rows 0..R and columns COL0..C) use the moments of the
// whole programmed image (no recomputation when the block changes) and convert only their own
// columns: with the noises off (drift kept, so the moments are not trivial) they equal those
// columns of the full MVM, and y before COL0 is left alone.
TEST(ColumnReadNoise, ColumnOffsetMvmEqualsTheFullMvmsColumns) {
  TileConfig c = ideal_analog(64, 32);
  c.nonideal.drift = true;
  c.adc.bits = 8;
  Rng rng(4);
  AnalogArray a(c, rng);
  Rng wr(2);
  auto w = random_weights(wr, 48 * 32, -127, 127);
  OpCounts oc;
  a.program(w.data(), 48, 32, 0.0, rng, oc);
  std::vector<int32_t> x(48, 0), full(32), part(32, -7);
  for (unsigned i = 0; i < 40; ++i) x[i] = static_cast<int32_t>(i * 3) - 60;
  a.mvm(x.data(), 48, 32, true, 100.0, rng, full.data(), oc);
  a.mvm(x.data(), 40, 24, true, 100.0, rng, part.data(), oc, 10);  // rows 0..39, cols 10..23
  for (unsigned j = 0; j < 10; ++j) EXPECT_EQ(part[j], -7) << j;
  for (unsigned j = 10; j < 24; ++j) EXPECT_EQ(part[j], full[j]) << j;
}

// PIN_AGE (AnalogArray::set_age_pinned): the age is the extra age alone, whatever t_s.
TEST(ColumnReadNoise, PinnedAgeIgnoresTheTimeSinceProgramming) {
  TileConfig c = ideal_analog(32, 8);
  c.nonideal.drift = true;
  Rng rng(4);
  AnalogArray a(c, rng);
  Rng wr(2);
  auto w = random_weights(wr, 32 * 8, -127, 127);
  OpCounts oc;
  a.program(w.data(), 32, 8, 0.0, rng, oc);
  std::vector<int32_t> x(32, 100), y0(8), y1(8), y2(8);
  a.set_age_pinned(true);
  a.mvm(x.data(), 32, 8, true, 0.0, rng, y0.data(), oc);
  a.mvm(x.data(), 32, 8, true, 1e6, rng, y1.data(), oc);
  EXPECT_EQ(y0, y1);
  a.set_age_pinned(false);
  a.mvm(x.data(), 32, 8, true, 1e6, rng, y2.data(), oc);  // 11.6 days of drift
  EXPECT_NE(y0, y2);
}

// The cached drift/read-noise moments are reused within nonideal.drift_cache_tol and
// recomputed beyond; tol = 0 recomputes at every new time (exact).
TEST(ColumnReadNoise, DriftCacheStaysWithinItsTolerance) {
  auto run = [](double tol, const std::vector<double>& times) {
    TileConfig c = ideal_analog(64, 16);
    c.nonideal.drift = true;  // aihwkit-pcm, nu per device
    c.nonideal.drift_cache_tol = tol;
    Rng rng(3);
    AnalogArray a(c, rng);
    Rng wr(2);
    auto w = random_weights(wr, 64 * 16, -127, 127);
    OpCounts oc;
    a.program(w.data(), 64, 16, 0.0, rng, oc);
    std::vector<int32_t> x(64, 127), y(16);
    std::vector<std::vector<int32_t>> out;
    for (double t : times) {
      a.mvm(x.data(), 64, 16, true, t, rng, y.data(), oc);
      out.push_back(y);
    }
    return out;
  };
  // At t = 1 s, 50 us later: |d ln g| <= nu_max * 50e-6 / 21 ~ 1e-6 < 1e-5: cache reused.
  const std::vector<double> times = {1.0, 1.0 + 50e-6, 1.0 + 50.0};
  const auto cached = run(1e-5, times), exact = run(0.0, times);
  EXPECT_EQ(cached[0], exact[0]);
  const double bound = 1e-5 * 64 * 127.0 * 127.0 + 1.0;  // tol * sum_i |x_i||w_ij| + rounding
  for (unsigned j = 0; j < 16; ++j) EXPECT_LE(std::abs(cached[1][j] - exact[1][j]), bound);
  // 50 s later the cache is stale and recomputed at the new time: identical to exact.
  EXPECT_EQ(cached[2], exact[2]);
  // Exact path: the drifted outputs really differ over 50 s.
  EXPECT_NE(exact[0], exact[2]);
}

// Technology node (docs/imc-model.md, "Technology node"): every digital energy is scaled from
// the node of its source to area.node_nm, the clocks from area.clock_node_nm; analog figures
// stay; at_node is idempotent.
TEST(TechNode, AtNodeScalesDigitalEnergiesFromTheirSourceNodes) {
  TileConfig c;  // 14 nm tile
  const TileConfig s = at_node(c);
  EXPECT_NEAR(s.periphery.buffer_energy_pj_per_byte, 1.25 * imcvp::tech::energy_scale(45, 14),
              1e-12);
  EXPECT_NEAR(s.periphery.postproc_energy_pj, 0.9 * imcvp::tech::energy_scale(45, 14), 1e-12);
  EXPECT_NEAR(s.queue.vec_simple_energy_pj, 0.03 * imcvp::tech::energy_scale(45, 14), 1e-12);
  EXPECT_NEAR(s.digital.mac_energy_pj, 0.05 * imcvp::tech::energy_scale(22, 14), 1e-12);
  EXPECT_DOUBLE_EQ(s.dac.energy_pj, c.dac.energy_pj);    // given at 14 nm
  EXPECT_DOUBLE_EQ(s.queue.clock_ns, c.queue.clock_ns);  // clocks given at 14 nm
  EXPECT_DOUBLE_EQ(s.adc.energy_pj, c.adc.energy_pj);    // analog: not scaled
  EXPECT_DOUBLE_EQ(s.adc.conversion_ns, c.adc.conversion_ns);
  const TileConfig s2 = at_node(s);
  EXPECT_DOUBLE_EQ(s2.periphery.buffer_energy_pj_per_byte, s.periphery.buffer_energy_pj_per_byte);
  EXPECT_DOUBLE_EQ(s2.digital.mac_energy_pj, s.digital.mac_energy_pj);
  // At 45 nm the clocks slow down by the delay ratio and the 45 nm constants are as given.
  c.area.node_nm = 45;
  const TileConfig b = at_node(c);
  EXPECT_NEAR(b.queue.clock_ns, imcvp::tech::delay_scale(14, 45), 1e-12);
  EXPECT_NEAR(b.periphery.postproc_ns, 4 * imcvp::tech::delay_scale(14, 45), 1e-12);
  EXPECT_DOUBLE_EQ(b.periphery.buffer_energy_pj_per_byte, 1.25);
  EXPECT_NEAR(b.dac.energy_pj, 0.05 * imcvp::tech::energy_scale(14, 45), 1e-12);
}

TEST(TechNode, NodesOutsideTheTableAreConfigErrors) {
  TileConfig c;
  c.queue.node_nm = 5;
  EXPECT_NE(energy_config_error(c).find("queue.node_nm: technology node 5 nm is outside"),
            std::string::npos)
      << energy_config_error(c);
  c = TileConfig();
  c.kind = "digital";
  c.digital.node_nm = 250;
  EXPECT_NE(energy_config_error(c).find("digital.node_nm"), std::string::npos);
}

// Static power: density (scaled by power/area from leakage_node_nm) x the CMOS area; the
// non-volatile array itself does not leak.
TEST(TechNode, TileLeakageIsDensityTimesCmosArea) {
  TileConfig c;
  const TileArea a = tile_area(c, 1 << 18);
  EXPECT_NEAR(tile_leakage_mw(c, a), 4.5 * (a.total() - a.array), 1e-12);
  c.kind = "digital";
  const TileArea d = tile_area(c, 1 << 18);
  EXPECT_NEAR(tile_leakage_mw(c, d), 4.5 * d.total(), 1e-12);  // the SRAM CIM array leaks
  c.area.node_nm = 45;
  const TileArea d45 = tile_area(c, 1 << 18);
  EXPECT_NEAR(
      tile_leakage_mw(c, d45),
      4.5 * imcvp::tech::power_scale(14, 45) / imcvp::tech::area_scale(14, 45) * d45.total(), 1e-9);
}

// ADC static INL (adc.inl_lsb, adc.dnl_sigma_lsb): the profile, and its effect on MVM outputs.
TEST(AdcInl, ProfileIsBowPlusEndPointCorrectedRandomWalk) {
  AdcConfig a;
  a.bits = 4;  // codes -7..7
  a.inl_lsb = 1.5;
  Rng rng(5);
  auto p = adc_inl_profile(a, rng);
  ASSERT_EQ(p.size(), 15u);
  EXPECT_DOUBLE_EQ(p[7], 1.5);  // code 0: the peak of the bow
  EXPECT_DOUBLE_EQ(p[0], 0.0);
  EXPECT_DOUBLE_EQ(p[14], 0.0);
  EXPECT_DOUBLE_EQ(p[3], 1.5 * (1 - (4.0 / 7) * (4.0 / 7)));
  a.inl_lsb = 0;
  a.dnl_sigma_lsb = 0.3;
  Rng r1(5), r2(5);
  auto q = adc_inl_profile(a, r1);
  EXPECT_EQ(q, adc_inl_profile(a, r2));  // deterministic per seed
  EXPECT_NEAR(q.front(), 0.0, 1e-12);
  EXPECT_NEAR(q.back(), 0.0, 1e-12);  // end points on the line
  double spread = 0;
  for (double v : q) spread = std::max(spread, std::abs(v));
  EXPECT_GT(spread, 0.05);
}

// With a +2 LSB bow the mid-scale codes read 2 LSB high and the full-scale ones exact; an
// ideal-but-quantising tile without INL is unchanged (the INL draws only happen when enabled).
TEST(AdcInl, ShiftsMidScaleCodesOfAnMvm) {
  TileConfig c = ideal_analog(16, 2);
  c.adc.bits = 8;
  c.adc.bound = 16.0;  // lsb = 16/127 fully-on rows
  auto run = [&](double inl) {
    TileConfig k = c;
    k.adc.inl_lsb = inl;
    Rng rng(11);
    AnalogArray a(k, rng);
    std::vector<int8_t> w(16 * 2, 0);
    for (unsigned i = 0; i < 16; ++i) w[i * 2 + 0] = 127;  // column 0: 16 rows fully on
    w[0 * 2 + 1] = 127;                                    // column 1: one row, small output
    OpCounts oc;
    a.program(w.data(), 16, 2, 0.0, rng, oc);
    std::vector<int32_t> x(16, 127), y(2);
    a.mvm(x.data(), 16, 2, true, 0.0, rng, y.data(), oc);
    return y;
  };
  const auto y0 = run(0.0), y2 = run(2.0);
  const double lsb_out = 16.0 / 127 * 127 * 127;  // one ADC LSB in accumulator units
  // Column 1 sits at 1/16 of full scale (code ~8 of 127): INL ~ 2*(1 - (8/127)^2) ~ 2 LSB.
  EXPECT_NEAR((y2[1] - y0[1]) / lsb_out, 2.0, 0.51);
  // Column 0 at the bound (code 127): INL 0.
  EXPECT_EQ(y2[0], y0[0]);
}
