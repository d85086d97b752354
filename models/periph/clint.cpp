#include "models/periph/clint.h"

#include <cmath>
#include <limits>

namespace imcvp::periph {

using regs::Access;
using regs::AccessCtx;
using regs::Reg;
using u128 = unsigned __int128;

Clint::Clint(sc_core::sc_module_name name, const ClintConfig& cfg)
    : sc_module(name),
      socket("socket"),
      msip("msip"),
      mtip("mtip"),
      cfg_(cfg),
      latency_(cfg.latency_ns, sc_core::SC_NS),
      res_per_sec_(static_cast<uint64_t>(
          std::llround(1.0 / sc_core::sc_get_time_resolution().to_seconds()))),
      regs_(this->name()) {
  if (cfg_.timebase_hz == 0) cfg_.timebase_hz = 1;  // config limits reject 0; stay safe
  socket.register_b_transport(this, &Clint::b_transport);
  socket.register_transport_dbg(this, &Clint::transport_dbg);

  msip_ = &regs_.add("MSIP", kMsip, 4, 0, Access::rw, "Machine software interrupt of hart 0")
               .field("MSIP", 0, 1, Access::rw, "pending bit, drives msip")
               .on_write([this](Reg&, uint64_t, const AccessCtx&) {
                 msip_update_.notify(sc_core::SC_ZERO_TIME);
               });
  mtimecmp_ = &regs_
                   .add("MTIMECMP", kMtimecmp, 8, ~0ull, Access::rw,
                        "Timer compare of hart 0: mtip = (mtime >= mtimecmp)")
                   .on_write([this](Reg&, uint64_t, const AccessCtx&) { schedule(); });
  mtime_ = &regs_.add("MTIME", kMtime, 8, 0, Access::rw, "Timer, timebase_hz ticks")
                .on_read([this](Reg&, const AccessCtx& c) -> uint64_t {
                  return mtime_at(sc_core::sc_time_stamp() + c.delay);
                })
                .on_write([this](Reg& r, uint64_t, const AccessCtx& c) {
                  offset_ =
                      static_cast<int64_t>(r.value() - ticks(sc_core::sc_time_stamp() + c.delay));
                  schedule();
                });

  SC_METHOD(update_mtip);
  sensitive << mtip_update_ << mtip_timer_;
  dont_initialize();
  SC_METHOD(update_msip);
  sensitive << msip_update_;
  dont_initialize();

  stats_.counter("accesses", accesses_, "count", "Register accesses");
  stats_.counter("timer_interrupts", timer_interrupts_, "count", "Rising edges of mtip");
  stats_.counter("software_interrupts", software_interrupts_, "count", "Rising edges of msip");
}

uint64_t Clint::ticks(const sc_core::sc_time& t) const {
  return static_cast<uint64_t>(static_cast<u128>(t.value()) * cfg_.timebase_hz / res_per_sec_);
}

uint64_t Clint::mtime_at(const sc_core::sc_time& t) const {
  return ticks(t) + static_cast<uint64_t>(offset_);
}

void Clint::schedule() {
  mtip_timer_.cancel();
  mtip_update_.notify(sc_core::SC_ZERO_TIME);  // level may change now (e.g. mtimecmp raised)
  uint64_t cmp = mtimecmp_->value();
  // Timer ticks (without offset) at which mtime reaches cmp.
  __int128 target = static_cast<__int128>(cmp) - offset_;
  if (target <= static_cast<__int128>(ticks(sc_core::sc_time_stamp()))) return;  // reached
  // First kernel time value whose tick count reaches target: ceil(target * res / hz).
  u128 v = (static_cast<u128>(target) * res_per_sec_ + cfg_.timebase_hz - 1) / cfg_.timebase_hz;
  if (v > std::numeric_limits<sc_core::sc_time::value_type>::max()) return;  // never
  sc_core::sc_time when = sc_core::sc_time::from_value(static_cast<uint64_t>(v));
  mtip_timer_.notify(when - sc_core::sc_time_stamp());
}

void Clint::update_mtip() {
  bool level = mtime_at(sc_core::sc_time_stamp()) >= mtimecmp_->value();
  if (level && !mtip.read()) ++timer_interrupts_;
  mtip.write(level);
}

void Clint::update_msip() {
  bool level = msip_->value() & 1;
  if (level && !msip.read()) ++software_interrupts_;
  msip.write(level);
}

void Clint::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  ++accesses_;
  // Sub-word mtime writes merge into the current time, not a stale stored value.
  mtime_->set(mtime_at(sc_core::sc_time_stamp() + delay));
  regs_.transport(p, delay);
  delay += latency_;
}

unsigned Clint::transport_dbg(tlm::tlm_generic_payload& p) {
  mtime_->set(mtime_at(sc_core::sc_time_stamp()));
  return regs_.transport_dbg(p);
}

}  // namespace imcvp::periph
