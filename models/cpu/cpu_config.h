// Configuration of the host RV32IMAC core (Rv32Core).
#pragma once

#include <cstdint>
#include <string>

#include "models/common/config.h"

namespace imcvp::cpu {

struct CpuConfig {
  double clock_mhz = 1000;      // core clock
  uint32_t quantum_ns = 10000;  // tlm_quantumkeeper global quantum
  bool dmi = true;              // DMI host pointers (false: every access through b_transport)
  uint32_t hartid = 0;
  uint64_t reset_pc = 0x1000;  // boot ROM (docs/memory-map.md); set_reset_pc() overrides
  // Rate of the `time` CSR. Not a parameter of its own: the platform copies the CLINT's
  // timebase_hz here, so `time` and mtime always agree (QEMU virt: 10 MHz).
  double timebase_hz = 10e6;
  std::string misaligned = "trap";  // plain loads/stores: trap | emulate (AMO/LR/SC always trap)
  // After a store that went through b_transport (MMIO), sync the quantum keeper (one delta)
  // so an interrupt line raised by the store is seen by the next instruction.
  bool sync_after_mmio_write = true;
  // Semihosting host file access (SYS_OPEN/REMOVE/RENAME on files other than the console):
  // off when empty; otherwise confined to this existing directory (docs/firmware-guide.md).
  // Console and exit calls always work.
  std::string semihosting_fs;

  // Timing seam: cycles per instruction class. Defaults follow the SiFive E31 Core Complex
  // Manual (RV32IMAC, 5-stage in-order; §"Execution Pipeline"): 1 instruction per cycle,
  // LW 2-cycle and LB/LH 3-cycle result latency, MUL 5-cycle (E31: "MUL... have a 5-cycle
  // result latency" on the iterative config we round to), DIV up to 33 cycles (data dependent
  // in hardware; the worst case is charged here), CSR reads 3 cycles, 3-cycle branch/jump
  // redirect (mispredict) penalty. Result latencies are charged as issue cost (no overlap).
  uint32_t cpi_base = 1;             // ALU, LUI/AUIPC, not-taken branch, fence, nop
  uint32_t load_cycles = 2;          // LW (E31: 2-cycle result latency)
  uint32_t load_sub_cycles = 3;      // LB/LBU/LH/LHU (E31: 3-cycle result latency)
  uint32_t store_cycles = 1;         // stores retire through a store buffer
  uint32_t mul_cycles = 5;           // MUL/MULH/MULHSU/MULHU
  uint32_t div_cycles = 33;          // DIV/DIVU/REM/REMU worst case
  uint32_t branch_taken_cycles = 3;  // taken conditional branch (redirect penalty included)
  uint32_t jump_cycles = 3;          // JAL/JALR (redirect penalty included)
  uint32_t csr_cycles = 3;           // CSR instructions (E31: 3-cycle CSR read latency)
  uint32_t amo_cycles = 4;           // LR/SC/AMO: a read and a write on the bus port
  uint32_t system_cycles = 3;        // ECALL/EBREAK/MRET/WFI/FENCE.I (pipeline flush)
  uint32_t trap_cycles = 3;          // extra cycles to enter a trap or interrupt handler
  // Energy per retired instruction. Order of magnitude for a small in-order RV32 core incl.
  // its fetch from local SRAM in a 22-28 nm node: Schiavone et al., "Slow and steady wins the
  // race? A comparison of ultra-low-power RISC-V cores for IoT applications" (PATMOS 2017)
  // report a few pJ per cycle for the core alone; 10 pJ adds instruction fetch. Replace with
  // your technology's number.
  double energy_per_inst_pj = 10.0;

  template <class V>
  void visit(V& v) {
    v.param("clock_mhz", clock_mhz, "Core clock frequency", "MHz", {1e-3, 1e6});
    v.param("quantum_ns", quantum_ns, "Temporal-decoupling quantum (tlm_quantumkeeper)", "ns",
            {1, 1e9});
    v.param("dmi", dmi, "Use DMI host pointers for memory (false: every access via b_transport)");
    v.param("hartid", hartid, "Value of the mhartid CSR");
    v.param("reset_pc", reset_pc, "Program counter after reset", "address", {0, 4294967295.0});
    v.choice("misaligned", misaligned, {"trap", "emulate"},
             "Misaligned plain loads/stores: trap (address-misaligned exception) or emulate "
             "(split into byte accesses); LR/SC/AMO always trap");
    v.param("sync_after_mmio_write", sync_after_mmio_write,
            "Sync time after each store through b_transport so interrupts it raises are seen "
            "by the next instruction");
    v.param("semihosting_fs", semihosting_fs,
            "Directory that semihosting file calls are confined to (relative guest paths resolve "
            "inside it; paths outside, .. and symlink escapes are refused); empty: no host file "
            "access, only console and exit (same as --semihosting-fs)",
            "path");
    v.param("cpi_base", cpi_base, "Cycles of ALU/upper-immediate/not-taken-branch/fence ops",
            "cycles", {1, 1000});
    v.param("load_cycles", load_cycles, "Cycles of LW (plus target latency)", "cycles", {1, 1000});
    v.param("load_sub_cycles", load_sub_cycles, "Cycles of LB/LBU/LH/LHU (plus target latency)",
            "cycles", {1, 1000});
    v.param("store_cycles", store_cycles, "Cycles of a store (plus target latency)", "cycles",
            {1, 1000});
    v.param("mul_cycles", mul_cycles, "Cycles of MUL/MULH/MULHSU/MULHU", "cycles", {1, 1000});
    v.param("div_cycles", div_cycles, "Cycles of DIV/DIVU/REM/REMU", "cycles", {1, 1000});
    v.param("branch_taken_cycles", branch_taken_cycles, "Cycles of a taken conditional branch",
            "cycles", {1, 1000});
    v.param("jump_cycles", jump_cycles, "Cycles of JAL/JALR", "cycles", {1, 1000});
    v.param("csr_cycles", csr_cycles, "Cycles of a CSR instruction", "cycles", {1, 1000});
    v.param("amo_cycles", amo_cycles, "Cycles of LR/SC/AMO (plus target latency)", "cycles",
            {1, 1000});
    v.param("system_cycles", system_cycles, "Cycles of ECALL/EBREAK/MRET/WFI/FENCE.I", "cycles",
            {1, 1000});
    v.param("trap_cycles", trap_cycles, "Extra cycles to enter a trap/interrupt handler", "cycles",
            {0, 1000});
    v.param("energy_per_inst_pj", energy_per_inst_pj, "Core energy per retired instruction", "pJ",
            {0, 1e6});
  }
};

}  // namespace imcvp::cpu
