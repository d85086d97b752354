#include "platform/report.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "models/common/stats.h"
#include "platform/version.h"

namespace imcvp::platform {

namespace {
namespace fs = std::filesystem;

// Writes text to a new temporary file beside dir/name; returns its path.
std::string write_temp(const std::string& dir, const std::string& name, const std::string& text) {
  const fs::path final_path = fs::path(dir) / name;
  const std::string tmp =
      (fs::path(dir) / ("." + name + ".tmp-" + std::to_string(::getpid()))).string();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(final_path.string() + ": cannot create file");
    out << text;
    if (!out.flush()) {
      out.close();
      std::remove(tmp.c_str());
      throw std::runtime_error(final_path.string() + ": write failed");
    }
  }
  return tmp;
}
}  // namespace

void write_file(const std::string& dir, const std::string& name, const std::string& text) {
  OutputFiles f(dir);
  f.add(name, text);
  f.commit();
}

OutputFiles::~OutputFiles() {
  for (auto& p : pending_) std::remove(p.first.c_str());
}

void OutputFiles::add(const std::string& name, const std::string& text) {
  pending_.emplace_back(write_temp(dir_, name, text), name);
}

void OutputFiles::commit() {
  while (!pending_.empty()) {
    auto& [tmp, name] = pending_.front();
    const fs::path final_path = fs::path(dir_) / name;
    if (std::rename(tmp.c_str(), final_path.c_str()) != 0)
      throw std::runtime_error(final_path.string() + ": cannot rename " + tmp + " onto it (" +
                               std::strerror(errno) + ")");
    pending_.erase(pending_.begin());
  }
}

const std::vector<std::string>& run_output_names() {
  static const std::vector<std::string> names = {"stats.json", "stats.txt",  "config.yaml",
                                                 "run.json",   "trace.json", "report.html"};
  return names;
}

std::string prepare_outdir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    return dir + ": cannot create output directory" + (ec ? " (" + ec.message() + ")" : "");
  const std::string probe =
      (fs::path(dir) / (".imcvp-write-test-" + std::to_string(::getpid()))).string();
  {
    std::ofstream out(probe, std::ios::binary | std::ios::trunc);
    if (!out || !(out << "imcvp\n") || !out.flush()) {
      out.close();
      std::remove(probe.c_str());
      return dir + ": output directory is not writable";
    }
  }
  std::remove(probe.c_str());
  for (const auto& n : run_output_names()) {
    const fs::path p = fs::path(dir) / n;
    if (fs::is_directory(fs::symlink_status(p, ec)))
      return p.string() + ": is a directory (an output file goes there)";
    if (!fs::remove(p, ec) && ec)
      return p.string() + ": cannot remove the previous run's output (" + ec.message() + ")";
  }
  return "";
}

namespace {
// Matrix-vector multiplies (vectors) of every IMC tile (soc.tile<N>.mvms), from the live
// stats registry: the denominator of the host time per simulated MVM.
double tile_mvms() {
  double n = 0;
  for (const stats::Group* g : stats::Registry::get().groups()) {
    const std::string& p = g->path();
    if (p.rfind("soc.tile", 0) != 0 || p.find('.', 8) != std::string::npos) continue;
    for (const auto& e : g->entries())
      if (e.name == "mvms") n += e.number();
  }
  return n;
}
}  // namespace

nlohmann::ordered_json run_json(const RunInfo& info) {
  nlohmann::ordered_json j;
  j["version"] = kVersion;
  j["git_revision"] = kGitRevision;
  j["argv"] = info.argv;
  j["firmware"] = info.firmware;
  j["seed"] = info.seed;
  j["exit_code"] = info.exit_code;
  j["exit_status"] = info.exit_status;
  j["stop_reason"] = info.stop_reason;
  j["stop_message"] = info.stop_message;
  j["sim_time_ns"] = info.sim_time_ns;
  j["instructions"] = info.instructions;
  j["host_wall_seconds"] = info.wall_seconds;
  j["host_startup_seconds"] = info.startup_seconds;
  j["host_startup_cpu_seconds"] = info.startup_cpu_seconds;
  j["host_mips"] = info.wall_seconds > 0 ? info.instructions / info.wall_seconds / 1e6 : 0.0;
  // Host time per simulated MVM vector (the whole run's host time, ISS and NoC included).
  if (const double mvms = tile_mvms(); mvms > 0)
    j["host_us_per_mvm"] = info.wall_seconds * 1e6 / mvms;
  return j;
}

