// Energy, area and efficiency on the whole platform (issue 14): --set of one list element or
// all of them, ADC energy per conversion vs bits through `imcvp run`, the static/dynamic split,
// the chip summary and bad technology values.
#include "tests/firmware/harness.h"

using namespace imcvp::test;

// `--set 'tiles[*].adc.bits=4'` and `--set 'tiles[0].adc.bits=4'` set one key of existing
// list elements (before: "tiles[0]: unknown key"); the ADC energy per conversion of the same
// firmware follows the Walden model: x2^(8-4) = 16 less at 4 bits.
TEST(PlatformEnergy, AdcBitsOnTheCommandLineAndEnergyPerConversion) {
  auto r8 = run_imcvp({"run", "-q", fw("imc_selftest")}, "8");
  ASSERT_EQ(r8.code, 0) << r8.err;
  auto r4 = run_imcvp({"run", "-q", "--set", "tiles[*].adc.bits=4", fw("imc_selftest")}, "4");
  ASSERT_EQ(r4.code, 0) << r4.err;
  auto r0 = run_imcvp({"run", "-q", "--set", "tiles[0].adc.bits=4", fw("imc_selftest")}, "0");
  ASSERT_EQ(r0.code, 0) << r0.err;
  const double conv8 = r8.stat("soc.tile0.adc_conversions");
  const double conv4 = r4.stat("soc.tile0.adc_conversions");
  ASSERT_GT(conv8, 0);
  ASSERT_GT(conv4, 0);
  const double e8 = r8.stat("soc.tile0.energy.adc") / conv8;
  const double e4 = r4.stat("soc.tile0.energy.adc") / conv4;
  EXPECT_NEAR(e8, 2.0, 1e-9);  // 2 pJ at 8 bits (adc.energy_pj)
  EXPECT_NEAR(e4, 2.0 / 16, 1e-9);
  EXPECT_NEAR(r0.stat("soc.tile0.energy.adc") / r0.stat("soc.tile0.adc_conversions"), e4, 1e-9);
}

TEST(PlatformEnergy, ListIndexErrorsAreConfigErrors) {
  auto r = run_imcvp({"run", "--set", "tiles[2].adc.bits=4", fw("hello")});
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "tiles[2]: index 2 out of range: the list has 2 entries")) << r.err;
  r = run_imcvp({"run", "--set", "tiles[x].adc.bits=4", fw("hello")}, "x");
  EXPECT_EQ(r.code, 78);
  EXPECT_TRUE(contains(r.err, "index must be a number or *")) << r.err;
  r = run_imcvp({"run", "--set", "tiles[0.adc.bits=4", fw("hello")}, "b");
  EXPECT_EQ(r.code, 78);
  EXPECT_TRUE(contains(r.err, "malformed list index")) << r.err;
}

// Negative or inconsistent technology values are config errors with file:line:col.
TEST(PlatformEnergy, BadTechnologyValuesAreConfigErrors) {
  struct Case {
    const char* set;
    const char* msg;
  } cases[] = {
      {"tiles[0].area.node_nm=5", "tiles[0].area.node_nm: value 5 out of range [7, 180]"},
      {"noc.energy.node_nm=250", "noc.energy.node_nm: value 250 out of range [7, 180]"},
      {"chip.node_nm=3", "chip.node_nm: value 3 out of range [7, 180]"},
      {"tiles[0].area.dac_um2=-1", "tiles[0].area.dac_um2: value -1 out of range"},
      {"tiles[0].area.leakage_mw_per_mm2=-2", "value -2 out of range"},
      {"chip.dram_interface_mm2=-1", "chip.dram_interface_mm2: value -1 out of range"},
      {"tiles[0].adc.bits=13", "beyond the Walden ADC energy model"},
  };
  int k = 0;
  for (const auto& c : cases) {
    auto r = run_imcvp({"run", "--set", c.set, fw("hello")}, std::to_string(k++));
    EXPECT_EQ(r.code, 78) << c.set << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.msg)) << c.set << ": " << r.err;
  }
  // A value from a file names file:line:col.
  auto r = run_imcvp({"run", "--set", "tiles[0].area.node_nm=5", fw("hello")}, "loc");
  EXPECT_TRUE(contains(r.err, "--set tiles[0].area.node_nm=5:1:1:")) << r.err;
}

