// Issue 14 without SystemC: per-bit-plane ADC quantisation of bit-serial analog tiles
// (docs/imc-model.md, Numerics item 10), the ADC energy's node scaling ("Technology node") and
// the enum name tables of the tile configuration.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "models/common/config.h"
#include "models/common/tech_scaling.h"
#include "models/imc/numerics.h"
#include "tests/unit/imc/analog_test_parts.h"

using namespace imcvp;
using namespace imcvp::imc;
using namespace imcvp::imc::analog_test;

namespace {

// quiet_tile() with bit-serial inputs.
TileConfig bit_serial_tile(unsigned rows, unsigned cols, unsigned adc_bits, double bound) {
  TileConfig c = quiet_tile(rows, cols, adc_bits, bound);
  c.dac.mode = "bit-serial";
  return c;
}

// Independent reference of the bit-serial ADC path: sign-magnitude bit planes, every plane's
// integer column sum normalised to fully-on rows (/ w_max), rounded and clamped on its own,
// the codes shift-added in int64.
std::vector<int32_t> per_plane_reference(const std::vector<int32_t>& w,
                                         const std::vector<int32_t>& x, unsigned R, unsigned C,
                                         unsigned planes, unsigned bits, double bound) {
  const double cmax = double((1 << (bits - 1)) - 1), lsb = bound / cmax, wmax = 127;
  std::vector<int32_t> y(C);
  for (unsigned j = 0; j < C; ++j) {
    int64_t s = 0;
    for (unsigned k = 0; k < planes; ++k) {
      int64_t p = 0;
      for (unsigned i = 0; i < R; ++i) {
        const int32_t m = std::abs(x[i]);
        if ((m >> k) & 1) p += (x[i] < 0 ? -1 : 1) * int64_t(w[i * C + j]);
      }
      const double code = std::clamp(std::round(double(p) / wmax / lsb), -cmax, cmax);
      s += int64_t(code) * (int64_t(1) << k);  // not code << k: UB for a negative code in C++17
    }
    y[j] = static_cast<int32_t>(std::llround(double(s) * lsb * wmax));
  }
  return y;
}

// The same ADC on the whole column sum (what the PWM path, and bit-serial before issue 14, do).
std::vector<int32_t> whole_sum_reference(const std::vector<int32_t>& w,
                                         const std::vector<int32_t>& x, unsigned R, unsigned C,
                                         double x_max, unsigned bits, double bound) {
  const double cmax = double((1 << (bits - 1)) - 1), lsb = bound / cmax, full = x_max * 127;
  std::vector<int32_t> y(C);
  for (unsigned j = 0; j < C; ++j) {
    int64_t a = 0;
    for (unsigned i = 0; i < R; ++i) a += int64_t(x[i]) * w[i * C + j];
    const double code = std::clamp(std::round(double(a) / full / lsb), -cmax, cmax);
    y[j] = static_cast<int32_t>(std::llround(code * lsb * full));
  }
  return y;
}

}  // namespace

TEST(BitSerial, PlanesAreTheMagnitudeBits) {
  EXPECT_EQ(bit_planes(8, false), 8u);  // 0..255
  EXPECT_EQ(bit_planes(8, true), 7u);   // -127..127: the sign is the drive polarity
  EXPECT_EQ(bit_planes(4, true), 3u);
  EXPECT_EQ(bit_planes(1, false), 1u);
  EXPECT_EQ(bit_planes(1, true), 1u);  // analog 1-bit signed inputs are -1, 0, 1
}

