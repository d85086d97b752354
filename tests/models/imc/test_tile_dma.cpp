// The IMC tile's DMA engine: several bursts in flight (periphery.dma_outstanding), timing
// against the documented formula (docs/imc-model.md, "DMA timing"), the host's CMD store not
// blocking on a DMA command, error reporting in the middle of a transfer, and determinism.
// Benches: host (a thread or sc_main) -> tile window; tile DMA -> host bus or noc::Network ->
// memory.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/bus/bus.h"
#include "models/common/stats.h"
#include "models/imc/imc_tile.h"
#include "models/noc/network.h"
#include "tests/models/imc/tile_bench_parts.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using namespace imcvp;
using namespace imcvp::imc;
using imcvp::test::settle;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr uint64_t kMem = 0x8000'0000, kMemSize = 1 << 20;
using T = ImcTile;

using Mem = test::BenchMem;
using Host = test::BenchHost;

// Tile + memory behind either the host bus (latency bus_ns per transaction) or a 3x3 mesh
// (tile DMA at node 0, memory at node 8).
struct Bench {
  std::unique_ptr<Host> host;
  std::unique_ptr<ImcTile> tile;
  std::unique_ptr<bus::Bus> bus;
  std::unique_ptr<noc::Network> net;
  std::unique_ptr<Mem> mem;
  sc_core::sc_signal<bool> irq{"irq"};

  Bench(const TileConfig& cfg, bool use_noc, double bus_ns, double mem_ns, uint64_t seed = 1) {
    host = std::make_unique<Host>("host");
    tile = std::make_unique<ImcTile>("tile0", cfg, 0, seed);
    mem = std::make_unique<Mem>("mem", sc_time(mem_ns, SC_NS), kMemSize);
    host->socket.bind(tile->socket);
    if (use_noc) {
      noc::NocConfig nc;
      nc.size_x = nc.size_y = 3;
      net = std::make_unique<noc::Network>("noc", nc);
      net->add_initiator("tile0.dma", 0);
      net->add_target("mem", 8, kMem, kMemSize);
      tile->dma.bind(net->target_socket);
      net->initiator_socket.bind(mem->socket);
    } else {
      bus::BusConfig bc;
      bc.latency_ns = bus_ns;
      bus = std::make_unique<bus::Bus>("bus", bc);
      tile->dma.bind(bus->target_socket);
      bus->add_target("mem", kMem, kMemSize);
      bus->initiator_socket.bind(mem->socket);
    }
    tile->irq(irq);
  }
  // From sc_main: run until the tile is idle (or a generous limit); returns ERROR_CODE.
  uint32_t wait_idle() {
    for (int i = 0; i < 100000 && (host->rd(T::kStatus) & 1); ++i)
      sc_core::sc_start(sc_time(50, SC_NS));
    settle();
    return host->rd(T::kErrorCode);
  }
  double stat(const std::string& name) const {
    const auto* g = stats::Registry::get().find("tile0");
    EXPECT_NE(g, nullptr);
    if (!g) return -1;
    for (const auto& e : g->entries())
      if (e.name == name) return e.number();
    ADD_FAILURE() << "no stat " << name;
    return -1;
  }
};

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  Rng r(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(r.next());
  return v;
}

TileConfig digital(unsigned outstanding, unsigned rows = 64, unsigned cols = 32) {
  TileConfig c;
  c.kind = "digital";
  c.rows = rows;
  c.cols = cols;
  c.periphery.dma_outstanding = outstanding;
  return c;
}

class TileDma : public test::ScFixture {};

