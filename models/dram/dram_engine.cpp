#include "models/dram/dram_engine.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <queue>
#include <stdexcept>
#include <unordered_set>

#include "models/dram/timing_checker.h"

namespace imcvp::dram {

const char* cmd_name(Cmd c) {
  switch (c) {
    case Cmd::act:
      return "ACT";
    case Cmd::rd:
      return "RD";
    case Cmd::wr:
      return "WR";
    case Cmd::rda:
      return "RDA";
    case Cmd::wra:
      return "WRA";
    case Cmd::pre:
      return "PRE";
    case Cmd::prea:
      return "PREA";
    case Cmd::ref:
      return "REF";
    case Cmd::pde:
      return "PDE";
    case Cmd::pdx:
      return "PDX";
  }
  return "?";
}

namespace {

// Per-bank "earliest cycle" registers, one per command kind.
enum Kind { kAct, kRd, kWr, kPre, kRef, kNumKinds };

struct Entry {
  uint64_t tag = 0, addr = 0, arrival = 0;
  uint64_t ready = 0;  // first cycle it may issue a command (set when moved to a bank queue)
  uint32_t row = 0, col = 0, rank = 0, bg = 0, ba = 0, bank = 0;  // bank: flat in channel
  bool is_write = false;
  bool caused_pre = false, caused_act = false;  // for hit / miss / conflict statistics
};

struct Candidate {
  Cmd cmd = Cmd::act;
  uint32_t bank = 0;  // flat bank (bank-level commands) or rank (rank-level commands)
  int entry = -1;     // index into the bank queue (bank-level commands)
  uint64_t ready = kNever;
  uint64_t age = kNever;  // arrival of the request it serves
  bool valid() const { return ready != kNever; }
};

inline uint64_t umax(uint64_t a, uint64_t b) {
  return a > b ? a : b;
}
// t + d, where d may be negative (cross-rank turnarounds); never earlier than t + 1.
inline uint64_t after(uint64_t t, int64_t d) {
  return d < 1 ? t + 1 : t + static_cast<uint64_t>(d);
}

}  // namespace

// One channel: its controller queues, bank and rank state, and timing registers.
class Channel {
 public:
  Channel(DramEngine& eng, uint32_t id);
  bool can_accept(bool is_write) const {
    return (is_write ? write_q_.size() : read_q_.size()) <
           eng_.cfg_.controller.transaction_queue_depth;
  }
  void enqueue(uint64_t addr, const DramAddress& a, bool is_write, uint64_t tag, uint64_t now);
  uint64_t next_event(uint64_t now) const;
  void step(uint64_t t);
  void flush_background(uint64_t t);
  // Background energy accrued since the last flush_background, up to cycle t (not added).
  double pending_background_pj(uint64_t t) const;
  void rebase_background(uint64_t t) {
    for (auto& r : ranks_) r.bg_since = t;
  }
  uint64_t queued() const { return queued_; }
  // Timing state relative to t (registers further back than `horizon` are clamped: they
  // no longer constrain anything); equal fingerprints one period apart mean the idle channel
  // repeats itself.
  void fingerprint(uint64_t t, uint64_t horizon, std::vector<int64_t>& out) const;
  // Moves every absolute time register d cycles later (idle channel only).
  void shift(uint64_t d);

 private:
  struct Bank {
    bool open = false;
    uint32_t row = 0;
    uint64_t act_cycle = 0;
    uint32_t hits = 0;
    uint64_t next[kNumKinds] = {};
    uint32_t rank = 0, bg = 0, ba = 0;
    std::vector<Entry> q;
    // Cached scheduling choice (choose()); dirty when the queue or row state changes.
    mutable bool dirty = true;
    mutable Cmd cmd = Cmd::act;
    mutable int pick = 0;
    mutable uint64_t age = 0;
  };
  struct Rank {
    uint64_t faw[4] = {};  // ring of the last four ACT cycles
    unsigned faw_n = 0, faw_head = 0;
    uint64_t ref_due = 0;
    uint32_t owed = 0;
    uint32_t open_banks = 0;
    uint32_t pending = 0;  // accesses of this rank queued in the channel
    bool in_pd = false;
    uint64_t pd_enter = 0;
    uint64_t next_cmd = 0;       // tXP after power-down exit
    uint64_t next_pde = 0;       // no power-down entry before (tRFC, tRP, data bursts)
    uint64_t last_activity = 0;  // last command serving a request (the idle timer's start)
    uint64_t bg_since = 0;
    uint64_t faw_ready(uint32_t tfaw) const {
      return faw_n < 4 ? 0 : faw[faw_head] + tfaw;  // faw_head: the oldest of the four
    }
  };

