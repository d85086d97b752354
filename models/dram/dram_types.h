// Shared DRAM vocabulary: commands, issued-command records, completions and the statistics
// block (plain counters, so the engine's hot path stays free of registry calls).
#pragma once

#include <cstdint>
#include <limits>

#include "models/common/stats.h"

namespace imcvp::dram {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

enum class Cmd : uint8_t { act, rd, wr, rda, wra, pre, prea, ref, pde, pdx };
const char* cmd_name(Cmd c);
inline bool is_read(Cmd c) {
  return c == Cmd::rd || c == Cmd::rda;
}
inline bool is_write(Cmd c) {
  return c == Cmd::wr || c == Cmd::wra;
}
inline bool is_column(Cmd c) {
  return is_read(c) || is_write(c);
}

// One issued command (the log the independent checker verifies).
struct CmdRecord {
  uint64_t cycle = 0;
  Cmd cmd = Cmd::act;
  uint32_t channel = 0, rank = 0, bank_group = 0, bank = 0;  // bank: index within its group
  uint32_t row = 0, column = 0;
};

// A finished burst-sized access.
struct Completion {
  uint64_t tag = 0;       // the caller's tag from enqueue()
  uint64_t addr = 0;      // burst-aligned byte address
  bool is_write = false;  // writes are posted: they complete when accepted
  uint64_t arrival = 0;   // cycle the access entered the controller
  uint64_t done = 0;      // cycle its data returned (reads) or it was accepted (writes)
};

struct DramStats {
  uint64_t reads = 0, writes = 0;              // accepted bursts
  uint64_t bytes_read = 0, bytes_written = 0;  // burst bytes
  uint64_t reads_forwarded = 0;                // reads served from a queued write
  uint64_t writes_merged = 0;                  // writes folded into a queued one
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
  uint64_t acts = 0, pres = 0, preas = 0, rd_cmds = 0, wr_cmds = 0, refs = 0;
  uint64_t refs_postponed = 0;  // refreshes deferred past their due time while busy
  uint64_t powerdowns = 0;      // power-down entries
  uint64_t pd_rank_cycles = 0;  // sum over ranks of the cycles spent in power-down
  uint64_t write_drains = 0;    // write drain episodes
  uint64_t last_cycle = 0;      // cycle of the last completion
  uint64_t since_cycle = 0;     // cycle of the last stats reset
  stats::Histogram read_latency{0.0, 1.0, 16384};  // cycles, arrival to data
  double queue_occupancy_integral = 0.0;           // sum over cycles of queued bursts
  uint64_t queue_occupancy_max = 0;
  // Energy, pJ (DRAMPower-style, per rank summed).
  double e_act_pj = 0, e_rd_pj = 0, e_wr_pj = 0, e_ref_pj = 0;
  double e_bg_active_pj = 0, e_bg_precharged_pj = 0, e_powerdown_pj = 0, e_io_pj = 0;
  double energy_total_pj() const {
    return e_act_pj + e_rd_pj + e_wr_pj + e_ref_pj + e_bg_active_pj + e_bg_precharged_pj +
           e_powerdown_pj + e_io_pj;
  }
};

}  // namespace imcvp::dram
