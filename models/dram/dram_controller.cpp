#include "models/dram/dram_controller.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/common/sim_time.h"
#include "models/common/trace.h"

namespace imcvp::dram {

using sc_core::sc_time;
using sc_core::sc_time_stamp;
using sc_core::SC_ZERO_TIME;

DramController::DramController(sc_core::sc_module_name name, const DramConfig& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg), engine_(cfg_) {
  double res_ps = sc_core::sc_get_time_resolution().to_seconds() * 1e12;
  double ticks = static_cast<double>(cfg_.tck_ps()) / res_ps;
  if (ticks < 1.0 || std::abs(ticks - std::round(ticks)) > 1e-6)
    throw config::ConfigError(std::string(this->name()) +
                              ": timing.tck_ns is not a whole number of SystemC time units");
  tck_ticks_ = static_cast<uint64_t>(std::round(ticks));
  chunks_.resize((engine_.capacity_bytes() + kChunkBytes - 1) / kChunkBytes);
  lines_.resize(size_t(engine_.channels()) * 2);

  socket.register_b_transport(this, &DramController::b_transport);
  socket.register_transport_dbg(this, &DramController::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &DramController::get_direct_mem_ptr);

  engine_.on_complete([this](const Completion& c) {
    auto it = waiters_.find(c.tag);
    if (it == waiters_.end()) return;
    Waiter* w = it->second;
    waiters_.erase(it);
    sc_time at = cycle_time(c.done);
    if (at > w->last_done) w->last_done = at;
    if (--w->outstanding == 0 && w->all_queued)
      w->done.notify(w->last_done > sc_time_stamp() ? w->last_done - sc_time_stamp()
                                                    : SC_ZERO_TIME);
  });
  if (trace::on(trace::kDram)) engine_.set_command_log(&trace_log_);
  SC_HAS_PROCESS(DramController);
  SC_THREAD(driver);

  DramStats& s = const_cast<DramStats&>(engine_.stats());
  stats_.counter("requests", requests_, "count", "Transactions through b_transport");
  stats_.counter("errors", errors_, "count", "Transactions answered with an error response");
  stats_.counter("dmi_grants", dmi_grants_, "count", "DMI grants (controller.allow_dmi)");
  stats_.counter("reads", s.reads, "count", "Read bursts accepted");
  stats_.counter("writes", s.writes, "count", "Write bursts accepted");
  stats_.counter("bytes_read", s.bytes_read, "B", "Bytes read (whole bursts)");
  stats_.counter("bytes_written", s.bytes_written, "B", "Bytes written (whole bursts)");
  stats_.counter("reads_forwarded", s.reads_forwarded, "count",
                 "Reads answered from a queued write to the same burst");
  stats_.counter("writes_merged", s.writes_merged, "count",
                 "Writes merged into a queued write to the same burst");
  stats_.counter("row_hits", s.row_hits, "count", "Column accesses to an already open row");
  stats_.counter("row_misses", s.row_misses, "count", "Accesses that activated a closed bank");
  stats_.counter("row_conflicts", s.row_conflicts, "count",
                 "Accesses that closed another row first");
  stats_.counter("activates", s.acts, "count", "ACT commands");
  stats_.counter("precharges", s.pres, "count", "PRE commands");
  stats_.counter("precharge_alls", s.preas, "count",
                 "PREA commands (before refresh or precharge power-down)");
  stats_.counter("read_cmds", s.rd_cmds, "count", "RD/RDA commands");
  stats_.counter("write_cmds", s.wr_cmds, "count", "WR/WRA commands");
  stats_.counter("refreshes", s.refs, "count", "All-bank REF commands");
  stats_.counter("refreshes_postponed", s.refs_postponed, "count",
                 "Refreshes deferred past their due time because the rank was busy");
  stats_.counter("powerdowns", s.powerdowns, "count", "Power-down entries");
  stats_.formula(
      "powerdown_residency",
      [this] {
        const auto& st = engine_.stats();
        double rank_cycles = static_cast<double>(engine_.now() - st.since_cycle) * cfg_.org.ranks *
                             cfg_.org.channels;
        return rank_cycles > 0 ? static_cast<double>(st.pd_rank_cycles) / rank_cycles : 0.0;
      },
      "ratio", "Share of rank time spent in power-down (CKE low)");
  stats_.counter("write_drains", s.write_drains, "count", "Write drain episodes");
  stats_.histogram("read_latency", s.read_latency, "cycles",
                   "Read latency from arrival at the controller to data (DRAM cycles)");
  stats_.counter("queue_occupancy_max", s.queue_occupancy_max, "count",
                 "Most bursts queued at once (transaction + command queues)");
  stats_.formula(
      "queue_occupancy_avg",
      [this] {
        const auto& st = engine_.stats();
        uint64_t cyc = engine_.now() - st.since_cycle;
        return cyc ? st.queue_occupancy_integral / static_cast<double>(cyc) : 0.0;
      },
      "count", "Average bursts queued (time-weighted)");
  stats_.formula(
      "bandwidth",
      [this] {
        const auto& st = engine_.stats();
        double ns = static_cast<double>(engine_.now() - st.since_cycle) * cfg_.timing.tck_ns;
        return ns > 0 ? static_cast<double>(st.bytes_read + st.bytes_written) / ns : 0.0;
      },
      "GB/s", "Achieved data bandwidth over the stats period");
  stats_.value("energy_act", s.e_act_pj, "pJ", "ACT+PRE energy", stats::EnergyKind::dram);
  stats_.value("energy_read", s.e_rd_pj, "pJ", "Read burst energy", stats::EnergyKind::dram);
  stats_.value("energy_write", s.e_wr_pj, "pJ", "Write burst energy", stats::EnergyKind::dram);
  // Refresh and background energy accrue with time whatever the traffic: static energy in the
  // breakdown (energy.static, docs/stats-reference.md).
  stats_.value("energy_refresh", s.e_ref_pj, "pJ", "Refresh energy", stats::EnergyKind::dram, true);
  stats_.value("energy_background_active", s.e_bg_active_pj, "pJ",
               "Active standby background energy", stats::EnergyKind::dram, true);
  stats_.value("energy_background_precharged", s.e_bg_precharged_pj, "pJ",
               "Precharged standby background energy", stats::EnergyKind::dram, true);
  stats_.value("energy_powerdown", s.e_powerdown_pj, "pJ", "Power-down background energy",
               stats::EnergyKind::dram, true);
  stats_.value("energy_io", s.e_io_pj, "pJ", "Interface energy", stats::EnergyKind::dram);
  stats_.formula(
      "energy_per_bit",
      [this] {
        const auto& st = engine_.stats();
        double bits = 8.0 * static_cast<double>(st.bytes_read + st.bytes_written);
        return bits > 0 ? st.energy_total_pj() / bits : 0.0;
      },
      "pJ/bit", "DRAM energy per bit transferred");
  stats_.constant(
      "capacity_bytes", [this] { return static_cast<double>(engine_.capacity_bytes()); }, "B",
      "DRAM capacity");
  stats_.on_sync([this] {
    catch_up();
    engine_.update_energy();
  });
  stats_.on_reset([this] {
    if (trace::on(trace::kDram)) trace_power();  // the energy before the reset, then rebase
    engine_.reset_stats();
    trace_power_e_pj_ = engine_.energy_so_far_pj();
  });
}

DramController::~DramController() {
  engine_.on_complete(nullptr);
}

void DramController::catch_up() {
  uint64_t v = sc_time_stamp().value();
  uint64_t cycle = (v + tck_ticks_ - 1) / tck_ticks_;
  if (cycle > engine_.now()) engine_.advance_to(cycle);
  if (__builtin_expect(!trace_log_.empty(), 0)) trace_commands();
  if (trace::on(trace::kDram)) trace_power();
}

void DramController::trace_power() {
  auto& tr = trace::Tracer::get();
  if (trace_power_ < 0) trace_power_ = tr.rate(trace::kDram, std::string(name()) + " power (mW)");
  const double e = engine_.energy_so_far_pj();
  const double t = to_ns(cycle_time(engine_.now()));
  const double de = std::max(0.0, e - trace_power_e_pj_);  // rounding only: energy never falls
  if (t > trace_power_t_ns_)
    tr.rate_add_span(trace_power_, trace_power_t_ns_, t - trace_power_t_ns_, de);
  else if (de > 0)
    tr.rate_add(trace_power_, t, de);
  if (t >= trace_power_t_ns_) trace_power_t_ns_ = t;
  trace_power_e_pj_ = e;
}

void DramController::trace_commands() {
  auto& tr = trace::Tracer::get();
  const auto& o = cfg_.org;
  const uint32_t per_ch = o.ranks * o.bank_groups;
  if (trace_tracks_.empty()) {
    trace_tracks_.assign(std::size_t{o.channels} * (per_ch + 1), -1);
    trace_rates_.assign(o.channels, -1);
  }
  const double bytes = engine_.burst_bytes();
  const uint64_t burst = cfg_.burst_cycles();
  for (const CmdRecord& r : trace_log_) {
    if (r.channel >= o.channels) continue;
    const bool rd = is_read(r.cmd), wr = is_write(r.cmd);
    const std::string ch = std::string(name()) + " ch" + std::to_string(r.channel);
    trace::Args a;
    a.num("rank", r.rank).num("bank_group", r.bank_group).num("bank", r.bank).num("row", r.row);
    if (rd || wr) {
      // The data bus of a channel carries one burst at a time: CL/CWL after the command.
      int& t = trace_tracks_[std::size_t{r.channel} * (per_ch + 1)];
      if (t < 0) t = tr.track(trace::kDram, ch + " data bus", int(r.channel * (per_ch + 1)));
      const uint64_t c0 = r.cycle + (rd ? cfg_.timing.cl : cfg_.timing.cwl);
      const double t0 = to_ns(cycle_time(c0));
      tr.complete(t, rd ? "RD" : "WR", t0, to_ns(cycle_time(c0 + burst)) - t0,
                  a.num("column", r.column).str());
      int& rt = trace_rates_[r.channel];
      if (rt < 0) rt = tr.rate(trace::kDram, ch + " bandwidth (GB/s)");
      tr.rate_add(rt, t0, bytes);  // B/ns = GB/s
    } else {
      const uint32_t g = (r.rank % o.ranks) * o.bank_groups + r.bank_group % o.bank_groups;
      int& t = trace_tracks_[std::size_t{r.channel} * (per_ch + 1) + 1 + g];
      if (t < 0)
        t = tr.track(trace::kDram,
                     ch + " rank" + std::to_string(r.rank) + " bg" + std::to_string(r.bank_group),
                     int(r.channel * (per_ch + 1) + 1 + g));
      tr.instant(t, cmd_name(r.cmd), to_ns(cycle_time(r.cycle)), a.str());
    }
  }
  trace_log_.clear();
}

void DramController::driver() {
  for (;;) {
    catch_up();
    uint64_t next = engine_.next_work_event();
    if (next == kNever) {
      wait(kick_);
    } else {
      sc_time at = cycle_time(next);
      wait(at > sc_time_stamp() ? at - sc_time_stamp() : SC_ZERO_TIME, kick_);
    }
  }
}

uint8_t* DramController::chunk(uint64_t addr, bool allocate) {
  auto& c = chunks_[addr / kChunkBytes];
  if (!c && allocate) {
    c.reset(new uint8_t[kChunkBytes]());
    ++chunks_allocated_;
  }
  return c.get();
}

void DramController::copy_data(uint64_t addr, uint8_t* buf, unsigned len, bool write,
                               const uint8_t* be, unsigned be_len) {
  unsigned done = 0;
  while (done < len) {
    uint64_t a = addr + done;
    unsigned off = static_cast<unsigned>(a % kChunkBytes);
    unsigned n = static_cast<unsigned>(std::min<uint64_t>(len - done, kChunkBytes - off));
    uint8_t* m = chunk(a, write);
    for (unsigned i = 0; i < n; ++i) {
      unsigned k = done + i;
      if (be && be[k % be_len] != TLM_BYTE_ENABLED) continue;
      if (write)
        m[off + i] = buf[k];
      else
        buf[k] = m ? m[off + i] : 0;  // never written: reads as zero
    }
    done += n;
  }
}

void DramController::b_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
  ++requests_;
  uint64_t addr = p.get_address();
  unsigned len = p.get_data_length();
  if (addr >= capacity() || len > capacity() - addr) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    ++errors_;
    return;
  }
  if (p.get_streaming_width() < len) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    ++errors_;
    return;
  }
  if (p.is_read() || p.is_write()) {
    // The access's timing depends on the controller's state now: synchronise first.
    wait(delay);
    delay = SC_ZERO_TIME;
    const bool write = p.is_write();
    copy_data(addr, p.get_data_ptr(), len, write, p.get_byte_enable_ptr(),
              p.get_byte_enable_length());
    Waiter w;
    const uint64_t bb = engine_.burst_bytes();
    const uint64_t first = addr & ~(bb - 1);
    const uint64_t end = len ? addr + len : addr + 1;  // a zero-length access still costs one
    for (uint64_t b = first; b < end; b += bb) {
      catch_up();
      Line& line = lines_[engine_.channel_of(b) * 2 + (write ? 1 : 0)];
      if (line.serving != line.next || !engine_.can_accept(b, write)) {
        // The queue is full (or others already wait for it): take a ticket and get in in
        // arrival order when there is room.
        const uint64_t ticket = line.next++;
        while (line.serving != ticket || !engine_.can_accept(b, write)) {
          sc_time at = cycle_time(engine_.next_event());
          wait(at > sc_time_stamp() ? at - sc_time_stamp() : sc_time::from_value(tck_ticks_),
               admit_ev_);
          catch_up();
        }
        ++line.serving;
        if (line.serving != line.next) admit_ev_.notify(SC_ZERO_TIME);  // the next may fit too
      }
      uint64_t tag = next_tag_++;
      waiters_[tag] = &w;
      ++w.outstanding;
      engine_.enqueue(b, write, tag);
    }
    w.all_queued = true;
    kick_.notify(SC_ZERO_TIME);
    if (w.outstanding > 0)
      wait(w.done);
    else if (w.last_done > sc_time_stamp())
      wait(w.last_done - sc_time_stamp());
  }
  p.set_dmi_allowed(cfg_.controller.allow_dmi);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned DramController::transport_dbg(tlm::tlm_generic_payload& p) {
  uint64_t addr = p.get_address();
  if (addr >= capacity()) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  unsigned n = static_cast<unsigned>(std::min<uint64_t>(p.get_data_length(), capacity() - addr));
  if (!p.is_read() && !p.is_write()) n = 0;
  if (n) copy_data(addr, p.get_data_ptr(), n, p.is_write(), nullptr, 0);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  return n;
}

bool DramController::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  uint64_t addr = p.get_address();
  if (!cfg_.controller.allow_dmi || addr >= capacity()) {
    // Deny for the whole window so the initiator does not ask again per access.
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    dmi.set_start_address(0);
    dmi.set_end_address(capacity() - 1);
    return false;
  }
  uint64_t base = addr / kChunkBytes * kChunkBytes;
  dmi.set_dmi_ptr(chunk(addr, true));
  dmi.set_start_address(base);
  dmi.set_end_address(std::min(base + kChunkBytes, capacity()) - 1);
  // An unloaded row hit: the optimistic latency of a functional fast mode.
  sc_time lat = cycle_time(cfg_.timing.cl + cfg_.burst_cycles());
  dmi.set_read_latency(lat);
  dmi.set_write_latency(lat);
  dmi.allow_read_write();
  ++dmi_grants_;
  return true;
}

}  // namespace imcvp::dram
