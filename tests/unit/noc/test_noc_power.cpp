// Parametric router/link area, static power and energy (models/noc/noc_power.h).
#include <gtest/gtest.h>

#include "models/common/tech_scaling.h"
#include "models/noc/engine.h"
#include "models/noc/noc_power.h"
#include "models/noc/topology.h"

using namespace imcvp::noc;

namespace {
EnergyConfig at(double node) {
  EnergyConfig e;
  e.node_nm = node;
  return e;
}
}  // namespace

// At 45 nm the default router (5 ports, 8 VCs x 4 flits, 128 bits) is the ORION 2.0 split of
// ~0.5 pJ/bit per traversal: buffer 0.25, allocation 0.05, crossbar 0.20 pJ/bit.
TEST(NocPower, DefaultRouterAt45nmIsHalfAPicojoulePerBit) {
  const RouterPower r = router_power(RouterGeometry{}, at(45));
  EXPECT_NEAR(r.e_buffer_pj / 128, 0.25, 1e-12);
  EXPECT_NEAR(r.e_alloc_pj / 128, 0.05, 1e-12);
  EXPECT_NEAR(r.e_crossbar_pj / 128, 0.20, 1e-12);
  // Area: 20480 buffer bits x 2 um^2, (5 x 128 x 0.28 um)^2 crossbar, 40^2 x 4.8 um^2 allocator.
  EXPECT_NEAR(r.area_buffer_mm2, 20480 * 2e-6, 1e-12);
  EXPECT_NEAR(r.area_crossbar_mm2, (640 * 0.28) * (640 * 0.28) * 1e-6, 1e-12);
  EXPECT_NEAR(r.area_alloc_mm2, 1600 * 4.8e-6, 1e-12);
  EXPECT_NEAR(r.static_mw, leakage_density_mw_per_mm2(at(45)) * r.area_mm2(), 1e-12);
}

TEST(NocPower, ScalesWithPortsVcsDepthWidthAndNode) {
  const EnergyConfig e = at(45);
  const RouterPower base = router_power(RouterGeometry{}, e);
  const RouterPower wide = router_power(RouterGeometry{5, 8, 4, 256}, e);
  EXPECT_NEAR(wide.e_crossbar_pj, 4 * base.e_crossbar_pj, 1e-9);  // per bit ~ P*W, W bits
  EXPECT_NEAR(wide.area_crossbar_mm2, 4 * base.area_crossbar_mm2, 1e-12);
  const RouterPower deep = router_power(RouterGeometry{5, 8, 8, 128}, e);
  EXPECT_GT(deep.e_buffer_pj, base.e_buffer_pj);
  EXPECT_NEAR(deep.area_buffer_mm2, 2 * base.area_buffer_mm2, 1e-12);
  const RouterPower radix7 = router_power(RouterGeometry{7, 8, 4, 128}, e);
  EXPECT_NEAR(radix7.e_alloc_pj, base.e_alloc_pj * 7 / 5, 1e-9);
  const RouterPower r14 = router_power(RouterGeometry{}, at(14));
  EXPECT_NEAR(r14.e_flit_pj(), base.e_flit_pj() * imcvp::tech::energy_scale(45, 14), 1e-9);
  EXPECT_NEAR(r14.area_mm2(), base.area_mm2() * imcvp::tech::area_scale(45, 14), 1e-12);
  const LinkPower l1 = link_power(1.0, 128, e), l3 = link_power(3.0, 128, e);
  EXPECT_NEAR(l1.e_flit_pj, 0.15 * 128, 1e-9);
  EXPECT_NEAR(l3.e_flit_pj, 3 * l1.e_flit_pj, 1e-9);
  EXPECT_NEAR(l3.static_mw, 3 * l1.static_mw, 1e-12);
}

// energy.model = parametric: the engine charges the model's energy per flit-hop and per link.
TEST(NocPower, EngineChargesTheParametricModel) {
  NocConfig c;  // 4x4 mesh, parametric at 14 nm by default
  Engine e(c);
  e.send(0, 2, 3, 0, 0, 1);  // 3 flits, 0 -> 1 -> 2: 9 router traversals, 6 link traversals
  e.run_until(200);
  const auto& s = e.stats();
  const RouterPower r = router_power(RouterGeometry{5, 8, 4, 128}, c.energy);
  EXPECT_NEAR(s.energy_buffer_pj + s.energy_alloc_pj + s.energy_crossbar_pj, 9 * r.e_flit_pj(),
              1e-9);
  EXPECT_NEAR(s.energy_link_pj, 6 * link_power(c.energy.tile_pitch_mm, 128, c.energy).e_flit_pj,
              1e-9);
  const NetworkPower n = network_power(c, e.topology());
  EXPECT_NEAR(n.router_area_mm2, 16 * r.area_mm2(), 1e-12);
  // 4x4 mesh: 24 bidirectional links = 48 unidirectional ones of 1.5 mm.
  EXPECT_NEAR(n.link_area_mm2, 48 * link_power(1.5, 128, c.energy).area_mm2, 1e-12);
}
