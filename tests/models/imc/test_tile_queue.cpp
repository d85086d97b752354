// The tile command processor (docs/command-queues.md): every operation's results, timing and
// energy, tile-to-tile SEND/WAIT and BARRIER, and every error class including deadlock.
// Bench: a host initiator, N digital tiles and a memory on one bus (global addresses), with
// the tiles' DMA on the same bus; the deadlock monitor of the SoC.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/bus/bus.h"
#include "models/common/log.h"
#include "models/common/stats.h"
#include "models/imc/imc_tile.h"
#include "models/imc/queue_monitor.h"
#include "tests/models/imc/tile_bench_parts.h"
#include "tests/util/sc_fixture.h"

using namespace imcvp;
using namespace imcvp::imc;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using T = ImcTile;

namespace {

constexpr uint64_t kMem = 0x8000'0000, kMemSize = 1 << 20, kTiles = 0x2000'0000,
                   kStride = 0x10'0000;
constexpr double kBusNs = 5.0, kMemNs = 20.0;

using Mem = test::BenchMem;
using Host = test::BenchHost;

// A descriptor under construction.
struct D {
  uint32_t w[16] = {};
  explicit D(queue::QOp op, uint32_t sub = 0, bool irq = false) {
    w[0] = static_cast<uint32_t>(op) | (irq ? 1u << 8 : 0u) | sub << 16;
  }
  D& set(unsigned i, uint32_t v) {
    w[i] = v;
    return *this;
  }
};

TileConfig digital_tile(unsigned rows = 16, unsigned cols = 8) {
  TileConfig c;
  c.kind = "digital";
  c.rows = rows;
  c.cols = cols;
  return c;
}

struct Bench {
  std::unique_ptr<Host> host;
  std::unique_ptr<bus::Bus> bus;
  std::unique_ptr<Mem> mem;
  std::unique_ptr<QueueMonitor> monitor;
  std::vector<std::unique_ptr<ImcTile>> tiles;
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> irqs;
  uint64_t ring_next = 0x1000;  // where the next ring goes in mem

  explicit Bench(unsigned n, const TileConfig& cfg = digital_tile(), double deadlock_ns = 1000) {
    host = std::make_unique<Host>("host");
    bus::BusConfig bc;
    bc.latency_ns = kBusNs;
    bus = std::make_unique<bus::Bus>("bus", bc);
    mem = std::make_unique<Mem>("mem", sc_time(kMemNs, SC_NS), kMemSize);
    monitor = std::make_unique<QueueMonitor>("monitor", sc_time(deadlock_ns, SC_NS));
    host->socket.bind(bus->target_socket);
    for (unsigned i = 0; i < n; ++i) {
      tiles.push_back(
          std::make_unique<ImcTile>(("tile" + std::to_string(i)).c_str(), cfg, i, 1 + i));
      tiles.back()->dma.bind(bus->target_socket);
      bus->add_target("tile" + std::to_string(i), kTiles + i * kStride, kStride);
      bus->initiator_socket.bind(tiles.back()->socket);
      irqs.push_back(
          std::make_unique<sc_core::sc_signal<bool>>(("irq" + std::to_string(i)).c_str()));
      tiles.back()->irq(*irqs.back());
      tiles.back()->connect_queues(kTiles, kStride, n, monitor.get());
    }
    bus->add_target("mem", kMem, kMemSize);
    bus->initiator_socket.bind(mem->socket);
    sc_core::sc_start(SC_ZERO_TIME);  // elaborate (the bus registers its callbacks)
  }
  static uint64_t tile(unsigned i) { return kTiles + i * kStride; }

