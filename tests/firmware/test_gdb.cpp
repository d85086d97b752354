// The GDB stub end to end: a real gdb-multiarch (batch mode) debugs firmware/apps/gdb_demo on
// imcvp, and raw sockets feed the stub malformed packets, Ctrl-C and abrupt disconnects.
// Every wait is bounded: a failing stub makes these tests fail, never hang.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "models/cpu/gdb_rsp.h"
#include "tests/firmware/harness.h"

extern char** environ;

using namespace imcvp::test;
namespace rsp = imcvp::cpu::gdb;

namespace {

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

bool have_gdb() {
  return std::system("command -v gdb-multiarch > /dev/null 2>&1") == 0;
}

// imcvp running in the background with its output in files.
struct Imcvp {
  pid_t pid = -1;
  std::filesystem::path dir;
  int code = -1;
  Imcvp(const std::vector<std::string>& args, const std::string& tag) {
    auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = std::filesystem::temp_directory_path() / ("imcvp-gdb-" + std::to_string(getpid())) /
          (std::string(info->name()) + tag);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::string cmd = "exec " + shell_quote(IMCVP_BIN);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " -d " + shell_quote((dir / "out").string()) + " > " +
           shell_quote((dir / "stdout.txt").string()) + " 2> " +
           shell_quote((dir / "stderr.txt").string()) + " < /dev/null";
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ);
  }
  // Waits up to `seconds` for the exit; kills it on timeout (returns false).
  bool wait(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (pid > 0) {
      int st = 0;
      const pid_t r = ::waitpid(pid, &st, WNOHANG);
      if (r == pid) {
        code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        pid = -1;
        return true;
      }
      if (std::chrono::steady_clock::now() > end) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
        pid = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  std::string out() const { return read_text(dir / "stdout.txt"); }
  std::string err() const { return read_text(dir / "stderr.txt"); }
  ~Imcvp() { wait(0); }
};

// Runs gdb-multiarch in batch mode against imcvp's stub on `port`: the usual prologue
// (architecture, no pagination or confirmation, then `settings`, then `target remote`), the
// `commands`, on the symbols of `elf`. The script and output go to sim_dir; returns the output
// and stores gdb's exit status in *status when given.
std::string gdb_batch(const std::filesystem::path& sim_dir, int port, const std::string& elf,
                      const std::string& commands, const std::string& settings = "",
                      int* status = nullptr) {
  const std::filesystem::path cmds = sim_dir / "session.gdb";
  std::ofstream(cmds) << "set architecture riscv:rv32\n"
                         "set pagination off\n"
                         "set confirm off\n"
                      << settings << "target remote :" << port << "\n"
                      << commands;
  const std::filesystem::path gout = sim_dir / "gdb.txt";
  const std::string cmd = "timeout 60 gdb-multiarch -nx -batch -x " + shell_quote(cmds.string()) +
                          " " + shell_quote(elf) + " > " + shell_quote(gout.string()) + " 2>&1";
  const int g = std::system(cmd.c_str());
  if (status) *status = g;
  return read_text(gout);
}

// A minimal RSP client over a socket, with timeouts.
struct Client {
  int fd = -1;
  bool connect_to(int port, double seconds = 20) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return true;
      ::close(fd);
      fd = -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  void send(const std::string& s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }
  // Reads until a complete packet (returns its payload), a lone ack char if want_ack, or timeout.
  std::string buf;
  bool fill(double seconds) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(seconds * 1000)) <= 0) return false;
    char b[65536];
    const ssize_t n = ::recv(fd, b, sizeof b, 0);
    if (n <= 0) return false;
    buf.append(b, static_cast<size_t>(n));
    return true;
  }
  // Next ack character ('+' or '-'), skipping nothing else.
  char ack(double seconds = 10) {
    while (buf.empty())
      if (!fill(seconds)) return 0;
    const char c = buf[0];
    buf.erase(0, 1);
    return c;
  }
  std::string packet(double seconds = 10) {
    rsp::PacketReader r;
    for (;;) {
      for (size_t i = 0; i < buf.size(); ++i) {
        if (r.feed(static_cast<uint8_t>(buf[i])) == rsp::PacketReader::Event::packet) {
          buf.erase(0, i + 1);
          send("+");
          return r.payload();
        }
      }
      buf.clear();
      if (!fill(seconds)) return "<timeout>";
    }
  }
  std::string request(const std::string& payload) {
    send(rsp::frame(payload));
    if (ack() != '+') return "<no ack>";
    return packet();
  }
  ~Client() {
    if (fd >= 0) ::close(fd);
  }
};

