// NoC topology and routing: builds the router graph of a NocConfig (mesh, torus, ring,
// crossbar, tree, custom graph), validates it, and answers "which output port(s) and VC class
// does a packet at router `node` for `dst` take".
//
// Deadlock freedom (docs/noc-model.md):
//  - mesh: XY / YX dimension order, west-first (Glass & Ni turn model) or odd-even (Chiu's
//    turn model): acyclic channel dependencies, one VC class.
//  - torus / ring: minimal dimension-order routing with two dateline VC classes per dimension;
//    class 0 before the wrap link, class 1 on and after it, so neither class's dependencies close
//    a ring.
//  - crossbar / tree: up*/down* shortest paths over a BFS spanning order from node 0 (no
//    down->up turn, so dependencies are acyclic).
//  - custom (default `min`, any topology on request): minimal routing by hop latency (router
//    pipeline + link latency), adaptive among up to two minimal ports, on the "adaptive" VC class,
//    with an escape VC class routed up*/down* (Duato, IEEE TPDS 4(12), 1993; the irregular-network
//    form is Silla & Duato, IEEE TPDS 11(7), 2000). A packet takes an escape VC only when no
//    adaptive VC of a minimal port is free, and stays in the escape class from then on. The escape
//    class's channel dependency graph is acyclic (up*/down*) and never depends on adaptive
//    channels, so escape packets always drain, adaptive packets can always eventually escape: no
//    deadlock. `updown` keeps plain up*/down*. An explicit table (custom graph_routes) is checked
//    for dead ends, cycles and channel-dependency cycles at load time.
//
// Limits: one local (NI) port per router (port 0); routing tables are dense N x N (N <= 1024).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/noc/noc_config.h"

namespace imcvp::noc {

class Topology {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;
  static constexpr uint32_t kLocal = 0;  // port 0 of every router is its NI port

  struct Port {
    uint32_t peer = kNone;       // neighbour node (kNone: unconnected)
    uint32_t peer_port = kNone;  // input port at the neighbour
    double length_mm = 0.0;
    int dim = -1;          // mesh/torus/ring: dimension (0 = x), -1 otherwise
    int dir = 0;           // +1 / -1 along dim
    bool wrap = false;     // torus/ring wrap-around link (dateline)
    uint32_t latency = 1;  // link latency in cycles (router.link_latency_cycles unless per-link)
  };
  struct Choice {
    uint16_t port = 0;
    uint8_t cls = 0;  // dateline VC class
    uint8_t state =
        0;  // routing state after taking this port (bit 0 up*/down* phase, bit 1 escape)
    uint8_t fallback = 0;  // 1: only when no non-fallback candidate has a free VC (escape VC)
  };
  struct Candidates {
    uint8_t n = 0;
    Choice c[3];
  };

  // Builds and validates; throws NocError with a clear message on bad input.
  explicit Topology(const NocConfig& cfg);

  uint32_t nodes() const { return n_; }
  uint32_t ports() const { return ports_; }  // per router, including the local port
  const Port& port(uint32_t node, uint32_t p) const { return port_[node * ports_ + p]; }
  uint32_t classes() const { return classes_; }  // VC classes: dateline or adaptive/escape (1 or 2)
  bool escape() const { return escape_; }        // class 1 is an escape class (routing `min`)
  // The routing algorithm actually used (e.g. "xy+dateline" on a torus, "min+updown_escape" on a
  // custom graph), for reports.
  const std::string& routing() const { return label_; }
  // Checks the channel dependency graph of every route this topology can produce (all
  // candidates, all routing states): acyclic for deterministic/turn-model/dateline routing; for
  // escape routing, the escape class alone must be acyclic, escape packets must never be offered
  // an adaptive VC and every adaptive state must offer an escape. Returns "" or what is wrong.
  std::string check_deadlock_freedom() const;
  // Zero-load hop cost used by `min` (router pipeline + link latency, cycles) from node to dst.
  uint32_t distance(uint32_t node, uint32_t dst) const {
    return dist_.empty() ? 0 : dist_[size_t(node) * n_ + dst];
  }
  bool adaptive() const { return adaptive_; }
  TopologyKind kind() const { return kind_; }
  const char* kind_name() const { return name_of(kind_, kTopologyNames); }
  // Grid coordinates used by traffic patterns (1-D topologies: x = id, y = 0).
  uint32_t dim_x() const { return kx_; }
  uint32_t dim_y() const { return ky_; }
  double link_length_mm(uint32_t node, uint32_t p) const { return port(node, p).length_mm; }

  // Output candidates for a head flit at `node` (src is the packet's source, state its
  // routing state). At dst the only candidate is the local port.
  void route(uint32_t node, uint32_t src, uint32_t dst, uint8_t state, Candidates& out) const;
  // Routers on the path src->dst following the first candidate each time (for tests/docs).
  std::vector<uint32_t> path(uint32_t src, uint32_t dst) const;

 private:
  void build_mesh(const NocConfig& cfg, bool torus);
  void build_ring(const NocConfig& cfg);
  void build_graph(uint32_t n, const std::vector<std::pair<uint32_t, uint32_t>>& links,
                   const std::vector<double>& lengths);
  void build_custom(const NocConfig& cfg);
  void check_connected() const;
  void build_updown();
  void build_min(uint32_t router_delay);
  void resolve_routing(const NocConfig& cfg);
  void set_link_latencies(const NocConfig& cfg);
  void build_explicit(const NocConfig& cfg);
  void check_dependencies() const;
  uint32_t port_to(uint32_t node, uint32_t peer) const;
  void connect(uint32_t a, uint32_t pa, uint32_t b, uint32_t pb, double len, int dim, int dir,
               bool wrap);

  TopologyKind kind_;
  Routing routing_;    // normalised algorithm (xy, yx, west_first, odd_even, min, updown, table)
  std::string label_;  // what reports show
  uint32_t link_latency_ = 1;
  uint32_t n_ = 0, ports_ = 1, classes_ = 1;
  uint32_t kx_ = 1, ky_ = 1;
  bool adaptive_ = false;
  bool table_ = false;
  bool escape_ = false;
  std::vector<Port> port_;
  // table_[(phase * n + node) * n + dst] = output port (up*/down*: phase 1 = only down links).
  std::vector<uint16_t> next_;
  std::vector<uint8_t> next_phase_;
  // min: up to two minimal ports per (node, dst) (0 = none) and the distances.
  std::vector<uint16_t> min_;
  std::vector<uint32_t> dist_;
};

// BookSim2 "anynet" topology files (src/networks/anynet.cpp): one line per router,
//   router R  node N  router R2 [LATENCY]  router R3 [LATENCY] ...
// (a line may also start with `node N router R`). Router-router links are bidirectional; a
// latency after a router applies to that link. Here every router needs exactly one terminal
// node, node ids must be 0..N-1, and each node becomes the custom-graph node of the same id.
// Throws NocError with file:line for anything else (routers without or with several
// terminals, self or duplicate links, latencies < 1, unknown tokens, disconnected graphs).
void load_anynet(NocConfig& cfg, const std::string& path);
// Writes the topology as an anynet file (every link on both routers' lines, with its latency).
std::string to_anynet(const Topology& topo);

}  // namespace imcvp::noc
