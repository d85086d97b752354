#include "models/bus/bus.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "models/common/log.h"
#include "models/common/sim_time.h"
#include "models/common/trace.h"

namespace imcvp::bus {

namespace {
std::string range_text(uint64_t base, uint64_t size) {
  return "[" + log::hex(base) + ", " + log::hex(base + size - 1) + "]";
}
}  // namespace

Bus::Bus(sc_core::sc_module_name name, const BusConfig& cfg)
    : sc_module(name),
      target_socket("target_socket"),
      initiator_socket("initiator_socket"),
      cfg_(cfg),
      latency_(cfg.latency_ns, sc_core::SC_NS) {
  target_socket.register_b_transport(this, &Bus::b_transport);
  target_socket.register_get_direct_mem_ptr(this, &Bus::get_direct_mem_ptr);
  target_socket.register_transport_dbg(this, &Bus::transport_dbg);
  initiator_socket.register_invalidate_direct_mem_ptr(this, &Bus::invalidate_direct_mem_ptr);
  register_counters(stats_, total_);
  stats_.formula(
      "energy", [this] { return energy_pj(); }, "pJ", "Energy of bytes moved over the bus",
      stats::EnergyKind::host_bus);
  stats_.constant(
      "energy_pj_per_byte", [this] { return cfg_.energy_pj_per_byte; }, "pJ/B",
      "Configured energy per byte");
}

void Bus::register_counters(stats::Group& g, Counters& c) {
  g.counter("transactions", c.transactions, "count", "Read and write accesses (incl. DMI)");
  g.counter("reads", c.reads, "count", "Read accesses (incl. DMI)");
  g.counter("writes", c.writes, "count", "Write accesses (incl. DMI)");
  g.counter("bytes_read", c.bytes_read, "B", "Bytes read (incl. DMI)");
  g.counter("bytes_written", c.bytes_written, "B", "Bytes written (incl. DMI)");
  g.counter("errors", c.errors, "count", "Accesses answered with an error response");
}

int Bus::add_target(const std::string& name, uint64_t base, uint64_t size) {
  std::string who = std::string(this->name()) + ": target '" + name + "' ";
  if (size == 0) throw std::invalid_argument(who + "has size 0");
  if (base + size - 1 < base)
    throw std::invalid_argument(who + "range wraps around the address space");
  for (const Target& t : targets_) {
    if (t.name == name) throw std::invalid_argument(who + "added twice");
    bool disjoint = base + size - 1 < t.base || t.base + t.size - 1 < base;
    if (!disjoint)
      throw std::invalid_argument(who + range_text(base, size) + " overlaps target '" + t.name +
                                  "' " + range_text(t.base, t.size));
  }
  int index = static_cast<int>(targets_.size());
  targets_.push_back(Target{name, base, size, {}, nullptr});
  Target& t = targets_.back();
  t.stats = std::make_unique<stats::Group>(std::string(this->name()) + ".targets." + name);
  register_counters(*t.stats, t.c);
  t.stats->constant(
      "base", [base] { return static_cast<double>(base); }, "address", "Base address");
  by_base_[base] = index;
  return index;
}

void Bus::name_initiator(int index, const std::string& name) {
  if (index < 0) throw std::invalid_argument(std::string(this->name()) + ": negative initiator");
  initiator(index).name = name;
}

Bus::Initiator& Bus::initiator(int index) {
  while (static_cast<int>(initiators_.size()) <= index)
    initiators_.push_back(Initiator{"initiator" + std::to_string(initiators_.size()), {}, nullptr});
  return initiators_[index];
}

const Bus::Counters& Bus::initiator_counters(int index) {
  return initiator(index).c;
}

TrafficSink& Bus::dmi_sink(int initiator_index) {
  initiator(initiator_index);
  while (static_cast<int>(sinks_.size()) <= initiator_index)
    sinks_.emplace_back(*this, static_cast<int>(sinks_.size()));
  return sinks_[initiator_index];
}

void Bus::end_of_elaboration() {
  if (targets_.size() != initiator_socket.size()) {
    std::ostringstream os;
    os << name() << ": " << targets_.size() << " targets added but " << initiator_socket.size()
       << " bound to initiator_socket";
    throw std::invalid_argument(os.str());
  }
  if (target_socket.size() > 0) initiator(static_cast<int>(target_socket.size()) - 1);
  for (Initiator& i : initiators_) {
    i.stats = std::make_unique<stats::Group>(std::string(name()) + ".initiators." + i.name);
    register_counters(*i.stats, i.c);
  }
}

int Bus::decode(uint64_t addr) const {
  auto it = by_base_.upper_bound(addr);
  if (it == by_base_.begin()) return -1;
  --it;
  const Target& t = targets_[it->second];
  return addr - t.base < t.size ? it->second : -1;
}

void Bus::count(Counters& c, bool write, uint64_t n, uint64_t bytes) {
  c.transactions += n;
  if (write) {
    c.writes += n;
    c.bytes_written += bytes;
  } else {
    c.reads += n;
    c.bytes_read += bytes;
  }
}

void Bus::b_transport(int id, tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  Initiator& ini = initiator(id);
  const bool traced = trace::on(trace::kBus);
  const sc_core::sc_time start = traced ? sc_core::sc_time_stamp() + delay : sc_core::SC_ZERO_TIME;
  delay += latency_;
  uint64_t addr = p.get_address();
  uint64_t len = p.get_data_length();
  int t = decode(addr);
  if (t < 0 || (len > 0 && decode(addr + len - 1) != t)) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ++ini.c.errors;
    ++total_.errors;
    if (t >= 0) ++targets_[t].c.errors;
    log::debug(name(), "unmapped access at ", log::hex(addr), " (", len, " bytes) from ", ini.name);
    if (traced) trace_txn(id, -1, p, start, delay);
    return;
  }
  Target& tg = targets_[t];
  p.set_address(addr - tg.base);
  initiator_socket[t]->b_transport(p, delay);
  p.set_address(addr);
  if (traced) trace_txn(id, t, p, start, delay);
  if (!p.is_response_ok()) {
    ++ini.c.errors;
    ++tg.c.errors;
    ++total_.errors;
    return;
  }
  if (p.is_read() || p.is_write()) {
    count(ini.c, p.is_write(), 1, len);
    count(tg.c, p.is_write(), 1, len);
    count(total_, p.is_write(), 1, len);
  }
}

