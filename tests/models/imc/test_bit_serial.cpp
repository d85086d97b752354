// Bit-serial analog tile through its registers (issue 14; docs/imc-model.md, Numerics item
// 10): per-bit-plane ADC quantisation, one conversion per magnitude plane (7 for int8 inputs,
// 8 for uint8), and the same outputs and stats for the same seed.
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

// Independent reference: sign-magnitude planes of x, each plane's integer column sum in
// fully-on rows (/ w_max) rounded and clamped on its own, codes shift-added.
std::vector<int32_t> per_plane(const std::vector<int8_t>& w, const std::vector<int32_t>& x,
                               unsigned R, unsigned C, unsigned planes, unsigned bits,
                               double bound) {
  const double cmax = double((1 << (bits - 1)) - 1), lsb = bound / cmax;
  std::vector<int32_t> y(C);
  for (unsigned j = 0; j < C; ++j) {
    int64_t s = 0;
    for (unsigned k = 0; k < planes; ++k) {
      int64_t p = 0;
      for (unsigned i = 0; i < R; ++i)
        if ((std::abs(x[i]) >> k) & 1) p += (x[i] < 0 ? -1 : 1) * int64_t(w[i * C + j]);
      s += int64_t(std::clamp(std::round(double(p) / 127 / lsb), -cmax, cmax)) * (int64_t(1) << k);
    }
    y[j] = static_cast<int32_t>(std::llround(double(s) * lsb * 127));
  }
  return y;
}

class BitSerialTile : public test::ScFixture {};

// Ideal devices, a 4-bit ADC (bound 3.3: no rounding ties): the tile's int32 outputs equal
// the per-plane reference for int8 (7 planes) and uint8 (8 planes) inputs, with one
// conversion per plane and column.
TEST_F(BitSerialTile, RegisterMvmMatchesThePerPlaneReference) {
  const unsigned R = 64, C = 16, bits = 4;
  const double bound = 3.3;
  TileConfig c = imc::analog_test::quiet_tile(R, C, bits, bound);
  c.dac.mode = "bit-serial";
  Bench b(c, 1);
  const auto w = random_bytes(R * C, 51, -127, 127);
  b.put(T::kWbufOffset, w.data(), w.size());
  ASSERT_EQ(b.cmd(T::Op::program), 0u);
  const auto xs = random_bytes(R, 52, -127, 127);
  b.put(T::kInOffset, xs.data(), R);
  ASSERT_EQ(b.cmd(T::Op::mvm), 0u);  // CTRL reset value: int8 inputs, int32 outputs
  const std::vector<int32_t> x_signed(xs.begin(), xs.end());
  EXPECT_EQ(b.out(C), per_plane(w, x_signed, R, C, 7, bits, bound));
  auto st = stats::Registry::get().to_json()["tile0"];
  EXPECT_EQ(st["adc_conversions"]["value"], 7 * C);

  b.wr(T::kCtrl, 0);  // uint8 inputs: the same bytes read as 0..255
  ASSERT_EQ(b.cmd(T::Op::mvm), 0u);
  std::vector<int32_t> x_unsigned(R);
  for (unsigned i = 0; i < R; ++i) x_unsigned[i] = static_cast<uint8_t>(xs[i]);
  EXPECT_EQ(b.out(C), per_plane(w, x_unsigned, R, C, 8, bits, bound));
  st = stats::Registry::get().to_json()["tile0"];
  EXPECT_EQ(st["adc_conversions"]["value"], 7 * C + 8 * C);
  EXPECT_GT(st["adc_saturations"]["value"].get<uint64_t>(), 0u);  // high planes clip at 3.3
}

// Every non-ideality of the default PCM tile plus ADC errors: the same seed gives the same
// outputs and the same tile stats (energy, conversions, saturations); another seed differs.
TEST_F(BitSerialTile, SameSeedSameOutputsAndStats) {
  auto run = [](uint64_t seed, nlohmann::ordered_json* st) {
    fresh_context();
    TileConfig c;
    c.rows = 64;
    c.cols = 16;
    c.dac.mode = "bit-serial";
    c.adc.bits = 6;
    c.adc.bound = 4;
    c.adc.gain_sigma = 0.02;
    c.adc.offset_sigma_lsb = 0.3;
    c.adc.noise_sigma_lsb = 0.4;
    c.adc.inl_lsb = 0.5;
    Bench b(c, seed);
    const auto w = random_bytes(64 * 16, 61, -127, 127);
    b.put(T::kWbufOffset, w.data(), w.size());
    EXPECT_EQ(b.cmd(T::Op::program), 0u);
    const auto x = random_bytes(4 * 64, 62, -127, 127);
    b.put(T::kInOffset, x.data(), x.size());
    b.wr(T::kBatch, 4);
    EXPECT_EQ(b.cmd(T::Op::mvm_batch), 0u);
    *st = stats::Registry::get().to_json()["tile0"];
    return b.out(4 * 16);
  };
  nlohmann::ordered_json s1, s2, s3;
  const auto a = run(9, &s1), a2 = run(9, &s2), c = run(10, &s3);
  EXPECT_EQ(a, a2);
  EXPECT_EQ(s1.dump(), s2.dump());
  EXPECT_EQ(s1["adc_conversions"]["value"], 4 * 7 * 16);
  EXPECT_NE(a, c);
}

}  // namespace
