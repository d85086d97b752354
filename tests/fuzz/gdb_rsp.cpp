// libFuzzer harness: GDB remote serial protocol parsing (models/cpu/gdb_rsp.*).
// The input is used twice:
//  1. as the raw byte stream from a client, through PacketReader (framing, escapes,
//     checksums, Ctrl-C, the size limit); complete packets go to the Handler;
//  2. as '\n'-separated packet payloads, each framed with frame() (so the checksum is right and
//     the fuzzer reaches the Handler without having to guess checksums), read back through a
//     PacketReader (must give the same payload: framing round trip) and handled.
// The Handler talks to a fake core with 64 KiB of memory at 0x80000000; the fake checks that
// the Handler never asks for more than the protocol limits.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "models/cpu/gdb_rsp.h"

using namespace imcvp::cpu;
using namespace imcvp::cpu::gdb;

namespace {

constexpr uint32_t kMemBase = 0x80000000u, kMemSize = 64 * 1024;

class FakeTarget : public Target {
 public:
  FakeTarget() : mem_(kMemSize, 0) {}
  bool read_reg(unsigned regno, uint32_t& v) override {
    if (regno <= kRegPc) {
      v = regs_[regno];
      return true;
    }
    if (regno == kRegPriv || (regno >= kRegCsrBase && regno < kRegCsrBase + 4096)) {
      v = regno * 7;
      return true;
    }
    return false;
  }
  bool write_reg(unsigned regno, uint32_t v) override {
    if (regno == 0 || regno > kRegPc) return regno > kRegPc && regno <= kRegPriv;
    regs_[regno] = v;
    return true;
  }
  bool read_mem(uint32_t addr, uint8_t* buf, uint32_t len) override {
    if (len == 0 || len > kMaxMemRead) std::abort();
    if (uint64_t{addr} + len > (uint64_t{1} << 32)) std::abort();  // wraps the address space
    if (!inside(addr, len)) return false;
    std::memcpy(buf, &mem_[addr - kMemBase], len);
    return true;
  }
  bool write_mem(uint32_t addr, const uint8_t* buf, uint32_t len) override {
    if (len == 0 || len > kMaxPacket) std::abort();
    if (uint64_t{addr} + len > (uint64_t{1} << 32)) std::abort();
    if (!inside(addr, len)) return false;
    std::memcpy(&mem_[addr - kMemBase], buf, len);
    return true;
  }
  bool insert_point(int type, uint32_t, uint32_t) override {
    if (type < 0 || type > 4) std::abort();
    return ++points_ < 64;
  }
  bool remove_point(int type, uint32_t, uint32_t) override {
    if (type < 0 || type > 4) std::abort();
    return points_ > 0 && points_-- > 0;
  }
  std::string monitor(const std::string& cmd) override { return "monitor: " + cmd + "\n"; }

 private:
  static bool inside(uint32_t addr, uint32_t len) {
    return addr >= kMemBase && uint64_t{addr} + len <= uint64_t{kMemBase} + kMemSize;
  }
  std::vector<uint8_t> mem_;
  std::array<uint32_t, 33> regs_{};
  int points_ = 0;
};

// Every reply must survive framing: what a client's reader decodes is what we meant.
void check_framing(const std::string& payload) {
  PacketReader r;
  PacketReader::Event last = PacketReader::Event::none;
  const std::string f = frame(payload);
  for (size_t i = 0; i < f.size(); ++i) {
    last = r.feed(static_cast<uint8_t>(f[i]));
    if (last != PacketReader::Event::none && i + 1 != f.size()) std::abort();  // ended early
  }
  if (payload.size() <= kMaxPacket) {
    if (last != PacketReader::Event::packet || r.payload() != payload) std::abort();
  } else if (last != PacketReader::Event::too_long) {
    std::abort();
  }
}

void handle(Handler& h, const std::string& pkt) {
  Outcome o = h.handle(pkt);
  for (const auto& rep : o.replies) check_framing(rep);
  if (o.kind == Outcome::Kind::cont || o.kind == Outcome::Kind::step) {
    DebugEvent ev;
    ev.reason =
        o.kind == Outcome::Kind::step ? DebugEvent::Reason::step : DebugEvent::Reason::breakpoint;
    ev.pc = kMemBase;
    check_framing(h.stop_reply(ev));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FakeTarget target;
  // 1. Raw byte stream.
  {
    Handler h(target);
    h.reset_session(DebugEvent{});
    PacketReader r;
    for (size_t i = 0; i < size; ++i) {
      auto ev = r.feed(data[i]);
      if (ev == PacketReader::Event::packet) {
        if (r.payload().size() > kMaxPacket) std::abort();
        handle(h, r.payload());
      }
    }
  }
  // 2. Payloads, one per line, framed correctly.
  {
    Handler h(target);
    h.reset_session(DebugEvent{});
    const std::string all(reinterpret_cast<const char*>(data), size);
    size_t start = 0;
    while (start <= all.size()) {
      size_t nl = all.find('\n', start);
      if (nl == std::string::npos) nl = all.size();
      const std::string pkt = all.substr(start, nl - start);
      check_framing(pkt);
      handle(h, pkt);
      start = nl + 1;
    }
  }
  // Hex helpers round-trip.
  {
    const std::string bytes(reinterpret_cast<const char*>(data), size < 256 ? size : 256);
    std::string back;
    if (!from_hex(to_hex(bytes), back) || back != bytes) std::abort();
  }
  return 0;
}
