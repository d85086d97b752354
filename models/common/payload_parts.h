// Splitting one TLM transaction into parts (interleave granules, several targets): the part
// reuses the caller's payload, pointing it at a byte range of the original access with its own
// address; restore() puts the original fields back before the payload returns upstream.
#pragma once

#include <cstdint>
#include <vector>

#include <tlm>

namespace imcvp {

// The payload fields a split rewrites per chunk; restored before returning upstream.
struct PayloadParts {
  uint64_t address;
  unsigned char* data;
  unsigned length, streaming_width;
  unsigned char* byte_enable;
  unsigned byte_enable_length;

  explicit PayloadParts(const tlm::tlm_generic_payload& p)
      : address(p.get_address()),
        data(p.get_data_ptr()),
        length(p.get_data_length()),
        streaming_width(p.get_streaming_width()),
        byte_enable(p.get_byte_enable_ptr()),
        byte_enable_length(p.get_byte_enable_length()) {}

  void restore(tlm::tlm_generic_payload& p) const {
    p.set_address(address);
    p.set_data_ptr(data);
    p.set_data_length(length);
    p.set_streaming_width(streaming_width);
    p.set_byte_enable_ptr(byte_enable);
    p.set_byte_enable_length(byte_enable_length);
  }

  // Points p at bytes [off, off + n) of the original access, at way-local address `local`. With
  // byte enables, the chunk gets its own enables (in be_buf) continuing the original pattern.
  void chunk(tlm::tlm_generic_payload& p, unsigned off, unsigned n, uint64_t local,
             std::vector<unsigned char>& be_buf) const {
    p.set_address(local);
    p.set_data_ptr(data ? data + off : nullptr);
    p.set_data_length(n);
    p.set_streaming_width(n);
    if (byte_enable) {
      be_buf.resize(n);
      for (unsigned i = 0; i < n; ++i) be_buf[i] = byte_enable[(off + i) % byte_enable_length];
      p.set_byte_enable_ptr(be_buf.data());
      p.set_byte_enable_length(n);
    }
  }
};

}  // namespace imcvp
