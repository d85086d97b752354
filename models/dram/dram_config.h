// DRAM configuration: organisation, JEDEC timing (in DRAM clock cycles), IDD/IPP currents for
// the DRAMPower-style energy model, and the controller's policies. The in-class defaults are
// the DDR4-2400 preset (configs/dram/ddr4-2400.yaml), which matches DRAMsim3's
// DDR4_8Gb_x8_2400.ini used for validation (docs/dram-validation.md).
//
// Limits: one command per cycle per channel; all-bank refresh only (no per-bank refresh);
// one data rate (DDR, two beats per clock); no ECC, no on-die termination energy model beyond
// a flat I/O energy per bit.
#pragma once

#include <cstdint>
#include <string>

#include "models/common/config.h"

namespace imcvp::dram {

// Device organisation and the channel's width.
struct DramOrgConfig {
  // DRAMsim3 DDR4_8Gb_x8_2400.ini [dram_structure] / [system]: 8 Gb x8 devices, 4 bank groups
  // of 4 banks, 64 Ki rows, 1 Ki columns, BL8, 2 ranks on one 64-bit channel (16 GiB).
  std::string protocol = "DDR4";
  uint32_t channels = 1;
  uint32_t ranks = 2;
  uint32_t bank_groups = 4;
  uint32_t banks_per_group = 4;
  uint32_t rows = 65536;
  uint32_t columns = 1024;
  uint32_t device_width_bits = 8;
  uint32_t bus_width_bits = 64;
  uint32_t burst_length = 8;

  template <class V>
  void visit(V& v) {
    v.choice("protocol", protocol, {"DDR4", "LPDDR4", "HBM2"},
             "DRAM standard (informational; timing comes from the timing section)");
    v.param("channels", channels, "Independent channels (each with its own controller)", "count",
            {1, 64});
    v.param("ranks", ranks, "Ranks per channel", "count", {1, 16});
    v.param("bank_groups", bank_groups, "Bank groups per rank (1: no bank groups)", "count",
            {1, 16});
    v.param("banks_per_group", banks_per_group, "Banks per bank group", "count", {1, 64});
    v.param("rows", rows, "Rows per bank", "count", {1, 16777216});
    v.param("columns", columns, "Columns per row (device columns, i.e. beats of one device)",
            "count", {1, 65536});
    v.param("device_width_bits", device_width_bits, "Data width of one device", "bit", {1, 1024});
    v.param("bus_width_bits", bus_width_bits, "Data width of the channel", "bit", {1, 1024});
    v.param("burst_length", burst_length, "Beats per burst (BL)", "count", {1, 64});
  }
};

// Timing in DRAM clock cycles (nCK) unless the name says otherwise.
struct DramTimingConfig {
  // All values: DRAMsim3 DDR4_8Gb_x8_2400.ini [timing], which follows JESD79-4 speed bin
  // DDR4-2400R (17-17-17) and the Micron 8Gb DDR4 (MT40A1G8) datasheet.
  double tck_ns = 0.83;
  uint32_t cl = 17;
  uint32_t cwl = 12;
  uint32_t trcd = 17;
  uint32_t trp = 17;
  uint32_t tras = 39;
  uint32_t trc = 56;  // not in the .ini: DRAMsim3 derives tRC = tRAS + tRP (JESD79-4 tRC)
  uint32_t tccd_s = 4;
  uint32_t tccd_l = 6;
  uint32_t trrd_s = 4;
  uint32_t trrd_l = 6;
  uint32_t tfaw = 26;
  uint32_t twr = 18;
  uint32_t twtr_s = 3;
  uint32_t twtr_l = 9;
  uint32_t trtp = 9;
  uint32_t trtrs = 1;
  uint32_t trfc = 420;
  uint32_t trefi = 9360;
  uint32_t txp = 8;
  uint32_t tcke = 6;

