#include "platform/devicetree.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern "C" {
#include <libfdt.h>
}

#include "models/common/log.h"
#include "models/noc/topology.h"

namespace imcvp::platform {

namespace {

// The NoC's routing algorithm in use, as `imcvp traffic` and the stats report it (e.g.
// "xy+dateline" on a torus, "min+updown_escape" on a custom graph), not the raw noc.routing key
// (which may be empty: the topology's default). A NoC that does not build is the
// configuration's error when it is the interconnect; behind a bus the key is written as given.
std::string noc_routing(const PlatformConfig& cfg) {
  try {
    return noc::Topology(cfg.noc).routing();
  } catch (const noc::NocError&) {
    if (cfg.interconnect_kind() == Interconnect::noc) throw;
    return cfg.noc.routing;
  }
}

// Window sizes and PLIC wiring, as in soc.cpp (docs/memory-map.md).
constexpr uint64_t kSimCtrlSize = 4 << 10;
constexpr uint64_t kClintSize = 64 << 10;
constexpr uint64_t kPlicSize = 64 << 20;
constexpr uint64_t kUartSize = 256;
constexpr uint64_t kTileWindow = 1 << 20;
constexpr uint32_t kUartIrq = 1;
constexpr uint32_t kTileIrqBase = 16;
constexpr uint32_t kUartClockHz = 3686400;  // the SDK's IMCVP_UART0_CLOCK_HZ
constexpr uint32_t kIntcPhandle = 1, kPlicPhandle = 2;

class Writer {
 public:
  Writer() : buf_(64 << 10) {
    check(fdt_create(buf_.data(), static_cast<int>(buf_.size())), "create");
    check(fdt_finish_reservemap(buf_.data()), "reservemap");
  }
  void begin(const std::string& name) { check(fdt_begin_node(buf_.data(), name.c_str()), name); }
  void end() { check(fdt_end_node(buf_.data()), "end_node"); }
  void u32(const char* p, uint32_t v) { check(fdt_property_u32(buf_.data(), p, v), p); }
  void str(const char* p, const std::string& v) {
    check(fdt_property_string(buf_.data(), p, v.c_str()), p);
  }
  void empty(const char* p) { check(fdt_property(buf_.data(), p, nullptr, 0), p); }
  // A string list ("a\0b\0").
  void strs(const char* p, std::initializer_list<const char*> v) {
    std::string s;
    for (const char* x : v) s.append(x).push_back('\0');
    check(fdt_property(buf_.data(), p, s.data(), static_cast<int>(s.size())), p);
  }
  void cells(const char* p, std::initializer_list<uint32_t> v) {
    std::vector<fdt32_t> c;
    for (uint32_t x : v) c.push_back(cpu_to_fdt32(x));
    check(fdt_property(buf_.data(), p, c.data(), static_cast<int>(c.size() * 4)), p);
  }
  // reg with 2 address and 2 size cells.
  void reg(uint64_t base, uint64_t size) {
    cells("reg", {uint32_t(base >> 32), uint32_t(base), uint32_t(size >> 32), uint32_t(size)});
  }
  std::vector<uint8_t> finish() {
    check(fdt_finish(buf_.data()), "finish");
    check(fdt_pack(buf_.data()), "pack");
    buf_.resize(fdt_totalsize(buf_.data()));
    return std::move(buf_);
  }

