// Flit-level, event-driven NoC engine (plain C++, no SystemC): input-queued virtual-channel
// routers with credit flow control, a per-node network interface (NI) with unbounded source
// queues, and a calendar queue of flit/credit arrivals. Each cycle only routers holding flits
// and NIs with packets to send are touched; idle stretches are skipped in one step.
//
// Router pipeline per head flit: RC (routing_delay) -> VA (vc_alloc_delay) -> SA
// (sw_alloc_delay) -> ST (st_delay) -> link (link_latency); body flits only SA/ST/link.
// Allocators: switch allocation is iSLIP with one iteration (request all outputs, grant and
// accept with round-robin pointers updated only on accept); VC allocation grants free output
// VCs of each pool (output port, vnet, dateline class) to the requesting input VCs, oldest
// packet first (router.arbitration = age, the default) or in rotating priority with one
// pointer per pool (round_robin, as BookSim2's priority=none); a maximal matching.
// An output VC is reallocated once the tail has left and all its credits are back (the
// downstream VC is empty; router.vc_release = empty, the default, which reproduces BookSim2's
// curves), or as soon as the tail has left (vc_release = tail; packets then queue in a VC).
//
// Limits: one NI per node, one flit per cycle injected and ejected per NI; ejection never
// back-pressures; no speculation or lookahead routing (set routing_delay_cycles=0 instead);
// virtual cut-through needs buffer_depth_flits >= packet size.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "models/common/stats.h"
#include "models/noc/noc_config.h"
#include "models/noc/topology.h"

namespace imcvp::noc {

struct Packet {
  uint32_t src = 0, dst = 0;
  uint32_t flits = 1;
  uint32_t vnet = 0;
  uint64_t created = 0;   // cycle the packet was handed to the NI
  uint64_t injected = 0;  // cycle its head entered the injection channel
  uint64_t ejected = 0;   // cycle its tail reached the destination NI
  uint32_t hops = 0;      // routers traversed
  uint64_t tag = 0;       // caller's cookie
  uint8_t rstate = 0;     // routing state (up*/down* phase)
  bool live = false;
};

// Counters of one engine; plain members so the hot path stays cheap.
struct NetStats {
  uint64_t packets_sent = 0, packets_delivered = 0;
  uint64_t flits_sent = 0, flits_delivered = 0;
  uint64_t flit_router_traversals = 0;  // "flit-hops"
  uint64_t flit_link_traversals = 0;    // router-to-router links only
  uint64_t hops_sum = 0;                // routers traversed, summed over delivered packets
  uint64_t latency_sum = 0, network_latency_sum = 0, queueing_latency_sum = 0;
  uint64_t router_cycles = 0;  // router evaluations (one router, one cycle)
  double energy_buffer_pj = 0, energy_alloc_pj = 0, energy_crossbar_pj = 0, energy_link_pj = 0;
  stats::Histogram latency{0.0, 4.0, 512};   // packet latency (cycles), creation to tail ejection
  std::vector<uint64_t> link_flits;          // [node * ports + out port]
  std::vector<uint64_t> vc_stall_cycles;     // [(node * ports + in port) * vcs + vc]
  std::vector<uint64_t> buffer_flit_cycles;  // [node]: integral of buffered flits over cycles
  std::vector<uint64_t> buffer_peak_flits;   // [node]: most flits buffered at once
  // Per VC, only while Engine::set_track_vcs(true) (empty otherwise):
  //  vc_flits[(node * ports + out port) * vcs + vc]: flits sent on that VC of the output link;
  //  vc_occupancy[(node * ports + in port) * vcs + vc]: flit-cycles buffered in that input VC,
  //  kept as sum(departure) - sum(arrival) over its flits; Engine::vc_flit_cycles() adds the
  //  flits still buffered.
  std::vector<uint64_t> vc_flits;
  std::vector<int64_t> vc_occupancy;
  // Traffic matrix, sparse: (src * n + dst) -> delivered packets and flits. Only pairs that
  // carried traffic have an entry, so memory grows with the traffic, not with n^2.
  struct PairCount {
    uint64_t packets = 0, flits = 0;
  };
  std::map<uint64_t, PairCount> matrix;
  uint64_t matrix_packets(uint64_t pair) const {
    auto it = matrix.find(pair);
    return it == matrix.end() ? 0 : it->second.packets;
  }
  uint64_t matrix_flits(uint64_t pair) const {
    auto it = matrix.find(pair);
    return it == matrix.end() ? 0 : it->second.flits;
  }
  uint64_t since_cycle = 0;  // cycle of the last reset (for utilisation)
};

class Engine {
 public:
  static constexpr uint64_t kNever = ~uint64_t(0);

