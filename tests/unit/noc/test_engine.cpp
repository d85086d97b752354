// Flit-level engine: zero-load timing, conservation, determinism, idle skipping, flow control
// variants, and run-time deadlock detection.
#include <gtest/gtest.h>

#include "models/common/config.h"
#include "models/noc/engine.h"
#include "models/noc/traffic.h"

using namespace imcvp::noc;

namespace {

// Sends one packet into an otherwise empty network and returns its latency.
uint64_t lone_latency(const NocConfig& c, uint32_t src, uint32_t dst, uint32_t flits,
                      uint32_t* hops = nullptr) {
  Engine e(c);
  uint64_t lat = 0;
  e.on_delivered = [&](uint32_t, const Packet& p) {
    lat = p.ejected - p.created;
    if (hops) *hops = p.hops;
  };
  e.send(src, dst, flits, 0, 0, 10);
  e.run_until(100000);
  EXPECT_TRUE(e.idle());
  return lat;
}

}  // namespace

TEST(NocEngine, ZeroLoadLatencyFollowsThePipeline) {
  NocConfig c;  // 1-cycle stages, link 1, NI delay 1: 5 cycles per router + 2
  uint32_t hops = 0;
  EXPECT_EQ(lone_latency(c, 0, 15, 1, &hops), 5u * 7 + 2);
  EXPECT_EQ(hops, 7u);
  EXPECT_EQ(lone_latency(c, 5, 5, 1), 5u * 1 + 2);       // to itself: through its own router
  EXPECT_EQ(lone_latency(c, 0, 15, 4), 5u * 7 + 2 + 3);  // + serialisation
  c.router.routing_delay_cycles = 0;
  c.router.link_latency_cycles = 3;
  c.router.ni_delay_cycles = 0;
  // per router 0+1+1+1+3 = 6, injection link 3
  EXPECT_EQ(lone_latency(c, 0, 3, 1), 6u * 4 + 3);
}

TEST(NocEngine, ConservesPacketsUnderLoadAndIsDeterministic) {
  NocConfig c;
  c.router.vnets = 1;
  TrafficConfig t;
  t.injection_rate = 0.3;
  t.warmup_cycles = 200;
  t.measure_cycles = 2000;
  t.seed = 7;
  auto a = run_traffic(c, t);
  auto b = run_traffic(c, t);
  EXPECT_TRUE(a.stable);
  EXPECT_GT(a.packets, 1000u);
  EXPECT_EQ(a.packets, b.packets);
  EXPECT_DOUBLE_EQ(a.avg_packet_latency, b.avg_packet_latency);
  EXPECT_DOUBLE_EQ(a.p99_packet_latency, b.p99_packet_latency);
  EXPECT_NEAR(a.accepted, 0.3, 0.03);
  t.seed = 8;
  auto d = run_traffic(c, t);
  EXPECT_NE(a.avg_packet_latency, d.avg_packet_latency);
  // Latency grows with load; hops of uniform 4x4 traffic (self included) = 2.5 + 1 routers.
  EXPECT_NEAR(a.avg_hops, 3.5, 0.1);
  t.injection_rate = 0.02;
  auto low = run_traffic(c, t);
  EXPECT_LT(low.avg_packet_latency, a.avg_packet_latency);
  EXPECT_GE(low.p99_packet_latency, low.p50_packet_latency);
  EXPECT_GE(low.max_packet_latency, low.p99_packet_latency);
}

TEST(NocEngine, AllPatternsAndTopologiesDeliver) {
  for (std::string spec : {"mesh:4x4", "torus:4x4", "ring:8", "crossbar:8", "tree:16:4"}) {
    for (std::string pat : {"uniform", "bitcomp", "bitrev", "shuffle", "tornado", "neighbor",
                            "hotspot", "transpose"}) {
      NocConfig c;
      apply_topology_spec(c, spec);
      c.router.vnets = 1;
      if (pat == "transpose" && c.size_x != c.size_y && (spec[0] == 'm' || spec[0] == 't'))
        continue;
      if (pat == "transpose" && !(spec[0] == 'm' || spec.rfind("torus", 0) == 0)) {
        TrafficConfig t;
        t.pattern = pat;
        Topology topo(c);
        EXPECT_THROW(Pattern(topo, t), NocError) << spec;
        continue;
      }
      TrafficConfig t;
      t.pattern = pat;
      t.injection_rate = 0.05;
      t.packet_flits = 2;
      t.warmup_cycles = 100;
      t.measure_cycles = 500;
      auto r = run_traffic(c, t);
      EXPECT_TRUE(r.stable) << spec << " " << pat;
      EXPECT_GT(r.packets, 0u) << spec << " " << pat;
    }
  }
  NocConfig c;
  apply_topology_spec(c, "ring:6");
  TrafficConfig t;
  t.pattern = "bitcomp";
  EXPECT_THROW(Pattern(Topology(c), t), NocError);
}

