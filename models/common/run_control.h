// Run control: the one place where "the simulation should stop now, and this is why" is
// recorded. Firmware exits (test finisher, semihosting, tohost), limits, fatal traps and
// internal errors all go through request_stop(); the first request wins. It calls
// sc_core::sc_stop(); initiator threads must also check stop_requested() after any call
// that can stop (MMIO, semihosting) and stop executing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

namespace imcvp {

// Process exit codes of the imcvp binary (docs/cli.md). A firmware exit code becomes the exit
// status through firmware_exit_status(); the codes below are what imcvp itself returns.
namespace exit_code {
constexpr int ok = 0;
constexpr int usage = 64;         // EX_USAGE: bad command line
constexpr int bad_firmware = 65;  // EX_DATAERR: ELF unloadable (corrupt, foreign, out of map)
constexpr int no_input = 66;      // EX_NOINPUT: firmware/config/trace file missing/unreadable
constexpr int internal = 70;      // EX_SOFTWARE: internal error in imcvp (a bug)
constexpr int cant_create = 73;   // EX_CANTCREAT: cannot write the output directory
constexpr int config = 78;        // EX_CONFIG: malformed YAML, unknown key, bad value
constexpr int limit = 80;         // --max-time / --max-insts reached before the firmware exited
constexpr int fatal_trap = 81;    // firmware fault with no way to continue (e.g. no trap handler)
constexpr int debugger = 82;      // the run was killed from GDB
constexpr int signal_base = 128;  // stopped by signal S (SIGINT, SIGTERM): 128 + S, outputs kept
}  // namespace exit_code

// The process exit status for a firmware exit code of any width: 0 stays 0; otherwise the low
// 8 bits, or 1 when those are 0 (a failing firmware never exits 0: 256 -> 1, 512 -> 1).
constexpr int firmware_exit_status(int64_t code) {
  return code == 0 ? 0 : (code & 0xff) != 0 ? static_cast<int>(code & 0xff) : 1;
}

enum class StopReason {
  none,
  finisher,       // sim-control test finisher (QEMU virt compatible)
  semihost_exit,  // SYS_EXIT / SYS_EXIT_EXTENDED
  tohost,         // HTIF tohost write
  limit_time,     // --max-time
  limit_insts,    // --max-insts
  fatal_trap,     // e.g. trap with no usable handler
  debugger,       // GDB kill/detach
  internal_error,
  signal,  // SIGINT/SIGTERM (see RunControl::poll_signal)
};
const char* stop_reason_name(StopReason r);

struct StopInfo {
  StopReason reason = StopReason::none;
  int exit_code = 0;           // the process exit status
  bool firmware_exit = false;  // the firmware ended the run with firmware_code
  int64_t firmware_code = 0;   // the code as the firmware gave it, full width (run.json)
  std::string message;  // human-readable, e.g. "illegal instruction 0x00000000 at pc=0x80000010"
};

class RunControl {
 public:
  static RunControl& get();
  ~RunControl();
  // Records the first stop request and calls sc_stop() (if the kernel is running).
  void request_stop(StopReason reason, int exit_code, std::string message);
  // A firmware exit (test finisher, sim-control EXIT, semihosting, tohost) with the firmware's
  // code at full width: request_stop() with firmware_exit_status(code), code kept in info().
  // failure: the firmware said it failed (test finisher FAIL), so the status is at least 1
  // even for code 0.
  void request_firmware_exit(StopReason reason, int64_t code, std::string message,
                             bool failure = false);
  bool stop_requested() const { return info_.reason != StopReason::none; }
  const StopInfo& info() const { return info_; }
  // Fresh state for a new simulation (tests create several).
  void reset();

  // Signals (SIGINT, SIGTERM): install_signal_handlers() makes the first one only record the
  // signal (async-signal-safe) and a second one end the process at once (_exit(128 + S)).
  // The core calls poll_signal() at its safe points (every quantum sync): a recorded signal
  // becomes request_stop(signal, 128 + S), so the run ends with complete outputs.
  static void install_signal_handlers();
  static bool signal_pending();
  void poll_signal();

  // Progress of long runs (`--progress`): start_progress() starts a host thread that marks a
  // report due every interval_s of wall time (the first after first_s); the simulation prints
  // it at its next safe point, poll_progress(), calling line() in the simulation thread (so
  // line() may read model state) and writing "<line>\n" to out, or "\r<line>" (a status
  // line rewritten in place, ended by stop_progress) when overwrite is set. The report never
  // touches simulated state: stats are the same with and without it. Safe points are the
  // core's quantum syncs, so no line appears while the core sleeps in WFI for long.
  void start_progress(double interval_s, double first_s, bool overwrite,
                      std::function<std::string()> line, std::FILE* out = stderr);
  void stop_progress();
  static bool progress_due();
  void poll_progress();
  // Either of the above is pending (one relaxed load each; the core's quantum check).
  static bool attention_pending() { return signal_pending() || progress_due(); }

  // Hooks for sim-control's stats extensions (set by the platform). time_ns is the simulated
  // time of the access that triggered it (SystemC time plus the initiator's local offset).
  std::function<void()> on_stats_reset;
  std::function<void(uint32_t tag, double time_ns)> on_stats_dump;
  std::function<void(uint32_t id, bool begin, double time_ns)> on_roi;
  // A named value reported by the firmware (sim-control REPORT_NAME/REPORT_VALUE).
  std::function<void(const std::string& name, int32_t value, double time_ns)> on_report;

 private:
  StopInfo info_;
  struct Progress;
  std::shared_ptr<Progress> progress_;
};

}  // namespace imcvp
