// A single IMC tile driven through its registers from sc_main (shared by the tile benches
// test_bit_serial.cpp and test_bit_slicing.cpp): write buffers, run a command and wait for it,
// read the int32 outputs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>

#include "models/imc/imc_tile.h"
#include "models/imc/numerics.h"
#include "tests/models/imc/tile_bench_parts.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

namespace imcvp::test {

// Host -> tile window; the tile's DMA port ends in a small memory it never uses here.
struct RegisterBench {
  TestInitiator host{"host"};
  std::unique_ptr<imc::ImcTile> tile;
  BenchMem mem{"mem", sc_core::SC_ZERO_TIME, 4096};
  sc_core::sc_signal<bool> irq{"irq"};

  RegisterBench(const imc::TileConfig& cfg, uint64_t seed) {
    tile = std::make_unique<imc::ImcTile>("tile0", cfg, 0, seed);
    host.socket.bind(tile->socket);
    tile->dma.bind(mem.socket);
    tile->irq(irq);
    settle();
  }
  uint32_t rd(uint64_t off) {
    host.delay = sc_core::SC_ZERO_TIME;
    return static_cast<uint32_t>(host.read(off, 4));
  }
  void wr(uint64_t off, uint32_t v) {
    host.delay = sc_core::SC_ZERO_TIME;
    host.write(off, v, 4);
  }
  void put(uint64_t off, const void* data, unsigned len) {
    std::vector<uint8_t> b(static_cast<const uint8_t*>(data),
                           static_cast<const uint8_t*>(data) + len);
    host.delay = sc_core::SC_ZERO_TIME;
    ASSERT_EQ(host.access(tlm::TLM_WRITE_COMMAND, off, b.data(), len), tlm::TLM_OK_RESPONSE);
  }
  std::vector<int32_t> out(unsigned n) {
    std::vector<uint8_t> b(4 * n);
    host.delay = sc_core::SC_ZERO_TIME;
    EXPECT_EQ(host.access(tlm::TLM_READ_COMMAND, imc::ImcTile::kOutOffset, b.data(), 4 * n),
              tlm::TLM_OK_RESPONSE);
    std::vector<int32_t> v(n);
    std::memcpy(v.data(), b.data(), b.size());
    return v;
  }
  uint32_t cmd(imc::ImcTile::Op op) {
    wr(imc::ImcTile::kCmd, static_cast<uint32_t>(op));
    for (int i = 0; i < 100000 && (rd(imc::ImcTile::kStatus) & 1); ++i)
      sc_core::sc_start(sc_core::sc_time(50, sc_core::SC_NS));
    settle();
    return rd(imc::ImcTile::kErrorCode);
  }
};

// n random int8 values in [lo, hi].
inline std::vector<int8_t> random_bytes(unsigned n, uint64_t seed, int lo, int hi) {
  imc::Rng r(seed);
  std::vector<int8_t> v(n);
  for (auto& e : v)
    e = static_cast<int8_t>(lo + static_cast<int>(r.next() % uint64_t(hi - lo + 1)));
  return v;
}

}  // namespace imcvp::test
