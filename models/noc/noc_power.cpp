#include "models/noc/noc_power.h"

#include "models/common/tech_scaling.h"
#include "models/noc/topology.h"

namespace imcvp::noc {

namespace {
// ---- constants at 45 nm (kRefNodeNm) ----
constexpr double kRefNodeNm = 45.0;
// Buffer write + read per flit bit: 0.15 pJ plus 0.1 pJ per 32 entries on the bit lines, so
// the SoC's default router (8 VCs x 4 flits) charges ORION 2.0's buffer share of Noxim's and
// DSENT's ~0.5 pJ/bit per router traversal at 45 nm (half of it; Kahng et al., DATE 2009).
constexpr double kBufBitPj = 0.15;
constexpr double kBufBitPerEntryPj = 0.1 / 32.0;
// Crossbar traversal per bit: 0.2 pJ for a 5-port, 128-bit crossbar (ORION 2.0's ~40 % share),
// proportional to the wire length P*W of a matrix crossbar.
constexpr double kXbarBitPj = 0.2;
constexpr double kXbarRefPortsBits = 5.0 * 128.0;
// Allocation per flit: 6.4 pJ (0.05 pJ/bit x 128 bits, ~10 %) for P*V = 40 requesters.
constexpr double kAllocFlitPj = 6.4;
constexpr double kAllocRefReq = 40.0;
// Register-file buffer bit with its read/write ports and decoders: ~2 um^2 at 45 nm (the
// Nangate 45 nm DFF_X1 is 4.5 um^2, a 6T SRAM bit 0.346 um^2 (Intel 45 nm, Mistry et al.,
// IEDM 2007); a 2-port register file sits between: estimate).
constexpr double kBufBitUm2 = 2.0;
// Crossbar wire pitch: 0.28 um (an intermediate metal layer pitch at 45 nm; Mistry et al.,
// IEDM 2007, M2-M4 pitch 0.16-0.24 um, wider for lower resistance): area (P*W*pitch)^2.
constexpr double kXbarPitchUm = 0.28;
// Allocator: ~6 two-input gates per (requester x resource) of a separable allocator's matrix
// arbiters at 0.8 um^2 each (Nangate 45 nm NAND2_X1 0.798 um^2).
constexpr double kAllocGateUm2 = 0.8 * 6.0;
// Repeated link wire per bit per mm: the existing 0.15 pJ/bit/mm (Keckler et al., IEEE Micro
// 31(5), 2011: 0.1-0.2 pJ/bit/mm) at 45 nm; two repeaters per mm of ~10 um^2 each (a 40x
// inverter at 45 nm; Ho, Mai & Horowitz, Proc. IEEE 89(4), 2001 put the optimal repeater
// spacing near 0.5 mm for intermediate wires).
constexpr double kLinkBitMmPj = 0.15;
constexpr double kRepeaterUm2PerBitMm = 20.0;
// Leakage density is given at this node (noc.energy.leakage_mw_per_mm2).
constexpr double kLeakNodeNm = 14.0;
}  // namespace

double leakage_density_mw_per_mm2(const EnergyConfig& e) {
  return e.leakage_mw_per_mm2 * tech::power_scale(kLeakNodeNm, e.node_nm) /
         tech::area_scale(kLeakNodeNm, e.node_nm);
}

RouterPower router_power(const RouterGeometry& g, const EnergyConfig& e) {
  const double es = tech::energy_scale(kRefNodeNm, e.node_nm);
  const double as = tech::area_scale(kRefNodeNm, e.node_nm);
  const double P = g.ports, V = g.vcs, D = g.depth, W = g.flit_bits;
  RouterPower r;
  r.e_buffer_pj = W * (kBufBitPj + kBufBitPerEntryPj * V * D) * es;
  r.e_crossbar_pj = W * kXbarBitPj * (P * W / kXbarRefPortsBits) * es;
  r.e_alloc_pj = kAllocFlitPj * (P * V / kAllocRefReq) * es;
  r.area_buffer_mm2 = P * V * D * W * kBufBitUm2 * 1e-6 * as;
  const double side_um = P * W * kXbarPitchUm;
  r.area_crossbar_mm2 = side_um * side_um * 1e-6 * as;
  r.area_alloc_mm2 = (P * V) * (P * V) * kAllocGateUm2 * 1e-6 * as;
  r.static_mw = leakage_density_mw_per_mm2(e) * r.area_mm2();
  return r;
}

LinkPower link_power(double length_mm, uint32_t flit_bits, const EnergyConfig& e) {
  LinkPower l;
  l.e_flit_pj = kLinkBitMmPj * tech::energy_scale(kRefNodeNm, e.node_nm) * length_mm * flit_bits;
  l.area_mm2 =
      kRepeaterUm2PerBitMm * flit_bits * length_mm * 1e-6 * tech::area_scale(kRefNodeNm, e.node_nm);
  l.static_mw = leakage_density_mw_per_mm2(e) * l.area_mm2;
  return l;
}

void apply_power_model(NocConfig& cfg, const Topology& topo) {
  auto& e = cfg.energy;
  if (e.model_kind() != EnergyModel::parametric) return;
  const RouterGeometry g{topo.ports(), cfg.router.vcs, cfg.router.buffer_depth_flits,
                         cfg.router.link_width_bits};
  const RouterPower r = router_power(g, e);
  const double w = g.flit_bits;
  e.buffer_pj_per_bit = r.e_buffer_pj / w;
  e.alloc_pj_per_bit = r.e_alloc_pj / w;
  e.crossbar_pj_per_bit = r.e_crossbar_pj / w;
  e.link_pj_per_bit_mm = kLinkBitMmPj * tech::energy_scale(kRefNodeNm, e.node_nm);
}

NetworkPower network_power(const NocConfig& cfg, const Topology& topo) {
  NetworkPower n;
  const RouterGeometry g{topo.ports(), cfg.router.vcs, cfg.router.buffer_depth_flits,
                         cfg.router.link_width_bits};
  n.router = router_power(g, cfg.energy);
  n.router_area_mm2 = n.router.area_mm2() * topo.nodes();
  n.router_static_mw = n.router.static_mw * topo.nodes();
  n.links.assign(size_t(topo.nodes()) * topo.ports(), LinkPower{});
  for (uint32_t r = 0; r < topo.nodes(); ++r)
    for (uint32_t p = 1; p < topo.ports(); ++p) {
      const auto& pt = topo.port(r, p);
      if (pt.peer == Topology::kNone) continue;
      LinkPower l = link_power(pt.length_mm, g.flit_bits, cfg.energy);
      n.link_area_mm2 += l.area_mm2;
      n.link_static_mw += l.static_mw;
      n.links[size_t(r) * topo.ports() + p] = l;
    }
  return n;
}

}  // namespace imcvp::noc