void Bus::trace_txn(int id, int t, const tlm::tlm_generic_payload& p, const sc_core::sc_time& start,
                    const sc_core::sc_time& delay) {
  auto& tr = trace::Tracer::get();
  const Initiator& ini = initiators_[id];
  // One track per (initiator, target): an LT initiator's transactions never overlap, so
  // each track holds a clean sequence of spans.
  const std::string tname = t >= 0 ? targets_[t].name : std::string("(unmapped)");
  const int sort = (t >= 0 ? t : 1 << 16) * 256 + id;
  const int track =
      tr.track(trace::kBus, std::string(name()) + ": " + ini.name + " -> " + tname, sort);
  const double t0 = to_ns(start), t1 = to_ns(sc_core::sc_time_stamp() + delay);
  const bool ok = p.is_response_ok();
  const char* what = !ok ? "error" : p.is_write() ? "write" : p.is_read() ? "read" : "ignore";
  trace::Args a;
  a.hex("addr", p.get_address()).num("len", p.get_data_length()).str("initiator", ini.name);
  if (!ok) a.str("response", p.get_response_string());
  tr.complete(track, what, t0, t1 - t0, a.str());
  if (ok && (p.is_read() || p.is_write())) {
    if (trace_rate_ < 0)
      trace_rate_ = tr.rate(trace::kBus, std::string(name()) + " b_transport bandwidth (GB/s)");
    tr.rate_add(trace_rate_, t0, p.get_data_length());  // B/ns = GB/s
  }
}

bool Bus::get_direct_mem_ptr(int, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  uint64_t addr = p.get_address();
  int t = decode(addr);
  if (t < 0) {
    // No DMI for a hole; tell the initiator the hole is at least this address.
    dmi.set_start_address(addr);
    dmi.set_end_address(addr);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
  }
  Target& tg = targets_[t];
  p.set_address(addr - tg.base);
  bool ok = initiator_socket[t]->get_direct_mem_ptr(p, dmi);
  p.set_address(addr);
  uint64_t start = std::min<uint64_t>(dmi.get_start_address(), tg.size - 1);
  uint64_t end = std::min<uint64_t>(dmi.get_end_address(), tg.size - 1);
  // The pointer refers to the (local) start address; only the end is ever clamped.
  dmi.set_start_address(tg.base + start);
  dmi.set_end_address(tg.base + end);
  dmi.set_read_latency(dmi.get_read_latency() + latency_);
  dmi.set_write_latency(dmi.get_write_latency() + latency_);
  return ok;
}

unsigned Bus::transport_dbg(int, tlm::tlm_generic_payload& p) {
  uint64_t addr = p.get_address();
  int t = decode(addr);
  if (t < 0) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  Target& tg = targets_[t];
  unsigned len = p.get_data_length();
  uint64_t room = tg.base + tg.size - addr;  // a debug access is cut at the target's end
  unsigned n = static_cast<unsigned>(std::min<uint64_t>(len, room));
  p.set_address(addr - tg.base);
  p.set_data_length(n);
  unsigned done = initiator_socket[t]->transport_dbg(p);
  p.set_address(addr);
  p.set_data_length(len);
  return done;
}

void Bus::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end) {
  const Target& tg = targets_.at(id);
  if (start >= tg.size) return;
  uint64_t gs = tg.base + start;
  uint64_t ge = tg.base + std::min<uint64_t>(end, tg.size - 1);
  for (unsigned i = 0; i < target_socket.size(); ++i)
    target_socket[i]->invalidate_direct_mem_ptr(gs, ge);
}

void Bus::Sink::dmi_traffic(uint64_t addr, uint64_t reads, uint64_t writes, uint64_t read_bytes,
                            uint64_t write_bytes) {
  Counters& ic = bus_.initiator(index_).c;
  int t = bus_.decode(addr);
  Counters* tc = t >= 0 ? &bus_.targets_[t].c : nullptr;
  for (Counters* c : {&ic, tc, &bus_.total_}) {
    if (!c) continue;
    bus_.count(*c, false, reads, read_bytes);
    bus_.count(*c, true, writes, write_bytes);
  }
}

}  // namespace imcvp::bus
