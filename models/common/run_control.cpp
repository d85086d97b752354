#include "models/common/run_control.h"

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

void RunControl::reset() {
  info_ = StopInfo{};
  on_stats_reset = nullptr;
  on_stats_dump = nullptr;
  on_roi = nullptr;
  on_report = nullptr;
}

}  // namespace imcvp
