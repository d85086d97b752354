// Interleaver: one address window spread over several identical targets (e.g. DRAM
// controllers) in granules dealt round robin (imcvp::Interleave). The flat host bus hands the
// window's offsets to `target_socket`; binding i of `initiator_socket` is way i and receives
// the way-local address Interleave::local().
//
// An access that crosses granule boundaries is split into one chunk per granule touched, issued
// in address order. LT timing of a split access: the chunks are issued one after the other and
// each starts with the delay accumulated so far, so the returned delay is the sum of the chunk
// delays (serial, not overlapped: the conservative choice for an LT initiator that waits for
// the whole access). The first chunk that fails ends the access with its status; later chunks
// are not issued (earlier chunks stay done: a write may be partially performed, as on a real
// interconnect that splits bursts).
//
// Limits: LT only (no nb_transport); no latency or energy of its own (the address bits select
// the target); no DMI (interleaved memory is not contiguous in any one target, so
// get_direct_mem_ptr is always refused and dmi_allowed is cleared); a streaming access
// (streaming_width < data_length) whose streamed range crosses a granule boundary is answered
// with TLM_BURST_ERROR_RESPONSE instead of being split (streaming width 0 likewise); a split
// access with a byte-enable pointer but byte_enable_length 0 is a byte-enable error; a debug
// access is cut at the window's end and stops at the first short chunk; a target's DMI
// invalidation is forwarded as an invalidation of the whole window.
#pragma once

#include <cstdint>
#include <deque>

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/interleave.h"
#include "models/common/stats.h"

namespace imcvp::bus {

class Interleaver : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Interleaver> target_socket;  // from upstream: window offsets
  tlm_utils::multi_passthrough_initiator_socket<Interleaver> initiator_socket;  // binding i = way i

  struct WayCounters {
    uint64_t transactions = 0;  // read/write chunks the way completed
    uint64_t bytes = 0;         // bytes of those chunks
  };

  // Throws std::invalid_argument (naming this module) unless il is valid (Interleave::validate)
  // and its window neither wraps around the address space nor overflows granule x ways.
  Interleaver(sc_core::sc_module_name name, const Interleave& il);

  const Interleave& interleave() const { return il_; }
  const WayCounters& way_counters(uint32_t way) const { return ways_.at(way); }
  uint64_t split_transactions() const { return split_; }
  uint64_t errors() const { return errors_; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);
  void end_of_elaboration() override;

  // True if [a, a + n) lies inside the window (n == 0: a inside).
  bool in_window(uint64_t a, uint64_t n) const;
  void fail(tlm::tlm_generic_payload& p, tlm::tlm_response_status st);

  const Interleave il_;           // validated in the initialiser, before ways_ is sized
  std::deque<WayCounters> ways_;  // deque: stable addresses for the stats references
  uint64_t split_ = 0, errors_ = 0;
  stats::Group stats_{name()};
};

}  // namespace imcvp::bus