// A 4-bit ADC (bound 3.3 fully-on rows: no rounding ties with integer sums) quantises each
// plane on its own: the result equals the per-plane reference exactly and differs from the
// whole-sum quantisation on most columns. Every column path (column moments, device
// realisation, nodal solve without wire resistance) gives the same codes.
TEST(BitSerial, EachPlaneIsQuantisedOnItsOwn) {
  const unsigned R = 64, C = 32, bits = 4;
  const double bound = 3.3;
  const auto w = random_ints(R * C, 11, -127, 127);
  const auto x = random_ints(R, 12, -127, 127);
  TileConfig c = bit_serial_tile(R, C, bits, bound);
  const auto ref = per_plane_reference(w, x, R, C, 7, bits, bound);
  const auto y = run_mvm(c, w, x, true);
  EXPECT_EQ(y, ref);
  c.nonideal.read_noise_model = "device";
  EXPECT_EQ(run_mvm(c, w, x, true), ref);
  c.nonideal.read_noise_model = "column";
  c.nonideal.ir_drop = true;
  c.nonideal.ir_drop_model = "nodal";
  c.nonideal.wire_resistance_ohm = 0.0;  // the nodal path with ideal wires
  EXPECT_EQ(run_mvm(c, w, x, true), ref);

  const auto whole = whole_sum_reference(w, x, R, C, 127, bits, bound);
  c = bit_serial_tile(R, C, bits, bound);
  c.dac.mode = "pwm";
  EXPECT_EQ(run_mvm(c, w, x, true), whole);  // the PWM path is the whole-sum quantisation
  unsigned differ = 0;
  for (unsigned j = 0; j < C; ++j) differ += y[j] != whole[j];
  EXPECT_GT(differ, C / 2) << "per-plane and whole-sum quantisation should differ";

  // Unsigned inputs: 8 planes.
  const auto xu = random_ints(R, 13, 0, 255);
  c.dac.mode = "bit-serial";
  EXPECT_EQ(run_mvm(c, w, xu, false), per_plane_reference(w, xu, R, C, 8, bits, bound));
}

// Every plane of an all-on input saturates on its own: one count per plane conversion.
TEST(BitSerial, EveryPlaneClipsSeparately) {
  const unsigned R = 16, C = 4, bits = 4;
  const std::vector<int32_t> w(R * C, 127), x(R, 127);  // 16 fully-on rows per plane > 3.3
  TileConfig c = bit_serial_tile(R, C, bits, 3.3);
  OpCounts oc;
  const auto y = run_mvm(c, w, x, true, &oc);
  EXPECT_EQ(oc.adc_saturations, 7u * C);
  EXPECT_EQ(y, per_plane_reference(w, x, R, C, 7, bits, 3.3));
  // 7 planes x code 7 x lsb: (2^7 - 1) * 7 * (3.3/7) * 127.
  EXPECT_EQ(y[0], static_cast<int32_t>(std::llround(127.0 * 7 * (3.3 / 7) * 127)));
  c.dac.mode = "pwm";
  run_mvm(c, w, x, true, &oc);
  EXPECT_EQ(oc.adc_saturations, uint64_t{C});
}

// Ideal ADC (bits 0): no quantisation either way, both encodings give the exact product.
TEST(BitSerial, IdealAdcGivesTheSameResultBothWays) {
  const unsigned R = 48, C = 24;
  const auto w = random_ints(R * C, 21, -127, 127);
  for (bool is_signed : {true, false}) {
    const auto x = is_signed ? random_ints(R, 22, -127, 127) : random_ints(R, 23, 0, 255);
    TileConfig c = bit_serial_tile(R, C, 0, 16);
    const auto bs = run_mvm(c, w, x, is_signed);
    c.dac.mode = "pwm";
    const auto pwm = run_mvm(c, w, x, is_signed);
    EXPECT_EQ(bs, pwm) << is_signed;
    EXPECT_EQ(bs, exact(w, x, R, C)) << is_signed;
  }
}

// With every non-ideality on (device noise, ADC gain/offset/noise, INL/DNL) the same seed
// gives the same outputs and saturations; another seed other outputs.
TEST(BitSerial, DeterministicWithTheSeed) {
  const unsigned R = 64, C = 32;
  TileConfig c;
  c.rows = R;
  c.cols = C;
  c.dac.mode = "bit-serial";
  c.adc.bits = 6;
  c.adc.bound = 4;
  c.adc.gain_sigma = 0.02;
  c.adc.offset_sigma_lsb = 0.3;
  c.adc.noise_sigma_lsb = 0.4;
  c.adc.inl_lsb = 0.5;
  c.adc.dnl_sigma_lsb = 0.2;
  const auto w = random_ints(R * C, 31, -127, 127);
  const auto x = random_ints(R, 32, -127, 127);
  OpCounts a, b, d;
  const auto y1 = run_mvm(c, w, x, true, &a, 7);
  const auto y2 = run_mvm(c, w, x, true, &b, 7);
  const auto y3 = run_mvm(c, w, x, true, &d, 8);
  EXPECT_EQ(y1, y2);
  EXPECT_EQ(a.adc_saturations, b.adc_saturations);
  EXPECT_NE(y1, y3);
}

