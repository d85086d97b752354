// Output files of a run (docs/cli.md, "Outputs") and the end-of-run summary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace imcvp::platform {

struct RunInfo {
  std::vector<std::string> argv;
  std::string firmware;
  uint64_t seed = 0;
  // The firmware's exit code at full width when the firmware ended the run (sim-control EXIT
  // 512 stays 512), else imcvp's own code; exit_status is what the process returns.
  int64_t exit_code = 0;
  int exit_status = 0;
  std::string stop_reason;
  std::string stop_message;
  double sim_time_ns = 0;
  uint64_t instructions = 0;
  double wall_seconds = 0;
  double startup_seconds = 0;      // wall time from the command line to the first instruction
  double startup_cpu_seconds = 0;  // CPU time of the same phase (insensitive to machine load)
};

// Writes text to dir/name through a temporary file renamed into place (readers never see a
// partial file); throws std::runtime_error on failure.
void write_file(const std::string& dir, const std::string& name, const std::string& text);

// The files a run writes into its outdir, all or none: add() writes each to a temporary file
// in the outdir, commit() renames them all into place (rename(2) is atomic per file), and a
// set destroyed before commit() removes its temporary files, so a failed write leaves none of
// the new outputs beside the old ones (prepare_outdir() has removed those).
class OutputFiles {
 public:
  explicit OutputFiles(std::string dir) : dir_(std::move(dir)) {}
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;
  void add(const std::string& name, const std::string& text);  // throws std::runtime_error
  void commit();                                               // throws std::runtime_error

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> pending_;  // temporary path, final name
};

// The outputs of `imcvp run` in the outdir (stats.json, ..., report.html of scripts/report).
const std::vector<std::string>& run_output_names();

// Creates dir, checks that a file can be created in it, and removes the previous run's outputs
// (so they cannot pass for this run's if it dies). Returns "" or what went wrong.
std::string prepare_outdir(const std::string& dir);
nlohmann::ordered_json run_json(const RunInfo& info);
// The human summary: simulated time, instructions, energy by component, traffic.
std::string summary_table(const nlohmann::ordered_json& stats, const RunInfo& info);

}  // namespace imcvp::platform
