// The tile command processor's instruction set, as pure functions: the 64-byte descriptor,
// the LOAD/STORE 2-D/3-D pattern with borders (split into contiguous DMA segments) and the
// vector unit's integer operations. docs/command-queues.md is the specification; the tile
// model (imc_tile.h, command_processor.cpp) adds timing, energy and the bus.
//
// Limits: all arithmetic is exact in 64-bit integers; a pattern has at most 65535 x 65535 x
// 65535 elements but the local side must fit one tile buffer, so the segment list stays small.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imcvp::imc::queue {

constexpr unsigned kDescBytes = 64, kDescWords = 16, kStatusWord = 15;
constexpr unsigned kNumSems = 16;
constexpr uint32_t kNoSem = 0xFF;

// Operations (word 0 bits 7:0). X-macro: enum value, name.
#define IMC_QUEUE_OPS(X) \
  X(nop, 0)              \
  X(mvm, 1)              \
  X(load, 2)             \
  X(store, 3)            \
  X(send, 4)             \
  X(wait, 5)             \
  X(vec, 6)              \
  X(program, 7)          \
  X(signal, 8)           \
  X(fence, 9)            \
  X(barrier, 10)         \
  X(loop, 11)
enum class QOp : uint32_t {
#define IMC_QOP_ENUM(n, v) n = v,
  IMC_QUEUE_OPS(IMC_QOP_ENUM)
#undef IMC_QOP_ENUM
};
constexpr unsigned kNumQOps = 12;
// Loop increments, valid in every descriptor (docs/command-queues.md, LOOP): iteration i of a
// LOOP body adds i*INC_A to word WORD_A and i*INC_B to word WORD_B (0: none; 1..11 allowed).
constexpr unsigned kIncB = 12, kIncWords = 13, kIncA = 14;
const char* qop_name(uint32_t op);  // "?" when unknown

// Vector unit operations (word 0 bits 31:16 of a VEC descriptor).
#define IMC_VEC_OPS(X) \
  X(add, 0)            \
  X(relu, 1)           \
  X(maxpool, 2)        \
  X(avgpool, 3)        \
  X(requant, 4)        \
  X(copy, 5)           \
  X(add32, 6)
enum class VecOp : uint32_t {
#define IMC_VOP_ENUM(n, v) n = v,
  IMC_VEC_OPS(IMC_VOP_ENUM)
#undef IMC_VOP_ENUM
};
constexpr unsigned kNumVecOps = 7;
const char* vec_name(uint32_t op);  // "?" when unknown

struct Descriptor {
  uint32_t w[kDescWords] = {};
  uint32_t op() const { return w[0] & 0xFF; }
  bool irq() const { return (w[0] >> 8) & 1; }
  uint32_t subop() const { return w[0] >> 16; }
  unsigned inc_word_a() const { return w[kIncWords] & 0xF; }
  unsigned inc_word_b() const { return (w[kIncWords] >> 4) & 0xF; }
  // Applies the loop increments of iteration iter; false if a word index is not 0 or 1..11.
  bool apply_increments(uint32_t iter);
  int32_t s(unsigned i) const { return static_cast<int32_t>(w[i]); }
  static Descriptor from_bytes(const uint8_t* p);
};

// STATUS word written back: [0] DONE, [15:8] error code, [31:16] failing word index.
inline uint32_t status_word(uint32_t err, uint32_t field) {
  return 1u | (err & 0xFF) << 8 | (field & 0xFFFF) << 16;
}

// A problem found while decoding: the error code (ImcTile::Error value), the descriptor word
// that is wrong and a reason for the log.
struct Fault {
  uint32_t code = 0;
  unsigned field = 0;
  std::string reason;
  explicit operator bool() const { return code != 0; }
};

// ---- LOAD / STORE pattern ----
struct Pattern {
  uint64_t base = 0, pitch = 0;
  uint32_t width = 0, height = 0;
  int64_t col0 = 0, row0 = 0;
  uint32_t x = 0, y = 0, z = 0;
  uint8_t pad = 0;
  int64_t dz_col = 0, dz_row = 0;
  uint64_t local_off = 0, local_zstride = 0;
  static Pattern decode(const Descriptor& d);
  uint64_t zstride() const { return local_zstride ? local_zstride : uint64_t(x) * y; }
  // Bytes the local side spans (first to last byte + 1).
  uint64_t local_span() const { return (uint64_t(z) - 1) * zstride() + uint64_t(x) * y; }
};
// One contiguous piece of a pattern: len bytes between global and local (offset from
// local_off). Pad runs have global = 0 and pad = true.
struct Segment {
  uint64_t global = 0, local = 0, len = 0;
  bool pad = false;
};
// Checks the pattern's own fields (not the local buffer, which the tile checks).
Fault check_pattern(const Pattern& p);
// Splits into segments in (z, y, x) order, merging neighbours contiguous on both sides.
std::vector<Segment> segments(const Pattern& p);

// ---- vector unit ----
int8_t sat8(int64_t v);
// Round-half-up arithmetic shift: (v + 2^(s-1)) >> s, s = 0 leaves v.
int64_t rshift_round(int64_t v, unsigned s);
// Each returns the number of elements read (for energy) and writes n results to dst.
// dst may alias a only when dst <= a (processed in increasing index).
void vec_add(const int8_t* a, const int8_t* b, int8_t* dst, uint32_t n, int32_t ma, int32_t mb,
             unsigned shift);
void vec_relu(const int8_t* a, int8_t* dst, uint32_t n);
void vec_maxpool(const int8_t* a, int8_t* dst, uint32_t n, uint32_t k, uint32_t stride);
void vec_avgpool(const int8_t* a, int8_t* dst, uint32_t n, uint32_t k, uint32_t stride);
void vec_requant(const int32_t* a, int8_t* dst, uint32_t n, int32_t mul, unsigned shift, bool relu);
// int32 + int32, saturated to int32 (partial sums of row-split layers).
void vec_add32(const int32_t* a, const int32_t* b, int32_t* dst, uint32_t n);

}  // namespace imcvp::imc::queue