  // Writes a ring of the given descriptors for tile t in mem (slots = max(n, min_slots)),
  // enables the queue and rings the doorbell. Returns the ring's mem offset.
  uint64_t submit(unsigned t, const std::vector<D>& ds, uint32_t ctrl = 1 | 4, unsigned slots = 0) {
    const uint64_t off = ring_next;
    slots = std::max<unsigned>(slots, static_cast<unsigned>(ds.size()));
    ring_next += 64ull * slots + 64;
    for (unsigned i = 0; i < ds.size(); ++i)
      for (unsigned k = 0; k < 16; ++k) mem->w32(off + 64ull * i + 4 * k, ds[i].w[k]);
    host->wr(tile(t) + T::kQBase, static_cast<uint32_t>(kMem + off));
    host->wr(tile(t) + T::kQSize, slots);
    host->wr(tile(t) + T::kQCtrl, ctrl);
    host->wr(tile(t) + T::kQTail, host->rd(tile(t) + T::kQHead) + static_cast<uint32_t>(ds.size()));
    return off;
  }
  uint32_t status(uint64_t ring, unsigned i) const { return mem->r32(ring + 64ull * i + 60); }
  void run(double ns) { sc_core::sc_start(sc_time(ns, SC_NS)); }
  // Runs until every tile's queue is idle (or a limit).
  void drain(double limit_ns = 1e6) {
    for (double t = 0; t < limit_ns; t += 100) {
      bool busy = false;
      for (unsigned i = 0; i < tiles.size(); ++i) {
        const uint32_t st = host->rd(tile(i) + T::kQStatus);
        const bool pending = host->rd(tile(i) + T::kQHead) != host->rd(tile(i) + T::kQTail) &&
                             (host->rd(tile(i) + T::kQCtrl) & 1) && !(st & 4);
        busy |= (st & 1) || pending;
      }
      if (!busy) return;
      run(100);
    }
    ADD_FAILURE() << "queues did not drain";
  }
  double stat(unsigned t, const std::string& name) const {
    const auto* g = stats::Registry::get().find("tile" + std::to_string(t));
    if (!g) return -1;
    for (const auto& e : g->entries())
      if (e.name == name) return e.number();
    ADD_FAILURE() << "no stat " << name;
    return -1;
  }
  // Programs tile t with W (rows x cols int8, row-major) through the register path.
  void program(unsigned t, const std::vector<int8_t>& w, unsigned rows, unsigned cols) {
    host->put(tile(t) + T::kWbufOffset, w.data(), static_cast<unsigned>(w.size()));
    host->wr(tile(t) + T::kDimRows, rows);
    host->wr(tile(t) + T::kDimCols, cols);
    host->wr(tile(t) + T::kCmd, 1);
    run(10000);
    EXPECT_EQ(host->rd(tile(t) + T::kErrorCode), 0u);
  }
};

std::vector<int8_t> weights(unsigned n, int seed) {
  std::vector<int8_t> w(n);
  for (unsigned i = 0; i < n; ++i) w[i] = static_cast<int8_t>((i * 37 + seed * 11) % 15 - 7);
  return w;
}

std::vector<int32_t> ref_mvm(const std::vector<int8_t>& w, const std::vector<int8_t>& x,
                             unsigned rows, unsigned cols) {
  std::vector<int32_t> y(cols, 0);
  for (unsigned j = 0; j < cols; ++j)
    for (unsigned i = 0; i < rows; ++i) y[j] += int32_t(x[i]) * w[i * cols + j];
  return y;
}

int32_t i32(const std::vector<uint8_t>& b, unsigned k) {
  return static_cast<int32_t>(uint32_t(b[4 * k]) | uint32_t(b[4 * k + 1]) << 8 |
                              uint32_t(b[4 * k + 2]) << 16 | uint32_t(b[4 * k + 3]) << 24);
}

uint32_t status_of(T::Error e, unsigned field) {
  return queue::status_word(static_cast<uint32_t>(e), field);
}

class TileQueue : public test::ScFixture {};

TEST_F(TileQueue, MvmThroughTheQueueEqualsTheReferenceWithStatusAndTiming) {
  Bench b(1);
  const unsigned R = 16, C = 8;
  auto w = weights(R * C, 1);
  b.program(0, w, R, C);
  std::vector<int8_t> x(2 * R);
  for (unsigned i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(int(i % 9) - 4);
  b.host->put(Bench::tile(0) + T::kInOffset + 0x100, x.data(), 2 * R);
  const sc_time t0 = sc_core::sc_time_stamp();
  const uint64_t ring = b.submit(0, {D(queue::QOp::mvm)
                                         .set(1, R)
                                         .set(2, C)
                                         .set(3, 2)
                                         .set(4, T::kInOffset + 0x100)
                                         .set(5, T::kOutOffset + 0x40)
                                         .set(6, 1)});
  b.drain();
  EXPECT_EQ(b.status(ring, 0), 1u);  // DONE, no error
  auto out = b.host->get(Bench::tile(0) + T::kOutOffset + 0x40, 2 * C * 4);
  for (unsigned v = 0; v < 2; ++v) {
    auto y = ref_mvm(w, std::vector<int8_t>(x.begin() + v * R, x.begin() + (v + 1) * R), R, C);
    for (unsigned j = 0; j < C; ++j) EXPECT_EQ(i32(out, v * C + j), y[j]) << v << "," << j;
  }
  EXPECT_EQ(b.stat(0, "queue.descriptors"), 1);
  EXPECT_EQ(b.stat(0, "queue.ops.mvm"), 1);
  EXPECT_EQ(b.stat(0, "mvms"), 2);
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQHead), 1u);
  // Timing: fetch (DMA setup 10 + 64 B / 8 B/ns + one bus+mem access 25) + decode 2 cycles +
  // 2 vectors x (8 bits x 1 ns + 4 ns post-processing) + write-back (10 + 0.5 + 25).
  const double fetch = 10 + 8 + (kBusNs + kMemNs), decode = 2, mvm = 2 * (8 + 4),
               wb = 10 + 0.5 + (kBusNs + kMemNs);
  EXPECT_NEAR(b.stat(0, "queue.fetch_time"), fetch + decode, 1e-6);
  EXPECT_NEAR(b.stat(0, "queue.active_time"), fetch + decode + mvm + wb, 1e-6);
  EXPECT_NEAR(b.stat(0, "busy_time") - 0, b.stat(0, "busy_time"), 0);  // defined
  (void)t0;
}

