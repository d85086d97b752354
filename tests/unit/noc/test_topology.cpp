// Topology construction, routing paths and load-time rejection of bad NoC descriptions.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <vector>

#include "models/common/config.h"
#include "models/noc/engine.h"
#include "models/noc/topology.h"

using namespace imcvp::noc;

namespace {

NocConfig custom(const std::string& yaml) {
  NocConfig c;
  imcvp::config::apply_text(c, yaml, "test.yaml");
  return c;
}

std::string error_of(const NocConfig& c) {
  try {
    Topology t(c);
  } catch (const NocError& e) {
    return e.what();
  }
  return "";
}

const char* kSquare = R"(
topology: custom
graph_nodes: [{id: 0}, {id: 1}, {id: 2}, {id: 3}]
graph_links: [{a: 0, b: 1}, {a: 1, b: 2}, {a: 2, b: 3}, {a: 3, b: 0}]
)";

}  // namespace

TEST(NocTopology, MeshXyAndYxPaths) {
  NocConfig c;
  c.size_x = 4;
  c.size_y = 4;
  Topology xy(c);
  EXPECT_EQ(xy.nodes(), 16u);
  // (0,0) -> (2,1): x first, then y.
  EXPECT_EQ(xy.path(0, 6), (std::vector<uint32_t>{0, 1, 2, 6}));
  c.routing = "yx";
  Topology yx(c);
  EXPECT_EQ(yx.path(0, 6), (std::vector<uint32_t>{0, 4, 5, 6}));
  EXPECT_EQ(xy.path(5, 5), (std::vector<uint32_t>{5}));
}

TEST(NocTopology, TorusTakesWrapLinkWithDatelineClass) {
  NocConfig c;
  c.topology = "torus";
  c.size_x = 4;
  c.size_y = 1;
  Topology t(c);
  EXPECT_EQ(t.classes(), 2u);
  // 0 -> 3 is one hop backwards over the wrap link.
  EXPECT_EQ(t.path(0, 3), (std::vector<uint32_t>{0, 3}));
  Topology::Candidates cand;
  t.route(0, 0, 3, 0, cand);
  EXPECT_EQ(cand.c[0].cls, 1);  // on the wrap link: dateline class
  t.route(1, 1, 2, 0, cand);
  EXPECT_EQ(cand.c[0].cls, 0);
  // 3 -> 1 goes + over the wrap 3->0, then 0->1 stays in class 1.
  EXPECT_EQ(t.path(3, 1), (std::vector<uint32_t>{3, 0, 1}));
  t.route(0, 3, 1, 0, cand);
  EXPECT_EQ(cand.c[0].cls, 1);
}

TEST(NocTopology, RingCrossbarTreeReachEverything) {
  for (std::string spec : {"ring:7", "crossbar:6", "tree:13:3", "torus:3x5", "mesh:5x3"}) {
    NocConfig c;
    apply_topology_spec(c, spec);
    if (c.topology == "torus" || c.topology == "ring") c.router.vcs = 4;
    Topology t(c);
    for (uint32_t s = 0; s < t.nodes(); ++s)
      for (uint32_t d = 0; d < t.nodes(); ++d) {
        auto p = t.path(s, d);
        ASSERT_EQ(p.back(), d) << spec << " " << s << "->" << d;
        ASSERT_LE(p.size(), t.nodes()) << spec;
      }
  }
  NocConfig c;
  apply_topology_spec(c, "crossbar:6");
  EXPECT_EQ(Topology(c).path(4, 2).size(), 2u);  // one hop
  apply_topology_spec(c, "tree:7:2");
  EXPECT_EQ(Topology(c).path(3, 6), (std::vector<uint32_t>{3, 1, 0, 2, 6}));
}

TEST(NocTopology, CustomGraphUsesUpDownShortestPaths) {
  NocConfig c = custom(kSquare);
  c.routing = "updown";  // custom graphs default to min (tests/unit/noc/test_routing.cpp)
  Topology t(c);
  // Levels from root 0: 1 and 3 at level 1, 2 at level 2. 1 -> 3 must not turn down->up.
  auto p = t.path(1, 3);
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.back(), 3u);
  EXPECT_EQ(t.path(2, 0).size(), 3u);
}

TEST(NocTopology, SpecParsing) {
  NocConfig c;
  apply_topology_spec(c, "torus:8x4");
  EXPECT_EQ(c.topology, "torus");
  EXPECT_EQ(c.size_x, 8u);
  EXPECT_EQ(c.size_y, 4u);
  apply_topology_spec(c, "tree:21:4");
  EXPECT_EQ(c.nodes, 21u);
  EXPECT_EQ(c.tree_arity, 4u);
  for (std::string bad : {"mesh", "mesh:8", "mesh:0x4", "blob:4", "ring:x", "ring:4:2"})
    EXPECT_THROW(apply_topology_spec(c, bad), NocError) << bad;
}

