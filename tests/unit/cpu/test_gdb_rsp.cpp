// Unit tests of the GDB remote serial protocol layer (models/cpu/gdb_rsp.h) without sockets:
// packet framing and checksums, escapes, Ctrl-C, size limits, and every handler command
// against a fake target, including malformed input.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "models/cpu/gdb_rsp.h"

namespace imcvp::cpu::gdb {
namespace {

using Ev = PacketReader::Event;

std::vector<Ev> feed_all(PacketReader& r, const std::string& bytes) {
  std::vector<Ev> out;
  for (char c : bytes) {
    const Ev e = r.feed(static_cast<uint8_t>(c));
    if (e != Ev::none) out.push_back(e);
  }
  return out;
}

TEST(GdbReader, GoodPacketAndChecksum) {
  PacketReader r;
  auto ev = feed_all(r, "$qSupported:swbreak+#c7");
  // Compute the real checksum rather than trusting the literal.
  const std::string f = frame("qSupported:swbreak+");
  PacketReader r2;
  ev = feed_all(r2, f);
  ASSERT_EQ(ev, std::vector<Ev>{Ev::packet});
  EXPECT_EQ(r2.payload(), "qSupported:swbreak+");
  EXPECT_EQ(frame("g"), "$g#67");
  EXPECT_EQ(frame(""), "$#00");
}

TEST(GdbReader, BadChecksumAndBadDigitsAreNacked) {
  PacketReader r;
  EXPECT_EQ(feed_all(r, "$g#68"), std::vector<Ev>{Ev::bad_checksum});
  EXPECT_EQ(feed_all(r, "$g#zz"), std::vector<Ev>{Ev::bad_checksum});
  EXPECT_EQ(feed_all(r, "$g#6"), std::vector<Ev>{});  // incomplete: waits
  EXPECT_EQ(feed_all(r, "7"), std::vector<Ev>{Ev::packet});
  EXPECT_EQ(r.payload(), "g");
}

TEST(GdbReader, InterruptAcksNoiseAndRestart) {
  PacketReader r;
  EXPECT_EQ(feed_all(r, "\x03+-xyz"), (std::vector<Ev>{Ev::interrupt, Ev::ack, Ev::nack}));
  // A '$' inside a packet starts over: the first, unfinished packet is dropped.
  EXPECT_EQ(feed_all(r, "$m0,4$g#67"), std::vector<Ev>{Ev::packet});
  EXPECT_EQ(r.payload(), "g");
}

TEST(GdbReader, EscapesRoundTrip) {
  std::string bin = "a$b#c}d*e";
  bin.push_back('\0');
  bin.push_back('\x03');
  const std::string f = frame("X80000000,b:" + bin);
  EXPECT_EQ(f.find('#'), f.size() - 3) << "no raw '#' inside the body";
  PacketReader r;
  ASSERT_EQ(feed_all(r, f), std::vector<Ev>{Ev::packet});
  EXPECT_EQ(r.payload(), "X80000000,b:" + bin);
}

TEST(GdbReader, OversizedPacketIsRefusedNotStored) {
  PacketReader r;
  const std::string huge(kMaxPacket * 4, 'A');
  ASSERT_EQ(feed_all(r, frame(huge)), std::vector<Ev>{Ev::too_long});
  EXPECT_TRUE(r.payload().empty());
  ASSERT_EQ(feed_all(r, frame("?")), std::vector<Ev>{Ev::packet}) << "recovers";
}

TEST(GdbHex, Conversions) {
  std::string b;
  EXPECT_TRUE(from_hex("00ff7a", b));
  EXPECT_EQ(b, std::string("\x00\xff\x7a", 3));
  EXPECT_EQ(to_hex(b), "00ff7a");
  EXPECT_FALSE(from_hex("0", b));
  EXPECT_FALSE(from_hex("zz", b));
}

// A fake core: 33 registers + a few CSRs, 64 KiB of memory at 0x80000000.
struct FakeTarget : Target {
  uint32_t regs[33] = {};
  std::map<unsigned, uint32_t> csrs = {{kRegCsrBase + 0x300, 0x1800}, {kRegCsrBase + 0xF11, 0}};
  std::vector<uint8_t> mem = std::vector<uint8_t>(0x10000, 0);
  std::set<std::tuple<int, uint32_t, uint32_t>> points;
  std::string last_monitor;
  bool read_reg(unsigned n, uint32_t& v) override {
    if (n <= kRegPc) {
      v = regs[n];
      return true;
    }
    auto it = csrs.find(n);
    if (it == csrs.end()) return false;
    v = it->second;
    return true;
  }
  bool write_reg(unsigned n, uint32_t v) override {
    if (n <= kRegPc) {
      if (n) regs[n] = v;
      return true;
    }
    if (n == kRegCsrBase + 0xF11 || !csrs.count(n)) return false;
    csrs[n] = v;
    return true;
  }
  bool in(uint32_t a, uint32_t len) const {
    return a >= 0x80000000u && uint64_t{a} + len <= 0x80000000ull + mem.size();
  }
  bool read_mem(uint32_t a, uint8_t* b, uint32_t len) override {
    if (!in(a, len)) return false;
    std::memcpy(b, &mem[a - 0x80000000u], len);
    return true;
  }
  bool write_mem(uint32_t a, const uint8_t* b, uint32_t len) override {
    if (!in(a, len)) return false;
    std::memcpy(&mem[a - 0x80000000u], b, len);
    return true;
  }
  bool insert_point(int t, uint32_t a, uint32_t k) override {
    if (points.size() >= 4) return false;
    points.insert({t, a, k});
    return true;
  }
  bool remove_point(int t, uint32_t a, uint32_t k) override { return points.erase({t, a, k}) > 0; }
  std::string monitor(const std::string& cmd) override {
    last_monitor = cmd;
    return cmd == "big" ? std::string(20000, 'x') : "out:" + cmd + "\n";
  }
};

class GdbHandlerTest : public ::testing::Test {
 protected:
  FakeTarget t;
  Handler h{t};
  std::string one(const std::string& pkt) {
    Outcome o = h.handle(pkt);
    EXPECT_EQ(o.kind, Outcome::Kind::reply) << pkt;
    EXPECT_EQ(o.replies.size(), 1u) << pkt;
    return o.replies.empty() ? "<none>" : o.replies[0];
  }
};

TEST_F(GdbHandlerTest, SupportedAndTargetXml) {
  const std::string s = one("qSupported:multiprocess+;swbreak+;hwbreak+");
  EXPECT_NE(s.find("PacketSize=4000"), std::string::npos) << s;
  EXPECT_NE(s.find("qXfer:features:read+"), std::string::npos);
  EXPECT_NE(s.find("vContSupported+"), std::string::npos);
  // Read the XML in small chunks as GDB does and reassemble it.
  std::string xml;
  for (uint32_t off = 0;;) {
    char q[80];
    std::snprintf(q, sizeof q, "qXfer:features:read:target.xml:%x,%x", off, 100u);
    const std::string r = one(q);
    ASSERT_FALSE(r.empty());
    ASSERT_TRUE(r[0] == 'm' || r[0] == 'l') << r;
    xml += r.substr(1);
    off += static_cast<uint32_t>(r.size() - 1);
    if (r[0] == 'l') break;
    ASSERT_LT(off, 100000u);
  }
  EXPECT_EQ(xml, Handler::target_xml());
  EXPECT_NE(xml.find("<architecture>riscv:rv32</architecture>"), std::string::npos);
  EXPECT_NE(xml.find("org.gnu.gdb.riscv.cpu"), std::string::npos);
  EXPECT_NE(xml.find("<reg name=\"mstatus\" bitsize=\"32\" regnum=\"833\""), std::string::npos);
  EXPECT_NE(xml.find("name=\"pc\""), std::string::npos);
  EXPECT_EQ(one("qXfer:features:read:other.xml:0,10"), "E00");
  EXPECT_EQ(one("qXfer:features:read:target.xml:zz"), "E00");
  EXPECT_EQ(one("qXfer:features:read:target.xml:ffffff,10"), "l");
}

TEST_F(GdbHandlerTest, RegistersGpPcCsr) {
  t.regs[1] = 0x80001234;
  t.regs[kRegPc] = 0x80000010;
  const std::string g = one("g");
  ASSERT_EQ(g.size(), 33u * 8);
  EXPECT_EQ(g.substr(8, 8), "34120080") << "little-endian";
  EXPECT_EQ(g.substr(32 * 8), "10000080");
  // G writes all (x0 stays 0).
  std::string G = "G";
  for (int i = 0; i < 33; ++i) G += "01000000";
  EXPECT_EQ(one(G), "OK");
  EXPECT_EQ(t.regs[0], 0u);
  EXPECT_EQ(t.regs[5], 1u);
  EXPECT_EQ(one("G0100"), "E01") << "short";
  EXPECT_EQ(one("p341"), "00180000") << "mstatus = 65 + 0x300";
  EXPECT_EQ(one("P20=00010080"), "OK");
  EXPECT_EQ(t.regs[kRegPc], 0x80000100u);
  EXPECT_EQ(one("P3b2=01000000"), "E01") << "mvendorid read-only (0x3b2 = 65 + 0xF11)";
  EXPECT_EQ(one("p9999"), "E01");
  EXPECT_EQ(one("pfffffffffffffffffffff"), "E01");
  EXPECT_EQ(one("P5"), "E01");
  EXPECT_EQ(one("P5=123"), "E01");
}

TEST_F(GdbHandlerTest, MemoryReadWrite) {
  EXPECT_EQ(one("M80000000,4:deadbeef"), "OK");
  EXPECT_EQ(one("m80000000,4"), "deadbeef");
  EXPECT_EQ(one("X80000004,3:a}b"), "OK") << "the reader already removed the escapes";
  EXPECT_EQ(t.mem[4], 'a');
  EXPECT_EQ(one("X80000004,0:"), "OK") << "binary-download probe";
  EXPECT_EQ(one("X80000004,5:ab"), "E01") << "length mismatch";
  EXPECT_EQ(one("M80000000,2:zzzz"), "E01");
  EXPECT_EQ(one("M80000000,2"), "E01");
  EXPECT_EQ(one("m10,4"), "E14") << "unmapped";
  EXPECT_EQ(one("M10,1:00"), "E14");
  // Partial read up to the end of memory.
  EXPECT_EQ(one("m8000fffe,8").size(), 4u);
  // Huge length: capped, never allocated.
  EXPECT_EQ(one("m80000000,ffffffff").size(), 2 * kMaxMemRead);
  EXPECT_EQ(one("m80000000"), "E01");
  EXPECT_EQ(one("m,"), "E01");
  EXPECT_EQ(one("mffffffff,10"), "E14") << "wraps past 4 GiB";
  EXPECT_EQ(one("m80000000,0"), "");
}

TEST_F(GdbHandlerTest, BreakAndWatchPoints) {
  EXPECT_EQ(one("Z0,80000010,2"), "OK");
  EXPECT_EQ(one("Z2,80000100,4;X2,0a"), "OK") << "conditions ignored";
  EXPECT_EQ(one("Z3,80000104,2"), "OK");
  EXPECT_EQ(one("Z4,80000108,1"), "OK");
  EXPECT_EQ(one("Z1,80000020,4"), "E0e") << "target full";
  EXPECT_EQ(t.points.count({2, 0x80000100, 4}), 1u);
  EXPECT_EQ(one("z2,80000100,4"), "OK");
  EXPECT_EQ(one("z2,80000100,4"), "OK") << "removing twice is harmless";
  EXPECT_EQ(one("Z5,0,0"), "") << "unsupported type";
  EXPECT_EQ(one("Z0"), "E01");
  EXPECT_EQ(one("Z0,zz,2"), "E01");
  EXPECT_EQ(one("Zx,1,2"), "") << "unknown type";
}

TEST_F(GdbHandlerTest, ResumeDetachKill) {
  EXPECT_EQ(h.handle("c").kind, Outcome::Kind::cont);
  EXPECT_EQ(h.handle("s").kind, Outcome::Kind::step);
  EXPECT_EQ(h.handle("c80000200").kind, Outcome::Kind::cont);
  EXPECT_EQ(t.regs[kRegPc], 0x80000200u);
  EXPECT_EQ(h.handle("S05;80000300").kind, Outcome::Kind::step);
  EXPECT_EQ(t.regs[kRegPc], 0x80000300u);
  EXPECT_EQ(one("czz"), "E01");
  EXPECT_EQ(one("vCont?"), "vCont;c;C;s;S");
  EXPECT_EQ(h.handle("vCont;s:1;c").kind, Outcome::Kind::step);
  EXPECT_EQ(h.handle("vCont;c").kind, Outcome::Kind::cont);
  EXPECT_EQ(h.handle("vCont;C05:1").kind, Outcome::Kind::cont);
  EXPECT_EQ(one("vCont;t"), "E01");
  Outcome d = h.handle("D");
  EXPECT_EQ(d.kind, Outcome::Kind::detach);
  EXPECT_EQ(d.replies, std::vector<std::string>{"OK"});
  Outcome k = h.handle("k");
  EXPECT_EQ(k.kind, Outcome::Kind::kill);
  EXPECT_TRUE(k.replies.empty());
  EXPECT_EQ(h.handle("vKill;1").kind, Outcome::Kind::kill);
}

TEST_F(GdbHandlerTest, StopRepliesAndThreadQueries) {
  DebugEvent ev;
  ev.reason = DebugEvent::Reason::start;
  h.reset_session(ev);
  EXPECT_EQ(one("?"), "T05thread:1;");
  one("qSupported:swbreak+");
  ev.reason = DebugEvent::Reason::breakpoint;
  EXPECT_EQ(h.stop_reply(ev), "T05thread:1;swbreak:;");
  ev.reason = DebugEvent::Reason::watch;
  ev.watch_kind = WatchKind::read;
  ev.watch_addr = 0x80002924;
  EXPECT_EQ(h.stop_reply(ev), "T05thread:1;rwatch:80002924;");
  EXPECT_EQ(one("?"), "T05thread:1;rwatch:80002924;");
  ev.watch_kind = WatchKind::access;
  EXPECT_EQ(h.stop_reply(ev), "T05thread:1;awatch:80002924;");
  ev.reason = DebugEvent::Reason::interrupt;
  EXPECT_EQ(h.stop_reply(ev), "T02thread:1;");
  EXPECT_EQ(Handler::exit_reply(3), "W03");
  EXPECT_EQ(Handler::exit_reply(300), "W2c");
  EXPECT_EQ(one("qAttached"), "1");
  EXPECT_EQ(one("qAttached:1"), "1");
  EXPECT_EQ(one("qC"), "QC1");
  EXPECT_EQ(one("qfThreadInfo"), "m1");
  EXPECT_EQ(one("qsThreadInfo"), "l");
  EXPECT_EQ(one("Hg0"), "OK");
  EXPECT_EQ(one("T1"), "OK");
  EXPECT_EQ(one("vMustReplyEmpty"), "");
  EXPECT_EQ(one("qTStatus"), "");
  EXPECT_EQ(one(""), "");
  EXPECT_EQ(one("!"), "");
}

TEST_F(GdbHandlerTest, MonitorCommandsAreHexConsoleOutput) {
  Outcome o = h.handle("qRcmd," + to_hex("stats"));
  ASSERT_EQ(o.replies.size(), 2u);
  EXPECT_EQ(t.last_monitor, "stats");
  EXPECT_EQ(o.replies[0], "O" + to_hex("out:stats\n"));
  EXPECT_EQ(o.replies[1], "OK");
  o = h.handle("qRcmd," + to_hex("big"));
  ASSERT_GT(o.replies.size(), 2u) << "long output is split";
  for (size_t i = 0; i + 1 < o.replies.size(); ++i) EXPECT_LE(o.replies[i].size(), kMaxPacket);
  EXPECT_EQ(one("qRcmd,zz"), "E01");
}

TEST_F(GdbHandlerTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(7);
  PacketReader r;
  const char alphabet[] = "$#}*+-\x03gGmMXpPZzcsqQvDk0123456789abcdefABCDEF,:;=?";
  for (int i = 0; i < 200000; ++i) {
    const uint8_t c = (rng() % 4 == 0)
                          ? static_cast<uint8_t>(rng())
                          : static_cast<uint8_t>(alphabet[rng() % (sizeof alphabet - 1)]);
    if (r.feed(c) == Ev::packet) h.handle(r.payload());
  }
  // Packets with valid checksums but random bodies.
  for (int i = 0; i < 20000; ++i) {
    std::string body;
    const int n = static_cast<int>(rng() % 40);
    for (int j = 0; j < n; ++j) body.push_back(alphabet[rng() % (sizeof alphabet - 1)]);
    h.handle(body);
  }
  SUCCEED();
}

}  // namespace
}  // namespace imcvp::cpu::gdb
