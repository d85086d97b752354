// Interleaver bench: granules land in the right target at the right local offset, boundary
// crossing accesses are split in address order (data, byte enables, delays, errors), debug
// transport splits too, DMI is refused, and bad geometry or binding is a clear error.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_target_socket.h>

#include "models/bus/interleaver.h"
#include "models/periph/memory.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using imcvp::Interleave;
using imcvp::bus::Interleaver;
using imcvp::test::TestInitiator;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

constexpr uint64_t kGranule = 256;
constexpr uint32_t kWays = 4;
constexpr uint64_t kPerWay = 4096;

Interleave geometry(uint64_t base = 0, uint32_t ways = kWays, uint64_t granule = kGranule,
                    uint64_t size = kPerWay * kWays) {
  Interleave il;
  il.base = base;
  il.size = size;
  il.granule = granule;
  il.ways = ways;
  return il;
}

// What a target saw, in the order all targets saw it (one shared log).
struct Seen {
  int target;
  uint64_t addr;
  unsigned len, streaming_width;
  bool has_be;
  std::vector<uint8_t> be;
  const uint8_t* be_ptr;
  sc_time delay_in;
  bool dbg;
};

// A RAM-like target that logs every access, honours byte enables, adds 10 ns, grants the
// dmi_allowed hint, and can be told to fail.
struct RecMem : sc_core::sc_module {
  tlm_utils::simple_target_socket<RecMem> socket;
  int index;
  std::vector<uint8_t> mem;
  std::vector<Seen>* log;
  tlm::tlm_response_status fail_with = tlm::TLM_OK_RESPONSE;
  unsigned dbg_limit = ~0u;  // debug accesses transfer at most this many bytes

  RecMem(sc_core::sc_module_name n, int i, std::vector<Seen>* l)
      : sc_module(n), socket("socket"), index(i), mem(kPerWay, 0xaa), log(l) {
    socket.register_b_transport(this, &RecMem::b_transport);
    socket.register_transport_dbg(this, &RecMem::dbg);
  }
  void record(const tlm::tlm_generic_payload& p, const sc_time& d, bool is_dbg) {
    Seen s{index,
           p.get_address(),
           p.get_data_length(),
           p.get_streaming_width(),
           p.get_byte_enable_ptr() != nullptr,
           {},
           p.get_byte_enable_ptr(),
           d,
           is_dbg};
    if (s.has_be) s.be.assign(s.be_ptr, s.be_ptr + p.get_byte_enable_length());
    log->push_back(s);
  }
  void b_transport(tlm::tlm_generic_payload& p, sc_time& d) {
    record(p, d, false);
    d += sc_time(10, SC_NS);
    p.set_dmi_allowed(true);
    if (fail_with != tlm::TLM_OK_RESPONSE) {
      p.set_response_status(fail_with);
      return;
    }
    const unsigned len = p.get_data_length();
    if (p.get_address() + len > mem.size() || p.get_streaming_width() < len) {
      p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    uint8_t* m = &mem[p.get_address()];
    const uint8_t* be = p.get_byte_enable_ptr();
    for (unsigned i = 0; i < len; ++i) {
      if (be && be[i % p.get_byte_enable_length()] != TLM_BYTE_ENABLED) continue;
      if (p.is_write())
        m[i] = p.get_data_ptr()[i];
      else
        p.get_data_ptr()[i] = m[i];
    }
    p.set_response_status(tlm::TLM_OK_RESPONSE);
  }
  unsigned dbg(tlm::tlm_generic_payload& p) {
    record(p, sc_core::SC_ZERO_TIME, true);
    unsigned n = std::min(p.get_data_length(), dbg_limit);
    if (p.get_address() + n > mem.size()) return 0;
    if (p.is_write())
      std::memcpy(&mem[p.get_address()], p.get_data_ptr(), n);
    else
      std::memcpy(p.get_data_ptr(), &mem[p.get_address()], n);
    return n;
  }
};

struct RecBench {
  TestInitiator cpu{"cpu"};
  Interleaver ilv;
  std::vector<Seen> log;
  std::vector<std::unique_ptr<RecMem>> mems;
  explicit RecBench(const Interleave& il = geometry()) : ilv("ilv", il) {
    cpu.socket.bind(ilv.target_socket);
    for (uint32_t w = 0; w < il.ways; ++w) {
      mems.push_back(std::make_unique<RecMem>(("mem" + std::to_string(w)).c_str(), w, &log));
      ilv.initiator_socket.bind(mems.back()->socket);
    }
  }
};

// A blocking access with a payload the test can inspect afterwards.
struct Access {
  tlm::tlm_generic_payload p;
  sc_time delay = sc_core::SC_ZERO_TIME;
  Access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
    p.set_command(cmd);
    p.set_address(addr);
    p.set_data_ptr(data);
    p.set_data_length(len);
    p.set_streaming_width(len);
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  }
  tlm::tlm_response_status run(tlm_utils::simple_initiator_socket<TestInitiator>& s) {
    s->b_transport(p, delay);
    return p.get_response_status();
  }
};