// DMA_IN of len bytes from kMem + src into IN; returns LAST_LATENCY_NS and checks that BUSY
// ends exactly then (one ns before: still busy) and that the data arrived bit-exact.
uint32_t timed_dma_in(Bench& b, uint64_t src, uint32_t len) {
  auto data = pattern(len, 77);
  std::memcpy(b.mem->data.data() + src, data.data(), len);
  Host& h = *b.host;
  h.wr(T::kSrcAddr, static_cast<uint32_t>(kMem + src));
  h.wr(T::kDmaLocal, T::kInOffset);
  h.wr(T::kDmaLen, len);
  settle();
  const sc_time t_cmd = sc_core::sc_time_stamp();
  h.wr(T::kCmd, static_cast<uint32_t>(T::Op::dma_in));
  EXPECT_EQ(h.rd(T::kStatus) & 1, 1u);
  // LAST_LATENCY_NS is set when the transfer has finished (a fresh tile starts at 0).
  while (h.rd(T::kLastLatencyNs) == 0 && sc_core::sc_time_stamp() < sc_time(1, sc_core::SC_MS))
    sc_core::sc_start(sc_time(1, SC_NS));
  const uint32_t lat = h.rd(T::kLastLatencyNs);
  // BUSY holds until exactly t_cmd + LAST_LATENCY_NS.
  const sc_time end = t_cmd + sc_time(lat, SC_NS);
  EXPECT_LT(sc_core::sc_time_stamp(), end);
  sc_core::sc_start(end - sc_time(1, SC_NS) - sc_core::sc_time_stamp());
  EXPECT_EQ(h.rd(T::kStatus) & 1, 1u);
  sc_core::sc_start(sc_time(1, SC_NS));
  settle();
  EXPECT_EQ(h.rd(T::kStatus) & 1, 0u);
  EXPECT_EQ(b.wait_idle(), 0u);
  EXPECT_EQ(h.get(T::kInOffset, len), data);
  return lat;
}

TEST_F(TileDma, BusTimingFollowsTheFormulaForOneAndEightOutstanding) {
  const double L = 40.0;  // host-bus latency per transaction
  const uint32_t len = 16 * 1024;
  const TileConfig ref = digital(1);
  const double setup = ref.periphery.dma_setup_ns, rate = ref.periphery.dma_bytes_per_ns;
  const double burst = ref.periphery.dma_burst_bytes, reg = ref.periphery.reg_latency_ns;
  const double bursts = len / burst;
  double lat1, lat8;
  {
    Bench b(digital(1), false, L, 0.0);
    settle();
    lat1 = timed_dma_in(b, 0x1000, len);
    EXPECT_EQ(b.stat("dma_bursts"), bursts);
    EXPECT_EQ(b.stat("dma_peak_outstanding"), 1);
    EXPECT_EQ(b.stat("dma_bytes_read"), len);
  }
  fresh_context();
  {
    Bench b(digital(8), false, L, 0.0);
    settle();
    lat8 = timed_dma_in(b, 0x1000, len);
    EXPECT_EQ(b.stat("dma_bursts"), bursts);
    // A burst is in flight L + burst/rate = 48 ns and a new one leaves every 8 ns: 6 at once,
    // or 7 when a burst leaves in the same instant as the one 48 ns older completes.
    const double overlap = std::ceil((L + burst / rate) / (burst / rate));
    EXPECT_GE(b.stat("dma_peak_outstanding"), overlap);
    EXPECT_LE(b.stat("dma_peak_outstanding"), overlap + 1);
  }
  // One outstanding: every burst waits for the previous one (latency + its data).
  EXPECT_NEAR(lat1, setup + bursts * (L + burst / rate) + reg, 2.0);
  // Eight: the latency of one burst on top of streaming at the engine's rate.
  EXPECT_NEAR(lat8, setup + len / rate + L + reg, 2.0);
}

TEST_F(TileDma, NocFourOutstandingIsClearlyFasterThanOne) {
  const uint32_t len = 16 * 1024;
  auto run = [&](unsigned w, double* peak) {
    fresh_context();
    Bench b(digital(w), true, 0.0, 1.0);
    settle();
    const uint32_t lat = timed_dma_in(b, 0x4000, len);
    *peak = b.stat("dma_peak_outstanding");
    EXPECT_EQ(b.stat("dma_bursts"), len / 64);
    EXPECT_EQ(b.mem->accesses, len / 64);
    return static_cast<double>(lat);
  };
  double p1 = 0, p4 = 0;
  const double t1 = run(1, &p1), t4 = run(4, &p4);
  EXPECT_EQ(p1, 1);
  EXPECT_EQ(p4, 4);
  EXPECT_LT(t4, 0.6 * t1);
  RecordProperty("ns_1_outstanding", std::to_string(t1));
  RecordProperty("ns_4_outstanding", std::to_string(t4));
  std::printf("16 KiB DMA_IN over a 3x3 mesh: %.0f ns (1 outstanding), %.0f ns (4)\n", t1, t4);
  // Never faster than the engine's own streaming rate.
  EXPECT_GE(t4, 10 + len / 8.0);
}

