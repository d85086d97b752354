#include "models/cpu/gdb_rsp.h"

#include <cstdio>
#include <cstring>

namespace imcvp::cpu::gdb {

namespace {

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a hex number of at most 16 digits that fits 32 bits; the whole string must be used.
bool parse_u32(const std::string& s, uint32_t& v) {
  if (s.empty() || s.size() > 16) return false;
  uint64_t r = 0;
  for (char c : s) {
    const int d = hexval(c);
    if (d < 0) return false;
    r = (r << 4) | static_cast<uint64_t>(d);
  }
  if (r > 0xFFFFFFFFull) return false;
  v = static_cast<uint32_t>(r);
  return true;
}

// "addr,len" (the rest after the second number is returned in `rest`, starting at `sep`).
bool parse_addr_len(const std::string& s, uint32_t& addr, uint32_t& len, char sep,
                    std::string* rest) {
  const size_t comma = s.find(',');
  if (comma == std::string::npos) return false;
  size_t end = sep ? s.find(sep, comma + 1) : std::string::npos;
  if (sep && end == std::string::npos) return false;
  if (!parse_u32(s.substr(0, comma), addr)) return false;
  if (!parse_u32(
          s.substr(comma + 1, end == std::string::npos ? std::string::npos : end - comma - 1), len))
    return false;
  if (rest) *rest = end == std::string::npos ? std::string() : s.substr(end + 1);
  return true;
}

std::string le_hex(uint32_t v) {
  char b[9];
  std::snprintf(b, sizeof b, "%02x%02x%02x%02x", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
                v >> 24);
  return b;
}

bool parse_le_hex(const std::string& s, uint32_t& v) {
  if (s.size() != 8) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = hexval(s[2 * i]), l = hexval(s[2 * i + 1]);
    if (h < 0 || l < 0) return false;
    v |= static_cast<uint32_t>(h * 16 + l) << (8 * i);
  }
  return true;
}

struct CsrName {
  const char* name;
  uint16_t num;
};
// The CSRs the core implements (docs/cpu.md), as GDB names them.
const CsrName kCsrs[] = {
    {"mstatus", 0x300},    {"misa", 0x301},          {"mie", 0x304},       {"mtvec", 0x305},
    {"mcounteren", 0x306}, {"mcountinhibit", 0x320}, {"mscratch", 0x340},  {"mepc", 0x341},
    {"mcause", 0x342},     {"mtval", 0x343},         {"mip", 0x344},       {"mcycle", 0xB00},
    {"minstret", 0xB02},   {"mcycleh", 0xB80},       {"minstreth", 0xB82}, {"cycle", 0xC00},
    {"time", 0xC01},       {"instret", 0xC02},       {"cycleh", 0xC80},    {"timeh", 0xC81},
    {"instreth", 0xC82},   {"mvendorid", 0xF11},     {"marchid", 0xF12},   {"mimpid", 0xF13},
    {"mhartid", 0xF14},
};

std::string build_xml() {
  static const char* const gpr[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                      "fp",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                      "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                      "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  std::string x =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
      "<target version=\"1.0\">\n<architecture>riscv:rv32</architecture>\n"
      "<feature name=\"org.gnu.gdb.riscv.cpu\">\n";
  for (int i = 0; i < 32; ++i) {
    const char* type = i == 1 ? "code_ptr" : (i == 2 || i == 8) ? "data_ptr" : "int";
    x += std::string("  <reg name=\"") + gpr[i] + "\" bitsize=\"32\" type=\"" + type +
         "\" regnum=\"" + std::to_string(i) + "\"/>\n";
  }
  x += "  <reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n";
  x += "<feature name=\"org.gnu.gdb.riscv.csr\">\n";
  for (const auto& c : kCsrs)
    x += std::string("  <reg name=\"") + c.name + "\" bitsize=\"32\" regnum=\"" +
         std::to_string(kRegCsrBase + c.num) + "\" group=\"csr\"/>\n";
  for (int i = 0; i < 4; ++i)
    x += "  <reg name=\"pmpcfg" + std::to_string(i) + "\" bitsize=\"32\" regnum=\"" +
         std::to_string(kRegCsrBase + 0x3A0 + i) + "\" group=\"csr\"/>\n";
  for (int i = 0; i < 16; ++i)
    x += "  <reg name=\"pmpaddr" + std::to_string(i) + "\" bitsize=\"32\" regnum=\"" +
         std::to_string(kRegCsrBase + 0x3B0 + i) + "\" group=\"csr\"/>\n";
  x += "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
       "  <reg name=\"priv\" bitsize=\"32\" regnum=\"" +
       std::to_string(kRegPriv) + "\" group=\"general\"/>\n</feature>\n</target>\n";
  return x;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Framing.

PacketReader::Event PacketReader::feed(uint8_t c) {
  switch (st_) {
    case State::idle:
      if (c == '$') {
        st_ = State::body;
        buf_.clear();
        sum_ = 0;
        overflow_ = bad_digit_ = false;
      } else if (c == 0x03) {
        return Event::interrupt;
      } else if (c == '+') {
        return Event::ack;
      } else if (c == '-') {
        return Event::nack;
      }
      return Event::none;  // line noise between packets
    case State::body:
    case State::escape:
      if (c == '$') {  // a new packet starts: the client gave up on the old one
        buf_.clear();
        sum_ = 0;
        overflow_ = false;
        st_ = State::body;
        return Event::none;
      }
      if (c == '#' && st_ == State::body) {
        st_ = State::sum1;
        return Event::none;
      }
      sum_ = static_cast<uint8_t>(sum_ + c);
      if (st_ == State::body && c == '}') {
        st_ = State::escape;
        return Event::none;
      }
      {
        const char ch = static_cast<char>(st_ == State::escape ? (c ^ 0x20) : c);
        st_ = State::body;
        if (buf_.size() < kMaxPacket)
          buf_.push_back(ch);
        else
          overflow_ = true;
      }
      return Event::none;
    case State::sum1: {
      const int d = hexval(static_cast<char>(c));
      bad_digit_ = d < 0;
      want_ = static_cast<uint8_t>((d < 0 ? 0 : d) << 4);
      st_ = State::sum2;
      return Event::none;
    }
    case State::sum2: {
      const int d = hexval(static_cast<char>(c));
      st_ = State::idle;
      if (d < 0 || bad_digit_ || static_cast<uint8_t>(want_ | d) != sum_) {
        buf_.clear();
        return Event::bad_checksum;
      }
      if (overflow_) {
        buf_.clear();
        return Event::too_long;
      }
      return Event::packet;
    }
  }
  return Event::none;
}

std::string frame(const std::string& payload) {
  std::string out = "$";
  uint8_t sum = 0;
  for (char c : payload) {
    if (c == '$' || c == '#' || c == '}' || c == '*') {
      out.push_back('}');
      sum = static_cast<uint8_t>(sum + '}');
      c = static_cast<char>(c ^ 0x20);
    }
    out.push_back(c);
    sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  }
  char cs[4];
  std::snprintf(cs, sizeof cs, "#%02x", sum);
  return out + cs;
}

std::string to_hex(const std::string& bytes) {
  static const char d[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

bool from_hex(const std::string& hex, std::string& bytes) {
  if (hex.size() % 2) return false;
  bytes.clear();
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int h = hexval(hex[i]), l = hexval(hex[i + 1]);
    if (h < 0 || l < 0) return false;
    bytes.push_back(static_cast<char>(h * 16 + l));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Handler.

const std::string& Handler::target_xml() {
  static const std::string x = build_xml();
  return x;
}

void Handler::reset_session(const DebugEvent& current) {
  swbreak_ = hwbreak_ = false;
  stop_reply(current);
  if (current.reason == DebugEvent::Reason::interrupt) last_stop_ = "T05thread:1;";
}

std::string Handler::stop_reply(const DebugEvent& ev) {
  std::string r;
  switch (ev.reason) {
    case DebugEvent::Reason::interrupt:
      r = "T02thread:1;";
      break;
    case DebugEvent::Reason::breakpoint:
      r = ev.hw ? (hwbreak_ ? "T05thread:1;hwbreak:;" : "T05thread:1;")
                : (swbreak_ ? "T05thread:1;swbreak:;" : "T05thread:1;");
      break;
    case DebugEvent::Reason::watch: {
      const char* k = ev.watch_kind == WatchKind::write  ? "watch"
                      : ev.watch_kind == WatchKind::read ? "rwatch"
                                                         : "awatch";
      char b[48];
      std::snprintf(b, sizeof b, "T05thread:1;%s:%x;", k, ev.watch_addr);
      r = b;
      break;
    }
    default:
      r = "T05thread:1;";
      break;
  }
  last_stop_ = r;
  return r;
}

std::string Handler::exit_reply(int code) {
  char b[8];
  std::snprintf(b, sizeof b, "W%02x", static_cast<unsigned>(code) & 0xffu);
  return b;
}

Outcome Handler::handle(const std::string& pkt) {
  if (pkt.empty()) return reply("");
  const std::string args = pkt.substr(1);
  switch (pkt[0]) {
    case '?':
      return reply(last_stop_);
    case 'g': {
      std::string r;
      for (unsigned i = 0; i <= kRegPc; ++i) {
        uint32_t v = 0;
        if (!t_.read_reg(i, v)) return reply("E01");
        r += le_hex(v);
      }
      return reply(r);
    }
    case 'G': {
      if (args.size() < 33 * 8) return reply("E01");
      for (unsigned i = 0; i <= kRegPc; ++i) {
        uint32_t v;
        if (!parse_le_hex(args.substr(i * 8, 8), v)) return reply("E01");
        if (i != 0 && !t_.write_reg(i, v)) return reply("E01");
      }
      return reply("OK");
    }
    case 'p': {
      uint32_t n, v = 0;
      if (!parse_u32(args, n)) return reply("E01");
      if (!t_.read_reg(n, v)) return reply("E01");
      return reply(le_hex(v));
    }
    case 'P': {
      const size_t eq = args.find('=');
      uint32_t n, v;
      if (eq == std::string::npos || !parse_u32(args.substr(0, eq), n) ||
          !parse_le_hex(args.substr(eq + 1), v))
        return reply("E01");
      return reply(t_.write_reg(n, v) ? "OK" : "E01");
    }
    case 'm':
      return read_memory(args);
    case 'M':
      return write_memory(args, false);
    case 'X':
      return write_memory(args, true);
    case 'Z':
    case 'z':
      return point(pkt, pkt[0] == 'Z');
    case 'c':
      return resume(Outcome::Kind::cont, args);
    case 's':
      return resume(Outcome::Kind::step, args);
    case 'C':
    case 'S': {  // signal;addr: signals are not delivered (bare metal)
      const size_t semi = args.find(';');
      return resume(pkt[0] == 'C' ? Outcome::Kind::cont : Outcome::Kind::step,
                    semi == std::string::npos ? std::string() : args.substr(semi + 1));
    }
    case 'D': {
      Outcome o = reply("OK");
      o.kind = Outcome::Kind::detach;
      return o;
    }
    case 'k': {
      Outcome o;
      o.kind = Outcome::Kind::kill;
      return o;
    }
    case 'H':
    case 'T':
      return reply("OK");
    case 'q':
    case 'Q':
      return query(pkt);
    case 'v':
      return vpacket(pkt);
    default:
      return reply("");  // unsupported
  }
}

Outcome Handler::resume(Outcome::Kind k, const std::string& addr_arg) {
  if (!addr_arg.empty()) {
    uint32_t a;
    if (!parse_u32(addr_arg, a)) return reply("E01");
    if (!t_.write_reg(kRegPc, a)) return reply("E01");
  }
  Outcome o;
  o.kind = k;
  return o;
}

Outcome Handler::read_memory(const std::string& args) {
  uint32_t addr, len;
  if (!parse_addr_len(args, addr, len, 0, nullptr)) return reply("E01");
  if (len > kMaxMemRead) len = kMaxMemRead;  // a short reply is a partial read for GDB
  if (uint64_t{addr} + len > (uint64_t{1} << 32)) len = static_cast<uint32_t>(0u - addr);
  if (len == 0) return reply("");
  std::string buf(len, '\0');
  auto* p = reinterpret_cast<uint8_t*>(&buf[0]);
  if (!t_.read_mem(addr, p, len)) {
    // Read up to the first unreadable byte.
    uint32_t n = 0;
    while (n < len && t_.read_mem(addr + n, p + n, 1)) ++n;
    if (n == 0) return reply("E14");
    buf.resize(n);
  }
  return reply(to_hex(buf));
}

Outcome Handler::write_memory(const std::string& args, bool binary) {
  uint32_t addr, len;
  std::string data;
  if (!parse_addr_len(args, addr, len, ':', &data)) return reply("E01");
  if (!binary) {
    std::string bytes;
    if (!from_hex(data, bytes)) return reply("E01");
    data.swap(bytes);
  }
  if (data.size() != len) return reply("E01");
  if (len == 0) return reply("OK");  // X probe
  if (uint64_t{addr} + len > (uint64_t{1} << 32)) return reply("E01");
  return reply(t_.write_mem(addr, reinterpret_cast<const uint8_t*>(data.data()), len) ? "OK"
                                                                                      : "E14");
}

Outcome Handler::point(const std::string& pkt, bool insert) {
  // Z/z type,addr,kind[;cond...]
  const size_t c1 = pkt.find(',');
  if (pkt.size() < 2 || c1 != 2) return reply("E01");
  const int type = pkt[1] - '0';
  if (type < 0 || type > 4) return reply("");  // unsupported type
  std::string rest = pkt.substr(3);
  const size_t semi = rest.find(';');
  if (semi != std::string::npos) rest.resize(semi);
  uint32_t addr, kind;
  if (!parse_addr_len(rest, addr, kind, 0, nullptr)) return reply("E01");
  const bool ok = insert ? t_.insert_point(type, addr, kind) : t_.remove_point(type, addr, kind);
  return reply(ok || !insert ? "OK" : "E0e");
}

Outcome Handler::query(const std::string& pkt) {
  auto starts = [&](const char* s) { return pkt.compare(0, std::strlen(s), s) == 0; };
  if (starts("qSupported")) {
    swbreak_ = pkt.find("swbreak+") != std::string::npos;
    hwbreak_ = pkt.find("hwbreak+") != std::string::npos;
    char b[160];
    std::snprintf(b, sizeof b,
                  "PacketSize=%zx;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+",
                  kMaxPacket);
    return reply(b);
  }
  if (starts("qXfer:features:read:")) {
    // qXfer:features:read:ANNEX:OFFSET,LENGTH
    const std::string rest = pkt.substr(std::strlen("qXfer:features:read:"));
    const size_t colon = rest.find(':');
    if (colon == std::string::npos) return reply("E00");
    if (rest.substr(0, colon) != "target.xml") return reply("E00");
    uint32_t off, len;
    if (!parse_addr_len(rest.substr(colon + 1), off, len, 0, nullptr)) return reply("E00");
    const std::string& x = target_xml();
    if (off >= x.size()) return reply("l");
    len = std::min<uint32_t>(len, kMaxPacket - 1);
    const std::string part = x.substr(off, len);
    return reply((off + part.size() >= x.size() ? "l" : "m") + part);
  }
  if (starts("qAttached")) return reply("1");
  if (pkt == "qC") return reply("QC1");
  if (pkt == "qfThreadInfo") return reply("m1");
  if (pkt == "qsThreadInfo") return reply("l");
  if (starts("qSymbol")) return reply("OK");
  if (starts("qRcmd,")) {
    std::string cmd;
    if (!from_hex(pkt.substr(6), cmd)) return reply("E01");
    const std::string text = t_.monitor(cmd);
    Outcome o;
    // Console output in chunks that fit a packet ("O" + hex).
    const size_t chunk = (kMaxPacket - 2) / 2;
    for (size_t i = 0; i < text.size(); i += chunk)
      o.replies.push_back("O" + to_hex(text.substr(i, chunk)));
    o.replies.push_back("OK");
    return o;
  }
  return reply("");
}

Outcome Handler::vpacket(const std::string& pkt) {
  if (pkt == "vCont?") return reply("vCont;c;C;s;S");
  if (pkt.compare(0, 6, "vCont;") == 0) {
    // Single thread: the first action decides (all of them apply to thread 1).
    const char a = pkt.size() > 6 ? pkt[6] : 0;
    if (a == 's' || a == 'S') return resume(Outcome::Kind::step, "");
    if (a == 'c' || a == 'C') return resume(Outcome::Kind::cont, "");
    return reply("E01");
  }
  if (pkt.compare(0, 5, "vKill") == 0) {
    Outcome o = reply("OK");
    o.kind = Outcome::Kind::kill;
    return o;
  }
  return reply("");  // includes vMustReplyEmpty
}

}  // namespace imcvp::cpu::gdb