uint64_t stat(const std::string& path, const std::string& name) {
  const auto* g = imcvp::stats::Registry::get().find(path);
  if (!g) ADD_FAILURE() << "no stats group " << path;
  if (g)
    for (const auto& e : g->entries())
      if (e.name == name) return static_cast<uint64_t>(e.number());
  ADD_FAILURE() << "no stat " << path << "." << name;
  return ~0ull;
}

class InterleaverTest : public imcvp::test::ScFixture {};

}  // namespace

TEST_F(InterleaverTest, WordsLandInTheRightTargetAndReadBack) {
  TestInitiator cpu("cpu");
  Interleaver ilv("ilv", geometry());
  std::vector<std::unique_ptr<imcvp::periph::Memory>> mems;
  imcvp::periph::MemoryConfig mc;
  mc.size_bytes = kPerWay;
  mc.latency_ns = 2;
  cpu.socket.bind(ilv.target_socket);
  for (uint32_t w = 0; w < kWays; ++w) {
    mems.push_back(
        std::make_unique<imcvp::periph::Memory>(("dram" + std::to_string(w)).c_str(), mc));
    ilv.initiator_socket.bind(mems.back()->socket);
  }
  sc_core::sc_start(sc_core::SC_ZERO_TIME);

  auto word_at = [&](uint32_t w, uint64_t local) {
    uint32_t v;
    std::memcpy(&v, mems[w]->data() + local, 4);
    return v;
  };
  // Hand-worked placements (granule 0x100, 4 ways, round 0x400).
  struct {
    uint64_t addr;
    uint32_t way;
    uint64_t local;
  } const cases[] = {{0x0, 0, 0x0},     {0xfc, 0, 0xfc},    {0x100, 1, 0x0},
                     {0x104, 1, 0x4},   {0x3fc, 3, 0xfc},   {0x400, 0, 0x100},
                     {0x504, 1, 0x104}, {0x2a38, 2, 0xa38}, {0x3ffc, 3, 0xffc}};
  uint32_t v = 0x1000'0001;
  for (const auto& c : cases) {
    ASSERT_EQ(cpu.write(c.addr, v), tlm::TLM_OK_RESPONSE) << c.addr;
    EXPECT_EQ(cpu.last_address, c.addr);  // restored for the initiator
    EXPECT_EQ(word_at(c.way, c.local), v) << "addr " << c.addr;
    for (uint32_t other = 0; other < kWays; ++other) {
      if (other != c.way) {
        EXPECT_NE(word_at(other, c.local), v) << "addr " << c.addr;
      }
    }
    v += 0x0101'0101;
  }
  // Every word of the window: write a pattern, then read it all back.
  for (uint64_t a = 0; a < kPerWay * kWays; a += 4) cpu.write(a, a * 2654435761u);
  for (uint64_t a = 0; a < kPerWay * kWays; a += 4)
    ASSERT_EQ(cpu.read(a), uint32_t(a * 2654435761u)) << a;
  // Contents per target: way w holds granules w, w+4, w+8, ... packed from 0.
  for (uint64_t a = 0; a < kPerWay * kWays; a += 0x7c)
    EXPECT_EQ(
        word_at(uint32_t(a / kGranule % kWays), a / (kGranule * kWays) * kGranule + a % kGranule),
        uint32_t(a * 2654435761u))
        << a;
  // Latency is the target's alone.
  cpu.delay = sc_core::SC_ZERO_TIME;
  cpu.read(0x10);
  EXPECT_EQ(cpu.delay, sc_time(2, SC_NS));
  // Per-way stats: aligned words never split.
  const uint64_t per_way_words = kPerWay / 4;
  for (uint32_t w = 0; w < kWays; ++w) {
    EXPECT_EQ(ilv.way_counters(w).bytes, ilv.way_counters(w).transactions * 4);
    EXPECT_GE(ilv.way_counters(w).transactions, 2 * per_way_words);
  }
  EXPECT_EQ(ilv.split_transactions(), 0u);
}

