#include "platform/soc.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "models/common/config.h"
#include "models/common/log.h"
#include "models/common/run_control.h"
#include "platform/devicetree.h"

namespace imcvp::platform {

namespace {
// Window sizes of the devices (docs/memory-map.md).
constexpr uint64_t kSimCtrlSize = 4 << 10;
constexpr uint64_t kClintSize = 64 << 10;
constexpr uint64_t kPlicSize = 64 << 20;
constexpr uint64_t kUartSize = 256;
constexpr unsigned kUartIrq = 1;       // PLIC source of UART0
constexpr unsigned kTileIrqBase = 16;  // PLIC source of tile i: 16 + i
}  // namespace

namespace {
// The RV32 core addresses 4 GiB: a window that ends past it cannot be reached (and a memory
// that large is not allocated). Checked before any memory is allocated.
void check_32bit_windows(const PlatformConfig& c) {
  auto check = [](const std::string& key, uint64_t base, uint64_t size) {
    constexpr uint64_t kTop = 1ULL << 32;
    if (base >= kTop || size > kTop - base)
      throw config::ConfigError(
          key + ": window [" + log::hex(base) + ", " + log::hex(base + size) +
          ") crosses the end of the 32-bit address space (4 GiB at 0x100000000); make " + key +
          ".base + " + key + ".size_bytes at most 0x100000000");
  };
  check("boot_rom", c.boot_rom.base, c.boot_rom.size_bytes);
  check("tcm", c.tcm.base, c.tcm.size_bytes);
  check("dram", c.dram.base, c.dram.size_bytes);
  check("simctrl", c.simctrl.base, kSimCtrlSize);
  check("clint", c.clint.base, kClintSize);
  check("plic", c.plic.base, kPlicSize);
  check("uart0", c.uart0.base, kUartSize);
  if (!c.tiles.empty()) {
    const uint64_t n = c.tiles.size();
    if (c.imc.tile_stride > ((1ULL << 32) / n))
      throw config::ConfigError("imc: " + std::to_string(n) + " tile windows of stride " +
                                std::to_string(c.imc.tile_stride) +
                                " B cross the end of the 32-bit address space (4 GiB)");
    check("imc (tile windows)", c.imc.tile_base,
          (n - 1) * c.imc.tile_stride + imc::ImcTile::kWindowSize);
  }
}
}  // namespace

Soc::Soc(sc_core::sc_module_name name, const PlatformConfig& cfg) : sc_module(name), cfg_(cfg) {
  check_32bit_windows(cfg_);
  cfg_.simctrl.seed = cfg_.sim.seed;
  cfg_.cpu.timebase_hz = static_cast<double>(cfg_.clint.timebase_hz);  // time CSR == mtime
  cpu_ = std::make_unique<cpu::Rv32Core>("cpu", cfg_.cpu);
  bus_ = std::make_unique<bus::Bus>("bus", cfg_.bus);
  boot_rom_ = std::make_unique<periph::Memory>("boot_rom", cfg_.boot_rom);
  tcm_ = std::make_unique<periph::Memory>("tcm", cfg_.tcm);
  const unsigned nctl = cfg_.dram.controllers;
  dram_il_ = Interleave{cfg_.dram.base, cfg_.dram.size_bytes, cfg_.dram.interleave_bytes, nctl};
  if (nctl > 1) {
    try {
      dram_il_.validate("dram");
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError(std::string("dram.interleave_bytes: ") + e.what());
    }
  }
  const DramModel dram_model = cfg_.dram.model_kind();
  for (unsigned i = 0; i < nctl; ++i) {
    if (dram_model == DramModel::timed) {
      drams_.push_back(
          std::make_unique<dram::DramController>(dram_name(i).c_str(), cfg_.dram.device));
      if (dram_il_.per_target() > drams_.back()->capacity())
        throw config::ConfigError(
            "dram.size_bytes: window of " + std::to_string(cfg_.dram.size_bytes) + " B" +
            (nctl > 1 ? " (" + std::to_string(dram_il_.per_target()) + " B per controller)"
                      : std::string()) +
            " exceeds the device capacity of " + std::to_string(drams_.back()->capacity()) + " B");
    } else {
      periph::MemoryConfig m;
      m.base = nctl > 1 ? 0 : cfg_.dram.base;
      m.size_bytes = dram_il_.per_target();
      m.latency_ns = cfg_.dram.plain_latency_ns;
      dram_plains_.push_back(std::make_unique<periph::Memory>(dram_name(i).c_str(), m));
    }
  }
  simctrl_ = std::make_unique<periph::SimCtrl>("simctrl", cfg_.simctrl);
  clint_ = std::make_unique<periph::Clint>("clint", cfg_.clint);
  plic_ = std::make_unique<periph::Plic>("plic", cfg_.plic);
  uart0_ = std::make_unique<periph::Uart16550>("uart0", cfg_.uart0);
  if (cfg_.imc.tile_stride < imc::ImcTile::kWindowSize)
    throw config::ConfigError("imc.tile_stride: must be at least the 1 MiB tile window");
  if (!cfg_.tiles.empty() && kTileIrqBase + cfg_.tiles.size() > cfg_.plic.num_sources)
    throw config::ConfigError("tiles: " + std::to_string(cfg_.tiles.size()) +
                              " tiles need PLIC sources up to " +
                              std::to_string(kTileIrqBase + cfg_.tiles.size() - 1) +
                              " but plic.num_sources is " + std::to_string(cfg_.plic.num_sources));
  for (std::size_t i = 0; i < cfg_.tiles.size(); ++i) {
    std::string n = "tile" + std::to_string(i);
    try {
      // One RNG stream per tile, derived from the simulation seed and the tile index.
      tiles_.push_back(std::make_unique<imc::ImcTile>(
          n.c_str(), cfg_.tiles[i], static_cast<unsigned>(i), imc::derive_seed(cfg_.sim.seed, i)));
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError("tiles[" + std::to_string(i) + "]: " + e.what());
    }
  }
  if (!tiles_.empty()) {
    queue_monitor_ = std::make_unique<imc::QueueMonitor>(
        "queue_monitor", sc_core::sc_time(cfg_.imc.queue_deadlock_ns, sc_core::SC_NS));
    for (auto& t : tiles_)
      t->connect_queues(cfg_.imc.tile_base, cfg_.imc.tile_stride,
                        static_cast<unsigned>(tiles_.size()), queue_monitor_.get());
  }

  // Address map: the order of add_target() is the order of initiator_socket bindings.
  // Bus initiators: 0 cpu, 1 debug, then (interconnect=bus) tile i's DMA at 2+i or
  // (interconnect=noc) the NoC's bridge to the TCM at 2.
  try {
    bus_->add_target("boot_rom", cfg_.boot_rom.base, cfg_.boot_rom.size_bytes);
    bus_->initiator_socket.bind(boot_rom_->socket);
    bus_->add_target("simctrl", cfg_.simctrl.base, kSimCtrlSize);
    bus_->initiator_socket.bind(simctrl_->socket);
    bus_->add_target("clint", cfg_.clint.base, kClintSize);
    bus_->initiator_socket.bind(clint_->socket);
    bus_->add_target("plic", cfg_.plic.base, kPlicSize);
    bus_->initiator_socket.bind(plic_->socket);
    bus_->add_target("uart0", cfg_.uart0.base, kUartSize);
    bus_->initiator_socket.bind(uart0_->socket);
    bus_->add_target("tcm", cfg_.tcm.base, cfg_.tcm.size_bytes);
    bus_->initiator_socket.bind(tcm_->socket);
    if (cfg_.interconnect_kind() == Interconnect::noc) {
      wire_noc();
    } else {
      bus_->add_target("dram", cfg_.dram.base, cfg_.dram.size_bytes);
      if (nctl == 1) {
        bus_->initiator_socket.bind(dram_socket());
      } else {
        // The bus hands window offsets: interleave them over the controllers.
        Interleave il = dram_il_;
        il.base = 0;
        dram_interleaver_ = std::make_unique<bus::Interleaver>("dram_interleaver", il);
        bus_->initiator_socket.bind(dram_interleaver_->target_socket);
        for (unsigned i = 0; i < nctl; ++i)
          dram_interleaver_->initiator_socket.bind(dram_socket(i));
      }
      for (std::size_t i = 0; i < tiles_.size(); ++i) {
        bus_->add_target("tile" + std::to_string(i), cfg_.imc.tile_base + i * cfg_.imc.tile_stride,
                         imc::ImcTile::kWindowSize);
        bus_->initiator_socket.bind(tiles_[i]->socket);
      }
    }
  } catch (const std::invalid_argument& e) {
    // Overlapping or empty windows, endpoints on missing nodes: all come from the config.
    throw config::ConfigError(std::string("memory map: ") + e.what());
  }
  memories_ = {{"boot_rom", cfg_.boot_rom.base, cfg_.boot_rom.size_bytes},
               {"tcm", cfg_.tcm.base, cfg_.tcm.size_bytes},
               {"dram", cfg_.dram.base, cfg_.dram.size_bytes}};

  cpu_->bus.bind(bus_->target_socket);
  bus_->name_initiator(0, "cpu");
  debug_.bind(bus_->target_socket);
  bus_->name_initiator(1, "debug");
  cpu_->set_traffic_sink(&bus_->dmi_sink(0));
  if (cfg_.interconnect_kind() == Interconnect::bus) {
    for (std::size_t i = 0; i < tiles_.size(); ++i) {
      tiles_[i]->dma.bind(bus_->target_socket);
      bus_->name_initiator(static_cast<int>(2 + i), "tile" + std::to_string(i) + ".dma");
    }
  } else {
    noc_to_tcm_->initiator_socket.bind(bus_->target_socket);
    bus_->name_initiator(2, "noc");
  }

  clint_->msip(sig_msip_);
  clint_->mtip(sig_mtip_);
  cpu_->irq_msip(sig_msip_);
  cpu_->irq_mtip(sig_mtip_);
  plic_->meip(sig_meip_);
  cpu_->irq_meip(sig_meip_);
  uart0_->irq(sig_uart_irq_);
  // Every PLIC input must be bound: UART0 and the tiles on their sources, the rest tied low.
  for (std::size_t i = 0; i < tiles_.size(); ++i) {
    tile_irq_.push_back(std::make_unique<sc_core::sc_signal<bool>>(
        ("sig_tile" + std::to_string(i) + "_irq").c_str()));
    tiles_[i]->irq(*tile_irq_.back());
  }
  for (unsigned i = 0; i < plic_->irq_in.size(); ++i) {
    if (i == kUartIrq) {
      plic_->irq_in[i](sig_uart_irq_);
    } else if (i >= kTileIrqBase && i - kTileIrqBase < tiles_.size()) {
      plic_->irq_in[i](*tile_irq_[i - kTileIrqBase]);
    } else {
      tie_low_.push_back(
          std::make_unique<sc_core::sc_signal<bool>>(sc_core::sc_gen_unique_name("tie_low")));
      plic_->irq_in[i](*tie_low_.back());
    }
  }
  // Chip area, static power and three-level efficiency (platform/chip_power.h).
  std::vector<DramInterface> dram_ifs(drams_.size());
  for (DramInterface& d : dram_ifs) {
    const auto& org = cfg_.dram.device.org;
    d = DramInterface{org.channels, org.bus_width_bits, org.device_width_bits,
                      cfg_.dram.device.timing.tck_ns};
  }
  chip_ = std::make_unique<ChipStats>(std::string(this->name()) + ".chip", cfg_.chip,
                                      cfg_.tcm.size_bytes, dram_ifs);
}

void Soc::set_end_time(const sc_core::sc_time& t) {
  if (noc_) noc_->set_end_time(t);
}

tlm::tlm_target_socket<>& Soc::dram_socket(unsigned i) {
  if (!drams_.empty()) return drams_.at(i)->socket;
  return dram_plains_.at(i)->socket;
}

std::string Soc::dram_name(unsigned i) const {
  return cfg_.dram.controllers == 1 ? std::string("dram") : "dram" + std::to_string(i);
}

// DRAM and tiles behind the NoC. The host bus maps one window covering them and hands the NoC
// window offsets, so an AddressShift restores global addresses; the NoC decodes those and hands
// each target its own offsets. Tile DMA enters the NoC at the tile's node; its accesses to the
// TCM leave the NoC at the host node through a second AddressShift into the host bus.
void Soc::wire_noc() {
  noc::NocConfig ncfg = cfg_.noc;
  if (ncfg.router.vnets < 2)
    throw config::ConfigError(
        "noc.router.vnets: the SoC needs 2 virtual networks (requests and "
        "responses; protocol-deadlock freedom)");
  try {
    noc_ = std::make_unique<noc::Network>("noc", ncfg);
  } catch (const std::exception& e) {
    std::string what = e.what();
    throw config::ConfigError(what.rfind("noc", 0) == 0 ? what : "noc: " + what);
  }
  const unsigned nodes = ncfg.node_count();
  // Placement: noc.endpoints first, then defaults (host 0, dram last, tiles on free nodes).
  std::map<std::string, unsigned> place;
  for (const auto& e : ncfg.endpoints) place[e.name] = e.node;
  std::vector<bool> used(nodes, false);
  auto take = [&](const std::string& name, unsigned preferred) {
    if (!place.count(name)) {
      unsigned n = preferred;
      if (n >= nodes || used[n]) {
        n = 0;
        while (n < nodes && used[n]) ++n;
        if (n == nodes) n = preferred % nodes;  // more endpoints than nodes: share NIs
      }
      place[name] = n;
    }
    if (place[name] >= nodes)
      throw config::ConfigError("noc.endpoints: '" + name + "' on node " +
                                std::to_string(place[name]) + ", but the network has " +
                                std::to_string(nodes) + " nodes");
    used[place[name]] = true;
    return place[name];
  };
  // noc::Network has already rejected endpoints on missing nodes.
  for (const auto& e : ncfg.endpoints) used[e.node] = true;
  const unsigned host = take("host", 0);
  // Controllers spread from the last node backwards (one controller: the last node).
  const unsigned nctl = cfg_.dram.controllers;
  std::vector<unsigned> dram_nodes;
  for (unsigned i = 0; i < nctl; ++i)
    dram_nodes.push_back(take(dram_name(i), nodes - 1 - (i * nodes / nctl) % nodes));
  std::vector<unsigned> tile_nodes;
  for (std::size_t i = 0; i < tiles_.size(); ++i)
    tile_nodes.push_back(take("tile" + std::to_string(i), static_cast<unsigned>(1 + i)));
  for (const auto& e : ncfg.endpoints) {
    bool known = e.name == "host";
    for (unsigned i = 0; i < nctl; ++i) known = known || e.name == dram_name(i);
    for (std::size_t i = 0; i < tiles_.size(); ++i)
      known = known || e.name == "tile" + std::to_string(i);
    if (!known)
      throw config::ConfigError(
          "noc.endpoints: unknown endpoint '" + e.name + "' (this SoC has host, " +
          (nctl == 1 ? std::string("dram") : "dram0..dram" + std::to_string(nctl - 1)) +
          (tiles_.empty() ? std::string() : ", tile0..tile" + std::to_string(tiles_.size() - 1)) +
          ")");
  }

  // The host bus window onto the NoC: DRAM and the tile windows.
  uint64_t lo = cfg_.dram.base, hi = cfg_.dram.base + cfg_.dram.size_bytes;
  if (!tiles_.empty()) {
    lo = std::min<uint64_t>(lo, cfg_.imc.tile_base);
    hi = std::max<uint64_t>(hi, cfg_.imc.tile_base + (tiles_.size() - 1) * cfg_.imc.tile_stride +
                                    imc::ImcTile::kWindowSize);
  }
  to_noc_ = std::make_unique<bus::AddressShift>("to_noc", lo);
  bus_->add_target("noc", lo, hi - lo);
  bus_->initiator_socket.bind(to_noc_->target_socket);
  noc_->add_initiator("host", host);
  to_noc_->initiator_socket.bind(noc_->target_socket);

  // NoC targets (global addresses).
  if (nctl == 1) {
    noc_->add_target("dram", dram_nodes[0], cfg_.dram.base, cfg_.dram.size_bytes);
    noc_->initiator_socket.bind(dram_socket());
  } else {
    for (unsigned i = 0; i < nctl; ++i) {
      noc_->add_interleaved_target(dram_name(i), dram_nodes[i], dram_il_, i);
      noc_->initiator_socket.bind(dram_socket(i));
    }
  }
  for (std::size_t i = 0; i < tiles_.size(); ++i) {
    noc_->add_target("tile" + std::to_string(i), tile_nodes[i],
                     cfg_.imc.tile_base + i * cfg_.imc.tile_stride, imc::ImcTile::kWindowSize);
    noc_->initiator_socket.bind(tiles_[i]->socket);
  }
  noc_to_tcm_ = std::make_unique<bus::AddressShift>("noc_to_tcm", cfg_.tcm.base);
  noc_->add_target("host", host, cfg_.tcm.base, cfg_.tcm.size_bytes);
  noc_->initiator_socket.bind(noc_to_tcm_->target_socket);

  // NoC initiators: tile DMA engines at their tiles' nodes.
  for (std::size_t i = 0; i < tiles_.size(); ++i) {
    noc_->add_initiator("tile" + std::to_string(i) + ".dma", tile_nodes[i]);
    tiles_[i]->dma.bind(noc_->target_socket);
  }
}

const Soc::Region* Soc::memory_region(uint64_t addr, uint64_t len) const {
  for (const auto& r : memories_)
    if (addr >= r.base && len <= r.size && addr - r.base <= r.size - len) return &r;
  return nullptr;
}

bool Soc::debug_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* p, std::size_t len) {
  while (len > 0) {
    tlm::tlm_generic_payload gp;
    gp.set_command(cmd);
    gp.set_address(addr);
    gp.set_data_ptr(p);
    gp.set_data_length(static_cast<unsigned>(std::min<std::size_t>(len, 1 << 16)));
    gp.set_streaming_width(gp.get_data_length());
    unsigned n = debug_->transport_dbg(gp);
    if (n == 0) return false;
    addr += n;
    p += n;
    len -= n;
  }
  return true;
}

