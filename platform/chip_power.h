// Chip-level area, static power and efficiency (docs/imc-model.md, "Chip area, static power
// and efficiency"): the stats group soc.chip sums the tiles' and the NoC's own figures and adds
// the host core, the TCM and the DRAM interfaces (controller + PHY), then reports TOPS, TOPS/W
// and TOPS/mm^2 at three levels side by side: macro (array + DAC + ADC), tile (+ periphery,
// buffers, command processor; no weight programming) and system (everything; dynamic energy,
// and with static energy: leakage, DRAM background and refresh).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/common/stats.h"

namespace imcvp::platform {

// Host-side figures of the chip (the `chip` config section). Sources and the formulas are in
// docs/imc-model.md, "Chip area, static power and efficiency".
struct ChipConfig {
  // Node of the host core, TCM and DRAM controller logic: the default tiles' 14 nm (HERMES).
  double node_nm = 14.0;
  // Static power density at 14 nm, as tiles[].area.leakage_mw_per_mm2. No published
  // leakage-per-area figure of a 14 nm library or SRAM could be sourced, so this stays the
  // estimate derived there (37.5 M transistors/mm^2, half off, ~0.1 um effective width, 3 nA/um,
  // 0.8 V). Bracket: the same derivation with the ITRS-derived 22 nm off-currents of CACTI 7
  // (tech_params/22nm.dat at 300 K: LSTP 0.024 nA/um at 0.8 V, LOP 13 nA/um at 0.6 V, HP
  // 122 nA/um at 0.8 V) gives 0.036, 15 and 180 mW/mm^2; 4.5 lies between LSTP and LOP.
  double leakage_mw_per_mm2 = 4.5;
  // Host core: lowRISC Ibex "small" configuration (RV32IMC, 2-stage pipeline, 3-cycle
  // multiplier): 26.06 kGE after Yosys synthesis with the Nangate 45 nm library (lowRISC Ibex
  // README, "Configuration" table; the commercial-flow estimate there is ~24 kGE). The host
  // ISS is RV32IMAC: the A extension is not in this figure.
  double host_core_kge = 26.06;
  // One gate equivalent = the NAND2_X1 cell that Ibex's kGE figure is normalised to
  // (syn/python/get_kge.py): 0.57 x 1.4 um = 0.798 um^2 in the Nangate FreePDK45 Open Cell
  // Library (NangateOpenCellLibrary LEF), given at gate_node_nm and scaled to node_nm with
  // Stillmaker & Baas's area table (0.140 um^2 at 14 nm). Standard-cell area only: placement
  // and routing whitespace are not included.
  double gate_um2 = 0.798;
  double gate_node_nm = 45.0;
  // TCM/boot ROM SRAM bit: 0.0588 um^2 at 14 nm (Natarajan et al., IEDM 2014) at 70 % array
  // efficiency (as tiles[].area.sram_*; the efficiency is an estimate).
  double sram_cell_um2 = 0.0588;
  double sram_efficiency = 0.7;
  // One DRAM interface per channel of every controller with a timed device, from CACTI-IO
  // (N. P. Jouppi, A. B. Kahng, N. Muralimanohar, V. Srinivas, "CACTI-IO: CACTI with off-chip
  // power-area-timing models", IEEE TVLSI 23(7), 2015; its DDR4 defaults in CACTI 7's
  // extio_technology.cc):
  // - area (dram_interface_mm2 = 0, the default: from the configured channel): the IO model
  //   A_io = c + k0/R_on + (k1 f + k2 f^2 + k3 f^3)/R_on mm^2 per pin, DDR4 coefficients
  //   (c 0.01, k0 0.35, k1 8e-5, k2 3.5e-8, k3 1e-11), R_on = dram_io_r_on_ohm (34 ohm),
  //   f = 1/tCK in MHz, times the pins of the channel: DQ = bus width, DQS = 2 per byte lane
  //   (per 4 DQ with x4 devices), 25 CA and 2 CK (CACTI's DDR4 counts). DDR4-2400 x64:
  //   0.0251 mm^2 x 107 pins = 2.69 mm^2. CACTI-IO's area is the IO circuits only (drivers,
  //   ODT): PHY logic, DLL/PLL and the controller are not included. LPDDR4 and HBM2 channels
  //   use the same DDR4 coefficients and pin rule (an upper bound for their lighter IO).
  //   dram_interface_mm2 > 0 replaces the model by a fixed area per channel.
  // - static power: the DDR4 PHY's static terms in the IDLE state, phase rotator 10 + receivers
  //   10 + PLL 10 = 30 mW per channel (the IO leakage of 1 uA x 1.2 V is negligible).
  // Neither is scaled with node_nm (IO devices and analog PHY blocks; CACTI-IO has no node).
  double dram_interface_mm2 = 0.0;
  double dram_io_r_on_ohm = 34.0;
  double dram_interface_static_mw = 30.0;