TEST_F(InterleaverTest, UnalignedKilobyteWriteSplitsAtGranules) {
  RecBench b;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> data(1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7 + 3);
  Access w(tlm::TLM_WRITE_COMMAND, 0x180, data.data(), 1024);
  w.delay = sc_time(5, SC_NS);
  ASSERT_EQ(w.run(b.cpu.socket), tlm::TLM_OK_RESPONSE);

  // 0x180..0x57f: the tail of granule 1, granules 2, 3, 4 whole, the head of granule 5.
  struct {
    int target;
    uint64_t local;
    unsigned len;
  } const want[] = {{1, 0x80, 128}, {2, 0x0, 256}, {3, 0x0, 256}, {0, 0x100, 256}, {1, 0x100, 128}};
  ASSERT_EQ(b.log.size(), 5u);
  unsigned off = 0;
  for (size_t i = 0; i < 5; ++i) {
    const Seen& s = b.log[i];
    EXPECT_EQ(s.target, want[i].target) << i;
    EXPECT_EQ(s.addr, want[i].local) << i;
    EXPECT_EQ(s.len, want[i].len) << i;
    EXPECT_EQ(s.streaming_width, want[i].len) << i;
    EXPECT_FALSE(s.has_be) << i;
    // Serial LT chunks: each starts with the delay accumulated so far.
    EXPECT_EQ(s.delay_in, sc_time(5 + 10.0 * i, SC_NS)) << i;
    EXPECT_EQ(std::memcmp(&b.mems[s.target]->mem[s.addr], data.data() + off, s.len), 0) << i;
    off += s.len;
  }
  EXPECT_EQ(w.delay, sc_time(55, SC_NS));  // 5 + 5 x 10
  // The initiator's payload is as it was, and carries no DMI hint.
  EXPECT_EQ(w.p.get_address(), 0x180u);
  EXPECT_EQ(w.p.get_data_ptr(), data.data());
  EXPECT_EQ(w.p.get_data_length(), 1024u);
  EXPECT_EQ(w.p.get_streaming_width(), 1024u);
  EXPECT_EQ(w.p.get_byte_enable_ptr(), nullptr);
  EXPECT_FALSE(w.p.is_dmi_allowed());
  // Untouched bytes around the write keep their fill.
  EXPECT_EQ(b.mems[1]->mem[0x7f], 0xaa);
  EXPECT_EQ(b.mems[1]->mem[0x180], 0xaa);
  EXPECT_EQ(b.mems[0]->mem[0xff], 0xaa);

  EXPECT_EQ(b.ilv.split_transactions(), 1u);
  EXPECT_EQ(stat("ilv", "split_transactions"), 1u);
  EXPECT_EQ(stat("ilv", "way1.transactions"), 2u);
  EXPECT_EQ(stat("ilv", "way1.bytes"), 256u);
  EXPECT_EQ(stat("ilv", "way0.bytes"), 256u);
  EXPECT_EQ(stat("ilv", "way2.transactions"), 1u);

  // Read it back through the interleaver.
  std::vector<uint8_t> back(1024, 0);
  Access r(tlm::TLM_READ_COMMAND, 0x180, back.data(), 1024);
  ASSERT_EQ(r.run(b.cpu.socket), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(back, data);
  EXPECT_EQ(b.ilv.split_transactions(), 2u);
  // An access ending exactly at a boundary is not split.
  Access one(tlm::TLM_READ_COMMAND, 0x280, back.data(), 0x80);
  ASSERT_EQ(one.run(b.cpu.socket), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.ilv.split_transactions(), 2u);
  EXPECT_EQ(b.log.back().target, 2);
  EXPECT_EQ(b.log.back().addr, 0x80u);
}

TEST_F(InterleaverTest, ByteEnablesSurviveSplitting) {
  RecBench b;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  std::vector<uint8_t> data(512);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i);
  // Period 3, so a chunk starting at an offset that is not a multiple of 3 must rotate it.
  uint8_t be[3] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_DISABLED};
  Access w(tlm::TLM_WRITE_COMMAND, 0x1fe, data.data(), 512);  // 2 + 256 + 254 bytes
  w.p.set_byte_enable_ptr(be);
  w.p.set_byte_enable_length(3);
  ASSERT_EQ(w.run(b.cpu.socket), tlm::TLM_OK_RESPONSE);
  ASSERT_EQ(b.log.size(), 3u);
  unsigned off = 0;
  for (const Seen& s : b.log) {
    ASSERT_TRUE(s.has_be);
    ASSERT_EQ(s.be.size(), s.len);  // its own buffer, as long as the chunk
    EXPECT_NE(s.be_ptr, be);
    for (unsigned i = 0; i < s.len; ++i) {
      const bool on = (off + i) % 3 == 0;
      EXPECT_EQ(s.be[i], on ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED) << off + i;
      EXPECT_EQ(b.mems[s.target]->mem[s.addr + i], on ? data[off + i] : 0xaa) << off + i;
    }
    off += s.len;
  }
  EXPECT_EQ(off, 512u);
  EXPECT_EQ(w.p.get_byte_enable_ptr(), be);  // restored
  EXPECT_EQ(w.p.get_byte_enable_length(), 3u);

  // A read with enables leaves disabled bytes of the buffer alone.
  std::vector<uint8_t> back(512, 0x55);
  Access r(tlm::TLM_READ_COMMAND, 0x1fe, back.data(), 512);
  r.p.set_byte_enable_ptr(be);
  r.p.set_byte_enable_length(3);
  ASSERT_EQ(r.run(b.cpu.socket), tlm::TLM_OK_RESPONSE);
  for (unsigned i = 0; i < 512; ++i) EXPECT_EQ(back[i], i % 3 == 0 ? data[i] : 0x55) << i;

  // Enables inside one granule pass through untouched.
  Access in(tlm::TLM_WRITE_COMMAND, 0x10, data.data(), 8);
  in.p.set_byte_enable_ptr(be);
  in.p.set_byte_enable_length(3);
  ASSERT_EQ(in.run(b.cpu.socket), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.log.back().be_ptr, be);
}

