// DramController: the DRAM subsystem as a TLM-2.0 target. Addresses are offsets into the
// DRAM window (0 .. capacity-1). b_transport synchronises (waits out the initiator's time
// annotation), splits the access into bursts, queues them in the DramEngine as the queues
// accept them, and wait()s until the last burst's data has returned; a driver thread runs
// the engine at its event times only. Data lives in a sparse backing store (64 KiB chunks
// allocated on first write), so a large window costs host memory only where it is used.
//
// Limits: LT only (no nb_transport); writes are posted (they return once the controller
// accepted every burst); the functional data is read/written when the access is accepted, so
// concurrent initiators see accesses in acceptance order; requesters blocked on a full queue
// are admitted first come, first served; DMI only with controller.allow_dmi
// (then accesses are untimed and not counted); no ECC.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/stats.h"
#include "models/dram/dram_config.h"
#include "models/dram/dram_engine.h"

namespace imcvp::dram {

class DramController : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DramController> socket;

  // Throws config::ConfigError for an inconsistent configuration.
  DramController(sc_core::sc_module_name name, const DramConfig& cfg);
  ~DramController() override;

  const DramConfig& config() const { return cfg_; }
  uint64_t capacity() const { return engine_.capacity_bytes(); }
  DramEngine& engine() { return engine_; }
  // Host bytes allocated for data so far.
  uint64_t resident_bytes() const { return chunks_allocated_ * kChunkBytes; }

 private:
  static constexpr uint64_t kChunkBytes = 64 * 1024;
  struct Waiter {
    sc_core::sc_event done;
    uint32_t outstanding = 0;
    bool all_queued = false;     // completions before this are not yet the end
    sc_core::sc_time last_done;  // time of the latest burst completion so far
  };

  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  void driver();
  // Brings the engine to the current simulated time (cycle rounded up).
  void catch_up();
  sc_core::sc_time cycle_time(uint64_t cycle) const {
    return sc_core::sc_time::from_value(cycle * tck_ticks_);
  }
  uint8_t* chunk(uint64_t addr, bool allocate);
  void copy_data(uint64_t addr, uint8_t* buf, unsigned len, bool write, const uint8_t* be,
                 unsigned be_len);

  DramConfig cfg_;
  DramEngine engine_;
  uint64_t tck_ticks_ = 0;                         // one DRAM cycle in kernel time units
  sc_core::sc_event kick_;                         // new work for the driver
  std::unordered_map<uint64_t, Waiter*> waiters_;  // engine tag -> waiting transaction
  uint64_t next_tag_ = 1;
  // Admission when a queue is full: requesters waiting for the same channel queue (read or
  // write) get in in arrival order, not in whatever order the kernel wakes them.
  struct Line {
    uint64_t next = 0, serving = 0;  // tickets
  };
  std::vector<Line> lines_;  // [channel * 2 + is_write]
  sc_core::sc_event admit_ev_;
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
  uint64_t chunks_allocated_ = 0;

  // Event trace (models/common/trace.h, --trace=dram): the engine logs its commands here
  // only while tracing; trace_commands() turns them into events.
  void trace_commands();
  std::vector<CmdRecord> trace_log_;
  std::vector<int> trace_tracks_;  // per (channel, rank, bank group); -1 = not created
  std::vector<int> trace_rates_;   // per channel
  // DRAM power counter ("<name> power (mW)"): the energy since the last sample, spread
  // uniformly over the time since then (pJ/ns = mW).
  void trace_power();
  int trace_power_ = -1;
  double trace_power_e_pj_ = 0, trace_power_t_ns_ = 0;  // the last sample

  uint64_t requests_ = 0, errors_ = 0, dmi_grants_ = 0;
  stats::Group stats_{name()};
};

}  // namespace imcvp::dram