TEST(NocBadInput, DisconnectedGraph) {
  auto c = custom(R"(
topology: custom
graph_nodes: [{id: 0}, {id: 1}, {id: 2}, {id: 3}]
graph_links: [{a: 0, b: 1}, {a: 2, b: 3}]
)");
  std::string e = error_of(c);
  EXPECT_NE(e.find("disconnected"), std::string::npos) << e;
  EXPECT_NE(e.find("2, 3"), std::string::npos) << e;
}

TEST(NocBadInput, LinkToUnknownNodeAndDuplicates) {
  auto c = custom(R"(
topology: custom
graph_nodes: [{id: 0}, {id: 1}]
graph_links: [{a: 0, b: 5}]
)");
  EXPECT_NE(error_of(c).find("unknown node 5"), std::string::npos) << error_of(c);
  c = custom("topology: custom\ngraph_nodes: [{id: 0}, {id: 0}]\n");
  EXPECT_NE(error_of(c).find("given twice"), std::string::npos);
  c = custom(
      "topology: custom\ngraph_nodes: [{id: 0}, {id: 1}]\n"
      "graph_links: [{a: 0, b: 1}, {a: 1, b: 0}]\n");
  EXPECT_NE(error_of(c).find("duplicate link"), std::string::npos);
  c = custom("topology: custom\ngraph_nodes: [{id: 0}]\ngraph_links: [{a: 0, b: 0}]\n");
  EXPECT_NE(error_of(c).find("to itself"), std::string::npos);
  c = custom("topology: custom\n");
  EXPECT_NE(error_of(c).find("at least one node"), std::string::npos);
}

TEST(NocBadInput, RoutingTableDeadEndCycleAndDependencyCycle) {
  std::string base = std::string(kSquare);
  // Dead end: no entry at node 1 for destination 2.
  auto c = custom(base + "graph_routes: [{node: 0, dst: 2, next: 1}]\n");
  std::string e = error_of(c);
  EXPECT_NE(e.find("dead end"), std::string::npos) << e;
  // Not a neighbour.
  c = custom(base + "graph_routes: [{node: 0, dst: 2, next: 2}]\n");
  EXPECT_NE(error_of(c).find("not a neighbour"), std::string::npos);
  // Cycle: 0 -> 3 -> 0 for destination 1.
  c = custom(base + "graph_routes: [{node: 0, dst: 1, next: 3}, {node: 3, dst: 1, next: 0}]\n");
  e = error_of(c);
  EXPECT_NE(e.find("routing cycle"), std::string::npos) << e;
  // Complete clockwise table: every route is valid but channel dependencies close the ring.
  std::string routes = "graph_routes:\n";
  for (int n = 0; n < 4; ++n)
    for (int d = 0; d < 4; ++d)
      if (n != d)
        routes += "  - {node: " + std::to_string(n) + ", dst: " + std::to_string(d) +
                  ", next: " + std::to_string((n + 1) % 4) + "}\n";
  c = custom(base + routes);
  e = error_of(c);
  EXPECT_NE(e.find("channel dependency cycle"), std::string::npos) << e;
  c.allow_cyclic_routes = true;
  EXPECT_EQ(error_of(c), "");
}

TEST(NocBadInput, ZeroVcsBuffersAndTooFewVcs) {
  NocConfig c;
  c.router.vcs = 0;
  EXPECT_NE(error_of(c).find("vcs"), std::string::npos);
  c = NocConfig{};
  c.router.buffer_depth_flits = 0;
  EXPECT_NE(error_of(c).find("buffer_depth_flits"), std::string::npos);
  c = NocConfig{};
  c.topology = "torus";
  c.router.vcs = 2;  // 2 vnets x 2 dateline classes needed
  EXPECT_NE(error_of(c).find("need at least 4"), std::string::npos) << error_of(c);
  c = NocConfig{};
  c.topology = "ring";
  c.routing = "west_first";
  c.router.vcs = 4;
  EXPECT_NE(error_of(c).find("west_first"), std::string::npos);
  // The YAML layer rejects zero before the topology sees it.
  NocConfig y;
  EXPECT_THROW(imcvp::config::apply_text(y, "router: {vcs: 0}", "t.yaml"),
               imcvp::config::ConfigError);
  EXPECT_THROW(imcvp::config::apply_text(y, "router: {buffer_depth_flits: 0}", "t.yaml"),
               imcvp::config::ConfigError);
}

TEST(NocBadInput, UnknownNodesInPackets) {
  NocConfig c;
  Engine e(c);
  EXPECT_THROW(e.send(0, 16, 1, 0, 0, 1), NocError);
  EXPECT_THROW(e.send(17, 0, 1, 0, 0, 1), NocError);
  EXPECT_THROW(e.send(0, 1, 1, 2, 0, 1), NocError);  // vnet out of range
  EXPECT_THROW(e.send(0, 1, 0, 0, 0, 1), NocError);  // zero flits
}

