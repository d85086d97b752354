#include "models/imc/queue_monitor.h"

#include "models/common/log.h"

namespace imcvp::imc {

QueueMonitor::QueueMonitor(sc_core::sc_module_name name, sc_core::sc_time grace)
    : sc_module(name), grace_(grace) {
  SC_METHOD(check);
  sensitive << ev_;
  dont_initialize();
}

int QueueMonitor::attach(Client c) {
  clients_.push_back(std::move(c));
  return static_cast<int>(clients_.size() - 1);
}

void QueueMonitor::set_active(int id, bool on) {
  clients_.at(static_cast<std::size_t>(id)).active = on;
  progress();
}

void QueueMonitor::set_blocked(int id, bool on) {
  clients_.at(static_cast<std::size_t>(id)).blocked = on;
  progress();
}

void QueueMonitor::progress() {
  ++epoch_;
  rearm();
}

void QueueMonitor::rearm() {
  if (grace_ == sc_core::SC_ZERO_TIME) return;
  unsigned active = 0, blocked = 0;
  for (const auto& c : clients_) {
    active += c.active;
    blocked += c.active && c.blocked;
  }
  ev_.cancel();
  if (active > 0 && blocked == active) {
    armed_epoch_ = epoch_;
    ev_.notify(grace_);
  }
}

void QueueMonitor::check() {
  if (armed_epoch_ != epoch_) return;  // something moved since
  std::string report;
  std::vector<std::function<void()>> fails;
  unsigned n = 0;
  for (const auto& c : clients_) {
    if (!(c.active && c.blocked)) continue;
    report += "\n  " + c.describe();
    fails.push_back(c.fail);
    ++n;
  }
  if (n == 0) return;
  ++deadlocks_;
  last_report_ = "queue deadlock: " + std::to_string(n) +
                 " tile(s) blocked with no semaphore progress for " + grace_.to_string() + ":" +
                 report;
  log::warn(name(), last_report_);
  for (auto& f : fails) f();
}

}  // namespace imcvp::imc
