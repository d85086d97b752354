// A subcommand of the imcvp CLI besides `run` (e.g. `traffic`, `dram-trace`). Each lives in
// platform/cmd_<name>.{h,cpp} and exposes `Command add_<name>_command(CLI::App& app)`, which
// registers its options on a new subcommand and returns the action to run when it was parsed.
#pragma once

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "models/common/run_control.h"

namespace imcvp::platform {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int()> run;  // returns the process exit status (run_control.h exit codes)
};

// Strict numeric options (->transform(uint_in(..)) / ->transform(real_in(..))): the whole value
// must be a number in [lo, hi], or the error names the range. Integers are decimal or 0x hex,
// never negative (CLI11 alone wraps "-1" and clamps values >= 2^64); they are rewritten to
// decimal, so "010" means ten. Reals must be finite ("nan" and "inf" are refused).
inline CLI::Validator uint_in(uint64_t lo, uint64_t hi) {
  const std::string range = "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        const std::string bad = "'" + s + "' is not an integer in " + range;
        std::size_t i = 0;
        int base = 10;
        if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
          base = 16;
          i = 2;
        }
        if (i >= s.size()) return bad;
        for (std::size_t k = i; k < s.size(); ++k)
          if (base == 16 ? !std::isxdigit(static_cast<unsigned char>(s[k]))
                         : !std::isdigit(static_cast<unsigned char>(s[k])))
            return bad;
        errno = 0;
        char* end = nullptr;
        unsigned long long v = std::strtoull(s.c_str() + i, &end, base);
        if (errno == ERANGE || *end != '\0' || v < lo || v > hi) return bad;
        s = std::to_string(v);
        return "";
      },
      "UINT in " + range);
}

inline CLI::Validator real_in(double lo, double hi) {
  std::ostringstream os;
  os << "[" << lo << ", " << hi << "]";
  const std::string range = os.str();
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        errno = 0;
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v < lo || v > hi)
          return "'" + s + "' is not a number in " + range;
        return "";
      },
      "REAL in " + range);
}

// --progress SECONDS (docs/cli.md): a progress line on stderr every SECONDS of wall time. Not
// given (seconds < 0): on a terminal, a status line rewritten every second from the run's
// second second on (nothing with --quiet or when stderr is not a terminal); 0: off.
inline CLI::Option* add_progress_option(CLI::App* app, double& seconds) {
  return app
      ->add_option("--progress", seconds,
                   "Print a progress line on stderr every SECONDS of wall time (0: off; default: "
                   "a status line on a terminal)")
      ->transform(real_in(0, 86400));
}
inline void start_progress(double seconds, bool quiet, std::function<std::string()> line) {
  if (seconds == 0) return;
  if (seconds < 0) {
    if (!quiet && isatty(STDERR_FILENO))
      RunControl::get().start_progress(1.0, 2.0, true, std::move(line));
    return;
  }
  RunControl::get().start_progress(seconds, seconds, false, std::move(line));
}

}  // namespace imcvp::platform