  template <class V>
  void visit(V& v) {
    v.param("tck_ns", tck_ns, "Clock period tCK", "ns", {0.05, 100.0});
    v.param("cl", cl, "CAS (read) latency CL", "cycles", {1, 255});
    v.param("cwl", cwl, "CAS write latency CWL", "cycles", {1, 255});
    v.param("trcd", trcd, "ACT to RD/WR, same bank (tRCD)", "cycles", {1, 255});
    v.param("trp", trp, "PRE to ACT, same bank (tRP)", "cycles", {1, 255});
    v.param("tras", tras, "ACT to PRE, same bank (tRAS)", "cycles", {1, 1023});
    v.param("trc", trc, "ACT to ACT, same bank (tRC); must be >= tRAS + tRP", "cycles", {1, 1023});
    v.param("tccd_s", tccd_s, "RD-RD / WR-WR, different bank group (tCCD_S)", "cycles", {1, 255});
    v.param("tccd_l", tccd_l, "RD-RD / WR-WR, same bank group (tCCD_L)", "cycles", {1, 255});
    v.param("trrd_s", trrd_s, "ACT to ACT, different bank group (tRRD_S)", "cycles", {1, 255});
    v.param("trrd_l", trrd_l, "ACT to ACT, same bank group (tRRD_L)", "cycles", {1, 255});
    v.param("tfaw", tfaw, "Window holding at most four ACTs per rank (tFAW)", "cycles", {0, 1023});
    v.param("twr", twr, "Write recovery: end of write data to PRE (tWR)", "cycles", {1, 255});
    v.param("twtr_s", twtr_s, "End of write data to RD, different bank group (tWTR_S)", "cycles",
            {1, 255});
    v.param("twtr_l", twtr_l, "End of write data to RD, same bank group (tWTR_L)", "cycles",
            {1, 255});
    v.param("trtp", trtp, "RD to PRE, same bank (tRTP)", "cycles", {1, 255});
    v.param("trtrs", trtrs, "Rank-to-rank data bus switch gap (tRTRS)", "cycles", {0, 255});
    v.param("trfc", trfc, "All-bank REF to next command of that rank (tRFC)", "cycles", {1, 65535});
    v.param("trefi", trefi, "Average refresh interval (tREFI)", "cycles", {1, 1000000});
    v.param("txp", txp, "Power-down exit to next command (tXP)", "cycles", {1, 255});
    v.param("tcke", tcke, "Minimum power-down residency (tCKE)", "cycles", {1, 255});
  }
};

// Currents per device (mA) and supply voltages, DRAMPower/Micron-power-calculator style.
struct DramPowerConfig {
  // DRAMsim3 DDR4_8Gb_x8_2400.ini [power] (Micron MT40A1G8 datasheet IDD table, DDR4-2400).
  double vdd_v = 1.2;
  double idd0_ma = 48;
  double idd2n_ma = 34;
  double idd2p_ma = 25;
  double idd3n_ma = 43;
  double idd3p_ma = 37;
  double idd4r_ma = 135;
  double idd4w_ma = 123;
  double idd5ab_ma = 250;
  double idd6_ma = 30;
  // Second supply: VPP (DDR4, HBM2) or VDD1 (LPDDR4). The reference .ini lists IPP0 = 3 mA but
  // DRAMsim3 has no VPP rail, so the preset keeps vpp_v = 0 (rail off) to compare like with
  // like; set vpp_v = 2.5 (JESD79-4 VPP) and the ipp_* currents to include the pump.
  double vpp_v = 0.0;
  double ipp0_ma = 3.0;
  double ipp2n_ma = 0.0;
  double ipp3n_ma = 0.0;
  double ipp4r_ma = 0.0;
  double ipp4w_ma = 0.0;
  double ipp5ab_ma = 0.0;
  // Interface (I/O, termination) energy per transferred bit: not in the reference .ini or the
  // JEDEC IDD spec (it depends on the PHY and board); 0 = not modelled, like DRAMsim3.
  double io_energy_pj_per_bit = 0.0;

