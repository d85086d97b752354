// The whole platform's configuration: one section per model (docs/architecture.md,
// "Configuration and statistics"; docs/config-reference.md). Presets in
// configs/ override these in-class defaults; --set overrides the presets.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "models/bus/bus.h"
#include "models/cpu/cpu_config.h"
#include "models/dram/dram_config.h"
#include "models/imc/tile_config.h"
#include "models/noc/noc_config.h"
#include "models/periph/clint.h"
#include "models/periph/memory.h"
#include "models/periph/plic.h"
#include "models/periph/simctrl.h"
#include "models/periph/uart16550.h"
#include "platform/chip_power.h"

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
            "Stop with exit code 80 after this many retired instructions (0: no limit)", "count");
  }
};

// Where the IMC tile windows go (docs/memory-map.md); tile i's PLIC source is 16 + i.
struct TileMapConfig {
  uint64_t tile_base = 0x2000'0000;
  uint64_t tile_stride = 0x10'0000;  // one 1 MiB window per tile
  // Queue deadlock detection (docs/command-queues.md): every tile with queued work blocked in
  // WAIT/BARRIER and no semaphore moving for this long fails those waits. 1 ms is ~10^4 times
  // a tile MVM, far beyond any legitimate pipeline bubble; a modelling choice.
  double queue_deadlock_ns = 1e6;
  template <class V>
  void visit(V& v) {
    v.param("tile_base", tile_base, "Address of tile 0's window", "address");
    v.param("tile_stride", tile_stride, "Distance between tile windows (>= 1 MiB)", "B",
            {1048576.0, 1099511627776.0});
    v.param("queue_deadlock_ns", queue_deadlock_ns,
            "Tile queues all blocked with no semaphore progress for this long = deadlock "
            "(0: off)",
            "ns", {0.0, 1e15});
  }
};

// The DRAM window: either the command-level controller (issue 5) or a plain fixed-latency
// memory for fast functional runs. dram.model as an enum behind a name table (table order =
// enum order; config::find_choice).
enum class DramModel { timed, plain };
inline constexpr const char* kDramModelNames[] = {"timed", "plain"};
static_assert(std::size(kDramModelNames) == static_cast<size_t>(DramModel::plain) + 1,
              "one name per DramModel");

struct DramSection {
  uint64_t base = 0x4000'0000;
  uint64_t size_bytes = 256ULL << 20;  // window mapped on the bus (<= the device capacity)
  std::string model = kDramModelNames[0];
  std::string preset;  // configs/dram/<preset>.yaml, applied before every other dram.device key
  // For model=plain: an unloaded DDR4-2400 closed-bank read, tRCD+CL+burst = 17+17+4 cycles of
  // 0.833 ns (JESD79-4 speed bin 2400R) plus controller overhead: ~40 ns.
  double plain_latency_ns = 40.0;
  // Memory controllers, each with its own device (dram.device) and NoC endpoint (dram0..);
  // the window is interleaved over them in granules of interleave_bytes.
  uint32_t controllers = 1;
  // 256 B: a modelling choice between cache-line (64 B) and page (4 KiB) interleaving, so one
  // tile's 4 KiB DMA stream spreads over every controller; sweep it to study the trade-off.
  uint64_t interleave_bytes = 256;
  dram::DramConfig device;
  // visit() only accepts the table's names; a config built in code with another name is a
  // ConfigError naming the key (it used to select the plain memory silently).
  DramModel model_kind() const {
    if (auto m = config::find_choice<DramModel>(model, kDramModelNames)) return *m;
    throw config::ConfigError("dram.model: unknown DRAM model '" + model + "'");
  }
  template <class V>
  void visit(V& v) {
    v.param("base", base, "Base address of the DRAM window", "address");
    v.param("size_bytes", size_bytes, "Size of the window on the bus (at most the capacity)", "B",
            {4096, 1099511627776.0});
    v.choice("model", model, {kDramModelNames[0], kDramModelNames[1]},
             "timed: command-level controller with JEDEC timing and energy; plain: fixed-latency "
             "memory with DMI (fast, untimed)");
    v.param("preset", preset,
            "DRAM preset applied before the other dram.device keys: ddr4-2400, lpddr4-3200, "
            "hbm2 (configs/dram/); empty: the built-in DDR4-2400 defaults");
    v.param("plain_latency_ns", plain_latency_ns, "Access latency of model=plain", "ns", {0, 1e6});
    v.param("controllers", controllers,
            "Memory controllers (each with its own dram.device and NoC endpoint dram<i>); the "
            "window is interleaved over them",
            "count", {1, 64});
    v.param("interleave_bytes", interleave_bytes,
            "Interleave granule over the controllers (power of two)", "B", {64, 1073741824.0});
    v.section("device", device, "DRAM device and controller (model=timed; docs/dram-model.md)");
  }
};

