// Deadlock detection for the tiles' command queues (docs/command-queues.md, "Errors").
//
// Every tile whose command processor has work reports to one shared monitor when it blocks in
// WAIT/BARRIER and when it runs again; every semaphore increment counts as progress. When all
// tiles with work are blocked and no semaphore has moved for `grace` of simulated time, the
// wait can never be satisfied by the tiles themselves: the monitor logs each tile's pending
// wait (tile, queue index, semaphore, value, count needed) and fails those waits with the
// `deadlock` error, which raises each tile's error interrupt.
//
// Limits: the host can also increment semaphores; a host that does so only after more than
// `grace` of all tiles waiting is taken for a deadlock (grace = 0 turns detection off).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>

namespace imcvp::imc {

class QueueMonitor : public sc_core::sc_module {
 public:
  struct Client {
    std::function<std::string()> describe;  // the pending wait, for the report
    std::function<void()> fail;             // end the wait with the deadlock error
    bool active = false, blocked = false;
  };

  SC_HAS_PROCESS(QueueMonitor);
  QueueMonitor(sc_core::sc_module_name name, sc_core::sc_time grace);

  int attach(Client c);
  void set_active(int id, bool on);
  void set_blocked(int id, bool on);
  void progress();  // a semaphore moved somewhere
  uint64_t deadlocks() const { return deadlocks_; }
  const std::string& last_report() const { return last_report_; }

 private:
  void rearm();
  void check();
  std::vector<Client> clients_;
  sc_core::sc_time grace_;
  sc_core::sc_event ev_;
  uint64_t epoch_ = 0, armed_epoch_ = 0;
  uint64_t deadlocks_ = 0;
  std::string last_report_;
};

}  // namespace imcvp::imc