TEST_F(TileQueue, MvmOnASubArraySelectsRowsColumnsAndTheirBias) {
  // Two layers packed block-diagonally into one 16x8 array: A at rows 0-7 x cols 0-3, B at
  // rows 8-15 x cols 4-7. An MVM with ROW0 = 8, COL0 = 4 computes B alone, with BIAS[4..7].
  Bench b(1);
  const unsigned R = 16, C = 8;
  std::vector<int8_t> w(R * C, 0), wb(8 * 4);
  for (unsigned i = 0; i < 8; ++i)
    for (unsigned j = 0; j < 4; ++j) {
      w[i * C + j] = static_cast<int8_t>(i + j + 1);             // A
      wb[i * 4 + j] = static_cast<int8_t>(int(i) - int(j) * 2);  // B
      w[(8 + i) * C + 4 + j] = wb[i * 4 + j];
    }
  b.program(0, w, R, C);
  std::vector<int8_t> x(8);
  for (unsigned i = 0; i < 8; ++i) x[i] = static_cast<int8_t>(3 - int(i));
  b.host->put(Bench::tile(0) + T::kInOffset, x.data(), 8);
  std::vector<int32_t> bias(C);
  for (unsigned j = 0; j < C; ++j) bias[j] = 1000 * int(j);
  b.host->put(Bench::tile(0) + T::kBiasOffset, bias.data(), 4 * C);
  const uint64_t ring = b.submit(0, {D(queue::QOp::mvm)
                                         .set(1, 8)
                                         .set(2, 4)
                                         .set(3, 1)
                                         .set(4, T::kInOffset)
                                         .set(5, T::kOutOffset)
                                         .set(6, 1 | 2)
                                         .set(8, 8)
                                         .set(9, 4),
                                     D(queue::QOp::mvm)
                                         .set(1, 8)
                                         .set(2, 4)
                                         .set(3, 1)
                                         .set(4, T::kInOffset)
                                         .set(5, T::kOutOffset)
                                         .set(6, 1)
                                         .set(8, 9)
                                         .set(9, 0)});
  b.drain();
  EXPECT_EQ(b.status(ring, 0), 1u);
  auto y = ref_mvm(wb, x, 8, 4);
  auto out = b.host->get(Bench::tile(0) + T::kOutOffset, 16);
  for (unsigned j = 0; j < 4; ++j) EXPECT_EQ(i32(out, j), y[j] + 1000 * int(4 + j)) << j;
  EXPECT_EQ(b.stat(0, "macs"), 8 * 4);
  // ROW0 + ROWS beyond the array: bad_dim naming word 8.
  EXPECT_EQ(b.status(ring, 1), status_of(T::Error::bad_dim, 8));
}

TEST_F(TileQueue, LoadFetchesAnIm2colWindowWithPaddedBordersAndStoreSkipsThem) {
  Bench b(1);
  // A 4x4x2 int8 feature map (HWC) in memory at +0x8000: value = 10*row + col*2 + ch + 1.
  const unsigned H = 4, W = 4, Cn = 2;
  for (unsigned r = 0; r < H; ++r)
    for (unsigned c = 0; c < W * Cn; ++c)
      b.mem->data[0x8000 + r * W * Cn + c] = uint8_t(10 * r + c + 1);
  // 3x3 windows at output (0,0) and (0,1) with padding 1: COL0 = -1*C, ROW0 = -1, Z = 2 along x.
  const uint32_t X = 3 * Cn, Y = 3;
  D ld(queue::QOp::load);
  ld.set(1, kMem + 0x8000)
      .set(2, W * Cn)
      .set(3, (W * Cn) | H << 16)
      .set(4, uint32_t(-int(Cn)))
      .set(5, uint32_t(-1))
      .set(6, X | Y << 16)
      .set(7, 2 | 0x7Fu << 16)
      .set(8, Cn)
      .set(9, 0)
      .set(10, T::kInOffset)
      .set(11, 0);
  const uint64_t ring = b.submit(0, {ld});
  b.drain();
  EXPECT_EQ(b.status(ring, 0), 1u);
  auto got = b.host->get(Bench::tile(0) + T::kInOffset, 2 * X * Y);
  for (unsigned z = 0; z < 2; ++z)
    for (unsigned y = 0; y < Y; ++y)
      for (unsigned x = 0; x < X; ++x) {
        const int r = int(y) - 1, c = int(x) - int(Cn) + int(z * Cn);
        const uint8_t want =
            (r < 0 || r >= int(H) || c < 0 || c >= int(W * Cn)) ? 0x7F : uint8_t(10 * r + c + 1);
        EXPECT_EQ(got[z * X * Y + y * X + x], want) << z << "," << y << "," << x;
      }
  // Window 0: top row (6) + left column (2 rows x 2) padded; window 1: top row only.
  EXPECT_EQ(b.stat(0, "queue.pad_bytes"), 6 + 4 + 6);
  // STORE the first window back to +0x9000 as a 4x4x2 map at the same place: out-of-bounds
  // bytes are skipped, so the pre-filled 0xEE around them stays.
  std::memset(&b.mem->data[0x9000], 0xEE, H * W * Cn);
  D st(queue::QOp::store);
  st.w[0] = static_cast<uint32_t>(queue::QOp::store);
  std::memcpy(st.w + 1, ld.w + 1, sizeof(uint32_t) * 11);
  st.set(1, kMem + 0x9000).set(7, 1);
  const uint64_t r2 = b.submit(0, {st});
  b.drain();
  EXPECT_EQ(b.status(r2, 0), 1u);
  for (unsigned r = 0; r < H; ++r)
    for (unsigned c = 0; c < W * Cn; ++c) {
      const bool in_window = r < 2 && c < 4;
      EXPECT_EQ(b.mem->data[0x9000 + r * W * Cn + c], in_window ? uint8_t(10 * r + c + 1) : 0xEE)
          << r << "," << c;
    }
}

