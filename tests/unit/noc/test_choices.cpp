// The NoC's and traffic's choice keys as enums behind name tables (noc_config.h, traffic.h):
// every name of a table reads from YAML, resolves to the enumerator of its position and back
// to the same name; a name outside the table is the config error it always was (YAML) or a
// NocError naming the key (a config built in code). Also dram.model (platform_config.h), the
// SoC's choice of the memory behind the NoC.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "models/common/config.h"
#include "models/noc/engine.h"
#include "models/noc/noc_config.h"
#include "models/noc/topology.h"
#include "models/noc/traffic.h"
#include "platform/platform_config.h"

using namespace imcvp::noc;
namespace config = imcvp::config;

namespace {

// Every name of `names` set through `key` (as --set does) resolves to enumerator i and back.
template <class Cfg, class E, std::size_t N, class Get>
void round_trips(const std::string& key, const char* const (&names)[N], Get get) {
  for (std::size_t i = 0; i < N; ++i) {
    Cfg c;
    config::apply_set(c, key + "=" + names[i]);
    const E e = get(c);
    EXPECT_EQ(static_cast<std::size_t>(e), i) << key << "=" << names[i];
    EXPECT_STREQ(name_of(e, names), names[i]);
    EXPECT_EQ(config::find_choice<E>(names[i], names), e);
  }
  EXPECT_FALSE(config::find_choice<E>("bogus", names).has_value());
}

// The YAML error of an unknown name: unchanged text (file:line:col, key, the accepted names).
template <class Cfg>
std::string yaml_error(const std::string& key) {
  Cfg c;
  try {
    config::apply_set(c, key + "=bogus");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

template <class F>
std::string noc_error(F f) {
  try {
    f();
  } catch (const NocError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(NocChoices, TopologyNamesRoundTrip) {
  round_trips<NocConfig, TopologyKind>("topology", kTopologyNames,
                                       [](const NocConfig& c) { return c.topology_kind(); });
  EXPECT_EQ(yaml_error<NocConfig>("topology"),
            "--set topology=bogus:1:1: topology: 'bogus' is not one of: mesh torus ring crossbar "
            "tree custom");
  NocConfig c;
  c.topology = "bogus";
  EXPECT_EQ(noc_error([&] { Topology t(c); }), "noc.topology: unknown topology 'bogus'");
  for (const char* k : {"mesh", "torus", "ring", "crossbar", "tree"}) {
    NocConfig n;
    n.topology = k;
    n.nodes = 4;
    n.size_x = n.size_y = 2;
    n.router.vcs = 8;
    EXPECT_STREQ(Topology(n).kind_name(), k);
  }
}

TEST(NocChoices, RoutingNamesRoundTrip) {
  round_trips<NocConfig, Routing>("routing", kRoutingNames,
                                  [](const NocConfig& c) { return c.routing_kind(); });
  EXPECT_EQ(yaml_error<NocConfig>("routing"),
            "--set routing=bogus:1:1: routing: 'bogus' is not one of: xy yx west_first odd_even "
            "table min updown");
  NocConfig c;
  c.routing = "bogus";
  EXPECT_EQ(noc_error([&] { Topology t(c); }), "noc.routing: unknown routing 'bogus'");
  // The reported algorithm still spells the table's names.
  c.routing = "yx";
  EXPECT_EQ(Topology(c).routing(), "yx");
  c.topology = "torus";
  EXPECT_EQ(Topology(c).routing(), "yx+dateline");
}

TEST(NocChoices, RouterNamesRoundTrip) {
  round_trips<NocConfig, FlowControl>(
      "router.flow_control", kFlowControlNames,
      [](const NocConfig& c) { return c.router.flow_control_kind(); });
  round_trips<NocConfig, VcRelease>("router.vc_release", kVcReleaseNames,
                                    [](const NocConfig& c) { return c.router.vc_release_kind(); });
  round_trips<NocConfig, Arbitration>(
      "router.arbitration", kArbitrationNames,
      [](const NocConfig& c) { return c.router.arbitration_kind(); });
  round_trips<NocConfig, EnergyModel>("energy.model", kEnergyModelNames,
                                      [](const NocConfig& c) { return c.energy.model_kind(); });
  EXPECT_EQ(yaml_error<NocConfig>("router.flow_control"),
            "--set router.flow_control=bogus:1:1: router.flow_control: 'bogus' is not one of: "
            "wormhole vct");
  EXPECT_EQ(yaml_error<NocConfig>("router.vc_release"),
            "--set router.vc_release=bogus:1:1: router.vc_release: 'bogus' is not one of: tail "
            "empty");
  EXPECT_EQ(yaml_error<NocConfig>("router.arbitration"),
            "--set router.arbitration=bogus:1:1: router.arbitration: 'bogus' is not one of: age "
            "round_robin");
  EXPECT_EQ(yaml_error<NocConfig>("energy.model"),
            "--set energy.model=bogus:1:1: energy.model: 'bogus' is not one of: parametric "
            "constant");
  // Built in code: the engine refuses the name instead of taking a default.
  NocConfig c;
  c.router.flow_control = "bogus";
  EXPECT_EQ(noc_error([&] { Engine e(c); }),
            "noc.router.flow_control: unknown flow control 'bogus'");
  c = NocConfig{};
  c.router.vc_release = "bogus";
  EXPECT_EQ(noc_error([&] { Engine e(c); }), "noc.router.vc_release: unknown VC release 'bogus'");
  c = NocConfig{};
  c.router.arbitration = "bogus";
  EXPECT_EQ(noc_error([&] { Engine e(c); }), "noc.router.arbitration: unknown arbitration 'bogus'");
  c = NocConfig{};
  c.energy.model = "bogus";
  EXPECT_EQ(noc_error([&] { Engine e(c); }), "noc.energy.model: unknown energy model 'bogus'");
}

TEST(NocChoices, TrafficNamesRoundTrip) {
  round_trips<TrafficConfig, PatternKind>("pattern", kPatternNames,
                                          [](const TrafficConfig& t) { return t.pattern_kind(); });
  round_trips<TrafficConfig, TrafficMode>("mode", kTrafficModeNames,
                                          [](const TrafficConfig& t) { return t.mode_kind(); });
  EXPECT_EQ(yaml_error<TrafficConfig>("pattern"),
            "--set pattern=bogus:1:1: pattern: 'bogus' is not one of: uniform transpose bitcomp "
            "bitrev shuffle tornado neighbor hotspot");
  EXPECT_EQ(yaml_error<TrafficConfig>("mode"),
            "--set mode=bogus:1:1: mode: 'bogus' is not one of: open request_reply");
  NocConfig n;
  const Topology topo(n);
  TrafficConfig t;
  t.pattern = "bogus";
  EXPECT_EQ(noc_error([&] { Pattern p(topo, t); }), "traffic: unknown pattern 'bogus'");
  t = TrafficConfig{};
  t.mode = "bogus";
  t.measure_cycles = 10;
  EXPECT_EQ(noc_error([&] { run_traffic(n, t); }), "traffic.mode: unknown mode 'bogus'");
  // Each enumerator's destination rule on a 4x4 mesh, for source 1 (x=1, y=0); the random
  // patterns stay inside the network.
  const std::pair<const char*, uint32_t> fixed[] = {{"transpose", 4}, {"bitcomp", 14},
                                                    {"bitrev", 8},    {"shuffle", 2},
                                                    {"tornado", 6},   {"neighbor", 6}};
  for (const auto& [p, d] : fixed) {
    t.pattern = p;
    EXPECT_EQ(Pattern(topo, t).dest(1, 12345), d) << p;
  }
  t.hotspot_node = 3;
  t.hotspot_fraction = 1.0;
  t.pattern = "hotspot";
  EXPECT_EQ(Pattern(topo, t).dest(1, 12345), 3u);
  t.pattern = "uniform";
  for (uint32_t s = 0; s < 1000; ++s)
    EXPECT_LT(Pattern(topo, t).dest(1, s * 0x9E3779B97F4A7C15ull), topo.nodes());
}

TEST(DramModelNames, RoundTrip) {
  using imcvp::platform::DramModel;
  using imcvp::platform::kDramModelNames;
  using imcvp::platform::PlatformConfig;
  for (std::size_t i = 0; i < std::size(kDramModelNames); ++i) {
    PlatformConfig c;
    config::apply_set(c, std::string("dram.model=") + kDramModelNames[i]);
    EXPECT_EQ(static_cast<std::size_t>(c.dram.model_kind()), i);
    EXPECT_STREQ(name_of(c.dram.model_kind(), kDramModelNames), kDramModelNames[i]);
  }
  EXPECT_EQ(PlatformConfig{}.dram.model_kind(), DramModel::timed);
  EXPECT_EQ(yaml_error<PlatformConfig>("dram.model"),
            "--set dram.model=bogus:1:1: dram.model: 'bogus' is not one of: timed plain");
  PlatformConfig c;
  c.dram.model = "bogus";
  try {
    (void)c.dram.model_kind();
    ADD_FAILURE() << "no error";
  } catch (const config::ConfigError& e) {
    EXPECT_STREQ(e.what(), "dram.model: unknown DRAM model 'bogus'");
  }
}

// The platform's other choice keys and the tile's: every name round-trips, and a name outside
// a table in a config built in code is a ConfigError (the tile's enum_of used to return the
// table's first entry, the calibration lookup `none`).
TEST(PlatformChoiceNames, InterconnectCalibrationAndTileChoices) {
  using imcvp::platform::Interconnect;
  using imcvp::platform::kInterconnectNames;
  using imcvp::platform::PlatformConfig;
  for (std::size_t i = 0; i < std::size(kInterconnectNames); ++i) {
    PlatformConfig c;
    config::apply_set(c, std::string("interconnect=") + kInterconnectNames[i]);
    EXPECT_EQ(static_cast<std::size_t>(c.interconnect_kind()), i);
  }
  EXPECT_EQ(PlatformConfig{}.interconnect_kind(), Interconnect::noc);
  PlatformConfig c;
  c.interconnect = "ring-bus";
  EXPECT_THROW((void)c.interconnect_kind(), config::ConfigError);
  c.calibration = "tpu";
  EXPECT_THROW((void)c.calibration_kind(), config::ConfigError);
  imcvp::imc::TileConfig t;
  EXPECT_EQ(t.device.slice_readout_enum(), imcvp::imc::SliceReadout::digital);
  t.device.slice_readout = "optical";
  try {
    (void)t.device.slice_readout_enum();
    ADD_FAILURE() << "no error";
  } catch (const config::ConfigError& e) {
    EXPECT_STREQ(e.what(), "unknown choice 'optical' (known: digital, analog)");
  }
}