TEST(Gdb, GdbMultiarchBreakStepChangeWatchAndExit) {
  if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch not installed (scripts/install-deps --test)";
  const int port = free_port();
  Imcvp sim({"run", "--gdb=" + std::to_string(port), "--gdb-wait", fw("gdb_demo")}, "");
  int g = 0;
  const std::string o = gdb_batch(sim.dir, port, fw("gdb_demo"),
                                  "break compute\n"
                                  "continue\n"
                                  "print answer\n"
                                  "next\n"
                                  "print doubled\n"
                                  "set var answer = 5\n"
                                  "print answer\n"
                                  "watch counter\n"
                                  "continue\n"
                                  "print counter\n"
                                  "info registers pc mstatus\n"
                                  "monitor stats\n"
                                  "delete\n"
                                  "continue\n",
                                  "", &g);
  ASSERT_TRUE(sim.wait(30)) << "imcvp did not finish";
  EXPECT_EQ(WEXITSTATUS(g), 0) << o;
  EXPECT_TRUE(contains(o, "Breakpoint 1, compute (x=41)")) << o;
  EXPECT_TRUE(contains(o, "$1 = 41")) << o;
  EXPECT_TRUE(contains(o, "$2 = 82")) << "after `next`, doubled = 2*41\n" << o;
  EXPECT_TRUE(contains(o, "$3 = 5")) << o;
  EXPECT_TRUE(contains(o, "atchpoint 2: counter")) << o;
  EXPECT_TRUE(contains(o, "Old value = 0")) << o;
  EXPECT_TRUE(contains(o, "New value = 1")) << o;
  EXPECT_TRUE(contains(o, "$4 = 1")) << o;
  EXPECT_TRUE(contains(o, "mstatus")) << o;
  EXPECT_TRUE(contains(o, "instructions=")) << "monitor stats\n" << o;
  EXPECT_TRUE(contains(o, "exited with code 05")) << o;
  EXPECT_EQ(sim.code, 5) << "exit code = the value GDB stored in `answer`\n" << sim.err();
  EXPECT_TRUE(contains(sim.out(), "answer=5 compute=83 counter=6")) << sim.out();
}

// Issue 15 item 10: hbreak, rwatch, awatch and watch are the hart's triggers (Sdtrig mcontrol,
// 4 of them): they halt before the instruction / access, and a fifth one is refused, so GDB
// reports that it could not insert it.
TEST(Gdb, HardwareBreakAndWatchpointsAreTheHartsTriggers) {
  if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch not installed (scripts/install-deps --test)";
  const int port = free_port();
  Imcvp sim({"run", "--gdb=" + std::to_string(port), "--gdb-wait", fw("gdb_demo")}, "");
  const std::string o = gdb_batch(sim.dir, port, fw("gdb_demo"),
                                  "hbreak bump\n"
                                  "continue\n"
                                  "print by\n"
                                  "monitor triggers\n"
                                  "monitor stats\n"
                                  "delete\n"
                                  "awatch counter\n"
                                  "continue\n"
                                  "delete\n"
                                  "rwatch answer\n"
                                  "continue\n"
                                  "watch counter\n"
                                  "hbreak main\n"
                                  "continue\n",
                                  "set breakpoint always-inserted on\n");
  ASSERT_TRUE(sim.wait(30)) << "imcvp did not finish";
  EXPECT_TRUE(contains(o, "Hardware assisted breakpoint 1 at")) << o;
  EXPECT_TRUE(contains(o, "Breakpoint 1, bump (by=1)")) << o;
  EXPECT_TRUE(contains(o, "$1 = 1")) << o;
  EXPECT_TRUE(contains(o, "trigger 0: tdata1=0x2810104c"))
      << "dmode, hit, action 1, m, u, execute\n"
      << o;
  EXPECT_TRUE(contains(o, "trigger 1: tdata1=0x20000000 tdata2=0x00000000 free")) << o;
  EXPECT_TRUE(contains(o, "Hardware access (read/write) watchpoint 2: counter")) << o;
  EXPECT_TRUE(contains(o, "Value = 0")) << "the read of counter in bump(1)\n" << o;
  EXPECT_TRUE(contains(o, "Hardware read watchpoint 3: answer")) << o;
  EXPECT_TRUE(contains(o, "Value = 41")) << o;
  EXPECT_TRUE(contains(o, "hw_breakpoints=1 watchpoints=0 triggers_used=1/4")) << o;
  EXPECT_TRUE(contains(o, "Could not insert hardware")) << "4 triggers: the 5th is refused\n" << o;
}

// Issue 16: the SDK's trap entry carries call-frame information (a signal frame whose return
// address is the saved mepc), so `bt` in an interrupt handler walks into the interrupted
// code; CSRs have names (`info registers mcause`).
TEST(Gdb, BacktraceFromAnIrqHandlerReachesTheInterruptedCode) {
  if (!have_gdb()) GTEST_SKIP() << "gdb-multiarch not installed (scripts/install-deps --test)";
  const int port = free_port();
  Imcvp sim({"run", "-q", "--gdb=" + std::to_string(port), "--gdb-wait", fw("timer")}, "");
  const std::string o = gdb_batch(sim.dir, port, fw("timer"),
                                  "break on_timer\n"
                                  "continue\n"
                                  "bt\n"
                                  "info registers mcause\n"
                                  "kill\n");
  ASSERT_TRUE(sim.wait(30)) << "imcvp did not finish";
  EXPECT_TRUE(contains(o, "#0  on_timer")) << o;
  EXPECT_TRUE(contains(o, "<signal handler called>")) << "the trap entry's frame\n" << o;
  EXPECT_TRUE(contains(o, " main () at ")) << "bt reaches the interrupted main\n" << o;
  EXPECT_FALSE(contains(o, "Backtrace stopped")) << o;
  EXPECT_TRUE(contains(o, "mcause         0x80000007")) << "machine timer interrupt\n" << o;
}

