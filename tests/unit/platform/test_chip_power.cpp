// Chip area and static power of the host-side parts (platform/chip_power.h; docs/imc-model.md,
// "Chip area, static power and efficiency"): each default reproduces its cited figure, every
// part scales to another node as documented, and the soc.chip totals are the sum of the parts.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "models/common/stats.h"
#include "models/common/tech_scaling.h"
#include "platform/chip_power.h"

using imcvp::platform::ChipConfig;
using imcvp::platform::ChipStats;
using imcvp::platform::DramInterface;
namespace stats = imcvp::stats;
namespace tech = imcvp::tech;

namespace {

constexpr uint64_t kTcmBytes = 1u << 20;  // the default SoC's TCM
const DramInterface kDdr4x64{};           // one DDR4-2400 x64 channel of x8 devices

std::vector<DramInterface> ddr4(unsigned n) {
  return std::vector<DramInterface>(n, kDdr4x64);
}

double stat(const std::string& group, const std::string& name) {
  const stats::Group* g = stats::Registry::get().find(group);
  EXPECT_NE(g, nullptr) << group;
  if (!g) return -1.0;
  for (const auto& e : g->entries())
    if (e.name == name) return e.number();
  ADD_FAILURE() << group << "." << name << " missing";
  return -1.0;
}

}  // namespace

// The defaults are the published figures the comments cite: Ibex "small" 26.06 kGE of Nangate45
// NAND2_X1 cells (0.798 um^2), CACTI-IO's DDR4 IO area and PHY static power.
TEST(ChipPower, DefaultsReproduceTheCitedFigures) {
  const ChipConfig cfg;
  EXPECT_DOUBLE_EQ(cfg.host_core_kge, 26.06);
  EXPECT_DOUBLE_EQ(cfg.gate_um2, 0.57 * 1.4);
  EXPECT_DOUBLE_EQ(cfg.gate_node_nm, 45.0);
  EXPECT_DOUBLE_EQ(cfg.node_nm, 14.0);

  // CACTI-IO (Jouppi et al., TVLSI 2015) IO area per pin with its DDR4 coefficients, R_on 34
  // ohm, DDR4-2400 (1200 MHz bus clock); 107 pins of a x64 channel.
  const double f = 1200.0, r_on = 34.0;
  const double per_pin =
      0.01 + 0.35 / r_on + (8e-5 * f + 3.5e-8 * f * f + 1e-11 * f * f * f) / r_on;
  EXPECT_NEAR(per_pin, 0.02511, 1e-5);
  EXPECT_DOUBLE_EQ(cfg.dram_interface_mm2, 0.0) << "0: the CACTI-IO model of the channel";
  EXPECT_EQ(imcvp::platform::dram_channel_pins(kDdr4x64), 64u + 16u + 25u + 2u);
  EXPECT_NEAR(imcvp::platform::cacti_io_pin_mm2(f, r_on), per_pin, 1e-15);
  // CACTI-IO DDR4 PHY static terms (IDLE): phase rotator + receivers + PLL, 10 mW each.
  EXPECT_DOUBLE_EQ(cfg.dram_interface_static_mw, 10.0 + 10.0 + 10.0);

  const ChipStats chip("chipdefault.chip", cfg, kTcmBytes, ddr4(1));
  const double gate14_um2 = 0.798 * 0.0093 / 0.053;  // Stillmaker & Baas area table, 45 -> 14 nm
  EXPECT_NEAR(gate14_um2, 0.1400, 1e-4);
  EXPECT_NEAR(chip.host_core_mm2(), 26.06e3 * gate14_um2 * 1e-6, 1e-12);
  EXPECT_NEAR(chip.host_core_mm2(), 0.00365, 1e-5);
  EXPECT_NEAR(chip.tcm_mm2(), 8.0 * kTcmBytes * 0.0588 / 0.7 * 1e-6, 1e-12);
  EXPECT_NEAR(chip.tcm_mm2(), 0.7047, 1e-4);
  // tCK 0.83 ns: f = 1204.8 MHz, within 0.5 % of the 1200 MHz bus clock above.
  EXPECT_NEAR(chip.dram_interface_mm2(),
              107 * imcvp::platform::cacti_io_pin_mm2(1000.0 / 0.83, r_on), 1e-12);
  EXPECT_NEAR(chip.dram_interface_mm2(), 107 * per_pin, 0.005);
  EXPECT_NEAR(chip.dram_interface_mm2(), 2.69, 0.01);
  // At the density's own node (14 nm) static power = density x area.
  EXPECT_NEAR(chip.host_core_static_mw(), 4.5 * chip.host_core_mm2(), 1e-12);
  EXPECT_NEAR(chip.tcm_static_mw(), 4.5 * chip.tcm_mm2(), 1e-12);
  EXPECT_DOUBLE_EQ(chip.dram_interface_static_mw(), 30.0);
}

