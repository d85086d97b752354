// Parts shared by the IMC tile benches (test_tile_dma.cpp, test_tile_queue.cpp): a memory
// target with optional per-address latency and forced errors, and a host initiator with
// 32-bit register helpers that can also run a body in its own SystemC thread.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <set>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/log.h"

namespace imcvp::test {

// Memory of `size` bytes at local address 0 with a fixed access latency, plus optional extra
// latency per local address and local addresses answered with an address error.
struct BenchMem : sc_core::sc_module {
  tlm_utils::simple_target_socket<BenchMem> socket{"socket"};
  std::vector<uint8_t> data;
  sc_core::sc_time latency;
  std::function<sc_core::sc_time(uint64_t)> extra;  // extra latency per (local) address
  std::set<uint64_t> fail;                          // local addresses answered with an error
  uint64_t accesses = 0;

  BenchMem(sc_core::sc_module_name n, sc_core::sc_time lat, std::size_t size)
      : sc_module(n), data(size, 0), latency(lat) {
    socket.register_b_transport(this, &BenchMem::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& d) {
    ++accesses;
    const uint64_t a = p.get_address(), n = p.get_data_length();
    d += latency + (extra ? extra(a) : sc_core::SC_ZERO_TIME);
    if (a + n > data.size() || fail.count(a)) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (p.is_write())
      std::memcpy(&data[a], p.get_data_ptr(), n);
    else
      std::memcpy(p.get_data_ptr(), &data[a], n);
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  void w32(uint64_t off, uint32_t v) {
    for (int i = 0; i < 4; ++i) data[off + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  uint32_t r32(uint64_t off) const {
    return uint32_t(data[off]) | uint32_t(data[off + 1]) << 8 | uint32_t(data[off + 2]) << 16 |
           uint32_t(data[off + 3]) << 24;
  }
};

// Host: register accesses from sc_main (between sc_start calls) or from its own thread
// (`body`, run once at the start of simulation when set).
struct BenchHost : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<BenchHost> socket{"socket"};
  std::function<void(BenchHost&)> body;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;  // annotation of the last access
  SC_HAS_PROCESS(BenchHost);
  explicit BenchHost(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    if (body) body(*this);
  }
  tlm::tlm_response_status access(tlm::tlm_command cmd, uint64_t addr, uint8_t* d, unsigned n) {
    tlm::tlm_generic_payload p;
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(d);
    p.set_data_length(n);
    p.set_streaming_width(n);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(p, delay);
    return p.get_response_status();
  }
  uint32_t rd(uint64_t a) {
    uint8_t b[4] = {};
    EXPECT_EQ(access(tlm::TLM_READ_COMMAND, a, b, 4), tlm::TLM_OK_RESPONSE) << log::hex(a);
    return uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
  }
  void wr(uint64_t a, uint32_t v) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, a, b, 4), tlm::TLM_OK_RESPONSE) << log::hex(a);
  }
  void put(uint64_t a, const void* d, unsigned n) {
    std::vector<uint8_t> b(static_cast<const uint8_t*>(d), static_cast<const uint8_t*>(d) + n);
    EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, a, b.data(), n), tlm::TLM_OK_RESPONSE) << log::hex(a);
  }
  std::vector<uint8_t> get(uint64_t a, unsigned n) {
    std::vector<uint8_t> b(n);
    EXPECT_EQ(access(tlm::TLM_READ_COMMAND, a, b.data(), n), tlm::TLM_OK_RESPONSE) << log::hex(a);
    return b;
  }
};

}  // namespace imcvp::test
