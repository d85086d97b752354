// Configuration of the network-on-chip: topology, routing, router micro-architecture, energy
// and endpoint placement. One struct tree, bound to YAML through visit() (models/common/config.h).
//
// Limits: one router per node and one network interface (NI) per node (endpoints placed on the
// same node share that NI); links are bidirectional pairs of unidirectional channels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/common/config.h"

namespace imcvp::noc {

// Any invalid NoC description or run-time network failure (message says what and where).
struct NocError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Choice keys as enums behind name tables (config::find_choice, models/common/config.h): the
// config keeps the name, visit() accepts only the table's names, the model resolves the enum
// once (the accessors below; a config built in code with a name outside the table gets a
// NocError naming the key). Table order = enum order = the order visit() lists the names in.
enum class TopologyKind { mesh, torus, ring, crossbar, tree, custom };
inline constexpr const char* kTopologyNames[] = {"mesh",     "torus", "ring",
                                                 "crossbar", "tree",  "custom"};
enum class Routing { xy, yx, west_first, odd_even, table, min, updown };
inline constexpr const char* kRoutingNames[] = {"xy",    "yx",  "west_first", "odd_even",
                                                "table", "min", "updown"};
enum class FlowControl { wormhole, vct };
inline constexpr const char* kFlowControlNames[] = {"wormhole", "vct"};
enum class VcRelease { tail, empty };
inline constexpr const char* kVcReleaseNames[] = {"tail", "empty"};
enum class Arbitration { age, round_robin };
inline constexpr const char* kArbitrationNames[] = {"age", "round_robin"};
enum class EnergyModel { parametric, constant };
inline constexpr const char* kEnergyModelNames[] = {"parametric", "constant"};
static_assert(std::size(kTopologyNames) == size_t(TopologyKind::custom) + 1 &&
                  std::size(kRoutingNames) == size_t(Routing::updown) + 1 &&
                  std::size(kFlowControlNames) == size_t(FlowControl::vct) + 1 &&
                  std::size(kVcReleaseNames) == size_t(VcRelease::empty) + 1 &&
                  std::size(kArbitrationNames) == size_t(Arbitration::round_robin) + 1 &&
                  std::size(kEnergyModelNames) == size_t(EnergyModel::constant) + 1,
              "one name per enumerator");

// The enum of a choice key's name; a name outside the table throws NocError
// "KEY: unknown WHAT 'NAME'".
template <class E, std::size_t N>
E resolve_choice(const char* key, const char* what, const std::string& name,
                 const char* const (&names)[N]) {
  if (auto e = config::find_choice<E>(name, names)) return *e;
  throw NocError(std::string(key) + ": unknown " + what + " '" + name + "'");
}
template <class E, std::size_t N>
const char* name_of(E e, const char* const (&names)[N]) {
  return names[static_cast<std::size_t>(e)];
}

// Router micro-architecture. Defaults are the SoC's (a small, realistic VC router); the
// BookSim-equivalent settings live in configs/noc/booksim-iq.yaml.
struct RouterConfig {
  // 8 VCs x 4 flits (2 vnets x 2 dateline classes x 2) and a 4-stage pipeline (RC, VA, SA, ST)
  // plus one link cycle: the "typical virtual-channel router" of Dally & Towles, Principles and
  // Practices of Interconnection Networks (2004), ch. 16; BookSim2's defaults are 16 x 8
  // (configs/noc/booksim-iq.yaml).
  uint32_t vcs = 8;
  uint32_t buffer_depth_flits = 4;
  // 128-bit flits: a common NoC datapath width (e.g. ARM CMN/AMBA CHI 128/256-bit data
  // channels); one 32-bit word write = 1 header + 1 payload flit.
  uint32_t link_width_bits = 128;
  // One cycle per stage: Dally & Towles ch. 16 / BookSim2 compiled-in defaults.
  uint32_t routing_delay_cycles = 1;
  uint32_t vc_alloc_delay_cycles = 1;
  uint32_t sw_alloc_delay_cycles = 1;
  uint32_t st_delay_cycles = 1;
  // BookSim2 default channel latency (1 cycle per link, tile-to-tile).
  uint32_t link_latency_cycles = 1;
  // BookSim2 default credit_delay = 0 (credits then take one link cycle back).
  uint32_t credit_delay_cycles = 0;
  // Cycles from packet creation until its head may enter the injection channel (NI
  // packetisation). With 1, zero-load latency is 5 cycles per router + 2, as BookSim2 reports
  // for its IQ router (shared/reference/booksim/README.md).
  uint32_t ni_delay_cycles = 1;
  // Request/response virtual networks (separate VC classes: no protocol deadlock).
  uint32_t vnets = 2;
  // Routing `min`: escape VCs (up*/down*) per vnet; 0 = a quarter of the vnet's VCs, at least 1
  // (Duato's scheme needs one; more keep escaped packets moving under load).
  uint32_t escape_vcs = 0;
  std::string flow_control = kFlowControlNames[0];
  // empty: an output VC is reallocated once the downstream VC has drained (one packet per VC,
  // no head-of-line blocking inside a VC); this reproduces the BookSim2 reference curves
  // (docs/noc-validation.md). tail: reallocated once the tail left (packets queue in a VC).
  std::string vc_release = kVcReleaseNames[1];
  // Priority in VC allocation and in picking the VC an input sends: age (oldest packet first;
  // Dally & Towles, ch. 15 and 23: starvation-free, keeps tori and rings at peak throughput
  // past saturation) or round_robin (BookSim2's default priority=none;
  // configs/noc/booksim-iq.yaml). Switch allocation across ports is iSLIP either way.
  std::string arbitration = kArbitrationNames[0];
  // 1 GHz: a typical NoC clock for a 28-16 nm SoC (e.g. ARM CMN-600 runs at up to 2.5 GHz;
  // chosen conservatively). Only used when the NoC is inside the SoC (cycles -> ns).
  double clock_mhz = 1000.0;

