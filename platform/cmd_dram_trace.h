// `imcvp dram-trace`: replay a DRAMsim3-format memory trace through the DRAM model and print
// bandwidth, latency, row-buffer, refresh and energy figures (docs/dram-model.md).
#pragma once

#include <CLI/CLI.hpp>

#include "platform/command.h"

namespace imcvp::platform {

Command add_dram_trace_command(CLI::App& app);

}  // namespace imcvp::platform
