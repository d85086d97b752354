// Bit-sliced weights and multi-bit input phases of the analog tile through its registers
// (issue 14; docs/imc-model.md, Numerics item 11): per-slice, per-phase ADC quantisation with
// shift-add, conversions, programming pulses, area and array energy of the slices.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/common/stats.h"
#include "models/imc/imc_tile.h"
#include "models/imc/numerics.h"
#include "tests/models/imc/tile_register_bench.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/unit/imc/analog_test_parts.h"
#include "tests/util/sc_fixture.h"

using namespace imcvp;
using namespace imcvp::imc;
using sc_core::SC_NS;
using sc_core::sc_time;
using T = ImcTile;

namespace {

using Bench = test::RegisterBench;
using test::random_bytes;

// Independent reference: weight magnitude digits of b bits, input phase digits of k bits
// (signs applied), each (phase, slice) column sum normalised to one fully-on row of the phase
// and slice, (2^k - 1)(2^b - 1), rounded and clamped on its own, codes shift-added.
std::vector<int32_t> sliced(const std::vector<int8_t>& w, const std::vector<int32_t>& x, unsigned R,
                            unsigned C, unsigned b, unsigned planes, unsigned k, unsigned bits,
                            double bound) {
  const double cmax = double((1 << (bits - 1)) - 1), lsb = bound / cmax;
  const unsigned S = (7 + b - 1) / b, P = (planes + k - 1) / k;
  const double full = double((1 << k) - 1) * double((1 << b) - 1);
  std::vector<int32_t> y(C);
  for (unsigned j = 0; j < C; ++j) {
    int64_t s = 0;
    for (unsigned p = 0; p < P; ++p)
      for (unsigned sl = 0; sl < S; ++sl) {
        int64_t a = 0;
        for (unsigned i = 0; i < R; ++i) {
          const int wv = w[i * C + j];
          const int64_t wd = (std::abs(wv) >> (sl * b)) & ((1 << b) - 1);
          const int64_t xd = (std::abs(x[i]) >> (p * k)) & ((1 << k) - 1);
          a += ((wv < 0) != (x[i] < 0) ? -1 : 1) * wd * xd;
        }
        s += int64_t(std::clamp(std::round(double(a) / full / lsb), -cmax, cmax)) *
             (int64_t(1) << (p * k + sl * b));
      }
    y[j] = static_cast<int32_t>(std::llround(double(s) * lsb * full));
  }
  return y;
}

class BitSlicingTile : public test::ScFixture {};

// 2-bit cells (4 slices of the 7 magnitude bits), 3-bit input phases (3 phases of the 7 planes
// of int8 inputs), ideal devices, a 5-bit ADC: the tile's outputs equal the reference; stats
// count one conversion per column, slice and phase, one pulse per device, S x the array area.
TEST_F(BitSlicingTile, RegisterMvmMatchesTheSlicedReference) {
  const unsigned R = 64, C = 16, bits = 5;
  const double bound = 3.3;
  TileConfig c = imc::analog_test::quiet_tile(R, C, bits, bound);
  c.dac.mode = "bit-serial";
  c.dac.bits_per_phase = 3;
  c.device.bits_per_cell = 2;
  Bench b(c, 1);
  const auto w = random_bytes(R * C, 71, -127, 127);
  b.put(T::kWbufOffset, w.data(), w.size());
  ASSERT_EQ(b.cmd(T::Op::program), 0u);
  auto st = stats::Registry::get().to_json()["tile0"];
  EXPECT_EQ(st["program_pulses"]["value"], R * C * 4 * 2);  // weights x slices x polarities
  EXPECT_EQ(st["cells_written"]["value"], R * C);
  const auto xs = random_bytes(R, 72, -127, 127);
  b.put(T::kInOffset, xs.data(), R);
  ASSERT_EQ(b.cmd(T::Op::mvm), 0u);
  const std::vector<int32_t> x(xs.begin(), xs.end());
  EXPECT_EQ(b.out(C), sliced(w, x, R, C, 2, 7, 3, bits, bound));
  st = stats::Registry::get().to_json()["tile0"];
  EXPECT_EQ(st["adc_conversions"]["value"], C * 4 * 3);
  const double energy_adc = st["energy"]["adc"]["value"].get<double>();
  EXPECT_NEAR(energy_adc, C * 4 * 3 * adc_energy_pj(at_node(c).adc), 1e-9 * energy_adc);
  const double area = st["area"]["array"]["value"].get<double>();
  TileConfig u = c;
  u.device.bits_per_cell = 0;
  EXPECT_NEAR(area, 4 * tile_area(at_node(u), 0).array, 1e-12 * area);
}

// Binary cells: the array energy of one MVM (I*V*t of the programmed conductances) grows with
// the set bits of the weights, not with their value: weights 64 (one set bit) cost less than
// weights 63 (six set bits), though 64 > 63.
TEST_F(BitSlicingTile, ArrayEnergyFollowsTheSetCells) {
  auto energy = [](int8_t wv) {
    fresh_context();
    TileConfig c;
    c.rows = 32;
    c.cols = 8;
    c.device.bits_per_cell = 1;
    c.nonideal.programming_noise = c.nonideal.write_verify = false;
    c.nonideal.drift = c.nonideal.read_noise = false;
    Bench b(c, 1);
    const std::vector<int8_t> w(32 * 8, wv);
    b.put(T::kWbufOffset, w.data(), w.size());
    EXPECT_EQ(b.cmd(T::Op::program), 0u);
    const std::vector<int8_t> x(32, 100);
    b.put(T::kInOffset, x.data(), 32);
    const double e0 = stats::Registry::get().to_json()["tile0"]["energy"]["array"]["value"];
    EXPECT_EQ(b.cmd(T::Op::mvm), 0u);
    return stats::Registry::get().to_json()["tile0"]["energy"]["array"]["value"].get<double>() - e0;
  };
  const double e64 = energy(64), e63 = energy(63);
  EXPECT_GT(e63, 3.0 * e64);
  TileConfig c;  // g_max - g_min per set cell, 32 rows x 8 columns, 100 steps of step_ns
  const double per_cell = ivt_energy_pj(c.device.g_max_us - c.device.g_min_us,
                                        c.periphery.read_voltage_v, 100 * c.dac.step_ns);
  EXPECT_NEAR(e63 - e64, 5 * 32 * 8 * per_cell, 1e-6 * e63);
}

}  // namespace