TEST(NocEngine, WestFirstAndVirtualCutThrough) {
  NocConfig c;
  c.routing = "west_first";
  c.router.vnets = 1;
  TrafficConfig t;
  t.injection_rate = 0.3;
  t.packet_flits = 4;
  t.warmup_cycles = 200;
  t.measure_cycles = 2000;
  auto r = run_traffic(c, t);
  EXPECT_TRUE(r.stable);
  EXPECT_NEAR(r.accepted, 0.3, 0.03);
  c.routing = "xy";
  c.router.flow_control = "vct";
  r = run_traffic(c, t);
  EXPECT_TRUE(r.stable);
  t.packet_flits = 8;  // larger than a 4-flit buffer: cannot cut through
  EXPECT_THROW(run_traffic(c, t), NocError);
}

TEST(NocEngine, IdleNetworkCostsNothing) {
  NocConfig c;
  Engine e(c);
  EXPECT_TRUE(e.idle());
  e.run_until(1'000'000'000ull);  // a billion idle cycles: one step
  EXPECT_EQ(e.now(), 1'000'000'000ull);
  EXPECT_EQ(e.stats().router_cycles, 0u);
  e.send(0, 3, 1, 0, 0, e.now() + 1);
  e.run_until(e.now() + 1000);
  EXPECT_EQ(e.stats().packets_delivered, 1u);
  // Only the 4 routers on the path were evaluated, 4 cycles each (RC+VA, VA->SA, SA; the
  // router goes idle once its flit left).
  EXPECT_LE(e.stats().router_cycles, 4u * 3);
}

TEST(NocEngine, StatsCountLinksEnergyAndMatrix) {
  NocConfig c;
  c.energy.model = "constant";  // the per-bit constants as given (parametric: noc_power.h)
  Engine e(c);
  e.send(0, 2, 3, 0, 0, 1);  // 3 flits, 0 -> 1 -> 2
  e.run_until(200);
  const auto& s = e.stats();
  EXPECT_EQ(s.flit_router_traversals, 9u);
  EXPECT_EQ(s.flit_link_traversals, 6u);
  EXPECT_EQ(s.link_flits[0 * 5 + 1], 3u);  // router 0, +x port
  EXPECT_EQ(s.matrix_packets(2), 1u);
  EXPECT_EQ(s.matrix_flits(2), 3u);
  EXPECT_EQ(s.matrix.size(), 1u);  // sparse: only the pair that carried traffic
  double bits = 128;
  EXPECT_NEAR(s.energy_buffer_pj + s.energy_alloc_pj + s.energy_crossbar_pj, 9 * bits * 0.5, 1e-6);
  EXPECT_NEAR(s.energy_link_pj, 6 * bits * 0.15 * 1.5, 1e-6);
}

TEST(NocEngine, DeadlockIsDetectedAndReported) {
  // A 4-node ring routed clockwise only, one VC of one flit: long packets from every node
  // fill the ring and wait on each other.
  NocConfig c;
  std::string y =
      "topology: custom\nallow_cyclic_routes: true\ndeadlock_window_cycles: 500\n"
      "router: {vcs: 1, buffer_depth_flits: 1, vnets: 1}\n"
      "graph_nodes: [{id: 0}, {id: 1}, {id: 2}, {id: 3}]\n"
      "graph_links: [{a: 0, b: 1}, {a: 1, b: 2}, {a: 2, b: 3}, {a: 3, b: 0}]\n"
      "graph_routes:\n";
  for (int n = 0; n < 4; ++n)
    for (int d = 0; d < 4; ++d)
      if (n != d)
        y += "  - {node: " + std::to_string(n) + ", dst: " + std::to_string(d) +
             ", next: " + std::to_string((n + 1) % 4) + "}\n";
  imcvp::config::apply_text(c, y, "ring.yaml");
  Engine e(c);
  for (uint32_t n = 0; n < 4; ++n) e.send(n, (n + 3) % 4, 20, 0, 0, 1);
  try {
    e.run_until(100000);
    FAIL() << "no deadlock reported";
  } catch (const NocError& err) {
    std::string m = err.what();
    EXPECT_NE(m.find("deadlock"), std::string::npos) << m;
    EXPECT_NE(m.find("router"), std::string::npos) << m;
    EXPECT_LT(e.now(), 2000u);
  }
}

// Regression: a delivery callback that sends (a reply) may grow the engine's packet table; the
// engine must not keep using the delivered packet's old address afterwards (caught by ASan
// before the fix).
TEST(NocEngine, DeliveryCallbackMaySendReplies) {
  NocConfig c;
  c.router.vnets = 2;
  Engine e(c);
  uint64_t replies = 0, requests = 0;
  e.on_delivered = [&](uint32_t, const Packet& p) {
    if (p.vnet == 1) {
      ++replies;
      return;
    }
    ++requests;
    const uint32_t src = p.src, dst = p.dst;  // p is invalid after the first send
    const uint64_t at = p.ejected + 1;
    for (int k = 0; k < 3; ++k) e.send(dst, src, 2, 1, 0, at);  // grows the table
  };
  for (uint32_t i = 0; i < 16; ++i) e.send(i, 15 - i, 1, 0, 0, 1);
  e.run_until(100000);
  EXPECT_EQ(requests, 16u);
  EXPECT_EQ(replies, 48u);
  EXPECT_TRUE(e.idle());
}
