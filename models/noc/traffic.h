// BookSim-style synthetic traffic on the NoC engine: Bernoulli injection (sampled as geometric
// inter-arrival gaps, so idle cycles cost nothing), the usual permutation patterns, a warm-up
// window, a measurement window and a drain phase, with BookSim's latency definitions.
//
// Two modes. open (BookSim's default): every packet is independent, on vnet 0. request_reply
// (closed loop, as an NI with outstanding-transaction slots): each node keeps at most
// max_outstanding requests in flight; a request's arrival makes its destination send a reply of
// reply_flits on vnet 1, and the reply's arrival frees the slot. Requests generated while all
// slots are taken wait at the source. Latency is then the round trip, from the request's
// creation (waiting for a slot included) to the reply's tail.
//
// Limits: one request size per run; unbounded source queues (as BookSim); replies leave the
// destination at once (no target service time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "models/noc/engine.h"
#include "models/noc/noc_config.h"

namespace imcvp::noc {

// Choice keys of traffic: (enums behind name tables, as in noc_config.h).
enum class PatternKind { uniform, transpose, bitcomp, bitrev, shuffle, tornado, neighbor, hotspot };
inline constexpr const char* kPatternNames[] = {"uniform", "transpose", "bitcomp",  "bitrev",
                                                "shuffle", "tornado",   "neighbor", "hotspot"};
enum class TrafficMode { open, request_reply };
inline constexpr const char* kTrafficModeNames[] = {"open", "request_reply"};
static_assert(std::size(kPatternNames) == size_t(PatternKind::hotspot) + 1 &&
                  std::size(kTrafficModeNames) == size_t(TrafficMode::request_reply) + 1,
              "one name per enumerator");

struct TrafficConfig {
  std::string pattern = kPatternNames[0];
  uint32_t packet_flits = 1;
  double injection_rate = 0.1;  // flits/node/cycle
  // BookSim's latency mode runs a warm-up then samples of 1,000 cycles; one longer window here.
  uint64_t warmup_cycles = 2000;
  uint64_t measure_cycles = 10000;
  // Give up waiting for the measured packets after this many cycles ("unstable" point).
  uint64_t drain_cycles = 20000;
  uint64_t seed = 0;
  uint32_t hotspot_node = 0;
  double hotspot_fraction = 0.2;
  std::string mode = kTrafficModeNames[0];
  uint32_t max_outstanding = 4;  // request_reply: requests in flight per node
  uint32_t reply_flits = 1;      // request_reply: reply packet size
  // Per-VC link statistics (TrafficResult::LinkUse::vc_*); not a config key: `imcvp traffic
  // --vc-stats` sets it (one counter more per flit-hop, and n x ports x VCs numbers of output).
  bool per_vc = false;

  // Keeps the message of an unknown pattern: "traffic: unknown pattern 'NAME'".
  PatternKind pattern_kind() const {
    return resolve_choice<PatternKind>("traffic", "pattern", pattern, kPatternNames);
  }
  TrafficMode mode_kind() const {
    return resolve_choice<TrafficMode>("traffic.mode", "mode", mode, kTrafficModeNames);
  }