  FlowControl flow_control_kind() const {
    return resolve_choice<FlowControl>("noc.router.flow_control", "flow control", flow_control,
                                       kFlowControlNames);
  }
  VcRelease vc_release_kind() const {
    return resolve_choice<VcRelease>("noc.router.vc_release", "VC release", vc_release,
                                     kVcReleaseNames);
  }
  Arbitration arbitration_kind() const {
    return resolve_choice<Arbitration>("noc.router.arbitration", "arbitration", arbitration,
                                       kArbitrationNames);
  }

  template <class V>
  void visit(V& v) {
    v.param("vcs", vcs,
            "Virtual channels per input port (split between vnets and dateline "
            "classes)",
            "count", {1, 64});
    v.param("buffer_depth_flits", buffer_depth_flits, "Buffer depth per VC", "flits", {1, 1024});
    v.param("link_width_bits", link_width_bits, "Flit width = link width", "bits", {8, 4096});
    v.param("routing_delay_cycles", routing_delay_cycles, "Route computation stage delay", "cycles",
            {0, 64});
    v.param("vc_alloc_delay_cycles", vc_alloc_delay_cycles, "VC allocation stage delay", "cycles",
            {1, 64});
    v.param("sw_alloc_delay_cycles", sw_alloc_delay_cycles, "Switch allocation stage delay",
            "cycles", {1, 64});
    v.param("st_delay_cycles", st_delay_cycles, "Switch traversal stage delay", "cycles", {0, 64});
    v.param("link_latency_cycles", link_latency_cycles,
            "Link (channel) latency, also used by "
            "injection/ejection channels",
            "cycles", {1, 256});
    v.param("credit_delay_cycles", credit_delay_cycles,
            "Extra credit processing delay (credits "
            "also take link_latency_cycles)",
            "cycles", {0, 64});
    v.param("ni_delay_cycles", ni_delay_cycles, "NI delay from packet creation to injection",
            "cycles", {0, 64});
    v.param("vnets", vnets, "Virtual networks (1: all traffic shares VCs; 2: request/response)",
            "count", {1, 4});
    v.param("escape_vcs", escape_vcs,
            "Routing min: escape (up*/down*) VCs per vnet; 0 = a quarter of them, at least 1",
            "count", {0, 64});
    v.choice("flow_control", flow_control, {kFlowControlNames[0], kFlowControlNames[1]},
             "wormhole, or virtual cut-through (a head needs a whole packet of free buffer)");
    v.choice("vc_release", vc_release, {kVcReleaseNames[0], kVcReleaseNames[1]},
             "Reallocate an output VC when the tail has left (tail) or when the downstream VC "
             "is empty again (empty, conservative)");
    v.choice("arbitration", arbitration, {kArbitrationNames[0], kArbitrationNames[1]},
             "VC allocation priority: age (oldest packet first, starvation-free) or round_robin "
             "(BookSim2 default)");
    v.param("clock_mhz", clock_mhz, "Router clock (SoC use only)", "MHz", {1.0, 100000.0});
  }
};

// Energy per event. Router parts follow the ORION 2.0 breakdown (Kahng et al., DATE 2009:
// buffer write+read, allocators, crossbar); their sum, 0.5 pJ/bit per router traversal, is the
// issue's "~0.5 pJ/bit/hop" figure, in line with DSENT 45 nm estimates (Sun et al., NOCS 2012).
struct EnergyConfig {
  double buffer_pj_per_bit = 0.25;    // buffer write + read (ORION 2.0 split, ~half)
  double alloc_pj_per_bit = 0.05;     // VC + switch allocation, per flit bit (~10%)
  double crossbar_pj_per_bit = 0.20;  // crossbar traversal (~40%)
  // 0.15 pJ/bit/mm: middle of the 0.1-0.2 pJ/bit/mm range for repeated on-chip wires (Keckler
  // et al., IEEE Micro 31(5), 2011).
  double link_pj_per_bit_mm = 0.15;
  // Floorplan estimate: tile pitch. Intel's 80-tile Teraflops chip used 1.5 x 2.0 mm tiles
  // (Vangal et al., JSSC 43(1), 2008); 1.5 mm is taken.
  double tile_pitch_mm = 1.5;
  // parametric: the per-bit energies above are replaced by the router/link model of
  // models/noc/noc_power.h (ports, VCs, buffer depth, flit width; constants at 45 nm scaled to
  // node_nm with Stillmaker & Baas 2017); constant: the per-bit energies above as given.
  std::string model = kEnergyModelNames[0];
  // Node of the NoC's CMOS: the default tiles' 14 nm (HERMES).
  double node_nm = 14.0;
  // Static power density at 14 nm, as the tiles' area.leakage_mw_per_mm2 (4.5 mW/mm^2: Intel
  // 14 nm density x a low-power FinFET's I_off; an estimate, bracketed by CACTI 7's ITRS 22 nm
  // LSTP / LOP / HP off-currents at 0.036 / 15 / 180 mW/mm^2: models/imc/tile_config.h).
  double leakage_mw_per_mm2 = 4.5;

