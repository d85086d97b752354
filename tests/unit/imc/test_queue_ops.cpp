// The command processor's pure parts: descriptor decoding, LOAD/STORE patterns split into DMA
// segments (borders, merging), and the vector unit's integer arithmetic (docs/command-queues.md).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "models/imc/queue_ops.h"

using namespace imcvp::imc::queue;

namespace {

Pattern dense(uint32_t width, uint32_t height, uint32_t x, uint32_t y) {
  Pattern p;
  p.base = 0x1000;
  p.pitch = p.width = width;
  p.height = height;
  p.x = x;
  p.y = y;
  p.z = 1;
  return p;
}

TEST(QueueOps, DescriptorWordsAreLittleEndian) {
  uint8_t raw[64] = {};
  raw[0] = 6;
  raw[1] = 1;
  raw[2] = 3;
  raw[4] = 0x78;
  raw[5] = 0x56;
  raw[6] = 0x34;
  raw[7] = 0x12;
  Descriptor d = Descriptor::from_bytes(raw);
  EXPECT_EQ(d.op(), 6u);
  EXPECT_TRUE(d.irq());
  EXPECT_EQ(d.subop(), 3u);
  EXPECT_EQ(d.w[1], 0x12345678u);
  EXPECT_EQ(status_word(12, 10), 1u | 12u << 8 | 10u << 16);
  EXPECT_STREQ(qop_name(10), "barrier");
  EXPECT_STREQ(qop_name(11), "loop");
  EXPECT_STREQ(qop_name(12), "?");
  EXPECT_STREQ(vec_name(3), "avgpool");
  EXPECT_STREQ(vec_name(6), "add32");
}

TEST(QueueOps, ContiguousRowsMergeIntoOneSegment) {
  auto s = segments(dense(16, 4, 16, 4));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].global, 0x1000u);
  EXPECT_EQ(s[0].len, 64u);
  EXPECT_FALSE(s[0].pad);
  // A column slice of 4 bytes out of 16-byte rows: one segment per row.
  Pattern p = dense(16, 4, 4, 4);
  p.col0 = 8;
  s = segments(p);
  ASSERT_EQ(s.size(), 4u);
  for (unsigned r = 0; r < 4; ++r) {
    EXPECT_EQ(s[r].global, 0x1000u + 16 * r + 8);
    EXPECT_EQ(s[r].local, 4u * r);
    EXPECT_EQ(s[r].len, 4u);
  }
}

TEST(QueueOps, BordersBecomePadRunsAndPlanesShift) {
  // 3x3 window at (-1,-1) over a 4x4 map (1 byte per pixel), 2 planes shifted by 2 columns.
  Pattern p = dense(4, 4, 3, 3);
  p.col0 = -1;
  p.row0 = -1;
  p.z = 2;
  p.dz_col = 2;
  auto s = segments(p);
  uint64_t pad = 0, data = 0;
  std::vector<int> local(18, -1);  // -2 pad, else global offset
  for (const auto& g : s) {
    for (uint64_t i = 0; i < g.len; ++i)
      local[g.local + i] = g.pad ? -2 : static_cast<int>(g.global - 0x1000 + i);
    (g.pad ? pad : data) += g.len;
  }
  EXPECT_EQ(pad + data, 18u);
  // Plane 0: row -1 padded; rows 0,1: col -1 pad then cols 0,1.
  const int want0[9] = {-2, -2, -2, -2, 0, 1, -2, 4, 5};
  // Plane 1 starts at col 1: row -1 padded; rows 0,1 cols 1..3.
  const int want1[9] = {-2, -2, -2, 1, 2, 3, 5, 6, 7};
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(local[i], want0[i]) << i;
    EXPECT_EQ(local[9 + i], want1[i]) << i;
  }
  EXPECT_EQ(pad, 5u + 3u);
}

