// GDB remote serial protocol (RSP) for the rv32 host core, without sockets or SystemC:
// PacketReader turns a byte stream into packets (checksums, escapes, Ctrl-C, size limit),
// Handler answers one packet against an abstract Target, frame() encodes a reply. The socket
// server (platform/gdb_server.h) glues them to Rv32Core; unit tests drive them directly.
//
// Register numbers are GDB's for RISC-V: 0..31 x0..x31, 32 pc, 65 + n CSR n, 4161 priv (the
// target description XML declares them, so `info registers`, `p $mstatus` work).
//
// Limits: all-stop mode, one thread (id 1); no non-stop, no extended mode, no no-ack mode,
// no conditions/commands on Z packets (ignored), no run-length-encoded input (GDB sends none);
// packets longer than kMaxPacket are refused (error reply), memory reads are capped at
// kMaxMemRead bytes per packet (GDB splits by our PacketSize anyway).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/cpu/rv32_debug.h"

namespace imcvp::cpu::gdb {

constexpr size_t kMaxPacket = 16384;  // payload bytes after unescaping; = PacketSize we announce
constexpr size_t kMaxMemRead = 8192;  // bytes per 'm' reply (hex doubles it to kMaxPacket)
constexpr unsigned kRegPc = 32;
constexpr unsigned kRegCsrBase = 65;
constexpr unsigned kRegPriv = 65 + 4096;

// Incremental decoder of the byte stream from the client.
class PacketReader {
 public:
  enum class Event {
    none,          // byte consumed, nothing complete yet
    packet,        // payload() holds a packet with a good checksum: ack with '+'
    bad_checksum,  // complete packet, wrong checksum: nack with '-'
    too_long,      // complete packet longer than kMaxPacket: ack and answer with an error
    interrupt,     // 0x03 outside a packet (Ctrl-C)
    ack,           // '+'
    nack,          // '-': resend the last reply
  };
  Event feed(uint8_t c);
  const std::string& payload() const { return buf_; }

 private:
  enum class State { idle, body, escape, sum1, sum2 };
  State st_ = State::idle;
  std::string buf_;
  uint8_t sum_ = 0, want_ = 0;
  bool overflow_ = false, bad_digit_ = false;
};

// "$payload#cs" with '#', '$', '}' and '*' escaped.
std::string frame(const std::string& payload);
std::string to_hex(const std::string& bytes);
bool from_hex(const std::string& hex, std::string& bytes);

// What the handler needs from the debugged core.
class Target {
 public:
  virtual ~Target() = default;
  virtual bool read_reg(unsigned regno, uint32_t& v) = 0;
  virtual bool write_reg(unsigned regno, uint32_t v) = 0;
  virtual bool read_mem(uint32_t addr, uint8_t* buf, uint32_t len) = 0;
  virtual bool write_mem(uint32_t addr, const uint8_t* buf, uint32_t len) = 0;
  // type = the Z packet type (0 sw bp, 1 hw bp, 2 write, 3 read, 4 access watchpoint);
  // kind = instruction length for breakpoints, byte count for watchpoints.
  virtual bool insert_point(int type, uint32_t addr, uint32_t kind) = 0;
  virtual bool remove_point(int type, uint32_t addr, uint32_t kind) = 0;
  // `monitor CMD`: returns the text to show the user.
  virtual std::string monitor(const std::string& cmd) = 0;
};

struct Outcome {
  enum class Kind { reply, cont, step, detach, kill };
  Kind kind = Kind::reply;
  std::vector<std::string> replies;  // payloads to send, in order (none for cont/step/kill)
};

class Handler {
 public:
  explicit Handler(Target& t) : t_(t) {}
  // A new client: forget negotiated features; `?` answers with the current stop.
  void reset_session(const DebugEvent& current);
  Outcome handle(const std::string& pkt);
  // The stop reply for ev (also remembered for `?`).
  std::string stop_reply(const DebugEvent& ev);
  static std::string exit_reply(int code);
  static const std::string& target_xml();

 private:
  Outcome reply(std::string s) {
    Outcome o;
    o.replies.push_back(std::move(s));
    return o;
  }
  Outcome resume(Outcome::Kind k, const std::string& addr_arg);
  Outcome read_memory(const std::string& args);
  Outcome write_memory(const std::string& args, bool binary);
  Outcome point(const std::string& pkt, bool insert);
  Outcome query(const std::string& pkt);
  Outcome vpacket(const std::string& pkt);

  Target& t_;
  std::string last_stop_ = "S05";
  bool swbreak_ = false;  // the client understands "swbreak:" in stop replies
  bool hwbreak_ = false;  // the client understands "hwbreak:" in stop replies
};

}  // namespace imcvp::cpu::gdb