bool Soc::debug_write(uint64_t addr, const void* data, std::size_t len) {
  // transport_dbg does not write through the pointer of a write command.
  return debug_access(tlm::TLM_WRITE_COMMAND, addr,
                      const_cast<uint8_t*>(static_cast<const uint8_t*>(data)), len);
}

bool Soc::debug_read(uint64_t addr, void* data, std::size_t len) {
  return debug_access(tlm::TLM_READ_COMMAND, addr, static_cast<uint8_t*>(data), len);
}

void Soc::load_elf(const ElfImage& img) {
  auto map_text = [&] {
    std::ostringstream os;
    for (const auto& r : memories_)
      os << " " << r.name << " [" << log::hex(r.base) << ", " << log::hex(r.base + r.size) << ")";
    return os.str();
  };
  for (std::size_t i = 0; i < img.segments.size(); ++i) {
    const auto& s = img.segments[i];
    if (!memory_region(s.paddr, s.memsz)) {
      std::ostringstream os;
      os << img.path << ": segment [" << log::hex(s.paddr) << ", "
         << log::hex(uint64_t(s.paddr) + s.memsz)
         << ") lies outside memory; the memory map has:" << map_text();
      throw ElfError(os.str(), exit_code::bad_firmware);
    }
  }
  if (!memory_region(img.entry, 2))
    throw ElfError(img.path + ": entry point " + log::hex(img.entry) + " is outside memory",
                   exit_code::bad_firmware);
  for (const auto& s : img.segments) {
    Pending p{s.paddr, s.data, img.path + ": segment at " + log::hex(s.paddr)};
    p.bytes.resize(s.memsz, 0);  // .bss
    pending_.push_back(std::move(p));
  }
  write_boot_rom(img.entry);
}