TEST_F(TileQueue, SendAndWaitChainTwoTilesWithoutTheHost) {
  Bench b(2);
  const unsigned R = 16, C = 8;
  auto w0 = weights(R * C, 1), w1 = weights(C * 4, 2);
  b.program(0, w0, R, C);
  b.program(1, w1, C, 4);
  std::vector<int8_t> x(R);
  for (unsigned i = 0; i < R; ++i) x[i] = static_cast<int8_t>(i % 5);
  b.host->put(Bench::tile(0) + T::kInOffset, x.data(), R);
  // SCALE = 1, SHIFT 0 requantises the accumulator to int8 (saturating).
  std::vector<uint8_t> one(4 * C, 0);
  for (unsigned j = 0; j < C; ++j) one[4 * j] = 1;
  b.host->put(Bench::tile(0) + T::kScaleOffset, one.data(), 4 * C);
  // Tile 1 waits for SEM[3] >= 1, then multiplies what tile 0 sent into its IN.
  const uint64_t r1 =
      b.submit(1, {D(queue::QOp::wait).set(1, 3).set(2, 1), D(queue::QOp::mvm)
                                                                .set(1, C)
                                                                .set(2, 4)
                                                                .set(3, 1)
                                                                .set(4, T::kInOffset)
                                                                .set(5, T::kOutOffset)
                                                                .set(6, 1)});
  b.run(500);
  EXPECT_EQ(b.host->rd(Bench::tile(1) + T::kQStatus) & 3, 3u);  // running, waiting
  EXPECT_EQ(b.host->rd(Bench::tile(1) + T::kQHead), 0u);
  const uint64_t r0 = b.submit(0, {D(queue::QOp::mvm)
                                       .set(1, R)
                                       .set(2, C)
                                       .set(3, 1)
                                       .set(4, T::kInOffset)
                                       .set(5, T::kOutOffset)
                                       .set(6, 1 | 8),
                                   D(queue::QOp::send)
                                       .set(1, T::kOutOffset)
                                       .set(2, C)
                                       .set(3, 1)
                                       .set(4, T::kInOffset)
                                       .set(5, 3)
                                       .set(6, 1)});
  b.drain();
  EXPECT_EQ(b.status(r0, 0), 1u);
  EXPECT_EQ(b.status(r0, 1), 1u);
  EXPECT_EQ(b.status(r1, 0), 1u);
  EXPECT_EQ(b.status(r1, 1), 1u);
  auto y0 = ref_mvm(w0, x, R, C);
  std::vector<int8_t> h(C);
  for (unsigned j = 0; j < C; ++j) h[j] = static_cast<int8_t>(std::clamp(y0[j], -128, 127));
  auto y1 = ref_mvm(w1, h, C, 4);
  auto out = b.host->get(Bench::tile(1) + T::kOutOffset, 16);
  for (unsigned j = 0; j < 4; ++j) EXPECT_EQ(i32(out, j), y1[j]);
  EXPECT_EQ(b.host->rd(Bench::tile(1) + T::kSem0 + 12), 0u);  // consumed
  EXPECT_EQ(b.stat(0, "queue.send_bytes"), C);
  EXPECT_EQ(b.stat(0, "queue.sem_posts"), 1);
  EXPECT_GT(b.stat(1, "queue.wait_time"), 400);
  EXPECT_EQ(b.monitor->deadlocks(), 0u);
}

TEST_F(TileQueue, VectorUnitOpsAreBitExactWithTheirLatency) {
  Bench b(1);
  const uint64_t t = Bench::tile(0);
  std::vector<int8_t> a = {-100, -3, 0, 5, 127, -128, 64, 7},
                      bb = {100, 4, -1, 5, 127, -128, -64, 9};
  b.host->put(t + T::kInOffset, a.data(), 8);
  b.host->put(t + T::kInOffset + 0x100, bb.data(), 8);
  std::vector<int32_t> acc = {1000, -1000, 0, 123456, -7, 300, 255, -256};
  b.host->put(t + T::kOutOffset + 0x1000, acc.data(), 32);
  using V = queue::VecOp;
  auto vec = [](V v) { return D(queue::QOp::vec, static_cast<uint32_t>(v)); };
  const uint64_t ring = b.submit(
      0, {vec(V::add)
              .set(1, T::kInOffset)
              .set(2, T::kInOffset + 0x100)
              .set(3, T::kOutOffset)
              .set(4, 8)
              .set(5, 3)
              .set(6, 1)
              .set(7, 2),
          vec(V::relu).set(1, T::kInOffset).set(3, T::kOutOffset + 0x10).set(4, 8),
          vec(V::maxpool)
              .set(1, T::kInOffset)
              .set(3, T::kOutOffset + 0x20)
              .set(4, 2)
              .set(5, 4)
              .set(6, 2),
          vec(V::avgpool)
              .set(1, T::kInOffset)
              .set(3, T::kOutOffset + 0x30)
              .set(4, 2)
              .set(5, 4)
              .set(6, 2),
          vec(V::requant)
              .set(1, T::kOutOffset + 0x1000)
              .set(3, T::kOutOffset + 0x40)
              .set(4, 8)
              .set(5, 3)
              .set(7, 4)
              .set(8, 1),
          vec(V::copy).set(1, T::kInOffset + 0x100).set(3, T::kOutOffset + 0x50).set(4, 8)});
  b.drain();
  for (unsigned i = 0; i < 6; ++i) EXPECT_EQ(b.status(ring, i), 1u) << i;
  auto o = b.host->get(t + T::kOutOffset, 0x58);
  auto s8 = [&](unsigned k) { return static_cast<int8_t>(o[k]); };
  // ADD: (3a + b + 2) >> 2, saturated.
  for (unsigned i = 0; i < 8; ++i) {
    int64_t v = (3 * int64_t(a[i]) + bb[i] + 2) >> 2;
    EXPECT_EQ(s8(i), std::clamp<int64_t>(v, -128, 127)) << i;
  }
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(s8(0x10 + i), std::max<int8_t>(a[i], 0));
  // Pooling over 4 vectors of 2 at stride 2: elements {0,2,4,6} and {1,3,5,7}.
  EXPECT_EQ(s8(0x20), 127);
  EXPECT_EQ(s8(0x21), 7);
  EXPECT_EQ(s8(0x30), 23);   // (-100 + 0 + 127 + 64) / 4 = 22.75 -> 23
  EXPECT_EQ(s8(0x31), -30);  // (-3 + 5 - 128 + 7) / 4 = -29.75 -> -30 (round half up)
  const int8_t rq[8] = {127, 0, 0, 127, 0, 56, 48, 0};  // (3a + 8) >> 4, ReLU, saturated
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(s8(0x40 + i), rq[i]) << i;
  for (unsigned i = 0; i < 8; ++i) EXPECT_EQ(s8(0x50 + i), bb[i]);
  EXPECT_EQ(b.stat(0, "queue.vec.add"), 1);
  EXPECT_EQ(b.stat(0, "queue.vec.avgpool"), 1);
  // Elements read: add 16, relu 8, max 8, avg 8, requant 8, copy 8 = 56; energies per element.
  EXPECT_EQ(b.stat(0, "queue.vec_elements"), 56);
  // The per-element energies as the tile runs them: scaled from queue.node_nm (45 nm) to the
  // tile's area.node_nm (14 nm; docs/imc-model.md, "Technology node").
  const auto q = at_node(TileConfig()).queue;
  EXPECT_NEAR(b.stat(0, "energy.vector"), 56 * q.vec_simple_energy_pj + 16 * q.vec_mul_energy_pj,
              1e-9);
}

