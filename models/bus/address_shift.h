// AddressShift: a pass-through between two interconnects that adds a constant to every
// address going down (and subtracts it from DMI ranges and invalidations coming back). The
// host bus and the NoC both hand their targets window-local offsets; an AddressShift restores
// global addresses where the next hop decodes global ones (host bus -> NoC, NoC -> host bus).
//
// Limits: LT only; no latency or energy of its own (it is wiring, not a bridge model).
#pragma once

#include <cstdint>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

namespace imcvp::bus {

class AddressShift : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AddressShift> target_socket;        // from the upstream hop
  tlm_utils::simple_initiator_socket<AddressShift> initiator_socket;  // to the downstream hop

  AddressShift(sc_core::sc_module_name name, uint64_t offset);
  uint64_t offset() const { return offset_; }

 private:
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  uint64_t offset_;
};

}  // namespace imcvp::bus