// Each plane is its own array read: the column read-noise model draws one normal per plane,
// so with every row at |x| = 3 (planes 0 and 1 on) the output variance is (1 + 4) sum v
// instead of PWM's 3^2 sum v (one read of the whole vector).
TEST(BitSerial, ReadNoiseIsDrawnPerPlaneRead) {
  const unsigned R = 64, C = 8, N = 1500;
  TileConfig c;
  c.rows = R;
  c.cols = C;
  c.nonideal.programming_noise = c.nonideal.drift = false;
  c.adc.bits = 0;
  const auto w = random_ints(R * C, 41, -127, 127);
  const std::vector<int32_t> x(R, 3);
  auto variance = [&](const char* mode) {
    c.dac.mode = mode;
    Rng rng(5);
    AnalogArray a(c, rng);
    std::vector<int8_t> w8(w.begin(), w.end());
    OpCounts oc;
    a.program(w8.data(), R, C, 0.0, rng, oc);
    std::vector<double> s(C, 0), s2(C, 0);
    std::vector<int32_t> y(C);
    for (unsigned n = 0; n < N; ++n) {
      a.mvm(x.data(), R, C, true, 1.0, rng, y.data(), oc);
      for (unsigned j = 0; j < C; ++j) {
        s[j] += y[j];
        s2[j] += double(y[j]) * y[j];
      }
    }
    double v = 0;
    for (unsigned j = 0; j < C; ++j) v += s2[j] / N - (s[j] / N) * (s[j] / N);
    return v / C;
  };
  const double v_bs = variance("bit-serial"), v_pwm = variance("pwm");
  // C x N = 12,000 samples per mode: the ratio's relative standard error is ~1.3 %.
  EXPECT_NEAR(v_bs / v_pwm, 5.0 / 9.0, 0.06) << v_bs << " " << v_pwm;
}

// Murmann's two regimes: technology-limited converters scale like digital energy, thermal-
// noise-limited ones (>= 11 bits) do not; 10 bits is the geometric crossover.
TEST(AdcNode, TwoRegimeScaling) {
  const double s = tech::energy_scale(45, 14);
  EXPECT_DOUBLE_EQ(adc_node_factor(8, 14, 14), 1.0);
  EXPECT_DOUBLE_EQ(adc_node_factor(4, 45, 14), s);
  EXPECT_DOUBLE_EQ(adc_node_factor(9, 45, 14), s);
  EXPECT_NEAR(adc_node_factor(10, 45, 14), std::sqrt(s), 1e-12);
  EXPECT_DOUBLE_EQ(adc_node_factor(11, 45, 14), 1.0);
  EXPECT_DOUBLE_EQ(adc_node_factor(12, 45, 14), 1.0);
  EXPECT_NEAR(adc_node_factor(8, 14, 45), 1.0 / s, 1e-12);
}

TEST(AdcNode, AtNodeScalesTheAdcEnergy) {
  // The defaults (adc.node_nm = area.node_nm = 14) keep today's 2 pJ exactly.
  EXPECT_EQ(at_node(TileConfig{}).adc.energy_pj, 2.0);
  TileConfig c;
  c.adc.node_nm = 45;
  const TileConfig n = at_node(c);
  EXPECT_DOUBLE_EQ(n.adc.energy_pj, 2.0 * tech::energy_scale(45, 14));
  EXPECT_EQ(n.adc.node_nm, 14.0);
  EXPECT_EQ(at_node(n).adc.energy_pj, n.adc.energy_pj);  // idempotent
  EXPECT_DOUBLE_EQ(adc_energy_pj(n.adc), 2.0 * tech::energy_scale(45, 14));
  c.adc.bits = 0;  // ideal: charged (and scaled) as ref_bits
  EXPECT_DOUBLE_EQ(at_node(c).adc.energy_pj, 2.0 * tech::energy_scale(45, 14));
  c.adc.bits = 12;
  EXPECT_EQ(at_node(c).adc.energy_pj, 2.0);  // thermal-noise limited: not scaled
  // A tile at 22 nm with its ADC given at 22 nm (a calibration preset): unchanged.
  c = TileConfig{};
  c.area.node_nm = 22;
  c.adc.node_nm = 22;
  EXPECT_EQ(at_node(c).adc.energy_pj, 2.0);
}

