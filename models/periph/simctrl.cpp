#include "models/periph/simctrl.h"

#include <cctype>

#include "models/common/sim_time.h"

#include <cstdio>

#include "models/common/log.h"
#include "models/common/run_control.h"

namespace imcvp::periph {

using regs::Access;
using regs::AccessCtx;
using regs::Reg;

SimCtrl::SimCtrl(sc_core::sc_module_name name, const SimCtrlConfig& cfg)
    : sc_module(name),
      socket("socket"),
      cfg_(cfg),
      latency_(cfg.latency_ns, sc_core::SC_NS),
      regs_(this->name()) {
  socket.register_b_transport(this, &SimCtrl::b_transport);
  socket.register_transport_dbg(this, &SimCtrl::transport_dbg);

  // Writes with side effects ignore debug accesses: a debugger poking memory must not end
  // the run.
  regs_
      .add("FINISHER", kFinisher, 4, 0, Access::wo,
           "QEMU virt test finisher: 0x5555 pass, (code<<16)|0x3333 fail, 0x7777 reset")
      .field("STATUS", 0, 16, Access::wo, "0x5555 pass, 0x3333 fail, 0x7777 reset")
      .field("CODE", 16, 16, Access::wo, "exit code for fail")
      .on_write([this](Reg& r, uint64_t, const AccessCtx& c) {
        if (!c.debug) finisher(static_cast<uint32_t>(r.value()));
      });
  regs_
      .add("EXIT", kExit, 4, 0, Access::wo,
           "Exit with code = value (exit status: its low 8 bits, 1 if those are 0 and the value "
           "is not)")
      .on_write([](Reg& r, uint64_t, const AccessCtx& c) {
        if (c.debug) return;
        uint32_t v = static_cast<uint32_t>(r.value());
        RunControl::get().request_firmware_exit(StopReason::finisher, v,
                                                "firmware exit(" + std::to_string(v) + ")");
      });
  auto roi = [this](bool begin) {
    return [this, begin](Reg& r, uint64_t, const AccessCtx& c) {
      if (c.debug) return;
      ++roi_markers_;
      if (RunControl::get().on_roi)
        RunControl::get().on_roi(static_cast<uint32_t>(r.value()), begin,
                                 to_ns(sc_core::sc_time_stamp() + c.delay));
    };
  };
  regs_.add("ROI_BEGIN", kRoiBegin, 4, 0, Access::wo, "Region of interest begins (value = ROI id)")
      .on_write(roi(true));
  regs_.add("ROI_END", kRoiEnd, 4, 0, Access::wo, "Region of interest ends (value = ROI id)")
      .on_write(roi(false));
  regs_.add("STATS_RESET", kStatsReset, 4, 0, Access::wo, "Reset all statistics (any value)")
      .on_write([](Reg&, uint64_t, const AccessCtx& c) {
        if (!c.debug && RunControl::get().on_stats_reset) RunControl::get().on_stats_reset();
      });
  regs_
      .add("STATS_DUMP", kStatsDump, 4, 0, Access::wo,
           "Dump statistics now (value = tag naming the dump)")
      .on_write([](Reg& r, uint64_t, const AccessCtx& c) {
        if (!c.debug && RunControl::get().on_stats_dump)
          RunControl::get().on_stats_dump(static_cast<uint32_t>(r.value()),
                                          to_ns(sc_core::sc_time_stamp() + c.delay));
      });
  regs_
      .add("TIME_NS_LO", kTimeNsLo, 4, 0, Access::ro,
           "Simulated time in ns, low 32 bits; latches the high half")
      .on_read([this](Reg&, const AccessCtx& c) -> uint64_t {
        uint64_t t = now_ns(c);
        if (!c.debug) time_latch_ = t;
        return t & 0xffff'ffffu;
      });
  regs_
      .add("TIME_NS_HI", kTimeNsHi, 4, 0, Access::ro,
           "Simulated time in ns, high 32 bits, as latched by the last TIME_NS_LO read")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t { return time_latch_ >> 32; });
  regs_.add("PUTC", kPutc, 4, 0, Access::wo, "Write one character to stdout (debug console)")
      .field("CHAR", 0, 8, Access::wo, "character")
      .on_write([this](Reg& r, uint64_t, const AccessCtx&) {
        char ch = static_cast<char>(r.value() & 0xff);
        putc_log_ += ch;
        ++putc_chars_;
        std::fputc(ch, stdout);
        if (ch == '\n') std::fflush(stdout);
      });
  regs_.add("SEED", kSeed, 4, cfg_.seed & 0xffff'ffffu, Access::ro,
            "Simulation seed (low 32 bits of --seed)");
  // Firmware-reported results (accuracy, checksums, ...): a name of up to 32 ASCII characters
  // in REPORT_NAME0..7, then the value; stats.json records it as firmware.<name>.
  regs_
      .add("REPORT_VALUE", kReportValue, 4, 0, Access::wo,
           "Record this signed 32-bit value under REPORT_NAME (stats.json: firmware.NAME)")
      .on_write([this](Reg& r, uint64_t, const AccessCtx& c) {
        if (c.debug) return;
        std::string key;
        bool end = false;
        for (unsigned i = 0; i < 32 && !end; ++i) {
          char ch = static_cast<char>((report_name_[i / 4]->value() >> (8 * (i % 4))) & 0xff);
          end = ch == '\0';
          // Keep names usable as stats paths: letters, digits, '_' (others become '_').
          if (!end) key += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_') ? ch : '_';
        }
        if (key.empty()) key = "unnamed";
        ++reports_;
        if (RunControl::get().on_report)
          RunControl::get().on_report(key, static_cast<int32_t>(r.value() & 0xffff'ffffu),
                                      to_ns(sc_core::sc_time_stamp() + c.delay));
      });
  for (unsigned i = 0; i < 8; ++i)
    report_name_[i] =
        &regs_.add("REPORT_NAME" + std::to_string(i), kReportName + 4 * i, 4, 0, Access::rw,
                   "Name of the next REPORT_VALUE: 4 ASCII bytes per word, little "
                   "endian, NUL-padded (32 characters in all)");

  stats_.counter("accesses", accesses_, "count", "Register accesses");
  stats_.counter("putc_chars", putc_chars_, "count", "Characters written to PUTC");
  stats_.counter("roi_markers", roi_markers_, "count", "ROI_BEGIN/ROI_END writes");
  stats_.counter("reports", reports_, "count", "REPORT_VALUE writes");
}

uint64_t SimCtrl::now_ns(const AccessCtx& c) const {
  sc_core::sc_time t = sc_core::sc_time_stamp() + c.delay;
  // Integer arithmetic on the kernel's time value: exact for any resolution that divides 1 ns.
  uint64_t per_ns = sc_core::sc_time(1, sc_core::SC_NS).value();
  return per_ns ? t.value() / per_ns : 0;
}

void SimCtrl::finisher(uint32_t v) {
  uint32_t status = v & 0xffff, code = v >> 16;
  RunControl& rc = RunControl::get();
  switch (status) {
    case 0x5555:
      rc.request_firmware_exit(StopReason::finisher, 0, "test finisher: pass");
      break;
    case 0x3333:
      // A fail is a failure whatever the code (QEMU exits with `code`, 0 included; here a
      // failing test never looks like a pass): codes 0 and 256 give exit status 1.
      rc.request_firmware_exit(StopReason::finisher, code,
                               "test finisher: fail, code " + std::to_string(code), true);
      break;
    case 0x7777:
      rc.request_stop(StopReason::finisher, 0, "test finisher: reset requested (not modelled)");
      break;
    default:
      log::warn(name(), "ignoring unknown test finisher value ", log::hex(v));
  }
}

void SimCtrl::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  ++accesses_;
  regs_.transport(p, delay);  // time-dependent registers see the access's start time
  delay += latency_;
}

unsigned SimCtrl::transport_dbg(tlm::tlm_generic_payload& p) {
  return regs_.transport_dbg(p);
}

}  // namespace imcvp::periph
