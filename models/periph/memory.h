// Memory: RAM or ROM of size_bytes behind a TLM target socket, with DMI and debug access.
// Host storage is an anonymous private mapping, so untouched pages cost no host memory
// (a 1 GiB DRAM window is free until the firmware touches it).
//
// Limits: LT only; a fixed latency per access; accesses served through DMI are not counted
// here (the bus counts them via its TrafficSink); no ECC or error injection.
#pragma once

#include <cstdint>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/stats.h"

namespace imcvp::periph {

struct MemoryConfig {
  uint64_t base = 0x8000'0000;  // docs/memory-map.md: host TCM
  uint64_t size_bytes = 1 << 20;
  bool read_only = false;
  // One cycle of a 1 GHz core: a tightly coupled SRAM answers in a single cycle (ARM
  // Cortex-M7 TRM, "TCM interfaces ... zero wait state"). A modelling assumption.
  double latency_ns = 1.0;

  template <class V>
  void visit(V& v) {
    v.param("base", base, "Base address", "address");
    v.param("size_bytes", size_bytes, "Size", "B", {1.0, 1099511627776.0});
    v.param("read_only", read_only, "ROM: bus writes are errors (debug writes still load it)");
    v.param("latency_ns", latency_ns, "Latency of one access", "ns", {0.0, 1e6});
  }
};

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Memory> socket;

  // Throws std::invalid_argument for size 0 and std::runtime_error if the host cannot map it.
  Memory(sc_core::sc_module_name name, const MemoryConfig& cfg);
  ~Memory() override;
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  uint8_t* data() { return mem_; }
  uint64_t size() const { return cfg_.size_bytes; }
  const MemoryConfig& config() const { return cfg_; }
  // Host memory really allocated for the mapping (pages touched so far), from mincore().
  uint64_t resident_bytes() const;

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);

  MemoryConfig cfg_;
  sc_core::sc_time latency_;
  uint8_t* mem_ = nullptr;
  uint64_t reads_ = 0, writes_ = 0, bytes_read_ = 0, bytes_written_ = 0, errors_ = 0;
  stats::Group stats_{name()};
};

}  // namespace imcvp::periph
