#include "models/noc/engine.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "models/noc/noc_power.h"

namespace imcvp::noc {

namespace {
uint64_t pow2_at_least(uint64_t v) {
  uint64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}
}  // namespace

Engine::Engine(const NocConfig& cfg) : cfg_(cfg), topo_(cfg) {
  apply_power_model(cfg_, topo_);  // energy.model = parametric (models/noc/noc_power.h)
  const auto& r = cfg.router;
  n_ = topo_.nodes();
  ports_ = topo_.ports();
  vcs_ = r.vcs;
  depth_ = r.buffer_depth_flits;
  classes_ = topo_.classes();
  {
    const uint32_t per_vnet = vcs_ / r.vnets;
    if (topo_.escape()) {
      uint32_t esc = r.escape_vcs ? r.escape_vcs : std::max<uint32_t>(1, per_vnet / 4);
      if (esc >= per_vnet)
        throw NocError("noc.router.escape_vcs: " + std::to_string(esc) +
                       " escape VCs leave no adaptive VC of the " + std::to_string(per_vnet) +
                       " per vnet");
      cls_n_[0] = per_vnet - esc;
      cls_n_[1] = esc;
    } else {
      cls_n_[0] = cls_n_[1] = vcs_ / (r.vnets * classes_);
    }
    cls_off_[1] = cls_n_[0];
    span_ = classes_ == 2 ? cls_n_[0] + cls_n_[1] : cls_n_[0];
  }
  if (vcs_ > 64) throw NocError("noc.router.vcs: at most 64 VCs per port");
  if (depth_ > 0xffff) throw NocError("noc.router.buffer_depth_flits: at most 65535");
  rc_ = r.routing_delay_cycles;
  va_ = r.vc_alloc_delay_cycles;
  sa_ = r.sw_alloc_delay_cycles;
  st_ = r.st_delay_cycles;
  link_ = r.link_latency_cycles;
  credit_ = r.credit_delay_cycles;
  ni_delay_ = r.ni_delay_cycles;
  if (va_ == 0 || sa_ == 0 || link_ == 0)
    throw NocError("noc.router: vc_alloc, sw_alloc and link delays must be at least 1 cycle");
  vct_ = r.flow_control_kind() == FlowControl::vct;
  release_on_tail_ = r.vc_release_kind() == VcRelease::tail;
  age_ = r.arbitration_kind() == Arbitration::age;
  escape_ = topo_.escape();
  width_bits_ = r.link_width_bits;
  const auto& e = cfg_.energy;
  router_pj_per_flit_ =
      (e.buffer_pj_per_bit + e.alloc_pj_per_bit + e.crossbar_pj_per_bit) * width_bits_;
  link_pj_per_bit_mm_ = e.link_pj_per_bit_mm;

  in_.assign(size_t(n_) * ports_ * vcs_, InVc{});
  buf_.assign(in_.size() * depth_, Flit{0, 0});
  OutVc fresh;
  fresh.credits = uint16_t(depth_);
  out_.assign(in_.size(), fresh);
  routers_.resize(n_);
  port_state_.assign(size_t(n_) * ports_, PortState{});
  pools_ = ports_ * r.vnets * classes_;
  va_in_ptr_.assign(size_t(n_) * pools_, 0);
  nis_.resize(n_);
  for (auto& ni : nis_) {
    ni.q.resize(r.vnets);
    ni.vc.assign(r.vnets, -1);
    ni.seq.assign(r.vnets, 0);
    ni.out.assign(vcs_, fresh);
  }
  uint64_t max_link = link_;  // per-link latencies (noc.wire_delay_cycles_per_mm, custom links)
  for (uint32_t v = 0; v < n_; ++v)
    for (uint32_t p = 1; p < ports_; ++p)
      if (topo_.port(v, p).peer != Topology::kNone)
        max_link = std::max<uint64_t>(max_link, topo_.port(v, p).latency);
  uint64_t max_delay = std::max<uint64_t>(sa_ + st_ + max_link, max_link + credit_) + ni_delay_ + 2;
  uint64_t w = pow2_at_least(max_delay + 1);
  wheel_.resize(w);
  wheel_mask_ = w - 1;
  req_in_.resize(ports_);
  grants_.resize(ports_);
  won_.assign(ports_, -1);
  reset_stats();
}

void Engine::reset_stats() {
  sync_stats();
  stats_ = NetStats{};
  stats_.link_flits.assign(size_t(n_) * ports_, 0);
  stats_.vc_stall_cycles.assign(in_.size(), 0);
  vcs_on_ = track_vcs_;
  if (vcs_on_) {
    stats_.vc_flits.assign(in_.size(), 0);
    stats_.vc_occupancy.assign(in_.size(), 0);
    // Flits buffered now count from now on.
    for (size_t i = 0; i < in_.size(); ++i)
      stats_.vc_occupancy[i] = -int64_t(in_[i].count) * int64_t(now_);
  }
  stats_.buffer_flit_cycles.assign(n_, 0);
  stats_.buffer_peak_flits.assign(n_, 0);
  for (uint32_t r = 0; r < n_; ++r) stats_.buffer_peak_flits[r] = routers_[r].buffered;
  stats_.since_cycle = now_;
  for (auto& rt : routers_) rt.occ_since = now_;
}

void Engine::sync_stats() {
  if (stats_.buffer_flit_cycles.size() != n_) return;
  for (uint32_t r = 0; r < n_; ++r) account_occupancy(r, now_);
}

void Engine::account_occupancy(uint32_t r, uint64_t t) {
  Router& rt = routers_[r];
  if (t > rt.occ_since) {
    stats_.buffer_flit_cycles[r] += uint64_t(rt.buffered) * (t - rt.occ_since);
    rt.occ_since = t;
  }
}

uint32_t Engine::send(uint32_t src, uint32_t dst, uint32_t flits, uint32_t vnet, uint64_t tag,
                      uint64_t at) {
  if (src >= n_ || dst >= n_)
    throw NocError("noc: packet from node " + std::to_string(src) + " to node " +
                   std::to_string(dst) + ": unknown node (network has " + std::to_string(n_) +
                   " nodes)");
  if (vnet >= cfg_.router.vnets)
    throw NocError("noc: vnet " + std::to_string(vnet) +
                   " out of range (router.vnets = " + std::to_string(cfg_.router.vnets) + ")");
  if (flits == 0) throw NocError("noc: a packet needs at least one flit");
  if (vct_ && flits > depth_)
    throw NocError("noc: virtual cut-through needs buffer_depth_flits (" + std::to_string(depth_) +
                   ") >= packet size (" + std::to_string(flits) + " flits)");
  uint32_t id;
  if (!free_pkts_.empty()) {
    id = free_pkts_.back();
    free_pkts_.pop_back();
  } else {
    id = static_cast<uint32_t>(pkts_.size());
    pkts_.emplace_back();
  }
  Packet& p = pkts_[id];
  p = Packet{};
  p.src = src;
  p.dst = dst;
  p.flits = flits;
  p.vnet = vnet;
  p.created = std::max(at, now_ + 1);
  p.tag = tag;
  p.live = true;
  Ni& ni = nis_[src];
  ni.q[vnet].push_back(id);
  ++ni.queued;
  uint64_t ready = p.created + ni_delay_;
  if (!ni.active) {
    ni.active = true;
    ni.wake = ready;
    active_nis_.push_back(src);
  } else {
    ni.wake = std::min(ni.wake, ready);
  }
  ++stats_.packets_sent;
  stats_.flits_sent += flits;
  return id;
}

void Engine::schedule(uint64_t at, const Event& e) {
  wheel_[at & wheel_mask_].push_back(e);
  ++pending_events_;
}

void Engine::activate(uint32_t r) {
  Router& rt = routers_[r];
  if (!rt.active) {
    rt.active = true;
    active_routers_.push_back(r);
  }
}

uint64_t Engine::next_event() const {
  if (!active_routers_.empty()) return now_ + 1;
  uint64_t best = kNever;
  for (uint32_t n : active_nis_) best = std::min(best, std::max(nis_[n].wake, now_ + 1));
  if (best == now_ + 1) return best;
  if (pending_events_) {
    for (uint64_t t = now_ + 1; t <= now_ + wheel_.size() && t < best; ++t)
      if (!wheel_[t & wheel_mask_].empty()) return t;
  }
  return best;
}

void Engine::run_until(uint64_t until) {
  while (now_ < until) {
    uint64_t t = next_event();
    if (t == kNever || t > until) {
      now_ = until;
      return;
    }
    cycle(t);
    now_ = t;
  }
}

uint64_t Engine::run_until_delivery(uint64_t limit) {
  const uint64_t before = deliveries_;
  while (deliveries_ == before) {
    const uint64_t t = next_event();
    if (t == kNever || t > limit) break;
    cycle(t);
    now_ = t;
  }
  return now_;
}

// Stage 0 fetches the VC state, stage 1 (later) what that state points to.
// Always inlined: GCC treats a function made only of prefetches as pure and drops calls to it.
__attribute__((always_inline)) inline void Engine::prefetch_event(const Event& e, int stage) const {
  switch (e.kind) {
    case kFlit: {
      const size_t idx = in_idx(e.node, e.port, e.vc);
      if (stage == 0) {
        __builtin_prefetch(&in_[idx]);
        __builtin_prefetch(&routers_[e.node]);
        __builtin_prefetch(&port_state_[size_t(e.node) * ports_ + e.port]);
      } else {
        const InVc& iv = in_[idx];
        uint32_t pos = uint32_t(iv.head) + iv.count;
        if (pos >= depth_) pos -= depth_;
        __builtin_prefetch(&buf_[idx * depth_ + pos]);
      }
      break;
    }
    case kCredit:
      if (stage == 0) __builtin_prefetch(&out_[in_idx(e.node, e.port, e.vc)]);
      break;
    case kNiCredit:
      break;
    case kEject:
      if (stage == 0) __builtin_prefetch(&pkts_[e.flit.pkt]);
      break;
  }
}

// Stage 0: the input VCs holding flits; stage 1 (one router later): their head flits, packets
// and the output VCs they hold.
__attribute__((always_inline)) inline void Engine::prefetch_router(uint32_t r, int stage) const {
  const PortState* ps = &port_state_[size_t(r) * ports_];
  for (uint32_t p = 0; p < ports_; ++p) {
    uint64_t m = ps[p].nonempty;
    while (m) {
      const uint32_t v = uint32_t(__builtin_ctzll(m));
      m &= m - 1;
      const size_t idx = in_idx(r, p, v);
      if (stage == 0) {
        __builtin_prefetch(&in_[idx]);
        continue;
      }
      const InVc& iv = in_[idx];
      __builtin_prefetch(&buf_[idx * depth_ + iv.head]);
      __builtin_prefetch(&pkts_[iv.pkt]);
      if (iv.state == kActive && iv.out_port != Topology::kLocal) {
        __builtin_prefetch(&out_[in_idx(r, iv.out_port, iv.out_vc)]);
      } else if (iv.state == kVcAlloc && iv.cand.c[0].port != Topology::kLocal) {
        const OutVc* o = &out_[in_idx(r, iv.cand.c[0].port, 0)];
        __builtin_prefetch(o);
        __builtin_prefetch(o + vcs_ - 1);
      }
    }
  }
}

void Engine::cycle(uint64_t t) {
  // 1. Arrivals due this cycle.
  auto& slot = wheel_[t & wheel_mask_];
  if (!slot.empty()) {
    // apply() never schedules into the current slot (all delays >= 1). The state an event
    // touches is prefetched a few events ahead: at 1,000 routers the network's state does not
    // fit the caches and the engine waits on memory otherwise (results do not depend on it).
    const size_t ne = slot.size();
    for (size_t i = 0; i < ne; ++i) {
      if (i + 2 * kPrefetchEvents < ne) prefetch_event(slot[i + 2 * kPrefetchEvents], 0);
      if (i + kPrefetchEvents < ne) prefetch_event(slot[i + kPrefetchEvents], 1);
      apply(slot[i], t);
    }
    pending_events_ -= slot.size();
    slot.clear();
  }
  // 2. NIs.
  if (!active_nis_.empty()) {
    scratch_.clear();
    for (uint32_t n : active_nis_) {
      Ni& ni = nis_[n];
      if (ni.wake <= t) step_ni(n, t);
      if (ni.queued)
        scratch_.push_back(n);
      else
        ni.active = false;
    }
    active_nis_.swap(scratch_);
  }
  // 3. Routers holding flits.
  if (!active_routers_.empty()) {
    stats_.router_cycles += active_routers_.size();
    // Prefetched in stages (results do not depend on it): the port masks two routers ahead,
    // then the input VCs and flit buffers they name one router ahead.
    const size_t na = active_routers_.size();
    for (size_t i = 0; i < na; ++i) {
      if (i + 6 < na) {
        const uint32_t r6 = active_routers_[i + 6];
        __builtin_prefetch(&port_state_[size_t(r6) * ports_]);
        __builtin_prefetch(&routers_[r6]);
      }
      if (i + 4 < na) prefetch_router(active_routers_[i + 4], 0);
      if (i + 2 < na) prefetch_router(active_routers_[i + 2], 1);
      step_router(active_routers_[i], t);
    }
    size_t k = 0;
    for (uint32_t r : active_routers_) {
      if (routers_[r].buffered)
        active_routers_[k++] = r;
      else
        routers_[r].active = false;
    }
    active_routers_.resize(k);
    if (buffered_total_ && t - last_progress_ > cfg_.deadlock_window_cycles) report_deadlock(t);
  }
}

void Engine::apply(const Event& e, uint64_t t) {
  switch (e.kind) {
    case kFlit: {
      --in_flight_;
      uint32_t r = e.node;
      InVc& iv = in_[in_idx(r, e.port, e.vc)];
      size_t base = in_idx(r, e.port, e.vc) * depth_;
      uint32_t pos = uint32_t(iv.head) + iv.count;
      if (pos >= depth_) pos -= depth_;
      buf_[base + pos] = e.flit;
      if (vcs_on_) stats_.vc_occupancy[in_idx(r, e.port, e.vc)] -= int64_t(t);
      if (iv.count == 0 && iv.state == kIdle) {
        iv.state = kRouting;
        iv.pkt = e.flit.pkt;
        iv.ready = t + rc_;
      }
      ++iv.count;
      Router& rt = routers_[r];
      account_occupancy(r, t);
      ++rt.buffered;
      ++buffered_total_;
      if (rt.buffered > stats_.buffer_peak_flits[r]) stats_.buffer_peak_flits[r] = rt.buffered;
      port_state_[size_t(r) * ports_ + e.port].nonempty |= uint64_t(1) << e.vc;
      activate(r);
      break;
    }
    case kCredit: {
      OutVc& ov = out_[in_idx(e.node, e.port, e.vc)];
      ++ov.credits;
      if (ov.tail_sent && ov.credits == depth_) {
        ov.owner = -1;
        ov.tail_sent = false;
      }
      break;
    }
    case kNiCredit: {
      OutVc& ov = nis_[e.node].out[e.vc];
      ++ov.credits;
      if (ov.tail_sent && ov.credits == depth_) {
        ov.owner = -1;
        ov.tail_sent = false;
      }
      break;
    }
    case kEject: {
      --in_flight_;
      Packet& p = pkts_[e.flit.pkt];
      ++stats_.flits_delivered;
      last_progress_ = t;
      if (e.flit.seq + 1 == p.flits) {
        p.ejected = t;
        ++stats_.packets_delivered;
        uint64_t lat = p.ejected - p.created;
        stats_.latency_sum += lat;
        stats_.network_latency_sum += p.ejected - p.injected;
        stats_.queueing_latency_sum += p.injected - p.created;
        stats_.hops_sum += p.hops;
        stats_.latency.sample(double(lat));
        if (track_matrix_) {
          auto& pc = stats_.matrix[uint64_t(p.src) * n_ + p.dst];
          ++pc.packets;
          pc.flits += p.flits;
        }
        ++deliveries_;
        if (on_delivered) on_delivered(e.flit.pkt, p);
        // The callback may send() (a reply), which can grow pkts_: index again.
        pkts_[e.flit.pkt].live = false;
        free_pkts_.push_back(e.flit.pkt);
      }
      break;
    }
  }
}

void Engine::step_ni(uint32_t node, uint64_t t) {
  Ni& ni = nis_[node];
  const uint32_t vnets = uint32_t(ni.q.size());
  uint64_t wake = kNever;
  for (uint32_t k = 0; k < vnets; ++k) {
    uint32_t vn = (ni.rr + k) % vnets;
    auto& q = ni.q[vn];
    if (q.empty()) continue;
    uint32_t id = q.front();
    Packet& p = pkts_[id];
    uint64_t ready = p.created + ni_delay_;
    if (ready > t) {
      wake = std::min(wake, ready);
      continue;
    }
    wake = t + 1;  // blocked or sending: look again next cycle
    if (ni.vc[vn] < 0) {
      // Any VC of the vnet: the injection channel belongs to no ring, so no dateline class.
      uint32_t b = vc_base(vn, 0);
      for (uint32_t v = b; v < b + span_; ++v)
        if (ni.out[v].owner < 0) {
          ni.out[v].owner = 0;
          ni.vc[vn] = int32_t(v);
          break;
        }
      if (ni.vc[vn] < 0) continue;
    }
    OutVc& ov = ni.out[ni.vc[vn]];
    if (ov.credits == 0) continue;
    --ov.credits;
    uint32_t seq = ni.seq[vn]++;
    if (seq == 0) p.injected = t - ni_delay_;  // BookSim: NI stage counts as network time
    Event e{kFlit, uint16_t(Topology::kLocal), uint16_t(ni.vc[vn]), node, Flit{id, seq}};
    schedule(t + link_, e);
    ++in_flight_;
    last_progress_ = t;
    if (seq + 1 == p.flits) {
      ov.tail_sent = true;
      if (release_on_tail_ || ov.credits == depth_) {
        ov.owner = -1;
        ov.tail_sent = false;
      }
      ni.vc[vn] = -1;
      ni.seq[vn] = 0;
      q.pop_front();
      --ni.queued;
    }
    ni.rr = (vn + 1) % vnets;
    break;  // one flit per cycle
  }
  ni.wake = wake;
}

bool Engine::try_vc_alloc(uint32_t r, uint32_t in_port, uint32_t vc, uint64_t t) {
  InVc& iv = in_[in_idx(r, in_port, vc)];
  const Packet& p = pkts_[iv.pkt];
  int best = -1;
  uint32_t best_vc = 0, best_free = 0;
  // Fallback candidates (escape VCs) are only considered when no other candidate has a free VC.
  for (int pass = 0; pass < 2 && best < 0; ++pass)
    for (uint32_t c = 0; c < iv.cand.n; ++c) {
      const auto& ch = iv.cand.c[c];
      if (ch.fallback != pass) continue;
      if (ch.port == Topology::kLocal) {  // ejection: no VC to allocate
        best = int(c);
        best_vc = 0;
        break;
      }
      uint32_t b = vc_base(p.vnet, ch.cls), cnt = cls_n_[ch.cls];
      uint32_t off = port_state_[size_t(r) * ports_ + ch.port].va_ptr % cnt;
      uint32_t nfree = 0, first = 0;
      const OutVc* ovs = &out_[in_idx(r, ch.port, b)];
      for (uint32_t k = 0; k < cnt; ++k) {
        const OutVc& ov = ovs[off];
        if (ov.owner < 0 && (!vct_ || ov.credits >= p.flits)) {
          if (nfree++ == 0) first = b + off;
        }
        if (++off == cnt) off = 0;
      }
      if (nfree > best_free) {
        best_free = nfree;
        best = int(c);
        best_vc = first;
      }
    }
  if (best < 0) return false;
  const auto& ch = iv.cand.c[best];
  iv.out_port = ch.port;
  iv.out_vc = uint16_t(best_vc);
  if (ch.port != Topology::kLocal) {
    out_[in_idx(r, ch.port, best_vc)].owner = int32_t(in_port * vcs_ + vc);
    port_state_[size_t(r) * ports_ + ch.port].va_ptr =
        uint16_t((best_vc - vc_base(p.vnet, ch.cls) + 1) % cls_n_[ch.cls]);
  }
  pkts_[iv.pkt].rstate = ch.state;
  iv.state = kActive;
  iv.ready = t + va_;
  return true;
}

void Engine::step_router(uint32_t r, uint64_t t) {
  PortState* ps = &port_state_[size_t(r) * ports_];
  uint16_t* va_in_ptr = &va_in_ptr_[size_t(r) * pools_];
  // RC, then VA requests. VA arbitrates per output VC pool (output port, vnet, dateline class)
  // over the requesting input VCs; each winner takes a free VC of its pool. round_robin: the
  // pool's pointer moves past the first winner (fixed order starved inputs when VCs free up
  // periodically; one pointer shared by all pools of a port starved through traffic on rings
  // and tori, as class-1 winners kept resetting it so local class-0 VCs always came first).
  // age: oldest packet first (ties by input VC), which bounds every packet's wait and keeps
  // rings/tori at their peak throughput past saturation (docs/noc-model.md).
  va_reqs_.clear();
  const uint32_t pv = ports_ * vcs_;
  for (uint32_t p = 0; p < ports_; ++p) {
    uint64_t m = ps[p].nonempty;
    while (m) {
      uint32_t v = uint32_t(__builtin_ctzll(m));
      m &= m - 1;
      InVc& iv = in_[in_idx(r, p, v)];
      if (iv.state == kRouting && iv.ready <= t) {
        const Packet& pk = pkts_[iv.pkt];
        topo_.route(r, pk.src, pk.dst, pk.rstate, iv.cand);
        iv.state = kVcAlloc;
      }
      if (iv.state == kVcAlloc) {
        // Adaptive routing: arbitrated in the pool of the first candidate.
        const auto& ch = iv.cand.c[0];
        uint32_t pool = (ch.port * cfg_.router.vnets + pkts_[iv.pkt].vnet) * classes_ + ch.cls;
        uint32_t me = p * vcs_ + v;
        uint64_t rr = me + pv - va_in_ptr[pool];
        if (rr >= pv) rr -= pv;
        if (escape_) {
          // Escape routing: the adaptive and escape pools of a port are shared by requests
          // from several first-candidate pools, so arbitrate over all requests of the router
          // by waiting time (age: creation; round_robin: since VA began), rotating on ties.
          // Ordering by pool first let one pool's requests win every freed escape VC and
          // starved another's packets (14 of them for 20,000 cycles on the express mesh).
          uint64_t since = age_ ? pkts_[iv.pkt].created : iv.ready;
          va_reqs_.push_back({(since << 20) | rr, (uint64_t(pool) << 20) | me});
        } else {
          uint64_t prio = age_ ? pkts_[iv.pkt].created : rr;
          va_reqs_.push_back({pool, (prio << 20) | me});
        }
      }
    }
  }
  if (!va_reqs_.empty()) {
    std::sort(va_reqs_.begin(), va_reqs_.end());
    uint32_t last_pool = ~0u;
    pools_won_.clear();
    for (const auto& q : va_reqs_) {
      uint32_t pool = escape_ ? uint32_t(q.second >> 20) : uint32_t(q.first);
      uint32_t me = uint32_t(q.second & 0xfffff);
      uint32_t p = me / vcs_, v = me % vcs_;
      if (try_vc_alloc(r, p, v, t)) {
        if (escape_) {
          if (std::find(pools_won_.begin(), pools_won_.end(), pool) == pools_won_.end()) {
            pools_won_.push_back(pool);
            va_in_ptr[pool] = uint16_t(me + 1 == pv ? 0 : me + 1);
          }
        } else if (pool != last_pool) {
          va_in_ptr[pool] = uint16_t(me + 1 == pv ? 0 : me + 1);
        }
        last_pool = pool;
      } else {
        ++stats_.vc_stall_cycles[in_idx(r, p, v)];
      }
    }
  }
  // SA: iSLIP, one iteration. Requests: every ready VC with a credit.
  touched_out_.clear();
  for (uint32_t p = 0; p < ports_; ++p) {
    uint64_t m = ps[p].nonempty;
    while (m) {
      uint32_t v = uint32_t(__builtin_ctzll(m));
      m &= m - 1;
      InVc& iv = in_[in_idx(r, p, v)];
      if (iv.state != kActive || iv.ready > t) continue;
      if (iv.out_port != Topology::kLocal && out_[in_idx(r, iv.out_port, iv.out_vc)].credits == 0)
        continue;
      auto& reqs = req_in_[iv.out_port];
      if (reqs.empty()) touched_out_.push_back(iv.out_port);
      if (reqs.empty() || reqs.back() != p) reqs.push_back(uint16_t(p));
    }
  }
  for (uint32_t p = 0; p < ports_; ++p) won_[p] = -1;
  if (!touched_out_.empty()) switch_allocate(r, t);
  // Ready VCs that did not move a flit this cycle count as stalled (lost SA or no credit).
  for (uint32_t p = 0; p < ports_; ++p) {
    uint64_t m = ps[p].nonempty;
    while (m) {
      uint32_t v = uint32_t(__builtin_ctzll(m));
      m &= m - 1;
      const InVc& iv = in_[in_idx(r, p, v)];
      if (iv.state == kActive && iv.ready <= t && int32_t(v) != won_[p])
        ++stats_.vc_stall_cycles[in_idx(r, p, v)];
    }
  }
}

void Engine::switch_allocate(uint32_t r, uint64_t t) {
  PortState* ps = &port_state_[size_t(r) * ports_];
  // Grant: each output picks the requesting input nearest its pointer.
  touched_in_.clear();
  for (uint16_t o : touched_out_) {
    auto& reqs = req_in_[o];
    uint32_t g = ps[o].g_ptr, best = 0, bestd = ports_ + 1;
    for (uint16_t p : reqs) {
      uint32_t d = (p + ports_ - g) % ports_;
      if (d < bestd) {
        bestd = d;
        best = p;
      }
    }
    reqs.clear();
    if (grants_[best].empty()) touched_in_.push_back(uint16_t(best));
    grants_[best].push_back(o);
  }
  // Accept: each input picks the granting output nearest its pointer; pointers move on accept.
  for (uint16_t p : touched_in_) {
    auto& gs = grants_[p];
    uint32_t a = ps[p].a_ptr, best = 0, bestd = ports_ + 1;
    for (uint16_t o : gs) {
      uint32_t d = (o + ports_ - a) % ports_;
      if (d < bestd) {
        bestd = d;
        best = o;
      }
    }
    gs.clear();
    ps[best].g_ptr = uint16_t(p + 1u == ports_ ? 0 : p + 1);
    ps[p].a_ptr = uint16_t(best + 1 == ports_ ? 0 : best + 1);
    // The VC at input p that goes to `best`: oldest packet (age) or round-robin from the
    // input's VC pointer.
    uint64_t m = ps[p].nonempty;
    uint32_t vp = ps[p].vc_ptr, chosen = vcs_;
    uint64_t chosen_d = ~uint64_t(0);
    while (m) {
      uint32_t v = uint32_t(__builtin_ctzll(m));
      m &= m - 1;
      const InVc& iv = in_[in_idx(r, p, v)];
      if (iv.state != kActive || iv.ready > t || iv.out_port != best) continue;
      if (best != Topology::kLocal && out_[in_idx(r, best, iv.out_vc)].credits == 0) continue;
      uint64_t d = age_ ? (pkts_[iv.pkt].created << 8) | v : (v + vcs_ - vp) % vcs_;
      if (d < chosen_d) {
        chosen_d = d;
        chosen = v;
      }
    }
    ps[p].vc_ptr = uint16_t((chosen + 1) % vcs_);
    won_[p] = int32_t(chosen);
    send_flit(r, p, chosen, t);
  }
}

void Engine::send_flit(uint32_t r, uint32_t p, uint32_t v, uint64_t t) {
  size_t idx = in_idx(r, p, v);
  InVc& iv = in_[idx];
  Flit f = buf_[idx * depth_ + iv.head];
  iv.head = uint16_t(iv.head + 1u == depth_ ? 0 : iv.head + 1);
  --iv.count;
  if (vcs_on_) {
    stats_.vc_occupancy[idx] += int64_t(t);
    if (iv.out_port != Topology::kLocal) ++stats_.vc_flits[in_idx(r, iv.out_port, iv.out_vc)];
  }
  Router& rt = routers_[r];
  account_occupancy(r, t);
  --rt.buffered;
  --buffered_total_;
  last_progress_ = t;
  Packet& pk = pkts_[f.pkt];
  bool head = f.seq == 0, tail = f.seq + 1 == pk.flits;
  if (head) ++pk.hops;
  // Credit back upstream (a router's output VC, or the NI's injection VC).
  if (p == Topology::kLocal) {
    schedule(t + link_ + credit_, Event{kNiCredit, 0, uint16_t(v), r, Flit{0, 0}});
  } else {
    // Credits travel back over the same (pipelined) link: its latency.
    const auto& pt = topo_.port(r, p);
    schedule(t + pt.latency + credit_,
             Event{kCredit, uint16_t(pt.peer_port), uint16_t(v), pt.peer, Flit{0, 0}});
  }
  uint32_t o = iv.out_port;
  uint64_t arrive = t + sa_ + st_ + (o == Topology::kLocal ? link_ : topo_.port(r, o).latency);
  ++in_flight_;
  ++stats_.flit_router_traversals;
  ++stats_.link_flits[size_t(r) * ports_ + o];
  stats_.energy_buffer_pj += cfg_.energy.buffer_pj_per_bit * width_bits_;
  stats_.energy_alloc_pj += cfg_.energy.alloc_pj_per_bit * width_bits_;
  stats_.energy_crossbar_pj += cfg_.energy.crossbar_pj_per_bit * width_bits_;
  if (o == Topology::kLocal) {
    schedule(arrive, Event{kEject, 0, 0, r, f});
  } else {
    OutVc& ov = out_[in_idx(r, o, iv.out_vc)];
    --ov.credits;
    if (tail) {
      if (release_on_tail_)
        ov.owner = -1;  // vc_release = tail
      else
        ov.tail_sent = true;
    }
    const auto& pt = topo_.port(r, o);
    ++stats_.flit_link_traversals;
    stats_.energy_link_pj += link_pj_per_bit_mm_ * pt.length_mm * width_bits_;
    schedule(arrive, Event{kFlit, uint16_t(pt.peer_port), iv.out_vc, pt.peer, f});
  }
  if (iv.count == 0) port_state_[size_t(r) * ports_ + p].nonempty &= ~(uint64_t(1) << v);
  if (tail) {
    iv.state = kIdle;
    if (iv.count) {  // next packet's head already waiting
      iv.state = kRouting;
      iv.pkt = buf_[idx * depth_ + iv.head].pkt;
      iv.ready = t + rc_;
    }
  }
}

void Engine::report_deadlock(uint64_t t) const {
  std::ostringstream os;
  os << "noc: deadlock detected at cycle " << t << ": no flit moved for " << (t - last_progress_)
     << " cycles while " << buffered_total_
     << " flits are buffered. Blocked input VCs (router port vc: state -> waiting for):";
  int shown = 0;
  static const char* names[] = {"idle", "routing", "vc_alloc", "active"};
  for (uint32_t r = 0; r < n_ && shown < 32; ++r)
    for (uint32_t p = 0; p < ports_ && shown < 32; ++p)
      for (uint32_t v = 0; v < vcs_ && shown < 32; ++v) {
        const InVc& iv = in_[in_idx(r, p, v)];
        if (!iv.count) continue;
        const Packet& pk = pkts_[iv.pkt];
        os << "\n  router " << r << " in port " << p << " vc " << v << " (" << iv.count
           << " flits, packet " << pk.src << "->" << pk.dst << "): " << names[iv.state];
        if (iv.state == kActive) {
          os << " -> out port " << iv.out_port << " vc " << iv.out_vc;
          if (iv.out_port != Topology::kLocal)
            os << " (credits " << out_[in_idx(r, iv.out_port, iv.out_vc)].credits << ")";
        } else if (iv.state == kVcAlloc) {
          os << " -> no free VC on port " << iv.cand.c[0].port;
        }
        ++shown;
      }
  if (shown == 32) os << "\n  ...";
  throw NocError(os.str());
}

}  // namespace imcvp::noc