 private:
  static void check(int err, const std::string& what) {
    if (err < 0) throw std::runtime_error("device tree: " + what + ": " + fdt_strerror(err));
  }
  std::vector<uint8_t> buf_;
};

std::string hexname(const std::string& n, uint64_t a) {
  std::ostringstream os;
  os << n << '@' << std::hex << a;
  return os.str();
}

}  // namespace

std::vector<uint8_t> build_dtb(const PlatformConfig& cfg) {
  Writer w;
  w.begin("");
  w.u32("#address-cells", 2);
  w.u32("#size-cells", 2);
  w.str("compatible", "imcvp,soc");
  w.str("model", "imcvp in-memory-computing SoC");

  w.begin("chosen");
  w.str("stdout-path", hexname("/soc/serial", cfg.uart0.base));
  w.end();

  w.begin("cpus");
  w.u32("#address-cells", 1);
  w.u32("#size-cells", 0);
  w.u32("timebase-frequency", static_cast<uint32_t>(cfg.clint.timebase_hz));
  w.begin("cpu@0");
  w.str("device_type", "cpu");
  w.u32("reg", 0);
  w.str("status", "okay");
  w.str("compatible", "riscv");
  w.str("riscv,isa", "rv32imac_zicsr_zifencei");
  w.u32("clock-frequency", static_cast<uint32_t>(std::llround(cfg.cpu.clock_mhz * 1e6)));
  w.begin("interrupt-controller");
  w.u32("#address-cells", 0);
  w.u32("#interrupt-cells", 1);
  w.empty("interrupt-controller");
  w.str("compatible", "riscv,cpu-intc");
  w.u32("phandle", kIntcPhandle);
  w.end();
  w.end();  // cpu@0
  w.end();  // cpus

  // Host TCM: the RAM firmware runs from (QEMU virt's RAM base).
  w.begin(hexname("memory", cfg.tcm.base));
  w.str("device_type", "memory");
  w.str("compatible", "imcvp,tcm");
  w.reg(cfg.tcm.base, cfg.tcm.size_bytes);
  w.end();
  // DRAM behind the NoC (or the bus).
  w.begin(hexname("memory", cfg.dram.base));
  w.str("device_type", "memory");
  w.str("compatible", "imcvp,dram");
  w.reg(cfg.dram.base, cfg.dram.size_bytes);
  w.u32("imcvp,controllers", cfg.dram.controllers);
  w.u32("imcvp,interleave-bytes", static_cast<uint32_t>(cfg.dram.interleave_bytes));
  w.str("imcvp,model", cfg.dram.model);
  w.str("imcvp,preset", cfg.dram.preset.empty() ? "ddr4-2400" : cfg.dram.preset);
  w.end();

  w.begin("soc");
  w.u32("#address-cells", 2);
  w.u32("#size-cells", 2);
  w.str("compatible", "simple-bus");
  w.empty("ranges");

  w.begin(hexname("rom", cfg.boot_rom.base));
  w.str("compatible", "imcvp,boot-rom");
  w.reg(cfg.boot_rom.base, cfg.boot_rom.size_bytes);
  w.end();

  w.begin(hexname("test", cfg.simctrl.base));
  w.strs("compatible", {"imcvp,simctrl", "sifive,test1", "sifive,test0", "syscon"});
  w.reg(cfg.simctrl.base, kSimCtrlSize);
  w.end();

  w.begin(hexname("clint", cfg.clint.base));
  w.strs("compatible", {"sifive,clint0", "riscv,clint0"});
  w.reg(cfg.clint.base, kClintSize);
  w.cells("interrupts-extended", {kIntcPhandle, 3, kIntcPhandle, 7});  // MSIP, MTIP
  w.end();

  w.begin(hexname("plic", cfg.plic.base));
  w.strs("compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
  w.reg(cfg.plic.base, kPlicSize);
  w.u32("#address-cells", 0);
  w.u32("#interrupt-cells", 1);
  w.empty("interrupt-controller");
  w.cells("interrupts-extended", {kIntcPhandle, 11});  // MEIP, context 0
  w.u32("riscv,ndev", cfg.plic.num_sources - 1);
  w.u32("phandle", kPlicPhandle);
  w.end();

  w.begin(hexname("serial", cfg.uart0.base));
  w.str("compatible", "ns16550a");
  w.reg(cfg.uart0.base, kUartSize);
  w.u32("clock-frequency", kUartClockHz);
  w.u32("interrupt-parent", kPlicPhandle);
  w.u32("interrupts", kUartIrq);
  w.end();

  for (std::size_t i = 0; i < cfg.tiles.size(); ++i) {
    const auto& t = cfg.tiles[i];
    uint64_t base = cfg.imc.tile_base + i * cfg.imc.tile_stride;
    w.begin(hexname("imc", base));
    w.str("compatible", "imcvp,imc-tile");
    w.reg(base, kTileWindow);
    w.u32("interrupt-parent", kPlicPhandle);
    w.u32("interrupts", kTileIrqBase + static_cast<uint32_t>(i));
    w.u32("imcvp,index", static_cast<uint32_t>(i));
    w.str("imcvp,kind", t.kind);
    w.str("imcvp,technology", t.device.technology);
    w.u32("imcvp,rows", t.rows);
    w.u32("imcvp,cols", t.cols);
    w.u32("imcvp,adc-bits", t.adc.bits);
    w.end();
  }

  w.end();  // soc
  w.begin("noc");
  w.str("compatible", "imcvp,noc");
  w.str("imcvp,interconnect", cfg.interconnect);
  w.str("imcvp,topology", cfg.noc.topology);
  const noc::TopologyKind topo = cfg.noc.topology_kind();
  if (topo == noc::TopologyKind::mesh || topo == noc::TopologyKind::torus) {
    w.u32("imcvp,size-x", cfg.noc.size_x);
    w.u32("imcvp,size-y", cfg.noc.size_y);
  } else if (topo == noc::TopologyKind::custom) {
    w.u32("imcvp,nodes", static_cast<uint32_t>(cfg.noc.graph_nodes.size()));
  } else {
    w.u32("imcvp,nodes", cfg.noc.nodes);
  }
  w.str("imcvp,routing", noc_routing(cfg));
  w.end();
  w.end();  // root
  return w.finish();
}

std::vector<std::string> check_platform_note(const ElfImage& img, const PlatformConfig& cfg) {
  std::vector<std::string> out;
  for (const auto& n : img.notes) {
    if (n.name != "imcvp" || n.type != kPlatformNoteType) continue;
    auto word = [&](std::size_t i) -> uint32_t {
      uint32_t v = 0;
      if ((i + 1) * 4 <= n.desc.size()) std::memcpy(&v, n.desc.data() + i * 4, 4);
      return v;
    };
    uint32_t version = word(0);
    if (version != kPlatformNoteVersion || n.desc.size() < 12 * 4) {
      out.push_back("its platform note (.note.imcvp) is version " + std::to_string(version) + " (" +
                    std::to_string(n.desc.size()) +
                    " bytes) from a different SDK; this imcvp reads version " +
                    std::to_string(kPlatformNoteVersion) +
                    ": its addresses cannot be checked (rebuild it against this SDK)");
      return out;
    }
    const bool reads_dt = (word(1) & kNoteFlagReadsDt) != 0;
    auto cmp = [&](const char* what, uint32_t fw, uint64_t conf, const char* key,
                   bool from_dt = false) {
      if (fw == conf || from_dt) return;
      out.push_back(std::string(what) + ": compiled for " + log::hex(fw) + ", but " + key + " = " +
                    log::hex(conf));
    };
    const uint32_t flags = word(1);
    cmp("sim-control", word(2), cfg.simctrl.base, "simctrl.base",
        (flags & kNoteFlagSimctrlFromDt) != 0);
    cmp("CLINT", word(3), cfg.clint.base, "clint.base", (flags & kNoteFlagClintFromDt) != 0);
    cmp("PLIC", word(4), cfg.plic.base, "plic.base", (flags & kNoteFlagPlicFromDt) != 0);
    cmp("UART0", word(5), cfg.uart0.base, "uart0.base", (flags & kNoteFlagUart0FromDt) != 0);
    cmp("IMC tile base", word(6), cfg.imc.tile_base, "imc.tile_base", reads_dt);
    cmp("IMC tile stride", word(7), cfg.imc.tile_stride, "imc.tile_stride", reads_dt);
    cmp("DRAM base", word(8), cfg.dram.base, "dram.base", reads_dt);
    cmp("TCM base", word(9), cfg.tcm.base, "tcm.base");
    if (word(10) > cfg.tcm.size_bytes)
      out.push_back("TCM size: compiled for " + log::hex(word(10)) + ", but tcm.size_bytes = " +
                    log::hex(cfg.tcm.size_bytes) + " (the stack lies outside the TCM)");
    if (word(11) != static_cast<uint32_t>(cfg.clint.timebase_hz))
      out.push_back("mtime frequency: compiled for " + std::to_string(word(11)) +
                    " Hz, but clint.timebase_hz = " + std::to_string(cfg.clint.timebase_hz));
    return out;
  }
  return out;
}

std::string write_dtb(const PlatformConfig& cfg, const std::string& path) {
  std::vector<uint8_t> dtb;
  try {
    dtb = build_dtb(cfg);
  } catch (const std::exception& e) {
    return e.what();
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f)
    f.write(reinterpret_cast<const char*>(dtb.data()), static_cast<std::streamsize>(dtb.size()));
  if (!f.flush()) return "--dump-dtb " + path + ": cannot write the file";
  return {};
}

namespace {

// Properties whose cells hold phandles: interrupt-parent (one), interrupts-extended (a phandle
// and one interrupt cell, repeated: the interrupt controllers here have #interrupt-cells 1).
int phandle_stride(const std::string& prop) {
  if (prop == "interrupt-parent") return 1;
  if (prop == "interrupts-extended") return 2;
  return 0;
}

std::string dts_value(const std::string& pname, const char* v, int len) {
  if (len == 0) return "";
  // A list of printable, NUL-terminated strings?
  bool strings = v[len - 1] == '\0';
  for (int i = 0; strings && i < len; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c == '\0') {
      if (i == 0 || v[i - 1] == '\0') strings = false;
    } else if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      strings = false;
    }
  }
  std::ostringstream os;
  if (strings) {
    for (int i = 0; i < len;) {
      std::string str(v + i);
      os << (i ? ", " : "") << '"' << str << '"';
      i += static_cast<int>(str.size()) + 1;
    }
  } else if (len % 4 == 0) {
    os << '<';
    const int stride = phandle_stride(pname);
    for (int i = 0; i < len; i += 4) {
      uint32_t c;
      std::memcpy(&c, v + i, 4);
      os << (i ? " " : "");
      if (stride && (i / 4) % stride == 0)
        os << "&ph" << fdt32_to_cpu(c);  // the label dts_node gives the node with that phandle
      else
        os << "0x" << std::hex << fdt32_to_cpu(c) << std::dec;
    }
    os << '>';
  } else {
    os << '[';
    for (int i = 0; i < len; ++i) {
      char b[4];
      std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(v[i]));
      os << (i ? " " : "") << b;
    }
    os << ']';
  }
  return " = " + os.str();
}

