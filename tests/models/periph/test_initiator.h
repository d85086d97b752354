// A tiny TLM initiator for model benches: blocking accesses with a delay annotation, debug
// accesses, DMI requests, and a record of DMI invalidations it received.
#pragma once

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

namespace imcvp::test {

// Runs all delta cycles at the current time. (sc_start(SC_ZERO_TIME) runs one delta cycle;
// notifications made from outside a process between sc_start calls need a second one.)
inline void settle() {
  do {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  } while (sc_core::sc_pending_activity_at_current_time());
}

class TestInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<TestInitiator> socket;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;  // annotation passed (and accumulated)
  std::vector<std::pair<uint64_t, uint64_t>> invalidations;

  explicit TestInitiator(sc_core::sc_module_name n) : sc_module(n), socket("socket") {
    socket.register_invalidate_direct_mem_ptr(this, &TestInitiator::invalidate);
  }

  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data,
                                  unsigned len) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(p, delay);
    last_address = p.get_address();
    return p.get_response_status();
  }
  uint64_t read(uint64_t addr, unsigned len = 4, tlm::tlm_response_status* st = nullptr) {
    uint8_t buf[8] = {};
    auto s = access(tlm::TLM_READ_COMMAND, addr, buf, len);
    if (st) *st = s;
    uint64_t v = 0;
    for (unsigned i = 0; i < len && i < 8; ++i) v |= uint64_t(buf[i]) << (8 * i);
    return v;
  }
  tlm::tlm_response_status write(uint64_t addr, uint64_t value, unsigned len = 4) {
    uint8_t buf[8];
    for (unsigned i = 0; i < 8; ++i) buf[i] = uint8_t(value >> (8 * i));
    return access(tlm::TLM_WRITE_COMMAND, addr, buf, len);
  }
  unsigned debug(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    return socket->transport_dbg(p);
  }
  bool dmi(uint64_t addr, bool for_write, tlm::tlm_dmi& out) {
    tlm::tlm_generic_payload p;
    p.set_command(for_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr);
    out.init();
    return socket->get_direct_mem_ptr(p, out);
  }

  uint64_t last_address = 0;  // payload address after the call (must be restored by a bus)

 private:
  void invalidate(sc_dt::uint64 start, sc_dt::uint64 end) {
    invalidations.emplace_back(start, end);
  }
};

}  // namespace imcvp::test
