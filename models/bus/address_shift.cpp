#include "models/bus/address_shift.h"

#include <algorithm>

namespace imcvp::bus {

AddressShift::AddressShift(sc_core::sc_module_name name, uint64_t offset)
    : sc_module(name),
      target_socket("target_socket"),
      initiator_socket("initiator_socket"),
      offset_(offset) {
  target_socket.register_b_transport(this, &AddressShift::b_transport);
  target_socket.register_transport_dbg(this, &AddressShift::transport_dbg);
  target_socket.register_get_direct_mem_ptr(this, &AddressShift::get_direct_mem_ptr);
  initiator_socket.register_invalidate_direct_mem_ptr(this,
                                                      &AddressShift::invalidate_direct_mem_ptr);
}

void AddressShift::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const uint64_t a = p.get_address();
  p.set_address(a + offset_);
  initiator_socket->b_transport(p, delay);
  p.set_address(a);  // the initiator may reuse its payload
}

unsigned AddressShift::transport_dbg(tlm::tlm_generic_payload& p) {
  const uint64_t a = p.get_address();
  p.set_address(a + offset_);
  unsigned n = initiator_socket->transport_dbg(p);
  p.set_address(a);
  return n;
}

bool AddressShift::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  const uint64_t a = p.get_address();
  p.set_address(a + offset_);
  bool ok = initiator_socket->get_direct_mem_ptr(p, dmi);
  p.set_address(a);
  // Bring the granted range back into the upstream's view (clamped at its address 0).
  uint64_t start = dmi.get_start_address(), end = dmi.get_end_address();
  if (end < offset_) return false;
  if (start < offset_) {
    dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (offset_ - start));
    start = offset_;
  }
  dmi.set_start_address(start - offset_);
  dmi.set_end_address(end - offset_);
  return ok;
}

void AddressShift::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  if (end < offset_) return;
  target_socket->invalidate_direct_mem_ptr(start < offset_ ? 0 : start - offset_, end - offset_);
}

}  // namespace imcvp::bus