TEST_F(TileDma, CmdStoreOfMvmWithInExtDoesNotWaitForTheDma) {
  const unsigned R = 64, C = 32;
  Bench b(digital(4, R, C), true, 0.0, 1.0);
  auto w = pattern(R * C, 1);
  auto x = pattern(R, 2);
  std::memcpy(b.mem->data.data() + 0x100, x.data(), R);
  sc_time t_before, t_after, store_delay, t_done;
  uint32_t status_after = 0;
  b.host->body = [&](Host& h) {
    h.put(T::kWbufOffset, w.data(), R * C);
    h.wr(T::kCmd, static_cast<uint32_t>(T::Op::program));
    while (h.rd(T::kStatus) & 1) wait(10, SC_NS);
    h.wr(T::kSrcAddr, static_cast<uint32_t>(kMem + 0x100));
    h.wr(T::kCtrl, 1 | 16);  // signed inputs, IN_EXT
    t_before = sc_core::sc_time_stamp();
    h.wr(T::kCmd, static_cast<uint32_t>(T::Op::mvm));
    t_after = sc_core::sc_time_stamp();
    store_delay = h.delay;
    status_after = h.rd(T::kStatus);
    h.wr(T::kSrcAddr, 0xDEAD'0000);  // latched at CMD: must not affect the running command
    wait(h.delay);
    while (h.rd(T::kStatus) & 1) wait(1, SC_NS);
    t_done = sc_core::sc_time_stamp();
  };
  sc_core::sc_start(sc_time(100, sc_core::SC_US));
  EXPECT_EQ(t_after, t_before);               // the store did not wait
  EXPECT_EQ(store_delay, sc_time(2, SC_NS));  // just the register latency
  EXPECT_EQ(status_after & 3, 1u);            // BUSY, no error
  // The DMA crosses the mesh twice (5 routers each way) before the MVM can start.
  EXPECT_GT((t_done - t_before).to_seconds() * 1e9, 20.0);
  EXPECT_EQ(b.host->rd(T::kErrorCode), 0u);
  EXPECT_EQ(b.host->rd(T::kIrqStatus) & 1, 1u);
  const double lat = b.host->rd(T::kLastLatencyNs);
  EXPECT_NEAR((t_done - t_before).to_seconds() * 1e9, lat, 1.0);
  // Bit-exact result from the DMA'd inputs.
  auto out = b.host->get(T::kOutOffset, 4 * C);
  for (unsigned j = 0; j < C; ++j) {
    int32_t ref = 0;
    for (unsigned i = 0; i < R; ++i) ref += int32_t(int8_t(x[i])) * int8_t(w[i * C + j]);
    int32_t got;
    std::memcpy(&got, &out[4 * j], 4);
    EXPECT_EQ(got, ref) << j;
  }
}

TEST_F(TileDma, ErrorInTheMiddleReportsTheLowestFailingBurst) {
  // Burst 10 fails slowly (500 ns), burst 12 fails at once: burst 12's error is seen first,
  // but ERROR_INFO must name burst 10, which is still in flight and finishes first.
  Bench b(digital(4), false, 1.0, 0.0);
  const uint64_t src = 0x8000;
  b.mem->fail = {src + 10 * 64, src + 12 * 64};
  b.mem->extra = [&](uint64_t a) {
    return a == src + 10 * 64 ? sc_time(500, SC_NS) : SC_ZERO_TIME;
  };
  settle();
  Host& h = *b.host;
  h.wr(T::kIrqEnable, 2);
  h.wr(T::kSrcAddr, static_cast<uint32_t>(kMem + src));
  h.wr(T::kDmaLocal, T::kInOffset);
  h.wr(T::kDmaLen, 16 * 1024);
  h.wr(T::kCmd, static_cast<uint32_t>(T::Op::dma_in));
  EXPECT_EQ(b.wait_idle(), static_cast<uint32_t>(T::Error::dma));
  EXPECT_EQ(h.rd(T::kErrorInfo), static_cast<uint32_t>(kMem + src + 10 * 64));
  EXPECT_TRUE(b.irq.read());
  // Bursts 0..12 were issued; burst 13 (due at 114 ns) was dropped when 12 failed at 107 ns.
  EXPECT_EQ(b.stat("dma_bursts"), 13);
  EXPECT_EQ(b.mem->accesses, 13u);
  EXPECT_EQ(b.stat("dma_bytes_read"), 11 * 64);  // bursts 0..9 and 11
  // Completion waits for burst 10: issued at setup + 10*8 = 90 ns, answered 501 ns later.
  EXPECT_NEAR(h.rd(T::kLastLatencyNs), 10 + 10 * 8 + 501 + 2, 2.0);
  // The engine is usable again afterwards.
  b.mem->fail.clear();
  h.wr(T::kDmaLen, 256);
  h.wr(T::kCmd, static_cast<uint32_t>(T::Op::dma_in));
  EXPECT_EQ(b.wait_idle(), 0u);
}

TEST_F(TileDma, DmaOutAndWExtProgramThroughTheEngine) {
  const unsigned R = 64, C = 32;
  Bench b(digital(3, R, C), true, 0.0, 1.0);
  settle();
  Host& h = *b.host;
  auto w = pattern(R * C, 5);  // 2 KiB of weights: 32 bursts
  std::memcpy(b.mem->data.data() + 0x2000, w.data(), w.size());
  h.wr(T::kSrcAddr, static_cast<uint32_t>(kMem + 0x2000));
  h.wr(T::kCtrl, 1 | 64);  // W_EXT
  h.wr(T::kCmd, static_cast<uint32_t>(T::Op::program));
  EXPECT_EQ(h.rd(T::kStatus) & 1, 1u);
  ASSERT_EQ(b.wait_idle(), 0u);
  EXPECT_EQ(h.get(T::kWbufOffset, R * C), w);
  // DMA_OUT the weights back to another place (odd length: a short last burst).
  const uint32_t n = 1000;
  h.wr(T::kDmaLocal, T::kWbufOffset);
  h.wr(T::kDmaLen, n);
  h.wr(T::kDstAddr, static_cast<uint32_t>(kMem + 0x9000));
  h.wr(T::kCmd, static_cast<uint32_t>(T::Op::dma_out));
  ASSERT_EQ(b.wait_idle(), 0u);
  EXPECT_EQ(std::memcmp(b.mem->data.data() + 0x9000, w.data(), n), 0);
  EXPECT_EQ(b.mem->data[0x9000 + n], 0);
  EXPECT_EQ(b.stat("dma_bytes_written"), n);
  EXPECT_EQ(b.stat("dma_bursts"), 32 + 16);
  EXPECT_EQ(b.stat("dma_peak_outstanding"), 3);
}

TEST_F(TileDma, SameSeedGivesIdenticalResultsAndStats) {
  auto run = [](uint64_t seed) {
    fresh_context();
    TileConfig c;  // default analog PCM, every non-ideality on
    c.rows = 64;
    c.cols = 32;
    c.periphery.dma_outstanding = 4;
    Bench b(c, true, 0.0, 1.0, seed);
    auto w = pattern(64 * 32, 9);
    for (auto& v : w) v = static_cast<uint8_t>(int8_t(v) / 2);  // within +-127
    auto x = pattern(64 * 4, 10);
    std::memcpy(b.mem->data.data() + 0x1000, w.data(), w.size());
    std::memcpy(b.mem->data.data() + 0x3000, x.data(), x.size());
    settle();
    Host& h = *b.host;
    h.wr(T::kSrcAddr, static_cast<uint32_t>(kMem + 0x1000));
    h.wr(T::kCtrl, 1 | 64);
    h.wr(T::kCmd, static_cast<uint32_t>(T::Op::program));
    EXPECT_EQ(b.wait_idle(), 0u);
    h.wr(T::kSrcAddr, static_cast<uint32_t>(kMem + 0x3000));
    h.wr(T::kDstAddr, static_cast<uint32_t>(kMem + 0x5000));
    h.wr(T::kBatch, 4);
    h.wr(T::kCtrl, 1 | 16 | 32);
    h.wr(T::kCmd, static_cast<uint32_t>(T::Op::mvm_batch));
    EXPECT_EQ(b.wait_idle(), 0u);
    std::vector<uint8_t> y(b.mem->data.begin() + 0x5000, b.mem->data.begin() + 0x5000 + 512);
    auto j = stats::Registry::get().to_json();
    return std::make_pair(y, j["tile0"].dump());
  };
  auto a = run(3), a2 = run(3), c = run(4);
  EXPECT_EQ(a.first, a2.first);
  EXPECT_EQ(a.second, a2.second);
  EXPECT_NE(a.first, c.first);
}

TEST_F(TileDma, OutstandingOutOfRangeIsRejected) {
  EXPECT_THROW(ImcTile("t0", digital(0), 0, 1), std::invalid_argument);
  EXPECT_THROW(ImcTile("t1", digital(65), 0, 1), std::invalid_argument);
}

}  // namespace