TEST_F(TileQueue, Add32SumsPartialSumsAndLoadsFromOwnBuffersStayInTheTile) {
  Bench b(1);
  const uint64_t t = Bench::tile(0);
  std::vector<int32_t> p0 = {1, -2, 2147483000, -2147483000}, p1 = {10, 20, 1000, -1000};
  b.host->put(t + T::kOutOffset, p0.data(), 16);
  b.host->put(t + T::kOutOffset + 0x100, p1.data(), 16);
  // Gather OUT[0x200..] 4-byte columns from OUT as a 2-D tensor inside the tile (local move).
  std::vector<int8_t> img(32);
  for (unsigned i = 0; i < 32; ++i) img[i] = static_cast<int8_t>(i);
  b.host->put(t + T::kInOffset + 0x400, img.data(), 32);
  D ld(queue::QOp::load);
  ld.set(1, static_cast<uint32_t>(t + T::kInOffset + 0x400))
      .set(2, 8)
      .set(3, 8 | 4 << 16)
      .set(4, 2)
      .set(6, 3 | 4 << 16)
      .set(7, 1)
      .set(10, T::kInOffset);
  const uint64_t ring = b.submit(0, {D(queue::QOp::vec, 6)
                                         .set(1, T::kOutOffset)
                                         .set(2, T::kOutOffset + 0x100)
                                         .set(3, T::kOutOffset + 0x200)
                                         .set(4, 4),
                                     ld});
  b.drain();
  EXPECT_EQ(b.status(ring, 0), 1u);
  EXPECT_EQ(b.status(ring, 1), 1u);
  auto o = b.host->get(t + T::kOutOffset + 0x200, 16);
  EXPECT_EQ(i32(o, 0), 11);
  EXPECT_EQ(i32(o, 1), 18);
  EXPECT_EQ(i32(o, 2), 2147483647);  // saturated
  EXPECT_EQ(i32(o, 3), -2147483648);
  EXPECT_EQ(b.stat(0, "queue.vec.add32"), 1);
  auto g = b.host->get(t + T::kInOffset, 12);
  for (unsigned r = 0; r < 4; ++r)
    for (unsigned c = 0; c < 3; ++c) EXPECT_EQ(int8_t(g[r * 3 + c]), int8_t(r * 8 + 2 + c));
  EXPECT_EQ(b.stat(0, "queue.local_bytes"), 12);
  // Only the descriptor fetches and status write-backs used the DMA port: 2 x (64 + 4) bytes.
  EXPECT_EQ(b.stat(0, "dma_bytes_read"), 2 * 64);
  EXPECT_EQ(b.stat(0, "dma_bytes_written"), 2 * 4);
}

TEST_F(TileQueue, ProgramFromMemoryThenMvm) {
  Bench b(1);
  const unsigned R = 16, C = 8;
  auto w = weights(R * C, 5);
  std::memcpy(&b.mem->data[0x20000], w.data(), w.size());
  std::vector<int8_t> x(R, 3);
  b.host->put(Bench::tile(0) + T::kInOffset, x.data(), R);
  const uint64_t ring = b.submit(
      0,
      {D(queue::QOp::program).set(1, kMem + 0x20000).set(2, R).set(3, C), D(queue::QOp::mvm)
                                                                              .set(1, R)
                                                                              .set(2, C)
                                                                              .set(3, 1)
                                                                              .set(4, T::kInOffset)
                                                                              .set(5, T::kOutOffset)
                                                                              .set(6, 1)});
  b.drain();
  EXPECT_EQ(b.status(ring, 0), 1u);
  EXPECT_EQ(b.status(ring, 1), 1u);
  auto y = ref_mvm(w, x, R, C);
  auto out = b.host->get(Bench::tile(0) + T::kOutOffset, 4 * C);
  for (unsigned j = 0; j < C; ++j) EXPECT_EQ(i32(out, j), y[j]);
  EXPECT_EQ(b.stat(0, "queue.ops.program"), 1);
  EXPECT_EQ(b.stat(0, "cells_written"), R * C);
}

