// Analog readout of weight slices on the whole platform (issue 14; docs/imc-model.md, Numerics
// item 11, device.slice_readout): imc_selftest is bit-exact on an ideal tile with binary cells
// read out in the analog domain, converts once per weight column (not per slice) with the same
// array energy and area, gives byte-identical stats for the same seed, and analog readout
// without slicing is a config error at file:line:col (exit 78).
#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

// Ideal devices and ADC: 7 binary slices weighted and summed before the (ideal) readout, over
// 3-bit input phases, reproduce the exact int32 product (the self-test exits non-zero otherwise).
TEST(ImcSliceReadout, IdealAnalogReadoutIsExact) {
  auto r = run_imcvp({"run", "--set",
                      "tiles=[{kind: analog, rows: 64, cols: 32, device: {bits_per_cell: 1, "
                      "slice_readout: analog}, dac: {mode: bit-serial, bits_per_phase: 3}, adc: "
                      "{bits: 0}, nonideal: {programming_noise: false, drift: false, read_noise: "
                      "false}}]",
                      fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "352 outputs: 0 differ")) << r.out;
}

// Default PCM tiles with 2-bit cells (4 slices): the analog readout converts as often as the
// unsliced tile (a quarter of the digital readout), with the digital readout's array area
// and (within 0.1 %) array energy; same seed, same stats.json.
TEST(ImcSliceReadout, OneConversionPerColumnAndDeterministic) {
  const char* kSliced = "tiles[*].device.bits_per_cell=2";
  const char* kAnalog = "tiles[*].device.slice_readout=analog";
  auto base = run_imcvp({"run", "-q", "--seed", "3", fw("imc_selftest")}, "base");
  auto d = run_imcvp({"run", "-q", "--seed", "3", "--set", kSliced, fw("imc_selftest")}, "d");
  auto a = run_imcvp(
      {"run", "-q", "--seed", "3", "--set", kSliced, "--set", kAnalog, fw("imc_selftest")}, "a");
  auto b = run_imcvp(
      {"run", "-q", "--seed", "3", "--set", kSliced, "--set", kAnalog, fw("imc_selftest")}, "b");
  for (const auto* r : {&base, &d, &a, &b}) ASSERT_EQ(r->code, 0) << r->out << r->err;
  EXPECT_EQ(a.stat("soc.tile0.adc_conversions"), base.stat("soc.tile0.adc_conversions"));
  EXPECT_EQ(d.stat("soc.tile0.adc_conversions"), 4 * a.stat("soc.tile0.adc_conversions"));
  EXPECT_DOUBLE_EQ(a.stat("soc.tile0.energy.adc"), base.stat("soc.tile0.energy.adc"));
  EXPECT_DOUBLE_EQ(a.stat("soc.tile0.area.array"), d.stat("soc.tile0.area.array"));
  // Array energy: the same devices and inputs; within 0.1 % only, because the random streams
  // part after the first MVM (one read-noise draw per column instead of one per slice), so the
  // later PROGRAM commands draw other programming noise.
  EXPECT_NEAR(a.stat("soc.tile0.energy.array"), d.stat("soc.tile0.energy.array"),
              1e-3 * d.stat("soc.tile0.energy.array"));
  EXPECT_EQ(read_text(a.dir / "out/stats.json"), read_text(b.dir / "out/stats.json"));
  EXPECT_EQ(a.out, b.out);
}

TEST(ImcSliceReadout, AnalogReadoutWithoutSlicingIsAConfigError) {
  auto r = run_imcvp({"run", "--set", "tiles[*].device.slice_readout=analog", fw("hello")}, "e");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "--set tiles[*].device.slice_readout=analog:1:1: "
                       "tiles[0].device.slice_readout: device.slice_readout = analog needs "
                       "bit-sliced weights"))
      << r.err;
  r = run_imcvp({"run", "--set", "tiles[*].device.slice_readout=current", fw("hello")}, "n");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "'current' is not one of: digital analog")) << r.err;
}

}  // namespace
