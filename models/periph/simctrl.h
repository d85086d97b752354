// Sim-control: the QEMU `virt` test finisher (sifive_test) at offset 0, plus imcvp extensions
// for firmware: exit with a code, region-of-interest markers, stats reset/dump, simulated
// time, a debug console and the simulation seed. Register table: docs/register-maps.md.
//
// Limits: one 4 KiB window; TIME_NS_HI returns the upper half latched by the last TIME_NS_LO
// read (read LO first); the 0x7777 reset request stops the simulation (no reset modelled).
#pragma once

#include <cstdint>
#include <string>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/regs.h"
#include "models/common/stats.h"

namespace imcvp::periph {

struct SimCtrlConfig {
  uint64_t base = 0x0010'0000;  // docs/memory-map.md (QEMU virt test finisher address)
  uint64_t seed = 1;            // set by the platform from --seed
  // A few cycles of a 1 GHz core for a simple peripheral register (same assumption as the
  // other APB-style devices here; not a measurement).
  double latency_ns = 2.0;

  template <class V>
  void visit(V& v) {
    v.param("base", base, "Base address", "address");
    v.param("latency_ns", latency_ns, "Latency of one register access", "ns", {0.0, 1e6});
  }
};

class SimCtrl : public sc_core::sc_module {
 public:
  static constexpr uint64_t kSize = 0x1000;
  // Register offsets (keep in sync with docs/register-maps.md and the SDK header).
  static constexpr uint64_t kFinisher = 0x00, kExit = 0x04, kRoiBegin = 0x08, kRoiEnd = 0x0C,
                            kStatsReset = 0x10, kStatsDump = 0x14, kTimeNsLo = 0x18,
                            kTimeNsHi = 0x1C, kPutc = 0x20, kSeed = 0x24, kReportValue = 0x28,
                            kReportName = 0x30;  // 8 words: 0x30..0x4C

  tlm_utils::simple_target_socket<SimCtrl> socket;

  SimCtrl(sc_core::sc_module_name name, const SimCtrlConfig& cfg);

  regs::RegBank& regs() { return regs_; }
  // Characters written to PUTC (also printed on stdout).
  const std::string& putc_log() const { return putc_log_; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  void finisher(uint32_t v);
  uint64_t now_ns(const regs::AccessCtx& c) const;

  SimCtrlConfig cfg_;
  sc_core::sc_time latency_;
  regs::RegBank regs_;
  uint64_t time_latch_ = 0;
  regs::Reg* report_name_[8] = {};
  uint64_t reports_ = 0;
  std::string putc_log_;
  uint64_t accesses_ = 0, putc_chars_ = 0, roi_markers_ = 0;
  stats::Group stats_{name()};
};

}  // namespace imcvp::periph