  // Builds the topology (throws NocError on bad input).
  explicit Engine(const NocConfig& cfg);

  const Topology& topology() const { return topo_; }
  const NocConfig& config() const { return cfg_; }
  uint64_t now() const { return now_; }  // last cycle processed

  // Hands a packet of `flits` flits to the NI of `src`, created at cycle `at` (clamped to
  // now()+1). Returns its id (valid until delivered). Throws NocError for unknown nodes, a bad
  // vnet or a packet that cannot fit (virtual cut-through).
  uint32_t send(uint32_t src, uint32_t dst, uint32_t flits, uint32_t vnet, uint64_t tag,
                uint64_t at);
  // Processes every cycle up to and including `cycle`, skipping cycles with nothing to do.
  // Throws NocError when a deadlock is detected (no flit moved for deadlock_window_cycles
  // while flits are buffered); the message lists blocked routers and VCs.
  void run_until(uint64_t cycle);
  // Like run_until(limit), but returns right after the first cycle that delivered a packet;
  // cycles without events do not advance now(). Returns now().
  uint64_t run_until_delivery(uint64_t limit);
  // Earliest cycle > now() at which something happens, or kNever when the network is idle.
  uint64_t next_event() const;
  bool idle() const { return next_event() == kNever; }
  uint64_t flits_in_network() const { return buffered_total_ + in_flight_; }

  // Called when a packet's tail is ejected; the packet is freed after the call returns. The
  // callback may send() new packets (replies); `p` is invalid after such a send.
  std::function<void(uint32_t id, const Packet& p)> on_delivered;

  const Packet& packet(uint32_t id) const { return pkts_[id]; }
  NetStats& stats() { return stats_; }
  const NetStats& stats() const { return stats_; }
  // Zeroes counters (occupancy integrals restart now).
  void reset_stats();
  // Flushes lazily kept integrals (buffer occupancy) up to now().
  void sync_stats();
  // Whether NetStats::matrix is kept (default on; synthetic-traffic runs, which never read it,
  // turn it off: with uniform traffic it grows to n^2 entries and costs a tree insert per packet).
  void set_track_matrix(bool on) { track_matrix_ = on; }
  // Per-VC flit counts and buffer occupancy (NetStats::vc_flits, vc_occupancy); off by default
  // (one more counter per flit-hop). Takes effect from the next reset_stats().
  void set_track_vcs(bool on) { track_vcs_ = on; }
  // Flit-cycles buffered in input VC `idx` ((node * ports + port) * vcs + vc) since the last
  // reset, up to now(). 0 unless VCs are tracked.
  uint64_t vc_flit_cycles(size_t idx) const {
    if (stats_.vc_occupancy.empty()) return 0;
    return uint64_t(stats_.vc_occupancy[idx] + int64_t(in_[idx].count) * int64_t(now_));
  }
  uint32_t vcs() const { return vcs_; }
  double link_length_mm(uint32_t node, uint32_t port) const {
    return topo_.link_length_mm(node, port);
  }

 private:
  enum State : uint8_t { kIdle, kRouting, kVcAlloc, kActive };
  struct Flit {
    uint32_t pkt;
    uint32_t seq;
  };
  struct InVc {
    uint8_t state = kIdle;
    uint16_t head = 0, count = 0;
    uint16_t out_port = 0, out_vc = 0;
    uint32_t pkt = 0;
    uint64_t ready = 0;
    Topology::Candidates cand;
  };
  struct OutVc {
    int32_t owner = -1;  // input VC (port * vcs + vc) holding it, -1 when free
    uint16_t credits = 0;
    bool tail_sent = false;
  };
  struct Router {
    uint32_t buffered = 0;
    bool active = false;
    uint64_t occ_since = 0;
  };
  // Per router, flat (router-major) so that one router's arbitration state is contiguous:
  // [r * ports_ + port] input VC masks and pointers, [r * pools_ + pool] VA pointers.
  struct PortState {
    uint64_t nonempty = 0;  // bitmask of the input port's VCs holding flits
    uint16_t g_ptr = 0, a_ptr = 0, vc_ptr = 0, va_ptr = 0;
  };
  struct Ni {
    std::vector<std::deque<uint32_t>> q;  // per vnet
    std::vector<int32_t> vc;              // per vnet: injection VC held by the queue head
    std::vector<uint32_t> seq;            // per vnet: next flit of the queue head
    std::vector<OutVc> out;               // injection channel VCs (router's local input)
    uint32_t rr = 0;
    uint32_t queued = 0;
    bool active = false;
    uint64_t wake = 0;
  };
  enum EvKind : uint8_t { kFlit, kCredit, kNiCredit, kEject };
  struct Event {
    EvKind kind;
    uint16_t port, vc;
    uint32_t node;
    Flit flit;
  };

