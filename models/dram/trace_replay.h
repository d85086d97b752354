// Trace replay through a DramEngine: the DRAMsim3 trace format (`<hex address> READ|WRITE
// <issue cycle>` per line), in-order issue (each request at its cycle, or as soon as the queue
// accepts it), and the summary `imcvp dram-trace` prints.
//
// Limits: one burst per trace line (DRAMsim3's request size); blank lines and '#' comments are
// skipped; the issue cycle must be a decimal number no larger than kMaxTraceCycle (idle time
// between requests costs nothing: the engine skips it in closed form).
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/dram/dram_engine.h"

namespace imcvp::dram {

// Largest issue cycle a trace may name: 10^15 DRAM cycles (~9.6 days of DDR4-2400); larger
// values are typing errors or overflowed generators, refused with the line number.
constexpr uint64_t kMaxTraceCycle = 1000000000000000ULL;

struct TraceRequest {
  uint64_t addr = 0;
  bool is_write = false;
  uint64_t cycle = 0;
  uint32_t line = 0;  // for messages
};

// Malformed input or an address beyond capacity; what() is "name:line: message".
struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<TraceRequest> parse_trace(std::istream& in, const std::string& name);
// Throws TraceError for the first request at or beyond capacity_bytes.
void check_trace(const std::vector<TraceRequest>& reqs, uint64_t capacity_bytes,
                 const std::string& name);

struct TraceResult {
  uint64_t requests = 0, reads = 0, writes = 0;
  uint64_t completion_cycle = 0;
  double tck_ns = 0;
  double bandwidth_gbps = 0, peak_gbps = 0, utilization = 0;
  double read_latency_avg = 0;  // cycles, issue to data
  uint64_t read_latency_p50 = 0, read_latency_p99 = 0, read_latency_min = 0, read_latency_max = 0;
  uint64_t row_hits = 0, row_misses = 0, row_conflicts = 0;
  uint64_t activates = 0, refreshes = 0;
  // Energy by part (pJ) and per bit transferred.
  double e_act_pj = 0, e_rd_pj = 0, e_wr_pj = 0, e_ref_pj = 0, e_background_pj = 0,
         e_powerdown_pj = 0, e_io_pj = 0, e_total_pj = 0;
  double bits = 0;
  double avg_power_mw = 0;
  double pj_per_bit(double e) const { return bits > 0 ? e / bits : 0.0; }
};

// Replays reqs on eng (which should be fresh) until every request has finished. progress, when
// set, is called every 4096 requests with the requests issued so far and the DRAM cycle (the
// caller decides whether to report; it must not touch eng).
TraceResult replay_trace(DramEngine& eng, const std::vector<TraceRequest>& reqs,
                         const std::function<void(std::size_t, uint64_t)>& progress = {});

std::string format_text(const TraceResult& r);
std::string format_csv(const TraceResult& r);  // header line + one row
std::string format_json(const TraceResult& r);

}  // namespace imcvp::dram
