// Network interfaces of noc::Network: packetisation of long transactions (one target access per
// packet where possible), several outstanding transactions per initiator (LT from several
// threads, AT with the base protocol's END_REQ back-pressure and response exclusion).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/interleave.h"
#include "models/noc/network.h"
#include "tests/util/sc_fixture.h"

using namespace imcvp;
using namespace sc_core;

namespace {

// Memory with a fixed latency per access that records every access it sees.
struct Mem : sc_module {
  tlm_utils::simple_target_socket<Mem> socket{"socket"};
  std::vector<uint8_t> data = std::vector<uint8_t>(64 * 1024, 0);
  sc_time latency;
  std::vector<std::pair<uint64_t, unsigned>> log;  // (address, length)
  Mem(sc_module_name n, sc_time lat) : sc_module(n), latency(lat) {
    socket.register_b_transport(this, &Mem::b_transport);
    socket.register_transport_dbg(this, &Mem::transport_dbg);
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& p) {
    const uint64_t a = p.get_address();
    if (a >= data.size()) return 0;
    const unsigned n = unsigned(std::min<uint64_t>(p.get_data_length(), data.size() - a));
    if (p.is_write())
      std::memcpy(&data[a], p.get_data_ptr(), n);
    else
      std::memcpy(p.get_data_ptr(), &data[a], n);
    return n;
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& d) {
    uint64_t a = p.get_address();
    log.emplace_back(a, p.get_data_length());
    if (a + p.get_data_length() > data.size()) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    const unsigned char* be = p.get_byte_enable_ptr();
    for (unsigned i = 0; i < p.get_data_length(); ++i) {
      if (be && !be[i % p.get_byte_enable_length()]) continue;
      if (p.is_write())
        data[a + i] = p.get_data_ptr()[i];
      else
        p.get_data_ptr()[i] = data[a + i];
    }
    d += latency;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

// LT initiator; `threads` bodies run in their own processes on the same socket.
struct LtCpu : sc_module {
  tlm_utils::simple_initiator_socket<LtCpu> socket{"socket"};
  explicit LtCpu(sc_module_name n) : sc_module(n) {}
  void spawn(std::function<void()> body) { sc_spawn(std::move(body)); }
  tlm::tlm_response_status access(bool write, uint64_t addr, uint8_t* buf, unsigned len,
                                  unsigned char* be = nullptr, unsigned be_len = 0) {
    tlm::tlm_generic_payload p;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr);
    p.set_data_ptr(buf);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_byte_enable_ptr(be);
    p.set_byte_enable_length(be_len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time d = SC_ZERO_TIME;
    socket->b_transport(p, d);
    wait(d);
    return p.get_response_status();
  }
};

// AT initiator issuing a list of reads back to back (as fast as END_REQ allows).
struct AtCpu : sc_module {
  tlm_utils::simple_initiator_socket<AtCpu> socket{"socket"};
  struct Req {
    tlm::tlm_generic_payload p;
    std::vector<uint8_t> buf;
    sc_time completed;
    bool done = false;
  };
  std::vector<std::unique_ptr<Req>> reqs;
  bool hold_responses = false;  // answer BEGIN_RESP with TLM_ACCEPTED, END_RESP 5 ns later
  int open_responses = 0, max_open_responses = 0, late_end_reqs = 0;
  bool end_req_seen = false;
  sc_event end_req_ev, end_resp_ev;
  std::deque<tlm::tlm_generic_payload*> to_end;
  std::vector<size_t> completion_order;

  SC_HAS_PROCESS(AtCpu);
  explicit AtCpu(sc_module_name n) : sc_module(n) {
    socket.register_nb_transport_bw(this, &AtCpu::nb_transport_bw);
    SC_THREAD(run);
    SC_THREAD(ender);
  }
  void add_read(uint64_t addr, unsigned len) {
    auto r = std::make_unique<Req>();
    r->buf.assign(len, 0);
    r->p.set_command(tlm::TLM_READ_COMMAND);
    r->p.set_address(addr);
    r->p.set_data_ptr(r->buf.data());
    r->p.set_data_length(len);
    r->p.set_streaming_width(len);
    r->p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    reqs.push_back(std::move(r));
  }
  void run() {
    for (auto& r : reqs) {
      tlm::tlm_phase ph = tlm::BEGIN_REQ;
      sc_time d = SC_ZERO_TIME;
      end_req_seen = false;
      tlm::tlm_sync_enum s = socket->nb_transport_fw(r->p, ph, d);
      if (s == tlm::TLM_UPDATED) {
        EXPECT_EQ(ph, tlm::END_REQ);
      } else {
        ASSERT_EQ(s, tlm::TLM_ACCEPTED);
        ++late_end_reqs;
        while (!end_req_seen) wait(end_req_ev);
      }
    }
  }
  void ender() {
    while (true) {
      wait(end_resp_ev);
      if (to_end.empty()) continue;
      // One END_RESP per wake-up; the NI may send the next BEGIN_RESP from inside this call.
      tlm::tlm_generic_payload* p = to_end.front();
      to_end.pop_front();
      --open_responses;
      tlm::tlm_phase ph = tlm::END_RESP;
      sc_time d = SC_ZERO_TIME;
      EXPECT_EQ(socket->nb_transport_fw(*p, ph, d), tlm::TLM_COMPLETED);
      if (!to_end.empty()) end_resp_ev.notify(5, SC_NS);
    }
  }
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& p, tlm::tlm_phase& ph, sc_time&) {
    if (ph == tlm::END_REQ) {
      end_req_seen = true;
      end_req_ev.notify();
      return tlm::TLM_ACCEPTED;
    }
    EXPECT_EQ(ph, tlm::BEGIN_RESP);
    for (size_t i = 0; i < reqs.size(); ++i)
      if (&reqs[i]->p == &p) {
        EXPECT_FALSE(reqs[i]->done) << "second BEGIN_RESP for request " << i;
        reqs[i]->done = true;
        reqs[i]->completed = sc_time_stamp();
        completion_order.push_back(i);
      }
    if (hold_responses) {
      ++open_responses;
      max_open_responses = std::max(max_open_responses, open_responses);
      to_end.push_back(&p);
      end_resp_ev.notify(5, SC_NS);
      return tlm::TLM_ACCEPTED;
    }
    ph = tlm::END_RESP;
    return tlm::TLM_COMPLETED;
  }
};

struct Bench {
  noc::NocConfig cfg;
  std::unique_ptr<noc::Network> net;
  std::unique_ptr<Mem> mem;
  explicit Bench(uint32_t max_outstanding, uint32_t max_payload = 64,
                 sc_time mem_lat = sc_time(10, SC_NS)) {
    cfg.size_x = cfg.size_y = 3;
    cfg.ni.max_outstanding = max_outstanding;
    cfg.ni.max_packet_payload_bytes = max_payload;
    net = std::make_unique<noc::Network>("noc", cfg);
    mem = std::make_unique<Mem>("mem", mem_lat);
    EXPECT_EQ(net->add_target("mem", 8, 0x10000, 0x10000), 0);
    net->initiator_socket.bind(mem->socket);
  }
};

class NocNi : public test::ScFixture {};

}  // namespace

TEST_F(NocNi, LongTransactionsAreSplitIntoPacketsAndTargetAccesses) {
  Bench b(8);
  LtCpu cpu("cpu");
  b.net->add_initiator("cpu", 0);
  cpu.socket.bind(b.net->target_socket);
  std::vector<uint8_t> out(256), in(256, 0);
  for (unsigned i = 0; i < 256; ++i) out[i] = uint8_t(i * 7 + 1);
  sc_time t_read;
  cpu.spawn([&] {
    EXPECT_EQ(cpu.access(true, 0x10100, out.data(), 256), tlm::TLM_OK_RESPONSE);
    sc_time t0 = sc_time_stamp();
    EXPECT_EQ(cpu.access(false, 0x10100, in.data(), 256), tlm::TLM_OK_RESPONSE);
    t_read = sc_time_stamp() - t0;
  });
  sc_start(10, SC_US);
  EXPECT_EQ(in, out);
  // 256 B at 64 B per packet: 4 target accesses per transaction, each of 64 B in order.
  ASSERT_EQ(b.mem->log.size(), 8u);
  for (unsigned i = 0; i < 4; ++i) {
    EXPECT_EQ(b.mem->log[i], std::make_pair(uint64_t(0x100 + 64 * i), 64u));
    EXPECT_EQ(b.mem->log[4 + i], std::make_pair(uint64_t(0x100 + 64 * i), 64u));
  }
  auto& s = *b.net;
  EXPECT_EQ(s.transactions(), 2u);
  // Write: 4 requests of 1 + 4 flits (128-bit flits), 4 header-only acks; read: 4 header-only
  // requests, 4 responses of 5 flits.
  EXPECT_EQ(s.engine().stats().packets_delivered, 16u);
  EXPECT_EQ(s.engine().stats().flits_delivered, 4u * 5 + 4 + 4 + 4u * 5);
  // Read, node 0 -> node 8 (5 routers: 27 cycles zero load for a 1-flit packet, +4 for 5
  // flits). Requests leave one per cycle; the target serves segment i at 27 + 10 i, its
  // response arrives 31 cycles later: the last at 27 + 30 + 10 + 31 = 98 ns (1 GHz).
  EXPECT_GE(t_read.to_seconds() * 1e9, 98.0);
  EXPECT_LE(t_read.to_seconds() * 1e9, 101.0);
}

TEST_F(NocNi, ByteEnabledTransactionsAreOneTargetAccessInSeveralPackets) {
  Bench b(8);
  LtCpu cpu("cpu");
  b.net->add_initiator("cpu", 0);
  cpu.socket.bind(b.net->target_socket);
  std::vector<uint8_t> out(200, 0xAB);
  unsigned char be[4] = {0xFF, 0, 0xFF, 0};
  cpu.spawn(
      [&] { EXPECT_EQ(cpu.access(true, 0x10000, out.data(), 200, be, 4), tlm::TLM_OK_RESPONSE); });
  sc_start(10, SC_US);
  ASSERT_EQ(b.mem->log.size(), 1u);  // reassembled: one access with the byte-enable pattern
  EXPECT_EQ(b.mem->log[0], std::make_pair(uint64_t(0), 200u));
  EXPECT_EQ(b.mem->data[0], 0xAB);
  EXPECT_EQ(b.mem->data[1], 0);
  EXPECT_EQ(b.mem->data[198], 0xAB);
  EXPECT_EQ(b.mem->data[199], 0);
  // 200 B = 4 request packets (64+64+64+8 B) and one write acknowledgement.
  EXPECT_EQ(b.net->engine().stats().packets_delivered, 5u);
}

TEST_F(NocNi, ErrorInTheMiddleOfASplitTransactionStopsLaterSegments) {
  Bench b(8);
  LtCpu cpu("cpu");
  b.net->add_initiator("cpu", 0);
  cpu.socket.bind(b.net->target_socket);
  std::vector<uint8_t> buf(256, 0);
  tlm::tlm_response_status st = tlm::TLM_INCOMPLETE_RESPONSE;
  // The window is 64 KiB; the memory's array ends 128 bytes before the end of this access.
  b.mem->data.resize(0x180 + 128);
  cpu.spawn([&] { st = cpu.access(false, 0x10180, buf.data(), 256); });
  sc_start(10, SC_US);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  ASSERT_EQ(b.mem->log.size(), 3u);  // segments 0, 1 fine, 2 fails, 3 not attempted
  EXPECT_EQ(b.mem->log[2].first, 0x200u);
  EXPECT_TRUE(b.net->engine().idle());  // every packet, including the error responses, arrived
}

TEST_F(NocNi, LtCallersOnOneSocketShareTheOutstandingSlots) {
  for (uint32_t max : {1u, 4u}) {
    fresh_context();
    Bench b(max, 64, sc_time(100, SC_NS));
    LtCpu cpu("cpu");
    b.net->add_initiator("cpu", 0);
    cpu.socket.bind(b.net->target_socket);
    std::vector<sc_time> done(4);
    std::vector<std::vector<uint8_t>> bufs(4, std::vector<uint8_t>(64));
    for (int k = 0; k < 4; ++k)
      cpu.spawn([&, k] {
        EXPECT_EQ(cpu.access(false, 0x10000 + 64 * k, bufs[k].data(), 64), tlm::TLM_OK_RESPONSE);
        done[k] = sc_time_stamp();
      });
    sc_start(20, SC_US);
    const sc_time last = *std::max_element(done.begin(), done.end());
    EXPECT_EQ(b.net->peak_outstanding(0), max);
    // One round trip is 27 + 100 + 31 = ~158 ns.
    if (max == 1) {
      EXPECT_GT(last.to_seconds() * 1e9, 4 * 158.0 - 1);
    } else {
      EXPECT_LT(last.to_seconds() * 1e9, 158.0 + 3 * 100 + 10);  // the memory serialises
    }
  }
}

TEST_F(NocNi, AtInitiatorKeepsSeveralReadsInFlight) {
  sc_time last[2];
  for (int run = 0; run < 2; ++run) {
    fresh_context();
    const uint32_t max = run == 0 ? 1 : 4;
    Bench b(max, 64, sc_time(20, SC_NS));
    AtCpu cpu("at");
    b.net->add_initiator("at", 0);
    cpu.socket.bind(b.net->target_socket);
    for (unsigned i = 0; i < 8; ++i) b.mem->data[64 * i] = uint8_t(0x40 + i);
    for (unsigned i = 0; i < 8; ++i) cpu.add_read(0x10000 + 64 * i, 64);
    sc_start(20, SC_US);
    for (unsigned i = 0; i < 8; ++i) {
      ASSERT_TRUE(cpu.reqs[i]->done) << i;
      EXPECT_EQ(cpu.reqs[i]->p.get_response_status(), tlm::TLM_OK_RESPONSE);
      EXPECT_EQ(cpu.reqs[i]->buf[0], 0x40 + i);
      last[run] = std::max(last[run], cpu.reqs[i]->completed);
    }
    EXPECT_EQ(b.net->peak_outstanding(0), max);
    // BEGIN_REQs beyond the limit were accepted late (END_REQ on the backward path).
    EXPECT_EQ(cpu.late_end_reqs, run == 0 ? 7 : 4);
  }
  // One at a time: 8 round trips of ~78 ns. Four in flight hide most of the network latency.
  EXPECT_GT(last[0].to_seconds() * 1e9, 8 * 78.0 - 1);
  EXPECT_LT(last[1].to_seconds(), 0.5 * last[0].to_seconds());
}

TEST_F(NocNi, AtResponsesWaitForEndResp) {
  Bench b(8, 64, sc_time(1, SC_NS));
  AtCpu cpu("at");
  cpu.hold_responses = true;
  b.net->add_initiator("at", 0);
  cpu.socket.bind(b.net->target_socket);
  for (unsigned i = 0; i < 6; ++i) cpu.add_read(0x10000 + 16 * i, 16);
  sc_start(20, SC_US);
  for (auto& r : cpu.reqs) EXPECT_TRUE(r->done);
  EXPECT_EQ(cpu.max_open_responses, 1);  // response exclusion rule
  EXPECT_EQ(cpu.open_responses, 0);
  // Responses that were ready together went out 5 ns apart (each waited for END_RESP).
  std::vector<sc_time> t;
  for (size_t i : cpu.completion_order) t.push_back(cpu.reqs[i]->completed);
  for (size_t i = 1; i < t.size(); ++i)
    EXPECT_GE(t[i] - t[i - 1], sc_time(5, SC_NS) - sc_time(1, SC_PS));
}

TEST_F(NocNi, VirtualCutThroughRejectsPacketsLargerThanABuffer) {
  noc::NocConfig cfg;
  cfg.router.flow_control = "vct";
  cfg.router.buffer_depth_flits = 4;  // 64 B payload = 1 + 4 flits
  EXPECT_THROW(noc::Network("noc", cfg), noc::NocError);
  cfg.ni.max_packet_payload_bytes = 48;  // 1 + 3 flits
  EXPECT_NO_THROW(noc::Network("noc2", cfg));
}

TEST_F(NocNi, InterleavedWindowSpreadsGranulesOverTargetsAndSplitsCrossingAccesses) {
  noc::NocConfig cfg;
  cfg.size_x = cfg.size_y = 3;
  noc::Network net("noc", cfg);
  const Interleave il{0x100000, 4 * 0x4000, 256, 4};
  const unsigned nodes[4] = {2, 6, 8, 4};
  std::vector<std::unique_ptr<Mem>> mems;
  for (uint32_t w = 0; w < 4; ++w) {
    mems.push_back(std::make_unique<Mem>(("m" + std::to_string(w)).c_str(), sc_time(5, SC_NS)));
    EXPECT_EQ(net.add_interleaved_target("m" + std::to_string(w), nodes[w], il, w), int(w));
  }
  for (auto& m : mems) net.initiator_socket.bind(m->socket);
  LtCpu cpu("cpu");
  net.add_initiator("cpu", 0);
  cpu.socket.bind(net.target_socket);
  std::vector<uint8_t> out(2048), in(2048, 0), dbg(600, 0);
  for (unsigned i = 0; i < out.size(); ++i) out[i] = uint8_t(i * 13 + 5);
  const uint64_t start = 0x100000 + 0x80;  // mid-granule
  tlm::tlm_response_status st_stream = tlm::TLM_INCOMPLETE_RESPONSE;
  cpu.spawn([&] {
    EXPECT_EQ(cpu.access(true, start, out.data(), 2048), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(cpu.access(false, start, in.data(), 2048), tlm::TLM_OK_RESPONSE);
    // A streaming (FIFO-style) access cannot span two targets.
    tlm::tlm_generic_payload p;
    uint8_t b[8] = {};
    p.set_command(tlm::TLM_READ_COMMAND);
    p.set_address(0x100000 + 252);
    p.set_data_ptr(b);
    p.set_data_length(8);
    p.set_streaming_width(4);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time d = SC_ZERO_TIME;
    cpu.socket->b_transport(p, d);
    st_stream = p.get_response_status();
  });
  sc_start(50, SC_US);
  EXPECT_EQ(in, out);
  EXPECT_EQ(st_stream, tlm::TLM_BURST_ERROR_RESPONSE);
  // Every byte sits in the way and local offset the formula gives.
  for (unsigned i = 0; i < out.size(); ++i) {
    const uint64_t a = start + i;
    ASSERT_EQ(mems[il.way(a)]->data[il.local(a)], out[i]) << i;
  }
  // All four targets were used; the accesses never crossed a granule inside one target.
  for (auto& m : mems) {
    EXPECT_FALSE(m->log.empty());
    for (auto& [a, n] : m->log) EXPECT_LE(a % 256 + n, 256u) << a << " " << n;
  }
  // Debug access across granules.
  tlm::tlm_generic_payload p;
  p.set_command(tlm::TLM_READ_COMMAND);
  p.set_address(start + 100);
  p.set_data_ptr(dbg.data());
  p.set_data_length(600);
  p.set_streaming_width(600);
  EXPECT_EQ(cpu.socket->transport_dbg(p), 600u);
  EXPECT_TRUE(std::equal(dbg.begin(), dbg.end(), out.begin() + 100));
}

TEST_F(NocNi, BadInterleavedTargetsAreRejected) {
  noc::NocConfig cfg;
  cfg.size_x = cfg.size_y = 3;
  noc::Network net("noc", cfg);
  const Interleave il{0x100000, 2 * 0x4000, 256, 2};
  net.add_interleaved_target("a", 1, il, 0);
  EXPECT_THROW(net.add_interleaved_target("b", 2, il, 0), std::invalid_argument);   // way taken
  EXPECT_THROW(net.add_interleaved_target("b", 2, il, 2), std::invalid_argument);   // no way 2
  EXPECT_THROW(net.add_interleaved_target("b", 99, il, 1), std::invalid_argument);  // node
  Interleave other = il;
  other.granule = 512;
  EXPECT_THROW(net.add_interleaved_target("b", 2, other, 1), std::invalid_argument);
  other = il;
  other.granule = 300;  // not a power of two
  other.base = 0x200000;
  EXPECT_THROW(net.add_interleaved_target("c", 2, other, 0), std::invalid_argument);
  EXPECT_THROW(net.add_target("d", 3, 0x104000, 0x100), std::invalid_argument);  // overlap
  net.add_target("e", 3, 0x108000, 0x100);  // just after the window: fine
}
