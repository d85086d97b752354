#include "models/cpu/rv32_core.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "models/common/log.h"
#include "models/common/run_control.h"
#include "models/common/sim_time.h"
#include "models/common/trace.h"
#include "models/cpu/rv32_alu.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

namespace imcvp::cpu {

using sc_core::SC_PS;
using sc_core::sc_time;

const void* const* Rv32Core::labels_ = nullptr;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "DMI fast path assumes LE host");

namespace {
constexpr unsigned log2n(unsigned n) {
  return n == 1 ? 0 : n == 2 ? 1 : 2;
}
}  // namespace

Rv32Core::Rv32Core(sc_core::sc_module_name nm, const CpuConfig& cfg)
    : sc_module(nm),
      cfg_(cfg),
      hart_(cfg.hartid),
      reset_pc_(static_cast<uint32_t>(cfg.reset_pc)),
      stats_(name()) {
  period_ps_ = static_cast<uint64_t>(std::llround(1e6 / cfg_.clock_mhz));
  if (period_ps_ == 0) period_ps_ = 1;
  period_ = sc_time(static_cast<double>(period_ps_), SC_PS);
  emulate_misaligned_ = cfg_.misaligned == "emulate";
  tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(cfg_.quantum_ns, sc_core::SC_NS));
  qk_.reset();
  bus.register_invalidate_direct_mem_ptr(this, &Rv32Core::invalidate_direct_mem_ptr);
  semihost_ = std::make_unique<Semihost>(static_cast<SemihostMemory&>(*this));
  if (std::string err = semihost_->set_fs_root(cfg_.semihosting_fs); !err.empty())
    throw config::ConfigError("cpu.semihosting_fs: " + err +
                              " (must be an existing directory; empty: no host file access)");
  semihost_->sim_seconds = [this] {
    return (sc_core::sc_time_stamp() + local_time(hart_.cycles)).to_seconds();
  };

  for (int i = 0; i < static_cast<int>(Kind::COUNT_); ++i) cost_[i] = cfg_.cpi_base;
  auto set = [&](std::initializer_list<Kind> ks, uint32_t c) {
    for (Kind kk : ks) cost_[static_cast<int>(kk)] = c;
  };
  set({Kind::LW}, cfg_.load_cycles);
  set({Kind::LB, Kind::LBU, Kind::LH, Kind::LHU}, cfg_.load_sub_cycles);
  set({Kind::SB, Kind::SH, Kind::SW}, cfg_.store_cycles);
  set({Kind::MUL, Kind::MULH, Kind::MULHSU, Kind::MULHU}, cfg_.mul_cycles);
  set({Kind::DIV, Kind::DIVU, Kind::REM, Kind::REMU}, cfg_.div_cycles);
  set({Kind::JAL, Kind::JALR}, cfg_.jump_cycles);
  set({Kind::CSRRW, Kind::CSRRS, Kind::CSRRC, Kind::CSRRWI, Kind::CSRRSI, Kind::CSRRCI},
      cfg_.csr_cycles);
  set({Kind::LR, Kind::SC, Kind::AMOSWAP, Kind::AMOADD, Kind::AMOXOR, Kind::AMOAND, Kind::AMOOR,
       Kind::AMOMIN, Kind::AMOMAX, Kind::AMOMINU, Kind::AMOMAXU},
      cfg_.amo_cycles);
  set({Kind::ECALL, Kind::EBREAK, Kind::MRET, Kind::WFI, Kind::FENCE_I}, cfg_.system_cycles);
  set({Kind::BLOCK_END}, 0);
  br_extra_ = static_cast<int64_t>(cfg_.branch_taken_cycles) - static_cast<int64_t>(cfg_.cpi_base);

  table_.assign(size_t{1} << kTableBits, nullptr);
  blocks_.resize(size_t{1} << 14);
  ops_cap_ = size_t{1} << 18;
  ops_.reset(new Op[ops_cap_]);  // default-initialised: pages are touched only when used
  if (!labels_) exec(nullptr);   // fetch the handler label table

  SC_THREAD(run);
  SC_METHOD(irq_update);
  sensitive << irq_msip << irq_mtip << irq_meip;

  // Statistics.
  static const char* const cause_keys[16] = {"insn_misaligned",
                                             "insn_access_fault",
                                             "illegal_instruction",
                                             "breakpoint",
                                             "load_misaligned",
                                             "load_access_fault",
                                             "store_misaligned",
                                             "store_access_fault",
                                             "ecall_u",
                                             "cause9",
                                             "cause10",
                                             "ecall_m",
                                             "cause12",
                                             "cause13",
                                             "cause14",
                                             "cause15"};
  stats_.formula(
      "instructions", [this] { return double(hart_.instret - base_.instret); }, "count",
      "Instructions retired");
  stats_.formula(
      "cycles", [this] { return double(hart_.cycles - base_.cycles); }, "cycles",
      "Core clock cycles (incl. memory stalls and WFI)");
  stats_.formula(
      "ipc",
      [this] {
        double c = double(hart_.cycles - base_.cycles);
        return c > 0 ? double(hart_.instret - base_.instret) / c : 0.0;
      },
      "ratio", "Instructions per cycle");
  stats_.formula(
      "loads", [this] { return double(total_loads() - base_.loads); }, "count",
      "Data reads (loads, LR, AMO read half)");
  stats_.formula(
      "stores", [this] { return double(total_stores() - base_.stores); }, "count",
      "Data writes (stores, successful SC, AMO write half)");
  stats_.formula(
      "energy", [this] { return double(hart_.instret - base_.instret) * cfg_.energy_per_inst_pj; },
      "pJ", "Core energy (instructions x energy_per_inst_pj)", stats::EnergyKind::core);
  for (int i = 0; i < 16; ++i) {
    if (i == 9 || i == 10 || i >= 12) continue;
    stats_.counter(std::string("traps.") + cause_keys[i], traps_[i], "count",
                   "Exceptions taken with this cause");
  }
  stats_.counter("interrupts.software", interrupts_[3], "count", "Machine software interrupts");
  stats_.counter("interrupts.timer", interrupts_[7], "count", "Machine timer interrupts");
  stats_.counter("interrupts.external", interrupts_[11], "count", "Machine external interrupts");
  stats_.counter("decode.blocks", translations_, "count", "Basic blocks decoded (cache misses)");
  stats_.counter("decode.hits", block_execs_, "count",
                 "Block executions served from the decode cache");
  stats_.counter("decode.invalidations", invalidations_, "count",
                 "Decode-cache flushes (fence.i, code stores, DMI invalidation)");
  stats_.counter("fetches", fetches_, "count", "16-bit instruction parcels fetched by the decoder");
  stats_.counter("mmio_reads", mmio_reads_, "count", "Data reads through b_transport");
  stats_.counter("mmio_writes", mmio_writes_, "count", "Data writes through b_transport");
  stats_.counter("dmi_grants", dmi_grants_, "count", "DMI regions granted");
  stats_.counter("semihost_calls", semihost_calls_, "count", "Semihosting calls");
  stats_.value("wfi_time", wfi_ns_, "ns", "Simulated time spent waiting in WFI");
  stats_.on_sync([this] { flush_traffic(); });
  stats_.on_reset([this] {
    flush_traffic();
    base_.instret = hart_.instret;
    base_.cycles = hart_.cycles;
    base_.loads = total_loads();
    base_.stores = total_stores();
  });
}

Rv32Core::~Rv32Core() = default;

void Rv32Core::set_reset_pc(uint32_t pc) {
  reset_pc_ = pc;
  hart_.pc = pc;
}

void Rv32Core::set_max_insts(uint64_t n) {
  insts_limit_ = n ? n : ~uint64_t{0};
  check_at_ = 0;
}

void Rv32Core::set_store_watch(uint32_t addr, uint32_t len,
                               std::function<void(uint32_t, uint32_t)> cb) {
  watch_lo_ = addr;
  watch_len_ = cb ? len : 0;
  watch_cb_ = std::move(cb);
  recompute_hot();
}

uint64_t Rv32Core::total_loads() const {
  uint64_t n = slow_loads_;
  for (const auto& r : regions_) n += r.c.r[0] + r.c.r[1] + r.c.r[2];
  return n;
}
uint64_t Rv32Core::total_stores() const {
  uint64_t n = slow_stores_;
  for (const auto& r : regions_) n += r.c.w[0] + r.c.w[1] + r.c.w[2];
  return n;
}

// ---------------------------------------------------------------------------------------------
// Interrupt lines and time.

