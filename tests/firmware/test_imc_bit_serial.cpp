// Bit-serial analog tiles on the whole platform (issue 14; docs/imc-model.md, Numerics item
// 10): imc_selftest with `tiles[*].dac.mode=bit-serial` is bit-exact on an ideal tile, converts
// one magnitude plane per input bit of its int8 inputs, quantises every plane on its own, and
// gives byte-identical stats for the same seed.
#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

const char* kBitSerial = "tiles[*].dac.mode=bit-serial";

// Ideal devices and ADC: the per-plane reads and the integer shift-add reproduce the exact
// int32 product (the self-test exits non-zero otherwise).
TEST(ImcBitSerial, IdealTileIsExact) {
  auto r = run_imcvp({"run", "--set",
                      "tiles=[{kind: analog, rows: 64, cols: 32, dac: {mode: bit-serial}, adc: "
                      "{bits: 0}, nonideal: {programming_noise: false, drift: false, read_noise: "
                      "false}}]",
                      fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "352 outputs: 0 differ")) << r.out;
}

// Default PCM tile: 7 conversions per column and vector (int8 inputs) where PWM has one; the
// planes clip on their own, so there are more ADC saturations than in PWM mode; the same seed
// gives the same stats.json and output, byte for byte.
TEST(ImcBitSerial, PlanesAreConvertedSeparatelyAndDeterministically) {
  auto pwm = run_imcvp({"run", "-q", "--seed", "3", fw("imc_selftest")}, "pwm");
  auto a = run_imcvp({"run", "-q", "--seed", "3", "--set", kBitSerial, fw("imc_selftest")}, "a");
  auto b = run_imcvp({"run", "-q", "--seed", "3", "--set", kBitSerial, fw("imc_selftest")}, "b");
  ASSERT_EQ(pwm.code, 0) << pwm.out << pwm.err;
  ASSERT_EQ(a.code, 0) << a.out << a.err;
  ASSERT_EQ(b.code, 0) << b.out << b.err;
  EXPECT_EQ(a.stat("soc.tile0.adc_conversions"), 7 * pwm.stat("soc.tile0.adc_conversions"));
  EXPECT_DOUBLE_EQ(a.stat("soc.tile0.energy.adc"), 7 * pwm.stat("soc.tile0.energy.adc"));
  EXPECT_GT(a.stat("soc.tile0.adc_saturations"), pwm.stat("soc.tile0.adc_saturations"));
  EXPECT_NE(a.out, pwm.out);  // other error figures
  EXPECT_EQ(read_text(a.dir / "out/stats.json"), read_text(b.dir / "out/stats.json"));
  EXPECT_EQ(a.out, b.out);
}

}  // namespace
