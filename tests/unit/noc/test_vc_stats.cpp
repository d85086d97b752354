// Per-VC link statistics of traffic mode (`imcvp traffic --vc-stats`, issue 17 item 5): flits per
// cycle on every VC of every link and the average flits buffered in the receiving input VC.
#include <gtest/gtest.h>

#include "models/noc/engine.h"
#include "models/noc/traffic.h"

using namespace imcvp::noc;

namespace {
NocConfig mesh(uint32_t x, uint32_t y) {
  NocConfig c;
  c.size_x = x;
  c.size_y = y;
  c.router.vnets = 1;
  return c;
}
}  // namespace

// The per-VC figures add up to the per-link ones, and turning them on changes no result.
TEST(NocVcStats, VcsSumToTheLinkAndChangeNothing) {
  NocConfig c = mesh(4, 4);
  TrafficConfig t;
  t.injection_rate = 0.3;
  t.packet_flits = 4;
  t.warmup_cycles = 500;
  t.measure_cycles = 3000;
  t.seed = 3;
  const TrafficResult off = run_traffic(c, t);
  t.per_vc = true;
  const TrafficResult on = run_traffic(c, t);
  EXPECT_EQ(on.avg_packet_latency, off.avg_packet_latency);
  EXPECT_EQ(on.accepted, off.accepted);
  EXPECT_EQ(on.cycles, off.cycles);
  EXPECT_EQ(on.flit_hops, off.flit_hops);
  ASSERT_EQ(on.links.size(), 48u);  // 24 bidirectional mesh links
  double busiest_vc = 0, occupied = 0;
  for (size_t i = 0; i < on.links.size(); ++i) {
    const auto& l = on.links[i];
    EXPECT_TRUE(off.links[i].vc_utilisation.empty());
    ASSERT_EQ(l.vc_utilisation.size(), c.router.vcs);
    ASSERT_EQ(l.vc_occupancy.size(), c.router.vcs);
    double sum = 0;
    for (uint32_t v = 0; v < c.router.vcs; ++v) {
      EXPECT_GE(l.vc_utilisation[v], 0.0);
      EXPECT_GE(l.vc_occupancy[v], 0.0);
      // A VC buffer holds at most buffer_depth_flits.
      EXPECT_LE(l.vc_occupancy[v], double(c.router.buffer_depth_flits));
      sum += l.vc_utilisation[v];
      busiest_vc = std::max(busiest_vc, l.vc_utilisation[v]);
      occupied += l.vc_occupancy[v];
    }
    EXPECT_NEAR(sum, l.utilisation, 1e-12) << l.from << "->" << l.to;
    EXPECT_EQ(l.utilisation, off.links[i].utilisation);
  }
  EXPECT_GT(busiest_vc, 0.0);
  EXPECT_GT(occupied, 0.0);
}

// Occupancy is exact: one flit waits the routing and VC allocation delays in each input VC it
// passes (it leaves in the cycle switch allocation may start; SA and ST count on the way to the
// next router), and the input VCs of a router add up to its buffer occupancy integral.
TEST(NocVcStats, OccupancyIsTheFlitsResidenceTime) {
  NocConfig c = mesh(3, 1);
  c.router.routing_delay_cycles = 3;
  c.router.vc_alloc_delay_cycles = 2;
  c.router.sw_alloc_delay_cycles = 1;
  Engine e(c);
  e.set_track_vcs(true);
  e.reset_stats();
  e.send(0, 2, 1, 0, 0, 1);  // 0 -> 1 -> 2
  e.run_until(200);
  e.sync_stats();
  const auto& st = e.stats();
  const uint32_t ports = e.topology().ports(), vcs = e.vcs();
  const uint64_t residence = 3 + 2;  // routing + VC allocation delays
  uint64_t link_flits = 0;
  for (uint32_t r = 0; r < 3; ++r) {
    uint64_t router_sum = 0;
    for (uint32_t p = 0; p < ports; ++p)
      for (uint32_t v = 0; v < vcs; ++v) {
        const size_t i = (size_t(r) * ports + p) * vcs + v;
        router_sum += e.vc_flit_cycles(i);
        if (p != Topology::kLocal) link_flits += st.vc_flits[i];
        EXPECT_TRUE(e.vc_flit_cycles(i) == 0 || e.vc_flit_cycles(i) == residence)
            << "router " << r << " port " << p << " vc " << v << ": " << e.vc_flit_cycles(i);
      }
    EXPECT_EQ(router_sum, st.buffer_flit_cycles[r]) << "router " << r;
    EXPECT_EQ(router_sum, residence) << "router " << r;
  }
  EXPECT_EQ(link_flits, 2u);  // links 0->1 and 1->2
}

// Flits buffered at a reset count from the reset on, and untracked engines keep no vectors.
TEST(NocVcStats, ResetWhileFlitsAreBufferedAndOffByDefault) {
  NocConfig c = mesh(2, 1);
  c.router.routing_delay_cycles = 10;
  Engine e(c);
  EXPECT_TRUE(e.stats().vc_occupancy.empty());
  EXPECT_EQ(e.vc_flit_cycles(0), 0u);
  e.set_track_vcs(true);
  e.send(0, 1, 1, 0, 0, 1);
  e.run_until(5);  // the flit waits in router 0's local input VC (routing takes 10 cycles)
  e.reset_stats();
  e.run_until(8);
  uint64_t sum = 0;
  for (size_t i = 0; i < e.stats().vc_occupancy.size(); ++i) sum += e.vc_flit_cycles(i);
  EXPECT_EQ(sum, 3u);  // one flit, cycles 5..8
  e.sync_stats();
  EXPECT_EQ(e.stats().buffer_flit_cycles[0], 3u);
}
