// Routing on arbitrary graphs: minimal routing with an up*/down* escape VC class (`min`, the
// default for custom graphs), deadlock freedom of every shipped topology by a channel dependency
// graph check, and the "express mesh" of issue 17: 67% more links than the 4x4 mesh, which under
// up*/down* saturated *lower* than the mesh on bit-complement (0.486 vs 0.494).
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include "models/common/config.h"
#include "models/noc/engine.h"
#include "models/noc/topology.h"
#include "models/noc/traffic.h"

using namespace imcvp::noc;

namespace {

struct Root {
  NocConfig noc;
  template <class V>
  void visit(V& v) {
    v.section("noc", noc);
  }
};

NocConfig load(std::vector<std::string> files) {
  Root r;
  for (auto& f : files) imcvp::config::apply_file(r, std::string(NOC_CONFIG_DIR) + "/" + f);
  r.noc.router.vnets = 1;  // synthetic traffic: one class
  return r.noc;
}

TrafficConfig bitcomp(double rate) {
  TrafficConfig t;
  t.pattern = "bitcomp";
  t.injection_rate = rate;
  t.warmup_cycles = 1000;
  t.measure_cycles = 4000;
  t.drain_cycles = 20000;
  t.seed = 0;
  return t;
}

// Hops of the shortest path (BFS) between every pair.
std::vector<uint32_t> bfs_hops(const Topology& t) {
  const uint32_t n = t.nodes();
  std::vector<uint32_t> h(size_t(n) * n, ~0u);
  for (uint32_t s = 0; s < n; ++s) {
    std::deque<uint32_t> q{s};
    h[size_t(s) * n + s] = 0;
    while (!q.empty()) {
      uint32_t v = q.front();
      q.pop_front();
      for (uint32_t p = 1; p < t.ports(); ++p) {
        uint32_t w = t.port(v, p).peer;
        if (w != Topology::kNone && h[size_t(s) * n + w] == ~0u) {
          h[size_t(s) * n + w] = h[size_t(s) * n + v] + 1;
          q.push_back(w);
        }
      }
    }
  }
  return h;
}

}  // namespace

TEST(NocRouting, CustomGraphsDefaultToMinimalWithEscape) {
  NocConfig c = load({"booksim-iq.yaml", "express-mesh4x4.yaml"});
  Topology t(c);
  EXPECT_TRUE(t.escape());
  EXPECT_EQ(t.classes(), 2u);
  EXPECT_EQ(t.routing(), "min+updown_escape");
  // Every path (first candidate) is a shortest path; corner to corner is 2 hops, not 6.
  auto h = bfs_hops(t);
  for (uint32_t s = 0; s < t.nodes(); ++s)
    for (uint32_t d = 0; d < t.nodes(); ++d)
      ASSERT_EQ(t.path(s, d).size() - 1, h[size_t(s) * t.nodes() + d]) << s << "->" << d;
  EXPECT_EQ(t.path(0, 15).size(), 5u);  // 0 -> 2 -> 3 (or 10 ...) : 4 hops of the 40 links
  // Every non-escape state offers the escape (up*/down*) port as a fallback of class 1.
  Topology::Candidates cand;
  t.route(0, 0, 15, 0, cand);
  ASSERT_GE(cand.n, 2u);
  EXPECT_EQ(cand.c[cand.n - 1].cls, 1);
  EXPECT_EQ(cand.c[cand.n - 1].fallback, 1);
  EXPECT_EQ(cand.c[0].cls, 0);
  // Once escaped, only escape-class up*/down* hops.
  t.route(5, 0, 15, 2, cand);
  ASSERT_EQ(cand.n, 1u);
  EXPECT_EQ(cand.c[0].cls, 1);
  // up*/down* stays available; then the express mesh routes longer paths.
  c.routing = "updown";
  Topology u(c);
  EXPECT_FALSE(u.escape());
  EXPECT_EQ(u.routing(), "updown");
}

// Regression (issue 17): the routing label of torus, ring and graph topologies.
TEST(NocRouting, RoutingLabelIsTheAlgorithmInUse) {
  auto label = [](const std::string& spec, const std::string& routing) {
    NocConfig c;
    apply_topology_spec(c, spec);
    if (!routing.empty()) c.routing = routing;
    return Topology(c).routing();
  };
  EXPECT_EQ(label("mesh:4x4", ""), "xy");
  EXPECT_EQ(label("mesh:4x4", "odd_even"), "odd_even");
  EXPECT_EQ(label("torus:4x4", ""), "xy+dateline");
  EXPECT_EQ(label("torus:4x4", "yx"), "yx+dateline");
  EXPECT_EQ(label("ring:8", ""), "ring+dateline");
  EXPECT_EQ(label("crossbar:6", ""), "updown");
  EXPECT_EQ(label("tree:13:3", ""), "updown");
  EXPECT_EQ(label("mesh:4x4", "min"), "min+updown_escape");
  NocConfig c = load({"custom-example.yaml"});
  EXPECT_EQ(Topology(c).routing(), "min+updown_escape");
}

