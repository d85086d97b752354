#include "models/common/regs.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace imcvp::regs {

const char* access_name(Access a) {
  switch (a) {
    case Access::rw:
      return "RW";
    case Access::ro:
      return "RO";
    case Access::wo:
      return "WO";
    case Access::w1c:
      return "W1C";
    case Access::w1s:
      return "W1S";
    case Access::rc:
      return "RC";
  }
  return "?";
}

namespace {

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

// C identifier fragment: upper case, anything else than [A-Z0-9] becomes '_'.
std::string ident(const std::string& s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
  }
  return out;
}

// Text safe inside a Markdown table cell / a C comment.
std::string md(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}
std::string ccomment(std::string s) {
  for (size_t p; (p = s.find("*/")) != std::string::npos;) s.replace(p, 2, "* /");
  return s;
}

uint64_t bytes_mask(unsigned len) {
  return len >= 8 ? ~0ull : ((1ull << (8 * len)) - 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
Reg::Reg(std::string name, uint64_t offset, unsigned width_bytes, uint64_t reset, Access access,
         std::string desc)
    : name_(std::move(name)),
      offset_(offset),
      width_(width_bytes),
      reset_(reset),
      access_(access),
      desc_(std::move(desc)) {
  reset_ &= width_mask();
  value_ = reset_;
}

Reg& Reg::field(const std::string& name, unsigned lsb, unsigned width, Access access,
                const std::string& desc) {
  if (width == 0 || lsb + width > 8 * width_)
    throw std::invalid_argument("register " + name_ + ": field " + name +
                                " does not fit the register");
  Field f{name, lsb, width, access, desc};
  for (const Field& o : fields_) {
    if (o.name == name)
      throw std::invalid_argument("register " + name_ + ": duplicate field " + name);
    if (o.mask() & f.mask())
      throw std::invalid_argument("register " + name_ + ": field " + name + " overlaps " + o.name);
  }
  fields_.push_back(f);
  return *this;
}

const Field* Reg::find_field(const std::string& name) const {
  for (const Field& f : fields_)
    if (f.name == name) return &f;
  return nullptr;
}

uint64_t Reg::get_field(const std::string& name) const {
  const Field* f = find_field(name);
  if (!f) throw std::out_of_range("register " + name_ + " has no field " + name);
  return (value_ & f->mask()) >> f->lsb;
}

void Reg::set_field(const std::string& name, uint64_t v) {
  const Field* f = find_field(name);
  if (!f) throw std::out_of_range("register " + name_ + " has no field " + name);
  value_ = (value_ & ~f->mask()) | ((v << f->lsb) & f->mask());
}

uint64_t Reg::policy_mask(Access a) const {
  if (fields_.empty()) return access_ == a ? width_mask() : 0;
  uint64_t m = 0;
  for (const Field& f : fields_)
    if (f.access == a) m |= f.mask();
  return m;
}

bool Reg::writable() const {
  return (policy_mask(Access::rw) | policy_mask(Access::wo) | policy_mask(Access::w1c) |
          policy_mask(Access::w1s)) != 0;
}

uint64_t Reg::bus_read(uint64_t mask, const AccessCtx& ctx) {
  uint64_t v = (read_hook_ ? read_hook_(*this, ctx) : value_) & width_mask();
  uint64_t readable = width_mask() & ~policy_mask(Access::wo);
  if (!fields_.empty()) {
    uint64_t all = 0;
    for (const Field& f : fields_) all |= f.mask();
    readable &= all;
  }
  if (!ctx.debug) value_ &= ~(policy_mask(Access::rc) & mask);
  return v & readable;
}

void Reg::bus_write(uint64_t data, uint64_t mask, const AccessCtx& ctx) {
  uint64_t old = value_;
  uint64_t direct = (policy_mask(Access::rw) | policy_mask(Access::wo)) & mask;
  uint64_t nv = (old & ~direct) | (data & direct);
  nv &= ~(data & mask & policy_mask(Access::w1c));
  nv |= data & mask & policy_mask(Access::w1s);
  value_ = nv & width_mask();
  if (write_hook_) write_hook_(*this, old, ctx);
}

// ---------------------------------------------------------------------------------------------
Reg& RegBank::add(const std::string& name, uint64_t offset, unsigned width_bytes, uint64_t reset,
                  Access access, const std::string& desc) {
  if (width_bytes != 1 && width_bytes != 2 && width_bytes != 4 && width_bytes != 8)
    throw std::invalid_argument(name_ + ": register " + name + ": width must be 1, 2, 4 or 8");
  if (offset % width_bytes)
    throw std::invalid_argument(name_ + ": register " + name + ": offset " + hex(offset) +
                                " not aligned to its width");
  if (by_name_.count(name))
    throw std::invalid_argument(name_ + ": duplicate register name " + name);
  // Overlap check against neighbours (registers never overlap except the ro/wo pair).
  uint64_t end = offset + width_bytes;
  auto it = by_offset_.lower_bound(offset);
  if (it != by_offset_.begin()) --it;
  for (; it != by_offset_.end() && it->first < end; ++it) {
    for (Reg* o : it->second) {
      bool disjoint = o->offset() + o->width() <= offset || end <= o->offset();
      if (disjoint) continue;
      bool pair = o->offset() == offset && o->width() == width_bytes && it->second.size() == 1 &&
                  ((o->access() == Access::ro && access == Access::wo) ||
                   (o->access() == Access::wo && access == Access::ro));
      if (!pair)
        throw std::invalid_argument(name_ + ": register " + name + " at " + hex(offset) +
                                    " overlaps " + o->name() + " at " + hex(o->offset()));
    }
  }
  regs_.push_back(std::make_unique<Reg>(name, offset, width_bytes, reset, access, desc));
  Reg* r = regs_.back().get();
  by_offset_[offset].push_back(r);
  by_name_[name] = r;
  return *r;
}

std::vector<Reg*> RegBank::add_array(const std::string& name, uint64_t offset, unsigned count,
                                     uint64_t stride, unsigned width_bytes, uint64_t reset,
                                     Access access, const std::string& desc) {
  if (count == 0) throw std::invalid_argument(name_ + ": array " + name + " has no elements");
  if (stride < width_bytes)
    throw std::invalid_argument(name_ + ": array " + name + ": stride smaller than width");
  Array a{name, offset, stride, count, {}};
  for (unsigned i = 0; i < count; ++i)
    a.regs.push_back(&add(name + "[" + std::to_string(i) + "]", offset + i * stride, width_bytes,
                          reset, access, desc));
  arrays_.push_back(a);
  return arrays_.back().regs;
}

void RegBank::array_field(const std::string& array, const std::string& field, unsigned lsb,
                          unsigned width, Access access, const std::string& desc) {
  for (Array& a : arrays_)
    if (a.name == array) {
      for (Reg* r : a.regs) r->field(field, lsb, width, access, desc);
      return;
    }
  throw std::out_of_range(name_ + ": no register array " + array);
}

Reg& RegBank::get(const std::string& name) {
  Reg* r = find(name);
  if (!r) throw std::out_of_range(name_ + ": no register " + name);
  return *r;
}

Reg* RegBank::find(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

Reg* RegBank::at(uint64_t offset, bool for_write) {
  auto it = by_offset_.upper_bound(offset);
  if (it == by_offset_.begin()) return nullptr;
  --it;
  const std::vector<Reg*>& regs = it->second;
  if (offset >= regs.front()->offset() + regs.front()->width()) return nullptr;
  if (regs.size() == 1) return regs.front();
  for (Reg* r : regs)
    if ((for_write && r->access() == Access::wo) || (!for_write && r->access() == Access::ro))
      return r;
  return regs.front();
}

void RegBank::reset() {
  for (auto& r : regs_) r->reset();
}

tlm::tlm_response_status RegBank::decode(uint64_t offset, unsigned len, bool for_write, Reg*& reg,
                                         unsigned& shift) {
  reg = at(offset, for_write);
  if (!reg) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  if (len == 0 || len > 8 || (len & (len - 1))) return tlm::TLM_BURST_ERROR_RESPONSE;
  if (offset % len) return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  if (offset + len > reg->offset() + reg->width()) return tlm::TLM_BURST_ERROR_RESPONSE;
  if (len < reg->width() && !reg->subword_allowed()) return tlm::TLM_BURST_ERROR_RESPONSE;
  if (for_write && (reg->access() == Access::ro || reg->access() == Access::rc))
    return tlm::TLM_COMMAND_ERROR_RESPONSE;
  shift = static_cast<unsigned>(offset - reg->offset()) * 8;
  return tlm::TLM_OK_RESPONSE;
}

tlm::tlm_response_status RegBank::read(uint64_t offset, uint8_t* data, unsigned len,
                                       const AccessCtx& ctx) {
  Reg* r = nullptr;
  unsigned shift = 0;
  tlm::tlm_response_status st = decode(offset, len, false, r, shift);
  if (st != tlm::TLM_OK_RESPONSE) return st;
  uint64_t mask = bytes_mask(len) << shift;
  uint64_t v = r->bus_read(mask, ctx) >> shift;
  for (unsigned i = 0; i < len; ++i) data[i] = static_cast<uint8_t>(v >> (8 * i));
  return st;
}

tlm::tlm_response_status RegBank::write(uint64_t offset, const uint8_t* data, unsigned len,
                                        const AccessCtx& ctx) {
  Reg* r = nullptr;
  unsigned shift = 0;
  tlm::tlm_response_status st = decode(offset, len, true, r, shift);
  if (st != tlm::TLM_OK_RESPONSE) return st;
  uint64_t v = 0;
  for (unsigned i = 0; i < len; ++i) v |= static_cast<uint64_t>(data[i]) << (8 * i);
  r->bus_write(v << shift, bytes_mask(len) << shift, ctx);
  return st;
}

void RegBank::transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  AccessCtx ctx;
  ctx.delay = delay;
  unsigned len = p.get_data_length();
  tlm::tlm_response_status st;
  if (p.get_byte_enable_ptr())
    st = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
  else if (p.get_streaming_width() < len)
    st = tlm::TLM_BURST_ERROR_RESPONSE;
  else if (p.is_read())
    st = read(p.get_address(), p.get_data_ptr(), len, ctx);
  else if (p.is_write())
    st = write(p.get_address(), p.get_data_ptr(), len, ctx);
  else
    st = tlm::TLM_OK_RESPONSE;  // TLM_IGNORE_COMMAND
  p.set_response_status(st);
}

unsigned RegBank::transport_dbg(tlm::tlm_generic_payload& p) {
  AccessCtx ctx;
  ctx.debug = true;
  unsigned len = p.get_data_length();
  tlm::tlm_response_status st = tlm::TLM_OK_RESPONSE;
  if (p.is_read())
    st = read(p.get_address(), p.get_data_ptr(), len, ctx);
  else if (p.is_write())
    st = write(p.get_address(), p.get_data_ptr(), len, ctx);
  else
    return 0;
  p.set_response_status(st);
  return st == tlm::TLM_OK_RESPONSE ? len : 0;
}

const RegBank::Array* RegBank::array_of(const Reg* r) const {
  for (const Array& a : arrays_)
    if (std::find(a.regs.begin(), a.regs.end(), r) != a.regs.end()) return &a;
  return nullptr;
}

std::string RegBank::c_header(const std::string& prefix) const {
  std::ostringstream os;
  std::string guard = ident(prefix) + "_REGS_H";
  std::string p = ident(prefix) + "_";
  os << "/* Register map of " << name_
     << ". Generated by imcvp RegBank::c_header; do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n";
  auto fields = [&](const std::string& base, const Reg& r) {
    for (const Field& f : r.fields()) {
      std::string n = base + "_" + ident(f.name);
      os << "#define " << n << "_SHIFT " << f.lsb << "u\n";
      os << "#define " << n << "_WIDTH " << f.width << "u\n";
      os << "#define " << n << "_MASK " << hex(f.mask()) << (f.mask() > 0xffffffffull ? "ull" : "u")
         << "\n";
    }
  };
  for (const auto& up : regs_) {
    const Reg& r = *up;
    const Array* a = array_of(&r);
    if (a && a->regs.front() != &r) continue;
    std::string access = access_name(r.access());
    if (a) {
      std::string base = p + ident(a->name);
      os << "/* " << a->name << "[0.." << a->count - 1 << "] (" << access << ", " << r.width()
         << " bytes each)" << (r.desc().empty() ? "" : ": " + ccomment(r.desc())) << " */\n";
      os << "#define " << base << "_OFFSET(i) (" << hex(a->offset) << "u + " << hex(a->stride)
         << "u * (i))\n";
      os << "#define " << base << "_COUNT " << a->count << "u\n";
      os << "#define " << base << "_STRIDE " << hex(a->stride) << "u\n";
      fields(base, r);
    } else {
      std::string base = p + ident(r.name());
      os << "/* " << r.name() << " (" << access << ", " << r.width() << " bytes, reset "
         << hex(r.reset_value()) << ")" << (r.desc().empty() ? "" : ": " + ccomment(r.desc()))
         << " */\n";
      os << "#define " << base << "_OFFSET " << hex(r.offset()) << "u\n";
      fields(base, r);
    }
    os << "\n";
  }
  os << "#endif /* " << guard << " */\n";
  return os.str();
}

std::string RegBank::markdown() const {
  std::ostringstream os;
  os << "| Offset | Register | Width | Access | Reset | Description |\n";
  os << "|--------|----------|-------|--------|-------|-------------|\n";
  for (const auto& up : regs_) {
    const Reg& r = *up;
    const Array* a = array_of(&r);
    if (a && a->regs.front() != &r) continue;
    std::string off = a ? hex(a->offset) + " + " + hex(a->stride) + "·i" : hex(r.offset());
    std::string name = a ? a->name + "[i], i < " + std::to_string(a->count) : r.name();
    os << "| " << off << " | " << name << " | " << r.width() << " | " << access_name(r.access())
       << " | " << hex(r.reset_value()) << " | " << md(r.desc()) << " |\n";
    for (const Field& f : r.fields()) {
      std::string bits = f.width == 1 ? "[" + std::to_string(f.lsb) + "]"
                                      : "[" + std::to_string(f.lsb + f.width - 1) + ":" +
                                            std::to_string(f.lsb) + "]";
      os << "| | " << bits << " " << f.name << " | | " << access_name(f.access) << " | | "
         << md(f.desc) << " |\n";
    }
  }
  return os.str();
}

}  // namespace imcvp::regs