TEST_F(InterleaverTest, FailingChunkEndsTheAccess) {
  RecBench b;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  b.mems[2]->fail_with = tlm::TLM_GENERIC_ERROR_RESPONSE;
  std::vector<uint8_t> data(1024, 0x11);
  Access w(tlm::TLM_WRITE_COMMAND, 0x100, data.data(), 1024);  // ways 1, 2, 3, 0
  EXPECT_EQ(w.run(b.cpu.socket), tlm::TLM_GENERIC_ERROR_RESPONSE);
  ASSERT_EQ(b.log.size(), 2u);  // way 1 done, way 2 failed, ways 3 and 0 never asked
  EXPECT_EQ(b.log[0].target, 1);
  EXPECT_EQ(b.log[1].target, 2);
  EXPECT_EQ(b.mems[1]->mem[0], 0x11);  // the first chunk was performed
  EXPECT_EQ(b.mems[3]->mem[0], 0xaa);
  EXPECT_EQ(b.mems[0]->mem[0x100], 0xaa);
  EXPECT_EQ(w.delay, sc_time(20, SC_NS));
  EXPECT_EQ(w.p.get_address(), 0x100u);
  EXPECT_EQ(w.p.get_data_length(), 1024u);
  EXPECT_EQ(b.ilv.errors(), 1u);
  EXPECT_EQ(b.ilv.way_counters(1).transactions, 1u);
  EXPECT_EQ(b.ilv.way_counters(2).transactions, 0u);
  // A single-granule access to the failing way reports the target's status, too.
  EXPECT_EQ(b.cpu.write(0x200, 1), tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(b.ilv.errors(), 2u);
}

TEST_F(InterleaverTest, OutOfWindowAndStreamingAreErrors) {
  RecBench b(geometry(0x1000));  // honour a non-zero base
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  tlm::tlm_response_status st;
  b.cpu.read(0x0, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.cpu.read(0xffc, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.cpu.read(0x1000 + kPerWay * kWays, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.cpu.read(0x1000 + kPerWay * kWays - 2, 4, &st);  // straddles the window's end
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_TRUE(b.log.empty());
  EXPECT_EQ(b.cpu.write(0x1000 + kPerWay * kWays - 4, 0x12345678), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.log.back().target, 3);
  EXPECT_EQ(b.log.back().addr, kPerWay - 4);

  // Streaming: 16 bytes into a 4-byte FIFO-like window inside one granule pass through...
  uint8_t data[16] = {};
  Access s(tlm::TLM_WRITE_COMMAND, 0x1010, data, 16);
  s.p.set_streaming_width(4);
  b.log.clear();
  s.run(b.cpu.socket);  // RecMem itself refuses streaming; the point is it got there intact
  ASSERT_EQ(b.log.size(), 1u);
  EXPECT_EQ(b.log[0].streaming_width, 4u);
  EXPECT_EQ(b.log[0].len, 16u);
  // ...but a streamed range across a boundary is a burst error and reaches nobody.
  Access x(tlm::TLM_WRITE_COMMAND, 0x10fe, data, 16);
  x.p.set_streaming_width(4);
  EXPECT_EQ(x.run(b.cpu.socket), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(b.log.size(), 1u);
  EXPECT_EQ(x.p.get_streaming_width(), 4u);
  EXPECT_EQ(b.ilv.errors(), 6u);  // 4 out of window, RecMem's refusal of streaming, 1 burst
}

TEST_F(InterleaverTest, DebugTransportSplitsAndStopsShort) {
  RecBench b;
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  uint8_t data[32];
  for (int i = 0; i < 32; ++i) data[i] = uint8_t(100 + i);
  EXPECT_EQ(b.cpu.debug(tlm::TLM_WRITE_COMMAND, 0x3f0, data, 32), 32u);  // way 3 -> way 0
  ASSERT_EQ(b.log.size(), 2u);
  EXPECT_TRUE(b.log[0].dbg);
  EXPECT_EQ(b.log[0].target, 3);
  EXPECT_EQ(b.log[0].addr, 0xf0u);
  EXPECT_EQ(b.log[1].target, 0);
  EXPECT_EQ(b.log[1].addr, 0x100u);
  EXPECT_EQ(b.mems[3]->mem[0xff], 115);
  EXPECT_EQ(b.mems[0]->mem[0x100], 116);
  uint8_t back[32] = {};
  EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, 0x3f0, back, 32), 32u);
  EXPECT_EQ(std::memcmp(back, data, 32), 0);
  // Cut at the window's end; nothing outside it.
  EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, kPerWay * kWays - 8, back, 32), 8u);
  EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, kPerWay * kWays, back, 4), 0u);
  // A short chunk ends the access: the rest is not transferred.
  b.mems[3]->dbg_limit = 4;
  b.log.clear();
  EXPECT_EQ(b.cpu.debug(tlm::TLM_READ_COMMAND, 0x3f0, back, 32), 4u);
  EXPECT_EQ(b.log.size(), 1u);
  // Debug accesses are not traffic.
  for (uint32_t w = 0; w < kWays; ++w) EXPECT_EQ(b.ilv.way_counters(w).transactions, 0u);
  EXPECT_EQ(b.ilv.split_transactions(), 0u);
}

