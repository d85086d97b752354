// Beyond the 4x4 BookSim reference: analytic checks on larger and other topologies. Under
// uniform traffic the mean hop count has a closed form; at zero load every router costs its
// pipeline (RC, VA, SA, ST + link = 5 cycles with the default 1-cycle stages) and a packet of L
// flits adds L - 1 serialisation cycles; the mesh saturates below its bisection bound 4/k
// (Dally & Towles, Principles and Practices of Interconnection Networks, ch. 3).
#include <gtest/gtest.h>

#include <string>

#include "models/noc/traffic.h"

using namespace imcvp::noc;

namespace {

NocConfig synthetic(const std::string& topo) {
  NocConfig c;  // the default router: 1-cycle stages, 8 VCs x 4 flits
  apply_topology_spec(c, topo);
  c.router.vnets = 1;
  return c;
}

TrafficResult run(const NocConfig& c, double rate, uint32_t flits, uint64_t measure = 6000) {
  TrafficConfig t;
  t.injection_rate = rate;
  t.packet_flits = flits;
  t.warmup_cycles = 1000;
  t.measure_cycles = measure;
  t.seed = 5;
  return run_traffic(c, t);
}

// Mean routers traversed under uniform traffic (self included, as BookSim's uniform).
double mesh_hops(double k) {
  return 1 + 2 * (k * k - 1) / (3 * k);
}  // 2 dims x (k^2-1)/(3k)
double torus_hops(double k) {
  return 1 + 2 * (k / 4);
}  // k even: mean ring distance
double ring_hops(double n) {
  return 1 + n / 4;
}

struct Case {
  const char* topo;
  double hops;
};

class NocScaling : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(NocScaling, HopsAndZeroLoadLatencyFollowTheFormulas) {
  const Case& c = GetParam();
  for (uint32_t flits : {1u, 4u}) {
    TrafficResult r = run(synthetic(c.topo), 0.02, flits, 20000);
    ASSERT_TRUE(r.stable) << c.topo;
    EXPECT_NEAR(r.avg_hops, c.hops, 0.02 * c.hops) << c.topo;
    // The measured hops, not the formula's, so the per-router cost is checked exactly.
    const double zero_load = 5 * r.avg_hops + 2 + (flits - 1);
    EXPECT_NEAR(r.avg_packet_latency, zero_load, 0.015 * zero_load) << c.topo << " " << flits;
  }
}

INSTANTIATE_TEST_SUITE_P(Topologies, NocScaling,
                         ::testing::Values(Case{"mesh:8x8", mesh_hops(8)},
                                           Case{"mesh:6x6", mesh_hops(6)},
                                           Case{"torus:8x8", torus_hops(8)},
                                           Case{"ring:16", ring_hops(16)}),
                         [](const auto& info) {
                           std::string s = info.param.topo;
                           for (char& ch : s)
                             if (ch == ':') ch = '_';
                           return s;
                         });

TEST(NocScaling, MeshSaturatesBelowItsBisectionBound) {
  // 8x8 mesh, uniform: the bisection bound is 4/k = 0.5 flits/node/cycle. XY routing with
  // finite VCs reaches 75-95% of it; accepted throughput stays there past saturation.
  const NocConfig c = synthetic("mesh:8x8");
  TrafficConfig t;
  t.warmup_cycles = 1000;
  t.measure_cycles = 3000;
  t.drain_cycles = 0;
  t.seed = 5;
  t.injection_rate = 0.6;
  const double at_06 = run_traffic(c, t).accepted;
  t.injection_rate = 0.9;
  const double at_09 = run_traffic(c, t).accepted;
  EXPECT_GT(at_06, 0.75 * 0.5);
  EXPECT_LT(at_06, 0.95 * 0.5);
  EXPECT_GT(at_09, 0.95 * at_06);
}
