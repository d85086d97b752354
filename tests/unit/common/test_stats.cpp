#include <gtest/gtest.h>

#include "models/common/stats.h"

using namespace imcvp::stats;

TEST(Stats, HistogramPercentiles) {
  Histogram h(0, 1, 100);
  for (int i = 0; i < 100; ++i) h.sample(i);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 49.5);
  EXPECT_NEAR(h.percentile(50), 50, 1.0);
  EXPECT_NEAR(h.percentile(99), 99, 1.0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 99);
  h.sample(1000);  // overflow still counts in max and mean
  EXPECT_EQ(h.max(), 1000);
  EXPECT_EQ(h.percentile(100), 1000);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
}

TEST(Stats, TreeTextEnergyAndReset) {
  uint64_t insts = 0;
  double energy = 0;
  {
    Group g("soc.cpu");
    Group b("soc.bus");
    g.counter("instructions", insts, "count", "Instructions retired");
    g.value("dyn_energy", energy, "pJ", "Dynamic energy", EnergyKind::core);
    g.formula(
        "double", [&] { return 2.0 * insts; }, "count", "Twice");
    uint64_t bytes = 7;
    b.counter("bytes", bytes, "bytes", "Bytes");
    insts = 10;
    energy = 3.5;
    auto j = Registry::get().to_json();
    EXPECT_EQ(j["soc"]["cpu"]["instructions"]["value"], 10);
    EXPECT_EQ(j["soc"]["cpu"]["instructions"]["unit"], "count");
    EXPECT_EQ(j["soc"]["cpu"]["double"]["value"], 20.0);
    EXPECT_EQ(j["energy"]["core"]["value"], 3.5);
    EXPECT_EQ(j["energy"]["total"]["value"], 3.5);
    // Groups are in path order: bus before cpu.
    auto it = j["soc"].begin();
    EXPECT_EQ(it.key(), "bus");
    std::string text = Registry::get().to_text();
    EXPECT_NE(text.find("soc.cpu.instructions"), std::string::npos);
    EXPECT_NE(text.find("# Instructions retired (count)"), std::string::npos);
    EXPECT_LT(text.find("soc.bus.bytes"), text.find("soc.cpu.instructions"));
    Registry::get().reset_all();
    EXPECT_EQ(insts, 0u);
    EXPECT_EQ(energy, 0.0);
    EXPECT_EQ(bytes, 0u);
    EXPECT_THROW(Group dup("soc.cpu"), std::logic_error);
  }
  EXPECT_EQ(Registry::get().find("soc.cpu"), nullptr);  // unregistered on destruction
}

TEST(Stats, DumpIsDeterministic) {
  uint64_t a = 1;
  Group g("x");
  g.counter("a", a, "count", "A");
  EXPECT_EQ(dump_json(Registry::get().to_json()), dump_json(Registry::get().to_json()));
}

// Static (leakage/background) energy entries are summed into energy.static; energy.dynamic is
// the rest; both sit beside energy.total in JSON and text.
TEST(Stats, StaticEnergyIsReportedBesideDynamicAndTotal) {
  double dyn = 2.0, leak = 0.5;
  Group g("soc.part");
  g.value("energy_dyn", dyn, "pJ", "Dynamic", EnergyKind::core);
  g.value("energy_leak", leak, "pJ", "Leakage", EnergyKind::core, true);
  g.formula(
      "energy_bg", [] { return 1.5; }, "pJ", "Background", EnergyKind::dram, true);
  auto j = Registry::get().to_json();
  EXPECT_EQ(j["energy"]["core"]["value"], 2.5);
  EXPECT_EQ(j["energy"]["static"]["value"], 2.0);
  EXPECT_EQ(j["energy"]["dynamic"]["value"], 2.0);
  EXPECT_EQ(j["energy"]["total"]["value"], 4.0);
  EXPECT_DOUBLE_EQ(Registry::get().energy_static(), 2.0);
  const std::string text = Registry::get().to_text();
  EXPECT_NE(text.find("energy.static"), std::string::npos);
  EXPECT_NE(text.find("energy.dynamic"), std::string::npos);
}
