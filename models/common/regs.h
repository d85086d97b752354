// Register abstraction shared by every memory-mapped device (and, later, the IMC tiles).
//
// A RegBank holds named registers at byte offsets: width 1/2/4/8 bytes, reset value, an access
// policy, optional named bit-fields with their own policy, and read/write hooks for side
// effects. It decodes TLM accesses (transport / read / write), turning bad accesses into TLM
// error responses, and renders the same description as a C header (c_header) and a Markdown
// table (markdown), so firmware headers and docs come from one source.
//
// Access policies (per register, or per field inside a register):
//   rw   read/write
//   ro   read-only: a write to a register whose policy is ro is a command error; ro fields in
//        a writable register ignore writes
//   wo   write-only: reads return 0 for these bits
//   w1c  write 1 to clear
//   w1s  write 1 to set
//   rc   read clears (not on debug reads); a write to an rc register is a command error
// When a register has fields, bits outside every field are reserved: they read as 0 and
// ignore writes. Without fields, all bits follow the register policy.
//
// Decoding rules: an access must lie inside one register (unmapped -> address error),
// must be naturally aligned (else address error), no wider than the register and, when
// narrower, the register must allow sub-word access (else burst error); byte enables are
// not supported (byte-enable error); streaming width < length is a burst error.
// Two registers may share one offset when one is ro and the other wo (16550 RBR/THR, IIR/FCR):
// reads go to the ro one, writes to the wo one.
//
// Limits: little-endian data layout only; accesses never span two registers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

namespace imcvp::regs {

enum class Access { rw, ro, wo, w1c, w1s, rc };
const char* access_name(Access a);

// Context of one access, handed to hooks.
struct AccessCtx {
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;  // the initiator's delay annotation
  bool debug = false;                              // transport_dbg: hooks must avoid side effects
};

struct Field {
  std::string name;
  unsigned lsb = 0;
  unsigned width = 1;
  Access access = Access::rw;
  std::string desc;
  uint64_t mask() const { return (width >= 64 ? ~0ull : ((1ull << width) - 1)) << lsb; }
};

class Reg {
 public:
  // Returns the value the access reads (full register width); default: the stored value.
  using ReadHook = std::function<uint64_t(Reg&, const AccessCtx&)>;
  // Called after the stored value was updated by a write; old_value is the previous value.
  using WriteHook = std::function<void(Reg&, uint64_t old_value, const AccessCtx&)>;

  Reg(std::string name, uint64_t offset, unsigned width_bytes, uint64_t reset, Access access,
      std::string desc);

  // Builder-style setup.
  Reg& field(const std::string& name, unsigned lsb, unsigned width, Access access,
             const std::string& desc = "");
  Reg& on_read(ReadHook h) {
    read_hook_ = std::move(h);
    return *this;
  }
  Reg& on_write(WriteHook h) {
    write_hook_ = std::move(h);
    return *this;
  }
  Reg& subword(bool allow) {
    subword_ = allow;
    return *this;
  }

  const std::string& name() const { return name_; }
  uint64_t offset() const { return offset_; }
  unsigned width() const { return width_; }
  uint64_t reset_value() const { return reset_; }
  Access access() const { return access_; }
  const std::string& desc() const { return desc_; }
  const std::vector<Field>& fields() const { return fields_; }
  bool subword_allowed() const { return subword_; }
  uint64_t width_mask() const { return width_ >= 8 ? ~0ull : ((1ull << (8 * width_)) - 1); }

  // Model-side access: no policy, no hooks.
  uint64_t value() const { return value_; }
  void set(uint64_t v) { value_ = v & width_mask(); }
  uint64_t get_field(const std::string& name) const;
  void set_field(const std::string& name, uint64_t v);
  void reset() { value_ = reset_; }

  // True if any bit can be changed by a bus write (policy rw/wo/w1c/w1s somewhere).
  bool writable() const;
  // True if a bus read returns anything (i.e. the register is not purely wo).
  bool readable() const { return access_ != Access::wo || !fields_.empty(); }

  // Bus-side access with policies and hooks; mask selects the bytes being accessed.
  uint64_t bus_read(uint64_t mask, const AccessCtx& ctx);
  void bus_write(uint64_t data, uint64_t mask, const AccessCtx& ctx);

 private:
  const Field* find_field(const std::string& name) const;
  // Bit masks of each policy over the whole register (reserved bits in none).
  uint64_t policy_mask(Access a) const;

  std::string name_;
  uint64_t offset_;
  unsigned width_;
  uint64_t reset_;
  Access access_;
  std::string desc_;
  std::vector<Field> fields_;
  bool subword_ = true;
  uint64_t value_;
  ReadHook read_hook_;
  WriteHook write_hook_;
};

class RegBank {
 public:
  explicit RegBank(std::string name) : name_(std::move(name)) {}
  RegBank(const RegBank&) = delete;
  RegBank& operator=(const RegBank&) = delete;

  const std::string& name() const { return name_; }

  // Adds a register; throws std::invalid_argument on a bad width, misalignment, duplicate
  // name or an overlap (except the ro/wo pair sharing one offset).
  Reg& add(const std::string& name, uint64_t offset, unsigned width_bytes, uint64_t reset,
           Access access, const std::string& desc = "");
  // Adds count registers name[0..count-1] at offset + i*stride. Returns them in index order.
  std::vector<Reg*> add_array(const std::string& name, uint64_t offset, unsigned count,
                              uint64_t stride, unsigned width_bytes, uint64_t reset, Access access,
                              const std::string& desc = "");
  // Applies fields to every element of an array (call after add_array).
  void array_field(const std::string& array, const std::string& field, unsigned lsb, unsigned width,
                   Access access, const std::string& desc = "");

  Reg& get(const std::string& name);  // throws std::out_of_range
  Reg* find(const std::string& name);
  // The register that a read (or write) at this offset targets, or null.
  Reg* at(uint64_t offset, bool for_write);

  void reset();

  // Decodes a TLM access (address = offset inside the bank). Sets the response status.
  void transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  // Debug access: same decoding, no side effects in reads; returns bytes transferred (0 on
  // any error).
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  // Offset-level access (data little-endian, len bytes).
  tlm::tlm_response_status read(uint64_t offset, uint8_t* data, unsigned len,
                                const AccessCtx& ctx = {});
  tlm::tlm_response_status write(uint64_t offset, const uint8_t* data, unsigned len,
                                 const AccessCtx& ctx = {});

  // C header: PREFIX_<REG>_OFFSET, PREFIX_<REG>_<FIELD>_SHIFT / _MASK / _WIDTH, and for arrays
  // PREFIX_<ARRAY>_OFFSET(i), PREFIX_<ARRAY>_COUNT, PREFIX_<ARRAY>_STRIDE.
  std::string c_header(const std::string& prefix) const;
  // Markdown table of registers and fields (docs/register-maps.md).
  std::string markdown() const;

 private:
  struct Array {
    std::string name;
    uint64_t offset, stride;
    unsigned count;
    std::vector<Reg*> regs;
  };
  tlm::tlm_response_status decode(uint64_t offset, unsigned len, bool for_write, Reg*& reg,
                                  unsigned& shift);
  const Array* array_of(const Reg* r) const;

  std::string name_;
  std::vector<std::unique_ptr<Reg>> regs_;  // declaration order (for rendering)
  std::map<uint64_t, std::vector<Reg*>> by_offset_;
  std::map<std::string, Reg*> by_name_;
  std::vector<Array> arrays_;
};

}  // namespace imcvp::regs
