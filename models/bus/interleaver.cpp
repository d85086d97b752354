#include "models/bus/interleaver.h"

#include <algorithm>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/common/log.h"
#include "models/common/payload_parts.h"

namespace imcvp::bus {

namespace {

Interleave checked(const Interleave& il, const std::string& who) {
  il.validate(who);  // also refuses granule x ways overflowing and windows that wrap around
  return il;
}

}  // namespace

Interleaver::Interleaver(sc_core::sc_module_name name, const Interleave& il)
    : sc_module(name),
      target_socket("target_socket"),
      initiator_socket("initiator_socket"),
      il_(checked(il, this->name())),
      ways_(il_.ways) {
  target_socket.register_b_transport(this, &Interleaver::b_transport);
  target_socket.register_transport_dbg(this, &Interleaver::transport_dbg);
  target_socket.register_get_direct_mem_ptr(this, &Interleaver::get_direct_mem_ptr);
  initiator_socket.register_invalidate_direct_mem_ptr(this,
                                                      &Interleaver::invalidate_direct_mem_ptr);
  for (uint32_t w = 0; w < il_.ways; ++w) {
    const std::string way = "way" + std::to_string(w) + ".";
    stats_.counter(way + "transactions", ways_[w].transactions, "count",
                   "Read/write accesses (chunks of split accesses) this target completed");
    stats_.counter(way + "bytes", ways_[w].bytes, "B", "Bytes this target read or wrote");
  }
  stats_.counter("split_transactions", split_, "count",
                 "Accesses split because they crossed a granule boundary");
  stats_.counter("errors", errors_, "count", "Accesses answered with an error response");
  stats_.constant(
      "ways", [this] { return static_cast<double>(il_.ways); }, "count", "Interleaved targets");
  stats_.constant(
      "granule_bytes", [this] { return static_cast<double>(il_.granule); }, "B",
      "Interleave granule");
}

void Interleaver::end_of_elaboration() {
  if (initiator_socket.size() != il_.ways) {
    std::ostringstream os;
    os << name() << ": interleaving over " << il_.ways << " targets but " << initiator_socket.size()
       << " bound to initiator_socket";
    throw std::invalid_argument(os.str());
  }
}

bool Interleaver::in_window(uint64_t a, uint64_t n) const {
  if (!il_.contains(a)) return false;
  return n <= il_.size - (a - il_.base);
}

void Interleaver::fail(tlm::tlm_generic_payload& p, tlm::tlm_response_status st) {
  p.set_response_status(st);
  ++errors_;
  log::debug(name(), p.get_response_string(), " for ", log::hex(p.get_address()), " (",
             p.get_data_length(), " bytes)");
}

void Interleaver::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  const uint64_t addr = p.get_address();
  const unsigned len = p.get_data_length();
  const unsigned sw = p.get_streaming_width();
  const bool streaming = sw < len;
  const uint64_t span = streaming ? sw : len;  // bytes of address space the access touches
  p.set_dmi_allowed(false);
  if (!in_window(addr, span)) return fail(p, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  const bool rw = p.is_read() || p.is_write();

  if (span <= il_.bytes_to_boundary(addr)) {
    if (streaming && sw == 0) return fail(p, tlm::TLM_BURST_ERROR_RESPONSE);
    // Inside one granule: a plain pass-through to one way (streaming and byte enables intact).
    const uint32_t w = il_.way(addr);
    p.set_address(il_.local(addr));
    initiator_socket[static_cast<int>(w)]->b_transport(p, delay);
    p.set_address(addr);
    p.set_dmi_allowed(false);
    if (!p.is_response_ok()) {
      ++errors_;
    } else if (rw) {
      ++ways_[w].transactions;
      ways_[w].bytes += len;
    }
    return;
  }
  // A streamed range has no defined split (each beat would have to revisit every way).
  if (streaming) return fail(p, tlm::TLM_BURST_ERROR_RESPONSE);
  if (p.get_byte_enable_ptr() && p.get_byte_enable_length() == 0)
    return fail(p, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);

  ++split_;
  const PayloadParts saved(p);
  std::vector<unsigned char> be_buf;  // per call: a target may wait() and let another caller in
  tlm::tlm_response_status st = tlm::TLM_OK_RESPONSE;
  for (unsigned off = 0; off < len;) {
    const uint64_t a = addr + off;
    const auto n = static_cast<unsigned>(std::min<uint64_t>(len - off, il_.bytes_to_boundary(a)));
    const uint32_t w = il_.way(a);
    saved.chunk(p, off, n, il_.local(a), be_buf);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    initiator_socket[static_cast<int>(w)]->b_transport(p, delay);  // delay accumulates: serial
    if (!p.is_response_ok()) {
      st = p.get_response_status();
      break;  // later chunks are not issued
    }
    if (rw) {
      ++ways_[w].transactions;
      ways_[w].bytes += n;
    }
    off += n;
  }
  saved.restore(p);
  p.set_response_status(st);
  p.set_dmi_allowed(false);
  if (st != tlm::TLM_OK_RESPONSE) {
    ++errors_;
    log::debug(name(), p.get_response_string(), " in a chunk of ", log::hex(addr), " (", len,
               " bytes)");
  }
}

unsigned Interleaver::transport_dbg(tlm::tlm_generic_payload& p) {
  const uint64_t addr = p.get_address();
  const unsigned len = p.get_data_length();
  if (!il_.contains(addr)) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  // A debug access is cut at the window's end, like the bus cuts at a target's end.
  const auto total = static_cast<unsigned>(std::min<uint64_t>(len, il_.size - (addr - il_.base)));
  const PayloadParts saved(p);
  std::vector<unsigned char> be_buf;
  unsigned done = 0;
  while (done < total) {
    const uint64_t a = addr + done;
    const auto n =
        static_cast<unsigned>(std::min<uint64_t>(total - done, il_.bytes_to_boundary(a)));
    saved.chunk(p, done, n, il_.local(a), be_buf);
    const unsigned got = initiator_socket[static_cast<int>(il_.way(a))]->transport_dbg(p);
    done += std::min(got, n);
    if (got < n) break;  // a short chunk ends the access: the bytes after it are not contiguous
  }
  saved.restore(p);
  return done;
}

bool Interleaver::get_direct_mem_ptr(tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  // No target holds a contiguous piece of the window longer than one granule; refuse DMI for
  // the whole window so the initiator does not ask again for every address.
  const uint64_t a = p.get_address();
  dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
  dmi.set_start_address(il_.contains(a) ? il_.base : a);
  dmi.set_end_address(il_.contains(a) ? il_.base + il_.size - 1 : a);
  p.set_dmi_allowed(false);
  return false;
}

void Interleaver::invalidate_direct_mem_ptr(int, sc_dt::uint64, sc_dt::uint64) {
  // Never granted DMI, but pass the news on in case an upstream component cached something.
  target_socket->invalidate_direct_mem_ptr(il_.base, il_.base + il_.size - 1);
}

}  // namespace imcvp::bus