void Rv32Core::irq_update() {
  hart_.irq_lines = (irq_msip.read() ? mip_bits::MSIP : 0u) |
                    (irq_mtip.read() ? mip_bits::MTIP : 0u) |
                    (irq_meip.read() ? mip_bits::MEIP : 0u);
  if (trace::on(trace::kIrq) && hart_.irq_lines != trace_irq_lines_) {
    static const char* const names[] = {"msip", "mtip", "meip"};
    static const uint32_t bits[] = {mip_bits::MSIP, mip_bits::MTIP, mip_bits::MEIP};
    for (int i = 0; i < 3; ++i)
      if ((hart_.irq_lines ^ trace_irq_lines_) & bits[i])
        trace::Tracer::get().counter(trace::kIrq, std::string(name()) + "." + names[i],
                                     to_ns(sc_core::sc_time_stamp()),
                                     (hart_.irq_lines & bits[i]) ? 1.0 : 0.0);
    trace_irq_lines_ = hart_.irq_lines;
  }
  check_at_ = 0;  // leave the block loop at the next block end to look at it
  irq_event_.notify();
}

void Rv32Core::sync_time() {
  if (trace::on(trace::kCpu)) trace_quantum(false);
  flush_traffic();
  qk_.set(local_time(hart_.cycles));
  qk_.sync();
  sync_base_ = hart_.cycles;
  force_sync_ = false;
  const sc_time left = tlm::tlm_global_quantum::instance().compute_local_quantum();
  uint64_t q = static_cast<uint64_t>(std::ceil(left.to_seconds() * 1e12 / double(period_ps_)));
  if (q == 0) q = 1;
  next_sync_cycles_ = hart_.cycles + q;
}

uint64_t Rv32Core::time_csr_value() const {
  const double s = (sc_core::sc_time_stamp() + local_time(hart_.cycles)).to_seconds();
  return static_cast<uint64_t>(s * cfg_.timebase_hz);
}

void Rv32Core::account_region(DmiRegion& r) {
  if (sink_) {
    uint64_t rd = 0, wr = 0, rb = 0, wb = 0;
    for (int i = 0; i < 3; ++i) {
      const uint64_t dr = r.c.r[i] - r.flushed.r[i], dw = r.c.w[i] - r.flushed.w[i];
      rd += dr;
      wr += dw;
      rb += dr << i;
      wb += dw << i;
    }
    const uint64_t df = r.c.f - r.flushed.f;
    rd += df;
    rb += 2 * df;
    if (rd || wr) sink_->dmi_traffic(r.base, rd, wr, rb, wb);
  }
  r.flushed = r.c;
}

void Rv32Core::flush_traffic() {
  for (auto& r : regions_)
    if (r.used) account_region(r);
}

void Rv32Core::end_of_simulation() {
  flush_traffic();
  if (trace::on(trace::kCpu)) trace_quantum(true);
}

int Rv32Core::trace_track() {
  if (trace_track_ < 0) trace_track_ = trace::Tracer::get().track(trace::kCpu, name(), 0);
  return trace_track_;
}

// Closes the "run" span since the last call: one span per quantum (MMIO syncs in between do
// not split it), or up to a WFI or the end of the run (force).
void Rv32Core::trace_quantum(bool force) {
  const double now = to_ns(time_now());
  if (!force && now - trace_q_start_ns_ < double(cfg_.quantum_ns)) return;
  const uint64_t n = hart_.instret - trace_q_instret_;
  if (n && now > trace_q_start_ns_) {
    const double dur = now - trace_q_start_ns_;
    auto& t = trace::Tracer::get();
    const double cyc = dur * 1000.0 / double(period_ps_);
    t.complete(trace_track(), "run", trace_q_start_ns_, dur,
               trace::Args().num("instructions", n).num("ipc", double(n) / cyc).str());
    t.counter(trace::kCpu, std::string(name()) + " ipc", trace_q_start_ns_, double(n) / cyc);
    // pJ per ns = mW.
    t.counter(trace::kCpu, std::string(name()) + " power (mW)", trace_q_start_ns_,
              double(n) * cfg_.energy_per_inst_pj / dur);
  }
  trace_q_start_ns_ = now;
  trace_q_instret_ = hart_.instret;
}

void Rv32Core::set_insn_observer(InsnObserver* o, double start_ns, double end_ns) {
  itrace_ = o;
  itrace_start_ns_ = start_ns;
  itrace_end_ns_ = end_ns;
  check_at_ = 0;
}

bool Rv32Core::itrace_step() {
  const double now = to_ns(time_now());
  if (itrace_end_ns_ >= 0 && now > itrace_end_ns_) {
    itrace_ = nullptr;  // past the window: back to full speed for good
    return false;
  }
  if (now < itrace_start_ns_) {  // run fast, but leave exec() at the window start
    const double cyc = std::ceil((itrace_start_ns_ - now) * 1000.0 / double(period_ps_));
    const uint64_t at = hart_.cycles + static_cast<uint64_t>(std::max(1.0, cyc));
    if (at < check_at_) check_at_ = at;
    return false;
  }
  resume_op_ = nullptr;
  InsnRecord r;
  uint32_t before[32];
  std::memcpy(before, hart_.x, sizeof before);
  uint64_t traps0 = 0;
  for (uint64_t t : traps_) traps0 += t;
  r.instret = hart_.instret;
  r.time_ns = now;
  r.pc = hart_.pc;
  r.machine = hart_.machine;
  check_at_ = 0;  // one instruction: no chaining into the next block
  Block* sb = translate(hart_.pc, true);
  if (sb) {
    const Op& op = sb->ops[0];
    r.raw = op.raw;
    r.len = op.len;
    r.d.kind = op.kind;
    r.d.rd = op.rd == 32 ? 0 : op.rd;
    r.d.rs1 = op.rs1;
    r.d.rs2 = op.rs2;
    r.d.imm = op.imm;
    r.d.len = op.len;
    r.d.raw = op.raw;
    exec(sb);
  }
  resume_op_ = nullptr;
  uint64_t traps1 = 0;
  for (uint64_t t : traps_) traps1 += t;
  r.trapped = !sb || traps1 != traps0;
  if (!sb) {  // the fetch itself faulted (len 0: no instruction)
    r.len = 0;
    r.cause = cause::insn_access;
    r.tval = r.pc;
  } else if (r.trapped) {
    r.cause = hart_.mcause;
    r.tval = hart_.mtval;
  }
  r.next_pc = hart_.pc;
  // The destination register (even when the value did not change), then anything else that
  // changed.
  const Kind k = r.d.kind;
  const bool writes_rd =
      !r.trapped && r.d.rd != 0 &&
      !(k == Kind::ILLEGAL || k == Kind::NOP || (k >= Kind::BEQ && k <= Kind::BGEU) ||
        k == Kind::SB || k == Kind::SH || k == Kind::SW || (k >= Kind::FENCE && k <= Kind::WFI));
  if (writes_rd) r.regs[r.nregs++] = {r.d.rd, hart_.x[r.d.rd]};
  for (unsigned i = 1; i < 32 && r.nregs < 4; ++i)
    if (hart_.x[i] != before[i] && !(writes_rd && i == r.d.rd))
      r.regs[r.nregs++] = {static_cast<uint8_t>(i), hart_.x[i]};
  const uint32_t a = before[r.d.rs1] + static_cast<uint32_t>(r.d.imm);
  switch (r.d.kind) {
    case Kind::LB:
    case Kind::LBU:
      r.mem_size = 1;
      break;
    case Kind::LH:
    case Kind::LHU:
      r.mem_size = 2;
      break;
    case Kind::LW:
      r.mem_size = 4;
      break;
    case Kind::SB:
      r.mem_size = 1;
      break;
    case Kind::SH:
      r.mem_size = 2;
      break;
    case Kind::SW:
      r.mem_size = 4;
      break;
    default:
      break;
  }
  if (r.mem_size) {
    const bool st = r.d.kind == Kind::SB || r.d.kind == Kind::SH || r.d.kind == Kind::SW;
    r.mem = st ? InsnRecord::Mem::store : InsnRecord::Mem::load;
    r.mem_addr = a;
    const uint32_t mask = r.mem_size == 4 ? ~0u : (1u << (8 * r.mem_size)) - 1;
    r.mem_value = st ? (before[r.d.rs2] & mask) : hart_.x[r.d.rd];
  } else if (r.d.kind >= Kind::LR && r.d.kind <= Kind::AMOMAXU) {
    r.mem = r.d.kind == Kind::LR   ? InsnRecord::Mem::load
            : r.d.kind == Kind::SC ? InsnRecord::Mem::store
                                   : InsnRecord::Mem::amo;
    r.mem_addr = before[r.d.rs1];
    r.mem_size = 4;
    r.mem_value = r.d.kind == Kind::LR ? hart_.x[r.d.rd] : before[r.d.rs2];
  }
  itrace_->retired(r);
  return true;
}

// ---------------------------------------------------------------------------------------------
// The main loop.

