// Parametric area, static power and dynamic energy of NoC routers and links (docs/noc-model.md,
// "Area and power"), in the spirit of ORION 2.0 (Kahng, Li, Peh, Samadi, "ORION 2.0: a fast and
// accurate NoC power and area model for early-stage design space exploration", DATE 2009) and
// DSENT (Sun et al., "DSENT - a tool connecting emerging photonics with electronics for
// opto-electronic networks-on-chip modeling", NOCS 2012): an input-buffered virtual-channel
// router of P ports (including the local one), V VCs per port, D flits per VC and W-bit flits:
//
//   buffer    P*V*D*W register-file bits; per flit a write and a read whose energy per bit
//             grows with the entries on the bit lines (V*D)
//   crossbar  a P x P matrix crossbar of W-bit lines: wire length and energy per bit ~ P*W,
//             area ~ (P*W*pitch)^2
//   allocators  separable VC and switch allocators: P*V requesters, energy per flit ~ P*V,
//             area ~ (P*V)^2 arbiter gates
//   link      repeated wire: energy per bit per mm, repeater area per bit per mm
//
// The constants are given at 45 nm and scaled to noc.energy.node_nm with Stillmaker & Baas
// 2017 (models/common/tech_scaling.h): energy x energy_scale, area x area_scale. Static power
// is the leakage density of noc.energy.leakage_mw_per_mm2 (at 14 nm, scaled like the tiles')
// times the area.
#pragma once

#include <cstdint>
#include <vector>

#include "models/noc/noc_config.h"

namespace imcvp::noc {

class Topology;

struct RouterGeometry {
  uint32_t ports = 5;  // including the local (NI) port
  uint32_t vcs = 8;
  uint32_t depth = 4;  // flits per VC
  uint32_t flit_bits = 128;
};

struct RouterPower {
  // Energy per flit traversing the router (pJ): buffer write + read, allocation, crossbar.
  double e_buffer_pj = 0, e_alloc_pj = 0, e_crossbar_pj = 0;
  double area_buffer_mm2 = 0, area_crossbar_mm2 = 0, area_alloc_mm2 = 0;
  double static_mw = 0;
  double e_flit_pj() const { return e_buffer_pj + e_alloc_pj + e_crossbar_pj; }
  double area_mm2() const { return area_buffer_mm2 + area_crossbar_mm2 + area_alloc_mm2; }
};

struct LinkPower {
  double e_flit_pj = 0;  // per flit over the whole length
  double area_mm2 = 0;   // repeaters
  double static_mw = 0;
};

// The model for one router / one link at cfg.energy.node_nm.
RouterPower router_power(const RouterGeometry& g, const EnergyConfig& e);
LinkPower link_power(double length_mm, uint32_t flit_bits, const EnergyConfig& e);
// Leakage density (mW/mm^2) at e.node_nm.
double leakage_density_mw_per_mm2(const EnergyConfig& e);

// energy.model = parametric: replaces the per-bit energies the engine charges (buffer, alloc,
// crossbar per flit bit and link per bit per mm) by the model's for a router of the topology's
// radix (topo.ports()), so the engine's totals are the model's. energy.model = constant: no
// change.
void apply_power_model(NocConfig& cfg, const Topology& topo);

// Area and static power of a whole network: every router at the topology's radix (the
// engine's), every unidirectional link at its length.
struct NetworkPower {
  RouterPower router;            // per router
  std::vector<LinkPower> links;  // [node * ports + port], port 0 and absent links zero
  double router_area_mm2 = 0, link_area_mm2 = 0;
  double router_static_mw = 0, link_static_mw = 0;
};
NetworkPower network_power(const NocConfig& cfg, const Topology& topo);

}  // namespace imcvp::noc