void dts_node(const void* fdt, int node, int depth, std::ostringstream& os) {
  std::string ind(static_cast<std::size_t>(depth), '\t');
  const char* name = fdt_get_name(fdt, node, nullptr);
  const uint32_t ph = fdt_get_phandle(fdt, node);
  os << ind << (ph ? "ph" + std::to_string(ph) + ": " : std::string()) << (depth == 0 ? "/" : name)
     << " {\n";
  int prop;
  fdt_for_each_property_offset(prop, fdt, node) {
    const char* pname = nullptr;
    int len = 0;
    const char* v = static_cast<const char*>(fdt_getprop_by_offset(fdt, prop, &pname, &len));
    if (std::strcmp(pname, "phandle") == 0) continue;  // dtc assigns it from the label
    os << ind << '\t' << pname << dts_value(pname, v, len) << ";\n";
  }
  int child;
  fdt_for_each_subnode(child, fdt, node) {
    os << '\n';
    dts_node(fdt, child, depth + 1, os);
  }
  os << ind << "};\n";
}

std::string write_file(const std::string& opt, const std::string& path, const void* data,
                       std::size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f) f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!f.flush()) return opt + " " + path + ": cannot write the file";
  return {};
}

}  // namespace

std::string dtb_to_dts(const std::vector<uint8_t>& dtb) {
  std::ostringstream os;
  os << "/dts-v1/;\n\n";
  if (fdt_check_header(dtb.data()) != 0) return os.str();
  dts_node(dtb.data(), 0, 0, os);
  return os.str();
}

