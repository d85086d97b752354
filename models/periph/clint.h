// SiFive CLINT for one hart: msip (0x0), mtimecmp (0x4000, 64-bit), mtime (0xBFF8, 64-bit).
//
// mtime is not a counter: it is computed from SystemC time (sc_time_stamp() plus the
// access's delay annotation) times timebase_hz, plus an offset set by mtime writes, so it is
// exact under temporal decoupling and costs nothing while idle. mtip is driven by one timed
// event at the exact simulated time mtime reaches mtimecmp (rescheduled on mtimecmp/mtime
// writes); there is no per-tick activity.
//
// Limits: one hart; mtip changes become visible on the signal at the kernel's time (the
// initiator's local time may be ahead within its quantum); msip/mtimecmp/mtime accept 32-bit
// halves or full 64-bit accesses; mtimecmp resets to all ones (no interrupt pending).
#pragma once

#include <cstdint>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/regs.h"
#include "models/common/stats.h"

namespace imcvp::periph {

struct ClintConfig {
  uint64_t base = 0x0200'0000;        // docs/memory-map.md (QEMU virt)
  uint64_t timebase_hz = 10'000'000;  // QEMU virt: RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ = 10 MHz
  // A few cycles of a 1 GHz core for a peripheral register (modelling assumption).
  double latency_ns = 2.0;

  template <class V>
  void visit(V& v) {
    v.param("base", base, "Base address", "address");
    v.param("timebase_hz", timebase_hz, "mtime tick rate", "Hz", {1.0, 1e12});
    v.param("latency_ns", latency_ns, "Latency of one register access", "ns", {0.0, 1e6});
  }
};

class Clint : public sc_core::sc_module {
 public:
  static constexpr uint64_t kSize = 0x10000;
  static constexpr uint64_t kMsip = 0x0, kMtimecmp = 0x4000, kMtime = 0xBFF8;

  tlm_utils::simple_target_socket<Clint> socket;
  sc_core::sc_out<bool> msip;
  sc_core::sc_out<bool> mtip;

  SC_HAS_PROCESS(Clint);
  Clint(sc_core::sc_module_name name, const ClintConfig& cfg);

  // mtime at simulated time t (kernel time plus annotation).
  uint64_t mtime_at(const sc_core::sc_time& t) const;
  uint64_t mtimecmp() const { return mtimecmp_->value(); }
  regs::RegBank& regs() { return regs_; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  uint64_t ticks(const sc_core::sc_time& t) const;
  void schedule();  // (re)arms the mtip event for the current mtimecmp/offset
  void update_mtip();
  void update_msip();

  ClintConfig cfg_;
  sc_core::sc_time latency_;
  uint64_t res_per_sec_;  // kernel time units per second
  int64_t offset_ = 0;    // mtime = ticks(time) + offset_ (mtime writes)
  regs::RegBank regs_;
  regs::Reg* mtimecmp_ = nullptr;
  regs::Reg* mtime_ = nullptr;
  regs::Reg* msip_ = nullptr;
  sc_core::sc_event mtip_update_, mtip_timer_, msip_update_;
  uint64_t accesses_ = 0, timer_interrupts_ = 0, software_interrupts_ = 0;
  stats::Group stats_{name()};
};

}  // namespace imcvp::periph