void Rv32Core::run() {
  hart_.reset(reset_pc_);
  sync_base_ = 0;
  next_sync_cycles_ = 0;
  update_fast_state();
  auto& rc = RunControl::get();
  for (;;) {
    if (stopped_ || rc.stop_requested()) break;
    if (force_sync_ || hart_.cycles >= next_sync_cycles_) {
      sync_time();
      if (UNLIKELY(RunControl::attention_pending())) {  // safe point: SIGINT, --progress
        rc.poll_signal();
        rc.poll_progress();
      }
      if (rc.stop_requested()) break;
    }
    if (UNLIKELY(dbg_ != nullptr) && debug_point()) continue;
    if (flush_pending_) flush_decode();
    // With breakpoints or a step pending, exec() returns after every block so each block
    // start passes debug_point().
    check_at_ = (dbg_active_ || trig_exec_) ? 0 : next_sync_cycles_;
    if (const uint32_t irq = hart_.pending_interrupt()) {
      ++interrupts_[irq & 15];
      if (UNLIKELY(itrace_ != nullptr)) {
        const double now = to_ns(time_now());
        if (now >= itrace_start_ns_ && (itrace_end_ns_ < 0 || now <= itrace_end_ns_))
          itrace_->interrupt(irq, hart_.pc, now);
      }
      take_trap(irq, 0, hart_.pc, 0);
      if (UNLIKELY(step_)) {  // a step that enters a trap handler ends there
        step_ = false;
        if (!halt_pending_) {
          halt_pending_ = true;
          pending_ev_ = DebugEvent{};
          pending_ev_.reason = DebugEvent::Reason::step;
        }
        update_debug_state();
      }
      continue;
    }
    if (hart_.instret >= insts_limit_) {
      flush_traffic();
      rc.request_stop(StopReason::limit_insts, exit_code::limit,
                      "instruction limit reached: " + std::to_string(hart_.instret) +
                          " instructions, pc=" + log::hex(hart_.pc));
      break;
    }
    if (UNLIKELY(trig_exec_)) {
      // Armed execute triggers: blocks end before exact-match addresses (and return here
      // after every block), other matches run one instruction at a time.
      if (exec_trigger()) continue;
    }
    if (UNLIKELY(step_)) {
      // Exactly one instruction (a trap it raises ends the step in the handler).
      step_ = false;
      resume_op_ = nullptr;
      if (Block* sb = translate(hart_.pc, true)) exec(sb);
      if (!halt_pending_) {
        halt_pending_ = true;
        pending_ev_ = DebugEvent{};
        pending_ev_.reason = DebugEvent::Reason::step;
      }
      update_debug_state();
      continue;
    }
    if (UNLIKELY(itrace_ != nullptr) && itrace_step()) continue;
    if (UNLIKELY(trig_exec_single_)) {
      resume_op_ = nullptr;
      if (Block* sb = translate(hart_.pc, true)) exec(sb);
      continue;
    }
    if (resume_op_) {
      // Continue a block left mid-way (MMIO write sync, code store) so block boundaries, and
      // with them decode fetches, do not depend on where the run was interrupted.
      Block* rb = resume_b_;
      const Op* ro = resume_op_;
      resume_op_ = nullptr;
      if (ro->pc == hart_.pc && (rb->key & 1) == key_bit_ &&
          hart_.instret + (rb->n - ro->idx) <= insts_limit_) {
        exec(rb, ro);
        continue;
      }
    }
    Block* b = lookup(hart_.pc);
    if (!b) {
      b = translate(hart_.pc, false);
      if (!b) continue;  // fetch fault: trap taken
    }
    if (hart_.instret + b->n > insts_limit_) {
      b = translate(hart_.pc, true);  // run up to the limit exactly, one at a time
      if (!b) continue;
    }
    exec(b);
  }
  stopped_ = true;
  flush_traffic();
}

// ---------------------------------------------------------------------------------------------
// Decode cache.

uint32_t Rv32Core::op_cost(Kind k) const {
  return cost_[static_cast<int>(k)];
}

void Rv32Core::flush_decode() {
  std::fill(table_.begin(), table_.end(), nullptr);
  nblocks_ = nops_ = 0;
  code_lines_.clear();
  code_min_ = ~0u;
  code_max_ = 0;
  code_lo_ = code_len_ = 0;
  flush_pending_ = false;
  resume_op_ = nullptr;
  split_at_ = bps_;
  split_at_.insert(trig_exec_pcs_.begin(), trig_exec_pcs_.end());
  ++invalidations_;
}

void Rv32Core::mark_code(uint32_t a, uint32_t len) {
  code_lines_.insert(a >> 6);
  code_lines_.insert((a + len - 1) >> 6);
  if (a < code_min_) code_min_ = a;
  if (a + len > code_max_) code_max_ = a + len;
  // Bounding range, widened by 3 so a store starting just below still hits the check.
  code_lo_ = code_min_ >= 3 ? code_min_ - 3 : 0;
  code_len_ = code_max_ - code_lo_;
}

bool Rv32Core::fetch16(uint32_t a, uint16_t& out) {
  if (need_pmp_ && !hart_.pmp.check(a, 2, Access::exec, hart_.machine)) return false;
  ++fetches_;
  int ri = fetch_region_;
  if (ri < 0 || a - regions_[ri].base >= regions_[ri].size || regions_[ri].size < 2 ||
      a - regions_[ri].base > regions_[ri].size - 2)
    ri = find_region(a, 2);
  if (ri >= 0) {
    DmiRegion& r = regions_[ri];
    std::memcpy(&out, r.ptr + (a - r.base), 2);
    ++r.c.f;
    fetch_region_ = ri;
    return true;
  }
  bool device = false;
  return bus_access(nullptr, false, a, &out, 2, device);
}

