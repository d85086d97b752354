// A tiny SystemC bench for Rv32Core: one target that holds RAM (DMI-capable), a boot ROM
// region (read-only, DMI read only) and a test device (MMIO: exit, interrupt lines, a timer,
// a console), counting its b_transport traffic; it is also the core's TrafficSink.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/run_control.h"
#include "models/common/traffic_sink.h"
#include "models/cpu/rv32_core.h"

namespace imcvp::test {

constexpr uint32_t kRamBase = 0x80000000u;
constexpr uint32_t kRamSize = 1u << 20;
constexpr uint32_t kRomBase = 0x00001000u;
constexpr uint32_t kRomSize = 0x1000u;
constexpr uint32_t kDevBase = 0x10000000u;
// Device registers (offsets).
constexpr uint32_t kDevExit = 0x0;         // write: stop with StopReason::finisher, code = value
constexpr uint32_t kDevIrq = 0x4;          // write: bit0 msip, bit1 mtip, bit2 meip levels
constexpr uint32_t kDevTimer = 0x8;        // write N: raise mtip after N ns
constexpr uint32_t kDevPutc = 0xC;         // write: append a byte to `console`
constexpr uint32_t kDevScratch = 0x10;     // read/write scratch register
constexpr uint32_t kDevInvalidate = 0x14;  // write: invalidate all DMI pointers
constexpr uint32_t kDevSlow = 0x18;        // read: the target calls wait(100 ns) (not LT style)

struct Bench : sc_core::sc_module, TrafficSink {
  tlm_utils::simple_target_socket<Bench> sock{"sock"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> msip{"msip"}, mtip{"mtip"}, meip{"meip"};
  std::vector<uint8_t> ram = std::vector<uint8_t>(kRamSize, 0);
  std::vector<uint8_t> rom = std::vector<uint8_t>(kRomSize, 0);
  sc_core::sc_time latency = sc_core::sc_time(0, sc_core::SC_NS);
  bool allow_dmi = true;
  std::string console;
  uint32_t scratch = 0;
  uint64_t invalidations = 0;
  // b_transport traffic by kind, and DMI traffic reported through TrafficSink.
  uint64_t bt_reads = 0, bt_writes = 0, bt_rbytes = 0, bt_wbytes = 0;
  uint64_t dmi_reads = 0, dmi_writes = 0, dmi_rbytes = 0, dmi_wbytes = 0;
  sc_core::sc_event timer_ev;

  SC_HAS_PROCESS(Bench);
  explicit Bench(sc_core::sc_module_name n) : sc_module(n) {
    sock.register_b_transport(this, &Bench::b_transport);
    sock.register_get_direct_mem_ptr(this, &Bench::get_dmi);
    sock.register_transport_dbg(this, &Bench::dbg);
    SC_METHOD(on_timer);
    sensitive << timer_ev;
    dont_initialize();
  }

  void connect(cpu::Rv32Core& c) {
    c.bus.bind(sock);
    c.irq_msip.bind(msip);
    c.irq_mtip.bind(mtip);
    c.irq_meip.bind(meip);
    c.set_traffic_sink(this);
  }

  void dmi_traffic(uint64_t, uint64_t r, uint64_t w, uint64_t rb, uint64_t wb) override {
    dmi_reads += r;
    dmi_writes += w;
    dmi_rbytes += rb;
    dmi_wbytes += wb;
  }

  void on_timer() { mtip.write(true); }

  uint8_t* mem(uint64_t a, unsigned n, bool& writable) {
    if (a >= kRamBase && a + n <= uint64_t{kRamBase} + kRamSize) {
      writable = true;
      return &ram[a - kRamBase];
    }
    if (a >= kRomBase && a + n <= uint64_t{kRomBase} + kRomSize) {
      writable = false;
      return &rom[a - kRomBase];
    }
    return nullptr;
  }

  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const uint64_t a = t.get_address();
    const unsigned n = t.get_data_length();
    const bool wr = t.is_write();
    bool writable = false;
    if (uint8_t* p = mem(a, n, writable)) {
      if (wr && !writable) {
        t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
      }
      if (wr)
        std::memcpy(p, t.get_data_ptr(), n);
      else
        std::memcpy(t.get_data_ptr(), p, n);
      t.set_dmi_allowed(allow_dmi);
    } else if (a >= kDevBase && a + n <= kDevBase + 0x100 && n == 4) {
      uint32_t v = 0;
      if (wr) std::memcpy(&v, t.get_data_ptr(), 4);
      switch (a - kDevBase) {
        case kDevExit:
          if (wr) RunControl::get().request_stop(StopReason::finisher, static_cast<int>(v), "exit");
          break;
        case kDevIrq:
          if (wr) {
            msip.write(v & 1);
            mtip.write(v & 2);
            meip.write(v & 4);
          } else {
            v = (msip.read() ? 1 : 0) | (mtip.read() ? 2 : 0) | (meip.read() ? 4 : 0);
          }
          break;
        case kDevTimer:
          if (wr) timer_ev.notify(sc_core::sc_time(v, sc_core::SC_NS) + delay);
          break;
        case kDevPutc:
          if (wr) console.push_back(static_cast<char>(v));
          break;
        case kDevScratch:
          if (wr)
            scratch = v;
          else
            v = scratch;
          break;
        case kDevSlow:
          if (!wr) {
            sc_core::wait(delay);  // synchronise first, as such targets do
            delay = sc_core::SC_ZERO_TIME;
            sc_core::wait(100, sc_core::SC_NS);
            v = 0x5107;
          }
          break;
        case kDevInvalidate:
          if (wr) {
            ++invalidations;
            sock->invalidate_direct_mem_ptr(0, ~sc_dt::uint64{0});
          }
          break;
        default:
          break;
      }
      if (!wr) std::memcpy(t.get_data_ptr(), &v, 4);
    } else {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (wr) {
      ++bt_writes;
      bt_wbytes += n;
    } else {
      ++bt_reads;
      bt_rbytes += n;
    }
    delay += latency;
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  bool get_dmi(tlm::tlm_generic_payload& t, tlm::tlm_dmi& d) {
    if (!allow_dmi) return false;
    const uint64_t a = t.get_address();
    if (a >= kRamBase && a < uint64_t{kRamBase} + kRamSize) {
      d.set_dmi_ptr(ram.data());
      d.set_start_address(kRamBase);
      d.set_end_address(uint64_t{kRamBase} + kRamSize - 1);
      d.allow_read_write();
    } else if (a >= kRomBase && a < kRomBase + kRomSize) {
      d.set_dmi_ptr(rom.data());
      d.set_start_address(kRomBase);
      d.set_end_address(kRomBase + kRomSize - 1);
      d.allow_read();
    } else {
      return false;
    }
    d.set_read_latency(latency);
    d.set_write_latency(latency);
    return true;
  }

  unsigned dbg(tlm::tlm_generic_payload& t) {
    bool writable = false;
    const unsigned n = t.get_data_length();
    uint8_t* p = mem(t.get_address(), n, writable);
    if (!p) return 0;
    if (t.is_write())
      std::memcpy(p, t.get_data_ptr(), n);
    else
      std::memcpy(t.get_data_ptr(), p, n);
    return n;
  }

  uint32_t word(uint32_t a) const {
    uint32_t v;
    std::memcpy(&v, &ram[a - kRamBase], 4);
    return v;
  }
  void set_word(uint32_t a, uint32_t v) { std::memcpy(&ram[a - kRamBase], &v, 4); }

  bool load(const std::string& file, uint32_t at = kRamBase) {
    std::ifstream f(file, std::ios::binary);
    if (!f) return false;
    std::vector<char> d((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::memcpy(&ram[at - kRamBase], d.data(), d.size());
    return !d.empty();
  }
};

// A fresh bench + core per test (use inside an ScFixture test).
struct CoreBench {
  Bench bench{"bench"};
  cpu::Rv32Core core;
  explicit CoreBench(const cpu::CpuConfig& cfg = {}) : core("cpu", cfg) {
    bench.connect(core);
    core.set_reset_pc(kRamBase);
  }
};

}  // namespace imcvp::test
