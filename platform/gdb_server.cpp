#include "platform/gdb_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "models/common/log.h"
#include "models/common/stats.h"

namespace imcvp::platform {

using cpu::DebugAction;
using cpu::DebugEvent;
namespace rsp = cpu::gdb;

GdbServer::GdbServer(cpu::Rv32Core& core, uint16_t port, bool wait_for_client)
    : core_(core), handler_(*this) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("gdb: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // never all interfaces
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 ||
      ::listen(listen_fd_, 1) < 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error("gdb: cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                             why);
  }
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  ::fcntl(listen_fd_, F_SETFL, ::fcntl(listen_fd_, F_GETFL) | O_NONBLOCK);
  core_.set_debugger(this);
  if (wait_for_client) core_.request_halt();
  thread_ = std::thread([this] { watcher(); });
}

GdbServer::~GdbServer() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  drop_client();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  core_.set_debugger(nullptr);
}

// ---------------------------------------------------------------------------------------------
// Host thread: only watches; never reads or writes the sockets.

void GdbServer::watcher() {
  for (;;) {
    int fd;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return quit_ || (running_ && !wake_.load()); });
      if (quit_) return;
      fd = client_fd_ >= 0 ? client_fd_.load() : listen_fd_;
    }
    pollfd p{fd, POLLIN, 0};
    // The timeout bounds how long a stale fd (closed meanwhile) or quit_ goes unnoticed.
    if (::poll(&p, 1, 100) > 0) {
      std::lock_guard<std::mutex> lk(mu_);
      const int now = client_fd_ >= 0 ? client_fd_.load() : listen_fd_;
      if (running_ && !quit_ && fd == now) wake_.store(true);
    }
  }
}

void GdbServer::set_running(bool r) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    running_ = r;
    wake_.store(false);
  }
  cv_.notify_all();
}

bool GdbServer::accept_client() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      client_fd_ = fd;
      reader_ = rsp::PacketReader{};
      inbuf_.clear();
      last_sent_.clear();
      log::info("gdb", "client connected");
      return true;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, -1) < 0 && errno != EINTR) return false;
  }
}

void GdbServer::drop_client() {
  const int fd = client_fd_.exchange(-1);
  if (fd >= 0) {
    ::close(fd);
    log::info("gdb", "client disconnected");
  }
  inbuf_.clear();
}

bool GdbServer::send_raw(const std::string& bytes) {
  const int fd = client_fd_;
  size_t off = 0;
  while (fd >= 0 && off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return fd >= 0;
}

bool GdbServer::send_packet(const std::string& payload) {
  last_sent_ = rsp::frame(payload);
  return send_raw(last_sent_);
}

// ---------------------------------------------------------------------------------------------
// The protocol loop (inside the core's SC_THREAD: simulated time stands still).

DebugAction GdbServer::halted(const DebugEvent& ev) {
  set_running(false);
  if (client_fd_ < 0) {
    // Only a waiting start blocks for a client; otherwise the listen socket was readable.
    if (ev.reason != DebugEvent::Reason::start) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0) {
        set_running(true);
        return DebugAction::cont;
      }
    } else {
      std::fprintf(stderr, "imcvp: gdb: waiting for a client on 127.0.0.1:%u\n", port_);
    }
    if (!accept_client()) {
      set_running(true);
      return DebugAction::cont;
    }
    handler_.reset_session(ev);
  } else {
    send_packet(handler_.stop_reply(ev));  // the client waits for it since its c/s/Ctrl-C
  }

  for (;;) {
    size_t i = 0;
    while (i < inbuf_.size()) {
      const uint8_t c = static_cast<uint8_t>(inbuf_[i++]);
      switch (reader_.feed(c)) {
        case rsp::PacketReader::Event::packet: {
          send_raw("+");
          const rsp::Outcome o = handler_.handle(reader_.payload());
          for (const auto& r : o.replies) send_packet(r);
          if (o.kind == rsp::Outcome::Kind::reply) break;
          inbuf_.erase(0, i);
          switch (o.kind) {
            case rsp::Outcome::Kind::cont:
              set_running(true);
              return DebugAction::cont;
            case rsp::Outcome::Kind::step:
              set_running(true);
              return DebugAction::step;
            case rsp::Outcome::Kind::detach:
              drop_client();
              set_running(true);
              return DebugAction::detach;
            default:  // kill
              RunControl::get().request_stop(StopReason::debugger, kKillExitCode,
                                             "run killed from GDB");
              drop_client();
              set_running(true);
              return DebugAction::kill;
          }
        }
        case rsp::PacketReader::Event::bad_checksum:
          send_raw("-");
          break;
        case rsp::PacketReader::Event::too_long:
          send_raw("+");
          send_packet("E01");
          break;
        case rsp::PacketReader::Event::nack:
          if (!last_sent_.empty()) send_raw(last_sent_);
          break;
        default:  // acks, a Ctrl-C while already halted, noise
          break;
      }
    }
    inbuf_.clear();
    char buf[4096];
    const ssize_t n = ::recv(client_fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // The client vanished: behave as a detach so the run finishes on its own.
      log::warn("gdb", "client connection lost; the run continues without a debugger");
      drop_client();
      set_running(true);
      return DebugAction::detach;
    }
    inbuf_.append(buf, static_cast<size_t>(n));
  }
}