void Soc::start_of_simulation() {
  for (const auto& p : pending_) {
    if (!debug_write(p.addr, p.bytes.data(), p.bytes.size())) {
      RunControl::get().request_stop(StopReason::internal_error, exit_code::internal,
                                     "loading " + p.what + " through debug transport failed");
      return;
    }
  }
  pending_.clear();
}

void Soc::write_boot_rom(uint32_t entry) {
  // The reset stub of docs/memory-map.md (same shape as QEMU virt's): a0 = hartid, a1 = the
  // device tree (platform/devicetree.h), which follows the stub in the boot ROM.
  static_assert(kDtbRomOffset == 0x40, "the addi below encodes the DTB offset");
  const uint32_t stub[] = {
      0x00000297,  // auipc t0, 0
      0xf1402573,  // csrr  a0, mhartid
      0x04028593,  // addi  a1, t0, 0x40   (the DTB)
      0x0182a283,  // lw    t0, 24(t0)
      0x00028067,  // jr    t0
      0x00000013,  // nop
      entry,       // .word entry  (offset 24)
  };
  if (!memory_region(cfg_.boot_rom.base, sizeof stub))
    throw config::ConfigError(
        "boot_rom.size_bytes: the boot ROM (" + std::to_string(cfg_.boot_rom.size_bytes) +
        " B) is too small for the " + std::to_string(sizeof stub) + " B reset stub");
  std::vector<uint8_t> dtb = build_dtb(cfg_);
  if (kDtbRomOffset + dtb.size() > cfg_.boot_rom.size_bytes)
    throw config::ConfigError(
        "boot_rom.size_bytes: the device tree (" + std::to_string(dtb.size()) + " B at offset " +
        std::to_string(kDtbRomOffset) + ") does not fit the " +
        std::to_string(cfg_.boot_rom.size_bytes) + " B boot ROM; make it at least " +
        std::to_string(kDtbRomOffset + dtb.size()));
  Pending p{cfg_.boot_rom.base, {}, "boot ROM reset stub and device tree"};
  p.bytes.resize(kDtbRomOffset + dtb.size());
  std::memcpy(p.bytes.data(), stub, sizeof stub);
  std::memcpy(p.bytes.data() + kDtbRomOffset, dtb.data(), dtb.size());
  pending_.push_back(std::move(p));
  cpu_->set_reset_pc(static_cast<uint32_t>(cfg_.cpu.reset_pc));
}