  static constexpr size_t kPrefetchEvents = 4;
  void cycle(uint64_t t);
  void apply(const Event& e, uint64_t t);
  void step_ni(uint32_t node, uint64_t t);
  void step_router(uint32_t r, uint64_t t);
  void schedule(uint64_t at, const Event& e);
  void activate(uint32_t r);
  void prefetch_router(uint32_t r, int stage) const;
  void prefetch_event(const Event& e, int stage) const;
  void account_occupancy(uint32_t r, uint64_t t);
  void switch_allocate(uint32_t r, uint64_t t);
  void send_flit(uint32_t r, uint32_t in_port, uint32_t vc, uint64_t t);
  bool try_vc_alloc(uint32_t r, uint32_t in_port, uint32_t vc, uint64_t t);
  uint32_t vc_base(uint32_t vnet, uint32_t cls) const { return vnet * span_ + cls_off_[cls]; }
  [[noreturn]] void report_deadlock(uint64_t t) const;
  size_t in_idx(uint32_t r, uint32_t p, uint32_t v) const {
    return (size_t(r) * ports_ + p) * vcs_ + v;
  }

  NocConfig cfg_;
  Topology topo_;
  uint32_t n_, ports_, vcs_, depth_, classes_;
  uint32_t span_;                                     // VCs per vnet in use
  uint32_t cls_off_[2] = {0, 0}, cls_n_[2] = {0, 0};  // per class: first VC in the vnet, count
  uint32_t rc_, va_, sa_, st_, link_, credit_, ni_delay_;
  bool vct_, release_on_tail_, age_ = false, escape_ = false;
  double router_pj_per_flit_, link_pj_per_bit_mm_;
  uint32_t width_bits_;

  std::vector<InVc> in_;
  std::vector<Flit> buf_;
  std::vector<OutVc> out_;
  std::vector<Router> routers_;
  std::vector<PortState> port_state_;  // [r * ports_ + p]
  std::vector<uint16_t> va_in_ptr_;    // [r * pools_ + pool]
  uint32_t pools_ = 0;
  bool track_matrix_ = true;
  bool track_vcs_ = false;
  bool vcs_on_ = false;  // track_vcs_ as of the last reset_stats() (the vectors exist)
  std::vector<Ni> nis_;
  std::vector<uint32_t> active_routers_, active_nis_;
  std::vector<uint32_t> scratch_;

  std::vector<std::vector<Event>> wheel_;
  uint64_t wheel_mask_ = 0;
  uint64_t pending_events_ = 0;

  std::vector<Packet> pkts_;
  std::vector<uint32_t> free_pkts_;

  uint64_t now_ = 0;
  uint64_t buffered_total_ = 0;
  uint64_t in_flight_ = 0;  // flits on links (events)
  uint64_t last_progress_ = 0;
  uint64_t deliveries_ = 0;  // packets delivered since construction (not reset with stats)
  NetStats stats_;

  // SA scratch (per router evaluation)
  std::vector<std::vector<uint16_t>> req_in_;  // per output: requesting inputs
  std::vector<uint16_t> touched_out_;
  std::vector<std::vector<uint16_t>> grants_;  // per input: outputs that granted it
  std::vector<uint16_t> touched_in_;
  std::vector<std::pair<uint64_t, uint64_t>> va_reqs_;  // (pool, priority << 20 | input VC)
  std::vector<uint32_t> pools_won_;  // escape VA: pools whose pointer moved this cycle
  std::vector<int32_t> won_;         // per input: VC that sent a flit this cycle (-1)
};

}  // namespace imcvp::noc