// Calibration presets named after published silicon (configs/tech/*.yaml,
// docs/energy-calibration.md): a preset's top-level `calibration:` key names the chip whose
// figures it reproduces; a name outside this table is a config error (file:line:col). A label
// only: the preset's numbers are its other keys.
// Where DRAM and the tiles sit: behind the network-on-chip or on the host bus.
enum class Interconnect { noc, bus };
inline constexpr const char* kInterconnectNames[] = {"noc", "bus"};

enum class Calibration { none, ibm_hermes, chih_isscc2021, hung_natelectron2021 };
inline constexpr const char* kCalibrationNames[] = {"none", "ibm-hermes", "chih-isscc2021",
                                                    "hung-natelectron2021"};
static_assert(std::size(kCalibrationNames) ==
                  static_cast<size_t>(Calibration::hung_natelectron2021) + 1,
              "one name per Calibration");

struct PlatformConfig {
  SimConfig sim;
  cpu::CpuConfig cpu;
  bus::BusConfig bus;
  periph::MemoryConfig boot_rom;
  periph::MemoryConfig tcm;
  DramSection dram;
  periph::SimCtrlConfig simctrl;
  periph::ClintConfig clint;
  periph::PlicConfig plic;
  periph::UartConfig uart0;
  TileMapConfig imc;
  std::vector<imc::TileConfig> tiles;
  // noc: DRAM, tiles and tile DMA sit behind the network-on-chip (docs/architecture.md); bus: they
  // hang off the host bus directly (no NoC timing or energy; faster).
  std::string interconnect = "noc";
  noc::NocConfig noc;
  ChipConfig chip;
  std::string calibration = kCalibrationNames[0];

  // visit() only accepts the tables' names; a config built in code with another name is a
  // ConfigError naming the key.
  Calibration calibration_kind() const {
    if (auto c = config::find_choice<Calibration>(calibration, kCalibrationNames)) return *c;
    throw config::ConfigError("calibration: unknown chip '" + calibration + "'");
  }
  Interconnect interconnect_kind() const {
    if (auto i = config::find_choice<Interconnect>(interconnect, kInterconnectNames)) return *i;
    throw config::ConfigError("interconnect: unknown interconnect '" + interconnect + "'");
  }

  PlatformConfig() {
    // The memory map of docs/memory-map.md.
    // 60 KiB like QEMU virt's mrom (0x1000..0x10000): the reset stub and the device tree
    // (docs/memory-map.md; ~300 B per tile).
    boot_rom.base = 0x1000;
    boot_rom.size_bytes = 0xf000;
    boot_rom.read_only = true;
    tcm.base = 0x8000'0000;
    tcm.size_bytes = 1 << 20;
    // Two tiles: the default analog PCM crossbar and a digital SRAM-IMC tile, both 256 x 256
    // (HERMES-sized). Commands cost simulation time only when firmware uses them.
    tiles.resize(2);
    tiles[1].kind = "digital";
    tiles[1].device.technology = "sram";
  }

  template <class V>
  void visit(V& v) {
    v.section("sim", sim, "Simulation control");
    v.section("cpu", cpu, "Host RV32IMAC core");
    v.section("bus", bus, "Host bus (address decoder)");
    v.section("boot_rom", boot_rom, "Boot ROM holding the reset stub");
    v.section("tcm", tcm, "Host tightly coupled SRAM: code, data, stack");
    v.section("dram", dram, "DRAM window and subsystem");
    v.section("simctrl", simctrl, "Sim-control: test finisher and imcvp extensions");
    v.section("clint", clint, "Core-local interruptor (timer, software interrupt)");
    v.section("plic", plic, "Platform-level interrupt controller");
    v.section("uart0", uart0, "NS16550A UART");
    v.section("imc", imc, "IMC tile address map");
    v.list("tiles", tiles, "IMC tiles (tile i at imc.tile_base + i*imc.tile_stride, PLIC 16+i)");
    v.choice("interconnect", interconnect, {kInterconnectNames[0], kInterconnectNames[1]},
             "noc: DRAM and tiles behind the network-on-chip (host at endpoint 'host'); bus: all "
             "on the host bus");
    v.section("noc", noc,
              "Network-on-chip (interconnect=noc). Endpoints 'host', 'dram', 'tile<i>' are "
              "placed by noc.endpoints or by default: host node 0, dram the last node, tiles the "
              "free nodes from 1 (docs/noc-model.md)");
    v.section("chip", chip,
              "Host-side area and static power: host core, TCM, DRAM interfaces "
              "(docs/imc-model.md, \"Chip area, static power and efficiency\")");
    v.choice(
        "calibration", calibration,
        {kCalibrationNames[0], kCalibrationNames[1], kCalibrationNames[2], kCalibrationNames[3]},
        "Published chip a configs/tech preset is calibrated to (label; "
        "docs/energy-calibration.md)");
  }
};

}  // namespace imcvp::platform