TEST(NocRouting, EveryShippedTopologyIsDeadlockFree) {
  int checked = 0;
  auto check = [&](const NocConfig& c, const std::string& what) {
    Topology t(c);
    EXPECT_EQ(t.check_deadlock_freedom(), "") << what << " (" << t.routing() << ")";
    ++checked;
  };
  for (auto& f : std::filesystem::directory_iterator(NOC_CONFIG_DIR)) {
    if (f.path().extension() != ".yaml") continue;
    NocConfig c = load({f.path().filename().string()});
    c.router.vcs = 8;
    check(c, f.path().filename().string());
    if (c.topology == "custom") {
      c.routing = "updown";
      check(c, f.path().filename().string() + " updown");
    }
  }
  struct Case {
    const char* spec;
    const char* routing;
  };
  for (Case k : {Case{"mesh:4x4", "xy"}, {"mesh:5x3", "yx"}, {"mesh:4x4", "west_first"},
                 {"mesh:4x4", "odd_even"}, {"mesh:4x4", "min"}, {"mesh:4x4", "updown"},
                 {"torus:4x4", "xy"}, {"torus:3x5", "yx"}, {"torus:4x4", "min"}, {"ring:8", "xy"},
                 {"ring:7", "min"}, {"crossbar:6", "xy"}, {"crossbar:6", "min"},
                 {"tree:13:3", "xy"}, {"tree:13:3", "min"}}) {
    NocConfig c;
    apply_topology_spec(c, k.spec);
    c.routing = k.routing;
    c.router.vcs = 8;
    check(c, std::string(k.spec) + " " + k.routing);
  }
  EXPECT_GE(checked, 20);
}

TEST(NocRouting, DependencyCheckFindsCycles) {
  // A clockwise-only ring table (accepted with allow_cyclic_routes) must be reported.
  NocConfig c;
  std::string y =
      "topology: custom\nallow_cyclic_routes: true\n"
      "graph_nodes: [{id: 0}, {id: 1}, {id: 2}, {id: 3}]\n"
      "graph_links: [{a: 0, b: 1}, {a: 1, b: 2}, {a: 2, b: 3}, {a: 3, b: 0}]\n"
      "graph_routes:\n";
  for (int n = 0; n < 4; ++n)
    for (int d = 0; d < 4; ++d)
      if (n != d)
        y += "  - {node: " + std::to_string(n) + ", dst: " + std::to_string(d) +
             ", next: " + std::to_string((n + 1) % 4) + "}\n";
  imcvp::config::apply_text(c, y, "ring.yaml");
  std::string e = Topology(c).check_deadlock_freedom();
  EXPECT_NE(e.find("channel dependency cycle"), std::string::npos) << e;
  // min with a table, or too few VCs for the escape class: clear errors.
  c.routing = "min";
  try {
    Topology t(c);
    FAIL();
  } catch (const NocError& err) {
    EXPECT_NE(std::string(err.what()).find("graph_routes"), std::string::npos) << err.what();
  }
  NocConfig m = load({"express-mesh4x4.yaml"});
  m.router.vnets = 2;
  m.router.vcs = 3;
  try {
    Topology t(m);
    FAIL();
  } catch (const NocError& err) {
    EXPECT_NE(std::string(err.what()).find("escape"), std::string::npos) << err.what();
  }
}

// Issue 17: more links must not saturate lower. Bit-complement, BookSim routers (16 VCs x 8).
TEST(NocRouting, ExpressMeshBeatsMeshOnBitComplement) {
  NocConfig mesh = load({"booksim-iq.yaml"});
  NocConfig express = load({"booksim-iq.yaml", "express-mesh4x4.yaml"});
  NocConfig updown = express;
  updown.routing = "updown";
  const double rate = 0.65;  // past the mesh's channel-load bound of 0.5
  TrafficResult m = run_traffic(mesh, bitcomp(rate));
  TrafficResult e = run_traffic(express, bitcomp(rate));
  TrafficResult u = run_traffic(updown, bitcomp(rate));
  std::printf("bitcomp %.2f: mesh xy %.3f, express updown %.3f, express min %.3f (lat %.1f)\n",
              rate, m.accepted, u.accepted, e.accepted, e.avg_packet_latency);
  EXPECT_LT(m.accepted, 0.52);
  EXPECT_LT(u.accepted, 0.52);  // the old behaviour, kept as an option
  EXPECT_GT(e.accepted, 0.64);  // not saturated yet
  EXPECT_TRUE(e.stable);
  EXPECT_LT(e.avg_packet_latency, 30.0);
  EXPECT_LT(e.avg_hops, 4.1);  // 4 routers (3 links) instead of 5
  // Zero-load: 5 cycles per router + 2 (docs/noc-validation.md), as on the mesh.
  for (const char* pat : {"bitcomp", "uniform"}) {
    TrafficConfig t = bitcomp(0.02);
    t.pattern = pat;
    t.measure_cycles = 20000;
    TrafficResult z = run_traffic(express, t);
    EXPECT_NEAR(z.avg_packet_latency, 5 * z.avg_hops + 2, 0.02 * z.avg_packet_latency) << pat;
  }
}