TEST(Gdb, MalformedPacketsAndAbruptDisconnect) {
  const int port = free_port();
  Imcvp sim({"run", "-q", "--gdb=" + std::to_string(port), "--gdb-wait", fw("gdb_demo")}, "");
  Client c;
  ASSERT_TRUE(c.connect_to(port));
  c.send("$g#00");  // bad checksum
  EXPECT_EQ(c.ack(), '-');
  c.send("$" + std::string(200000, 'm') + "#00");  // far too long, bad checksum too
  EXPECT_EQ(c.ack(), '-');
  c.send(rsp::frame(std::string(100000, 'q')));  // too long, good checksum
  EXPECT_EQ(c.ack(), '+');
  EXPECT_EQ(c.packet(), "E01");
  c.send("garbage\x01\x02}}}##");
  EXPECT_EQ(c.request("m80000000,ffffffff").size(), 2 * rsp::kMaxMemRead) << "capped";
  EXPECT_EQ(c.request("m0,4"), "E14") << "unmapped";
  EXPECT_EQ(c.request("Zz"), "E01");
  EXPECT_EQ(c.request("?"), "T05thread:1;");
  EXPECT_EQ(c.request("p20"), "00100000") << "halted at the reset pc 0x1000";
  // Half a packet, then the connection drops: the run continues to its normal end.
  c.send("$m8000");
  ::close(c.fd);
  c.fd = -1;
  ASSERT_TRUE(sim.wait(30));
  EXPECT_EQ(sim.code, 41) << sim.err();
  EXPECT_TRUE(contains(sim.out(), "answer=41")) << sim.out();
}

TEST(Gdb, CtrlCInterruptsARunningCoreAndKillEndsTheRun) {
  const int port = free_port();
  Imcvp sim({"run", "-q", "--gdb=" + std::to_string(port), "--gdb-wait", fw("hang")}, "");
  Client c;
  ASSERT_TRUE(c.connect_to(port));
  EXPECT_EQ(c.request("qSupported:swbreak+"),
            "PacketSize=4000;qXfer:features:read+;swbreak+;"
            "hwbreak+;vContSupported+");
  c.send(rsp::frame("vCont;c"));
  EXPECT_EQ(c.ack(), '+');
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  c.send("\x03");
  EXPECT_EQ(c.packet(), "T02thread:1;");
  const std::string pc = c.request("p20");
  EXPECT_EQ(pc.size(), 8u) << pc;
  const std::string st = c.request("qRcmd," + rsp::to_hex("stats"));
  ASSERT_EQ(st[0], 'O') << st;
  std::string text;
  ASSERT_TRUE(rsp::from_hex(st.substr(1), text));
  EXPECT_TRUE(contains(text, "instructions=")) << text;
  EXPECT_EQ(c.packet(), "OK");
  c.send(rsp::frame("k"));
  EXPECT_EQ(c.ack(), '+');
  ASSERT_TRUE(sim.wait(30));
  EXPECT_EQ(sim.code, 82) << sim.err();
  EXPECT_TRUE(contains(sim.err(), "killed")) << sim.err();
}

TEST(Gdb, ClientAttachesToARunningSimulationAndDetaches) {
  const int port = free_port();
  // No --gdb-wait: the run starts at once; the limit ends it after the client detaches.
  Imcvp sim({"run", "-q", "--gdb=" + std::to_string(port), "--max-insts", "100000000", fw("hang")},
            "");
  Client c;
  ASSERT_TRUE(c.connect_to(port));
  EXPECT_EQ(c.request("?"), "T05thread:1;") << "halted on attach";
  const std::string pc = c.request("p20");
  EXPECT_EQ(pc.substr(6, 2), "80") << "inside the firmware at 0x80...: " << pc;
  EXPECT_EQ(c.request("D"), "OK");
  ASSERT_TRUE(sim.wait(60));
  EXPECT_EQ(sim.code, 80) << "instruction limit\n" << sim.err();
}

TEST(Gdb, PortInUseIsAClearError) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::listen(s, 1);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  auto r = run_imcvp({"run", "--gdb=" + std::to_string(ntohs(a.sin_port)), fw("gdb_demo")});
  ::close(s);
  EXPECT_EQ(r.code, 64) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot listen on 127.0.0.1")) << r.err;
}

}  // namespace
