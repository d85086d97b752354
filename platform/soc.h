// The SoC: host core, host bus, memories and peripherals, assembled from PlatformConfig.
// Owns a debug initiator for loading images and reading memory after the run.
//
// Limits: one hart; DRAM and NoC are plain memory / absent until their models land; IMC tile
// DMA goes over the host bus.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "models/bus/address_shift.h"
#include "models/bus/interleaver.h"
#include "models/common/interleave.h"
#include "models/common/stats.h"
#include "models/cpu/rv32_core.h"
#include "models/dram/dram_controller.h"
#include "models/imc/imc_tile.h"
#include "models/noc/network.h"
#include "platform/chip_power.h"
#include "platform/elf_loader.h"
#include "platform/platform_config.h"

namespace imcvp::platform {

class Soc : public sc_core::sc_module {
 public:
  Soc(sc_core::sc_module_name name, const PlatformConfig& cfg);

  // Checks that every segment lies inside one memory of the map (throws ElfError otherwise)
  // and queues it; the bytes are written through debug transport (zero-filling .bss) at
  // start of simulation, when all sockets are bound.
  void load_elf(const ElfImage& img);
  // Queues a host file's bytes for addr (--load FILE@ADDR); throws on a missing file or a
  // range outside memory.
  void load_file(const std::string& path, uint64_t addr);
  // Debug reads/writes through the bus; return false if any byte is unmapped.
  bool debug_read(uint64_t addr, void* data, std::size_t len);
  bool debug_write(uint64_t addr, const void* data, std::size_t len);
  // HTIF tohost convention: watch stores to the symbol.
  void watch_tohost(uint32_t addr);
  // The run ends at `t` (--max-time): models that simulate ahead of the kernel stop there.
  void set_end_time(const sc_core::sc_time& t);

  // Adds the interrupt lines (msip, mtip, meip, uart0, tile irqs) to a SystemC trace file
  // (--vcd). Call before the simulation starts.
  void trace_signals(sc_core::sc_trace_file* tf) const;

  cpu::Rv32Core& cpu() { return *cpu_; }
  periph::Uart16550& uart() { return *uart0_; }
  const PlatformConfig& config() const { return cfg_; }
  std::size_t num_tiles() const { return tiles_.size(); }
  imc::ImcTile& tile(std::size_t i) { return *tiles_.at(i); }

 private:
  struct Region {
    std::string name;
    uint64_t base, size;
  };
  const Region* memory_region(uint64_t addr, uint64_t len) const;
  bool debug_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* p, std::size_t len);
  void start_of_simulation() override;
  struct Pending {
    uint64_t addr;
    std::vector<uint8_t> bytes;
    std::string what;
  };
  std::vector<Pending> pending_;
  void write_boot_rom(uint32_t entry);

  PlatformConfig cfg_;
  std::unique_ptr<cpu::Rv32Core> cpu_;
  std::unique_ptr<bus::Bus> bus_;
  std::unique_ptr<periph::Memory> boot_rom_, tcm_;
  // dram.controllers memory controllers (model=timed) or plain memories (model=plain), named
  // "dram" when there is one and dram0.. otherwise; interleaved over the DRAM window.
  std::vector<std::unique_ptr<dram::DramController>> drams_;
  std::vector<std::unique_ptr<periph::Memory>> dram_plains_;
  std::unique_ptr<bus::Interleaver> dram_interleaver_;  // interconnect=bus with several
  Interleave dram_il_;
  std::string dram_name(unsigned i) const;
  // interconnect=noc: the network, the shift from the host bus's NoC window back to global
  // addresses, and the bridge that lets NoC initiators (tile DMA) reach the TCM on the bus.
  std::unique_ptr<noc::Network> noc_;
  std::unique_ptr<bus::AddressShift> to_noc_, noc_to_tcm_;
  void wire_noc();
  // Controller i's target socket, whichever model is configured.
  tlm::tlm_target_socket<>& dram_socket(unsigned i = 0);
  std::unique_ptr<periph::SimCtrl> simctrl_;
  std::unique_ptr<periph::Clint> clint_;
  std::unique_ptr<periph::Plic> plic_;
  std::unique_ptr<periph::Uart16550> uart0_;
  std::vector<std::unique_ptr<imc::ImcTile>> tiles_;
  std::unique_ptr<ChipStats> chip_;
  std::unique_ptr<imc::QueueMonitor> queue_monitor_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> tile_irq_;
  tlm_utils::simple_initiator_socket<Soc> debug_{"debug"};

  sc_core::sc_signal<bool> sig_msip_{"sig_msip"}, sig_mtip_{"sig_mtip"}, sig_meip_{"sig_meip"};
  sc_core::sc_signal<bool> sig_uart_irq_{"sig_uart_irq"};
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> tie_low_;
  std::vector<Region> memories_;
};

}  // namespace imcvp::platform