  EnergyModel model_kind() const {
    return resolve_choice<EnergyModel>("noc.energy.model", "energy model", model,
                                       kEnergyModelNames);
  }

  template <class V>
  void visit(V& v) {
    v.param("buffer_pj_per_bit", buffer_pj_per_bit, "Buffer write+read energy per flit bit", "pJ",
            {0.0, 1e3});
    v.param("alloc_pj_per_bit", alloc_pj_per_bit, "Allocation energy per flit bit", "pJ",
            {0.0, 1e3});
    v.param("crossbar_pj_per_bit", crossbar_pj_per_bit, "Crossbar energy per flit bit", "pJ",
            {0.0, 1e3});
    v.param("link_pj_per_bit_mm", link_pj_per_bit_mm, "Link energy per bit per mm", "pJ",
            {0.0, 1e3});
    v.param("tile_pitch_mm", tile_pitch_mm, "Distance between neighbouring nodes (floorplan)", "mm",
            {0.001, 1e3});
    v.choice("model", model, {kEnergyModelNames[0], kEnergyModelNames[1]},
             "Router/link energy: parametric model (ports, VCs, depth, width, node) or the "
             "per-bit constants above");
    v.param("node_nm", node_nm, "Technology node of routers and links", "nm", {7.0, 180.0});
    v.param("leakage_mw_per_mm2", leakage_mw_per_mm2,
            "Static power density of router and repeater CMOS at 14 nm (scaled to node_nm)",
            "mW/mm^2", {0.0, 1e6});
  }
};

// A node of a custom graph (ids must be 0..N-1, each once).
struct NodeSpec {
  uint32_t id = 0;
  double x_mm = 0.0;  // floorplan position (link lengths when a link gives none)
  double y_mm = 0.0;
  template <class V>
  void visit(V& v) {
    v.param("id", id, "Node id (0..N-1)", "", {0, 65535});
    v.param("x_mm", x_mm, "Floorplan x position", "mm", {-1e6, 1e6});
    v.param("y_mm", y_mm, "Floorplan y position", "mm", {-1e6, 1e6});
  }
};

// A bidirectional link of a custom graph.
struct LinkSpec {
  uint32_t a = 0, b = 0;
  double length_mm = 0.0;       // 0: from the node positions (Manhattan), or tile pitch if none
  uint32_t latency_cycles = 0;  // 0: router.link_latency_cycles, or from the length
  template <class V>
  void visit(V& v) {
    v.param("a", a, "One end (node id)", "", {0, 65535});
    v.param("b", b, "Other end (node id)", "", {0, 65535});
    v.param("length_mm", length_mm, "Wire length (0: from positions)", "mm", {0.0, 1e6});
    v.param("latency_cycles", latency_cycles,
            "Link latency (0: noc.wire_delay_cycles_per_mm x length if set, else "
            "router.link_latency_cycles); links are pipelined, one flit per cycle",
            "cycles", {0, 4096});
  }
};

// An explicit routing-table entry of a custom graph: at `node`, packets for `dst` go to `next`.
struct RouteSpec {
  uint32_t node = 0, dst = 0, next = 0;
  template <class V>
  void visit(V& v) {
    v.param("node", node, "Router the entry belongs to", "", {0, 65535});
    v.param("dst", dst, "Destination node", "", {0, 65535});
    v.param("next", next, "Neighbour to forward to", "", {0, 65535});
  }
};

// Network interfaces of the SoC wrapper (noc::Network): how TLM transactions become packets.
struct NiConfig {
  // Transactions one initiator may have in flight at once (further ones wait for a slot; AT
  // initiators see END_REQ late). 8: ARM CoreLink NIC-400 TRM, "issuing capability"
  // configurable 1-32 per slave interface; AXI DMA engines typically keep 4-16 outstanding.
  uint32_t max_outstanding = 8;
  // Largest payload one packet carries; longer transactions are split into packets of this
  // size (and, where the payload allows it, into one target access per packet). 64 B: one cache
  // line, the largest data transfer of an AMBA CHI transaction (ARM IHI 0050, "Data size").
  uint32_t max_packet_payload_bytes = 64;