  template <class V>
  void visit(V& v) {
    v.param("node_nm", node_nm, "Technology node of the host core, TCM and DRAM interfaces", "nm",
            {7.0, 180.0});
    v.param("leakage_mw_per_mm2", leakage_mw_per_mm2,
            "Static power density at 14 nm (scaled to node_nm)", "mW/mm^2", {0.0, 1e6});
    v.param("host_core_kge", host_core_kge, "Host core size in NAND2 gate equivalents", "kGE",
            {0.0, 1e6});
    v.param("gate_um2", gate_um2, "Area of one gate equivalent at gate_node_nm (scaled to node_nm)",
            "um^2", {0.0, 1e3});
    v.param("gate_node_nm", gate_node_nm, "Node at which gate_um2 is given", "nm", {7.0, 180.0});
    v.param("sram_cell_um2", sram_cell_um2, "TCM SRAM bit cell at 14 nm (scaled to node_nm)",
            "um^2", {1e-4, 100.0});
    v.param("sram_efficiency", sram_efficiency, "SRAM array cell efficiency", "", {0.05, 1.0});
    v.param("dram_interface_mm2", dram_interface_mm2,
            "Area of one DRAM channel's interface (0: CACTI-IO model from the channel's pins and "
            "clock; not scaled with node_nm)",
            "mm^2", {0.0, 1e3});
    v.param("dram_io_r_on_ohm", dram_io_r_on_ohm,
            "DRAM IO driver on-resistance of the CACTI-IO area model", "ohm", {1.0, 1e3});
    v.param("dram_interface_static_mw", dram_interface_static_mw,
            "Static power of one DRAM channel's PHY (not scaled with node_nm)", "mW", {0.0, 1e6});
  }
};

// The chip side of one DRAM controller with a timed device (its dram.device organisation).
struct DramInterface {
  unsigned channels = 1;
  unsigned bus_width_bits = 64;
  unsigned device_width_bits = 8;
  double tck_ns = 0.83;
};
// Signal pins of one channel: DQ, DQS (a differential pair per byte lane, per nibble with x4
// devices), 25 CA and 2 CK (CACTI-IO's DDR4 counts).
unsigned dram_channel_pins(const DramInterface& d);
// CACTI-IO DDR4 IO area per pin (mm^2) at clock f (MHz) and driver on-resistance r_on (ohm).
double cacti_io_pin_mm2(double f_mhz, double r_on_ohm);
// Area of one channel's interface (mm^2): the config's fixed area, or the CACTI-IO model.
double dram_channel_mm2(const ChipConfig& cfg, const DramInterface& d);

class ChipStats {
 public:
  // tcm_bytes: host SRAM (TCM) size; drams: the controllers with a timed device.
  ChipStats(const std::string& path, const ChipConfig& cfg, uint64_t tcm_bytes,
            const std::vector<DramInterface>& drams);

  // Area (mm^2) and static power (mW) of the host-side parts.
  double host_core_mm2() const { return core_mm2_; }
  double tcm_mm2() const { return tcm_mm2_; }
  double dram_interface_mm2() const { return dram_mm2_; }
  double host_core_static_mw() const { return core_mw_; }
  double tcm_static_mw() const { return tcm_mw_; }
  double dram_interface_static_mw() const { return dram_mw_; }

 private:
  double elapsed_ns() const;
  double core_mm2_ = 0, tcm_mm2_ = 0, dram_mm2_ = 0;
  double core_mw_ = 0, tcm_mw_ = 0, dram_mw_ = 0;
  double epoch_ns_ = 0;
  stats::Group stats_;
};

}  // namespace imcvp::platform
