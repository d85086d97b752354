// Bit-sliced weights and multi-bit input phases on the whole platform (issue 14;
// docs/imc-model.md, Numerics item 11): imc_selftest is bit-exact on an ideal tile with binary
// cells and 3-bit input phases, converts every slice and phase, gives byte-identical stats for
// the same seed, and an inconsistent key is a config error at file:line:col.
#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

// Ideal devices and ADC: 7 binary slices x 3 input phases shift-added in integers reproduce
// the exact int32 product (the self-test exits non-zero otherwise).
TEST(ImcBitSlicing, IdealSlicedTileIsExact) {
  auto r = run_imcvp({"run", "--set",
                      "tiles=[{kind: analog, rows: 64, cols: 32, device: {bits_per_cell: 1}, dac: "
                      "{mode: bit-serial, bits_per_phase: 3}, adc: {bits: 0}, nonideal: "
                      "{programming_noise: false, drift: false, read_noise: false}}]",
                      fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "352 outputs: 0 differ")) << r.out;
}

// Default PCM tiles with 2-bit cells (4 slices): 4x the PWM conversions and ADC energy, 4x the
// array area and programming pulses of one device per polarity; same seed, same stats.json.
TEST(ImcBitSlicing, SlicesAreConvertedSeparatelyAndDeterministically) {
  const char* kSliced = "tiles[*].device.bits_per_cell=2";
  auto base = run_imcvp({"run", "-q", "--seed", "3", fw("imc_selftest")}, "base");
  auto a = run_imcvp({"run", "-q", "--seed", "3", "--set", kSliced, fw("imc_selftest")}, "a");
  auto b = run_imcvp({"run", "-q", "--seed", "3", "--set", kSliced, fw("imc_selftest")}, "b");
  ASSERT_EQ(base.code, 0) << base.out << base.err;
  ASSERT_EQ(a.code, 0) << a.out << a.err;
  ASSERT_EQ(b.code, 0) << b.out << b.err;
  EXPECT_EQ(a.stat("soc.tile0.adc_conversions"), 4 * base.stat("soc.tile0.adc_conversions"));
  EXPECT_DOUBLE_EQ(a.stat("soc.tile0.energy.adc"), 4 * base.stat("soc.tile0.energy.adc"));
  EXPECT_NEAR(a.stat("soc.tile0.area.array"), 4 * base.stat("soc.tile0.area.array"),
              1e-12 * a.stat("soc.tile0.area.array"));
  EXPECT_GT(a.stat("soc.tile0.program_pulses"), 3 * base.stat("soc.tile0.program_pulses"));
  EXPECT_EQ(read_text(a.dir / "out/stats.json"), read_text(b.dir / "out/stats.json"));
  EXPECT_EQ(a.out, b.out);
}

TEST(ImcBitSlicing, InconsistentKeysAreConfigErrors) {
  auto r = run_imcvp({"run", "--set", "tiles[0].dac.bits_per_phase=2", fw("hello")}, "p");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "--set tiles[0].dac.bits_per_phase=2:1:1: "
                       "tiles[0].dac.bits_per_phase: dac.bits_per_phase = 2 needs dac.mode "
                       "bit-serial"))
      << r.err;
  r = run_imcvp({"run", "--set", "tiles[*].device.bits_per_cell=8", fw("hello")}, "c");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "tiles[0].device.bits_per_cell: value 8 out of range [0, 7]"))
      << r.err;
}

}  // namespace
