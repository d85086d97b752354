// A subcommand of the imcvp CLI besides `run` (e.g. `traffic`, `dram-trace`). Each lives in
// platform/cmd_<name>.{h,cpp} and exposes `Command add_<name>_command(CLI::App& app)`, which
// registers its options on a new subcommand and returns the action to run when it was parsed.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace imcvp::platform {

struct Command {
  CLI::App* sub = nullptr;
  std::function<int()> run;  // returns the process exit status (run_control.h exit codes)
};

}  // namespace imcvp::platform
