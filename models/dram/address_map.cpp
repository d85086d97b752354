#include "models/dram/address_map.h"

#include "models/common/config.h"
#include "models/dram/dram_config.h"

namespace imcvp::dram {

int log2_exact(uint64_t v) {
  if (v == 0 || (v & (v - 1)) != 0) return -1;
  int n = 0;
  while (v > 1) {
    v >>= 1;
    ++n;
  }
  return n;
}

namespace {
uint64_t bits(uint64_t v, unsigned pos, unsigned width) {
  return width == 0 ? 0 : (v >> pos) & ((uint64_t{1} << width) - 1);
}
}  // namespace

AddressMap::AddressMap(const DramConfig& cfg) : xor_hash_(cfg.controller.xor_bank_hash) {
  auto need_pow2 = [](uint64_t v, const char* what) {
    int l = log2_exact(v);
    if (l < 0)
      throw config::ConfigError(std::string("dram: ") + what + " = " + std::to_string(v) +
                                " must be a power of two (address mapping)");
    return static_cast<unsigned>(l);
  };
  shift_ = need_pow2(cfg.burst_bytes(), "burst bytes (bus_width_bits/8 * burst_length)");
  unsigned bl_bits = need_pow2(cfg.org.burst_length, "org.burst_length");
  unsigned col_bits = need_pow2(cfg.org.columns, "org.columns");
  if (col_bits < bl_bits)
    throw config::ConfigError("dram: org.columns must be at least org.burst_length");
  width_[kCo] = col_bits - bl_bits;
  width_[kRo] = need_pow2(cfg.org.rows, "org.rows");
  width_[kCh] = need_pow2(cfg.org.channels, "org.channels");
  width_[kRa] = need_pow2(cfg.org.ranks, "org.ranks");
  width_[kBg] = need_pow2(cfg.org.bank_groups, "org.bank_groups");
  width_[kBa] = need_pow2(cfg.org.banks_per_group, "org.banks_per_group");

  const std::string& m = cfg.controller.address_mapping;
  const char* names[kNumFields] = {"ro", "ch", "ra", "bg", "ba", "co"};
  if (m.size() != 12)
    throw config::ConfigError("dram: controller.address_mapping '" + m +
                              "' must be 12 letters: each of ro ch ra bg ba co once");
  bool seen[kNumFields] = {};
  unsigned pos = 0;
  for (int i = 10; i >= 0; i -= 2) {  // LSB field is the last pair
    std::string f = m.substr(static_cast<std::size_t>(i), 2);
    int idx = -1;
    for (int k = 0; k < kNumFields; ++k)
      if (f == names[k]) idx = k;
    if (idx < 0 || seen[idx])
      throw config::ConfigError("dram: controller.address_mapping '" + m + "': field '" + f +
                                (idx < 0 ? "' unknown" : "' repeated") +
                                " (use each of ro ch ra bg ba co once)");
    seen[idx] = true;
    pos_[idx] = pos;
    pos += width_[idx];
  }
  if (pos + shift_ > 63) throw config::ConfigError("dram: capacity exceeds 2^63 bytes");
}

DramAddress AddressMap::decode(uint64_t byte_addr) const {
  uint64_t a = byte_addr >> shift_;
  DramAddress d;
  d.channel = static_cast<uint32_t>(bits(a, pos_[kCh], width_[kCh]));
  d.rank = static_cast<uint32_t>(bits(a, pos_[kRa], width_[kRa]));
  d.bank_group = static_cast<uint32_t>(bits(a, pos_[kBg], width_[kBg]));
  d.bank = static_cast<uint32_t>(bits(a, pos_[kBa], width_[kBa]));
  d.row = static_cast<uint32_t>(bits(a, pos_[kRo], width_[kRo]));
  d.column = static_cast<uint32_t>(bits(a, pos_[kCo], width_[kCo]));
  if (xor_hash_) {
    // Rows that differ only in their low bits land in different banks: consecutive rows of
    // a large array stop conflicting in one bank.
    d.bank ^= static_cast<uint32_t>(bits(d.row, 0, width_[kBa]));
    d.bank_group ^= static_cast<uint32_t>(bits(d.row, width_[kBa], width_[kBg]));
  }
  return d;
}

uint64_t AddressMap::encode(const DramAddress& in) const {
  DramAddress d = in;
  if (xor_hash_) {  // XOR is its own inverse
    d.bank ^= static_cast<uint32_t>(bits(d.row, 0, width_[kBa]));
    d.bank_group ^= static_cast<uint32_t>(bits(d.row, width_[kBa], width_[kBg]));
  }
  uint64_t a = 0;
  a |= uint64_t{d.channel} << pos_[kCh];
  a |= uint64_t{d.rank} << pos_[kRa];
  a |= uint64_t{d.bank_group} << pos_[kBg];
  a |= uint64_t{d.bank} << pos_[kBa];
  a |= uint64_t{d.row} << pos_[kRo];
  a |= uint64_t{d.column} << pos_[kCo];
  return a << shift_;
}

}  // namespace imcvp::dram
