#include <gtest/gtest.h>

#include <random>

#include "models/cpu/rv32_alu.h"

namespace imcvp::cpu::alu {
namespace {

constexpr uint32_t kMin = 0x80000000u, kNeg1 = 0xffffffffu;

TEST(Alu, DivisionByZero) {
  EXPECT_EQ(div(7, 0), kNeg1);
  EXPECT_EQ(div(kMin, 0), kNeg1);
  EXPECT_EQ(divu(7, 0), 0xffffffffu);
  EXPECT_EQ(rem(7, 0), 7u);
  EXPECT_EQ(rem(kMin, 0), kMin);
  EXPECT_EQ(remu(0xdeadbeef, 0), 0xdeadbeefu);
}

TEST(Alu, SignedOverflow) {
  EXPECT_EQ(div(kMin, kNeg1), kMin);
  EXPECT_EQ(rem(kMin, kNeg1), 0u);
  EXPECT_EQ(divu(kMin, kNeg1), 0u);
  EXPECT_EQ(remu(kMin, kNeg1), kMin);
}

TEST(Alu, RoundingTowardZero) {
  EXPECT_EQ(static_cast<int32_t>(div(static_cast<uint32_t>(-7), 2)), -3);
  EXPECT_EQ(static_cast<int32_t>(rem(static_cast<uint32_t>(-7), 2)), -1);
  EXPECT_EQ(static_cast<int32_t>(div(7, static_cast<uint32_t>(-2))), -3);
  EXPECT_EQ(static_cast<int32_t>(rem(7, static_cast<uint32_t>(-2))), 1);
}

TEST(Alu, MulHighSigns) {
  EXPECT_EQ(mulh(kNeg1, kNeg1), 0u);            // (-1)*(-1) = 1
  EXPECT_EQ(mulhu(kNeg1, kNeg1), 0xfffffffeu);  // (2^32-1)^2 >> 32
  EXPECT_EQ(mulhsu(kNeg1, kNeg1), kNeg1);       // -1 * (2^32-1) = -(2^32-1)
  EXPECT_EQ(mulh(kMin, kMin), 0x40000000u);     // 2^62 >> 32
  EXPECT_EQ(mulhsu(kMin, kNeg1), 0x80000000u);  // -2^31 * (2^32-1)
  EXPECT_EQ(mulhu(kMin, 2), 1u);
  EXPECT_EQ(mul(0x12345678, 0x9abcdef0), 0x242d2080u);
  // Random cross-check against 128-bit arithmetic.
  std::mt19937 rng(42);
  for (int i = 0; i < 10000; ++i) {
    const uint32_t a = rng(), b = rng();
    const __int128 sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
    const __int128 ub = b;
    EXPECT_EQ(mulh(a, b), static_cast<uint32_t>(static_cast<unsigned __int128>(sa * sb) >> 32));
    EXPECT_EQ(mulhsu(a, b), static_cast<uint32_t>(static_cast<unsigned __int128>(sa * ub) >> 32));
    EXPECT_EQ(mulhu(a, b), static_cast<uint32_t>((uint64_t{a} * b) >> 32));
  }
}

}  // namespace
}  // namespace imcvp::cpu::alu
