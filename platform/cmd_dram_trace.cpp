#include "platform/cmd_dram_trace.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "models/common/config.h"
#include "models/common/run_control.h"
#include "models/dram/dram_config.h"
#include "models/dram/dram_engine.h"
#include "models/dram/trace_replay.h"

namespace imcvp::platform {

namespace {
struct DramTraceOptions {
  std::string trace;
  std::string preset;
  std::vector<std::string> configs;
  std::vector<std::string> sets;
  std::string format = "text";
  bool dump_config = false;
  bool check = false;
  double progress_s = -1;  // --progress (command.h)
};

int fail(int code, const std::string& msg) {
  std::fflush(stdout);
  std::fprintf(stderr, "imcvp dram-trace: error: %s\n", msg.c_str());
  return code;
}

int run(const DramTraceOptions& o) {
  dram::DramConfig cfg;  // built-in defaults: the ddr4-2400 preset
  try {
    if (!o.preset.empty()) {
      std::string path = dram::find_preset(o.preset);
      if (path.empty()) {
        std::string names;
        for (const char* n : dram::kPresetNames) names += std::string(" ") + n;
        return fail(exit_code::usage,
                    "--preset " + o.preset + ": unknown preset (have:" + names + ")");
      }
      config::apply_file(cfg, path);
    }
    for (const auto& f : o.configs) {
      if (!std::filesystem::exists(f))
        return fail(exit_code::no_input, f + ": no such config file");
      if (std::string err = config::check_input_file(f, config::kMaxConfigBytes); !err.empty())
        return fail(exit_code::no_input, err);
      config::apply_file(cfg, f);
    }
    for (const auto& s : o.sets) config::apply_set(cfg, s);
    cfg.validate();
  } catch (const config::ConfigError& e) {
    return fail(exit_code::config, e.what());
  }
  if (o.dump_config) {
    std::cout << config::to_yaml(cfg);
    return exit_code::ok;
  }
  if (o.trace.empty()) return fail(exit_code::usage, "no TRACE file given (see --help)");
  std::ifstream in(o.trace);
  if (!in) return fail(exit_code::no_input, o.trace + ": cannot open trace file");
  std::unique_ptr<dram::DramEngine> eng;
  std::vector<dram::TraceRequest> reqs;
  try {
    reqs = dram::parse_trace(in, o.trace);
    eng = std::make_unique<dram::DramEngine>(cfg);
    dram::check_trace(reqs, eng->capacity_bytes(), o.trace);
  } catch (const dram::TraceError& e) {
    return fail(exit_code::bad_firmware, e.what());  // 65, EX_DATAERR: bad input data
  } catch (const config::ConfigError& e) {
    return fail(exit_code::config, e.what());
  }
  if (o.check) eng->enable_self_check(true);
  std::size_t issued = 0;
  uint64_t cycle = 0;
  const auto t0 = std::chrono::steady_clock::now();
  start_progress(o.progress_s, false, [&] {
    char b[160];
    std::snprintf(b, sizeof b,
                  "imcvp dram-trace: progress: %.1f s, %zu of %zu requests, cycle %llu",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                  issued, reqs.size(), static_cast<unsigned long long>(cycle));
    return std::string(b);
  });
  dram::TraceResult r = dram::replay_trace(*eng, reqs, [&](std::size_t n, uint64_t c) {
    issued = n;
    cycle = c;
    if (RunControl::progress_due()) RunControl::get().poll_progress();
  });
  RunControl::get().stop_progress();
  if (o.format == "csv")
    std::cout << dram::format_csv(r);
  else if (o.format == "json")
    std::cout << dram::format_json(r);
  else
    std::cout << dram::format_text(r);
  std::cout << std::flush;
  if (o.check) {
    const auto& v = eng->self_check_violations();
    for (std::size_t i = 0; i < v.size() && i < 20; ++i)
      std::fprintf(stderr, "timing violation: %s\n", v[i].c_str());
    if (!v.empty())
      return fail(exit_code::internal, std::to_string(v.size()) + " timing violations");
  }
  return exit_code::ok;
}
}  // namespace

Command add_dram_trace_command(CLI::App& app) {
  auto o = std::make_shared<DramTraceOptions>();
  auto* sub = app.add_subcommand(
      "dram-trace",
      "Replay a memory trace (lines '<hex address> READ|WRITE <issue cycle>', DRAMsim3 format) "
      "through the DRAM model");
  sub->add_option("trace", o->trace, "Trace file");
  sub->add_option("--preset", o->preset,
                  "Start from configs/dram/NAME.yaml (ddr4-2400, lpddr4-3200, hbm2); "
                  "default: the built-in DDR4-2400");
  sub->add_option("-c,--config", o->configs, "YAML DRAM config file (repeatable, later wins)")
      ->allow_extra_args(false);
  sub->add_option("--set", o->sets, "Override one key, e.g. timing.cl=16 (repeatable)")
      ->allow_extra_args(false);
  sub->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"text", "csv", "json"}))
      ->capture_default_str();
  sub->add_flag("--dump-config", o->dump_config, "Print the resolved DRAM configuration and exit");
  add_progress_option(sub, o->progress_s);
  sub->add_flag("--check", o->check,
                "Verify every issued command with the independent JEDEC timing checker");
  return Command{sub, [o] { return run(*o); }};
}

}  // namespace imcvp::platform
