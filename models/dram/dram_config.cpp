#include "models/dram/dram_config.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "models/dram/address_map.h"

namespace imcvp::dram {

namespace {
[[noreturn]] void bad(const std::string& msg) {
  throw config::ConfigError("dram: " + msg);
}
}  // namespace

uint64_t DramConfig::capacity_bytes() const {
  return uint64_t{org.channels} * org.ranks * banks_per_rank() * org.rows *
         (org.columns / org.burst_length) * burst_bytes();
}

void DramConfig::validate() const {
  const auto& t = timing;
  if (org.bus_width_bits % org.device_width_bits != 0)
    bad("org.bus_width_bits (" + std::to_string(org.bus_width_bits) +
        ") must be a multiple of org.device_width_bits (" + std::to_string(org.device_width_bits) +
        ")");
  if (org.burst_length % 2 != 0 || org.burst_length < 2)
    bad("org.burst_length must be even (two beats per clock)");
  if (t.trc < t.tras + t.trp)
    bad("timing.trc (" + std::to_string(t.trc) + ") < timing.tras + timing.trp (" +
        std::to_string(t.tras) + " + " + std::to_string(t.trp) + ")");
  if (t.tras < t.trcd)
    bad("timing.tras (" + std::to_string(t.tras) + ") < timing.trcd (" + std::to_string(t.trcd) +
        ")");
  if (t.tccd_l < t.tccd_s) bad("timing.tccd_l must be >= timing.tccd_s");
  if (t.trrd_l < t.trrd_s) bad("timing.trrd_l must be >= timing.trrd_s");
  if (t.twtr_l < t.twtr_s) bad("timing.twtr_l must be >= timing.twtr_s");
  if (t.tccd_s < burst_cycles())
    bad("timing.tccd_s (" + std::to_string(t.tccd_s) + ") < burst length / 2 (" +
        std::to_string(burst_cycles()) + "): bursts would overlap on the data bus");
  if (t.trefi <= t.trfc)
    bad("timing.trefi (" + std::to_string(t.trefi) + ") must exceed timing.trfc (" +
        std::to_string(t.trfc) + ")");
  if (t.cl + burst_cycles() + 2 <= t.cwl)
    bad("timing.cwl must be smaller than timing.cl + burst length / 2 + 2");
  double tck_ps = t.tck_ns * 1000.0;
  if (std::abs(tck_ps - static_cast<double>(this->tck_ps())) > 1e-3)
    bad("timing.tck_ns must be a whole number of picoseconds");
  const auto& c = controller;
  if (c.write_low_watermark >= c.write_high_watermark)
    bad("controller.write_low_watermark must be below controller.write_high_watermark");
  if (c.write_high_watermark > c.transaction_queue_depth)
    bad("controller.write_high_watermark must not exceed controller.transaction_queue_depth");
  AddressMap check(*this);  // throws for bad mapping strings / non-power-of-two sizes
  (void)check;
  if (capacity_bytes() == 0) bad("capacity is zero");
}

std::string find_preset(const std::string& name) {
  namespace fs = std::filesystem;
  std::string file = name + ".yaml";
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("IMCVP_DRAM_PRESETS")) dirs.emplace_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    for (fs::path d = exe.parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path())
      dirs.push_back(d / "configs" / "dram");
#ifdef IMCVP_SOURCE_DIR
  dirs.push_back(fs::path(IMCVP_SOURCE_DIR) / "configs" / "dram");
#endif
  for (const auto& d : dirs)
    if (fs::is_regular_file(d / file, ec)) return (d / file).string();
  return "";
}

}  // namespace imcvp::dram