void GdbServer::end_of_run(const StopInfo& info) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (client_fd_ >= 0 && info.reason != StopReason::debugger)
    send_packet(rsp::Handler::exit_reply(info.exit_code));
  drop_client();
  core_.set_debugger(nullptr);
}

// ---------------------------------------------------------------------------------------------
// Target: the core's state as GDB numbers it.

bool GdbServer::read_reg(unsigned regno, uint32_t& v) {
  if (regno < 32) {
    v = core_.reg(regno);
    return true;
  }
  if (regno == rsp::kRegPc) {
    v = core_.pc();
    return true;
  }
  if (regno == rsp::kRegPriv) {
    v = core_.hart().machine ? 3 : 0;
    return true;
  }
  if (regno >= rsp::kRegCsrBase && regno < rsp::kRegCsrBase + 4096)
    return core_.debug_csr_read(regno - rsp::kRegCsrBase, v);
  return false;
}

bool GdbServer::write_reg(unsigned regno, uint32_t v) {
  if (regno == 0) return true;  // x0 stays zero
  if (regno < 32) {
    core_.hart().x[regno] = v;
    return true;
  }
  if (regno == rsp::kRegPc) {
    core_.set_pc(v & ~1u);
    return true;
  }
  if (regno >= rsp::kRegCsrBase && regno < rsp::kRegCsrBase + 4096)
    return core_.debug_csr_write(regno - rsp::kRegCsrBase, v);
  return false;  // priv is read-only here
}

bool GdbServer::read_mem(uint32_t addr, uint8_t* buf, uint32_t len) {
  return core_.debug_read(addr, buf, len);
}

bool GdbServer::write_mem(uint32_t addr, const uint8_t* buf, uint32_t len) {
  return core_.debug_write(addr, buf, len);
}

// Z0 = software breakpoints (the core's own, any number); Z1..Z4 = the hart's triggers
// (cpu::Hart::kTriggers): an insert fails (E0e, GDB: "Could not insert hardware
// breakpoint/watchpoint") when no trigger is free.
bool GdbServer::insert_point(int type, uint32_t addr, uint32_t kind) {
  if (type == 0) return core_.add_breakpoint(addr);
  if (type == 1) return core_.add_hw_breakpoint(addr);
  return core_.add_hw_watchpoint(addr, kind, static_cast<cpu::WatchKind>(type));
}

bool GdbServer::remove_point(int type, uint32_t addr, uint32_t kind) {
  if (type == 0) return core_.remove_breakpoint(addr);
  if (type == 1) return core_.remove_hw_breakpoint(addr);
  return core_.remove_hw_watchpoint(addr, kind, static_cast<cpu::WatchKind>(type));
}

std::string GdbServer::monitor(const std::string& cmd_in) {
  std::string cmd = cmd_in;
  while (!cmd.empty() && (cmd.back() == ' ' || cmd.back() == '\n')) cmd.pop_back();
  while (!cmd.empty() && cmd.front() == ' ') cmd.erase(0, 1);
  char b[256];
  if (cmd == "help" || cmd.empty())
    return "imcvp monitor commands:\n"
           "  monitor stats       instructions, cycles, simulated time, pc\n"
           "  monitor stats all   every statistic of the platform (stats.txt format)\n"
           "  monitor time        simulated time as the core sees it\n"
           "  monitor triggers    the hart's triggers (hbreak/watch use them)\n"
           "  monitor help        this text\n";
  if (cmd == "stats") {
    std::snprintf(b, sizeof b,
                  "instructions=%llu cycles=%llu sim_time_ns=%.3f pc=0x%08x breakpoints=%zu "
                  "hw_breakpoints=%zu watchpoints=%zu triggers_used=%u/%u\n",
                  static_cast<unsigned long long>(core_.instret()),
                  static_cast<unsigned long long>(core_.cycles()),
                  core_.time_now().to_seconds() * 1e9, core_.pc(), core_.breakpoint_count(),
                  core_.hw_breakpoint_count(),
                  core_.hw_watchpoint_count() + core_.watchpoint_count(),
                  core_.triggers_used_by_debugger(), core_.triggers_total());
    return b;
  }
  if (cmd == "triggers") {
    std::string out;
    const cpu::Hart& h = core_.hart();
    for (unsigned i = 0; i < core_.triggers_total(); ++i) {
      const uint32_t d = h.trig[i].tdata1;
      std::snprintf(b, sizeof b, "trigger %u: tdata1=0x%08x tdata2=0x%08x %s\n", i, d,
                    h.trig[i].tdata2,
                    (d & cpu::mcontrol::DMODE) ? "debugger"
                    : h.trigger_free(i)        ? "free"
                                               : "firmware");
      out += b;
    }
    std::snprintf(b, sizeof b, "%u triggers (mcontrol: execute/load/store address match)\n",
                  core_.triggers_total());
    return out + b;
  }
  if (cmd == "stats all") return stats::Registry::get().to_text();
  if (cmd == "time") {
    std::snprintf(b, sizeof b, "%.3f ns\n", core_.time_now().to_seconds() * 1e9);
    return b;
  }
  return "unknown monitor command '" + cmd + "'; try 'monitor help'\n";
}

}  // namespace imcvp::platform
