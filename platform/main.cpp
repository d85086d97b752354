// imcvp command line (DESIGN.md §4, docs/cli.md).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <systemc>

#include "models/common/config.h"
#include "models/common/log.h"
#include "models/common/run_control.h"
#include "models/common/stats.h"
#include "platform/elf_loader.h"
#include "platform/platform_config.h"
#include "platform/report.h"
#include "platform/soc.h"
#include "platform/version.h"

using namespace imcvp;
using namespace imcvp::platform;

namespace {

struct RunOptions {
  std::string firmware;
  std::vector<std::string> configs;
  std::vector<std::string> sets;
  std::vector<std::string> loads;
  std::string outdir = "imcvp-out";
  std::string max_time;
  uint64_t max_insts = 0;
  bool max_insts_given = false;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string signature;
  bool dump_config = false;
  bool list_params = false;
  bool quiet = false;
  int verbose = 0;
};

// "10ms", "2.5us", "100ns", "1s", "500ps" or a plain number of ns.
bool parse_time_ns(const std::string& s, uint64_t& ns) {
  std::size_t i = 0;
  double v = 0;
  try {
    v = std::stod(s, &i);
  } catch (...) {
    return false;
  }
  std::string unit = s.substr(i);
  double mul;
  if (unit.empty() || unit == "ns")
    mul = 1;
  else if (unit == "ps")
    mul = 1e-3;
  else if (unit == "us")
    mul = 1e3;
  else if (unit == "ms")
    mul = 1e6;
  else if (unit == "s")
    mul = 1e9;
  else
    return false;
  if (!(v > 0) || v * mul > 1.8e19) return false;
  ns = static_cast<uint64_t>(v * mul + 0.5);
  return ns > 0;
}

int fail(int code, const std::string& msg) {
  std::fflush(stdout);
  std::fprintf(stderr, "imcvp: error: %s\n", msg.c_str());
  return code;
}

int cmd_run(const RunOptions& o, const std::vector<std::string>& argv) {
  auto t_start = std::chrono::steady_clock::now();
  if (o.quiet) log::set_level(log::Level::quiet);
  if (o.verbose == 1) log::set_level(log::Level::info);
  if (o.verbose >= 2) log::set_level(log::Level::debug);

  // 1. Configuration: defaults, then files in order, then --set, then CLI shortcuts.
  PlatformConfig cfg;
  try {
    for (const auto& f : o.configs) {
      if (!std::filesystem::exists(f)) return fail(exit_code::no_input, f + ": no such config file");
      config::apply_file(cfg, f);
    }
    for (const auto& s : o.sets) config::apply_set(cfg, s);
  } catch (const config::ConfigError& e) {
    return fail(exit_code::config, e.what());
  }
  if (o.seed_given) cfg.sim.seed = o.seed;
  if (o.max_insts_given) cfg.sim.max_insts = o.max_insts;
  if (!o.max_time.empty()) {
    uint64_t ns = 0;
    if (!parse_time_ns(o.max_time, ns))
      return fail(exit_code::usage, "--max-time " + o.max_time +
                                        ": expected a positive time such as 10ms, 2us, 500ns");
    cfg.sim.max_time_ns = ns;
  }
  if (o.dump_config) {
    std::cout << config::to_yaml(cfg);
    return exit_code::ok;
  }
  if (o.list_params) {
    auto rows = config::list_params(cfg);
    std::size_t w = 0, wv = 0;
    for (auto& r : rows) {
      w = std::max(w, r.key.size());
      wv = std::max(wv, r.value.size());
    }
    for (auto& r : rows)
      std::printf("%-*s  %-*s  %-6s  %s\n", int(w), r.key.c_str(), int(wv), r.value.c_str(),
                  r.unit.c_str(), r.desc.c_str());
    return exit_code::ok;
  }
  if (o.firmware.empty()) return fail(exit_code::usage, "run: no FIRMWARE.elf given (see --help)");

  // 2. Firmware.
  ElfImage img;
  try {
    img = load_elf(o.firmware);
  } catch (const ElfError& e) {
    return fail(e.code, e.what());
  }

  // 3. Output directory (created before the run so a long run cannot fail at the end).
  std::error_code ec;
  std::filesystem::create_directories(o.outdir, ec);
  if (ec || !std::filesystem::is_directory(o.outdir))
    return fail(exit_code::cant_create, o.outdir + ": cannot create output directory" +
                                            (ec ? " (" + ec.message() + ")" : ""));

  // 4. Elaborate and load.
  RunControl::get().reset();
  std::unique_ptr<Soc> soc;
  try {
    soc = std::make_unique<Soc>("soc", cfg);
    soc->load_elf(img);
    for (const auto& l : o.loads) {
      auto at = l.rfind('@');
      uint64_t addr = 0;
      if (at == std::string::npos || at == 0)
        return fail(exit_code::usage, "--load " + l + ": expected FILE@ADDR");
      try {
        std::size_t idx = 0;
        addr = std::stoull(l.substr(at + 1), &idx, 0);
        if (idx != l.size() - at - 1) throw std::invalid_argument("trailing");
      } catch (...) {
        return fail(exit_code::usage, "--load " + l + ": bad address '" + l.substr(at + 1) + "'");
      }
      soc->load_file(l.substr(0, at), addr);
    }
    if (auto th = img.symbol("tohost")) soc->watch_tohost(*th);
  } catch (const ElfError& e) {
    return fail(e.code, e.what());
  } catch (const config::ConfigError& e) {
    return fail(exit_code::config, e.what());
  } catch (const std::exception& e) {
    return fail(exit_code::no_input, e.what());
  }
  if (cfg.sim.max_insts) soc->cpu().set_max_insts(cfg.sim.max_insts);
  RunControl::get().on_stats_reset = [] { stats::Registry::get().reset_all(); };

  // 5. Run.
  auto t_run = std::chrono::steady_clock::now();
  try {
    if (cfg.sim.max_time_ns)
      sc_core::sc_start(sc_core::sc_time(static_cast<double>(cfg.sim.max_time_ns), sc_core::SC_NS));
    else
      sc_core::sc_start();
  } catch (const std::exception& e) {
    RunControl::get().request_stop(StopReason::internal_error, exit_code::internal,
                                   std::string("internal error: ") + e.what());
  }
  auto t_end = std::chrono::steady_clock::now();
  double sim_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
  auto& rc = RunControl::get();
  if (!rc.stop_requested()) {
    if (cfg.sim.max_time_ns && sim_ns >= static_cast<double>(cfg.sim.max_time_ns)) {
      rc.request_stop(StopReason::limit_time, exit_code::limit,
                      "simulated time limit of " + std::to_string(cfg.sim.max_time_ns) +
                          " ns reached at pc=" + log::hex(soc->cpu().pc()) +
                          (img.describe(soc->cpu().pc()).empty()
                               ? ""
                               : " (" + img.describe(soc->cpu().pc()) + ")"));
    } else {
      rc.request_stop(StopReason::fatal_trap, exit_code::fatal_trap,
                      "simulation starved: nothing left to happen (the core waits in WFI for an "
                      "interrupt that can never arrive) at pc=" + log::hex(soc->cpu().pc()));
    }
  }
  const StopInfo& stop = rc.info();

  // 6. Outputs.
  RunInfo info;
  info.argv = argv;
  info.firmware = o.firmware;
  info.seed = cfg.sim.seed;
  info.exit_code = stop.exit_code;
  info.stop_reason = stop_reason_name(stop.reason);
  info.stop_message = stop.message;
  info.sim_time_ns = sim_ns;
  info.instructions = soc->cpu().instret();
  info.wall_seconds = std::chrono::duration<double>(t_end - t_run).count();
  info.startup_seconds = std::chrono::duration<double>(t_run - t_start).count();
  nlohmann::ordered_json stats_json;
  try {
    stats_json = stats::Registry::get().to_json();
    write_file(o.outdir, "stats.json", stats::dump_json(stats_json));
    write_file(o.outdir, "stats.txt", stats::Registry::get().to_text());
    write_file(o.outdir, "config.yaml", config::to_yaml(cfg));
    write_file(o.outdir, "run.json", stats::dump_json(run_json(info)));
    if (!o.signature.empty()) {
      auto b = img.symbol("begin_signature"), e = img.symbol("end_signature");
      if (!b || !e || *e < *b)
        return fail(exit_code::bad_firmware,
                    o.firmware + ": --signature needs begin_signature/end_signature symbols");
      std::string text;
      for (uint32_t a = *b; a + 4 <= *e; a += 4) {
        uint32_t w = 0;
        soc->debug_read(a, &w, 4);
        char buf[16];
        std::snprintf(buf, sizeof buf, "%08x\n", w);
        text += buf;
      }
      std::ofstream sig(o.signature, std::ios::trunc);
      if (!(sig << text)) return fail(exit_code::cant_create, o.signature + ": cannot write");
    }
  } catch (const std::exception& e) {
    return fail(exit_code::cant_create, e.what());
  }

  std::fflush(stdout);
  if (stop.reason == StopReason::fatal_trap || stop.reason == StopReason::limit_time ||
      stop.reason == StopReason::limit_insts || stop.reason == StopReason::internal_error)
    std::fprintf(stderr, "imcvp: %s\n", stop.message.c_str());
  else if (!stop.message.empty())
    log::info("", stop.message);
  if (!o.quiet) std::cout << summary_table(stats_json, info) << std::flush;
  return stop.exit_code;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  std::vector<std::string> args(argv, argv + argc);
  CLI::App app{"imcvp: virtual platform of an in-memory-computing SoC (RISC-V host, IMC tiles)",
               "imcvp"};
  app.set_version_flag("--version", std::string("imcvp ") + kVersion + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  app.footer(
      "Exit status: the firmware's own exit code when it exits; 64 usage error, 65 unloadable "
      "firmware, 66 missing input file, 70 internal error, 73 cannot write outputs, 78 config "
      "error, 80 --max-time/--max-insts reached, 81 fatal firmware fault. See docs/cli.md.");

  RunOptions o;
  auto* run = app.add_subcommand("run", "Run a firmware ELF on the platform");
  run->add_option("firmware", o.firmware, "Firmware ELF (RV32, static)");
  run->add_option("-c,--config", o.configs, "YAML config file (repeatable, later wins)");
  run->add_option("--set", o.sets, "Override one key: key.path=value (repeatable)");
  run->add_option("-d,--outdir", o.outdir, "Output directory")->capture_default_str();
  run->add_option("--max-time", o.max_time, "Simulated time limit, e.g. 10ms, 500us");
  run->add_option("--max-insts", o.max_insts, "Retired instruction limit")
      ->each([&](const std::string&) { o.max_insts_given = true; });
  run->add_option("--seed", o.seed, "RNG seed (overrides sim.seed)")
      ->each([&](const std::string&) { o.seed_given = true; });
  run->add_option("--load", o.loads, "Place a file in memory before the run: FILE@ADDR");
  run->add_option("--signature", o.signature,
                  "At exit, dump words between begin_signature and end_signature to FILE");
  run->add_flag("--dump-config", o.dump_config, "Print the resolved configuration and exit");
  run->add_flag("--list-params", o.list_params,
                "List every parameter with default, unit and description, and exit");
  run->add_flag("-q,--quiet", o.quiet, "No summary, only errors");
  run->add_flag("-v,--verbose", o.verbose, "More messages (repeat for debug)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_code::usage;
  }
  try {
    if (run->parsed()) return cmd_run(o, args);
  } catch (const std::exception& e) {
    return fail(exit_code::internal, std::string("internal error: ") + e.what());
  }
  return exit_code::usage;
}