// stats.json: energy.static and energy.dynamic beside energy.total; the chip's area, static
// power and macro/tile/system efficiency; the run summary prints them.
TEST(PlatformEnergy, StaticDynamicAndChipSummary) {
  auto r = run_imcvp({"run", fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.err;
  const double tot = r.stat("energy.total"), st = r.stat("energy.static");
  const double dyn = r.stat("energy.dynamic");
  EXPECT_GT(st, 0);
  EXPECT_GT(dyn, 0);
  EXPECT_NEAR(st + dyn, tot, 1e-6 * tot);
  EXPECT_GT(r.stat("energy.imc_leakage"), 0);
  EXPECT_GT(r.stat("energy.host_memory"), 0);
  // Static power x simulated time = static energy of the tiles.
  const double t_ns = r.run()["sim_time_ns"].get<double>();
  EXPECT_NEAR(r.stat("energy.imc_leakage"), r.stat("soc.chip.power.static.tiles") * t_ns,
              1e-4 * r.stat("energy.imc_leakage"));
  const double area = r.stat("soc.chip.area.total");
  EXPECT_NEAR(area,
              r.stat("soc.chip.area.tiles") + r.stat("soc.chip.area.noc") +
                  r.stat("soc.chip.area.host_core") + r.stat("soc.chip.area.tcm") +
                  r.stat("soc.chip.area.dram_interface"),
              1e-9);
  EXPECT_NEAR(r.stat("soc.chip.area.tiles"),
              r.stat("soc.tile0.area.total") + r.stat("soc.tile1.area.total"), 1e-12);
  // Three levels: each wider level costs more energy per op and more area per op.
  const double m = r.stat("soc.chip.efficiency.macro.tops_per_w");
  const double t = r.stat("soc.chip.efficiency.tile.tops_per_w");
  const double s = r.stat("soc.chip.efficiency.system.tops_per_w");
  const double sw = r.stat("soc.chip.efficiency.system.tops_per_w_with_static");
  EXPECT_GT(m, t);
  EXPECT_GT(t, s);
  EXPECT_GT(s, sw);
  EXPECT_GT(r.stat("soc.chip.efficiency.macro.tops_per_mm2"),
            r.stat("soc.chip.efficiency.tile.tops_per_mm2"));
  EXPECT_GT(r.stat("soc.chip.efficiency.tile.tops_per_mm2"),
            r.stat("soc.chip.efficiency.system.tops_per_mm2"));
  EXPECT_NEAR(sw, 2 * r.stat("soc.chip.macs") / tot, 1e-9 * sw);
  EXPECT_TRUE(contains(r.out, "    dynamic ")) << r.out;
  EXPECT_TRUE(contains(r.out, "    static ")) << r.out;
  EXPECT_TRUE(contains(r.out, "TOPS/W macro/tile/system")) << r.out;
  EXPECT_TRUE(contains(r.out, "static power")) << r.out;
}

// `imcvp traffic` reports the routers' and links' area, static power and energy per flit
// (issue 17 item 4): totals, the router and one row per unidirectional link.
TEST(PlatformEnergy, TrafficReportsAreaAndPower) {
  auto r = run_imcvp({"traffic", "--injection-rate", "0.02", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto d = nlohmann::json::parse(r.out);
  const auto& a = d["area_power"];
  EXPECT_EQ(a["model"], "parametric");
  EXPECT_EQ(a["routers"]["count"], 16);
  EXPECT_EQ(a["link_power"].size(), 48u);  // 4x4 mesh: 24 links, both directions
  // 0.5 pJ/bit at 45 nm (ORION split) scaled to 14 nm (Stillmaker & Baas: x0.1117), 128 bits.
  EXPECT_NEAR(a["router"]["energy_pj_per_flit"].get<double>(), 0.5 * 128 * 0.11170, 0.01);
  double links_area = 0;
  for (const auto& l : a["link_power"]) {
    EXPECT_DOUBLE_EQ(l[2].get<double>(), 1.5);  // tile pitch
    links_area += l[4].get<double>();
  }
  EXPECT_NEAR(links_area, a["links_total"]["area_mm2"].get<double>(), 1e-12);
  EXPECT_NEAR(a["area_mm2"].get<double>(), a["routers"]["area_mm2"].get<double>() + links_area,
              1e-12);
  EXPECT_NEAR(a["routers"]["area_mm2"].get<double>(), 16 * a["router"]["area_mm2"].get<double>(),
              1e-12);
  EXPECT_GT(d["points"][0]["energy_router_pj"].get<double>(), 0);
}

// A real controller powers an idle rank down (Synopsys uMCTL2 PWRTMG reset value: 512 cycles):
// the platform's default DRAM does, and it saves background energy against the same run with
// power-down off, at the same simulated time (docs/dram-model.md, "Power-down").
TEST(PlatformEnergy, DramPowersDownWhenIdleByDefault) {
  auto on = run_imcvp({"run", "-q", fw("imc_selftest")}, "on");
  ASSERT_EQ(on.code, 0) << on.err;
  auto off = run_imcvp(
      {"run", "-q", "--set", "dram.device.controller.powerdown_idle_cycles=0", fw("imc_selftest")},
      "off");
  ASSERT_EQ(off.code, 0) << off.err;
  EXPECT_GT(on.stat("soc.dram.powerdown_residency"), 0.5) << "imc_selftest leaves DRAM idle";
  EXPECT_EQ(off.stat("soc.dram.powerdown_residency"), 0.0);
  EXPECT_GT(on.stat("soc.dram.energy_powerdown"), 0.0);
  EXPECT_LT(on.stat("energy.dram"), 0.9 * off.stat("energy.dram"));
  EXPECT_EQ(on.run()["sim_time_ns"], off.run()["sim_time_ns"]);
}