namespace {

// Every route an adaptive mesh algorithm may take, explored exhaustively: each step offers at
// least one port, every offered port is productive (minimal), and the channel dependency graph
// over all (src, dst) pairs and choices is acyclic (deadlock-free with one VC class, Dally &
// Seitz 1987). Returns the number of distinct dependencies and the largest choice count seen.
struct AdaptiveCheck {
  size_t deps = 0;
  uint32_t max_choices = 0;
  uint64_t routes = 0;  // (pair, route) combinations walked
};

AdaptiveCheck check_adaptive(const NocConfig& c) {
  Topology t(c);
  const uint32_t n = t.nodes(), ports = t.ports();
  auto dist = [&](uint32_t a, uint32_t b) {
    int ax = int(a % c.size_x), ay = int(a / c.size_x), bx = int(b % c.size_x),
        by = int(b / c.size_x);
    return uint32_t(std::abs(ax - bx) + std::abs(ay - by));
  };
  std::vector<std::set<size_t>> dep(size_t(n) * ports);
  AdaptiveCheck r;
  for (uint32_t s = 0; s < n; ++s)
    for (uint32_t d = 0; d < n; ++d) {
      if (s == d) continue;
      // (node, channel we arrived on) stack; channel = node * ports + out port of the previous.
      std::vector<std::pair<uint32_t, size_t>> todo{{s, SIZE_MAX}};
      while (!todo.empty()) {
        auto [v, in_ch] = todo.back();
        todo.pop_back();
        if (v == d) {
          ++r.routes;
          continue;
        }
        Topology::Candidates cand;
        t.route(v, s, d, 0, cand);
        EXPECT_GE(cand.n, 1u) << "dead end at " << v << " for " << s << "->" << d;
        r.max_choices = std::max<uint32_t>(r.max_choices, cand.n);
        for (uint32_t k = 0; k < cand.n; ++k) {
          uint32_t p = cand.c[k].port;
          uint32_t w = t.port(v, p).peer;
          EXPECT_NE(w, Topology::kNone);
          EXPECT_EQ(dist(w, d) + 1, dist(v, d)) << "non-minimal hop " << v << "->" << w;
          size_t ch = size_t(v) * ports + p;
          if (in_ch != SIZE_MAX) dep[in_ch].insert(ch);
          todo.push_back({w, ch});
        }
      }
    }
  for (auto& x : dep) r.deps += x.size();
  // Cycle check (iterative colouring DFS).
  std::vector<int> colour(dep.size(), 0);
  for (size_t root = 0; root < dep.size(); ++root) {
    if (colour[root]) continue;
    std::vector<std::pair<size_t, std::set<size_t>::const_iterator>> st{{root, dep[root].begin()}};
    colour[root] = 1;
    while (!st.empty()) {
      auto& [c0, it] = st.back();
      if (it == dep[c0].end()) {
        colour[c0] = 2;
        st.pop_back();
        continue;
      }
      size_t nx = *it++;
      EXPECT_NE(colour[nx], 1) << "channel dependency cycle through channel " << nx;
      if (colour[nx] == 1) return r;
      if (colour[nx] == 0) {
        colour[nx] = 1;
        st.push_back({nx, dep[nx].begin()});
      }
    }
  }
  return r;
}

}  // namespace

TEST(NocTopology, OddEvenAndWestFirstAreMinimalAdaptiveAndDeadlockFree) {
  for (auto [x, y] : {std::pair<uint32_t, uint32_t>{4, 4}, {5, 3}, {6, 6}, {2, 7}}) {
    for (std::string alg : {"odd_even", "west_first"}) {
      NocConfig c;
      c.size_x = x;
      c.size_y = y;
      c.routing = alg;
      AdaptiveCheck r = check_adaptive(c);
      EXPECT_EQ(r.max_choices, 2u) << alg << " " << x << "x" << y;  // really adaptive
      EXPECT_GT(r.routes, uint64_t(x * y) * (x * y - 1)) << alg;    // more than one route
    }
  }
  // The turn rules themselves (columns are x): an eastbound packet that has left its source
  // column may not turn north/south in an even column; one that needs to go west may go
  // vertical first only in an even column.
  NocConfig c;
  c.routing = "odd_even";
  Topology t(c);
  Topology::Candidates cand;
  t.route(1, 0, 15, 0, cand);  // at (1,0), from (0,0) to (3,3): odd column, both allowed
  EXPECT_EQ(cand.n, 2u);
  t.route(2, 0, 15, 0, cand);  // at (2,0), from (0,0): even column, only east
  ASSERT_EQ(cand.n, 1u);
  EXPECT_EQ(cand.c[0].port, 1u);
  t.route(3, 3, 12, 0, cand);  // at (3,0) going to (0,3): odd column, only west
  ASSERT_EQ(cand.n, 1u);
  EXPECT_EQ(cand.c[0].port, 2u);
  t.route(2, 3, 12, 0, cand);  // at (2,0): even column, west or north
  EXPECT_EQ(cand.n, 2u);
  // Torus and ring refuse it like west-first.
  NocConfig bad;
  bad.topology = "ring";
  bad.routing = "odd_even";
  EXPECT_NE(error_of(bad).find("odd_even"), std::string::npos);
}
