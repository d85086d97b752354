// IMC tiles on the whole platform: the imc_selftest and imc_drift apps, interrupts, stats,
// energy breakdown and determinism.
#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

// Small ideal analog tile + digital tile, as a flow-YAML --set value.
const char* kIdealTiles =
    "tiles=[{kind: analog, rows: 64, cols: 32, adc: {bits: 0}, nonideal: {programming_noise: "
    "false, drift: false, read_noise: false}}, {kind: digital, rows: 64, cols: 48}]";

TEST(Imc, SelftestPassesOnDefaultTiles) {
  auto r = run_imcvp({"run", fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "imc_selftest: 2 tile(s)")) << r.out;
  EXPECT_TRUE(contains(r.out, "tile1: digital 256x256")) << r.out;
  EXPECT_TRUE(contains(r.out, "bit-exact: OK")) << r.out;
  EXPECT_TRUE(contains(r.out, "rejected with bad_dim")) << r.out;
  EXPECT_TRUE(contains(r.out, "MVM done interrupt taken")) << r.out;
  EXPECT_GT(r.stat("soc.tile0.mvms"), 0);
  EXPECT_GT(r.stat("soc.tile1.macs"), 0);
  EXPECT_GT(r.stat("soc.tile0.program_pulses"), 2 * 65536);
  EXPECT_EQ(r.stat("soc.tile0.errors_by_code.bad_dim"), 1);
  EXPECT_GT(r.stat("energy.adc"), 0);
  EXPECT_GT(r.stat("energy.imc_array"), 0);
  EXPECT_GT(r.stat("energy.programming"), 0);
  EXPECT_GT(r.stat("soc.tile0.tops_per_w"), 0);
  EXPECT_GT(r.stat("soc.cpu.interrupts.external"), 0);
  // Default interconnect: the tiles sit behind the NoC, reached through the bus's NoC window.
  EXPECT_GT(r.stat("soc.bus.targets.noc.reads"), 0);
  EXPECT_GT(r.stat("soc.noc.transactions"), 0);
  EXPECT_GT(r.stat("energy.noc_router"), 0);
  EXPECT_GT(r.stat("energy.noc_link"), 0);
}

TEST(Imc, SelftestOnTheHostBusInterconnect) {
  auto r = run_imcvp({"run", "--set", "interconnect=bus", fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_GT(r.stat("soc.bus.targets.tile0.reads"), 0) << "tile windows are bus targets";
  EXPECT_EQ(r.stat("soc.noc.transactions"), -1) << "no NoC in this configuration";
  EXPECT_EQ(r.stat("energy.noc_router"), 0);
}

TEST(Imc, IdealAnalogTileIsExact) {
  auto r = run_imcvp({"run", "--set", kIdealTiles, fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(
      contains(r.out, "tile0: analog 64x32, 8-bit inputs, 8-bit weights, ADC 0 bits, ideal"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "352 outputs: 0 differ")) << r.out;
}

TEST(Imc, NonIdealAnalogTileReportsErrors) {
  auto r = run_imcvp({"run", fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out;
  // The default PCM tile is noisy: outputs differ but stay close (< 20 % relative error).
  auto pos = r.out.find("tile0:");
  ASSERT_NE(pos, std::string::npos);
  auto rel = r.out.find("relative error ", pos);
  ASSERT_NE(rel, std::string::npos);
  long ppm = std::stol(r.out.substr(rel + 15));
  EXPECT_GT(ppm, 0);
  EXPECT_LT(ppm, 200000);
}

TEST(Imc, DriftDemoShowsCalibrationHelps) {
  auto r = run_imcvp({"run", fw("imc_drift")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "calibration reduces the one-year error")) << r.out;
  EXPECT_GT(r.stat("soc.tile0.ops.calibrate"), 0);
}

TEST(Imc, SameSeedSameStatsDifferentSeedDifferentNoise) {
  auto a = run_imcvp({"run", "-q", "--seed", "7", fw("imc_drift")}, "a");
  auto b = run_imcvp({"run", "-q", "--seed", "7", fw("imc_drift")}, "b");
  auto c = run_imcvp({"run", "-q", "--seed", "8", fw("imc_drift")}, "c");
  ASSERT_EQ(a.code, 0) << a.out;
  ASSERT_EQ(b.code, 0) << b.out;
  ASSERT_EQ(c.code, 0) << c.out;
  EXPECT_EQ(read_text(a.dir / "out/stats.json"), read_text(b.dir / "out/stats.json"));
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);  // other programming/read noise, so other error figures
}

TEST(Imc, NoTilesConfigured) {
  auto r = run_imcvp({"run", "--set", "tiles=[]", fw("imc_selftest")});
  EXPECT_EQ(r.code, 100) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "0 tile(s)")) << r.out;
}

TEST(Imc, BadTileConfigurationIsAConfigError) {
  auto r = run_imcvp(
      {"run", "--set", "tiles=[{kind: digital, rows: 1024, cols: 1024}]", fw("imc_selftest")});
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "tiles[0]")) << r.err;
  auto k = run_imcvp({"run", "--set", "tiles=[{kind: quantum}]", fw("imc_selftest")});
  EXPECT_EQ(k.code, 78) << k.err;
}

TEST(Imc, TechPresetsLoadAndRun) {
  for (const char* tech : {"pcm", "reram", "mram", "flash"}) {
    auto r =
        run_imcvp({"run", "-c", std::string(IMCVP_SOURCE_DIR) + "/configs/tech/" + tech + ".yaml",
                   fw("imc_drift")},
                  tech);
    EXPECT_EQ(r.code, 0) << tech << "\n" << r.out << r.err;
  }
}

// Presets named after published silicon (configs/tech/, docs/energy-calibration.md) carry a
// top-level `calibration:` key naming the chip, checked against the name table
// (platform/platform_config.h, kCalibrationNames): an unknown chip is a config error with
// file:line:col and exit code 78, never a silently accepted label.
TEST(Imc, CalibrationPresetNamesAreChecked) {
  const std::pair<const char*, const char*> presets[] = {
      {"hermes-pcm", "ibm-hermes"},
      {"chih-sram-cim", "chih-isscc2021"},
      {"hung-reram-cim", "hung-natelectron2021"}};
  for (const auto& [file, chip] : presets) {
    auto r = run_imcvp({"run", "--dump-config", "-c",
                        std::string(IMCVP_SOURCE_DIR) + "/configs/tech/" + file + ".yaml"},
                       file);
    EXPECT_EQ(r.code, 0) << file << "\n" << r.err;
    EXPECT_TRUE(contains(r.out, std::string("calibration: \"") + chip + "\"")) << file << "\n"
                                                                               << r.out;
  }
  auto d = run_imcvp({"run", "--dump-config"}, "default");
  EXPECT_TRUE(contains(d.out, "calibration: \"none\"")) << d.out;
  const auto bad = std::filesystem::temp_directory_path() /
                   ("imcvp-test-" + std::to_string(getpid())) / "bad-calibration.yaml";
  std::filesystem::create_directories(bad.parent_path());
  std::ofstream(bad) << "tiles:\n  - kind: digital\ncalibration: neurram-2022\n";
  auto b = run_imcvp({"run", "--dump-config", "-c", bad.string()}, "bad");
  EXPECT_EQ(b.code, 78) << b.err;
  EXPECT_TRUE(contains(b.err,
                       "bad-calibration.yaml:3:14: calibration: 'neurram-2022' is not one "
                       "of: none ibm-hermes chih-isscc2021 hung-natelectron2021"))
      << b.err;
}

}  // namespace
