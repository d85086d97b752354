// libFuzzer harness: the DRAM trace parser (models/dram/trace_replay.*, `imcvp dram-trace`).
// Any text must parse or throw TraceError ("name:line: message"); a parsed trace is checked
// against the default device's capacity and, when small (few requests, early cycles), replayed
// on a fresh DramEngine (DDR4-2400 defaults), which must finish every request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "models/dram/dram_config.h"
#include "models/dram/dram_engine.h"
#include "models/dram/trace_replay.h"

using namespace imcvp::dram;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<TraceRequest> reqs;
  try {
    reqs = parse_trace(in, "fuzz.trace");
  } catch (const TraceError& e) {
    if (std::string(e.what()).rfind("fuzz.trace:", 0) != 0) std::abort();
    return 0;
  }
  uint32_t prev_line = 0;
  for (const auto& r : reqs) {
    if (r.line <= prev_line) std::abort();  // one request per line, in order
    prev_line = r.line;
  }
  DramConfig cfg;
  const uint64_t capacity = cfg.capacity_bytes();
  try {
    check_trace(reqs, capacity, "fuzz.trace");
  } catch (const TraceError&) {
    return 0;
  }
  // Replay only what finishes quickly (issue 15 item 6: huge idle gaps are stepped today).
  if (reqs.size() > 64) return 0;
  for (const auto& r : reqs)
    if (r.cycle > 20000) return 0;
  DramEngine eng(cfg);
  TraceResult res = replay_trace(eng, reqs);
  if (res.requests != reqs.size() || res.reads + res.writes != res.requests) std::abort();
  (void)format_text(res);
  (void)format_json(res);
  return 0;
}
