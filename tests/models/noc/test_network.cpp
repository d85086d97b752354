// SystemC wrapper: two initiators and two targets on a 3x3 mesh, transactions through the
// flit-level network, concurrency, address errors and bad endpoint placement.
#include <gtest/gtest.h>

#include <cstring>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/stats.h"
#include "models/noc/network.h"
#include "tests/util/sc_fixture.h"

using namespace imcvp;
using namespace sc_core;

namespace {

struct Mem : sc_module {
  tlm_utils::simple_target_socket<Mem> socket{"socket"};
  std::vector<uint8_t> data = std::vector<uint8_t>(4096, 0);
  sc_time latency;
  uint64_t accesses = 0;
  Mem(sc_module_name n, sc_time lat) : sc_module(n), latency(lat) {
    socket.register_b_transport(this, &Mem::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& d) {
    ++accesses;
    uint64_t a = p.get_address();
    if (a + p.get_data_length() > data.size()) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (p.is_write())
      std::memcpy(&data[a], p.get_data_ptr(), p.get_data_length());
    else
      std::memcpy(p.get_data_ptr(), &data[a], p.get_data_length());
    d += latency;
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Cpu : sc_module {
  tlm_utils::simple_initiator_socket<Cpu> socket{"socket"};
  std::function<void(Cpu&)> body;
  SC_HAS_PROCESS(Cpu);
  explicit Cpu(sc_module_name n) : sc_module(n) { SC_THREAD(run); }
  void run() {
    if (body) body(*this);
  }
  tlm::tlm_response_status access(bool write, uint64_t addr, uint32_t& v, unsigned len = 4) {
    tlm::tlm_generic_payload p;
    p.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p.set_address(addr);
    p.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_time d = SC_ZERO_TIME;
    socket->b_transport(p, d);
    wait(d);
    return p.get_response_status();
  }
};

struct Bench {
  noc::NocConfig cfg;
  std::unique_ptr<noc::Network> net;
  std::unique_ptr<Mem> m0, m1;
  std::unique_ptr<Cpu> c0, c1;
  explicit Bench(sc_time mem_lat = sc_time(10, SC_NS), const noc::NocConfig* graph = nullptr) {
    cfg.size_x = cfg.size_y = 3;
    if (graph) cfg = *graph;
    net = std::make_unique<noc::Network>("noc", cfg);
    m0 = std::make_unique<Mem>("m0", mem_lat);
    m1 = std::make_unique<Mem>("m1", mem_lat);
    c0 = std::make_unique<Cpu>("c0");
    c1 = std::make_unique<Cpu>("c1");
    EXPECT_EQ(net->add_initiator("c0", 0), 0);
    EXPECT_EQ(net->add_initiator("c1", 2), 1);
    EXPECT_EQ(net->add_target("m0", 8, 0x1000, 0x1000), 0);
    EXPECT_EQ(net->add_target("m1", 6, 0x4000, 0x1000), 1);
    c0->socket.bind(net->target_socket);
    c1->socket.bind(net->target_socket);
    net->initiator_socket.bind(m0->socket);
    net->initiator_socket.bind(m1->socket);
  }
};

class NocNetwork : public test::ScFixture {};

}  // namespace

TEST_F(NocNetwork, ReadWriteThroughTheMeshWithNetworkLatency) {
  Bench b;
  sc_time t_write, t_read;
  uint32_t got = 0;
  b.c0->body = [&](Cpu& c) {
    uint32_t v = 0xdeadbeef;
    sc_time t0 = sc_time_stamp();
    EXPECT_EQ(c.access(true, 0x1010, v), tlm::TLM_OK_RESPONSE);
    t_write = sc_time_stamp() - t0;
    t0 = sc_time_stamp();
    EXPECT_EQ(c.access(false, 0x1010, got), tlm::TLM_OK_RESPONSE);
    t_read = sc_time_stamp() - t0;
  };
  sc_start(10, SC_US);
  EXPECT_EQ(got, 0xdeadbeefu);
  EXPECT_EQ(b.m0->data[0x10], 0xef);
  // node 0 -> node 8 on a 3x3 mesh: 5 routers. Request 2 flits (write), response 1 flit.
  // Each packet: 5 cycles per router + 2, +1 per extra flit; 1 GHz clock; memory 10 ns.
  // Packets start on the next cycle edge, so allow a cycle of slack per packet.
  double w = 27 + 1 + 10 + 27;
  EXPECT_GE(t_write.to_seconds() * 1e9, w);
  EXPECT_LE(t_write.to_seconds() * 1e9, w + 3);
  EXPECT_GE(t_read.to_seconds() * 1e9, 27 + 10 + 27 + 1);
  EXPECT_EQ(b.net->transactions(), 2u);
  EXPECT_EQ(b.net->engine().stats().packets_delivered, 4u);
}

TEST_F(NocNetwork, TwoInitiatorsInFlightAtOnce) {
  Bench b(sc_time(200, SC_NS));
  sc_time done0, done1;
  b.c0->body = [&](Cpu& c) {
    for (uint32_t i = 0; i < 4; ++i) {
      uint32_t v = 100 + i;
      c.access(true, 0x1000 + 4 * i, v);
      c.access(true, 0x4000 + 4 * i, v);
    }
    done0 = sc_time_stamp();
  };
  b.c1->body = [&](Cpu& c) {
    for (uint32_t i = 0; i < 4; ++i) {
      uint32_t v = 200 + i;
      c.access(true, 0x1100 + 4 * i, v);
      c.access(true, 0x4100 + 4 * i, v);
    }
    done1 = sc_time_stamp();
  };
  sc_start(100, SC_US);
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(b.m0->data[4 * i], 100 + i);
    EXPECT_EQ(b.m1->data[4 * i], 100 + i);
    EXPECT_EQ(b.m0->data[0x100 + 4 * i], 200 + i);
    EXPECT_EQ(b.m1->data[0x100 + 4 * i], 200 + i);
  }
  // 8 transactions each, every one >= 200 ns in the memory: serial would be >= 3.2 us;
  // overlapped both finish within about the time of one initiator's run.
  EXPECT_LT(std::max(done0, done1).to_seconds(), 2.4e-6);
  EXPECT_GT(std::min(done0, done1).to_seconds(), 1.6e-6);
  EXPECT_EQ(b.net->engine().stats().packets_delivered, 32u);
  EXPECT_TRUE(b.net->engine().idle());
}

TEST_F(NocNetwork, UnmappedAddressIsAnAddressError) {
  Bench b;
  tlm::tlm_response_status st = tlm::TLM_OK_RESPONSE;
  b.c1->body = [&](Cpu& c) {
    uint32_t v = 0;
    st = c.access(false, 0x9000, v);
  };
  sc_start(1, SC_US);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.net->errors(), 1u);
  EXPECT_EQ(b.m0->accesses + b.m1->accesses, 0u);
}

TEST_F(NocNetwork, BadEndpointsAreRejected) {
  noc::NocConfig cfg;  // 4x4
  cfg.endpoints.push_back({"host", 0});
  noc::Network net("noc", cfg);
  EXPECT_EQ(net.node_of("host"), 0u);
  EXPECT_THROW(net.node_of("dram0"), std::invalid_argument);
  EXPECT_THROW(net.add_initiator("cpu", 16), std::invalid_argument);
  EXPECT_THROW(net.add_target("t", 99, 0x1000, 0x100), std::invalid_argument);
  EXPECT_EQ(net.add_target("a", 1, 0x1000, 0x100), 0);
  EXPECT_THROW(net.add_target("b", 2, 0x10f0, 0x100), std::invalid_argument);
  EXPECT_THROW(net.add_target("c", 2, 0x3000, 0), std::invalid_argument);
  noc::NocConfig bad;
  bad.endpoints.push_back({"tile9", 40});
  EXPECT_THROW(noc::Network("noc2", bad), noc::NocError);
  noc::NocConfig one;
  one.router.vnets = 1;
  EXPECT_THROW(noc::Network("noc3", one), noc::NocError);
}

TEST_F(NocNetwork, StatsHaveTrafficMatrixStallsLinksAndOccupancyForUsedPartsOnly) {
  Bench b(sc_time(1, SC_NS));
  // Both initiators hammer m0 (node 8) at once, so flits wait in routers on shared links.
  auto body = [](uint64_t base) {
    return [base](Cpu& c) {
      for (uint32_t i = 0; i < 16; ++i) {
        uint32_t v[16] = {i};
        c.access(true, base + 64 * i, v[0], 64);
      }
    };
  };
  b.c0->body = body(0x1000);
  b.c1->body = body(0x1400);
  sc_start(100, SC_US);
  auto& reg = stats::Registry::get();
  nlohmann::ordered_json j = reg.to_json();
  const auto& noc = j["noc"];
  // Traffic matrix: requests 0->8 and 2->8, responses 8->0 and 8->2; nothing else.
  // A 64-byte write is 1 header + 4 payload flits (128-bit flits); its response 1 flit.
  EXPECT_EQ(noc["matrix"]["src0"]["dst8"]["packets"]["value"], 16.0);
  EXPECT_EQ(noc["matrix"]["src0"]["dst8"]["flits"]["value"], 80.0);
  EXPECT_EQ(noc["matrix"]["src2"]["dst8"]["packets"]["value"], 16.0);
  EXPECT_EQ(noc["matrix"]["src8"]["dst0"]["flits"]["value"], 16.0);
  EXPECT_EQ(noc["matrix"]["src8"]["dst2"]["packets"]["value"], 16.0);
  EXPECT_EQ(noc["matrix"].size(), 3u);  // src0, src2, src8
  EXPECT_EQ(noc["matrix"]["src0"].size(), 1u);
  EXPECT_FALSE(noc["matrix"].contains("src1"));
  // Per-VC stalls: some input VC of some router waited; only non-zero VCs are listed, and the
  // per-router sum matches them.
  double listed = 0, summed = 0;
  for (auto& [name, node] : noc.items()) {
    if (name.rfind("router", 0) != 0) continue;
    summed += node["vc_stall_cycles"]["value"].get<double>();
    for (auto& [in, port] : node.items())
      if (in.rfind("in_", 0) == 0)
        for (auto& [vc, entry] : port.items()) {
          double v = entry["stall_cycles"]["value"].get<double>();
          EXPECT_GT(v, 0.0) << name << "." << in << "." << vc;
          listed += v;
        }
  }
  EXPECT_GT(listed, 0.0);
  EXPECT_EQ(listed, summed);
  // Links: node 0 -> 1 (XY towards 8) carried every flit of c0's requests; utilisation is
  // flits per cycle over the run. Occupancy: router 8 buffered flits at some point.
  EXPECT_EQ(noc["router0"]["link_to_1_p1"]["flits"]["value"], 80.0);
  double util = noc["router0"]["link_to_1_p1"]["utilisation"]["value"].get<double>();
  // Per elapsed cycle: the run lasted 100 us = 100,000 cycles though the network went idle
  // long before (an idle engine's clock is brought up to date before a dump).
  EXPECT_DOUBLE_EQ(util, 80.0 / 100000);
  const double flits = noc["flits"]["value"].get<double>();
  EXPECT_DOUBLE_EQ(noc["throughput"]["value"].get<double>(), flits / (9 * 100000.0));
  EXPECT_GE(noc["router8"]["peak_buffered_flits"]["value"].get<double>(), 1.0);
  EXPECT_GT(noc["router8"]["avg_buffered_flits"]["value"].get<double>(), 0.0);
  // Deterministic: a second dump gives the same text; a reset zeroes the matrix but keeps it.
  EXPECT_EQ(stats::dump_json(reg.to_json()), stats::dump_json(j));
  reg.reset_all();
  nlohmann::ordered_json k = reg.to_json();
  EXPECT_EQ(k["noc"]["matrix"]["src0"]["dst8"]["packets"]["value"], 0.0);
}

// A custom graph in the SoC (request/response vnets, 8 VCs): the default `min` routing with its
// up*/down* escape class takes the express links, and heavy traffic from two initiators in
// both directions completes with intact data.
TEST_F(NocNetwork, CustomGraphUsesMinimalRoutingWithEscapeVcs) {
  noc::NocConfig g;
  g.topology = "custom";
  for (uint32_t i = 0; i < 9; ++i) g.graph_nodes.push_back({i, 1.5 * (i % 3), 1.5 * (i / 3)});
  for (uint32_t y = 0; y < 3; ++y)
    for (uint32_t x = 0; x < 3; ++x) {
      uint32_t i = 3 * y + x;
      if (x < 2) g.graph_links.push_back({i, i + 1});
      if (y < 2) g.graph_links.push_back({i, i + 3});
    }
  for (uint32_t k = 0; k < 3; ++k) {  // express links across every row and column
    g.graph_links.push_back({3 * k, 3 * k + 2});
    g.graph_links.push_back({k, k + 6});
  }
  Bench b(sc_time(10, SC_NS), &g);
  EXPECT_EQ(b.net->engine().topology().routing(), "min+updown_escape");
  sc_time t_write;
  b.c0->body = [&](Cpu& c) {
    uint32_t v = 0x12345678;
    sc_time t0 = sc_time_stamp();
    EXPECT_EQ(c.access(true, 0x1010, v), tlm::TLM_OK_RESPONSE);
    t_write = sc_time_stamp() - t0;
    for (uint32_t i = 0; i < 64; ++i) {
      uint32_t w = 1000 + i, r = 0;
      c.access(true, 0x1100 + 4 * i, w);
      c.access(false, 0x4100 + 4 * i, r);
    }
  };
  b.c1->body = [&](Cpu& c) {
    for (uint32_t i = 0; i < 64; ++i) {
      uint32_t w = 2000 + i, r = 0;
      c.access(true, 0x4100 + 4 * i, w);
      c.access(false, 0x1100 + 4 * i, r);
    }
  };
  sc_start(200, SC_US);
  // node 0 -> node 8 over 0 -> 2 -> 8: 3 routers (17 cycles per packet) instead of 5 (27).
  double w = 17 + 1 + 10 + 17;
  EXPECT_GE(t_write.to_seconds() * 1e9, w);
  EXPECT_LE(t_write.to_seconds() * 1e9, w + 3);
  for (uint32_t i = 0; i < 64; ++i) {
    EXPECT_EQ(b.m0->data[0x100 + 4 * i], (1000 + i) & 0xff);
    EXPECT_EQ(b.m1->data[0x100 + 4 * i], (2000 + i) & 0xff);
  }
  EXPECT_EQ(b.net->transactions(), 257u);
}