  template <class V>
  void visit(V& v) {
    v.param("vdd_v", vdd_v, "Core supply VDD (LPDDR4: VDD2)", "V", {0.0, 5.0});
    v.param("idd0_ma", idd0_ma, "IDD0: one-bank ACT-PRE current per device", "mA", {0, 10000});
    v.param("idd2n_ma", idd2n_ma, "IDD2N: precharged standby", "mA", {0, 10000});
    v.param("idd2p_ma", idd2p_ma, "IDD2P: precharged power-down", "mA", {0, 10000});
    v.param("idd3n_ma", idd3n_ma, "IDD3N: active standby", "mA", {0, 10000});
    v.param("idd3p_ma", idd3p_ma, "IDD3P: active power-down", "mA", {0, 10000});
    v.param("idd4r_ma", idd4r_ma, "IDD4R: burst read", "mA", {0, 10000});
    v.param("idd4w_ma", idd4w_ma, "IDD4W: burst write", "mA", {0, 10000});
    v.param("idd5ab_ma", idd5ab_ma, "IDD5B: all-bank refresh burst", "mA", {0, 10000});
    v.param("idd6_ma", idd6_ma, "IDD6: self refresh (reported, not used: no self refresh)", "mA",
            {0, 10000});
    v.param("vpp_v", vpp_v, "Second supply VPP (LPDDR4: VDD1); 0 disables the ipp_* terms", "V",
            {0.0, 5.0});
    v.param("ipp0_ma", ipp0_ma, "IPP0 (LPDDR4: IDD01)", "mA", {0, 10000});
    v.param("ipp2n_ma", ipp2n_ma, "IPP2N (LPDDR4: IDD2N1)", "mA", {0, 10000});
    v.param("ipp3n_ma", ipp3n_ma, "IPP3N (LPDDR4: IDD3N1)", "mA", {0, 10000});
    v.param("ipp4r_ma", ipp4r_ma, "IPP4R (LPDDR4: IDD4R1)", "mA", {0, 10000});
    v.param("ipp4w_ma", ipp4w_ma, "IPP4W (LPDDR4: IDD4W1)", "mA", {0, 10000});
    v.param("ipp5ab_ma", ipp5ab_ma, "IPP5B (LPDDR4: IDD5AB1)", "mA", {0, 10000});
    v.param("io_energy_pj_per_bit", io_energy_pj_per_bit,
            "Interface energy per bit read or written (0: not modelled)", "pJ/bit", {0, 1000});
  }
};

// Controller policies.
struct DramControllerConfig {
  // DRAMsim3 DDR4_8Gb_x8_2400.ini [system]: FR-FCFS, open page, 32-entry transaction queues,
  // per-bank command queues of 8, address mapping rochrababgco, no hashing.
  std::string scheduler = "frfcfs";
  // Which bank queue issues when several have a ready command: "round_robin" (DRAMsim3's
  // CommandQueue: a rotating pointer over the per-bank queues, the first queue after the last
  // winner with a ready command issues) or "oldest" (row hits before ACT/PRE, then the oldest
  // request; serves the banks with the longest backlog first).
  std::string arbitration = "round_robin";
  std::string page_policy = "open";
  std::string address_mapping = "rochrababgco";
  bool xor_bank_hash = false;
  uint32_t transaction_queue_depth = 32;
  uint32_t command_queue_depth = 8;
  // Write draining: start at the high watermark, stop at the low one when reads wait.
  // DRAMsim3 drains when its write buffer is full (= depth) and stops when it is empty; the
  // low watermark of 8 is its "more than 8 writes and idle" threshold.
  uint32_t write_high_watermark = 32;
  uint32_t write_low_watermark = 8;
  // A bank that served this many row hits may be precharged for an older miss (starvation
  // guard; DRAMsim3 CommandQueue::ArbitratePrecharge uses 4). 0: no limit.
  uint32_t row_hit_cap = 4;
  // JESD79-4 allows up to 8 REF commands to be postponed; DRAMsim3 never postpones, so the
  // DDR4 preset uses 0 to match it. Postponed refreshes are issued when the rank goes idle.
  uint32_t refresh_postpone_max = 0;
  // Power-down, as a real controller does it by default: once a rank has had no request for
  // this many cycles (0: never) it enters power-down (CKE low); it leaves it (PDX, then tXP)
  // for the next request or a due refresh, and re-enters right after that refresh.
  // 512: the reset value of PWRTMG.powerdown_to_x32 in Synopsys' DesignWare uMCTL2, the DDR
  // controller of many SoCs (16 x 32 DFI clocks; Zynq UltraScale+ TRM UG1085 "Power-Saving
  // Features"; STM32MP157's SVD: DDRCTRL_PWRTMG resets to 0x0040_2010); a DFI clock is one
  // DRAM clock at the 1:1 DFI ratio. Intel's client memory controllers enable this "dynamic
  // power-down" (aggressive CKE control) in normal operation too (e.g. Intel Core N-series
  // datasheet vol. 1, 759603, "Dynamic Power-Down"). DRAMsim3 has no power-down at all: the
  // validation against it (docs/dram-validation.md) sets 0.
  uint32_t powerdown_idle_cycles = 512;
  // "precharge": close open rows (PREA, respecting tRAS/tRTP/tWR) and enter precharge
  // power-down (IDD2P), as the uMCTL2 (UG1085: "automatically enters and exits precharge
  // power-down mode based on a programmable idle timeout") and Intel's UniPHY hard controller
  // (External Memory Interface Handbook vol. 3, 683841, "DRAM Power Saving Modes": "close all
  // banks and issue the power-down command") do. "active": keep rows open and
  // enter active power-down (IDD3P) if any is open.
  std::string powerdown_mode = "precharge";
  // SystemC wrapper only: grant DMI (speed over timing accuracy; DMI accesses are untimed and
  // not counted).
  bool allow_dmi = false;

