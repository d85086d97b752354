#include "platform/chip_power.h"

#include <cctype>

#include <systemc>

#include "models/common/tech_scaling.h"

namespace imcvp::platform {

namespace {
// Value of entry `name` of group g (0 if absent).
double entry(const stats::Group& g, const std::string& name) {
  for (const auto& e : g.entries())
    if (e.name == name) return e.number();
  return 0.0;
}
bool is_tile_group(const std::string& path, const std::string& parent) {
  const std::string pre = parent + ".tile";
  if (path.size() <= pre.size() || path.compare(0, pre.size(), pre) != 0) return false;
  for (std::size_t i = pre.size(); i < path.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(path[i]))) return false;
  return true;
}
// Sum of entry `name` over the tiles (groups parent.tile<i>).
double tiles_sum(const std::string& parent, const std::string& name) {
  double s = 0;
  for (const auto* g : stats::Registry::get().groups())
    if (is_tile_group(g->path(), parent)) s += entry(*g, name);
  return s;
}
double group_entry(const std::string& path, const std::string& name) {
  const stats::Group* g = stats::Registry::get().find(path);
  return g ? entry(*g, name) : 0.0;
}
double ops_per_w(double macs, double e_pj) {
  return e_pj > 0 ? 2.0 * macs / e_pj : 0.0;  // ops/pJ = TOPS/W
}
}  // namespace

unsigned dram_channel_pins(const DramInterface& d) {
  const unsigned lane = d.device_width_bits < 8 ? 4u : 8u;  // DQS per nibble with x4 devices
  return d.bus_width_bits + 2 * ((d.bus_width_bits + lane - 1) / lane) + 25 + 2;
}

double cacti_io_pin_mm2(double f, double r_on) {
  // CACTI-IO DDR4 defaults (chip_power.h): A_io = c + k0/R_on + (k1 f + k2 f^2 + k3 f^3)/R_on.
  return 0.01 + 0.35 / r_on + (8e-5 * f + 3.5e-8 * f * f + 1e-11 * f * f * f) / r_on;
}

double dram_channel_mm2(const ChipConfig& cfg, const DramInterface& d) {
  if (cfg.dram_interface_mm2 > 0) return cfg.dram_interface_mm2;
  return cacti_io_pin_mm2(1000.0 / d.tck_ns, cfg.dram_io_r_on_ohm) * dram_channel_pins(d);
}

