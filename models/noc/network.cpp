#include "models/noc/network.h"

#include "models/common/payload_parts.h"
#include "models/common/sim_time.h"
#include "models/common/trace.h"
#include "models/noc/noc_power.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

namespace imcvp::noc {

using sc_core::SC_PS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

Network::Network(sc_core::sc_module_name name, const NocConfig& cfg)
    : sc_module(name),
      target_socket("target_socket"),
      initiator_socket("initiator_socket"),
      cfg_(cfg),
      engine_(std::make_unique<Engine>(cfg)) {
  if (cfg.router.vnets < 2)
    throw NocError(std::string(this->name()) +
                   ": noc.router.vnets must be at least 2 inside the SoC (requests and responses "
                   "on separate virtual networks avoid protocol deadlock)");
  for (const auto& e : cfg.endpoints)
    if (e.node >= engine_->topology().nodes())
      throw NocError("noc.endpoints: endpoint '" + e.name + "' is on node " +
                     std::to_string(e.node) + ", which does not exist (" +
                     std::to_string(engine_->topology().nodes()) + " nodes)");
  period_ = sc_time(std::round(1e6 / cfg.router.clock_mhz), SC_PS);
  if (cfg.router.flow_control_kind() == FlowControl::vct) {
    const uint64_t biggest =
        1 + (uint64_t(cfg.ni.max_packet_payload_bytes) * 8 + cfg.router.link_width_bits - 1) /
                cfg.router.link_width_bits;
    if (biggest > cfg.router.buffer_depth_flits)
      throw NocError(std::string(this->name()) +
                     ": virtual cut-through needs whole packets to fit "
                     "a VC buffer, but noc.ni.max_packet_payload_bytes=" +
                     std::to_string(cfg.ni.max_packet_payload_bytes) + " makes packets of " +
                     std::to_string(biggest) + " flits and noc.router.buffer_depth_flits is " +
                     std::to_string(cfg.router.buffer_depth_flits));
  }
  target_socket.register_b_transport(this, &Network::b_transport);
  target_socket.register_nb_transport_fw(this, &Network::nb_transport_fw);
  target_socket.register_transport_dbg(this, &Network::transport_dbg);
  target_socket.register_get_direct_mem_ptr(this, &Network::get_direct_mem_ptr);
  engine_->on_delivered = [this](uint32_t, const Packet& p) {
    Seg* s = reinterpret_cast<Seg*>(p.tag);
    s->txn->arrived[s->index] = 1;
    if (s->response) ++s->txn->responses_arrived;
    // Delivered ahead of the kernel (run_ahead): clock_step wakes the waiter at that cycle.
    if (sc_time::from_value(p.ejected * period_.value()) > sc_core::sc_time_stamp())
      due_.push_back(s->txn);
    else
      s->txn->ev.notify(SC_ZERO_TIME);
  };
  // A method, not a thread: it wakes at every cycle with flits in flight, and a method
  // activation costs far less than a coroutine switch.
  SC_METHOD(clock_step);
  sensitive << kick_;
  register_stats();
}

unsigned Network::node_of(const std::string& endpoint) const {
  for (const auto& e : cfg_.endpoints)
    if (e.name == endpoint) return e.node;
  throw std::invalid_argument(std::string(name()) + ": endpoint '" + endpoint +
                              "' is not placed on any node (add it to noc.endpoints)");
}

int Network::add_initiator(std::string name, unsigned node) {
  check_node(std::string(this->name()) + ": initiator '" + name + "'", node);
  Ni& ni = nis_.emplace_back();
  const std::string pre = "ni." + name + ".";
  stats_.counter(pre + "transactions", ni.transactions, "count",
                 "Transactions this initiator's NI accepted");
  stats_.counter(pre + "peak_outstanding", ni.peak, "count",
                 "Most transactions this initiator had in flight at once");
  stats_.counter(pre + "slot_waits", ni.slot_waits, "count",
                 "Transactions that waited for a free slot (noc.ni.max_outstanding reached)");
  stats_.value(pre + "slot_wait_ns", ni.slot_wait_ns, "ns",
               "Time transactions waited for a free slot");
  initiators_.push_back(Endpoint{std::move(name), node, 0, 0});
  return int(initiators_.size()) - 1;
}

void Network::check_node(const std::string& me, unsigned node) const {
  if (node >= engine_->topology().nodes())
    throw std::invalid_argument(me + " on node " + std::to_string(node) +
                                ", which does not exist (" +
                                std::to_string(engine_->topology().nodes()) + " nodes)");
}

void Network::check_range(const std::string& me, unsigned node, uint64_t base,
                          uint64_t size) const {
  check_node(me, node);
  if (size == 0 || base + size - 1 < base)
    throw std::invalid_argument(me + ": empty or overflowing address range");
  for (const auto& [b, v] : by_base_) {
    const uint64_t sz = v >= 0 ? targets_[v].size : groups_[-v - 2].il.size;
    if (base < b + sz && b < base + size)
      throw std::invalid_argument(
          me + " overlaps target '" +
          (v >= 0 ? targets_[v].name : targets_[groups_[-v - 2].way_target[0]].name) + "'");
  }
}

int Network::add_target(std::string name, unsigned node, uint64_t base, uint64_t size) {
  check_range(std::string(this->name()) + ": target '" + name + "'", node, base, size);
  targets_.push_back(Endpoint{std::move(name), node, base, size, -1});
  by_base_[base] = int(targets_.size()) - 1;
  return int(targets_.size()) - 1;
}

int Network::add_interleaved_target(std::string name, unsigned node, const Interleave& il,
                                    uint32_t way) {
  const std::string me = std::string(this->name()) + ": target '" + name + "'";
  il.validate(me);
  if (way >= il.ways)
    throw std::invalid_argument(me + ": way " + std::to_string(way) + " of " +
                                std::to_string(il.ways));
  int g = -1;
  auto it = by_base_.find(il.base);
  if (it != by_base_.end() && it->second <= -2) {
    g = -it->second - 2;
    const Interleave& o = groups_[g].il;
    if (o.size != il.size || o.granule != il.granule || o.ways != il.ways)
      throw std::invalid_argument(me +
                                  ": interleaving differs from the other targets of the "
                                  "window");
    if (groups_[g].way_target[way] >= 0)
      throw std::invalid_argument(me + ": way " + std::to_string(way) + " is already taken by '" +
                                  targets_[groups_[g].way_target[way]].name + "'");
    check_node(me, node);
  } else {
    check_range(me, node, il.base, il.size);
    g = int(groups_.size());
    groups_.push_back(Group{il, std::vector<int>(il.ways, -1)});
    by_base_[il.base] = -g - 2;
  }
  targets_.push_back(Endpoint{std::move(name), node, il.base, il.size, g});
  groups_[g].way_target[way] = int(targets_.size()) - 1;
  return int(targets_.size()) - 1;
}

void Network::end_of_elaboration() {
  for (const Group& g : groups_)
    for (uint32_t w = 0; w < g.il.ways; ++w)
      if (g.way_target[w] < 0)
        throw NocError(std::string(name()) + ": interleaved window at 0x" +
                       [](uint64_t v) {
                         char b[32];
                         std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
                         return std::string(b);
                       }(g.il.base) +
                       " has no target for way " + std::to_string(w));
}

int Network::decode(uint64_t addr) const {
  auto it = by_base_.upper_bound(addr);
  if (it == by_base_.begin()) return -1;
  --it;
  if (it->second >= 0) {
    const auto& t = targets_[it->second];
    return addr - t.base < t.size ? it->second : -1;
  }
  const Group& g = groups_[-it->second - 2];
  return g.il.contains(addr) ? g.way_target[g.il.way(addr)] : -1;
}

uint64_t Network::local_address(int t, uint64_t addr) const {
  const Endpoint& e = targets_[t];
  return e.group < 0 ? addr - e.base : groups_[e.group].il.local(addr);
}

uint64_t Network::contiguous_bytes(int t, uint64_t addr) const {
  const Endpoint& e = targets_[t];
  return e.group < 0 ? e.base + e.size - addr : groups_[e.group].il.bytes_to_boundary(addr);
}

uint64_t Network::cycle_now() const {
  // First cycle edge at or after the current time.
  uint64_t ps = sc_core::sc_time_stamp().value() / sc_time(1, SC_PS).value();
  uint64_t per = period_.value() / sc_time(1, SC_PS).value();
  return (ps + per - 1) / per;
}

void Network::catch_up() {
  const uint64_t now_c = sc_core::sc_time_stamp().value() / period_.value();
  // Only while idle: nothing can happen in the skipped cycles, so no packet is delivered here.
  if (engine_->idle() && now_c > engine_->now()) engine_->run_until(now_c);
}

void Network::clock_step() {
  const uint64_t per = period_.value();
  const uint64_t now_v = sc_core::sc_time_stamp().value();
  const uint64_t now_c = now_v / per;
  if (!due_.empty() && now_c >= due_cycle_) {
    for (Txn* x : due_) x->ev.notify(SC_ZERO_TIME);
    due_.clear();
  }
  if (now_c > engine_->now()) engine_->run_until(now_c);
  // Run ahead: while no other process has anything to do before time T, nothing can inject a
  // packet before T, so the network's cycles before T are already decided. Simulate them now,
  // up to the first delivery, whose waiters are woken when the kernel reaches that cycle
  // (exactly when they would have been), instead of activating this method every cycle.
  const sc_time gap =
      cfg_.run_ahead && due_.empty() ? sc_core::sc_time_to_pending_activity() : SC_ZERO_TIME;
  if (gap > SC_ZERO_TIME) {
    const uint64_t horizon_v = gap == sc_core::sc_max_time() - sc_core::sc_time_stamp()
                                   ? std::numeric_limits<uint64_t>::max()
                                   : now_v + gap.value();
    uint64_t limit_c = (horizon_v - 1) / per;  // the last cycle strictly before T
    if (end_time_ < sc_core::sc_max_time())
      limit_c = std::min<uint64_t>(limit_c, (end_time_.value() - 1) / per);
    if (limit_c > engine_->now()) engine_->run_until_delivery(limit_c);
    if (!due_.empty()) due_cycle_ = engine_->now();  // it stopped at the delivering cycle
  }
  uint64_t next = engine_->next_event();
  if (!due_.empty()) next = std::min(next, due_cycle_);
  // One statically sensitive event: a new packet's notify(SC_ZERO_TIME) overrides this later
  // one (cheaper than dynamic next_trigger sensitivity at every busy cycle).
  if (next != Engine::kNever)
    kick_.notify(sc_time::from_value(next * per) - sc_core::sc_time_stamp());
}

void Network::inject(Txn& x, uint32_t seg, unsigned src, unsigned dst, uint32_t flits,
                     uint32_t vnet) {
  Seg& s = x.segs[seg];
  s.txn = &x;
  s.index = seg;
  s.response = vnet == 1;
  engine_->send(src, dst, flits, vnet, reinterpret_cast<uint64_t>(&s), cycle_now());
  kick_.notify(SC_ZERO_TIME);
  if (vnet == 0) {
    ++request_packets_;
    request_flits_ += flits;
  } else {
    ++response_packets_;
    response_flits_ += flits;
  }
}

void Network::wait_arrived(Txn& x, uint32_t seg) {
  while (!x.arrived[seg]) wait(x.ev);
}

int Network::take_slot(Ni& ni) {
  int slot = 63;
  for (int i = 0; i < 64; ++i)
    if (!(ni.slots_used >> i & 1)) {
      slot = i;
      break;
    }
  ni.slots_used |= uint64_t(1) << slot;
  ++ni.outstanding;
  ni.peak = std::max<uint64_t>(ni.peak, ni.outstanding);
  ++ni.transactions;
  return slot;
}

int Network::acquire_slot(int id) {
  Ni& ni = nis_[id];
  const uint32_t max = cfg_.ni.max_outstanding;
  if (ni.outstanding >= max || ni.serving != ni.next_ticket) {
    // Full (or others already queued): wait in arrival order.
    const uint64_t ticket = ni.next_ticket++;
    const sc_time t0 = sc_core::sc_time_stamp();
    ++ni.slot_waits;
    while (ni.serving != ticket || ni.outstanding >= max) wait(ni.slot_free);
    ++ni.serving;
    ni.slot_wait_ns += to_ns(sc_core::sc_time_stamp()) - to_ns(t0);
    // The next in line may find a slot too.
    if (ni.serving != ni.next_ticket && ni.outstanding + 1 < max) ni.slot_free.notify(SC_ZERO_TIME);
  }
  return take_slot(ni);
}

void Network::release_slot(int id, int slot) {
  Ni& ni = nis_[id];
  if (slot < 63) ni.slots_used &= ~(uint64_t(1) << slot);
  --ni.outstanding;
  if (ni.pending_req && ni.serving == ni.next_ticket) {
    // An AT request was held back (TLM_ACCEPTED without END_REQ): accept it now.
    tlm::tlm_generic_payload* p = ni.pending_req;
    ni.pending_req = nullptr;
    const sc_time now = sc_core::sc_time_stamp();
    ni.slot_wait_ns += to_ns(now) - to_ns(std::min(ni.pending_at, now));
    const int s = take_slot(ni);
    dispatch(Job{id, p, std::max(ni.pending_at, now), s});
    tlm::tlm_phase ph = tlm::END_REQ;
    sc_time d = SC_ZERO_TIME;
    target_socket[id]->nb_transport_bw(*p, ph, d);
  } else if (ni.serving != ni.next_ticket) {
    ni.slot_free.notify(SC_ZERO_TIME);
  }
}

void Network::b_transport(int id, tlm::tlm_generic_payload& p, sc_time& delay) {
  // Synchronise: contention with other initiators happens at the real time of the access.
  if (delay > SC_ZERO_TIME) {
    wait(delay);
    delay = SC_ZERO_TIME;
  }
  if (id >= int(initiators_.size())) {
    ++errors_;
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const int slot = acquire_slot(id);
  route(id, slot, p);
  release_slot(id, slot);
}

tlm::tlm_sync_enum Network::nb_transport_fw(int id, tlm::tlm_generic_payload& p, tlm::tlm_phase& ph,
                                            sc_time& delay) {
  if (id >= int(initiators_.size())) {
    ++errors_;
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return tlm::TLM_COMPLETED;
  }
  Ni& ni = nis_[id];
  if (ph == tlm::BEGIN_REQ) {
    if (ni.pending_req)
      SC_REPORT_ERROR(name(), ("initiator '" + initiators_[id].name +
                               "' sent BEGIN_REQ before END_REQ of its previous request "
                               "(TLM-2.0 base protocol request exclusion rule)")
                                  .c_str());
    const sc_time at = sc_core::sc_time_stamp() + delay;
    if (ni.outstanding < cfg_.ni.max_outstanding && ni.serving == ni.next_ticket) {
      const int slot = take_slot(ni);
      dispatch(Job{id, &p, at, slot});
      ph = tlm::END_REQ;
      return tlm::TLM_UPDATED;
    }
    ni.pending_req = &p;  // END_REQ on the backward path once a slot frees
    ni.pending_at = at;
    ++ni.slot_waits;
    return tlm::TLM_ACCEPTED;
  }
  if (ph == tlm::END_RESP) {
    ni.resp_busy = false;
    send_response(id);
    return tlm::TLM_COMPLETED;
  }
  SC_REPORT_ERROR(
      name(), ("initiator '" + initiators_[id].name + "' sent phase " + std::string(ph.get_name()) +
               " on the forward path (only BEGIN_REQ and END_RESP are legal)")
                  .c_str());
  return tlm::TLM_COMPLETED;
}

void Network::dispatch(const Job& j) {
  jobs_.push_back(j);
  job_ev_.notify(SC_ZERO_TIME);
  if (jobs_.size() > idle_workers_) {
    sc_core::sc_spawn_options o;
    sc_core::sc_spawn([this] { worker(); }, ("ni_worker" + std::to_string(workers_++)).c_str(), &o);
  }
}

void Network::worker() {
  while (true) {
    while (jobs_.empty()) {
      ++idle_workers_;
      wait(job_ev_);
      --idle_workers_;
    }
    const Job j = jobs_.front();
    jobs_.pop_front();
    const sc_time now = sc_core::sc_time_stamp();
    if (j.at > now) wait(j.at - now);
    route(j.id, j.slot, *j.p);
    release_slot(j.id, j.slot);
    nis_[j.id].responses.push_back(j.p);
    send_response(j.id);
  }
}

void Network::send_response(int id) {
  Ni& ni = nis_[id];
  // Response exclusion rule: the next BEGIN_RESP only after the previous one has ended.
  while (!ni.resp_busy && !ni.responses.empty()) {
    tlm::tlm_generic_payload* p = ni.responses.front();
    ni.responses.pop_front();
    ni.resp_busy = true;
    tlm::tlm_phase ph = tlm::BEGIN_RESP;
    sc_time d = SC_ZERO_TIME;
    const tlm::tlm_sync_enum r = target_socket[id]->nb_transport_bw(*p, ph, d);
    if (r == tlm::TLM_COMPLETED || (r == tlm::TLM_UPDATED && ph == tlm::END_RESP))
      ni.resp_busy = false;
  }
}

void Network::route(int id, int slot, tlm::tlm_generic_payload& p) {
  const uint64_t addr = p.get_address();
  const uint32_t len = p.get_data_length();
  const int t = decode(addr);
  if (t < 0 || targets_[t].group < 0 || len <= contiguous_bytes(t, addr)) {
    carry(id, slot, p);
    return;
  }
  // Crosses interleave granules: one transaction per part, in address order.
  ++split_interleaved_;
  if (p.get_streaming_width() < len) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);  // a FIFO cannot span two targets
    return;
  }
  if (p.get_byte_enable_ptr() && p.get_byte_enable_length() == 0) {
    p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const PayloadParts whole(p);
  std::vector<unsigned char> part_be;
  tlm::tlm_response_status st = tlm::TLM_OK_RESPONSE;
  for (uint32_t off = 0; off < len && st == tlm::TLM_OK_RESPONSE;) {
    const int pt = decode(addr + off);
    const uint32_t n = uint32_t(
        std::min<uint64_t>(len - off, pt < 0 ? len - off : contiguous_bytes(pt, addr + off)));
    whole.chunk(p, off, n, addr + off, part_be);  // carry() decodes the global address
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    carry(id, slot, p);
    st = p.get_response_status();
    off += n;
  }
  whole.restore(p);
  p.set_response_status(st);
  p.set_dmi_allowed(false);
}

void Network::carry(int id, int slot, tlm::tlm_generic_payload& p) {
  const uint64_t addr = p.get_address();
  const int t = decode(addr);
  if (t < 0) {
    ++errors_;
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  ++transactions_;
  const Endpoint& ini = initiators_[id];
  const Endpoint& tgt = targets_[t];
  const uint64_t local = local_address(t, addr);  // route() keeps p inside one target
  const uint32_t w = cfg_.router.link_width_bits;
  auto payload_flits = [&](uint64_t bytes) { return uint32_t((bytes * 8 + w - 1) / w); };
  const uint32_t len = p.get_data_length();
  const uint32_t maxp = cfg_.ni.max_packet_payload_bytes;
  const uint32_t nseg = len > maxp ? (len + maxp - 1) / maxp : 1;
  auto seg_bytes = [&](uint32_t i) { return std::min<uint32_t>(maxp, len - i * maxp); };
  // One target access per packet when the payload is a plain contiguous block.
  const bool per_seg = nseg > 1 && !p.get_byte_enable_ptr() && p.get_streaming_width() >= len;
  const bool wr = p.is_write(), rd = p.is_read();
  const uint32_t nreq = wr || per_seg ? nseg : 1;
  const uint32_t nrsp = rd || per_seg ? nseg : 1;
  if (nseg > 1) ++split_transactions_;

  Txn x;
  x.segs.resize(nreq + nrsp);
  x.arrived.assign(nreq + nrsp, 0);
  const sc_time t_start = sc_core::sc_time_stamp();
  uint32_t req_flits = 0, rsp_flits = 0;
  for (uint32_t i = 0; i < nreq; ++i) {
    const uint32_t f = 1 + (wr ? payload_flits(nseg > 1 ? seg_bytes(i) : len) : 0);
    req_flits += f;
    inject(x, i, ini.node, tgt.node, f, 0);
  }
  sc_time t_first_target = SC_ZERO_TIME;
  auto response = [&](uint32_t i, bool with_data) {
    const uint32_t f = 1 + (with_data ? payload_flits(nseg > 1 ? seg_bytes(i) : len) : 0);
    rsp_flits += f;
    inject(x, nreq + i, tgt.node, ini.node, f, 1);
  };
  if (per_seg) {
    const PayloadParts whole(p);  // per_seg: no byte enables, so no buffer is needed
    std::vector<unsigned char> no_be;
    tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
    for (uint32_t i = 0; i < nseg; ++i) {
      wait_arrived(x, i);
      if (i == 0) t_first_target = sc_core::sc_time_stamp();
      if (status == tlm::TLM_OK_RESPONSE) {
        // Segments after a failed one are not performed (their responses carry the error).
        whole.chunk(p, i * maxp, seg_bytes(i), local + uint64_t(i) * maxp, no_be);
        p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time d = SC_ZERO_TIME;
        ++target_accesses_;
        initiator_socket[t]->b_transport(p, d);
        if (d > SC_ZERO_TIME) wait(d);
        status = p.get_response_status();
      }
      response(i, rd && status == tlm::TLM_OK_RESPONSE);
    }
    whole.restore(p);
    p.set_response_status(status);
  } else {
    for (uint32_t i = 0; i < nreq; ++i) wait_arrived(x, i);
    t_first_target = sc_core::sc_time_stamp();
    sc_time d = SC_ZERO_TIME;
    ++target_accesses_;
    p.set_address(local);
    initiator_socket[t]->b_transport(p, d);
    p.set_address(addr);
    if (d > SC_ZERO_TIME) wait(d);
    const bool ok = p.get_response_status() == tlm::TLM_OK_RESPONSE;
    for (uint32_t i = 0; i < nrsp; ++i) response(i, rd && ok);
  }
  while (x.responses_arrived < nrsp) wait(x.ev);
  p.set_dmi_allowed(false);  // no DMI through the network

  if (trace::on(trace::kNoc)) {
    // One track per initiator NI slot: the transactions of one slot never overlap. The span is
    // the whole round trip; its arguments give the packets and when the target was first busy.
    auto& tr = trace::Tracer::get();
    const int track = tr.track(
        trace::kNoc, std::string(name()) + ": " + ini.name + " slot " + std::to_string(slot),
        id * 64 + slot);
    const double t0 = to_ns(t_start), t3 = to_ns(sc_core::sc_time_stamp());
    trace::Args a;
    a.hex("addr", addr)
        .str("target", tgt.name)
        .num("len", len)
        .num("request_packets", nreq)
        .num("response_packets", nrsp)
        .num("request_flits", req_flits)
        .num("response_flits", rsp_flits)
        .num("first_target_access_ns", to_ns(t_first_target) - t0)
        .num("outstanding", nis_[id].outstanding);
    tr.complete(track, p.is_write() ? "write" : "read", t0, t3 - t0, a.str());
  }
}

unsigned Network::transport_dbg(int, tlm::tlm_generic_payload& p) {
  const uint64_t addr = p.get_address();
  const uint32_t len = p.get_data_length();
  unsigned char* data = p.get_data_ptr();
  unsigned done = 0;
  // Part by part when the access crosses interleave granules (or target windows).
  while (done < len) {
    const int t = decode(addr + done);
    if (t < 0) break;
    const uint32_t n = uint32_t(std::min<uint64_t>(len - done, contiguous_bytes(t, addr + done)));
    p.set_address(local_address(t, addr + done));
    p.set_data_ptr(data + done);
    p.set_data_length(n);
    const unsigned got = initiator_socket[t]->transport_dbg(p);
    done += got;
    if (got < n) break;
  }
  p.set_address(addr);
  p.set_data_ptr(data);
  p.set_data_length(len);
  return done;
}

bool Network::get_direct_mem_ptr(int, tlm::tlm_generic_payload&, tlm::tlm_dmi&) {
  return false;  // every access through the NoC is timed
}

void Network::register_stats() {
  Engine* e = engine_.get();
  auto& s = stats_;
  s.counter("transactions", transactions_, "count", "TLM transactions carried");
  s.counter("errors", errors_, "count", "Transactions to unmapped addresses (address error)");
  s.counter("request_flits", request_flits_, "flits", "Flits of request packets");
  s.counter("response_flits", response_flits_, "flits", "Flits of response packets");
  s.counter("request_packets", request_packets_, "count", "Request packets injected");
  s.counter("response_packets", response_packets_, "count", "Response packets injected");
  s.counter("split_transactions", split_transactions_, "count",
            "Transactions longer than noc.ni.max_packet_payload_bytes, sent as several packets");
  s.counter("split_interleaved", split_interleaved_, "count",
            "Transactions split because they crossed an interleave granule of a target window");
  s.counter("target_accesses", target_accesses_, "count",
            "Accesses the target NIs made (one per packet for split plain transactions)");
  auto f = [&](const char* n, std::function<double()> fn, const char* unit, const char* desc,
               stats::EnergyKind k = stats::EnergyKind::none) { s.formula(n, fn, unit, desc, k); };
  const NetStats& st = e->stats();
  f(
      "packets", [&st] { return double(st.packets_delivered); }, "count", "Packets delivered");
  f(
      "flits", [&st] { return double(st.flits_delivered); }, "flits", "Flits delivered");
  f(
      "flit_hops", [&st] { return double(st.flit_router_traversals); }, "flits",
      "Flit router traversals");
  f(
      "avg_packet_latency",
      [&st] { return st.packets_delivered ? double(st.latency_sum) / st.packets_delivered : 0.0; },
      "cycles", "Average packet latency, creation to tail ejection");
  f(
      "avg_network_latency",
      [&st] {
        return st.packets_delivered ? double(st.network_latency_sum) / st.packets_delivered : 0.0;
      },
      "cycles", "Average network latency (injection to tail ejection)");
  f(
      "avg_queueing_latency",
      [&st] {
        return st.packets_delivered ? double(st.queueing_latency_sum) / st.packets_delivered : 0.0;
      },
      "cycles", "Average source queueing latency");
  f(
      "avg_hops",
      [&st] { return st.packets_delivered ? double(st.hops_sum) / st.packets_delivered : 0.0; },
      "count", "Average routers traversed per packet");
  f(
      "p50_packet_latency", [&st] { return st.latency.percentile(50); }, "cycles",
      "Median packet latency (histogram, 4-cycle bins)");
  f(
      "p99_packet_latency", [&st] { return st.latency.percentile(99); }, "cycles",
      "99th percentile packet latency (histogram, 4-cycle bins)");
  f(
      "max_packet_latency", [&st] { return st.latency.max(); }, "cycles", "Largest packet latency");
  f(
      "energy_router_buffer", [&st] { return st.energy_buffer_pj; }, "pJ",
      "Router buffer write/read energy", stats::EnergyKind::noc_router);
  f(
      "energy_router_alloc", [&st] { return st.energy_alloc_pj; }, "pJ", "Router allocation energy",
      stats::EnergyKind::noc_router);
  f(
      "energy_router_crossbar", [&st] { return st.energy_crossbar_pj; }, "pJ",
      "Router crossbar energy", stats::EnergyKind::noc_router);
  f(
      "energy_link", [&st] { return st.energy_link_pj; }, "pJ", "Link wire energy",
      stats::EnergyKind::noc_link);
  s.histogram("packet_latency", const_cast<stats::Histogram&>(st.latency), "cycles",
              "Packet latency histogram");
  const Topology& topo = e->topology();
  // Area and static power (models/noc/noc_power.h; docs/noc-model.md, "Area and power").
  auto np = std::make_shared<NetworkPower>(network_power(e->config(), topo));
  const double period_ns = 1e3 / cfg_.router.clock_mhz;
  auto elapsed_ns = [e, period_ns] {
    return double(e->now() - e->stats().since_cycle) * period_ns;
  };
  s.constant(
      "area.routers", [np] { return np->router_area_mm2; }, "mm^2", "Area of all routers");
  s.constant(
      "area.links", [np] { return np->link_area_mm2; }, "mm^2", "Area of all link repeaters");
  s.constant(
      "power.static_routers", [np] { return np->router_static_mw; }, "mW",
      "Static (leakage) power of all routers");
  s.constant(
      "power.static_links", [np] { return np->link_static_mw; }, "mW",
      "Static (leakage) power of all link repeaters");
  s.formula(
      "energy_static_routers", [np, elapsed_ns] { return np->router_static_mw * elapsed_ns(); },
      "pJ", "Router static energy since the stats reset", stats::EnergyKind::noc_router, true);
  s.formula(
      "energy_static_links", [np, elapsed_ns] { return np->link_static_mw * elapsed_ns(); }, "pJ",
      "Link repeater static energy since the stats reset", stats::EnergyKind::noc_link, true);
  const auto& ec = e->config().energy;  // per-bit energies as the engine charges them
  const double router_flit_pj =
      (ec.buffer_pj_per_bit + ec.alloc_pj_per_bit + ec.crossbar_pj_per_bit) *
      cfg_.router.link_width_bits;
  const double link_flit_pj_per_mm = ec.link_pj_per_bit_mm * cfg_.router.link_width_bits;
  // Every router has the topology's radix, so one router's figures stand for all; a link's
  // dynamic energy is its flits x its length x energy_per_flit_mm_link (per-link static power
  // and area: imcvp traffic --format json, area_power.link_power).
  s.constant(
      "area.router", [np] { return np->router.area_mm2(); }, "mm^2", "Area of one router");
  s.constant(
      "power.static_router", [np] { return np->router.static_mw; }, "mW",
      "Static (leakage) power of one router");
  s.constant(
      "energy_per_flit_router", [router_flit_pj] { return router_flit_pj; }, "pJ",
      "Dynamic energy of one flit through one router");
  s.constant(
      "energy_per_flit_mm_link", [link_flit_pj_per_mm] { return link_flit_pj_per_mm; }, "pJ/mm",
      "Dynamic energy of one flit per mm of link");
  for (uint32_t r = 0; r < topo.nodes(); ++r) {
    std::string rn = "router" + std::to_string(r);
    f((rn + ".avg_buffered_flits").c_str(),
      [e, r] {
        const auto& st2 = e->stats();
        uint64_t span = e->now() - st2.since_cycle;
        return span ? double(st2.buffer_flit_cycles[r]) / double(span) : 0.0;
      },
      "flits", "Average buffer occupancy of the router");
    f((rn + ".peak_buffered_flits").c_str(),
      [e, r] { return double(e->stats().buffer_peak_flits[r]); }, "flits",
      "Most flits buffered in the router at once");
    f((rn + ".energy").c_str(),
      [e, r, router_flit_pj] {
        const uint32_t ports = e->topology().ports();
        uint64_t flits = 0;
        for (uint32_t p = 0; p < ports; ++p) flits += e->stats().link_flits[size_t(r) * ports + p];
        return double(flits) * router_flit_pj;
      },
      "pJ", "Dynamic energy of the router (buffer, allocation, crossbar; in energy_router_*)");
    f((rn + ".vc_stall_cycles").c_str(),
      [e, r] {
        const auto& st2 = e->stats();
        const uint32_t per = e->topology().ports() * e->config().router.vcs;
        uint64_t sum = 0;
        for (uint32_t i = 0; i < per; ++i) sum += st2.vc_stall_cycles[size_t(r) * per + i];
        return double(sum);
      },
      "cycles", "Input-VC cycles a flit waited (VC or switch allocation lost, or no credit)");
    for (uint32_t p = 1; p < topo.ports(); ++p) {
      if (topo.port(r, p).peer == Topology::kNone) continue;
      std::string ln =
          rn + ".link_to_" + std::to_string(topo.port(r, p).peer) + "_p" + std::to_string(p);
      f((ln + ".flits").c_str(),
        [e, r, p] { return double(e->stats().link_flits[size_t(r) * e->topology().ports() + p]); },
        "flits", "Flits sent on the link");
      f((ln + ".utilisation").c_str(),
        [e, r, p] {
          const auto& st2 = e->stats();
          uint64_t span = e->now() - st2.since_cycle;
          return span ? double(st2.link_flits[size_t(r) * e->topology().ports() + p]) / span : 0.0;
        },
        "flits/cycle", "Link utilisation");
    }
  }
  pair_registered_.clear();
  stall_registered_.assign(size_t(topo.nodes()) * topo.ports() * cfg_.router.vcs, false);
  f(
      "throughput",
      [e] {
        const auto& st2 = e->stats();
        const uint64_t span = e->now() - st2.since_cycle;
        return span ? double(st2.flits_delivered) / (double(span) * e->topology().nodes()) : 0.0;
      },
      "flits/node/cycle", "Accepted traffic: flits delivered per node per cycle since the reset");
  // An idle engine does not advance its clock; bring it to the current cycle first so
  // utilisation, occupancy and throughput are per elapsed cycle.
  s.on_sync([this, e] {
    catch_up();
    e->sync_stats();
    register_nonzero_stats();
  });
  s.on_reset([this, e] {
    catch_up();
    e->reset_stats();
  });
}

void Network::register_nonzero_stats() {
  Engine* e = engine_.get();
  const Topology& topo = e->topology();
  const uint32_t n = topo.nodes(), ports = topo.ports(), vcs = cfg_.router.vcs;
  const NetStats& st = e->stats();
  // Traffic matrix: delivered packets and flits per (source, destination) node pair. Pairs are
  // added in (src, dst) order as they first carry traffic; once added they stay (value 0 after
  // a stats reset), so the same run gives the same file.
  for (const auto& [i, pc] : st.matrix) {  // ordered by (src, dst)
    if (pc.packets == 0 || !pair_registered_.insert(i).second) continue;
    const uint64_t src = i / n, dst = i % n;
    std::string nm = "matrix.src" + std::to_string(src) + ".dst" + std::to_string(dst);
    stats_.formula(
        nm + ".packets", [e, i] { return double(e->stats().matrix_packets(i)); }, "count",
        "Packets delivered from this source node to this destination node");
    stats_.formula(
        nm + ".flits", [e, i] { return double(e->stats().matrix_flits(i)); }, "flits",
        "Flits delivered from this source node to this destination node");
  }
  // Stall cycles per input VC (lost VC or switch allocation, or no credit downstream).
  for (uint32_t r = 0; r < n; ++r)
    for (uint32_t p = 0; p < ports; ++p)
      for (uint32_t v = 0; v < vcs; ++v) {
        size_t i = (size_t(r) * ports + p) * vcs + v;
        if (stall_registered_[i] || st.vc_stall_cycles[i] == 0) continue;
        stall_registered_[i] = true;
        std::string in = p == Topology::kLocal ? std::string("in_local")
                                               : "in_from_" + std::to_string(topo.port(r, p).peer) +
                                                     "_p" + std::to_string(p);
        stats_.formula(
            "router" + std::to_string(r) + "." + in + ".vc" + std::to_string(v) + ".stall_cycles",
            [e, i] { return double(e->stats().vc_stall_cycles[i]); }, "cycles",
            "Cycles a flit in this input VC waited (VC or switch allocation lost, or no credit)");
      }
}

}  // namespace imcvp::noc