  template <class V>
  void visit(V& v) {
    v.param("max_outstanding", max_outstanding,
            "Transactions an initiator may have in flight through its NI at once", "count",
            {1, 1024});
    v.param("max_packet_payload_bytes", max_packet_payload_bytes,
            "Largest payload per packet; longer transactions are split", "B", {4, 1 << 20});
  }
};

// An endpoint (host, DRAM controller, tile) placed on a node.
struct EndpointSpec {
  std::string name;
  uint32_t node = 0;
  template <class V>
  void visit(V& v) {
    v.param("name", name, "Endpoint name (host, dram0, tile3, ...)");
    v.param("node", node, "Node the endpoint's NI attaches to", "", {0, 65535});
  }
};

struct NocConfig {
  std::string topology = kTopologyNames[0];
  uint32_t size_x = 4;  // mesh/torus columns
  uint32_t size_y = 4;  // mesh/torus rows
  uint32_t nodes = 16;  // ring/crossbar/tree node count
  uint32_t tree_arity = 4;
  std::string routing = kRoutingNames[0];
  // No flit moved for this long while flits are buffered: reported as a deadlock.
  uint64_t deadlock_window_cycles = 20000;
  bool allow_cyclic_routes = false;
  // Link latency from wire length: ceil(length_mm x this), at least 1 (0: off, every link takes
  // router.link_latency_cycles). A repeated global wire is ~60-100 ps/mm at 45-22 nm (ITRS;
  // Ho, Mai & Horowitz, Proc. IEEE 89(4), 2001), so at 1 GHz ~0.1 cycles/mm: one cycle per
  // 1.5 mm tile pitch; pipelined (registered) links then take ceil(length x delay) cycles.
  double wire_delay_cycles_per_mm = 0.0;
  // SoC only: process network cycles ahead of the SystemC kernel while no other process can
  // inject a packet (exact: same results, fewer kernel activations). Off for debugging.
  bool run_ahead = true;
  RouterConfig router;
  EnergyConfig energy;
  NiConfig ni;
  std::vector<NodeSpec> graph_nodes;
  std::vector<LinkSpec> graph_links;
  std::vector<RouteSpec> graph_routes;
  std::vector<EndpointSpec> endpoints;