ChipStats::ChipStats(const std::string& path, const ChipConfig& cfg, uint64_t tcm_bytes,
                     const std::vector<DramInterface>& drams)
    : stats_(path) {
  // Formulas: docs/imc-model.md, "Chip area, static power and efficiency". The leakage density
  // and the SRAM cell are given at 14 nm, the gate equivalent at gate_node_nm.
  const double n = cfg.node_nm;
  const double as = tech::area_scale(14.0, n);
  const double density =
      cfg.leakage_mw_per_mm2 * tech::power_scale(14.0, n) / tech::area_scale(14.0, n);
  core_mm2_ = cfg.host_core_kge * 1e3 * cfg.gate_um2 * tech::area_scale(cfg.gate_node_nm, n) * 1e-6;
  tcm_mm2_ = double(tcm_bytes) * 8.0 * cfg.sram_cell_um2 * as / cfg.sram_efficiency * 1e-6;
  unsigned channels = 0;
  for (const DramInterface& d : drams) {
    dram_mm2_ += d.channels * dram_channel_mm2(cfg, d);
    channels += d.channels;
  }
  core_mw_ = density * core_mm2_;
  tcm_mw_ = density * tcm_mm2_;
  dram_mw_ = cfg.dram_interface_static_mw * channels;

  const std::string parent = path.substr(0, path.rfind('.'));
  const std::string noc = parent + ".noc";
  auto& s = stats_;
  // ---- area ----
  auto a_tiles = [parent] { return tiles_sum(parent, "area.total"); };
  auto a_noc = [noc] { return group_entry(noc, "area.routers") + group_entry(noc, "area.links"); };
  auto a_total = [this, a_tiles, a_noc] {
    return a_tiles() + a_noc() + core_mm2_ + tcm_mm2_ + dram_mm2_;
  };
  s.formula("area.tiles", a_tiles, "mm^2", "Tiles (sum of soc.tile*.area.total)");
  s.formula("area.noc", a_noc, "mm^2", "NoC routers and link repeaters");
  s.constant(
      "area.host_core", [this] { return core_mm2_; }, "mm^2", "Host core");
  s.constant(
      "area.tcm", [this] { return tcm_mm2_; }, "mm^2", "Host TCM SRAM");
  s.constant(
      "area.dram_interface", [this] { return dram_mm2_; }, "mm^2",
      "DRAM controllers and PHYs (chip side)");
  s.formula("area.total", a_total, "mm^2", "Chip area (tiles, NoC, host, TCM, DRAM interfaces)");
  // ---- static power ----
  auto p_tiles = [parent] { return tiles_sum(parent, "power.static"); };
  auto p_noc = [noc] {
    return group_entry(noc, "power.static_routers") + group_entry(noc, "power.static_links");
  };
  s.formula("power.static.tiles", p_tiles, "mW", "Tiles' static power");
  s.formula("power.static.noc", p_noc, "mW", "Routers' and links' static power");
  s.constant(
      "power.static.host_core", [this] { return core_mw_; }, "mW", "Host core static power");
  s.constant(
      "power.static.tcm", [this] { return tcm_mw_; }, "mW", "Host TCM static power");
  s.constant(
      "power.static.dram_interface", [this] { return dram_mw_; }, "mW",
      "DRAM controllers' and PHYs' static power");
  s.formula(
      "power.static.total",
      [this, p_tiles, p_noc] { return p_tiles() + p_noc() + core_mw_ + tcm_mw_ + dram_mw_; }, "mW",
      "Static power of the chip (without the DRAM devices' background power)");
  s.formula(
      "energy_static_host_core", [this] { return core_mw_ * elapsed_ns(); }, "pJ",
      "Host core static energy since the stats reset", stats::EnergyKind::core, true);
  s.formula(
      "energy_static_tcm", [this] { return tcm_mw_ * elapsed_ns(); }, "pJ",
      "TCM static energy since the stats reset", stats::EnergyKind::host_memory, true);
  s.formula(
      "energy_static_dram_interface", [this] { return dram_mw_ * elapsed_ns(); }, "pJ",
      "DRAM interface static energy since the stats reset", stats::EnergyKind::dram, true);
  // ---- efficiency at three levels ----
  auto macs = [parent] { return tiles_sum(parent, "macs"); };
  auto peak = [parent] { return tiles_sum(parent, "efficiency.peak_tops"); };
  s.formula("macs", macs, "count", "Multiply-accumulates of all tiles");
  s.formula("efficiency.peak_tops", peak, "TOPS", "Sum of the tiles' peak throughput");
  s.formula(
      "efficiency.tops",
      [this, macs] {
        const double el = elapsed_ns();
        return el > 0 ? 2.0 * macs() / el * 1e-3 : 0.0;
      },
      "TOPS", "Achieved throughput: 2 x MACs / simulated time since the stats reset");
  s.formula(
      "efficiency.macro.tops_per_w",
      [parent, macs] {
        return ops_per_w(macs(), tiles_sum(parent, "energy.array") +
                                     tiles_sum(parent, "energy.dac") +
                                     tiles_sum(parent, "energy.adc"));
      },
      "TOPS/W", "Macro: operations per joule of array + DAC + ADC energy (all tiles)");
  s.formula(
      "efficiency.tile.tops_per_w",
      [parent, macs] {
        return ops_per_w(
            macs(), tiles_sum(parent, "energy.dynamic") - tiles_sum(parent, "energy.programming"));
      },
      "TOPS/W", "Tile: operations per joule of the tiles' dynamic energy without programming");
  s.formula(
      "efficiency.system.tops_per_w",
      [macs] {
        auto& r = stats::Registry::get();
        double total = 0;
        for (double e : r.energy_breakdown()) total += e;
        return ops_per_w(macs(), total - r.energy_static());
      },
      "TOPS/W", "System: operations per joule of the whole chip's dynamic energy");
  s.formula(
      "efficiency.system.tops_per_w_with_static",
      [macs] {
        double total = 0;
        for (double e : stats::Registry::get().energy_breakdown()) total += e;
        return ops_per_w(macs(), total);
      },
      "TOPS/W", "System: operations per joule of all energy (dynamic + static)");
  s.formula(
      "efficiency.macro.tops_per_mm2",
      [parent, peak] {
        const double a = tiles_sum(parent, "area.macro");
        return a > 0 ? peak() / a : 0.0;
      },
      "TOPS/mm^2", "Macro: peak throughput per macro area (all tiles)");
  s.formula(
      "efficiency.tile.tops_per_mm2",
      [a_tiles, peak] {
        const double a = a_tiles();
        return a > 0 ? peak() / a : 0.0;
      },
      "TOPS/mm^2", "Tile: peak throughput per tile area");
  s.formula(
      "efficiency.system.tops_per_mm2",
      [a_total, peak] {
        const double a = a_total();
        return a > 0 ? peak() / a : 0.0;
      },
      "TOPS/mm^2", "System: peak throughput per chip area");
  s.on_reset([this] { epoch_ns_ = sc_core::sc_time_stamp().to_seconds() * 1e9; });
}

double ChipStats::elapsed_ns() const {
  const double t = sc_core::sc_time_stamp().to_seconds() * 1e9 - epoch_ns_;
  return t > 0 ? t : 0.0;
}

}  // namespace imcvp::platform
