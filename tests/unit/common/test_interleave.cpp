// Interleave arithmetic: way/local/global are a bijection between the window and
// (way, local offset), granules are dealt round robin, and validate() rejects bad geometry.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/common/interleave.h"

using imcvp::Interleave;

namespace {

Interleave make(uint64_t base, uint64_t size, uint64_t granule, uint32_t ways) {
  Interleave il;
  il.base = base;
  il.size = size;
  il.granule = granule;
  il.ways = ways;
  return il;
}

std::string error_of(const Interleave& il) {
  try {
    il.validate("soc.dram_ilv");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Interleave, RoundTripOverWholeWindowHitsEveryLocalOnce) {
  for (uint32_t ways : {1u, 2u, 3u, 4u}) {
    const Interleave il = make(0x4000, 16 * 4 * ways, 16, ways);
    ASSERT_NO_THROW(il.validate("il"));
    ASSERT_EQ(il.per_target(), 64u);
    std::vector<std::vector<int>> hits(ways, std::vector<int>(il.per_target(), 0));
    for (uint64_t a = il.base; a < il.base + il.size; ++a) {
      ASSERT_TRUE(il.contains(a));
      const uint32_t w = il.way(a);
      const uint64_t loc = il.local(a);
      ASSERT_LT(w, ways) << a;
      ASSERT_LT(loc, il.per_target()) << a;
      EXPECT_EQ(il.global(w, loc), a) << "ways " << ways << " addr " << a;
      ++hits[w][loc];
    }
    for (uint32_t w = 0; w < ways; ++w)
      for (uint64_t loc = 0; loc < il.per_target(); ++loc)
        EXPECT_EQ(hits[w][loc], 1) << "way " << w << " local " << loc;
    EXPECT_FALSE(il.contains(il.base - 1));
    EXPECT_FALSE(il.contains(il.base + il.size));
  }
}

TEST(Interleave, GranulesDealtRoundRobin) {
  const Interleave il = make(0x1000, 0x1000, 0x100, 4);
  EXPECT_EQ(il.way(0x1000), 0u);
  EXPECT_EQ(il.way(0x10ff), 0u);
  EXPECT_EQ(il.way(0x1100), 1u);
  EXPECT_EQ(il.way(0x1300), 3u);
  EXPECT_EQ(il.way(0x1400), 0u);
  EXPECT_EQ(il.local(0x1000), 0x0u);
  EXPECT_EQ(il.local(0x1234), 0x34u);   // way 2, first round
  EXPECT_EQ(il.local(0x1534), 0x134u);  // way 1, second round
  EXPECT_EQ(il.way(0x1534), 1u);
  EXPECT_EQ(il.local(0x1fff), 0x3ffu);  // last byte of way 3
  EXPECT_EQ(il.way(0x1fff), 3u);
  EXPECT_EQ(il.global(2, 0x134), 0x1634u);
  // Non-zero base: the same offsets as a window at 0.
  const Interleave z = make(0, 0x1000, 0x100, 4);
  for (uint64_t off = 0; off < 0x1000; off += 0x37) {
    EXPECT_EQ(il.way(0x1000 + off), z.way(off));
    EXPECT_EQ(il.local(0x1000 + off), z.local(off));
  }
}

TEST(Interleave, BytesToBoundary) {
  const Interleave il = make(0x10, 0x400, 0x40, 2);
  EXPECT_EQ(il.bytes_to_boundary(0x10), 0x40u);  // granule start: a whole granule
  EXPECT_EQ(il.bytes_to_boundary(0x11), 0x3fu);
  EXPECT_EQ(il.bytes_to_boundary(0x4f), 1u);     // last byte of the first granule
  EXPECT_EQ(il.bytes_to_boundary(0x50), 0x40u);  // relative to base, not to address 0
  EXPECT_EQ(il.bytes_to_boundary(0x6a), 0x26u);
  // Consistent with way(): the byte just past the boundary is on the next way.
  for (uint64_t a = il.base; a + 1 < il.base + il.size; a += 7) {
    const uint64_t n = il.bytes_to_boundary(a);
    EXPECT_EQ(il.way(a + n - 1), il.way(a));
    if (a + n < il.base + il.size) {
      EXPECT_NE(il.way(a + n), il.way(a));
    }
  }
}

TEST(Interleave, ValidateAcceptsGoodGeometry) {
  EXPECT_NO_THROW(make(0, 1 << 20, 4096, 4).validate("x"));
  EXPECT_NO_THROW(make(0x8000'0000, 3 * 256, 256, 3).validate("x"));  // ways need not be 2^n
  EXPECT_NO_THROW(make(0, 64, 1, 1).validate("x"));
}

TEST(Interleave, ValidateRejectsNonPowerOfTwoGranule) {
  for (uint64_t g : {0ull, 3ull, 48ull, 4097ull}) {
    const std::string m = error_of(make(0, 48 * 4096 * 4, g, 4));
    EXPECT_NE(m.find("soc.dram_ilv"), std::string::npos) << g << ": " << m;
    EXPECT_NE(m.find("power of two"), std::string::npos) << g << ": " << m;
  }
}

TEST(Interleave, ValidateRejectsZeroWays) {
  const std::string m = error_of(make(0, 4096, 256, 0));
  EXPECT_NE(m.find("soc.dram_ilv"), std::string::npos) << m;
  EXPECT_NE(m.find("at least one"), std::string::npos) << m;
}

TEST(Interleave, ValidateRejectsSizeNotWholeRounds) {
  // 3 ways x 256 B = 768 B per round: 4096 B is not a whole number of rounds.
  std::string m = error_of(make(0, 4096, 256, 3));
  EXPECT_NE(m.find("not a multiple"), std::string::npos) << m;
  EXPECT_NE(m.find("256 x 3"), std::string::npos) << m;
  m = error_of(make(0, 4096 + 256, 256, 4));  // a partial last round
  EXPECT_NE(m.find("not a multiple"), std::string::npos) << m;
  m = error_of(make(0, 128, 256, 1));  // smaller than one granule
  EXPECT_NE(m.find("not a multiple"), std::string::npos) << m;
  m = error_of(make(0, 0, 256, 1));  // empty window
  EXPECT_NE(m.find("not a multiple"), std::string::npos) << m;
}
