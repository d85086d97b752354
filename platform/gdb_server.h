// GdbServer: the GDB remote-serial-protocol stub of `imcvp run --gdb[=PORT] [--gdb-wait]`
// (docs/debugging.md). It listens on 127.0.0.1 only and is the host core's Debugger: while the
// core is halted the protocol loop runs inside the core's SC_THREAD, so the whole simulation
// stands still; while it runs, one host thread only watches the sockets (a Ctrl-C byte, a new
// client, a disconnect) and raises an atomic flag the core polls at block boundaries.
//
// Limits: one client at a time (others wait in the listen queue until it detaches); a client
// that disconnects is treated as a detach (the run goes on); `k` ends the run with
// StopReason::debugger and exit status kKillExitCode; a client attached when the run ends gets
// "W<code>" with the exit status (limits and faults included); monitor commands: help, stats,
// stats all, time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "models/common/run_control.h"
#include "models/cpu/gdb_rsp.h"
#include "models/cpu/rv32_core.h"

namespace imcvp::platform {

class GdbServer : public cpu::Debugger, private cpu::gdb::Target {
 public:
  // Exit status of a run killed from GDB (`kill`): distinct from firmware codes 0..63 and from
  // imcvp's own 64..81.
  static constexpr int kKillExitCode = exit_code::debugger;

  // Binds 127.0.0.1:port (0 = any free port) and installs itself as core's debugger. With
  // wait_for_client the core halts before its first instruction until a client connects and
  // resumes it. Throws std::runtime_error (with the reason) if the port cannot be bound.
  GdbServer(cpu::Rv32Core& core, uint16_t port, bool wait_for_client);
  ~GdbServer() override;
  GdbServer(const GdbServer&) = delete;
  GdbServer& operator=(const GdbServer&) = delete;

  uint16_t port() const { return port_; }
  // After sc_start returned: tells an attached, running client that the run ended (W packet)
  // and closes every socket.
  void end_of_run(const StopInfo& info);

  // cpu::Debugger
  bool poll() override { return wake_.load(std::memory_order_relaxed); }
  cpu::DebugAction halted(const cpu::DebugEvent& ev) override;

 private:
  // cpu::gdb::Target
  bool read_reg(unsigned regno, uint32_t& v) override;
  bool write_reg(unsigned regno, uint32_t v) override;
  bool read_mem(uint32_t addr, uint8_t* buf, uint32_t len) override;
  bool write_mem(uint32_t addr, const uint8_t* buf, uint32_t len) override;
  bool insert_point(int type, uint32_t addr, uint32_t kind) override;
  bool remove_point(int type, uint32_t addr, uint32_t kind) override;
  std::string monitor(const std::string& cmd) override;

  void watcher();
  void set_running(bool r);
  bool accept_client();
  void drop_client();
  bool send_packet(const std::string& payload);
  bool send_raw(const std::string& bytes);

  cpu::Rv32Core& core_;
  cpu::gdb::Handler handler_;
  cpu::gdb::PacketReader reader_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<int> client_fd_{-1};
  std::string last_sent_;  // for a '-' (resend) from the client
  std::string inbuf_;      // bytes received but not yet parsed

  // Watcher thread: sets wake_ while the core runs and a socket becomes readable.
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = true;  // the core runs (not inside halted())
  bool quit_ = false;
  std::atomic<bool> wake_{false};
};

}  // namespace imcvp::platform
