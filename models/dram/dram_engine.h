// DramEngine: the DRAM controller and device timing engine, pure C++ (no SystemC), shared by
// trace replay (imcvp dram-trace) and the SystemC target (DramController).
//
// Per channel: a read queue and a write queue of burst-sized transactions, per-bank command
// queues, FR-FCFS or FCFS scheduling, open or closed page, write draining between watermarks,
// all-bank refresh per rank (staggered across ranks, optionally postponed while busy),
// optional power-down, and DRAMPower-style energy. The engine jumps from event to event: a
// cycle in which nothing can happen is never visited.
//
// Time: the engine sits at cycle now(). Cycle now()'s controller step has already run; an
// access enqueued now arrives "after" it, moves to its bank queue at the earliest at now()+1
// and issues its first command at now()+2 (DRAMsim3's controller pipeline). advance_to(c)
// runs the steps of every cycle in (now(), c] that has something to do.
//
// Limits: one command per cycle per channel; all-bank refresh only; power-down is precharge or
// active power-down (no self refresh); writes are posted (they complete on acceptance).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "models/dram/address_map.h"
#include "models/dram/dram_config.h"
#include "models/dram/dram_types.h"

namespace imcvp::dram {

class Channel;
class TimingChecker;

class DramEngine {
 public:
  // Validates cfg (throws config::ConfigError).
  explicit DramEngine(const DramConfig& cfg);
  ~DramEngine();
  DramEngine(const DramEngine&) = delete;
  DramEngine& operator=(const DramEngine&) = delete;

  const DramConfig& config() const { return cfg_; }
  const AddressMap& address_map() const { return map_; }
  uint64_t capacity_bytes() const { return capacity_; }
  uint32_t burst_bytes() const { return burst_bytes_; }

  uint64_t now() const { return now_; }
  // True if a burst access to addr (< capacity) would be accepted at now().
  bool can_accept(uint64_t addr, bool is_write) const;
  // Channel an address maps to (its queues are per channel).
  uint32_t channel_of(uint64_t addr) const;
  uint32_t channels() const { return uint32_t(channels_.size()); }
  // Enqueues one burst access at now(); addr is any byte address inside the burst. Returns
  // false (and does nothing) if the queue is full. Throws std::out_of_range beyond capacity.
  bool enqueue(uint64_t addr, bool is_write, uint64_t tag);
  // Earliest cycle > now() at which something happens (a command, a queue move, a completion,
  // a refresh); kNever when nothing is pending at all (not even a refresh: never, since
  // refresh is periodic, so this is always finite).
  uint64_t next_event() const;
  // next_event() while busy(), else kNever: refresh and power-down housekeeping of an idle
  // controller need no wake-up (advance_to() catches up on them).
  uint64_t next_work_event() const;
  // Runs every event cycle in (now(), cycle] and sets now() = cycle. An idle controller (no
  // access pending or queued) crosses long stretches in closed form: once one refresh period
  // (tREFI) repeats the previous one exactly, whole periods are skipped by shifting the timing
  // state and adding the period's counts and energy (refreshes counted, not stepped), so the
  // cost does not grow with the idle time. Not with a command log attached (it records every
  // command).
  void advance_to(uint64_t cycle);
  // Idle refresh periods skipped in closed form so far (statistics for tests).
  uint64_t skipped_periods() const { return skipped_periods_; }
  // Runs until no access is pending or queued; returns the cycle the last one finished
  // (read data returned, write data written).
  uint64_t drain();
  // Accesses accepted but not completed (posted writes complete on acceptance).
  uint64_t pending() const { return pending_; }
  // Something is pending or still queued (a posted write not yet written).
  bool busy() const;

  void on_complete(std::function<void(const Completion&)> f) { on_complete_ = std::move(f); }
  // Records every issued command into *log (nullptr: off).
  void set_command_log(std::vector<CmdRecord>* log) { log_ = log; }
  // Skipping long idle stretches in closed form (whole refresh periods; see advance_to) is for
  // trace replay (`imcvp dram-trace`). It is off by default: a SoC run steps them, so its stats
  // are the same whether or not a command log (--trace) is attached (the skip adds the periods'
  // energy in one multiplication, which differs from stepping in the last bits).
  void set_idle_skip(bool on) { idle_skip_ = on; }

  const DramStats& stats() const { return stats_; }
  // Brings background energy up to now() (call before reading energy stats).
  void update_energy();
  // Total energy up to now(), background included, without changing the stats (update_energy
  // adds background in pieces: calling it more often would change the sums' last bits). For
  // the trace's power counter.
  double energy_so_far_pj() const;
  // Zeroes counters and energy (stats reset); timing state is kept.
  void reset_stats();

  // Violations found by the built-in checker (debug builds check every command; release
  // builds only when enable_self_check(true)).
  void enable_self_check(bool on);
  const std::vector<std::string>& self_check_violations() const;

 private:
  friend class Channel;
  void complete(const Completion& c);
  void run_until(uint64_t cycle);
  void skip_idle(uint64_t cycle);
  void record(const CmdRecord& r);

  DramConfig cfg_;
  AddressMap map_;
  uint64_t capacity_ = 0;
  uint32_t burst_bytes_ = 0;
  uint64_t now_ = 0;
  uint64_t pending_ = 0;
  uint64_t last_occupancy_cycle_ = 0;
  uint64_t skipped_periods_ = 0;
  DramStats stats_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::function<void(const Completion&)> on_complete_;
  std::vector<CmdRecord>* log_ = nullptr;
  bool idle_skip_ = false;
  std::unique_ptr<TimingChecker> checker_;
  std::vector<std::string> no_violations_;
  std::vector<uint64_t> next_scratch_;
};

}  // namespace imcvp::dram