Rv32Core::Block* Rv32Core::translate(uint32_t pc, bool single) {
  Block* b;
  Op* ops;
  if (single) {
    b = &tmp_block_;
    ops = tmp_ops_;
  } else {
    if (nblocks_ + 1 > blocks_.size() || nops_ + kMaxBlockOps + 1 > ops_cap_) flush_decode();
    b = &blocks_[nblocks_];
    ops = &ops_[nops_];
  }
  const unsigned max_ops = single ? 1 : kMaxBlockOps;
  uint32_t a = pc, cyc = 0;
  unsigned n = 0;
  while (n < max_ops) {
    if (n > 0 && !split_at_.empty() && split_at_.count(a)) break;  // a breakpoint starts a block
    uint16_t lo = 0, hi = 0;
    uint32_t fault = 0;
    bool ok = fetch16(a, lo);
    if (!ok) fault = a;
    if (ok && !is_compressed(lo)) {
      ok = fetch16(a + 2, hi);
      if (!ok) fault = a + 2;
    }
    if (!ok) {
      if (n == 0) {
        take_trap(cause::insn_access, fault, pc, 0);
        return nullptr;
      }
      break;  // the fault is taken when execution reaches that instruction
    }
    const Decoded d = decode(lo, hi);
    Op& o = ops[n];
    o.kind = d.kind;
    o.h = labels_[static_cast<int>(d.kind)];
    o.pc = a;
    o.imm = d.imm;
    o.rd = d.rd ? d.rd : 32;  // writes to x0 go to the scratch register
    o.rs1 = d.rs1;
    o.rs2 = d.rs2;
    o.len = d.len;
    o.idx = static_cast<uint8_t>(n);
    o.raw = d.raw;
    o.cyc = static_cast<uint16_t>(cyc);
    cyc += op_cost(d.kind);
    o.cyc_end = static_cast<uint16_t>(cyc);
    if (!single) mark_code(a, d.len);
    a += d.len;
    ++n;
    if (ends_block(d.kind)) break;
  }
  Op& e = ops[n];
  e.kind = Kind::BLOCK_END;
  e.h = labels_[static_cast<int>(Kind::BLOCK_END)];
  e.pc = a;
  e.idx = static_cast<uint8_t>(n);
  e.cyc = e.cyc_end = static_cast<uint16_t>(cyc);
  e.len = 0;
  e.raw = 0;
  b->key = pc | key_bit_;
  b->n = n;
  b->cycles = cyc;
  b->ops = ops;
  if (!single) {
    ++nblocks_;
    nops_ += n + 1;
    ++translations_;
    table_[((b->key >> 1) ^ (b->key << (kTableBits - 1))) & ((1u << kTableBits) - 1)] = b;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// The interpreter: threaded code over a decoded block, chaining to the next cached block.

void Rv32Core::exec(Block* b, const Op* start) {
  static const void* const labels[] = {
      &&L_ILLEGAL,  &&L_NOP,    &&L_LUI,    &&L_AUIPC,  &&L_JAL,    &&L_JALR,   &&L_BEQ,
      &&L_BNE,      &&L_BLT,    &&L_BGE,    &&L_BLTU,   &&L_BGEU,   &&L_LB,     &&L_LH,
      &&L_LW,       &&L_LBU,    &&L_LHU,    &&L_SB,     &&L_SH,     &&L_SW,     &&L_ADDI,
      &&L_SLTI,     &&L_SLTIU,  &&L_XORI,   &&L_ORI,    &&L_ANDI,   &&L_SLLI,   &&L_SRLI,
      &&L_SRAI,     &&L_ADD,    &&L_SUB,    &&L_SLL,    &&L_SLT,    &&L_SLTU,   &&L_XOR,
      &&L_SRL,      &&L_SRA,    &&L_OR,     &&L_AND,    &&L_MUL,    &&L_MULH,   &&L_MULHSU,
      &&L_MULHU,    &&L_DIV,    &&L_DIVU,   &&L_REM,    &&L_REMU,   &&L_AMO,    &&L_AMO,
      &&L_AMO,      &&L_AMO,    &&L_AMO,    &&L_AMO,    &&L_AMO,    &&L_AMO,    &&L_AMO,
      &&L_AMO,      &&L_AMO,    &&L_NOP,    &&L_SYSTEM, &&L_SYSTEM, &&L_SYSTEM, &&L_SYSTEM,
      &&L_SYSTEM,   &&L_SYSTEM, &&L_SYSTEM, &&L_SYSTEM, &&L_SYSTEM, &&L_SYSTEM, &&L_SYSTEM,
      &&L_BLOCK_END};
  static_assert(sizeof(labels) / sizeof(labels[0]) == static_cast<int>(Kind::COUNT_),
                "label table matches Kind");
  if (!b) {
    labels_ = labels;
    return;
  }
  uint32_t* const x = hart_.x;
  const Op* op = b->ops;
  if (start) {  // resuming mid-block: the ops before `start` are already committed
    op = start;
    hart_.instret -= op->idx;
    hart_.cycles -= op->cyc;
  }
#define EXIT_AFTER()     \
  do {                   \
    exit_after(op);      \
    resume_b_ = b;       \
    resume_op_ = op + 1; \
    return;              \
  } while (0)

#define NEXT()    \
  do {            \
    ++op;         \
    goto * op->h; \
  } while (0)
#define RD x[op->rd]
#define RS1 x[op->rs1]
#define RS2 x[op->rs2]
#define IMM static_cast<uint32_t>(op->imm)
#define BRANCH(cond)                                  \
  if (cond) {                                         \
    hart_.pc = op->pc + IMM;                          \
    hart_.cycles += static_cast<uint64_t>(br_extra_); \
    goto block_done;                                  \
  }                                                   \
  NEXT();
#define LOAD(T, N, SGN)                             \
  {                                                 \
    const uint32_t a = RS1 + IMM;                   \
    const uint32_t off = a - ld_.base;              \
    if (LIKELY(off < ld_.size && !(a & (N - 1)))) { \
      T v;                                          \
      std::memcpy(&v, ld_.ptr + off, N);            \
      RD = static_cast<uint32_t>(v);                \
      ++ld_.cnt->r[log2n(N)];                       \
      hart_.cycles += ld_.stall;                    \
      NEXT();                                       \
    }                                               \
    uint32_t v;                                     \
    const int s = load_slow(op, a, N, SGN, v);      \
    if (s == 2) return;                             \
    RD = v;                                         \
    if (s) EXIT_AFTER();                            \
    NEXT();                                         \
  }
#define STORE(T, N)                                                                 \
  {                                                                                 \
    const uint32_t a = RS1 + IMM;                                                   \
    const uint32_t off = a - st_.base;                                              \
    const uint32_t v = RS2;                                                         \
    int s;                                                                          \
    if (LIKELY(off < st_.size && !(a & (N - 1)))) {                                 \
      const T t = static_cast<T>(v);                                                \
      std::memcpy(st_.ptr + off, &t, N);                                            \
      ++st_.cnt->w[log2n(N)];                                                       \
      hart_.cycles += st_.stall;                                                    \
      if (LIKELY(!((a - hot_lo_ < hot_len_) | (a - code_lo_ < code_len_)))) NEXT(); \
      s = store_effects(a, N, v);                                                   \
    } else {                                                                        \
      s = store_slow(op, a, N, v);                                                  \
      if (s == 2) return;                                                           \
    }                                                                               \
    if (s) EXIT_AFTER();                                                            \
    NEXT();                                                                         \
  }

  goto * op->h;

L_NOP:
  NEXT();
L_LUI:
  RD = IMM;
  NEXT();
L_AUIPC:
  RD = op->pc + IMM;
  NEXT();
L_JAL:
  RD = op->pc + op->len;
  hart_.pc = op->pc + IMM;
  goto block_done;
L_JALR : {
  const uint32_t t = (RS1 + IMM) & ~1u;
  RD = op->pc + op->len;
  hart_.pc = t;
  goto block_done;
}
L_BEQ:
  BRANCH(RS1 == RS2)
L_BNE:
  BRANCH(RS1 != RS2)
L_BLT:
  BRANCH(static_cast<int32_t>(RS1) < static_cast<int32_t>(RS2))
L_BGE:
  BRANCH(static_cast<int32_t>(RS1) >= static_cast<int32_t>(RS2))
L_BLTU:
  BRANCH(RS1 < RS2)
L_BGEU:
  BRANCH(RS1 >= RS2)
L_LB:
  LOAD(int8_t, 1, true)
L_LH:
  LOAD(int16_t, 2, true)
L_LW:
  LOAD(uint32_t, 4, false)
L_LBU:
  LOAD(uint8_t, 1, false)
L_LHU:
  LOAD(uint16_t, 2, false)
L_SB:
  STORE(uint8_t, 1)
L_SH:
  STORE(uint16_t, 2)
L_SW:
  STORE(uint32_t, 4)
L_ADDI:
  RD = RS1 + IMM;
  NEXT();
L_SLTI:
  RD = static_cast<int32_t>(RS1) < op->imm;
  NEXT();
L_SLTIU:
  RD = RS1 < IMM;
  NEXT();
L_XORI:
  RD = RS1 ^ IMM;
  NEXT();
L_ORI:
  RD = RS1 | IMM;
  NEXT();
L_ANDI:
  RD = RS1 & IMM;
  NEXT();
L_SLLI:
  RD = RS1 << op->imm;
  NEXT();
L_SRLI:
  RD = RS1 >> op->imm;
  NEXT();
L_SRAI:
  RD = static_cast<uint32_t>(static_cast<int32_t>(RS1) >> op->imm);
  NEXT();
L_ADD:
  RD = RS1 + RS2;
  NEXT();
L_SUB:
  RD = RS1 - RS2;
  NEXT();
L_SLL:
  RD = RS1 << (RS2 & 31);
  NEXT();
L_SLT:
  RD = static_cast<int32_t>(RS1) < static_cast<int32_t>(RS2);
  NEXT();
L_SLTU:
  RD = RS1 < RS2;
  NEXT();
L_XOR:
  RD = RS1 ^ RS2;
  NEXT();
L_SRL:
  RD = RS1 >> (RS2 & 31);
  NEXT();
L_SRA:
  RD = static_cast<uint32_t>(static_cast<int32_t>(RS1) >> (RS2 & 31));
  NEXT();
L_OR:
  RD = RS1 | RS2;
  NEXT();
L_AND:
  RD = RS1 & RS2;
  NEXT();
L_MUL:
  RD = alu::mul(RS1, RS2);
  NEXT();
L_MULH:
  RD = alu::mulh(RS1, RS2);
  NEXT();
L_MULHSU:
  RD = alu::mulhsu(RS1, RS2);
  NEXT();
L_MULHU:
  RD = alu::mulhu(RS1, RS2);
  NEXT();
L_DIV:
  RD = alu::div(RS1, RS2);
  NEXT();
L_DIVU:
  RD = alu::divu(RS1, RS2);
  NEXT();
L_REM:
  RD = alu::rem(RS1, RS2);
  NEXT();
L_REMU:
  RD = alu::remu(RS1, RS2);
  NEXT();
L_AMO : {
  const int s = exec_amo(op);
  if (s == 2) return;
  if (s) EXIT_AFTER();
  NEXT();
}
L_ILLEGAL:
L_SYSTEM:
  exec_system(op);  // always the last op of its block; commits counts itself
  return;
L_BLOCK_END:
  hart_.pc = op->pc;
  goto block_done;

block_done:
  hart_.instret += b->n;
  hart_.cycles += b->cycles;
  ++block_execs_;
  if (UNLIKELY(hart_.cycles >= check_at_)) return;
  {
    Block* nb = lookup(hart_.pc);
    if (UNLIKELY(!nb || hart_.instret + nb->n > insts_limit_)) return;
    b = nb;
    op = b->ops;
    goto * op->h;
  }
#undef NEXT
#undef EXIT_AFTER
#undef RD
#undef RS1
#undef RS2
#undef IMM
#undef BRANCH
#undef LOAD
#undef STORE
}

// ---------------------------------------------------------------------------------------------
// Memory slow paths.

int Rv32Core::find_region(uint32_t a, unsigned n) const {
  for (unsigned i = 0; i < kMaxRegions; ++i) {
    const DmiRegion& r = regions_[i];
    if (r.used && a - r.base < r.size && uint64_t{a - r.base} + n <= r.size)
      return static_cast<int>(i);
  }
  return -1;
}

bool Rv32Core::request_dmi(uint32_t a) {
  tlm::tlm_generic_payload t;
  tlm::tlm_dmi d;
  t.set_command(tlm::TLM_READ_COMMAND);
  t.set_address(a);
  if (!bus->get_direct_mem_ptr(t, d)) return false;
  if (!d.is_read_allowed() || !d.get_dmi_ptr()) return false;
  const uint64_t start = d.get_start_address(), end = d.get_end_address();
  // The one-compare fast path needs word-aligned regions inside the 32-bit space.
  if (start > a || end < a || end > 0xFFFFFFFFull || (start & 3) || ((end + 1) & 3)) return false;
  int slot = -1;
  for (unsigned i = 0; i < kMaxRegions; ++i) {
    DmiRegion& r = regions_[i];
    if (r.used && r.base <= end && uint64_t{r.base} + r.size - 1 >= start) {
      account_region(r);  // overlapping older grant: replace it
      r.used = false;
    }
    if (!r.used && slot < 0) slot = static_cast<int>(i);
  }
  if (slot < 0) {
    account_region(regions_[0]);
    slot = 0;
  }
  DmiRegion& r = regions_[slot];
  r = DmiRegion{};
  r.used = true;
  r.wr = d.is_write_allowed();
  r.base = static_cast<uint32_t>(start);
  r.size = end - start + 1;
  r.ptr = d.get_dmi_ptr();
  auto stall = [&](const sc_time& t) {
    const double ps = t.to_seconds() * 1e12;
    return static_cast<uint64_t>(std::ceil(ps / double(period_ps_) - 1e-9));
  };
  r.rd_stall = stall(d.get_read_latency());
  r.wr_stall = stall(d.get_write_latency());
  ++dmi_grants_;
  fetch_region_ = -1;
  ld_ = st_ = FastRegion{};  // re-established by the next access
  update_fast_state();
  return true;
}

void Rv32Core::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  for (auto& r : regions_) {
    if (r.used && r.base <= end && uint64_t{r.base} + r.size - 1 >= start) {
      account_region(r);
      r.used = false;
      ++dmi_invalidations_;
    }
  }
  fetch_region_ = -1;
  ld_ = st_ = FastRegion{};
  dmi_denied_pages_.clear();
  flush_pending_ = true;  // code behind the pointer may change: re-decode
  check_at_ = 0;
  update_fast_state();
}

void Rv32Core::update_fast_state() {
  if (UNLIKELY(hart_.trig_version != trig_ver_seen_)) update_triggers();
  need_pmp_ = !hart_.machine || hart_.pmp.any_locked();
  key_bit_ = hart_.machine ? 0 : 1;
  // Checked accesses (PMP) never use the one-compare caches; nor do loads under watch.
  if (need_pmp_) ld_ = st_ = FastRegion{};
  if (watch_reads_ || trig_ld_) ld_ = FastRegion{};
  if (trig_st_) st_ = FastRegion{};
  if (ld_.size && find_region(ld_.base, 1) < 0) ld_ = FastRegion{};
  if (st_.size && find_region(st_.base, 1) < 0) st_ = FastRegion{};
}

void Rv32Core::recompute_hot() {
  uint64_t lo = ~uint64_t{0}, hi = 0;
  if (watch_len_) {
    lo = watch_lo_ >= 3 ? watch_lo_ - 3 : 0;
    hi = uint64_t{watch_lo_} + watch_len_;
  }
  for (const Watch& w : wps_) {
    if (w.kind == WatchKind::read) continue;  // loads are checked in read_mem
    lo = std::min<uint64_t>(lo, w.addr >= 3 ? w.addr - 3 : 0);
    hi = std::max<uint64_t>(hi, uint64_t{w.addr} + w.len);
  }
  if (hart_.reservation_valid) {
    const uint64_t rl = hart_.reservation_addr >= 3 ? hart_.reservation_addr - 3 : 0;
    lo = std::min(lo, rl);
    hi = std::max<uint64_t>(hi, uint64_t{hart_.reservation_addr} + 4);
  }
  if (hi == 0) {
    hot_lo_ = hot_len_ = 0;
  } else {
    hot_lo_ = static_cast<uint32_t>(lo);
    hot_len_ = static_cast<uint32_t>(std::min<uint64_t>(hi - lo, 0xFFFFFFFFull));
  }
}

bool Rv32Core::bus_access(const Op* op, bool wr, uint32_t a, void* data, unsigned n, bool& device) {
  trans_.set_command(wr ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  trans_.set_address(a);
  trans_.set_data_ptr(static_cast<unsigned char*>(data));
  trans_.set_data_length(n);
  trans_.set_streaming_width(n);
  trans_.set_byte_enable_ptr(nullptr);
  trans_.set_byte_enable_length(0);
  trans_.set_dmi_allowed(false);
  trans_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const uint64_t cyc_now = hart_.cycles + (op ? op->cyc : 0);
  const sc_time before = local_time(cyc_now);
  sc_time delay = before;
  const sc_time t0 = sc_core::sc_time_stamp();
  bus->b_transport(trans_, delay);
  const sc_time t1 = sc_core::sc_time_stamp();
  if (t1 != t0) {
    // The target called wait() (not LT style, but legal): kernel time moved. Charge all
    // elapsed time as a stall and re-base the local time on the new kernel time.
    const double ps = ((t1 + delay) - (t0 + before)).to_seconds() * 1e12;
    hart_.cycles += static_cast<uint64_t>(std::ceil(ps / double(period_ps_) - 1e-9));
    const uint64_t local =
        static_cast<uint64_t>(std::llround(delay.to_seconds() * 1e12 / double(period_ps_)));
    const uint64_t now = hart_.cycles + (op ? op->cyc : 0);
    sync_base_ = now >= local ? now - local : 0;
    const sc_time left = tlm::tlm_global_quantum::instance().compute_local_quantum();
    next_sync_cycles_ =
        sync_base_ +
        std::max<uint64_t>(
            1, static_cast<uint64_t>(std::ceil(left.to_seconds() * 1e12 / double(period_ps_))));
    check_at_ = 0;
  } else if (op && delay > before) {
    // Target latency stalls the core (instruction fetch latency is part of the CPI).
    const double ps = (delay - before).to_seconds() * 1e12;
    hart_.cycles += static_cast<uint64_t>(std::ceil(ps / double(period_ps_) - 1e-9));
  }
  if (trans_.is_response_error()) return false;
  device = !trans_.is_dmi_allowed();
  // Ask for DMI when the target hints it, and once per 4 KiB page otherwise (some targets
  // grant DMI without setting the hint); refused pages are not asked again.
  if (cfg_.dmi && find_region(a, n) < 0 &&
      (trans_.is_dmi_allowed() || !dmi_denied_pages_.count(a >> 12))) {
    if (!request_dmi(a)) dmi_denied_pages_.insert(a >> 12);
  }
  return true;
}

int Rv32Core::read_mem(const Op* op, uint32_t a, unsigned n, uint32_t& out, uint32_t fault) {
  if (need_pmp_ && !hart_.pmp.check(a, n, Access::read, hart_.machine)) return raise(op, fault, a);
  out = 0;
  const int ri = find_region(a, n);
  if (ri >= 0) {
    DmiRegion& r = regions_[ri];
    std::memcpy(&out, r.ptr + (a - r.base), n);
    ++r.c.r[log2n(n)];
    hart_.cycles += r.rd_stall;
    if (!need_pmp_ && !watch_reads_ && !trig_ld_ && r.size <= 0xFFFFFFFFull)
      ld_ = FastRegion{r.base, static_cast<uint32_t>(r.size), r.ptr, &r.c, r.rd_stall};
    return UNLIKELY(watch_reads_) && hit_watch(a, n, false) ? 1 : 0;
  }
  bool device = false;
  if (!bus_access(op, false, a, &out, n, device)) return raise(op, fault, a);
  ++slow_loads_;
  ++mmio_reads_;
  if (UNLIKELY(watch_reads_) && hit_watch(a, n, false)) return 1;
  // Quantum syncs stay at block ends (as on the DMI path) so both paths sync at the same
  // instructions and interrupts arrive at the same point.
  return RunControl::get().stop_requested() ? 1 : 0;
}

int Rv32Core::write_mem(const Op* op, uint32_t a, unsigned n, uint32_t v, uint32_t fault) {
  if (need_pmp_ && !hart_.pmp.check(a, n, Access::write, hart_.machine)) return raise(op, fault, a);
  const int ri = find_region(a, n);
  if (ri >= 0 && regions_[ri].wr) {
    DmiRegion& r = regions_[ri];
    std::memcpy(r.ptr + (a - r.base), &v, n);
    ++r.c.w[log2n(n)];
    hart_.cycles += r.wr_stall;
    if (!need_pmp_ && !trig_st_ && r.size <= 0xFFFFFFFFull)
      st_ = FastRegion{r.base, static_cast<uint32_t>(r.size), r.ptr, &r.c, r.wr_stall};
    return store_effects(a, n, v);
  }
  bool device = false;
  uint32_t data = v;
  if (!bus_access(op, true, a, &data, n, device)) return raise(op, fault, a);
  ++slow_stores_;
  ++mmio_writes_;
  int s = store_effects(a, n, v);
  if (device && cfg_.sync_after_mmio_write) {
    force_sync_ = true;
    s = 1;
  }
  if (RunControl::get().stop_requested()) s = 1;
  return s;
}

int Rv32Core::store_effects(uint32_t a, unsigned n, uint32_t v, bool by_core) {
  int s = 0;
  const uint64_t end = uint64_t{a} + n;
  if (hart_.reservation_valid && a < uint64_t{hart_.reservation_addr} + 4 &&
      end > hart_.reservation_addr) {
    hart_.reservation_valid = false;
    recompute_hot();
  }
  if (code_len_ && (code_lines_.count(a >> 6) || code_lines_.count((a + n - 1) >> 6))) {
    flush_pending_ = true;  // self-modifying code: re-decode from the next instruction on
    s = 1;
  }
  if (watch_len_ && a < uint64_t{watch_lo_} + watch_len_ && end > watch_lo_) {
    watch_cb_(a, v);
    if (RunControl::get().stop_requested()) s = 1;
  }
  if (UNLIKELY(!wps_.empty()) && by_core && hit_watch(a, n, true)) s = 1;
  return s;
}

int Rv32Core::load_slow(const Op* op, uint32_t a, unsigned n, bool sgn, uint32_t& out) {
  uint32_t v = 0;
  int s = 0;
  if (UNLIKELY(trig_ld_) && mem_trigger(op, mcontrol::LOAD, a, n)) return 2;
  if (a & (n - 1)) {
    if (!emulate_misaligned_) return raise(op, cause::load_misaligned, a);
    for (unsigned i = 0; i < n; ++i) {
      uint32_t byte = 0;
      const int si = read_mem(op, a + i, 1, byte, cause::load_access);
      if (si == 2) return 2;
      s |= si;
      v |= byte << (8 * i);
    }
  } else {
    s = read_mem(op, a, n, v, cause::load_access);
    if (s == 2) return 2;
  }
  if (sgn)
    v = n == 1 ? static_cast<uint32_t>(static_cast<int8_t>(v))
               : static_cast<uint32_t>(static_cast<int16_t>(v));
  out = v;
  return s;
}

int Rv32Core::store_slow(const Op* op, uint32_t a, unsigned n, uint32_t v) {
  if (UNLIKELY(trig_st_) && mem_trigger(op, mcontrol::STORE, a, n)) return 2;
  if (a & (n - 1)) {
    if (!emulate_misaligned_) return raise(op, cause::store_misaligned, a);
    // Emulated: byte by byte. A fault part-way leaves the earlier bytes written (as a
    // split access on a real bus would).
    int s = 0;
    for (unsigned i = 0; i < n; ++i) {
      const int si = write_mem(op, a + i, 1, (v >> (8 * i)) & 0xff, cause::store_access);
      if (si == 2) return 2;
      s |= si;
    }
    return s;
  }
  return write_mem(op, a, n, v, cause::store_access);
}

int Rv32Core::exec_amo(const Op* op) {
  const uint32_t a = hart_.x[op->rs1];
  const uint32_t src = hart_.x[op->rs2];
  if (UNLIKELY(trig_ld_ || trig_st_)) {
    const uint32_t kinds = op->kind == Kind::LR   ? mcontrol::LOAD
                           : op->kind == Kind::SC ? mcontrol::STORE
                                                  : mcontrol::LOAD | mcontrol::STORE;
    if (mem_trigger(op, kinds, a, 4)) return 2;
  }
  if (op->kind == Kind::LR) {
    if (a & 3) return raise(op, cause::load_misaligned, a);
    uint32_t v;
    const int s = read_mem(op, a, 4, v, cause::load_access);
    if (s == 2) return 2;
    hart_.x[op->rd] = v;
    hart_.reservation_valid = true;
    hart_.reservation_addr = a;
    recompute_hot();
    return s;
  }
  if (a & 3) return raise(op, cause::store_misaligned, a);
  if (op->kind == Kind::SC) {
    int s = 0;
    uint32_t result = 1;
    if (hart_.reservation_valid && hart_.reservation_addr == a) {
      // PMP/write permission is checked first so a faulting SC traps (priv. spec).
      s = write_mem(op, a, 4, src, cause::store_access);
      if (s == 2) return 2;
      result = 0;
    }
    hart_.reservation_valid = false;  // SC always clears the reservation
    recompute_hot();
    hart_.x[op->rd] = result;
    return s;
  }
  if (need_pmp_ && !hart_.pmp.check(a, 4, Access::write, hart_.machine))
    return raise(op, cause::store_access, a);
  uint32_t old;
  int s = read_mem(op, a, 4, old, cause::store_access);
  if (s == 2) return 2;
  uint32_t nv = 0;
  switch (op->kind) {
    case Kind::AMOSWAP:
      nv = src;
      break;
    case Kind::AMOADD:
      nv = old + src;
      break;
    case Kind::AMOXOR:
      nv = old ^ src;
      break;
    case Kind::AMOAND:
      nv = old & src;
      break;
    case Kind::AMOOR:
      nv = old | src;
      break;
    case Kind::AMOMIN:
      nv = static_cast<int32_t>(old) < static_cast<int32_t>(src) ? old : src;
      break;
    case Kind::AMOMAX:
      nv = static_cast<int32_t>(old) > static_cast<int32_t>(src) ? old : src;
      break;
    case Kind::AMOMINU:
      nv = old < src ? old : src;
      break;
    default:
      nv = old > src ? old : src;
      break;
  }
  const int s2 = write_mem(op, a, 4, nv, cause::store_access);
  if (s2 == 2) return 2;
  hart_.x[op->rd] = old;
  return s | s2;
}

// ---------------------------------------------------------------------------------------------
// System instructions, traps.

void Rv32Core::take_trap(uint32_t c, uint32_t tval, uint32_t epc, uint32_t insn) {
  const uint32_t target = hart_.trap_target(c);
  if (last_trap_.valid && hart_.instret == last_trap_.instret && epc == last_trap_.target &&
      !(c & cause::interrupt)) {
    const TrapRecord& o = last_trap_;
    std::string m = log::cat("fatal trap: ", cause_name(o.cause), " (mcause=", log::hex(o.cause),
                             ") at pc=", log::hex(o.epc));
    if (o.insn && !(o.cause & cause::interrupt))
      m += log::cat(" insn=", log::hex(o.insn, o.insn > 0xffff ? 8 : 4));
    m += log::cat(" mtval=", log::hex(o.tval),
                  "; no trap handler reachable: mtvec=", log::hex(o.mtvec), ", handler at ",
                  log::hex(o.target), " raised ", cause_name(c), " (mtval=", log::hex(tval), ")");
    stop_fatal(m);
    return;
  }
  if (!(c & cause::interrupt)) ++traps_[c & 15];
  if (trace::on(trace::kCpu))
    trace::Tracer::get().instant(
        trace_track(), (c & cause::interrupt) ? "interrupt" : "trap", to_ns(time_now()),
        trace::Args().str("cause", cause_name(c)).hex("pc", epc).hex("tval", tval).str());
  hart_.cycles += cfg_.trap_cycles;
  last_trap_ = TrapRecord{true, c, epc, tval, insn, target, hart_.mtvec, hart_.instret};
  hart_.trap(c, tval, epc);
  recompute_hot();
  update_fast_state();
  check_at_ = 0;
}

void Rv32Core::stop_fatal(const std::string& msg) {
  stopped_ = true;
  flush_traffic();
  RunControl::get().request_stop(StopReason::fatal_trap, exit_code::fatal_trap, msg);
}

bool Rv32Core::semihost_call(const Op* op) {
  if (op->len != 4) return false;
  uint32_t pre = 0, post = 0;
  if (!read(op->pc - 4, &pre, 4) || !read(op->pc + 4, &post, 4)) return false;
  if (pre != sh::kPre || post != sh::kPost) return false;
  ++semihost_calls_;
  flush_traffic();
  const uint32_t r = semihost_->call(hart_.x[10], hart_.x[11], op->pc);
  hart_.x[10] = r;
  if (semihost_->exit_requested()) {
    stopped_ = true;
    RunControl::get().request_firmware_exit(StopReason::semihost_exit, semihost_->exit_code(),
                                            semihost_->exit_message());
  }
  return true;
}

void Rv32Core::exec_system(const Op* op) {
  hart_.instret += op->idx;
  hart_.cycles += op->cyc;
  auto retire = [&]() {
    hart_.instret += 1;
    hart_.cycles += op->cyc_end - op->cyc;
    hart_.pc = op->pc + op->len;
  };
  auto illegal = [&]() { take_trap(cause::illegal, op->raw, op->pc, op->raw); };
  switch (op->kind) {
    case Kind::ECALL:
      take_trap(hart_.machine ? cause::ecall_m : cause::ecall_u, 0, op->pc, op->raw);
      return;
    case Kind::EBREAK:
      if (semihost_call(op)) {
        retire();
        return;
      }
      take_trap(cause::breakpoint, op->pc, op->pc, op->raw);
      return;
    case Kind::MRET:
      if (!hart_.machine) return illegal();
      hart_.instret += 1;
      hart_.cycles += op->cyc_end - op->cyc;
      hart_.mret();
      update_fast_state();
      return;
    case Kind::WFI:
      if (!hart_.machine && (hart_.mstatus & mstatus_bits::TW)) return illegal();
      retire();
      do_wfi();
      return;
    case Kind::FENCE_I:
      retire();
      flush_pending_ = true;
      return;
    case Kind::CSRRW:
    case Kind::CSRRS:
    case Kind::CSRRC:
    case Kind::CSRRWI:
    case Kind::CSRRSI:
    case Kind::CSRRCI: {
      const bool imm = op->kind >= Kind::CSRRWI;
      const int kop =
          static_cast<int>(op->kind) - static_cast<int>(imm ? Kind::CSRRWI : Kind::CSRRW);
      const uint32_t operand = imm ? op->rs1 : hart_.x[op->rs1];
      const bool writes = kop == 0 || op->rs1 != 0;
      hart_.time_now = time_csr_value();
      uint32_t old = 0;
      if (!hart_.csr_access(static_cast<uint32_t>(op->imm), kop, operand, writes, old))
        return illegal();
      hart_.x[op->rd] = old;
      retire();
      update_fast_state();
      const uint32_t csrno = static_cast<uint32_t>(op->imm);
      if (writes && csrno >= csr::pmpcfg0 && csrno <= 0x3EF) flush_pending_ = true;  // X perms
      return;
    }
    default:
      return illegal();
  }
}

void Rv32Core::do_wfi() {
  if (trace::on(trace::kCpu)) trace_quantum(true);
  sync_time();
  const double ns0 = sc_core::sc_time_stamp().to_seconds() * 1e9;
  while (!(hart_.mip() & hart_.mie) && !RunControl::get().stop_requested()) {
    sc_core::wait(irq_event_);
  }
  const double waited = sc_core::sc_time_stamp().to_seconds() * 1e9 - ns0;
  wfi_ns_ += waited;
  if (trace::on(trace::kCpu)) {
    if (waited > 0) trace::Tracer::get().complete(trace_track(), "wfi", ns0, waited);
    trace_q_start_ns_ = ns0 + waited;
    trace_q_instret_ = hart_.instret;
  }
  const uint64_t cyc = static_cast<uint64_t>(std::llround(waited * 1000.0 / double(period_ps_)));
  hart_.cycles += cyc;
  sync_base_ = hart_.cycles;
  const sc_time left = tlm::tlm_global_quantum::instance().compute_local_quantum();
  next_sync_cycles_ =
      hart_.cycles +
      std::max<uint64_t>(
          1, static_cast<uint64_t>(std::ceil(left.to_seconds() * 1e12 / double(period_ps_))));
}

// ---------------------------------------------------------------------------------------------
// Debug memory access (semihosting, debugger): DMI pointer if known, else transport_dbg.

bool Rv32Core::debug_access(bool wr, uint32_t addr, void* buf, uint32_t len) {
  auto* p = static_cast<uint8_t*>(buf);
  while (len) {
    const int ri = find_region(addr, 1);
    if (ri >= 0) {
      DmiRegion& r = regions_[ri];
      const uint64_t avail = r.size - (addr - r.base);
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(avail, len));
      if (wr) {
        if (!r.wr) return false;
        std::memcpy(r.ptr + (addr - r.base), p, n);
        if (code_len_) {
          for (uint32_t i = 0; i < n; i += 64) store_effects(addr + i, 1, 0, false);
          store_effects(addr + n - 1, 1, 0, false);
        }
      } else {
        std::memcpy(p, r.ptr + (addr - r.base), n);
      }
      p += n;
      addr += n;
      len -= n;
      continue;
    }
    tlm::tlm_generic_payload t;
    t.set_command(wr ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(addr);
    t.set_data_ptr(p);
    const uint32_t n = std::min<uint32_t>(len, 256);
    t.set_data_length(n);
    t.set_streaming_width(n);
    const unsigned got = bus->transport_dbg(t);
    if (got == 0 || got > n) return false;
    p += got;
    addr += got;
    len -= got;
  }
  return true;
}

bool Rv32Core::read(uint32_t addr, void* buf, uint32_t len) {
  return debug_access(false, addr, buf, len);
}
bool Rv32Core::write(uint32_t addr, const void* buf, uint32_t len) {
  return debug_access(true, addr, const_cast<void*>(buf), len);
}

}  // namespace imcvp::cpu

// ---------------------------------------------------------------------------------------------
// Debugger support.

namespace imcvp::cpu {

void Rv32Core::set_debugger(Debugger* d) {
  dbg_ = d;
  if (!d) {
    clear_debug_points();
    step_ = halt_pending_ = false;
  }
  update_debug_state();
}

void Rv32Core::request_halt() {
  halt_pending_ = true;
  pending_ev_ = DebugEvent{};
  pending_ev_.reason = stopped_ || hart_.instret || hart_.cycles ? DebugEvent::Reason::interrupt
                                                                 : DebugEvent::Reason::start;
  check_at_ = 0;
}

bool Rv32Core::add_breakpoint(uint32_t pc) {
  if (bps_.count(pc)) return true;
  if (bps_.size() >= kMaxBreakpoints) return false;
  bps_.insert(pc);
  if (!split_at_.count(pc)) {
    // Cached blocks may run across pc: re-decode so a block starts exactly there.
    split_at_.insert(pc);
    flush_pending_ = true;
    resume_op_ = nullptr;
  }
  update_debug_state();
  return true;
}

bool Rv32Core::remove_breakpoint(uint32_t pc) {
  // Blocks stay split at pc until the next flush: harmless, and GDB re-inserts at every resume.
  const bool had = bps_.erase(pc) > 0;
  update_debug_state();
  return had;
}

bool Rv32Core::add_watchpoint(uint32_t addr, uint32_t len, WatchKind kind) {
  if (len == 0 || uint64_t{addr} + len > (uint64_t{1} << 32)) return false;
  for (const Watch& w : wps_)
    if (w.addr == addr && w.len == len && w.kind == kind) return true;
  if (wps_.size() >= kMaxWatchpoints) return false;
  wps_.push_back(Watch{addr, len, kind});
  update_debug_state();
  return true;
}

bool Rv32Core::remove_watchpoint(uint32_t addr, uint32_t len, WatchKind kind) {
  for (size_t i = 0; i < wps_.size(); ++i) {
    if (wps_[i].addr == addr && wps_[i].len == len && wps_[i].kind == kind) {
      wps_.erase(wps_.begin() + static_cast<std::ptrdiff_t>(i));
      update_debug_state();
      return true;
    }
  }
  return false;
}

void Rv32Core::clear_debug_points() {
  bps_.clear();
  wps_.clear();
  clear_hw_points();
  update_debug_state();
}

void Rv32Core::update_debug_state() {
  dbg_active_ = dbg_ && (step_ || !bps_.empty());
  watch_reads_ = false;
  for (const Watch& w : wps_)
    if (w.kind != WatchKind::write) watch_reads_ = true;
  recompute_hot();
  update_fast_state();
  if (dbg_active_) check_at_ = 0;
}

bool Rv32Core::hit_watch(uint32_t a, unsigned n, bool write) {
  for (const Watch& w : wps_) {
    if (write ? w.kind == WatchKind::read : w.kind == WatchKind::write) continue;
    if (a < uint64_t{w.addr} + w.len && uint64_t{a} + n > w.addr) {
      halt_pending_ = true;
      pending_ev_ = DebugEvent{};
      pending_ev_.reason = DebugEvent::Reason::watch;
      pending_ev_.watch_kind = w.kind;
      pending_ev_.watch_addr = std::max(a, w.addr);
      return true;
    }
  }
  return false;
}

bool Rv32Core::debug_point() {
  DebugEvent ev;
  if (halt_pending_) {
    ev = pending_ev_;
  } else if (dbg_->poll()) {
    ev.reason = DebugEvent::Reason::interrupt;
  } else if (dbg_active_ && !bps_.empty() && bps_.count(hart_.pc) &&
             !(skip_bp_ && skip_bp_pc_ == hart_.pc)) {
    ev.reason = DebugEvent::Reason::breakpoint;
  } else {
    skip_bp_ = false;
    return false;
  }
  halt_pending_ = false;
  ev.pc = hart_.pc;
  flush_traffic();
  const DebugAction a = dbg_->halted(ev);
  switch (a) {
    case DebugAction::step:
      step_ = true;
      break;
    case DebugAction::detach:
      clear_debug_points();
      step_ = false;
      break;
    case DebugAction::kill:
      stopped_ = true;
      if (!RunControl::get().stop_requested())
        RunControl::get().request_stop(StopReason::debugger, 0, "killed by the debugger");
      break;
    case DebugAction::cont:
      break;
  }
  // The instruction at a breakpoint where we halted runs once before the breakpoint counts.
  skip_bp_ = true;
  skip_bp_pc_ = hart_.pc;
  dskip_ = true;  // nor do the debugger's execute triggers fire again before it,
  dskip_mem_ = ev.reason == DebugEvent::Reason::watch && ev.hw;  // nor the watch that halted
  dskip_pc_ = hart_.pc;
  dskip_instret_ = hart_.instret;
  update_debug_state();
  return true;
}

bool Rv32Core::debug_csr_read(uint32_t num, uint32_t& v) {
  const bool m = hart_.machine;
  hart_.machine = true;
  hart_.time_now = time_csr_value();
  const bool ok = hart_.csr_read(num, v);
  hart_.machine = m;
  return ok;
}

bool Rv32Core::debug_csr_write(uint32_t num, uint32_t v) {
  const bool m = hart_.machine;
  hart_.machine = true;
  hart_.time_now = time_csr_value();
  uint32_t old = 0;
  const bool ok = hart_.csr_access(num, 0, v, true, old);
  hart_.machine = m;
  if (ok && num >= csr::pmpcfg0 && num <= 0x3EF) flush_pending_ = true;
  recompute_hot();
  update_fast_state();
  check_at_ = 0;
  return ok;
}

void Rv32Core::set_pc(uint32_t pc) {
  hart_.pc = pc;
  resume_op_ = nullptr;
}

}  // namespace imcvp::cpu

// ---------------------------------------------------------------------------------------------
// Triggers (Sdtrig mcontrol): the hart holds them (CSRs tselect/tdata1/tdata2/tinfo); the core
// checks them only while one is armed: execute triggers at block starts (blocks end before
// exact-match addresses), load/store triggers on the slow memory path (the one-compare
// caches are off while a load or store trigger is armed).

namespace imcvp::cpu {

void Rv32Core::update_triggers() {
  trig_ver_seen_ = hart_.trig_version;
  using namespace mcontrol;
  trig_ld_ = trig_st_ = trig_exec_ = trig_exec_single_ = false;
  std::vector<uint32_t> pcs;
  for (unsigned i = 0; i < Hart::kTriggers; ++i) {
    const uint32_t d = hart_.trig[i].tdata1;
    const bool chained = (d & CHAIN) || (i > 0 && (hart_.trig[i - 1].tdata1 & CHAIN));
    if (hart_.trigger_armed(i, LOAD)) trig_ld_ = true;
    if (hart_.trigger_armed(i, STORE)) trig_st_ = true;
    if (hart_.trigger_armed(i, EXECUTE)) {
      trig_exec_ = true;
      if (((d & MATCH_MASK) >> MATCH_SHIFT) == 0 && !chained)
        pcs.push_back(hart_.trig[i].tdata2 & ~1u);
      else
        trig_exec_single_ = true;
    }
  }
  std::sort(pcs.begin(), pcs.end());
  for (uint32_t p : pcs) {
    if (!split_at_.count(p)) {  // cached blocks may run across p: re-decode
      flush_pending_ = true;
      resume_op_ = nullptr;
    }
  }
  trig_exec_pcs_.swap(pcs);
  if (trig_exec_) check_at_ = 0;
}

bool Rv32Core::exec_trigger() {
  const bool debug =
      dbg_ != nullptr && !(dskip_ && dskip_pc_ == hart_.pc && dskip_instret_ == hart_.instret);
  const int i = hart_.trigger_fire(mcontrol::EXECUTE, hart_.pc, 1, debug);
  if (i < 0) return false;
  if (hart_.trig[i].tdata1 & mcontrol::DMODE) {
    halt_pending_ = true;
    pending_ev_ = DebugEvent{};
    pending_ev_.reason = DebugEvent::Reason::breakpoint;
    pending_ev_.hw = true;
    return true;
  }
  take_trap(cause::breakpoint, hart_.pc, hart_.pc, 0);
  return true;
}

bool Rv32Core::mem_trigger(const Op* op, uint32_t kinds, uint32_t a, unsigned n) {
  const bool debug = dbg_ != nullptr && !(dskip_ && dskip_mem_ && dskip_pc_ == op->pc &&
                                          dskip_instret_ == hart_.instret + op->idx);
  const int i = hart_.trigger_fire(kinds, a, n, debug);
  if (i < 0) return false;
  if (!(hart_.trig[i].tdata1 & mcontrol::DMODE)) {
    raise(op, cause::breakpoint, a);
    return true;
  }
  // The debugger's watchpoint: halt before the instruction (nothing of it has happened).
  hart_.instret += op->idx;
  hart_.cycles += op->cyc;
  hart_.pc = op->pc;
  halt_pending_ = true;
  pending_ev_ = DebugEvent{};
  pending_ev_.reason = DebugEvent::Reason::watch;
  pending_ev_.hw = true;
  pending_ev_.watch_addr = a;
  for (const HwPoint& h : hw_) {
    if (!h.exec && static_cast<unsigned>(i) >= h.first &&
        static_cast<unsigned>(i) < h.first + h.count) {
      pending_ev_.watch_kind = h.kind;
      pending_ev_.watch_addr = std::max(a, h.addr);
    }
  }
  check_at_ = 0;
  return true;
}

bool Rv32Core::add_hw_breakpoint(uint32_t pc) {
  using namespace mcontrol;
  if (!dbg_) return false;
  for (const HwPoint& h : hw_)
    if (h.exec && h.addr == pc) return true;
  for (unsigned i = 0; i < Hart::kTriggers; ++i) {
    if (!hart_.trigger_free(i)) continue;
    hart_.trigger_debug_set(i, kType2 | DMODE | (1u << ACTION_SHIFT) | M | U | EXECUTE, pc);
    hw_.push_back(HwPoint{true, pc, 1, WatchKind::access, i, 1});
    update_fast_state();
    return true;
  }
  return false;
}

bool Rv32Core::remove_hw_breakpoint(uint32_t pc) {
  for (size_t k = 0; k < hw_.size(); ++k) {
    if (hw_[k].exec && hw_[k].addr == pc) {
      hart_.trigger_debug_set(hw_[k].first, mcontrol::kType2, 0);
      hw_.erase(hw_.begin() + static_cast<std::ptrdiff_t>(k));
      update_fast_state();
      return true;
    }
  }
  return false;
}

bool Rv32Core::add_hw_watchpoint(uint32_t addr, uint32_t len, WatchKind kind) {
  using namespace mcontrol;
  if (!dbg_ || len == 0 || uint64_t{addr} + len > (uint64_t{1} << 32)) return false;
  for (const HwPoint& h : hw_)
    if (!h.exec && h.addr == addr && h.len == len && h.kind == kind) return true;
  const uint32_t bits = kind == WatchKind::write  ? STORE
                        : kind == WatchKind::read ? LOAD
                                                  : (LOAD | STORE);
  const uint32_t base = kType2 | DMODE | (1u << ACTION_SHIFT) | M | U | bits;
  const uint64_t end = uint64_t{addr} + len;
  // One byte: exact match. Up to the top of memory: >= alone. Else [addr, end): >= chained
  // to <, on two adjacent triggers.
  const unsigned need = (len == 1 || end == (uint64_t{1} << 32)) ? 1 : 2;
  for (unsigned i = 0; i + need <= Hart::kTriggers; ++i) {
    if (!hart_.trigger_free(i) || (need == 2 && !hart_.trigger_free(i + 1))) continue;
    if (need == 1) {
      hart_.trigger_debug_set(i, base | ((len == 1 ? 0u : 2u) << MATCH_SHIFT), addr);
    } else {
      hart_.trigger_debug_set(i, base | CHAIN | (2u << MATCH_SHIFT), addr);
      hart_.trigger_debug_set(i + 1, base | (3u << MATCH_SHIFT), static_cast<uint32_t>(end));
    }
    hw_.push_back(HwPoint{false, addr, len, kind, i, need});
    update_fast_state();
    return true;
  }
  return false;
}

bool Rv32Core::remove_hw_watchpoint(uint32_t addr, uint32_t len, WatchKind kind) {
  for (size_t k = 0; k < hw_.size(); ++k) {
    const HwPoint& h = hw_[k];
    if (!h.exec && h.addr == addr && h.len == len && h.kind == kind) {
      for (unsigned i = h.first; i < h.first + h.count; ++i)
        hart_.trigger_debug_set(i, mcontrol::kType2, 0);
      hw_.erase(hw_.begin() + static_cast<std::ptrdiff_t>(k));
      update_fast_state();
      return true;
    }
  }
  return false;
}

void Rv32Core::clear_hw_points() {
  for (const HwPoint& h : hw_)
    for (unsigned i = h.first; i < h.first + h.count; ++i)
      hart_.trigger_debug_set(i, mcontrol::kType2, 0);
  hw_.clear();
}

size_t Rv32Core::hw_breakpoint_count() const {
  return static_cast<size_t>(
      std::count_if(hw_.begin(), hw_.end(), [](const HwPoint& h) { return h.exec; }));
}

size_t Rv32Core::hw_watchpoint_count() const {
  return hw_.size() - hw_breakpoint_count();
}

unsigned Rv32Core::triggers_used_by_debugger() const {
  unsigned n = 0;
  for (const HwPoint& h : hw_) n += h.count;
  return n;
}

}  // namespace imcvp::cpu
