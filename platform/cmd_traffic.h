// `imcvp traffic`: BookSim-style synthetic traffic on the NoC alone (docs/noc-model.md).
#pragma once

#include "platform/command.h"

namespace imcvp::platform {

Command add_traffic_command(CLI::App& app);

}  // namespace imcvp::platform
