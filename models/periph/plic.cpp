#include "models/periph/plic.h"

#include <stdexcept>
#include <string>

namespace imcvp::periph {

using regs::Access;
using regs::AccessCtx;
using regs::Reg;

Plic::Plic(sc_core::sc_module_name name, const PlicConfig& cfg)
    : sc_module(name),
      socket("socket"),
      irq_in("irq_in"),
      meip("meip"),
      cfg_(cfg),
      latency_(cfg.latency_ns, sc_core::SC_NS),
      regs_(this->name()) {
  if (cfg_.num_sources < 2 || cfg_.num_sources > 1024)
    throw std::invalid_argument(std::string(this->name()) + ": num_sources " +
                                std::to_string(cfg_.num_sources) + " not in [2, 1024]");
  if (cfg_.priority_bits < 1 || cfg_.priority_bits > 32)
    throw std::invalid_argument(std::string(this->name()) + ": priority_bits " +
                                std::to_string(cfg_.priority_bits) + " not in [1, 32]");
  const unsigned n = cfg_.num_sources;
  const unsigned words = (n + 31) / 32;
  irq_in.init(n);
  pending_.assign(n, false);
  claimed_.assign(n, false);
  socket.register_b_transport(this, &Plic::b_transport);
  socket.register_transport_dbg(this, &Plic::transport_dbg);

  auto changed = [this](Reg&, uint64_t, const AccessCtx&) {
    update_ev_.notify(sc_core::SC_ZERO_TIME);
  };
  priority_ = regs_.add_array("PRIORITY", kPriority, n, 4, 4, 0, Access::rw,
                              "Priority of source i (0 = never interrupts; source 0 reserved)");
  regs_.array_field("PRIORITY", "PRIO", 0, cfg_.priority_bits, Access::rw, "priority level");
  for (Reg* r : priority_) r->on_write(changed);
  priority_[0]->on_write([](Reg& r, uint64_t, const AccessCtx&) { r.set(0); });

  regs_.add_array("PENDING", kPending, words, 4, 4, 0, Access::ro,
                  "Pending bits of sources 32i..32i+31");
  for (unsigned w = 0; w < words; ++w)
    regs_.get("PENDING[" + std::to_string(w) + "]")
        .on_read([this, w](Reg&, const AccessCtx&) -> uint64_t {
          uint64_t v = 0;
          for (unsigned b = 0; b < 32 && 32 * w + b < pending_.size(); ++b)
            if (pending_[32 * w + b]) v |= 1ull << b;
          return v;
        });

  enable_ = regs_.add_array("ENABLE", kEnable, words, 4, 4, 0, Access::rw,
                            "Context 0 (hart 0 M-mode) enable bits of sources 32i..32i+31");
  for (unsigned w = 0; w < words; ++w)
    enable_[w]->on_write([this, w, n](Reg& r, uint64_t, const AccessCtx&) {
      uint64_t v = r.value();
      if (w == 0) v &= ~1ull;  // source 0 does not exist
      unsigned valid = n - 32 * w;
      if (valid < 32) v &= (1ull << valid) - 1;
      r.set(v);
      update_ev_.notify(sc_core::SC_ZERO_TIME);
    });

  threshold_ = &regs_
                    .add("THRESHOLD", kThreshold, 4, 0, Access::rw,
                         "Context 0 priority threshold: only priorities above it interrupt")
                    .field("THRESHOLD", 0, cfg_.priority_bits, Access::rw)
                    .on_write(changed);

  regs_
      .add("CLAIM", kClaim, 4, 0, Access::rw,
           "Context 0: read claims the best pending source (0: none); write completes it")
      .on_read([this](Reg&, const AccessCtx& c) -> uint64_t {
        unsigned id = best();
        if (c.debug) return id;
        if (id) {
          claimed_[id] = true;
          pending_[id] = false;
          ++claims_;
        } else {
          ++spurious_claims_;
        }
        update_ev_.notify(sc_core::SC_ZERO_TIME);
        return id;
      })
      .on_write([this, n](Reg& r, uint64_t, const AccessCtx& c) {
        uint64_t id = r.value();
        r.set(0);
        if (c.debug || id == 0 || id >= n || !claimed_[id] || !enabled(id)) return;  // ignored
        claimed_[id] = false;
        pending_[id] = irq_in[id].read();
        ++completes_;
        update_ev_.notify(sc_core::SC_ZERO_TIME);
      });

  // One process drives meip (a signal has one writer): it samples the lines and re-evaluates
  // on any line change or register write.
  SC_METHOD(update);
  for (unsigned i = 1; i < n; ++i) sensitive << irq_in[i];
  sensitive << update_ev_;

  stats_.counter("accesses", accesses_, "count", "Register accesses");
  stats_.counter("claims", claims_, "count", "Successful claims");
  stats_.counter("completes", completes_, "count", "Accepted completions");
  stats_.counter("spurious_claims", spurious_claims_, "count", "Claims that returned 0");
}

void Plic::before_end_of_elaboration() {
  // Sources nobody drives (e.g. absent IMC tiles) are tied low.
  for (unsigned i = 0; i < irq_in.size(); ++i) {
    if (irq_in[i].bind_count() > 0) continue;
    tie_off_.push_back(
        std::make_unique<sc_core::sc_signal<bool>>(sc_core::sc_gen_unique_name("tie_off")));
    irq_in[i].bind(*tie_off_.back());
  }
}

bool Plic::enabled(unsigned src) const {
  return (enable_[src / 32]->value() >> (src % 32)) & 1;
}

unsigned Plic::best() const {
  unsigned id = 0;
  uint64_t best_prio = threshold_->value();
  for (unsigned i = 1; i < pending_.size(); ++i) {
    if (!pending_[i] || !enabled(i)) continue;
    uint64_t p = priority_[i]->value();
    if (p > best_prio) {  // strictly greater: lowest id wins ties
      best_prio = p;
      id = i;
    }
  }
  return id;
}

void Plic::update() {
  for (unsigned i = 1; i < irq_in.size(); ++i) pending_[i] = irq_in[i].read() && !claimed_[i];
  meip.write(best() != 0);
}

void Plic::b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay) {
  ++accesses_;
  regs_.transport(p, delay);
  delay += latency_;
}

unsigned Plic::transport_dbg(tlm::tlm_generic_payload& p) {
  return regs_.transport_dbg(p);
}

}  // namespace imcvp::periph