std::string config_header(const PlatformConfig& cfg) {
  std::ostringstream os;
  auto def = [&](const char* name, uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%08llxu", static_cast<unsigned long long>(v));
    os << "#define " << name << ' ' << b << '\n';
  };
  os << "/* imcvp platform of the resolved configuration (imcvp run --dump-header): the SDK's\n"
        " * imcvp/platform.h macros as compile-time constants. Include it before imcvp/platform.h\n"
        " * (or -include it). Firmware that reads the device tree does not need it. */\n"
        "#ifndef IMCVP_CONFIG_HEADER_H\n#define IMCVP_CONFIG_HEADER_H\n\n";
  def("IMCVP_BOOTROM_BASE", cfg.boot_rom.base);
  def("IMCVP_SIMCTRL_BASE", cfg.simctrl.base);
  def("IMCVP_CLINT_BASE", cfg.clint.base);
  def("IMCVP_PLIC_BASE", cfg.plic.base);
  def("IMCVP_UART0_BASE", cfg.uart0.base);
  def("IMCVP_DEFAULT_TILE_BASE", cfg.imc.tile_base);
  def("IMCVP_DEFAULT_TILE_STRIDE", cfg.imc.tile_stride);
  def("IMCVP_DEFAULT_DRAM_BASE", cfg.dram.base);
  def("IMCVP_DEFAULT_DRAM_SIZE", cfg.dram.size_bytes);
  def("IMCVP_TCM_BASE", cfg.tcm.base);
  def("IMCVP_TCM_SIZE", cfg.tcm.size_bytes);
  os << "#define IMCVP_MTIME_HZ " << cfg.clint.timebase_hz << "u\n";
  os << "#define IMCVP_PLIC_NUM_SOURCES " << cfg.plic.num_sources << "u\n";
  os << "#define IMCVP_NUM_TILES " << cfg.tiles.size() << "u\n";
  os << "\n#endif /* IMCVP_CONFIG_HEADER_H */\n";
  return os.str();
}

std::string write_platform_files(const PlatformConfig& cfg, const std::string& dtb_path,
                                 const std::string& dts_path, const std::string& header_path) {
  std::vector<uint8_t> dtb;
  try {
    dtb = build_dtb(cfg);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (!dtb_path.empty())
    if (auto e = write_file("--dump-dtb", dtb_path, dtb.data(), dtb.size()); !e.empty()) return e;
  if (!dts_path.empty()) {
    std::string dts = dtb_to_dts(dtb);
    if (auto e = write_file("--dump-dts", dts_path, dts.data(), dts.size()); !e.empty()) return e;
  }
  if (!header_path.empty()) {
    std::string h = config_header(cfg);
    if (auto e = write_file("--dump-header", header_path, h.data(), h.size()); !e.empty()) return e;
  }
  return {};
}

}  // namespace imcvp::platform
