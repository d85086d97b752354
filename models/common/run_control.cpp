#include "models/common/run_control.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>

#include <systemc>

namespace imcvp {

const char* stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::none:
      return "none";
    case StopReason::finisher:
      return "finisher";
    case StopReason::semihost_exit:
      return "semihost-exit";
    case StopReason::tohost:
      return "tohost";
    case StopReason::limit_time:
      return "max-time";
    case StopReason::limit_insts:
      return "max-insts";
    case StopReason::fatal_trap:
      return "fatal-trap";
    case StopReason::debugger:
      return "debugger";
    case StopReason::internal_error:
      return "internal-error";
    case StopReason::signal:
      return "signal";
  }
  return "?";
}

RunControl& RunControl::get() {
  static RunControl rc;
  return rc;
}

void RunControl::request_stop(StopReason reason, int exit_code, std::string message) {
  if (stop_requested()) return;  // the first request wins
  info_.reason = reason;
  info_.exit_code = exit_code;
  info_.message = std::move(message);
  if (sc_core::sc_is_running()) sc_core::sc_stop();
}

void RunControl::request_firmware_exit(StopReason reason, int64_t code, std::string message,
                                       bool failure) {
  if (stop_requested()) return;  // the first request wins
  info_.firmware_exit = true;
  info_.firmware_code = code;
  const int status = firmware_exit_status(code);
  request_stop(reason, failure && status == 0 ? 1 : status, std::move(message));
}

namespace {
std::atomic<int> g_signal{0};  // the first signal received (0: none)
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  if (!g_signal.compare_exchange_strong(none, sig)) _exit(exit_code::signal_base + sig);
}
}  // namespace

void RunControl::install_signal_handlers() {
  g_signal = 0;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool RunControl::signal_pending() {
  return g_signal.load(std::memory_order_relaxed) != 0;
}

void RunControl::poll_signal() {
  const int sig = g_signal.load(std::memory_order_relaxed);
  if (sig == 0 || stop_requested()) return;
  request_stop(StopReason::signal, exit_code::signal_base + sig,
               std::string("stopped by ") +
                   (sig == SIGINT    ? "SIGINT"
                    : sig == SIGTERM ? "SIGTERM"
                                     : "signal " + std::to_string(sig)) +
                   " (a second one ends imcvp at once, without outputs)");
}

namespace {
std::atomic<bool> g_progress_due{false};
}  // namespace

struct RunControl::Progress {
  std::function<std::string()> line;
  std::FILE* out = stderr;
  bool overwrite = false;
  bool printed = false;
  std::mutex m;
  std::condition_variable cv;
  bool stop = false;
  std::thread ticker;
};

void RunControl::start_progress(double interval_s, double first_s, bool overwrite,
                                std::function<std::string()> line, std::FILE* out) {
  stop_progress();
  if (!(interval_s > 0) || !line) return;
  auto p = std::make_shared<Progress>();
  p->line = std::move(line);
  p->out = out;
  p->overwrite = overwrite;
  g_progress_due = false;
  p->ticker = std::thread([raw = p.get(), interval_s, first_s] {
    std::unique_lock<std::mutex> lk(raw->m);
    auto wait = std::chrono::duration<double>(first_s > 0 ? first_s : interval_s);
    while (!raw->cv.wait_for(lk, wait, [raw] { return raw->stop; })) {
      g_progress_due.store(true, std::memory_order_relaxed);
      wait = std::chrono::duration<double>(interval_s);
    }
  });
  progress_ = std::move(p);
}

void RunControl::stop_progress() {
  if (!progress_) return;
  {
    std::lock_guard<std::mutex> lk(progress_->m);
    progress_->stop = true;
  }
  progress_->cv.notify_all();
  progress_->ticker.join();
  if (progress_->overwrite && progress_->printed) std::fputc('\n', progress_->out);
  std::fflush(progress_->out);
  g_progress_due = false;
  progress_.reset();
}

RunControl::~RunControl() {
  stop_progress();
}

bool RunControl::progress_due() {
  return g_progress_due.load(std::memory_order_relaxed);
}

void RunControl::poll_progress() {
  if (!g_progress_due.exchange(false, std::memory_order_relaxed) || !progress_) return;
  const std::string text = progress_->line();
  if (progress_->overwrite)
    std::fprintf(progress_->out, "\r%s\033[K", text.c_str());
  else
    std::fprintf(progress_->out, "%s\n", text.c_str());
  std::fflush(progress_->out);
  progress_->printed = true;
}

void RunControl::reset() {
  stop_progress();
  info_ = StopInfo{};
  on_stats_reset = nullptr;
  on_stats_dump = nullptr;
  on_roi = nullptr;
  on_report = nullptr;
}

}  // namespace imcvp