  template <class V>
  void visit(V& v) {
    v.choice("pattern", pattern,
             {kPatternNames[0], kPatternNames[1], kPatternNames[2], kPatternNames[3],
              kPatternNames[4], kPatternNames[5], kPatternNames[6], kPatternNames[7]},
             "Destination pattern");
    v.param("packet_flits", packet_flits, "Packet size", "flits", {1, 4096});
    v.param("injection_rate", injection_rate, "Offered load", "flits/node/cycle", {0.0, 64.0});
    v.param("warmup_cycles", warmup_cycles, "Warm-up window (not measured)", "cycles", {0, 1e12});
    v.param("measure_cycles", measure_cycles, "Measurement window", "cycles", {1, 1e12});
    v.param("drain_cycles", drain_cycles, "Longest wait for measured packets after the window",
            "cycles", {0, 1e12});
    v.param("seed", seed, "Random seed", "");
    v.param("hotspot_node", hotspot_node, "Hotspot pattern: the hot node", "", {0, 65535});
    v.param("hotspot_fraction", hotspot_fraction, "Hotspot pattern: share of packets to it", "",
            {0.0, 1.0});
    v.choice("mode", mode, {kTrafficModeNames[0], kTrafficModeNames[1]},
             "open: independent packets (BookSim); request_reply: closed loop, every request "
             "answered by a reply on vnet 1, at most max_outstanding requests per node");
    v.param("max_outstanding", max_outstanding, "request_reply: requests in flight per node",
            "count", {1, 1 << 20});
    v.param("reply_flits", reply_flits, "request_reply: reply packet size", "flits", {1, 4096});
  }
};

struct TrafficResult {
  double offered = 0;   // nominal injection rate (flits/node/cycle)
  double injected = 0;  // flits created in the window / (nodes * window)
  double accepted = 0;  // flits ejected in the window / (nodes * window)
  double avg_packet_latency = 0, avg_network_latency = 0, avg_queueing_latency = 0;
  double p50_packet_latency = 0, p99_packet_latency = 0, max_packet_latency = 0;
  double avg_hops = 0;              // routers traversed (BookSim's `hops`), per packet
  double replies_accepted = 0;      // request_reply: reply flits ejected / (nodes * window)
  uint64_t packets = 0;             // measured packets delivered
  uint64_t packets_missing = 0;     // measured packets still in flight at the drain limit
  uint64_t cycles = 0;              // simulated cycles
  uint64_t flit_hops = 0;           // router traversals over the whole run
  uint64_t router_cycles = 0;       // router evaluations over the whole run
  double max_link_utilisation = 0;  // busiest link, flits/cycle in the window
  double energy_router_pj = 0, energy_link_pj = 0;  // in the window
  bool stable = true;
  // Router-to-router links: flits/cycle in the measured span (window and drain).
  struct LinkUse {
    uint32_t from = 0, to = 0, port = 0;
    double utilisation = 0;
    // per_vc only, one entry per VC of the link: flits/cycle sent on the VC (they sum to
    // `utilisation`) and the average flits buffered in the VC at the receiving router's input.
    std::vector<double> vc_utilisation, vc_occupancy;
  };
  std::vector<LinkUse> links;
  // accepted < (1 - tolerance) x offered (or measured packets missing): past saturation.
  bool saturated = false;
};

// What a load sweep says (points in increasing offered load). Zero-load latency is the average
// packet latency at the lowest offered load; the 2x/3x knees are the offered loads where the
// average latency reaches 2x/3x of it (linear interpolation between points; NaN when not
// reached); the network saturates at the first point whose accepted throughput falls more than
// 5% below the offered load or whose measured packets did not all arrive, and the saturation
// throughput is the highest accepted throughput of the sweep (BookSim's plateau).
struct SweepSummary {
  double zero_load_latency = 0;
  double knee_2x_offered = 0, knee_3x_offered = 0;  // NaN: not reached
  double saturation_offered = 0;                    // NaN: not saturated in the sweep
  double saturation_throughput = 0;
  // At the last point below saturation: average latency split.
  double network_latency_at_knee = 0, queueing_latency_at_knee = 0;
};
constexpr double kSaturationTolerance = 0.05;
SweepSummary summarize_sweep(const std::vector<TrafficResult>& points);

// Destination for `src` under the pattern (uses `rnd` for random patterns). Throws NocError when
// the pattern does not fit the topology (e.g. bitcomp on a non-power-of-two node count).
class Pattern {
 public:
  Pattern(const Topology& topo, const TrafficConfig& cfg);
  uint32_t dest(uint32_t src, uint64_t rnd) const;

 private:
  PatternKind kind_;
  uint32_t n_, kx_, ky_, bits_ = 0;
  uint32_t hot_;
  double frac_;
};

// Runs one load point. Deterministic for cfg.seed.
TrafficResult run_traffic(const NocConfig& noc, const TrafficConfig& cfg);

// splitmix64: small, fast and identical on every platform (std distributions are not).
inline uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace imcvp::noc
