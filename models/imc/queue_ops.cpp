#include "models/imc/queue_ops.h"

#include <algorithm>
#include <limits>

namespace imcvp::imc::queue {

const char* qop_name(uint32_t op) {
  switch (op) {
#define IMC_QOP_NAME(n, v) \
  case v:                  \
    return #n;
    IMC_QUEUE_OPS(IMC_QOP_NAME)
#undef IMC_QOP_NAME
  }
  return "?";
}

const char* vec_name(uint32_t op) {
  switch (op) {
#define IMC_VOP_NAME(n, v) \
  case v:                  \
    return #n;
    IMC_VEC_OPS(IMC_VOP_NAME)
#undef IMC_VOP_NAME
  }
  return "?";
}

Descriptor Descriptor::from_bytes(const uint8_t* p) {
  Descriptor d;
  for (unsigned i = 0; i < kDescWords; ++i)
    d.w[i] = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 |
             uint32_t(p[4 * i + 3]) << 24;
  return d;
}

bool Descriptor::apply_increments(uint32_t iter) {
  const unsigned a = inc_word_a(), b = inc_word_b();
  if (a > 11 || b > 11 || (w[kIncWords] >> 8) != 0) return false;
  if (a) w[a] += iter * w[kIncA];
  if (b) w[b] += iter * w[kIncB];
  return true;
}

Pattern Pattern::decode(const Descriptor& d) {
  Pattern p;
  p.base = d.w[1];
  p.pitch = d.w[2];
  p.width = d.w[3] & 0xFFFF;
  p.height = d.w[3] >> 16;
  p.col0 = d.s(4);
  p.row0 = d.s(5);
  p.x = d.w[6] & 0xFFFF;
  p.y = d.w[6] >> 16;
  p.z = d.w[7] & 0xFFFF;
  p.pad = static_cast<uint8_t>(d.w[7] >> 16);
  p.dz_col = d.s(8);
  p.dz_row = d.s(9);
  p.local_off = d.w[10];
  p.local_zstride = d.w[11];
  return p;
}

Fault check_pattern(const Pattern& p) {
  if (p.width == 0 || p.height == 0) return {12, 3, "WIDTH and HEIGHT must be >= 1"};
  if (p.height > 1 && p.pitch < p.width) return {12, 2, "PITCH is smaller than WIDTH"};
  if (p.x == 0 || p.y == 0) return {12, 6, "X and Y must be >= 1"};
  if (p.z == 0) return {12, 7, "Z must be >= 1"};
  if (p.local_zstride && p.local_zstride < uint64_t(p.x) * p.y)
    return {12, 11, "LOCAL_ZSTRIDE is smaller than X*Y (planes would overlap)"};
  // The tensor must lie in the 32-bit global address space.
  const uint64_t last = p.base + (uint64_t(p.height) - 1) * p.pitch + p.width - 1;
  if (last > 0xFFFF'FFFFull) return {12, 1, "the tensor extends beyond the 32-bit address space"};
  return {};
}

std::vector<Segment> segments(const Pattern& p) {
  std::vector<Segment> out;
  auto add = [&out](Segment s) {
    if (s.len == 0) return;
    if (!out.empty()) {
      Segment& b = out.back();
      if (b.pad == s.pad && b.local + b.len == s.local && (s.pad || b.global + b.len == s.global)) {
        b.len += s.len;
        return;
      }
    }
    out.push_back(s);
  };
  const int64_t w = p.width, h = p.height;
  for (uint64_t zi = 0; zi < p.z; ++zi) {
    const int64_t r0 = p.row0 + static_cast<int64_t>(zi) * p.dz_row;
    const int64_t c0 = p.col0 + static_cast<int64_t>(zi) * p.dz_col;
    for (uint64_t yi = 0; yi < p.y; ++yi) {
      const uint64_t lrow = zi * p.zstride() + yi * p.x;
      const int64_t r = r0 + static_cast<int64_t>(yi);
      if (r < 0 || r >= h) {
        add({0, lrow, p.x, true});
        continue;
      }
      const int64_t lo = std::clamp<int64_t>(c0, 0, w);
      const int64_t hi = std::clamp<int64_t>(c0 + p.x, 0, w);
      if (hi <= lo) {
        add({0, lrow, p.x, true});
        continue;
      }
      add({0, lrow, static_cast<uint64_t>(lo - c0), true});
      add({p.base + static_cast<uint64_t>(r) * p.pitch + static_cast<uint64_t>(lo),
           lrow + static_cast<uint64_t>(lo - c0), static_cast<uint64_t>(hi - lo), false});
      add({0, lrow + static_cast<uint64_t>(hi - c0), static_cast<uint64_t>(c0 + p.x - hi), true});
    }
  }
  return out;
}

int8_t sat8(int64_t v) {
  return static_cast<int8_t>(std::clamp<int64_t>(v, -128, 127));
}

int64_t rshift_round(int64_t v, unsigned s) {
  if (s == 0) return v;
  if (s > 62) return v < 0 ? -1 : 0;
  return (v + (int64_t(1) << (s - 1))) >> s;  // arithmetic shift (floor), C++20-defined
}

void vec_add(const int8_t* a, const int8_t* b, int8_t* dst, uint32_t n, int32_t ma, int32_t mb,
             unsigned shift) {
  for (uint32_t i = 0; i < n; ++i)
    dst[i] = sat8(rshift_round(int64_t(a[i]) * ma + int64_t(b[i]) * mb, shift));
}

void vec_relu(const int8_t* a, int8_t* dst, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) dst[i] = a[i] < 0 ? 0 : a[i];
}

void vec_maxpool(const int8_t* a, int8_t* dst, uint32_t n, uint32_t k, uint32_t stride) {
  for (uint32_t i = 0; i < n; ++i) {
    int8_t m = a[i];
    for (uint32_t j = 1; j < k; ++j) m = std::max(m, a[uint64_t(j) * stride + i]);
    dst[i] = m;
  }
}

void vec_avgpool(const int8_t* a, int8_t* dst, uint32_t n, uint32_t k, uint32_t stride) {
  const int64_t two_k = 2 * int64_t(k);
  for (uint32_t i = 0; i < n; ++i) {
    int64_t s = 0;
    for (uint32_t j = 0; j < k; ++j) s += a[uint64_t(j) * stride + i];
    // floor((2s + k) / 2k): round half up, exact for negative sums too.
    int64_t num = 2 * s + k;
    int64_t q = num / two_k;
    if ((num % two_k != 0) && (num < 0)) --q;
    dst[i] = sat8(q);
  }
}

void vec_requant(const int32_t* a, int8_t* dst, uint32_t n, int32_t mul, unsigned shift,
                 bool relu) {
  for (uint32_t i = 0; i < n; ++i) {
    int8_t v = sat8(rshift_round(int64_t(a[i]) * mul, shift));
    dst[i] = relu && v < 0 ? 0 : v;
  }
}

void vec_add32(const int32_t* a, const int32_t* b, int32_t* dst, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    dst[i] = static_cast<int32_t>(std::clamp<int64_t>(int64_t(a[i]) + b[i],
                                                      std::numeric_limits<int32_t>::min(),
                                                      std::numeric_limits<int32_t>::max()));
}

}  // namespace imcvp::imc::queue