TEST_F(TileQueue, SignalIrqAndQueueEmptyInterrupts) {
  Bench b(1);
  const uint64_t t = Bench::tile(0);
  b.host->wr(t + T::kIrqEnable, 4 | 16 | 32);
  b.submit(
      0,
      {D(queue::QOp::nop, 0, true), D(queue::QOp::signal).set(1, 0xC0FFEE), D(queue::QOp::fence)},
      1 | 2 | 4);
  b.drain();
  b.run(10);
  EXPECT_EQ(b.host->rd(t + T::kQSignal), 0xC0FFEEu);
  EXPECT_EQ(b.host->rd(t + T::kIrqStatus) & 0x3C, 4u | 16u | 32u);
  EXPECT_TRUE(b.irqs[0]->read());
  b.host->wr(t + T::kIrqStatus, 0x3C);
  b.run(10);
  EXPECT_FALSE(b.irqs[0]->read());
  EXPECT_EQ(b.stat(0, "queue.ops.fence"), 1);
}

TEST_F(TileQueue, BarrierReleasesAllTilesOnlyWhenTheLastArrives) {
  Bench b(3);
  // Tiles 0 and 1 reach the barrier at once; tile 2 only after 50 vectors of work.
  const auto bar = D(queue::QOp::barrier).set(1, 0b111).set(3, 7);
  auto r0 = b.submit(0, {bar, D(queue::QOp::signal).set(1, 1)});
  auto r1 = b.submit(1, {bar, D(queue::QOp::signal).set(1, 1)});
  b.run(300);
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQStatus) & 2, 2u);
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQSignal), 0u);
  auto r2 = b.submit(
      2, {D(queue::QOp::vec, 5).set(1, T::kInOffset).set(3, T::kOutOffset).set(4, 4000), bar});
  b.drain();
  for (auto r : {r0, r1, r2}) EXPECT_EQ(b.status(r, 0) & 0xFF01, 1u);
  EXPECT_EQ(b.status(r2, 1), 1u);
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(b.host->rd(Bench::tile(i) + T::kSem0 + 28), 0u) << i;
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQSignal), 1u);
  EXPECT_GE(b.stat(0, "queue.wait_time"), 1000);  // the 4000-element copy: 1000 cycles
}

TEST_F(TileQueue, RegisterCommandIsRejectedWhileTheQueueRuns) {
  Bench b(2);
  b.submit(0, {D(queue::QOp::wait).set(1, 0).set(2, 1)});
  b.run(200);
  b.host->wr(Bench::tile(0) + T::kCmd, 6);  // DMA_IN
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kErrorCode), static_cast<uint32_t>(T::Error::busy));
  b.host->wr(Bench::tile(0) + T::kSem0, 1);  // the host releases the wait
  b.drain();
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQHead), 1u);
}

// ---- errors ----

struct ErrCase {
  const char* name;
  D desc;
  T::Error err;
  unsigned field;
};