// At another node: the gate equivalent scales from gate_node_nm, the SRAM bit from 14 nm (area
// table), the leakage density by power/area from 14 nm; the DRAM interface does not scale.
TEST(ChipPower, PartsScaleToAnotherNode) {
  ChipConfig c14;
  ChipConfig c45 = c14;
  c45.node_nm = 45.0;
  ChipConfig c22 = c14;
  c22.node_nm = 22.0;  // between table nodes: interpolated
  const ChipStats a("chipnode14.chip", c14, kTcmBytes, ddr4(2));
  const ChipStats b("chipnode45.chip", c45, kTcmBytes, ddr4(2));
  const ChipStats m("chipnode22.chip", c22, kTcmBytes, ddr4(2));

  // The gate is given at 45 nm: unscaled there.
  EXPECT_NEAR(b.host_core_mm2(), 26.06e3 * 0.798 * 1e-6, 1e-12);
  EXPECT_NEAR(b.host_core_mm2() / a.host_core_mm2(), tech::area_scale(14, 45), 1e-9);
  EXPECT_NEAR(m.host_core_mm2() / b.host_core_mm2(), tech::area_scale(45, 22), 1e-9);
  EXPECT_NEAR(b.tcm_mm2() / a.tcm_mm2(), tech::area_scale(14, 45), 1e-9);
  EXPECT_LT(a.host_core_mm2(), m.host_core_mm2());
  EXPECT_LT(m.host_core_mm2(), b.host_core_mm2());

  const double density45 = 4.5 * tech::power_scale(14, 45) / tech::area_scale(14, 45);
  EXPECT_NEAR(b.host_core_static_mw(), density45 * b.host_core_mm2(), 1e-9);
  EXPECT_NEAR(b.tcm_static_mw(), density45 * b.tcm_mm2(), 1e-9);
  // Per transistor the leakage power follows power_scale: the same design leaks
  // power_scale(14, 45) times as much at 45 nm.
  EXPECT_NEAR(b.tcm_static_mw() / a.tcm_static_mw(), tech::power_scale(14, 45), 1e-9);

  for (const ChipStats* c : {&a, &b, &m}) {
    EXPECT_DOUBLE_EQ(c->dram_interface_mm2(), 2 * imcvp::platform::dram_channel_mm2(c14, kDdr4x64));
    EXPECT_DOUBLE_EQ(c->dram_interface_static_mw(), 2 * c14.dram_interface_static_mw);
  }
}