  bool refresh_forced(const Rank& r) const {
    return r.owed > eng_.cfg_.controller.refresh_postpone_max || (r.owed > 0 && r.pending == 0);
  }
  bool want_drain(std::size_t reads, std::size_t writes) const;
  const std::vector<Entry>* move_source() const;
  int movable_index(const std::vector<Entry>& q) const;
  Candidate bank_candidate(uint32_t b) const;
  void choose(const Bank& b) const;
  Candidate rank_candidate(uint32_t r) const;
  Candidate pde_candidate(uint32_t r) const;
  void issue(const Candidate& c, uint64_t t);
  void set_open(Rank& rk, uint32_t rank, uint64_t t, int delta);
  int bg_state(const Rank& r) const { return (r.in_pd ? 2 : 0) + (r.open_banks ? 1 : 0); }

  DramEngine& eng_;
  const DramConfig& cfg_;
  uint32_t id_;
  std::vector<Bank> banks_;
  std::vector<Rank> ranks_;
  std::vector<Entry> read_q_, write_q_;
  std::unordered_set<uint64_t> pending_writes_;  // burst addresses with a queued write
  bool draining_ = false;
  bool frfcfs_ = true, closed_page_ = false;  // policies, decoded once
  bool pd_precharge_ = true;
  bool round_robin_ = true;
  uint32_t rr_last_ = 0;  // round robin: the bank queue that issued last
  // Memo of bank_candidate() and next_event(): valid while version_ is unchanged (every change
  // of queue, bank, rank or bus state bumps it). next_event() and the following step() would
  // otherwise evaluate every bank twice per event.
  uint64_t version_ = 1;
  mutable std::vector<Candidate> cand_;
  mutable std::vector<uint64_t> cand_version_;
  mutable uint64_t ev_version_ = 0, ev_now_ = 0, ev_t_ = 0;
  const Candidate& cached_candidate(uint32_t b) const {
    if (cand_version_[b] != version_) {
      cand_[b] = bank_candidate(b);
      cand_version_[b] = version_;
    }
    return cand_[b];
  }
  uint64_t cmd_bus_next_ = 0;
  uint64_t queued_ = 0;
  // Completions in done order.
  struct Later {
    bool operator()(const Completion& a, const Completion& b) const { return a.done > b.done; }
  };
  std::priority_queue<Completion, std::vector<Completion>, Later> done_;
  // Energy per event / per cycle (pJ), from the currents.
  double e_act_ = 0, e_rd_ = 0, e_wr_ = 0, e_ref_ = 0, e_io_burst_ = 0;
  double p_bg_[4] = {};  // pJ per cycle: pre standby, act standby, pre PD, act PD
};

Channel::Channel(DramEngine& eng, uint32_t id) : eng_(eng), cfg_(eng.cfg_), id_(id) {
  frfcfs_ = cfg_.controller.scheduler == "frfcfs";
  round_robin_ = cfg_.controller.arbitration == "round_robin";
  closed_page_ = cfg_.controller.page_policy == "closed";
  pd_precharge_ = cfg_.controller.powerdown_mode == "precharge";
  const auto& o = cfg_.org;
  const auto& T = cfg_.timing;
  const auto& P = cfg_.power;
  banks_.resize(std::size_t{o.ranks} * cfg_.banks_per_rank());
  for (std::size_t i = 0; i < banks_.size(); ++i) {
    banks_[i].rank = static_cast<uint32_t>(i / cfg_.banks_per_rank());
    uint32_t in_rank = static_cast<uint32_t>(i % cfg_.banks_per_rank());
    banks_[i].bg = in_rank / o.banks_per_group;
    banks_[i].ba = in_rank % o.banks_per_group;
    banks_[i].q.reserve(cfg_.controller.command_queue_depth);
  }
  ranks_.resize(o.ranks);
  cand_.resize(banks_.size());
  cand_version_.assign(banks_.size(), 0);
  // Rank-level staggered refresh: rank r first due at (r+1) * tREFI / ranks (DRAMsim3
  // RANK_LEVEL_STAGGERED), then every tREFI.
  for (uint32_t r = 0; r < o.ranks; ++r) ranks_[r].ref_due = uint64_t{T.trefi} * (r + 1) / o.ranks;

  // DRAMPower / DRAMsim3 energy equations; mA * V = mW, mW * ns = pJ.
  const double n = cfg_.devices_per_rank(), tck = T.tck_ns, B = cfg_.burst_cycles();
  const double trc = T.trc, tras = T.tras;
  e_act_ = n * tck *
           (P.vdd_v * (P.idd0_ma * trc - (P.idd3n_ma * tras + P.idd2n_ma * (trc - tras))) +
            P.vpp_v * (P.ipp0_ma * trc - (P.ipp3n_ma * tras + P.ipp2n_ma * (trc - tras))));
  e_rd_ = n * tck * B * (P.vdd_v * (P.idd4r_ma - P.idd3n_ma) + P.vpp_v * (P.ipp4r_ma - P.ipp3n_ma));
  e_wr_ = n * tck * B * (P.vdd_v * (P.idd4w_ma - P.idd3n_ma) + P.vpp_v * (P.ipp4w_ma - P.ipp3n_ma));
  e_ref_ = n * tck * T.trfc *
           (P.vdd_v * (P.idd5ab_ma - P.idd3n_ma) + P.vpp_v * (P.ipp5ab_ma - P.ipp3n_ma));
  e_io_burst_ = cfg_.burst_bytes() * 8.0 * P.io_energy_pj_per_bit;
  p_bg_[0] = n * tck * (P.vdd_v * P.idd2n_ma + P.vpp_v * P.ipp2n_ma);
  p_bg_[1] = n * tck * (P.vdd_v * P.idd3n_ma + P.vpp_v * P.ipp3n_ma);
  p_bg_[2] = n * tck * (P.vdd_v * P.idd2p_ma + P.vpp_v * P.ipp2n_ma);
  p_bg_[3] = n * tck * (P.vdd_v * P.idd3p_ma + P.vpp_v * P.ipp3n_ma);
}

void Channel::enqueue(uint64_t addr, const DramAddress& a, bool is_write, uint64_t tag,
                      uint64_t now) {
  ++version_;
  DramStats& s = eng_.stats_;
  Completion c{tag, addr, is_write, now, now + 1};
  if (is_write) {
    ++s.writes;
    s.bytes_written += cfg_.burst_bytes();
    done_.push(c);  // posted: the write completes on acceptance
    if (!pending_writes_.insert(addr).second) {
      ++s.writes_merged;  // a queued write to the same burst carries the new data too
      return;
    }
  } else {
    ++s.reads;
    s.bytes_read += cfg_.burst_bytes();
    if (pending_writes_.count(addr)) {
      ++s.reads_forwarded;  // read-after-write: answered from the write queue
      done_.push(c);
      return;
    }
  }
  Entry e;
  e.tag = tag;
  e.addr = addr;
  e.arrival = now;
  e.row = a.row;
  e.col = a.column;
  e.rank = a.rank;
  e.bg = a.bank_group;
  e.ba = a.bank;
  e.bank = a.rank * cfg_.banks_per_rank() + a.bank_group * cfg_.org.banks_per_group + a.bank;
  e.is_write = is_write;
  (is_write ? write_q_ : read_q_).push_back(e);
  ++ranks_[a.rank].pending;
  ++queued_;
}

bool Channel::want_drain(std::size_t reads, std::size_t writes) const {
  const auto& c = cfg_.controller;
  if (!draining_) return writes >= c.write_high_watermark || (reads == 0 && writes > 0);
  return !(writes == 0 || (reads > 0 && writes <= c.write_low_watermark));
}

const std::vector<Entry>* Channel::move_source() const {
  return want_drain(read_q_.size(), write_q_.size()) ? &write_q_ : &read_q_;
}

int Channel::movable_index(const std::vector<Entry>& q) const {
  for (std::size_t i = 0; i < q.size(); ++i)
    if (banks_[q[i].bank].q.size() < cfg_.controller.command_queue_depth)
      return static_cast<int>(i);
  return -1;
}

Candidate Channel::bank_candidate(uint32_t bi) const {
  const Bank& b = banks_[bi];
  Candidate c;
  if (b.q.empty()) return c;
  const Rank& rk = ranks_[b.rank];
  if (rk.in_pd || refresh_forced(rk)) return c;  // rank-level work first
  if (b.dirty) choose(b);  // the choice changes only with the bank's queue and row state
  const Entry& e = b.q[static_cast<std::size_t>(b.pick)];
  uint64_t r = umax(umax(e.ready, cmd_bus_next_), rk.next_cmd);
  switch (b.cmd) {
    case Cmd::act:
      r = umax(umax(r, b.next[kAct]), rk.faw_ready(cfg_.timing.tfaw));
      break;
    case Cmd::pre:
      r = umax(r, b.next[kPre]);
      break;
    case Cmd::rd:
    case Cmd::rda:
      r = umax(r, b.next[kRd]);
      break;
    default:
      r = umax(r, b.next[kWr]);
      break;
  }
  c.cmd = b.cmd;
  c.bank = bi;
  c.entry = b.pick;
  c.ready = r;
  c.age = b.age;
  return c;
}

// FR-FCFS (or FCFS) inside one bank: which request to serve next and with which command.
void Channel::choose(const Bank& b) const {
  const auto& ctl = cfg_.controller;
  int pick = 0;
  Cmd cmd;
  if (b.open) {
    int hit = -1;
    if (frfcfs_) {
      for (std::size_t i = 0; i < b.q.size(); ++i)
        if (b.q[i].row == b.row) {
          hit = static_cast<int>(i);
          break;
        }
      // An older miss may close the row once the row-hit cap is reached (no starvation).
      if (hit > 0 && ctl.row_hit_cap != 0 && b.hits >= ctl.row_hit_cap) hit = -1;
    } else if (b.q[0].row == b.row) {
      hit = 0;
    }
    if (hit >= 0) {
      pick = hit;
      const Entry& e = b.q[static_cast<std::size_t>(hit)];
      bool auto_pre = false;
      if (closed_page_) {
        auto_pre = true;  // keep the row open only for a queued hit to the same row
        if (frfcfs_)
          for (std::size_t i = 0; i < b.q.size(); ++i)
            if (static_cast<int>(i) != hit && b.q[i].row == b.row) auto_pre = false;
      }
      cmd = e.is_write ? (auto_pre ? Cmd::wra : Cmd::wr) : (auto_pre ? Cmd::rda : Cmd::rd);
    } else {
      cmd = Cmd::pre;
    }
  } else {
    cmd = Cmd::act;
  }
  b.cmd = cmd;
  b.pick = pick;
  b.age = is_column(cmd) ? b.q[static_cast<std::size_t>(pick)].arrival : b.q[0].arrival;
  b.dirty = false;
}

// Refresh (PREA then REF) or power-down exit for a rank that needs it.
Candidate Channel::rank_candidate(uint32_t ri) const {
  const Rank& rk = ranks_[ri];
  Candidate c;
  c.bank = ri;
  c.age = 0;
  bool work = rk.pending > 0;
  bool forced = refresh_forced(rk);
  if (rk.in_pd) {
    if (!work && !forced) return c;
    c.cmd = Cmd::pdx;
    c.ready = umax(cmd_bus_next_, rk.pd_enter + cfg_.timing.tcke);
    return c;
  }
  if (!forced) return c;
  uint64_t r = umax(cmd_bus_next_, rk.next_cmd);
  const uint32_t first = ri * cfg_.banks_per_rank(), last = first + cfg_.banks_per_rank();
  if (rk.open_banks > 0) {
    c.cmd = Cmd::prea;
    for (uint32_t b = first; b < last; ++b)
      if (banks_[b].open) r = umax(r, banks_[b].next[kPre]);
  } else {
    c.cmd = Cmd::ref;
    for (uint32_t b = first; b < last; ++b) r = umax(r, banks_[b].next[kRef]);
  }
  c.ready = r;
  return c;
}

Candidate Channel::pde_candidate(uint32_t ri) const {
  const Rank& rk = ranks_[ri];
  Candidate c;
  uint32_t idle = cfg_.controller.powerdown_idle_cycles;
  if (idle == 0 || rk.in_pd || rk.pending > 0 || rk.owed > 0) return c;
  c.cmd = Cmd::pde;
  c.bank = ri;
  c.ready = umax(umax(cmd_bus_next_, rk.next_cmd), umax(rk.next_pde, rk.last_activity + idle));
  if (pd_precharge_ && rk.open_banks > 0) {
    // Precharge power-down: close the open rows first (PREA when they may be precharged).
    c.cmd = Cmd::prea;
    const uint32_t first = ri * cfg_.banks_per_rank(), last = first + cfg_.banks_per_rank();
    for (uint32_t b = first; b < last; ++b)
      if (banks_[b].open) c.ready = umax(c.ready, banks_[b].next[kPre]);
  }
  // Do not enter power-down just before a refresh falls due.
  if (c.ready + cfg_.timing.tcke >= rk.ref_due) c.ready = kNever;
  return c;
}

uint64_t Channel::next_event(uint64_t now) const {
  if (ev_version_ == version_ && ev_now_ == now) return ev_t_;
  uint64_t t = kNever;
  if (!done_.empty()) t = std::min(t, done_.top().done);
  for (const auto& r : ranks_) t = std::min(t, r.ref_due);
  if (movable_index(*move_source()) >= 0) t = std::min(t, now + 1);
  for (uint32_t r = 0; r < ranks_.size(); ++r) {
    t = std::min(t, rank_candidate(r).ready);
    t = std::min(t, pde_candidate(r).ready);
  }
  for (uint32_t b = 0; b < banks_.size(); ++b)
    if (!banks_[b].q.empty()) t = std::min(t, cached_candidate(b).ready);
  ev_version_ = version_;
  ev_now_ = now;
  ev_t_ = t == kNever ? t : umax(t, now + 1);
  return ev_t_;
}

void Channel::step(uint64_t t) {
  DramStats& s = eng_.stats_;
  // 1. Data returns.
  while (!done_.empty() && done_.top().done <= t) {
    Completion c = done_.top();
    done_.pop();
    ++version_;
    eng_.complete(c);
  }
  // 2. Refresh bookkeeping.
  for (auto& rk : ranks_)
    while (rk.ref_due <= t) {
      ++version_;
      ++rk.owed;
      rk.ref_due += cfg_.timing.trefi;
      if (!refresh_forced(rk)) ++s.refs_postponed;
    }
  // 3. Issue at most one command: refresh / power-down exit first, then FR-FCFS (row hits,
  //    oldest first) or FCFS (oldest first), power-down entry last.
  Candidate best;
  for (uint32_t r = 0; r < ranks_.size() && !best.valid(); ++r) {
    Candidate c = rank_candidate(r);
    if (c.ready <= t) best = c;
  }
  if (!best.valid() && round_robin_) {
    // DRAMsim3 CommandQueue::GetCommandToIssue: scan the bank queues from the one after the
    // last winner; the first with a ready command issues and becomes the new start point.
    const uint32_t n = static_cast<uint32_t>(banks_.size());
    for (uint32_t k = 1; k <= n; ++k) {
      uint32_t b = rr_last_ + k;
      if (b >= n) b -= n;
      if (banks_[b].q.empty()) continue;
      const Candidate& c = cached_candidate(b);
      if (c.ready > t) continue;
      best = c;
      rr_last_ = b;
      break;
    }
  }
  if (!best.valid() && !round_robin_) {
    const bool frfcfs = frfcfs_;
    bool best_col = false;
    for (uint32_t b = 0; b < banks_.size(); ++b) {
      if (banks_[b].q.empty()) continue;
      Candidate c = bank_candidate(b);
      if (c.ready > t) continue;
      bool col = frfcfs && is_column(c.cmd);
      if (!best.valid() || (col && !best_col) || (col == best_col && c.age < best.age)) {
        best = c;
        best_col = col;
      }
    }
  }
  for (uint32_t r = 0; r < ranks_.size() && !best.valid(); ++r) {
    Candidate c = pde_candidate(r);
    if (c.ready <= t) best = c;
  }
  if (best.valid()) {
    ++version_;
    issue(best, t);
  }
  // 4. Move one transaction into its bank queue.
  auto* src = const_cast<std::vector<Entry>*>(move_source());
  bool drain = src == &write_q_;
  if (drain && !draining_) ++s.write_drains;
  if (draining_ != drain) ++version_;
  draining_ = drain;
  int i = movable_index(*src);
  if (i >= 0) {
    Entry e = (*src)[static_cast<std::size_t>(i)];
    src->erase(src->begin() + i);
    e.ready = t + 1;
    ++version_;
    banks_[e.bank].q.push_back(e);
    banks_[e.bank].dirty = true;
  }
}

void Channel::fingerprint(uint64_t t, uint64_t horizon, std::vector<int64_t>& out) const {
  auto rel = [&](uint64_t v) {
    int64_t d = static_cast<int64_t>(v) - static_cast<int64_t>(t);
    out.push_back(d < -static_cast<int64_t>(horizon) ? -static_cast<int64_t>(horizon) : d);
  };
  out.push_back(static_cast<int64_t>(queued_ + done_.size()));
  rel(cmd_bus_next_);
  out.push_back(draining_);
  for (const auto& b : banks_) {
    out.push_back(b.open ? 1 + int64_t{b.row} : 0);
    out.push_back(b.hits);
    rel(b.act_cycle);
    for (uint64_t v : b.next) rel(v);
  }
  for (const auto& r : ranks_) {
    for (uint64_t v : r.faw) rel(v);
    out.push_back(r.faw_n);
    out.push_back(r.faw_head);
    out.push_back(r.owed);
    out.push_back(r.open_banks);
    out.push_back(r.pending);
    out.push_back(r.in_pd);
    rel(r.ref_due);
    rel(r.pd_enter);
    rel(r.next_cmd);
    rel(r.next_pde);
    rel(r.last_activity);
    rel(r.bg_since);
  }
}

void Channel::shift(uint64_t d) {
  ++version_;
  cmd_bus_next_ += d;
  for (auto& b : banks_) {
    b.act_cycle += d;
    for (auto& v : b.next) v += d;
  }
  for (auto& r : ranks_) {
    for (auto& v : r.faw) v += d;
    r.ref_due += d;
    r.pd_enter += d;
    r.next_cmd += d;
    r.next_pde += d;
    r.last_activity += d;
    r.bg_since += d;
  }
}

void Channel::set_open(Rank& rk, uint32_t, uint64_t t, int delta) {
  bool was = rk.open_banks > 0;
  if (delta > 0) {
    if (!was) flush_background(t);
    ++rk.open_banks;
  } else {
    if (rk.open_banks == 1) flush_background(t);
    --rk.open_banks;
  }
}

double Channel::pending_background_pj(uint64_t t) const {
  double e = 0;
  for (const auto& rk : ranks_)
    if (t > rk.bg_since) e += p_bg_[bg_state(rk)] * static_cast<double>(t - rk.bg_since);
  return e;
}

void Channel::flush_background(uint64_t t) {
  DramStats& s = eng_.stats_;
  for (auto& rk : ranks_) {
    if (t <= rk.bg_since) continue;
    double e = p_bg_[bg_state(rk)] * static_cast<double>(t - rk.bg_since);
    switch (bg_state(rk)) {
      case 0:
        s.e_bg_precharged_pj += e;
        break;
      case 1:
        s.e_bg_active_pj += e;
        break;
      default:
        s.e_powerdown_pj += e;
        s.pd_rank_cycles += t - rk.bg_since;
        break;
    }
    rk.bg_since = t;
  }
}

void Channel::issue(const Candidate& c, uint64_t t) {
  DramStats& s = eng_.stats_;
  const auto& T = cfg_.timing;
  const int64_t B = cfg_.burst_cycles(), CL = T.cl, CWL = T.cwl;
  CmdRecord rec;
  rec.cycle = t;
  rec.cmd = c.cmd;
  rec.channel = id_;
  cmd_bus_next_ = t + 1;

  if (c.cmd == Cmd::prea || c.cmd == Cmd::ref || c.cmd == Cmd::pde || c.cmd == Cmd::pdx) {
    Rank& rk = ranks_[c.bank];
    rec.rank = c.bank;
    const uint32_t first = c.bank * cfg_.banks_per_rank(), last = first + cfg_.banks_per_rank();
    switch (c.cmd) {
      case Cmd::prea:
        flush_background(t);
        for (uint32_t b = first; b < last; ++b) {
          Bank& bk = banks_[b];
          bk.next[kAct] = umax(bk.next[kAct], t + T.trp);
          bk.next[kRef] = umax(bk.next[kRef], t + T.trp);
          bk.open = false;
          bk.dirty = true;
        }
        rk.open_banks = 0;
        rk.next_pde = umax(rk.next_pde, t + T.trp);  // power-down with all banks precharged
        ++s.preas;
        break;
      case Cmd::ref:
        for (uint32_t b = first; b < last; ++b) {
          banks_[b].next[kAct] = umax(banks_[b].next[kAct], t + T.trfc);
          banks_[b].next[kRef] = umax(banks_[b].next[kRef], t + T.trfc);
        }
        rk.next_pde = umax(rk.next_pde, t + T.trfc);
        --rk.owed;
        ++s.refs;
        s.e_ref_pj += e_ref_;
        break;
      case Cmd::pde:
        flush_background(t);
        rk.in_pd = true;
        rk.pd_enter = t;
        ++s.powerdowns;
        break;
      default:  // pdx
        flush_background(t);
        rk.in_pd = false;
        rk.next_cmd = t + T.txp;
        break;
    }
    eng_.record(rec);
    return;
  }

  Bank& b = banks_[c.bank];
  Rank& rk = ranks_[b.rank];
  rk.last_activity = t;
  b.dirty = true;
  Entry& e = b.q[static_cast<std::size_t>(c.entry)];
  rec.rank = b.rank;
  rec.bank_group = b.bg;
  rec.bank = b.ba;
  rec.row = e.row;
  rec.column = e.col;
  switch (c.cmd) {
    case Cmd::act:
      for (auto& o : banks_) {
        if (o.rank != b.rank) continue;
        if (&o == &b) {
          o.next[kAct] = umax(o.next[kAct], t + T.trc);
          o.next[kRd] = umax(o.next[kRd], t + T.trcd);
          o.next[kWr] = umax(o.next[kWr], t + T.trcd);
          o.next[kPre] = umax(o.next[kPre], t + T.tras);
        } else {
          o.next[kAct] = umax(o.next[kAct], t + (o.bg == b.bg ? T.trrd_l : T.trrd_s));
        }
      }
      if (rk.faw_n < 4) {
        rk.faw[(rk.faw_head + rk.faw_n) % 4] = t;
        ++rk.faw_n;
      } else {
        rk.faw[rk.faw_head] = t;
        rk.faw_head = (rk.faw_head + 1) % 4;
      }
      set_open(rk, b.rank, t, +1);
      b.open = true;
      b.row = e.row;
      b.act_cycle = t;
      b.hits = 0;
      e.caused_act = true;
      ++s.acts;
      s.e_act_pj += e_act_;
      break;
    case Cmd::pre:
      b.next[kAct] = umax(b.next[kAct], t + T.trp);
      b.next[kRef] = umax(b.next[kRef], t + T.trp);
      set_open(rk, b.rank, t, -1);
      b.open = false;
      b.q[0].caused_pre = true;  // the oldest request wanted another row
      ++s.pres;
      break;
    default: {  // column commands
      const bool rd = is_read(c.cmd);
      for (auto& o : banks_) {
        if (o.rank == b.rank) {
          uint64_t ccd = o.bg == b.bg ? T.tccd_l : T.tccd_s;
          if (rd) {
            o.next[kRd] = umax(o.next[kRd], t + ccd);
            o.next[kWr] = umax(o.next[kWr], after(t, CL + B + 2 - CWL));
          } else {
            o.next[kWr] = umax(o.next[kWr], t + ccd);
            o.next[kRd] = umax(o.next[kRd], t + T.cwl + B + (o.bg == b.bg ? T.twtr_l : T.twtr_s));
          }
        } else if (rd) {
          o.next[kRd] = umax(o.next[kRd], after(t, B + T.trtrs));
          o.next[kWr] = umax(o.next[kWr], after(t, CL + B + T.trtrs - CWL));
        } else {
          o.next[kWr] = umax(o.next[kWr], after(t, B + T.trtrs));
          o.next[kRd] = umax(o.next[kRd], after(t, CWL + B + T.trtrs - CL));
        }
      }
      const uint64_t pre_at = rd ? t + T.trtp : t + T.cwl + B + T.twr;
      b.next[kPre] = umax(b.next[kPre], pre_at);
      const uint64_t data_end = t + (rd ? T.cl : T.cwl) + B;
      // JESD79-4 tRDPDEN = RL + BL/2 + 1, tWRPDEN = WL + BL/2 + tWR: no power-down entry
      // before the burst (and a write's recovery) is over.
      rk.next_pde = umax(rk.next_pde, rd ? data_end + 1 : data_end + T.twr);
      if (c.cmd == Cmd::rda || c.cmd == Cmd::wra) {
        uint64_t p = umax(pre_at, b.act_cycle + T.tras);  // auto-precharge waits for tRAS
        b.next[kAct] = umax(b.next[kAct], p + T.trp);
        b.next[kRef] = umax(b.next[kRef], p + T.trp);
        set_open(rk, b.rank, t, -1);
        b.open = false;
      } else {
        ++b.hits;
      }
      if (e.caused_pre)
        ++s.row_conflicts;
      else if (e.caused_act)
        ++s.row_misses;
      else
        ++s.row_hits;
      s.e_io_pj += e_io_burst_;
      if (rd) {
        ++s.rd_cmds;
        s.e_rd_pj += e_rd_;
        done_.push(Completion{e.tag, e.addr, false, e.arrival, t + T.cl + B});
      } else {
        ++s.wr_cmds;
        s.e_wr_pj += e_wr_;
        pending_writes_.erase(e.addr);
        s.last_cycle = umax(s.last_cycle, data_end);  // the write's data is on the bus
      }
      --rk.pending;
      --queued_;
      b.q.erase(b.q.begin() + c.entry);
      break;
    }
  }
  eng_.record(rec);
}

// ---------------------------------------------------------------------------------------------

DramEngine::DramEngine(const DramConfig& cfg) : cfg_(cfg), map_((cfg.validate(), cfg_)) {
  capacity_ = cfg_.capacity_bytes();
  burst_bytes_ = cfg_.burst_bytes();
  for (uint32_t c = 0; c < cfg_.org.channels; ++c)
    channels_.push_back(std::make_unique<Channel>(*this, c));
#ifndef NDEBUG
  checker_ = std::make_unique<TimingChecker>(cfg_);
#endif
}

DramEngine::~DramEngine() = default;

void DramEngine::enable_self_check(bool on) {
  if (on && !checker_) checker_ = std::make_unique<TimingChecker>(cfg_);
  if (!on) checker_.reset();
}

const std::vector<std::string>& DramEngine::self_check_violations() const {
  return checker_ ? checker_->violations() : no_violations_;
}

uint32_t DramEngine::channel_of(uint64_t addr) const {
  return map_.decode(addr).channel;
}

bool DramEngine::can_accept(uint64_t addr, bool is_write) const {
  if (addr >= capacity_) return false;
  return channels_[map_.decode(addr).channel]->can_accept(is_write);
}

bool DramEngine::enqueue(uint64_t addr, bool is_write, uint64_t tag) {
  if (addr >= capacity_)
    throw std::out_of_range("dram: address " + std::to_string(addr) + " beyond capacity " +
                            std::to_string(capacity_));
  DramAddress a = map_.decode(addr);
  Channel& ch = *channels_[a.channel];
  if (!ch.can_accept(is_write)) return false;
  uint64_t before = 0;
  for (auto& c : channels_) before += c->queued();
  stats_.queue_occupancy_integral +=
      static_cast<double>(before) * static_cast<double>(now_ - last_occupancy_cycle_);
  last_occupancy_cycle_ = now_;
  ch.enqueue(addr & ~uint64_t{burst_bytes_ - 1}, a, is_write, tag, now_);
  stats_.queue_occupancy_max = std::max(stats_.queue_occupancy_max, before + 1);
  ++pending_;
  return true;
}

uint64_t DramEngine::next_event() const {
  uint64_t t = kNever;
  for (const auto& c : channels_) t = std::min(t, c->next_event(now_));
  return t;
}

uint64_t DramEngine::next_work_event() const {
  return busy() ? next_event() : kNever;
}

void DramEngine::advance_to(uint64_t cycle) {
  const uint64_t P = cfg_.timing.trefi;
  // Long idle stretch: skip whole refresh periods in closed form (see the header).
  if (idle_skip_ && !log_ && P > 0 && cycle > now_ && cycle - now_ > 4 * P) {
    while (busy()) {  // finish the outstanding work event by event
      uint64_t t = next_event();
      if (t > cycle) break;
      run_until(t);
    }
    if (!busy() && cycle - now_ > 4 * P) skip_idle(cycle);
  }
  run_until(cycle);
}

void DramEngine::skip_idle(uint64_t cycle) {
  const uint64_t P = cfg_.timing.trefi;
  // Warm up one period (owed refreshes issued, open rows closed by the next refresh, power-down
  // settled), then compare the state at the start and the end of the next period; try a few
  // periods, as the first refresh after work may still close rows (PREA) or leave power-down.
  run_until(now_ + P);
  update_energy();  // background energy up to now, so the period's delta is complete
  std::vector<int64_t> f0, f1;
  for (auto& c : channels_) c->fingerprint(now_, P, f0);
  DramStats s0 = stats_;
  const uint64_t per_period = uint64_t{cfg_.org.ranks} * channels_.size();
  for (int attempt = 0;; ++attempt) {
    if (busy() || attempt == 4 || cycle < now_ + 3 * P) return;
    run_until(now_ + P);
    update_energy();
    f1.clear();
    for (auto& c : channels_) c->fingerprint(now_, P, f1);
    if (f0 == f1 && stats_.refs - s0.refs == per_period) break;
    f0.swap(f1);
    s0 = stats_;
  }
  const DramStats& s1 = stats_;
  const uint64_t k = (cycle - now_) / P - 1;  // leave the last stretch to normal stepping
  if (k == 0) return;
  const double kd = static_cast<double>(k);
  DramStats& s = stats_;
  auto add = [&](uint64_t& v, uint64_t a, uint64_t b) { v += k * (b - a); };
  add(s.acts, s0.acts, s1.acts);
  add(s.pres, s0.pres, s1.pres);
  add(s.preas, s0.preas, s1.preas);
  add(s.refs, s0.refs, s1.refs);
  add(s.refs_postponed, s0.refs_postponed, s1.refs_postponed);
  add(s.powerdowns, s0.powerdowns, s1.powerdowns);
  add(s.pd_rank_cycles, s0.pd_rank_cycles, s1.pd_rank_cycles);
  s.e_ref_pj += kd * (s1.e_ref_pj - s0.e_ref_pj);
  s.e_act_pj += kd * (s1.e_act_pj - s0.e_act_pj);
  s.e_bg_active_pj += kd * (s1.e_bg_active_pj - s0.e_bg_active_pj);
  s.e_bg_precharged_pj += kd * (s1.e_bg_precharged_pj - s0.e_bg_precharged_pj);
  s.e_powerdown_pj += kd * (s1.e_powerdown_pj - s0.e_powerdown_pj);
  const uint64_t d = k * P;
  for (auto& c : channels_) c->shift(d);
  if (checker_)
    for (uint32_t c = 0; c < channels_.size(); ++c) checker_->credit_refreshes(c, k);
  now_ += d;
  last_occupancy_cycle_ += d;  // nothing was queued: the occupancy integral is unchanged
  skipped_periods_ += k;
}

void DramEngine::run_until(uint64_t cycle) {
  std::vector<uint64_t>& next = next_scratch_;
  next.resize(channels_.size());
  while (now_ < cycle) {
    uint64_t t = kNever;
    for (std::size_t i = 0; i < channels_.size(); ++i) {
      next[i] = channels_[i]->next_event(now_);
      t = std::min(t, next[i]);
    }
    if (t > cycle) break;
    uint64_t q = 0;
    for (auto& c : channels_) q += c->queued();
    stats_.queue_occupancy_integral +=
        static_cast<double>(q) * static_cast<double>(t - last_occupancy_cycle_);
    last_occupancy_cycle_ = t;
    now_ = t;
    for (std::size_t i = 0; i < channels_.size(); ++i)
      if (next[i] == t) channels_[i]->step(t);
  }
  now_ = std::max(now_, cycle);
}

bool DramEngine::busy() const {
  if (pending_ > 0) return true;
  for (const auto& c : channels_)
    if (c->queued() > 0) return true;
  return false;
}

uint64_t DramEngine::drain() {
  while (busy()) {
    uint64_t t = next_event();
    if (t == kNever) throw std::logic_error("dram: accesses pending but no event scheduled");
    advance_to(t);
  }
  return stats_.last_cycle;
}

void DramEngine::complete(const Completion& c) {
  --pending_;
  stats_.last_cycle = std::max(stats_.last_cycle, c.done);
  if (!c.is_write) stats_.read_latency.sample(static_cast<double>(c.done - c.arrival));
  if (on_complete_) on_complete_(c);
}

void DramEngine::record(const CmdRecord& r) {
  if (log_) log_->push_back(r);
  if (checker_) {
    auto v = checker_->check(r);
#ifndef NDEBUG
    // Debug builds: a timing violation is an engine bug; stop at the first one.
    if (!v.empty()) {
      for (auto& m : v) fprintf(stderr, "dram timing violation: %s\n", m.c_str());
      assert(v.empty() && "DRAM timing violation");
    }
#endif
  }
}

void DramEngine::update_energy() {
  uint64_t q = 0;
  for (auto& c : channels_) q += c->queued();
  stats_.queue_occupancy_integral +=
      static_cast<double>(q) * static_cast<double>(now_ - last_occupancy_cycle_);
  last_occupancy_cycle_ = now_;
  for (auto& c : channels_) c->flush_background(now_);
}

double DramEngine::energy_so_far_pj() const {
  double e = stats_.energy_total_pj();
  for (const auto& c : channels_) e += c->pending_background_pj(now_);
  return e;
}

void DramEngine::reset_stats() {
  update_energy();
  stats_ = DramStats{};
  stats_.since_cycle = now_;
  for (auto& c : channels_) c->rebase_background(now_);
}

}  // namespace imcvp::dram
