// Output files of a run (DESIGN.md §5) and the end-of-run summary.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace imcvp::platform {

struct RunInfo {
  std::vector<std::string> argv;
  std::string firmware;
  uint64_t seed = 0;
  int exit_code = 0;
  std::string stop_reason;
  std::string stop_message;
  double sim_time_ns = 0;
  uint64_t instructions = 0;
  double wall_seconds = 0;
  double startup_seconds = 0;
};

// Writes text to dir/name atomically enough for our use; throws std::runtime_error on failure.
void write_file(const std::string& dir, const std::string& name, const std::string& text);
nlohmann::ordered_json run_json(const RunInfo& info);
// The human summary: simulated time, instructions, energy by component, traffic.
std::string summary_table(const nlohmann::ordered_json& stats, const RunInfo& info);

}  // namespace imcvp::platform
