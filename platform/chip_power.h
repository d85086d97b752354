// Chip-level area, static power and efficiency (docs/imc-model.md, "Chip area, static power
// and efficiency"): the stats group soc.chip sums the tiles' and the NoC's own figures and adds
// the host core, the TCM and the DRAM interfaces (controller + PHY), then reports TOPS, TOPS/W
// and TOPS/mm^2 at three levels side by side: macro (array + DAC + ADC), tile (+ periphery,
// buffers, command processor; no weight programming) and system (everything; dynamic energy,
// and with static energy: leakage, DRAM background and refresh).
#pragma once

#include <cstdint>
#include <string>

#include "models/common/stats.h"

namespace imcvp::platform {

// Host-side figures of the chip (the `chip` config section).
struct ChipConfig {
  // Node of the host core, TCM and DRAM controller logic: the default tiles' 14 nm (HERMES).
  double node_nm = 14.0;
  // Static power density at 14 nm, as tiles[].area.leakage_mw_per_mm2 (estimate derived there).
  double leakage_mw_per_mm2 = 4.5;
  // Host RV32IMC core: ~40 kGE (PULP RI5CY, Gautschi et al., "Near-threshold RISC-V core with
  // DSP extensions for scalable IoT endpoint devices", IEEE TVLSI 25(10), 2017: 40.7 kGE).
  double host_core_kge = 40.0;
  // One NAND2 gate equivalent at 14 nm with routing: 4 transistors at Intel 14 nm's 37.5
  // MTr/mm^2 (0.107 um^2) at ~55 % placement utilisation ~ 0.2 um^2 (estimate).
  double gate_um2 = 0.2;
  // TCM/boot ROM SRAM bit: 0.0588 um^2 at 14 nm (Natarajan et al., IEDM 2014) at 70 % array
  // efficiency (as tiles[].area.sram_*).
  double sram_cell_um2 = 0.0588;
  double sram_efficiency = 0.7;
  // One DRAM interface (controller + x64 PHY) per controller. Not published per component for
  // a generic DDR4 PHY: ~1 mm^2 and ~30 mW static (DLL/PLL locked, receivers and bias on) at
  // 14-16 nm are estimates; set them from your IP's datasheet.
  double dram_interface_mm2 = 1.0;
  double dram_interface_static_mw = 30.0;

  template <class V>
  void visit(V& v) {
    v.param("node_nm", node_nm, "Technology node of the host core, TCM and DRAM interfaces", "nm",
            {7.0, 180.0});
    v.param("leakage_mw_per_mm2", leakage_mw_per_mm2,
            "Static power density at 14 nm (scaled to node_nm)", "mW/mm^2", {0.0, 1e6});
    v.param("host_core_kge", host_core_kge, "Host core size in NAND2 gate equivalents", "kGE",
            {0.0, 1e6});
    v.param("gate_um2", gate_um2, "Area of one gate equivalent at 14 nm (scaled to node_nm)",
            "um^2", {0.0, 1e3});
    v.param("sram_cell_um2", sram_cell_um2, "TCM SRAM bit cell at 14 nm (scaled to node_nm)",
            "um^2", {1e-4, 100.0});
    v.param("sram_efficiency", sram_efficiency, "SRAM array cell efficiency", "", {0.05, 1.0});
    v.param("dram_interface_mm2", dram_interface_mm2,
            "Area of one DRAM controller + PHY (at node_nm)", "mm^2", {0.0, 1e3});
    v.param("dram_interface_static_mw", dram_interface_static_mw,
            "Static power of one DRAM controller + PHY", "mW", {0.0, 1e6});
  }
};

class ChipStats {
 public:
  // tcm_bytes: host SRAM (TCM) size; dram_interfaces: controllers with a timed device.
  ChipStats(const std::string& path, const ChipConfig& cfg, uint64_t tcm_bytes,
            unsigned dram_interfaces);

  // Area (mm^2) and static power (mW) of the host-side parts.
  double host_core_mm2() const { return core_mm2_; }
  double tcm_mm2() const { return tcm_mm2_; }
  double dram_interface_mm2() const { return dram_mm2_; }

 private:
  double elapsed_ns() const;
  double core_mm2_ = 0, tcm_mm2_ = 0, dram_mm2_ = 0;
  double core_mw_ = 0, tcm_mw_ = 0, dram_mw_ = 0;
  double epoch_ns_ = 0;
  stats::Group stats_;
};

}  // namespace imcvp::platform
