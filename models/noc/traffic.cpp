#include "models/noc/traffic.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <queue>

namespace imcvp::noc {

namespace {
bool is_pow2(uint32_t v) {
  return v && !(v & (v - 1));
}
double unit(uint64_t r) {
  return double(r >> 11) * (1.0 / 9007199254740992.0);
}  // [0,1)
}  // namespace

Pattern::Pattern(const Topology& topo, const TrafficConfig& cfg)
    : kind_(cfg.pattern_kind()),
      n_(topo.nodes()),
      kx_(topo.dim_x()),
      ky_(topo.dim_y()),
      hot_(cfg.hotspot_node),
      frac_(cfg.hotspot_fraction) {
  using P = PatternKind;
  if (kind_ == P::bitcomp || kind_ == P::bitrev || kind_ == P::shuffle) {
    if (!is_pow2(n_))
      throw NocError(std::string("traffic: pattern ") + name_of(kind_, kPatternNames) +
                     " needs a power-of-two node count (have " + std::to_string(n_) + ")");
    while ((1u << bits_) < n_) ++bits_;
  } else if (kind_ == P::transpose) {
    if (kx_ != ky_)
      throw NocError("traffic: pattern transpose needs a square mesh/torus (have " +
                     std::to_string(kx_) + "x" + std::to_string(ky_) + ")");
  } else if (kind_ == P::hotspot) {
    if (hot_ >= n_)
      throw NocError("traffic: hotspot node " + std::to_string(hot_) + " does not exist (" +
                     std::to_string(n_) + " nodes)");
  }
}

uint32_t Pattern::dest(uint32_t src, uint64_t rnd) const {
  uint32_t x = src % kx_, y = src / kx_;
  uint32_t mask = (bits_ ? (1u << bits_) : 1u) - 1;
  switch (kind_) {
    case PatternKind::uniform:
      return uint32_t(unit(rnd) * n_);
    case PatternKind::hotspot:
      if (unit(rnd) < frac_) return hot_;
      return uint32_t(unit(rnd * 0x2545F4914F6CDD1Dull + 1) * n_);
    case PatternKind::bitcomp:
      return ~src & mask;
    case PatternKind::bitrev: {
      uint32_t d = 0;
      for (uint32_t b = 0; b < bits_; ++b)
        if (src & (1u << b)) d |= 1u << (bits_ - 1 - b);
      return d;
    }
    case PatternKind::shuffle:
      return bits_ ? ((src << 1) | (src >> (bits_ - 1))) & mask : 0;
    case PatternKind::transpose:
      return x * kx_ + y;
    case PatternKind::tornado:
      return ((y + (ky_ + 1) / 2 - 1) % ky_) * kx_ + (x + (kx_ + 1) / 2 - 1) % kx_;
    case PatternKind::neighbor:
      break;
  }
  // neighbor: +1 in every dimension (BookSim)
  return ((y + 1) % ky_) * kx_ + (x + 1) % kx_;
}

TrafficResult run_traffic(const NocConfig& noc, const TrafficConfig& cfg) {
  Engine eng(noc);
  eng.set_track_matrix(false);  // never read here
  if (cfg.per_vc) {
    eng.set_track_vcs(true);
    eng.reset_stats();  // the VC counters exist from here (nothing has happened yet)
  }
  const Topology& topo = eng.topology();
  Pattern pattern(topo, cfg);
  const uint32_t n = topo.nodes();
  const uint32_t L = cfg.packet_flits;
  TrafficResult res;
  res.offered = cfg.injection_rate;
  const double q = cfg.injection_rate / L;  // packets/node/cycle
  if (q > 1.0)
    throw NocError("traffic: injection rate " + std::to_string(cfg.injection_rate) +
                   " flits/node/cycle with " + std::to_string(L) +
                   "-flit packets exceeds one packet per node per cycle");
  const uint64_t w0 = cfg.warmup_cycles + 1, w1 = w0 + cfg.measure_cycles;  // [w0, w1)
  const uint64_t stop = w1 + cfg.drain_cycles;

  std::vector<uint64_t> rng(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t s = cfg.seed * 0x100000001B3ull + i;
    rng[i] = splitmix64(s);
  }
  // Geometric gap >= 1 for Bernoulli(q) trials each cycle.
  const double log1mq = q < 1.0 ? std::log1p(-q) : 0.0;
  auto gap = [&](uint32_t node) -> uint64_t {
    if (q >= 1.0) return 1;
    double u = unit(splitmix64(rng[node]));
    double g = std::floor(std::log1p(-u) / log1mq);
    if (!(g < 1e15)) return stop + 1;
    return 1 + uint64_t(g);
  };

  std::vector<uint32_t> lat;
  uint64_t measured_out = 0, window_flits_in = 0, window_flits_out = 0, reply_flits_out = 0;
  double net_sum = 0, q_sum = 0, hop_sum = 0;
  auto in_window = [&](uint64_t c) { return c >= w0 && c < w1; };

  // request_reply: per-node slots and backlog, and one record per request in flight (the
  // packets' tag is its index + 1).
  const bool rr = cfg.mode_kind() == TrafficMode::request_reply;
  if (rr && noc.router.vnets < 2)
    throw NocError(
        "traffic: mode request_reply needs noc.router.vnets >= 2 (replies travel on "
        "vnet 1)");
  struct Req {
    uint64_t created = 0, req_injected = 0;
    uint32_t req_hops = 0;
    bool measured = false;
  };
  struct Waiting {
    uint64_t created;
    uint32_t dst;
    bool measured;
  };
  std::vector<Req> reqs;
  std::vector<uint32_t> free_reqs;
  std::vector<uint32_t> outstanding(n, 0);
  std::vector<std::deque<Waiting>> backlog(n);
  auto send_request = [&](uint32_t s, const Waiting& w, uint64_t at) {
    uint32_t idx;
    if (free_reqs.empty()) {
      idx = uint32_t(reqs.size());
      reqs.emplace_back();
    } else {
      idx = free_reqs.back();
      free_reqs.pop_back();
    }
    reqs[idx] = Req{w.created, 0, 0, w.measured};
    ++outstanding[s];
    eng.send(s, w.dst, L, 0, uint64_t(idx) + 1, at);
  };

  eng.on_delivered = [&](uint32_t, const Packet& p) {
    if (!rr) {
      if (in_window(p.ejected)) window_flits_out += p.flits;
      if (p.tag) {  // measured packet
        --measured_out;
        lat.push_back(uint32_t(p.ejected - p.created));
        net_sum += double(p.ejected - p.injected);
        q_sum += double(p.injected - p.created);
        hop_sum += p.hops;
      }
      return;
    }
    const Packet q = p;  // send() below may move the engine's packets
    if (q.vnet == 0) {   // a request reached its destination: reply at once
      if (in_window(q.ejected)) window_flits_out += q.flits;
      reqs[q.tag - 1].req_injected = q.injected;
      reqs[q.tag - 1].req_hops = q.hops;
      eng.send(q.dst, q.src, cfg.reply_flits, 1, q.tag, q.ejected + 1);
      return;
    }
    // A reply reached the requester: the round trip is over and its slot is free.
    if (in_window(q.ejected)) reply_flits_out += q.flits;
    const Req r = reqs[q.tag - 1];
    free_reqs.push_back(uint32_t(q.tag - 1));
    --outstanding[q.dst];
    if (r.measured) {
      --measured_out;
      lat.push_back(uint32_t(q.ejected - r.created));
      q_sum += double(r.req_injected - r.created);
      net_sum += double(q.ejected - r.req_injected);
      hop_sum += 0.5 * double(r.req_hops + q.hops);
    }
    if (!backlog[q.dst].empty()) {
      const Waiting w = backlog[q.dst].front();
      backlog[q.dst].pop_front();
      send_request(q.dst, w, q.ejected + 1);
    }
  };

  using Item = std::pair<uint64_t, uint32_t>;  // (cycle, node)
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> next;
  if (q > 0)
    for (uint32_t i = 0; i < n; ++i) next.push({gap(i), i});
  bool reset_done = false;
  while (true) {
    uint64_t c = next.empty() ? stop : std::min(next.top().first, stop);
    if (!reset_done && c > w0) {
      eng.run_until(w0 - 1);
      eng.reset_stats();
      reset_done = true;
    }
    eng.run_until(c - 1);
    if (eng.now() + 1 >= w1 && measured_out == 0) break;
    if (c >= stop) break;
    while (!next.empty() && next.top().first == c) {
      uint32_t s = next.top().second;
      next.pop();
      uint32_t d = pattern.dest(s, splitmix64(rng[s]));
      bool measured = in_window(c);
      if (measured) {
        ++measured_out;
        window_flits_in += L;
      }
      if (!rr)
        eng.send(s, d, L, 0, measured ? 1 : 0, c);
      else if (outstanding[s] < cfg.max_outstanding)
        send_request(s, Waiting{c, d, measured}, c);
      else
        backlog[s].push_back(Waiting{c, d, measured});
      next.push({c + gap(s), s});
    }
  }
  if (!reset_done) eng.reset_stats();
  eng.sync_stats();
  const auto& st = eng.stats();
  double denom = double(n) * double(cfg.measure_cycles);
  res.injected = window_flits_in / denom;
  res.accepted = window_flits_out / denom;
  res.replies_accepted = reply_flits_out / denom;
  res.packets = lat.size();
  res.packets_missing = measured_out;
  res.stable = measured_out == 0;
  res.cycles = eng.now();
  res.flit_hops = st.flit_router_traversals;
  res.router_cycles = st.router_cycles;
  if (!lat.empty()) {
    double sum = 0;
    for (uint32_t v : lat) sum += v;
    double k = double(lat.size());
    res.avg_packet_latency = sum / k;
    res.avg_network_latency = net_sum / k;
    res.avg_queueing_latency = q_sum / k;
    res.avg_hops = hop_sum / k;
    auto pct = [&](double p) {
      size_t i = std::min(lat.size() - 1, size_t(std::ceil(p / 100.0 * k)) - (p > 0 ? 1 : 0));
      std::nth_element(lat.begin(), lat.begin() + long(i), lat.end());
      return double(lat[i]);
    };
    res.p50_packet_latency = pct(50);
    res.p99_packet_latency = pct(99);
    res.max_packet_latency = *std::max_element(lat.begin(), lat.end());
  }
  uint64_t span = std::max<uint64_t>(1, eng.now() - st.since_cycle);
  for (uint64_t f : st.link_flits)
    res.max_link_utilisation = std::max(res.max_link_utilisation, double(f) / double(span));
  for (uint32_t v = 0; v < n; ++v)
    for (uint32_t p = 1; p < topo.ports(); ++p) {
      uint32_t peer = topo.port(v, p).peer;
      if (peer == Topology::kNone) continue;
      TrafficResult::LinkUse l{
          v, peer, p, double(st.link_flits[size_t(v) * topo.ports() + p]) / double(span), {}, {}};
      if (cfg.per_vc) {
        const uint32_t vcs = eng.vcs(), pp = topo.port(v, p).peer_port;
        for (uint32_t c = 0; c < vcs; ++c) {
          const size_t out = (size_t(v) * topo.ports() + p) * vcs + c;
          const size_t in = (size_t(peer) * topo.ports() + pp) * vcs + c;
          l.vc_utilisation.push_back(double(st.vc_flits[out]) / double(span));
          l.vc_occupancy.push_back(double(eng.vc_flit_cycles(in)) / double(span));
        }
      }
      res.links.push_back(std::move(l));
    }
  res.saturated = !res.stable || res.accepted < (1.0 - kSaturationTolerance) * res.offered;
  res.energy_router_pj = st.energy_buffer_pj + st.energy_alloc_pj + st.energy_crossbar_pj;
  res.energy_link_pj = st.energy_link_pj;
  return res;
}

SweepSummary summarize_sweep(const std::vector<TrafficResult>& pts) {
  SweepSummary s;
  const double nan = std::nan("");
  s.knee_2x_offered = s.knee_3x_offered = s.saturation_offered = nan;
  if (pts.empty()) return s;
  s.zero_load_latency = pts.front().avg_packet_latency;
  auto knee = [&](double factor) {
    double target = factor * s.zero_load_latency;
    for (size_t i = 1; i < pts.size(); ++i) {
      const auto &a = pts[i - 1], &b = pts[i];
      if (b.avg_packet_latency >= target && a.avg_packet_latency < target) {
        double f = (target - a.avg_packet_latency) / (b.avg_packet_latency - a.avg_packet_latency);
        return a.offered + f * (b.offered - a.offered);
      }
    }
    return nan;
  };
  s.knee_2x_offered = knee(2.0);
  s.knee_3x_offered = knee(3.0);
  const TrafficResult* last_ok = &pts.front();
  for (const auto& p : pts) {
    s.saturation_throughput = std::max(s.saturation_throughput, p.accepted);
    if (p.saturated) {
      if (std::isnan(s.saturation_offered)) s.saturation_offered = p.offered;
    } else if (std::isnan(s.saturation_offered)) {
      last_ok = &p;
    }
  }
  s.network_latency_at_knee = last_ok->avg_network_latency;
  s.queueing_latency_at_knee = last_ok->avg_queueing_latency;
  return s;
}

}  // namespace imcvp::noc