  template <class V>
  void visit(V& v) {
    v.choice("topology", topology,
             {kTopologyNames[0], kTopologyNames[1], kTopologyNames[2], kTopologyNames[3],
              kTopologyNames[4], kTopologyNames[5]},
             "Network topology");
    v.param("size_x", size_x, "Mesh/torus columns", "count", {1, 256});
    v.param("size_y", size_y, "Mesh/torus rows", "count", {1, 256});
    v.param("nodes", nodes, "Node count of ring/crossbar/tree", "count", {1, 4096});
    v.param("tree_arity", tree_arity, "Children per tree node", "count", {1, 64});
    v.choice("routing", routing,
             {kRoutingNames[0], kRoutingNames[1], kRoutingNames[2], kRoutingNames[3],
              kRoutingNames[4], kRoutingNames[5], kRoutingNames[6]},
             "Mesh: xy, yx, west_first or odd_even (adaptive); torus/ring: dimension order (xy, "
             "yx) with dateline VCs; crossbar/tree: up*/down*; custom: min (default: minimal by "
             "hop latency, adaptive, with an up*/down* escape VC class) or table (graph_routes). "
             "min and updown (up*/down* only) work on every topology");
    v.param("deadlock_window_cycles", deadlock_window_cycles,
            "Report a deadlock when no flit moves for this many cycles", "cycles", {10, 1e12});
    v.param("allow_cyclic_routes", allow_cyclic_routes,
            "Accept an explicit graph_routes table whose channel dependencies form a cycle "
            "(it can deadlock; run-time detection reports it)");
    v.param("wire_delay_cycles_per_mm", wire_delay_cycles_per_mm,
            "Link latency from its length: ceil(length_mm x this) cycles, at least 1 (0: every "
            "link takes router.link_latency_cycles; a custom link's latency_cycles wins)",
            "cycles/mm", {0.0, 1e4});
    v.param("run_ahead", run_ahead,
            "SoC only: simulate network cycles ahead of the kernel while no other process can "
            "inject (exact; false to debug)");
    v.section("router", router, "Router micro-architecture");
    v.section("energy", energy, "Energy model");
    v.section("ni", ni, "Network interfaces (SoC only): outstanding transactions, packetisation");
    v.list("graph_nodes", graph_nodes, "Custom topology: nodes");
    v.list("graph_links", graph_links, "Custom topology: bidirectional links");
    v.list("graph_routes", graph_routes,
           "Custom topology: explicit routing table (empty: noc.routing, min by default)");
    v.list("endpoints", endpoints, "Endpoints and the nodes they attach to");
  }

  // Keeps the message of an unknown topology: "noc.topology: unknown topology 'NAME'".
  TopologyKind topology_kind() const {
    return resolve_choice<TopologyKind>("noc.topology", "topology", topology, kTopologyNames);
  }
  Routing routing_kind() const {
    return resolve_choice<Routing>("noc.routing", "routing", routing, kRoutingNames);
  }
  uint32_t node_count() const;
};

// Parses "mesh:8x8", "torus:4x4", "ring:16", "crossbar:8", "tree:21" or "tree:21:4" into cfg.
// Throws NocError with a clear message otherwise.
void apply_topology_spec(NocConfig& cfg, const std::string& spec);

}  // namespace imcvp::noc