TEST_F(InterleaverTest, DmiRefusedAndInvalidationsCoverTheWindow) {
  RecBench b(geometry(0x2000));
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  tlm::tlm_dmi d;
  EXPECT_FALSE(b.cpu.dmi(0x2010, false, d));
  EXPECT_EQ(d.get_granted_access(), tlm::tlm_dmi::DMI_ACCESS_NONE);
  EXPECT_EQ(d.get_start_address(), 0x2000u);
  EXPECT_EQ(d.get_end_address(), 0x2000u + kPerWay * kWays - 1);
  EXPECT_FALSE(b.cpu.dmi(0x10, true, d));
  // The targets grant the hint; the interleaver clears it.
  uint8_t buf[4] = {};
  Access r(tlm::TLM_READ_COMMAND, 0x2010, buf, 4);
  ASSERT_EQ(r.run(b.cpu.socket), tlm::TLM_OK_RESPONSE);
  EXPECT_FALSE(r.p.is_dmi_allowed());
  b.mems[2]->socket->invalidate_direct_mem_ptr(0x40, 0x80);
  ASSERT_EQ(b.cpu.invalidations.size(), 1u);
  EXPECT_EQ(b.cpu.invalidations[0],
            std::make_pair(uint64_t(0x2000), uint64_t(0x2000 + kPerWay * kWays - 1)));
}

