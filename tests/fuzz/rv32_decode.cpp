// libFuzzer harness: the RV32IMAC decoder (models/cpu/rv32_decode.*). The input is a stream of
// 16-bit parcels decoded the way the core fetches them; every result must be well-formed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "models/cpu/rv32_decode.h"

using namespace imcvp::cpu;

namespace {
void check(const Decoded& d) {
  if (static_cast<unsigned>(d.kind) >= static_cast<unsigned>(Kind::COUNT_)) std::abort();
  if (d.kind == Kind::BLOCK_END) std::abort();  // internal kind, never decoded
  if (d.rd >= 32 || d.rs1 >= 32 || d.rs2 >= 32) std::abort();
  if (d.len != 2 && d.len != 4) std::abort();
  if (kind_name(d.kind) == nullptr) std::abort();
  (void)ends_block(d.kind);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (size_t i = 0; i + 2 <= size;) {
    uint16_t lo, hi = 0;
    std::memcpy(&lo, data + i, 2);
    if (i + 4 <= size) std::memcpy(&hi, data + i + 2, 2);
    Decoded d = decode(lo, hi);
    check(d);
    if (is_compressed(lo)) {
      if (d.len != 2 || d.raw != lo) std::abort();
      uint32_t x = expand_compressed(lo);
      // A legal compressed instruction expands to a legal 32-bit one with the same meaning;
      // 0 (illegal/reserved) must decode as ILLEGAL.
      if (x != 0) {
        if ((x & 3) != 3) std::abort();
        Decoded e = decode32(x);
        check(e);
        if (e.kind == Kind::ILLEGAL) std::abort();
        if (e.kind != d.kind || e.rd != d.rd || e.rs1 != d.rs1 || e.rs2 != d.rs2 || e.imm != d.imm)
          std::abort();
      } else if (d.kind != Kind::ILLEGAL) {
        std::abort();
      }
      i += 2;
    } else {
      uint32_t w = static_cast<uint32_t>(hi) << 16 | lo;
      if (d.len != 4 || d.raw != w) std::abort();
      Decoded e = decode32(w);
      if (e.kind != d.kind || e.imm != d.imm || e.rd != d.rd) std::abort();
      i += 4;
    }
  }
  return 0;
}
