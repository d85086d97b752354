// The whole platform's configuration: one section per model (DESIGN.md §6). Presets in
// configs/ override these in-class defaults; --set overrides the presets.
#pragma once

#include <cstdint>
#include <string>

#include "models/bus/bus.h"
#include "models/cpu/cpu_config.h"
#include "models/periph/clint.h"
#include "models/periph/memory.h"
#include "models/periph/plic.h"
#include "models/periph/simctrl.h"
#include "models/periph/uart16550.h"

namespace imcvp::platform {

struct SimConfig {
  uint64_t seed = 1;
  uint64_t max_time_ns = 0;  // 0: no limit
  uint64_t max_insts = 0;    // 0: no limit
  template <class V>
  void visit(V& v) {
    v.param("seed", seed, "Seed of the simulation's single RNG (same seed, same results)");
    v.param("max_time_ns", max_time_ns,
            "Stop with exit code 80 when simulated time reaches this (0: no limit)", "ns");
    v.param("max_insts", max_insts,
            "Stop with exit code 80 after this many retired instructions (0: no limit)",
            "count");
  }
};

struct PlatformConfig {
  SimConfig sim;
  cpu::CpuConfig cpu;
  bus::BusConfig bus;
  periph::MemoryConfig boot_rom;
  periph::MemoryConfig tcm;
  periph::MemoryConfig dram;
  periph::SimCtrlConfig simctrl;
  periph::ClintConfig clint;
  periph::PlicConfig plic;
  periph::UartConfig uart0;

  PlatformConfig() {
    // Memory map of DESIGN.md §3 (docs/memory-map.md).
    boot_rom.base = 0x1000;
    boot_rom.size_bytes = 4096;
    boot_rom.read_only = true;
    tcm.base = 0x8000'0000;
    tcm.size_bytes = 1 << 20;
    // Until the DRAM controller model lands (issue 5) DRAM is a plain memory.
    dram.base = 0x4000'0000;
    dram.size_bytes = 256ULL << 20;
  }

  template <class V>
  void visit(V& v) {
    v.section("sim", sim, "Simulation control");
    v.section("cpu", cpu, "Host RV32IMAC core");
    v.section("bus", bus, "Host bus (address decoder)");
    v.section("boot_rom", boot_rom, "Boot ROM holding the reset stub");
    v.section("tcm", tcm, "Host tightly coupled SRAM: code, data, stack");
    v.section("dram", dram, "DRAM window (plain memory until the DRAM model lands)");
    v.section("simctrl", simctrl, "Sim-control: test finisher and imcvp extensions");
    v.section("clint", clint, "Core-local interruptor (timer, software interrupt)");
    v.section("plic", plic, "Platform-level interrupt controller");
    v.section("uart0", uart0, "NS16550A UART");
  }
};

}  // namespace imcvp::platform