// soc.chip sums the tiles' (groups <parent>.tile<i> only) and the NoC's own figures and adds the
// host core, TCM and DRAM interfaces.
TEST(ChipPower, TotalsAreTheSumOfTheParts) {
  double t0_area = 1.25, t1_area = 0.75, not_a_tile_area = 100.0;
  double t0_mw = 2.0, t1_mw = 3.0;
  auto tile0 = std::make_unique<stats::Group>("chipsum.tile0");
  tile0->constant(
      "area.total", [&] { return t0_area; }, "mm^2", "");
  tile0->constant(
      "power.static", [&] { return t0_mw; }, "mW", "");
  auto tile1 = std::make_unique<stats::Group>("chipsum.tile1");
  tile1->constant(
      "area.total", [&] { return t1_area; }, "mm^2", "");
  tile1->constant(
      "power.static", [&] { return t1_mw; }, "mW", "");
  // Not a tile group (no index): must not be counted.
  auto other = std::make_unique<stats::Group>("chipsum.tiles");
  other->constant(
      "area.total", [&] { return not_a_tile_area; }, "mm^2", "");
  auto noc = std::make_unique<stats::Group>("chipsum.noc");
  noc->constant(
      "area.routers", [] { return 0.125; }, "mm^2", "");
  noc->constant(
      "area.links", [] { return 0.0625; }, "mm^2", "");
  noc->constant(
      "power.static_routers", [] { return 0.5; }, "mW", "");
  noc->constant(
      "power.static_links", [] { return 0.25; }, "mW", "");

  ChipConfig cfg;
  cfg.node_nm = 22.0;
  cfg.dram_interface_mm2 = 2.5;  // a fixed area per channel replaces the model
  const ChipStats chip("chipsum.chip", cfg, kTcmBytes, ddr4(3));
  const std::string g = "chipsum.chip";
  EXPECT_DOUBLE_EQ(stat(g, "area.tiles"), 2.0);
  EXPECT_DOUBLE_EQ(stat(g, "area.noc"), 0.1875);
  EXPECT_DOUBLE_EQ(stat(g, "area.host_core"), chip.host_core_mm2());
  EXPECT_DOUBLE_EQ(stat(g, "area.tcm"), chip.tcm_mm2());
  EXPECT_DOUBLE_EQ(stat(g, "area.dram_interface"), 3 * cfg.dram_interface_mm2);
  EXPECT_NEAR(stat(g, "area.total"),
              2.0 + 0.1875 + chip.host_core_mm2() + chip.tcm_mm2() + 3 * cfg.dram_interface_mm2,
              1e-12);
  EXPECT_DOUBLE_EQ(stat(g, "power.static.tiles"), 5.0);
  EXPECT_DOUBLE_EQ(stat(g, "power.static.noc"), 0.75);
  EXPECT_DOUBLE_EQ(stat(g, "power.static.host_core"), chip.host_core_static_mw());
  EXPECT_DOUBLE_EQ(stat(g, "power.static.tcm"), chip.tcm_static_mw());
  EXPECT_DOUBLE_EQ(stat(g, "power.static.dram_interface"), 90.0);
  EXPECT_NEAR(stat(g, "power.static.total"),
              5.0 + 0.75 + chip.host_core_static_mw() + chip.tcm_static_mw() + 90.0, 1e-12);

  // Formulas follow the parts (read at dump time).
  t1_area = 2.75;
  t0_mw = 0.0;
  EXPECT_DOUBLE_EQ(stat(g, "area.tiles"), 4.0);
  EXPECT_DOUBLE_EQ(stat(g, "power.static.tiles"), 3.0);
}

TEST(ChipPower, NoDramInterfaceNoDramArea) {
  const ChipStats chip("chipnodram.chip", ChipConfig{}, 0, {});
  EXPECT_DOUBLE_EQ(chip.dram_interface_mm2(), 0.0);
  EXPECT_DOUBLE_EQ(chip.dram_interface_static_mw(), 0.0);
  EXPECT_DOUBLE_EQ(chip.tcm_mm2(), 0.0);
  EXPECT_GT(chip.host_core_mm2(), 0.0);
}

// The interface follows the configured channels: pins from the bus and device widths, the
// CACTI-IO per-pin area from the clock, static power per channel.
TEST(ChipPower, DramInterfaceFollowsTheChannels) {
  const ChipConfig cfg;
  DramInterface x4 = kDdr4x64;
  x4.device_width_bits = 4;  // a DQS pair per nibble
  EXPECT_EQ(imcvp::platform::dram_channel_pins(x4), 64u + 32u + 25u + 2u);
  DramInterface narrow = kDdr4x64;
  narrow.bus_width_bits = 32;
  EXPECT_EQ(imcvp::platform::dram_channel_pins(narrow), 32u + 8u + 25u + 2u);
  DramInterface fast = kDdr4x64;
  fast.tck_ns = 0.625;  // DDR4-3200
  EXPECT_GT(imcvp::platform::dram_channel_mm2(cfg, fast),
            imcvp::platform::dram_channel_mm2(cfg, kDdr4x64))
      << "the IO area grows with the clock";
  DramInterface two = kDdr4x64;
  two.channels = 2;
  const ChipStats one("chipch1.chip", cfg, 0, {kDdr4x64});
  const ChipStats dual("chipch2.chip", cfg, 0, {two});
  const ChipStats ctl2("chipctl2.chip", cfg, 0, ddr4(2));
  EXPECT_DOUBLE_EQ(dual.dram_interface_mm2(), 2 * one.dram_interface_mm2());
  EXPECT_DOUBLE_EQ(dual.dram_interface_static_mw(), 60.0);
  EXPECT_DOUBLE_EQ(ctl2.dram_interface_mm2(), dual.dram_interface_mm2());
  EXPECT_DOUBLE_EQ(ctl2.dram_interface_static_mw(), 60.0);
}