TEST_F(TileQueue, MalformedDescriptorsGetStatusErrorIrqAndALogLine) {
  using Q = queue::QOp;
  const std::vector<ErrCase> cases = {
      {"unknown op", D(static_cast<Q>(42)), T::Error::bad_op, 0},
      {"unknown vec", D(Q::vec, 9).set(4, 1), T::Error::bad_op, 0},
      {"send to tile 7", D(Q::send).set(1, T::kOutOffset).set(2, 4).set(3, 7).set(5, 0xFF),
       T::Error::bad_tile, 3},
      {"send sem 16", D(Q::send).set(3, 0).set(5, 16), T::Error::bad_sem, 5},
      {"send beyond buffer",
       D(Q::send).set(1, T::kOutOffset + T::kOutSize - 2).set(2, 4).set(3, 1).set(5, 0xFF),
       T::Error::bad_dma_range, 1},
      {"load outside any target",
       D(Q::load)
           .set(1, 0x1000'0000)
           .set(2, 8)
           .set(3, 8 | 1 << 16)
           .set(6, 8 | 1 << 16)
           .set(7, 1)
           .set(10, T::kInOffset),
       T::Error::dma, 1},
      {"load zero width",
       D(Q::load).set(1, kMem).set(3, 0).set(6, 1 | 1 << 16).set(7, 1).set(10, T::kInOffset),
       T::Error::bad_pattern, 3},
      {"load pitch < width",
       D(Q::load)
           .set(1, kMem)
           .set(2, 4)
           .set(3, 8 | 2 << 16)
           .set(6, 1 | 1 << 16)
           .set(7, 1)
           .set(10, T::kInOffset),
       T::Error::bad_pattern, 2},
      {"load box beyond buffer",
       D(Q::load)
           .set(1, kMem)
           .set(2, 64)
           .set(3, 64 | 1 << 16)
           .set(6, 64 | 1 << 16)
           .set(7, 2000)
           .set(10, T::kInOffset),
       T::Error::bad_dma_range, 10},
      {"mvm rows 0",
       D(Q::mvm).set(1, 0).set(2, 4).set(3, 1).set(4, T::kInOffset).set(5, T::kOutOffset),
       T::Error::bad_dim, 1},
      {"mvm not programmed",
       D(Q::mvm).set(1, 4).set(2, 4).set(3, 1).set(4, T::kInOffset).set(5, T::kOutOffset),
       T::Error::not_programmed, 0},
      {"mvm in outside buffers",
       D(Q::mvm).set(1, 4).set(2, 4).set(3, 1).set(4, 0x8000).set(5, T::kOutOffset),
       T::Error::bad_dma_range, 4},
      {"wait sem 20", D(Q::wait).set(1, 20).set(2, 1), T::Error::bad_sem, 1},
      {"barrier without self", D(Q::barrier).set(1, 0b10).set(3, 0), T::Error::bad_tile, 1},
      {"barrier tile 40", D(Q::barrier).set(1, 1).set(2, 1u << 8).set(3, 0), T::Error::bad_tile, 2},
      {"loop count 0", D(Q::loop).set(1, 0).set(2, 1), T::Error::bad_batch, 1},
      {"loop body not in the ring", D(Q::loop).set(1, 2).set(2, 5), T::Error::bad_queue, 2},
      {"increment of word 12", D(Q::nop).set(13, 12), T::Error::bad_op, 13},
      {"vec n 0", D(Q::vec, 1).set(1, T::kInOffset).set(3, T::kOutOffset), T::Error::bad_batch, 4},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    fresh_context();
    Bench b(2);
    const uint64_t t = Bench::tile(0);
    b.host->wr(t + T::kIrqEnable, 8);
    testing::internal::CaptureStderr();
    const uint64_t ring = b.submit(0, {c.desc, D(queue::QOp::nop)});
    b.drain();
    b.run(10);
    const std::string err = testing::internal::GetCapturedStderr();
    const uint32_t st = b.status(ring, 0);
    EXPECT_EQ(st & 1, 1u);
    EXPECT_EQ((st >> 8) & 0xFF, static_cast<uint32_t>(c.err)) << T::error_name(c.err);
    EXPECT_EQ(st >> 16, c.field);
    EXPECT_EQ(b.status(ring, 1), 0u);  // halted: the NOP did not run
    EXPECT_EQ(b.host->rd(t + T::kQStatus) & 4, 4u);
    EXPECT_EQ((b.host->rd(t + T::kQStatus) >> 8) & 0xFF, static_cast<uint32_t>(c.err));
    EXPECT_EQ(b.host->rd(t + T::kQErrIndex), 0u);
    EXPECT_TRUE(b.irqs[0]->read());
    EXPECT_NE(err.find("tile0"), std::string::npos) << err;
    EXPECT_NE(err.find("queue[0]"), std::string::npos) << err;
    EXPECT_NE(err.find("word " + std::to_string(c.field)), std::string::npos) << err;
    EXPECT_NE(err.find(T::error_name(c.err)), std::string::npos) << err;
    EXPECT_EQ(b.stat(0, "queue.errors"), 1);
    // Re-enabling resumes after the failed descriptor.
    b.host->wr(t + T::kQCtrl, 0);
    b.host->wr(t + T::kQCtrl, 1 | 4);
    b.drain();
    EXPECT_EQ(b.status(ring, 1), 1u);
  }
}

TEST_F(TileQueue, WithoutStopOnErrorTheQueueContinues) {
  Bench b(1);
  const uint64_t ring = b.submit(0, {D(static_cast<queue::QOp>(99)), D(queue::QOp::nop)}, 1);
  b.drain();
  EXPECT_EQ((b.status(ring, 0) >> 8) & 0xFF, static_cast<uint32_t>(T::Error::bad_op));
  EXPECT_EQ(b.status(ring, 1), 1u);
}

TEST_F(TileQueue, BadRingRegistersHaltWithBadQueue) {
  Bench b(1);
  const uint64_t t = Bench::tile(0);
  testing::internal::CaptureStderr();
  b.host->wr(t + T::kQBase, kMem + 0x1010);  // not 64-byte aligned
  b.host->wr(t + T::kQSize, 4);
  b.host->wr(t + T::kQCtrl, 5);
  b.host->wr(t + T::kQTail, 1);
  b.run(200);
  EXPECT_EQ(b.host->rd(t + T::kQStatus), 4u | (10u << 8));
  b.host->wr(t + T::kQBase, kMem + 0x1000);
  b.host->wr(t + T::kQTail, 9);  // more than Q_SIZE ahead
  b.host->wr(t + T::kQCtrl, 0);
  b.host->wr(t + T::kQCtrl, 5);
  b.run(200);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(b.host->rd(t + T::kQStatus), 4u | (10u << 8));
  EXPECT_NE(err.find("not 64-byte aligned"), std::string::npos) << err;
  EXPECT_NE(err.find("more than Q_SIZE ahead"), std::string::npos) << err;
  // A ring in unmapped memory: the fetch fails with a dma error.
  b.host->wr(t + T::kQBase, 0x1000'0000);
  b.host->wr(t + T::kQTail, 1);
  b.host->wr(t + T::kQCtrl, 0);
  b.host->wr(t + T::kQCtrl, 5);
  b.run(500);
  EXPECT_EQ(b.host->rd(t + T::kQStatus), 4u | (5u << 8));
}

TEST_F(TileQueue, DeadlockIsDetectedAndReportedWithEachPendingWait) {
  Bench b(2, digital_tile(), /*deadlock_ns=*/2000);
  // Each tile waits for the other to send first.
  const uint64_t r0 = b.submit(0, {D(queue::QOp::wait).set(1, 1).set(2, 1),
                                   D(queue::QOp::send).set(3, 1).set(5, 1).set(6, 1)});
  const uint64_t r1 = b.submit(1, {D(queue::QOp::wait).set(1, 1).set(2, 2),
                                   D(queue::QOp::send).set(3, 0).set(5, 1).set(6, 1)});
  b.host->wr(Bench::tile(0) + T::kIrqEnable, 8);
  testing::internal::CaptureStderr();
  b.run(1000);
  EXPECT_EQ(b.monitor->deadlocks(), 0u);  // not yet: within the grace period
  b.run(5000);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(b.monitor->deadlocks(), 1u);
  EXPECT_EQ((b.status(r0, 0) >> 8) & 0xFF, static_cast<uint32_t>(T::Error::deadlock));
  EXPECT_EQ((b.status(r1, 0) >> 8) & 0xFF, static_cast<uint32_t>(T::Error::deadlock));
  EXPECT_NE(err.find("queue deadlock: 2 tile(s)"), std::string::npos) << err;
  EXPECT_NE(err.find("tile0 queue[0]: SEM[1] = 0, needs 1"), std::string::npos) << err;
  EXPECT_NE(err.find("tile1 queue[0]: SEM[1] = 0, needs 2"), std::string::npos) << err;
  EXPECT_TRUE(b.irqs[0]->read());
}

TEST_F(TileQueue, HostPostWithinTheGraceIsNotADeadlock) {
  Bench b(1, digital_tile(), 2000);
  const uint64_t r = b.submit(0, {D(queue::QOp::wait).set(1, 2).set(2, 1)});
  b.run(1500);
  b.host->wr(Bench::tile(0) + T::kSem0 + 8, 1);
  b.drain();
  b.run(5000);
  EXPECT_EQ(b.status(r, 0), 1u);
  EXPECT_EQ(b.monitor->deadlocks(), 0u);
}

TEST_F(TileQueue, LoopRepeatsItsBodyWithAddressIncrementsAndHoldsTheHead) {
  Bench b(1);
  // 4 vectors of 16 int8 at +0x8000; each: LOAD, ReLU, STORE to +0x9000 (LOAD and STORE
  // bases advance by 16 per iteration).
  for (unsigned i = 0; i < 64; ++i) b.mem->data[0x8000 + i] = uint8_t(int(i) - 32);
  D ld(queue::QOp::load), st(queue::QOp::store);
  for (D* d : {&ld, &st})
    d->set(2, 16).set(3, 16 | 1 << 16).set(6, 16 | 1 << 16).set(7, 1).set(13, 1).set(14, 16);
  ld.set(1, kMem + 0x8000).set(10, T::kInOffset);
  st.set(1, kMem + 0x9000).set(10, T::kOutOffset);
  const auto relu = D(queue::QOp::vec, 1).set(1, T::kInOffset).set(3, T::kOutOffset).set(4, 16);
  const uint64_t ring = b.submit(
      0, {D(queue::QOp::loop).set(1, 4).set(2, 3), ld, relu, st, D(queue::QOp::signal).set(1, 9)});
  b.run(150);
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQHead), 1u);  // the body stays unconsumed
  b.drain();
  for (unsigned i = 0; i < 64; ++i)
    EXPECT_EQ(b.mem->data[0x9000 + i], uint8_t(std::max(int(i) - 32, 0))) << i;
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQHead), 5u);
  EXPECT_EQ(b.host->rd(Bench::tile(0) + T::kQSignal), 9u);
  EXPECT_EQ(b.stat(0, "queue.descriptors"), 1 + 3 * 4 + 1);
  EXPECT_EQ(b.stat(0, "queue.ops.loop"), 1);
  EXPECT_EQ(b.stat(0, "queue.ops.load"), 4);
  for (unsigned i = 0; i < 5; ++i) EXPECT_EQ(b.status(ring, i), 1u) << i;
  // A LOOP inside a body is refused.
  const uint64_t r2 = b.submit(0,
                               {D(queue::QOp::loop).set(1, 2).set(2, 2),
                                D(queue::QOp::loop).set(1, 2).set(2, 1), D(queue::QOp::nop)},
                               1, /*slots=*/5);  // head 5: slot = index mod 5
  b.drain();
  EXPECT_EQ((b.status(r2, 1) >> 8) & 0xFF, static_cast<uint32_t>(T::Error::bad_op));
}

TEST_F(TileQueue, RingWrapsAroundAndTheHeadIsFreeRunning) {
  Bench b(1);
  const uint64_t t = Bench::tile(0);
  // A 2-slot ring fed 5 times with one SIGNAL each: slots are reused.
  const uint64_t ring = 0x4000;
  b.host->wr(t + T::kQBase, kMem + ring);
  b.host->wr(t + T::kQSize, 2);
  b.host->wr(t + T::kQCtrl, 5);
  for (uint32_t i = 0; i < 5; ++i) {
    const uint64_t slot = ring + 64ull * (i % 2);
    D d(queue::QOp::signal);
    d.set(1, 100 + i);
    for (unsigned k = 0; k < 16; ++k) b.mem->w32(slot + 4 * k, d.w[k]);
    b.host->wr(t + T::kQTail, i + 1);
    b.drain();
    EXPECT_EQ(b.host->rd(t + T::kQSignal), 100 + i);
    EXPECT_EQ(b.mem->r32(slot + 60), 1u);
  }
  EXPECT_EQ(b.host->rd(t + T::kQHead), 5u);
}

}  // namespace
