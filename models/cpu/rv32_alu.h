// RV32M arithmetic with the spec's results for division by zero and overflow (unpriv. spec
// §7.2: x/0 = -1 (all ones), x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0).
#pragma once

#include <cstdint>

namespace imcvp::cpu::alu {

inline uint32_t mul(uint32_t a, uint32_t b) {
  return a * b;
}
inline uint32_t mulh(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(
      static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)) *
                            static_cast<int64_t>(static_cast<int32_t>(b))) >>
      32);
}
inline uint32_t mulhsu(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(
      static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)) *
                            static_cast<int64_t>(static_cast<uint64_t>(b))) >>
      32);
}
inline uint32_t mulhu(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>((static_cast<uint64_t>(a) * b) >> 32);
}
inline uint32_t div(uint32_t a, uint32_t b) {
  if (b == 0) return 0xFFFFFFFFu;
  if (a == 0x80000000u && b == 0xFFFFFFFFu) return a;
  return static_cast<uint32_t>(static_cast<int32_t>(a) / static_cast<int32_t>(b));
}
inline uint32_t divu(uint32_t a, uint32_t b) {
  return b == 0 ? 0xFFFFFFFFu : a / b;
}
inline uint32_t rem(uint32_t a, uint32_t b) {
  if (b == 0) return a;
  if (a == 0x80000000u && b == 0xFFFFFFFFu) return 0;
  return static_cast<uint32_t>(static_cast<int32_t>(a) % static_cast<int32_t>(b));
}
inline uint32_t remu(uint32_t a, uint32_t b) {
  return b == 0 ? a : a % b;
}

}  // namespace imcvp::cpu::alu