// Regression: VC allocation ordered by pool let one pool's requests take every freed escape VC;
// 14 packets of the express mesh under round-robin priority at 0.7 bit-complement were never
// delivered within 20,000 drain cycles (accepted throughput looked fine).
TEST(NocRouting, EscapeVcsDoNotStarvePackets) {
  NocConfig express = load({"booksim-iq.yaml", "express-mesh4x4.yaml"});
  ASSERT_EQ(express.router.arbitration, "round_robin");
  TrafficResult r = run_traffic(express, bitcomp(0.7));
  EXPECT_EQ(r.packets_missing, 0u);
  EXPECT_TRUE(r.stable);
  EXPECT_LT(r.max_packet_latency, 1000.0);
}

namespace {
// Zero-load latency of one 1-flit packet src -> dst.
uint64_t one_packet(const NocConfig& c, uint32_t src, uint32_t dst) {
  Engine e(c);
  uint64_t lat = 0;
  e.on_delivered = [&](uint32_t, const Packet& p) { lat = p.ejected - p.created; };
  e.send(src, dst, 1, 0, 0, 1);
  e.run_until(10000);
  return lat;
}

NocConfig triangle(uint32_t direct_latency) {
  NocConfig c;
  imcvp::config::apply_text(
      c,
      "topology: custom\n"
      "graph_nodes: [{id: 0, x_mm: 0}, {id: 1, x_mm: 1.5}, {id: 2, x_mm: 3}]\n"
      "graph_links: [{a: 0, b: 1}, {a: 1, b: 2}, {a: 0, b: 2, latency_cycles: " +
          std::to_string(direct_latency) + "}]\n",
      "triangle.yaml");
  return c;
}
}  // namespace

// Item 3 of issue 17: links with a latency of their own; `min` routes by latency.
TEST(NocLinks, PerLinkLatencyIsSimulatedAndRoutedAround) {
  NocConfig fast = triangle(1), slow = triangle(3), very = triangle(20);
  EXPECT_EQ(Topology(fast).path(0, 2), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(Topology(slow).path(0, 2), (std::vector<uint32_t>{0, 2}));  // 4 + 3 < 2 x (4 + 1)
  EXPECT_EQ(Topology(very).path(0, 2), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(Topology(slow).distance(0, 2), 7u);
  uint64_t l1 = one_packet(fast, 0, 2), l3 = one_packet(slow, 0, 2), l20 = one_packet(very, 0, 2);
  EXPECT_EQ(l3, l1 + 2);   // two more cycles on the wire
  EXPECT_EQ(l20, l1 + 5);  // one more router (5 cycles) instead of the slow link
}

TEST(NocLinks, WireDelayFromFloorplanLength) {
  NocConfig mesh;
  mesh.router.vnets = 1;
  uint64_t base = one_packet(mesh, 0, 3);  // 3 links of 1.5 mm
  mesh.wire_delay_cycles_per_mm = 1.0;     // 1.5 mm -> 2 cycles
  EXPECT_EQ(one_packet(mesh, 0, 3), base + 3);
  NocConfig torus;
  apply_topology_spec(torus, "torus:4x4");
  torus.router.vnets = 1;
  uint64_t tb = one_packet(torus, 0, 1);
  torus.wire_delay_cycles_per_mm = 1.0;  // folded torus: every link 3 mm -> 3 cycles
  EXPECT_EQ(one_packet(torus, 0, 1), tb + 2);
  // Positions missing: a clear error naming the link.
  NocConfig c;
  imcvp::config::apply_text(c,
                            "topology: custom\nwire_delay_cycles_per_mm: 0.5\n"
                            "graph_nodes: [{id: 0}, {id: 1}]\ngraph_links: [{a: 0, b: 1}]\n",
                            "nopos.yaml");
  try {
    Topology t(c);
    FAIL() << "no error";
  } catch (const NocError& e) {
    EXPECT_NE(std::string(e.what()).find("graph_links[0]: link 0-1 has no length"),
              std::string::npos)
        << e.what();
  }
  // An explicit latency needs no position.
  c.graph_links[0].latency_cycles = 4;
  EXPECT_EQ(Topology(c).port(0, 1).latency, 4u);
}