namespace {
const nlohmann::ordered_json* find(const nlohmann::ordered_json& j, const std::string& path) {
  const nlohmann::ordered_json* n = &j;
  std::size_t start = 0;
  while (true) {
    auto dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!n->is_object() || !n->contains(part)) return nullptr;
    n = &(*n)[part];
    if (dot == std::string::npos) return n;
    start = dot + 1;
  }
}
double num(const nlohmann::ordered_json& j, const std::string& path) {
  auto* n = find(j, path);
  if (!n || !n->contains("value") || !(*n)["value"].is_number()) return 0.0;
  return (*n)["value"].get<double>();
}
std::string eng(double v, const char* unit) {
  static const char* pfx[] = {"f", "p", "n", "u", "m", "", "k", "M", "G", "T"};
  int i = 5;
  if (v != 0.0) {
    while (std::abs(v) >= 1000.0 && i < 9) {
      v /= 1000.0;
      ++i;
    }
    while (std::abs(v) < 1.0 && i > 0) {
      v *= 1000.0;
      --i;
    }
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f %s%s", v, pfx[i], unit);
  return buf;
}
std::string time_str(double ns) {
  char buf[64];
  if (ns >= 1e9)
    std::snprintf(buf, sizeof buf, "%.6f s", ns / 1e9);
  else if (ns >= 1e6)
    std::snprintf(buf, sizeof buf, "%.6f ms", ns / 1e6);
  else if (ns >= 1e3)
    std::snprintf(buf, sizeof buf, "%.3f us", ns / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  return buf;
}
}  // namespace

std::string summary_table(const nlohmann::ordered_json& stats, const RunInfo& info) {
  std::ostringstream os;
  char buf[256];
  auto row = [&](const std::string& k, const std::string& v) {
    std::snprintf(buf, sizeof buf, "  %-28s %s\n", k.c_str(), v.c_str());
    os << buf;
  };
  os << "---------------- imcvp summary ----------------\n";
  row("exit", std::to_string(info.exit_code) + " (" + info.stop_reason +
                  (info.exit_status != info.exit_code
                       ? "; process exit status " + std::to_string(info.exit_status)
                       : "") +
                  ")");
  row("simulated time", time_str(info.sim_time_ns));
  row("instructions", std::to_string(info.instructions));
  double cycles = num(stats, "soc.cpu.cycles");
  if (cycles > 0) {
    row("cycles", std::to_string(static_cast<uint64_t>(cycles)));
    std::snprintf(buf, sizeof buf, "%.3f", info.instructions / cycles);
    row("IPC", buf);
  }
  std::snprintf(buf, sizeof buf, "%.3f s (%.1f MIPS)", info.wall_seconds,
                info.wall_seconds > 0 ? info.instructions / info.wall_seconds / 1e6 : 0.0);
  row("host wall time", buf);
  // Simulation speed at model scale: inputs the firmware reported (imcrt: "inputs") per host
  // second, and host time per simulated MVM vector.
  if (const double mvms = tile_mvms(); mvms > 0 && info.wall_seconds > 0) {
    const double inputs = num(stats, "firmware.inputs");
    if (inputs > 0)
      std::snprintf(buf, sizeof buf, "%.2f inputs/s, %.2f us per MVM (%.0f MVMs)",
                    inputs / info.wall_seconds, info.wall_seconds * 1e6 / mvms, mvms);
    else
      std::snprintf(buf, sizeof buf, "%.2f us per MVM (%.0f MVMs)", info.wall_seconds * 1e6 / mvms,
                    mvms);
    row("host speed", buf);
  }
  if (stats.contains("energy")) {
    os << "  energy by component:\n";
    for (auto& [k, v] : stats["energy"].items()) {
      double e = v["value"].get<double>();
      if (e == 0.0 && k != "total") continue;
      row("  " + k, eng(e * 1e-12, "J"));
    }
  }
  if (auto* c = find(stats, "soc.chip"); c && num(*c, "area.total") > 0) {
    // Chip area, static power and efficiency at three levels (platform/chip_power.h).
    os << "  chip (docs/imc-model.md, \"Chip area, static power and efficiency\"):\n";
    std::snprintf(buf, sizeof buf, "%.3f mm^2 (tiles %.3f, NoC %.3f, host %.3f, DRAM if %.3f)",
                  num(*c, "area.total"), num(*c, "area.tiles"), num(*c, "area.noc"),
                  num(*c, "area.host_core") + num(*c, "area.tcm"), num(*c, "area.dram_interface"));
    row("  area", buf);
    std::snprintf(buf, sizeof buf, "%.2f mW (tiles %.2f, NoC %.2f, host %.2f, DRAM if %.2f)",
                  num(*c, "power.static.total"), num(*c, "power.static.tiles"),
                  num(*c, "power.static.noc"),
                  num(*c, "power.static.host_core") + num(*c, "power.static.tcm"),
                  num(*c, "power.static.dram_interface"));
    row("  static power", buf);
    if (num(*c, "macs") > 0) {
      std::snprintf(buf, sizeof buf, "%.2f / %.2f / %.3g (%.3g with static)",
                    num(*c, "efficiency.macro.tops_per_w"), num(*c, "efficiency.tile.tops_per_w"),
                    num(*c, "efficiency.system.tops_per_w"),
                    num(*c, "efficiency.system.tops_per_w_with_static"));
      row("  TOPS/W macro/tile/system", buf);
    }
    std::snprintf(buf, sizeof buf, "%.3g / %.3g / %.3g (peak %.3g TOPS, achieved %.3g)",
                  num(*c, "efficiency.macro.tops_per_mm2"), num(*c, "efficiency.tile.tops_per_mm2"),
                  num(*c, "efficiency.system.tops_per_mm2"), num(*c, "efficiency.peak_tops"),
                  num(*c, "efficiency.tops"));
    row("  TOPS/mm^2 macro/tile/sys", buf);
  }
  if (auto* b = find(stats, "soc.bus.targets")) {
    os << "  host bus traffic (reads / writes / bytes):\n";
    for (auto& [k, v] : b->items()) {
      if (!v.is_object() || !v.contains("transactions")) continue;
      double tr = v["transactions"].value("value", 0.0);
      if (tr == 0) continue;
      double br = v.contains("bytes_read") ? v["bytes_read"].value("value", 0.0) : 0.0;
      double bw = v.contains("bytes_written") ? v["bytes_written"].value("value", 0.0) : 0.0;
      double rd = v.contains("reads") ? v["reads"].value("value", 0.0) : 0.0;
      double wr = v.contains("writes") ? v["writes"].value("value", 0.0) : 0.0;
      std::snprintf(buf, sizeof buf, "%.0f / %.0f / %.0f", rd, wr, br + bw);
      row("  " + k, buf);
    }
  }
  if (auto* n = find(stats, "soc.noc"); n && num(stats, "soc.noc.packets") > 0) {
    os << "  network-on-chip:\n";
    std::snprintf(buf, sizeof buf, "%.0f / %.0f (%.0f split)", num(*n, "transactions"),
                  num(*n, "packets"), num(*n, "split_transactions"));
    row("  transactions / packets", buf);
    std::snprintf(buf, sizeof buf, "%.0f / %.0f", num(*n, "flits"), num(*n, "flit_hops"));
    row("  flits / flit-hops", buf);
    std::snprintf(buf, sizeof buf, "%.1f / %.0f cycles (network %.1f, queueing %.1f)",
                  num(*n, "avg_packet_latency"), num(*n, "p99_packet_latency"),
                  num(*n, "avg_network_latency"), num(*n, "avg_queueing_latency"));
    row("  packet latency avg / p99", buf);
    std::snprintf(buf, sizeof buf, "%.2f", num(*n, "avg_hops"));
    row("  avg hops", buf);
    std::snprintf(buf, sizeof buf, "%.4f flits/node/cycle", num(*n, "throughput"));
    row("  throughput", buf);
    // The busiest link: the first with the highest utilisation (routers, then ports, in order).
    std::string best;
    double best_u = 0;
    for (auto& [rk, rv] : n->items()) {
      if (rk.rfind("router", 0) != 0 || !rv.is_object()) continue;
      for (auto& [lk, lv] : rv.items()) {
        if (lk.rfind("link_to_", 0) != 0) continue;
        const double u = num(lv, "utilisation");
        if (u > best_u) {
          best_u = u;
          best = rk.substr(6) + " -> " + lk.substr(8, lk.rfind("_p") - 8);
        }
      }
    }
    if (!best.empty()) {
      std::snprintf(buf, sizeof buf, "%s: %.4f flits/cycle", best.c_str(), best_u);
      row("  busiest link", buf);
    }
  }
  if (stats.contains("firmware")) {
    os << "  reported by the firmware:\n";
    for (auto& [k, v] : stats["firmware"].items())
      row("  " + k, std::to_string(v["value"].get<int64_t>()));
  }
  if (stats.contains("roi")) {
    os << "  regions of interest (id: time, instructions):\n";
    for (const auto& r : stats["roi"]) {
      double insts = 0;
      if (r["delta"].contains("soc.cpu.instructions"))
        insts = r["delta"]["soc.cpu.instructions"]["value"].get<double>();
      std::snprintf(buf, sizeof buf, "%s, %.0f", time_str(r["duration_ns"].get<double>()).c_str(),
                    insts);
      row("  roi " + std::to_string(r["id"].get<uint32_t>()), buf);
    }
  }
  os << "-----------------------------------------------\n";
  return os.str();
}

}  // namespace imcvp::platform
