// Address mapping: byte address -> (channel, rank, bank group, bank, row, column), from a
// DRAMsim3-style field string such as "rochrababgco" (fields from MSB to LSB). The low
// log2(burst bytes) bits select the byte inside a burst; the column field counts bursts.
// Optional XOR hashing folds the low row bits into the bank and bank-group bits.
//
// Limits: every field size must be a power of two; addresses are taken modulo nothing (the
// caller checks the capacity first).
#pragma once

#include <cstdint>
#include <string>

namespace imcvp::dram {

struct DramConfig;

struct DramAddress {
  uint32_t channel = 0, rank = 0, bank_group = 0, bank = 0;  // bank: index within its group
  uint32_t row = 0, column = 0;                              // column: in bursts
  bool operator==(const DramAddress& o) const {
    return channel == o.channel && rank == o.rank && bank_group == o.bank_group && bank == o.bank &&
           row == o.row && column == o.column;
  }
};

class AddressMap {
 public:
  // Throws config::ConfigError for a bad mapping string or non-power-of-two sizes.
  explicit AddressMap(const DramConfig& cfg);
  DramAddress decode(uint64_t byte_addr) const;
  // Inverse of decode (burst-aligned byte address); used by tests and trace generators.
  uint64_t encode(const DramAddress& a) const;

 private:
  enum Field { kRo, kCh, kRa, kBg, kBa, kCo, kNumFields };
  unsigned shift_ = 0;               // byte-in-burst bits
  unsigned pos_[kNumFields] = {};    // lowest bit of each field (after shift_)
  unsigned width_[kNumFields] = {};  // bits of each field
  bool xor_hash_ = false;
};

// log2 of a power of two; -1 if v is not one.
int log2_exact(uint64_t v);

}  // namespace imcvp::dram
