// SiFive PLIC, one context (hart 0, M-mode): priorities at 0x0 + 4*src, pending bits at
// 0x1000, context-0 enables at 0x2000, threshold at 0x200000, claim/complete at 0x200004.
// Sources are level-triggered: a source is pending while its line is high and it is not
// claimed (as QEMU's sifive_plic does); claim returns the highest-priority enabled pending
// source above the threshold (lowest id on ties) and masks it until completed; completion
// re-arms it, so a line still high becomes pending again.
//
// Limits: one context (no S-mode context); source 0 is reserved (priority and enable bit
// read as 0); pending bits are read-only; no edge-triggered gateways.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/regs.h"
#include "models/common/stats.h"

namespace imcvp::periph {

struct PlicConfig {
  uint64_t base = 0x0C00'0000;  // docs/memory-map.md (QEMU virt)
  uint32_t num_sources = 64;    // including the reserved source 0; 1 = UART0, 16+i = tile i
  uint32_t priority_bits = 3;   // SiFive FU540: 7 priority levels (3 bits)
  // A few cycles of a 1 GHz core for a peripheral register (modelling assumption).
  double latency_ns = 2.0;

  template <class V>
  void visit(V& v) {
    v.param("base", base, "Base address", "address");
    v.param("num_sources", num_sources, "Interrupt sources including reserved source 0", "",
            {2, 1024});
    v.param("priority_bits", priority_bits, "Width of the priority registers", "bit", {1, 32});
    v.param("latency_ns", latency_ns, "Latency of one register access", "ns", {0.0, 1e6});
  }
};

class Plic : public sc_core::sc_module {
 public:
  static constexpr uint64_t kSize = 0x400'0000;
  static constexpr uint64_t kPriority = 0x0, kPending = 0x1000, kEnable = 0x2000,
                            kThreshold = 0x200000, kClaim = 0x200004;

  tlm_utils::simple_target_socket<Plic> socket;
  sc_core::sc_vector<sc_core::sc_in<bool>> irq_in;  // index = source id; index 0 unused
  sc_core::sc_out<bool> meip;

  SC_HAS_PROCESS(Plic);
  // Throws std::invalid_argument for num_sources outside [2, 1024] or priority_bits [1, 32].
  Plic(sc_core::sc_module_name name, const PlicConfig& cfg);

  bool pending(unsigned src) const { return src < pending_.size() && pending_[src]; }
  regs::RegBank& regs() { return regs_; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  void before_end_of_elaboration() override;
  void update();  // gateway (lines -> pending), then pending/enables/priorities -> meip
  unsigned best() const;
  bool enabled(unsigned src) const;

  PlicConfig cfg_;
  sc_core::sc_time latency_;
  regs::RegBank regs_;
  std::vector<regs::Reg*> priority_, enable_;
  regs::Reg* threshold_ = nullptr;
  std::vector<bool> pending_, claimed_;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> tie_off_;  // for unbound inputs
  sc_core::sc_event update_ev_;
  uint64_t accesses_ = 0, claims_ = 0, completes_ = 0, spurious_claims_ = 0;
  stats::Group stats_{name()};
};

}  // namespace imcvp::periph