void Soc::load_file(const std::string& path, uint64_t addr) {
  // A regular file no larger than the memory at addr, checked before reading (--load
  // /dev/zero@ADDR would read forever).
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    throw ElfError("--load " + path + ": cannot open file", exit_code::no_input);
  if (!std::filesystem::is_regular_file(st))
    throw ElfError("--load " + path +
                       ": not a regular file (directories, devices and pipes "
                       "are refused)",
                   exit_code::no_input);
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw ElfError("--load " + path + ": cannot read: " + ec.message(), exit_code::no_input);
  if (!memory_region(addr, size))
    throw ElfError("--load " + path + "@" + log::hex(addr) + ": " + std::to_string(size) +
                       " bytes do not fit in one memory",
                   exit_code::bad_firmware);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ElfError("--load " + path + ": cannot open file", exit_code::no_input);
  std::vector<uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (in.bad() || static_cast<uint64_t>(in.gcount()) != size)
    throw ElfError("--load " + path + ": error reading file", exit_code::no_input);
  if (!memory_region(addr, bytes.size()))
    throw ElfError("--load " + path + "@" + log::hex(addr) + ": " + std::to_string(bytes.size()) +
                       " bytes do not fit in one memory",
                   exit_code::bad_firmware);
  pending_.push_back({addr, std::move(bytes), "--load " + path});
}