  template <class V>
  void visit(V& v) {
    v.choice("scheduler", scheduler, {"frfcfs", "fcfs"},
             "Command scheduling: FR-FCFS (row hits first) or FCFS per bank");
    v.choice("arbitration", arbitration, {"round_robin", "oldest"},
             "Across bank queues: round robin (DRAMsim3) or row hits first, then oldest");
    v.choice("page_policy", page_policy, {"open", "closed"},
             "Row buffer policy (closed: auto-precharge after every access)");
    v.param("address_mapping", address_mapping,
            "Address fields from MSB to LSB, two letters each: ro ch ra bg ba co");
    v.param("xor_bank_hash", xor_bank_hash,
            "XOR bank and bank-group bits with the low row bits (spreads row conflicts)");
    v.param("transaction_queue_depth", transaction_queue_depth,
            "Read queue and write queue depth per channel (bursts)", "count", {1, 4096});
    v.param("command_queue_depth", command_queue_depth, "Command queue depth per bank", "count",
            {1, 1024});
    v.param("write_high_watermark", write_high_watermark, "Queued writes that start a write drain",
            "count", {1, 4096});
    v.param("write_low_watermark", write_low_watermark,
            "Queued writes at which a drain stops when reads wait", "count", {0, 4096});
    v.param("row_hit_cap", row_hit_cap,
            "Row hits after which an older miss may close the row (0: no limit)", "count",
            {0, 1000000});
    v.param("refresh_postpone_max", refresh_postpone_max,
            "REF commands that may be postponed while a rank is busy (JEDEC: up to 8)", "count",
            {0, 8});
    v.param("powerdown_idle_cycles", powerdown_idle_cycles,
            "Cycles without a request before a rank enters power-down (0: never; 512: uMCTL2 "
            "reset value)",
            "cycles", {0, 1000000000});
    v.choice("powerdown_mode", powerdown_mode, {"precharge", "active"},
             "Power-down kind: precharge (close rows first, IDD2P) or active (rows stay open, "
             "IDD3P)");
    v.param("allow_dmi", allow_dmi,
            "SystemC target grants DMI (fast, untimed, uncounted; for functional runs)");
  }
};

struct DramConfig {
  DramOrgConfig org;
  DramTimingConfig timing;
  DramPowerConfig power;
  DramControllerConfig controller;

  template <class V>
  void visit(V& v) {
    v.section("org", org, "Organisation");
    v.section("timing", timing, "JEDEC timing in DRAM clock cycles");
    v.section("power", power, "Currents and voltages (per device) for the energy model");
    v.section("controller", controller, "Controller policies");
  }

  // Throws config::ConfigError (message "dram: ...") for inconsistent values: tRC < tRAS +
  // tRP, non-power-of-two organisation, bad mapping string, bad watermarks, and so on.
  void validate() const;

  // Derived quantities (valid after validate()).
  uint32_t burst_cycles() const { return org.burst_length / 2; }
  uint32_t burst_bytes() const { return org.bus_width_bits / 8 * org.burst_length; }
  uint32_t devices_per_rank() const { return org.bus_width_bits / org.device_width_bits; }
  uint32_t banks_per_rank() const { return org.bank_groups * org.banks_per_group; }
  uint64_t capacity_bytes() const;
  uint64_t tck_ps() const { return static_cast<uint64_t>(timing.tck_ns * 1000.0 + 0.5); }
  // Peak data bandwidth of all channels, GB/s (1e9 B/s).
  double peak_gbps() const {
    return org.channels * (org.bus_width_bits / 8.0) * 2.0 / timing.tck_ns;
  }
};

// Preset names shipped in configs/dram/ (ddr4-2400, lpddr4-3200, hbm2).
const char* const kPresetNames[] = {"ddr4-2400", "lpddr4-3200", "hbm2"};

// Path of a named preset: looks in $IMCVP_DRAM_PRESETS, then <dir of the running
// binary>/configs/dram and its parents, then the source tree. Empty if not found.
std::string find_preset(const std::string& name);

}  // namespace imcvp::dram