TEST_F(InterleaverTest, BadGeometryIsAClearError) {
  auto message = [](const Interleave& il) -> std::string {
    try {
      Interleaver ilv("dram_ilv_bad", il);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  std::string m = message(geometry(0, kWays, 384));
  EXPECT_NE(m.find("dram_ilv_bad"), std::string::npos) << m;
  EXPECT_NE(m.find("power of two"), std::string::npos) << m;
  m = message(geometry(0, 0));
  EXPECT_NE(m.find("at least one"), std::string::npos) << m;
  m = message(geometry(0, 3));  // 16 KiB is not a whole number of 3 x 256 B rounds
  EXPECT_NE(m.find("not a multiple"), std::string::npos) << m;
  m = message(geometry(0, 2, 1ull << 63));  // granule x ways wraps to 0
  EXPECT_NE(m.find("overflows"), std::string::npos) << m;
  m = message(geometry(0xffff'ffff'ffff'f000ull));  // window wraps around
  EXPECT_NE(m.find("wraps around"), std::string::npos) << m;
}

TEST_F(InterleaverTest, WrongBindingCountIsAClearError) {
  TestInitiator cpu("cpu");
  Interleaver ilv("ilv", geometry());
  std::vector<Seen> log;
  std::vector<std::unique_ptr<RecMem>> mems;
  cpu.socket.bind(ilv.target_socket);
  for (int w = 0; w < 3; ++w) {  // one short
    mems.push_back(std::make_unique<RecMem>(("mem" + std::to_string(w)).c_str(), w, &log));
    ilv.initiator_socket.bind(mems.back()->socket);
  }
  try {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    FAIL() << "3 targets accepted for 4 ways";
  } catch (const std::exception& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("ilv"), std::string::npos) << m;
    EXPECT_NE(m.find("4 targets"), std::string::npos) << m;
    EXPECT_NE(m.find("3 bound"), std::string::npos) << m;
  }
}