void Soc::watch_tohost(uint32_t addr) {
  cpu_->set_store_watch(addr, 8, [addr](uint32_t a, uint32_t value) {
    if (a != addr || value == 0) return;  // the upper word or a clear
    if ((value & 1) == 0) {
      log::warn("tohost", "HTIF syscall (even value ", log::hex(value), ") not supported; ignored");
      return;
    }
    uint32_t test = value >> 1;
    if (test == 0) {
      RunControl::get().request_stop(StopReason::tohost, 0, "tohost: pass");
    } else {
      int code = static_cast<int>(test & 0xff);
      RunControl::get().request_stop(StopReason::tohost, code ? code : 1,
                                     "tohost: test " + std::to_string(test) + " failed");
    }
  });
}

void Soc::trace_signals(sc_core::sc_trace_file* tf) const {
  sc_core::sc_trace(tf, sig_msip_, "irq.msip");
  sc_core::sc_trace(tf, sig_mtip_, "irq.mtip");
  sc_core::sc_trace(tf, sig_meip_, "irq.meip");
  sc_core::sc_trace(tf, sig_uart_irq_, "irq.uart0");
  for (std::size_t i = 0; i < tile_irq_.size(); ++i)
    sc_core::sc_trace(tf, *tile_irq_[i], "irq.tile" + std::to_string(i));
}

}  // namespace imcvp::platform