TEST(AdcNode, NodeOutsideTheTableIsAConfigError) {
  TileConfig c;
  c.adc.node_nm = 5;
  EXPECT_NE(energy_config_error(c).find("adc.node_nm: technology node 5 nm is outside"),
            std::string::npos)
      << energy_config_error(c);
  try {
    TileConfig t;
    config::apply_text(t, "adc:\n  bits: 8\n  node_nm: 300\n", "tile.yaml");
    FAIL() << "node 300 nm accepted";
  } catch (const config::ConfigError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("tile.yaml:3:"), std::string::npos) << m;
    EXPECT_NE(m.find("adc.node_nm"), std::string::npos) << m;
  }
}

// The choice keys read and list exactly the names they did as strings; the accessors map them.
TEST(TileEnums, NameTablesMapToEnums) {
  TileConfig c;
  EXPECT_EQ(c.kind_enum(), TileKind::analog);
  EXPECT_EQ(c.dac.mode_enum(), DacMode::pwm);
  EXPECT_EQ(c.dac.energy_model_enum(), DacEnergyModel::data);
  EXPECT_EQ(c.adc.energy_model_enum(), AdcEnergyModel::walden);
  EXPECT_EQ(c.adc.architecture_enum(), AdcArchitecture::sar);
  EXPECT_EQ(c.periphery.array_energy_model_enum(), ArrayEnergyModel::ivt);
  EXPECT_EQ(c.nonideal.drift_model_enum(), DriftModel::aihwkit_pcm);
  EXPECT_EQ(c.nonideal.read_noise_model_enum(), ReadNoiseModel::column);
  EXPECT_EQ(c.nonideal.ir_drop_model_enum(), IrDropModel::first_order);
  config::apply_text(c,
                     "kind: digital\n"
                     "dac: {mode: bit-serial, energy_model: constant}\n"
                     "adc: {energy_model: constant, architecture: flash}\n"
                     "periphery: {array_energy_model: constant}\n"
                     "nonideal: {drift_model: gaussian, read_noise_model: device,"
                     " ir_drop_model: nodal}\n",
                     "t.yaml");
  EXPECT_EQ(c.kind_enum(), TileKind::digital);
  EXPECT_FALSE(c.analog());
  EXPECT_EQ(c.dac.mode_enum(), DacMode::bit_serial);
  EXPECT_EQ(c.dac.energy_model_enum(), DacEnergyModel::constant);
  EXPECT_EQ(c.adc.energy_model_enum(), AdcEnergyModel::constant);
  EXPECT_EQ(c.adc.architecture_enum(), AdcArchitecture::flash);
  EXPECT_EQ(c.periphery.array_energy_model_enum(), ArrayEnergyModel::constant);
  EXPECT_EQ(c.nonideal.drift_model_enum(), DriftModel::gaussian);
  EXPECT_EQ(c.nonideal.read_noise_model_enum(), ReadNoiseModel::device);
  EXPECT_EQ(c.nonideal.ir_drop_model_enum(), IrDropModel::nodal);
  // Bad names: the same message as before the tables.
  try {
    config::apply_text(c, "dac:\n  mode: serial\n", "t.yaml");
    FAIL() << "bad mode accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("t.yaml:2:9: dac.mode: 'serial' is not one of: pwm "
                                         "bit-serial"),
              std::string::npos)
        << e.what();
  }
  bool listed = false;
  for (const auto& r : config::list_params(c))
    if (r.key == "adc.architecture") {
      listed = true;
      EXPECT_NE(r.desc.find("{sar|flash}"), std::string::npos) << r.desc;
    }
  EXPECT_TRUE(listed);
}