TEST(QueueOps, LocalZStrideLeavesGapsAndIsChecked) {
  Pattern p = dense(8, 1, 4, 1);
  p.z = 2;
  p.dz_col = 4;
  p.local_zstride = 16;
  EXPECT_FALSE(check_pattern(p));
  auto s = segments(p);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].local, 16u);
  EXPECT_EQ(s[1].global, 0x1004u);
  EXPECT_EQ(p.local_span(), 20u);
  p.local_zstride = 2;
  EXPECT_EQ(check_pattern(p).code, 12u);
  EXPECT_EQ(check_pattern(p).field, 11u);
}

TEST(QueueOps, PatternFaultsNameTheirWord) {
  Pattern p = dense(8, 2, 8, 1);
  p.pitch = 4;
  EXPECT_EQ(check_pattern(p).field, 2u);
  p = dense(0, 1, 1, 1);
  EXPECT_EQ(check_pattern(p).field, 3u);
  p = dense(8, 1, 0, 1);
  EXPECT_EQ(check_pattern(p).field, 6u);
  p = dense(8, 1, 8, 1);
  p.z = 0;
  EXPECT_EQ(check_pattern(p).field, 7u);
  p = dense(8, 2, 8, 1);
  p.base = 0xFFFF'FFF8;
  EXPECT_EQ(check_pattern(p).field, 1u);
}

TEST(QueueOps, SaturationAndRounding) {
  EXPECT_EQ(sat8(200), 127);
  EXPECT_EQ(sat8(-200), -128);
  EXPECT_EQ(rshift_round(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(rshift_round(-5, 1), -2);  // -2.5 -> -2 (half up)
  EXPECT_EQ(rshift_round(-6, 2), -1);  // -1.5 -> -1
  EXPECT_EQ(rshift_round(7, 0), 7);
  EXPECT_EQ(rshift_round(-1, 63), -1);
}

TEST(QueueOps, VectorOpsMatchTheirFormulas) {
  const int8_t a[6] = {-128, -1, 0, 1, 100, 127}, b[6] = {-128, 1, 0, -1, 100, 127};
  int8_t d[6];
  vec_add(a, b, d, 6, 1, 1, 0);
  const int8_t add[6] = {-128, 0, 0, 0, 127, 127};
  EXPECT_EQ(std::memcmp(d, add, 6), 0);
  vec_add(a, b, d, 6, 3, -5, 3);  // (3a - 5b + 4) >> 3
  for (int i = 0; i < 6; ++i) EXPECT_EQ(d[i], sat8((3 * a[i] - 5 * b[i] + 4) >> 3)) << i;
  vec_relu(a, d, 6);
  EXPECT_EQ(d[0], 0);
  EXPECT_EQ(d[5], 127);
  // Average of {-1, -2}: -1.5 rounds half up to -1; of {-1, -2, -2}: -5/3 -> -2.
  const int8_t m[3] = {-1, -2, -2};
  vec_avgpool(m, d, 1, 2, 1);
  EXPECT_EQ(d[0], -1);
  vec_avgpool(m, d, 1, 3, 1);
  EXPECT_EQ(d[0], -2);
  vec_maxpool(m, d, 1, 3, 1);
  EXPECT_EQ(d[0], -1);
  const int32_t acc[3] = {1 << 20, -300, 17};
  vec_requant(acc, d, 3, 1, 2, false);
  EXPECT_EQ(d[0], 127);
  EXPECT_EQ(d[1], -75);
  EXPECT_EQ(d[2], 4);  // 17/4 = 4.25 -> 4
  vec_requant(acc, d, 3, 1, 2, true);
  EXPECT_EQ(d[1], 0);
  const int32_t p0[3] = {2147483647, -5, -2147483647}, p1[3] = {1, 7, -2};
  int32_t s32[3];
  vec_add32(p0, p1, s32, 3);
  EXPECT_EQ(s32[0], 2147483647);
  EXPECT_EQ(s32[1], 2);
  EXPECT_EQ(s32[2], -2147483647 - 1);
  // In place (dst == a) is allowed.
  int8_t x[4] = {-3, 4, -5, 6};
  vec_relu(x, x, 4);
  EXPECT_EQ(x[0], 0);
  EXPECT_EQ(x[3], 6);
}

}  // namespace
