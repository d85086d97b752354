// Rv32Core: the host RV32IMAC (+Zicsr, Zifencei) instruction-set simulator, M and U mode, as
// a TLM-2.0 loosely-timed initiator with temporal decoupling and DMI.
//
// Speed: instructions are decoded once into basic blocks (cached by PC and privilege),
// dispatched with computed goto; loads/stores inside a cached DMI region use the host pointer
// after one range compare; counts and time are committed per block (a trap mid-block commits
// the exact partial count); the quantum is checked at block ends only.
//
// Limits: one hart; no S-mode, no MPRV; LT only (no AT); aq/rl ignored (accesses are
// performed in program order); AMOs on non-DMI targets are a read then a write transaction;
// decoded code is invalidated by this core's own stores, fence.i and DMI invalidation, not by
// other initiators writing memory that is not DMI-invalidated; misaligned loads/stores trap
// unless `misaligned: emulate`; instruction fetch latency is part of the CPI (not taken from
// the target); in U-mode (or with locked PMP entries) every load/store takes the checked path.
// Debugging (rv32_debug.h): while breakpoints are set or a step is pending the core returns to
// its run loop after every block; read/access watchpoints send every load through the checked
// path; with none of them set the hot loop is unchanged. Triggers (Sdtrig, Hart): while an
// execute trigger is armed the core returns to the run loop after every block (exact matches
// end blocks, ranges run one instruction at a time), while a load/store trigger is armed those
// accesses take the checked path; with none armed nothing is checked. Watchpoints see this core's
// accesses only (not semihosting, debugger or other initiators' writes); a debugger write to
// minstret reads back one lower (the CSR rule for the writing instruction applies).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <systemc>
#include <tlm>

#include "models/common/stats.h"
#include "models/common/traffic_sink.h"
#include "models/cpu/cpu_config.h"
#include "models/cpu/rv32_debug.h"
#include "models/cpu/rv32_decode.h"
#include "models/cpu/rv32_hart.h"
#include "models/cpu/rv32_itrace.h"
#include "models/cpu/semihost.h"

namespace imcvp::cpu {

class Rv32Core : public sc_core::sc_module, private SemihostMemory {
 public:
  tlm_utils::simple_initiator_socket<Rv32Core> bus{"bus"};  // fetch/load/store traffic
  sc_core::sc_in<bool> irq_msip{"irq_msip"}, irq_mtip{"irq_mtip"}, irq_meip{"irq_meip"};

  SC_HAS_PROCESS(Rv32Core);
  Rv32Core(sc_core::sc_module_name name, const CpuConfig& cfg);
  ~Rv32Core() override;

  void set_reset_pc(uint32_t pc);
  // 0 = unlimited; reaching it stops the run (StopReason::limit_insts, exit_code::limit).
  void set_max_insts(uint64_t n);
  // Calls cb(addr, value) after every completed store overlapping [addr, addr+len)
  // (HTIF tohost, watchpoints). len = 0 removes the watch.
  void set_store_watch(uint32_t addr, uint32_t len,
                       std::function<void(uint32_t addr, uint32_t value)> cb);
  void set_traffic_sink(TrafficSink* sink) { sink_ = sink; }
  // Semihosting command line (SYS_GET_CMDLINE).
  void set_cmdline(const std::string& s) { semihost_->set_cmdline(s); }

  uint64_t instret() const { return hart_.instret; }
  uint64_t cycles() const { return hart_.cycles; }
  // Simulated time as the core sees it: kernel time plus the core's local time offset.
  sc_core::sc_time time_now() const { return sc_core::sc_time_stamp() + local_time(hart_.cycles); }
  uint32_t pc() const { return hart_.pc; }
  uint32_t reg(unsigned i) const { return i < 32 ? hart_.x[i] : 0; }

  // For debuggers and tests: architectural state and side-effect-free memory access
  // (DMI pointer or transport_dbg; no traffic, no timing).
  Hart& hart() { return hart_; }
  bool debug_read(uint32_t addr, void* buf, uint32_t len) { return read(addr, buf, len); }
  bool debug_write(uint32_t addr, const void* buf, uint32_t len) { return write(addr, buf, len); }
  Semihost& semihost() { return *semihost_; }
  // Pushes batched DMI traffic to the sink.
  void flush_traffic();

  // --- Debugger support (rv32_debug.h); costs nothing on the hot path while unused. ---
  // Installs the debugger (nullptr removes it); it is polled once per run-loop iteration.
  void set_debugger(Debugger* d);
  // Halt before the next instruction (DebugEvent::Reason::start if the run has not begun).
  // Call from the simulation thread or before sc_start.
  void request_halt();
  // Breakpoints at instruction addresses (exact: blocks end before them). false = limit.
  static constexpr size_t kMaxBreakpoints = 4096;
  static constexpr size_t kMaxWatchpoints = 64;
  bool add_breakpoint(uint32_t pc);
  bool remove_breakpoint(uint32_t pc);
  // Watchpoints on [addr, addr+len) of this core's loads/stores; false = limit or len 0.
  bool add_watchpoint(uint32_t addr, uint32_t len, WatchKind kind);
  bool remove_watchpoint(uint32_t addr, uint32_t len, WatchKind kind);
  void clear_debug_points();
  size_t breakpoint_count() const { return bps_.size(); }
  size_t watchpoint_count() const { return wps_.size(); }
  // Hardware breakpoints/watchpoints (GDB's Z1..Z4): the hart's triggers (Sdtrig mcontrol,
  // Hart::kTriggers of them), programmed with dmode = 1 and action = 1 (halt before the
  // instruction / before the access). A breakpoint takes one trigger, a watchpoint of one
  // byte one, a longer one two (a chained >= / < pair). false = not enough free triggers
  // (the firmware's enabled triggers are not taken), len 0, or no debugger.
  bool add_hw_breakpoint(uint32_t pc);
  bool remove_hw_breakpoint(uint32_t pc);
  bool add_hw_watchpoint(uint32_t addr, uint32_t len, WatchKind kind);
  bool remove_hw_watchpoint(uint32_t addr, uint32_t len, WatchKind kind);
  size_t hw_breakpoint_count() const;
  size_t hw_watchpoint_count() const;
  unsigned triggers_total() const { return Hart::kTriggers; }
  unsigned triggers_used_by_debugger() const;
  // CSR access with M-mode rights (time reads the core's current time); false = no such CSR
  // or read-only. PMP writes re-decode as a CSR instruction would.
  bool debug_csr_read(uint32_t num, uint32_t& v);
  bool debug_csr_write(uint32_t num, uint32_t v);
  void set_pc(uint32_t pc);

  // --- Instruction trace (rv32_itrace.h) ---
  // Reports every instruction started in [start_ns, end_ns] (end_ns < 0: no end) to o
  // (nullptr removes it). Inside the window the core runs one instruction at a time.
  void set_insn_observer(InsnObserver* o, double start_ns = 0, double end_ns = -1);

 private:
  struct Op {
    const void* h;  // handler label (threaded code)
    uint32_t pc;
    int32_t imm;
    uint8_t rd, rs1, rs2, len;
    uint8_t idx;  // index in block = instructions retired before this one
    Kind kind;
    uint16_t cyc;      // block cycles before this op
    uint16_t cyc_end;  // block cycles including this op
    uint16_t pad_;
    uint32_t raw;
  };
  struct Block {
    uint32_t key = 0;  // pc | 1 if translated for U-mode
    uint32_t n = 0;    // instructions
    uint32_t cycles = 0;
    Op* ops = nullptr;
  };
  struct Counts {
    uint64_t r[3] = {}, w[3] = {};  // data reads/writes by size 1/2/4
    uint64_t f = 0;                 // 16-bit instruction fetch parcels
  };
  struct DmiRegion {
    bool used = false, wr = false;
    uint32_t base = 0;
    uint64_t size = 0;
    uint8_t* ptr = nullptr;
    uint64_t rd_stall = 0, wr_stall = 0;  // cycles per access from the DMI latency
    Counts c, flushed;
  };
  // One-compare fast-path cache of a DMI region (size 0 = disabled).
  struct FastRegion {
    uint32_t base = 0;
    uint32_t size = 0;
    uint8_t* ptr = nullptr;
    Counts* cnt = nullptr;
    uint64_t stall = 0;  // cycles per access (DMI latency)
  };
  static constexpr unsigned kMaxRegions = 16;
  static constexpr unsigned kMaxBlockOps = 64;
  static constexpr unsigned kTableBits = 16;

  void run();
  void irq_update();
  void end_of_simulation() override;
  void exec(Block* b, const Op* start = nullptr);
  Block* lookup(uint32_t pc) const {
    const uint32_t key = pc | key_bit_;
    Block* b = table_[((key >> 1) ^ (key << (kTableBits - 1))) & ((1u << kTableBits) - 1)];
    return (b && b->key == key) ? b : nullptr;
  }
  Block* translate(uint32_t pc, bool single);
  bool fetch16(uint32_t addr, uint16_t& out);
  void flush_decode();
  void mark_code(uint32_t addr, uint32_t len);
  uint32_t op_cost(Kind k) const;

  // Slow paths. Return 0: continue; 1: instruction completed, leave the block; 2: trapped.
  int load_slow(const Op* op, uint32_t a, unsigned n, bool sgn, uint32_t& out);
  int store_slow(const Op* op, uint32_t a, unsigned n, uint32_t v);
  int read_mem(const Op* op, uint32_t a, unsigned n, uint32_t& out, uint32_t fault);
  int write_mem(const Op* op, uint32_t a, unsigned n, uint32_t v, uint32_t fault);
  int store_effects(uint32_t a, unsigned n, uint32_t v, bool by_core = true);
  int exec_amo(const Op* op);
  void exec_system(const Op* op);
  bool bus_access(const Op* op, bool write, uint32_t a, void* data, unsigned n, bool& device);
  int raise(const Op* op, uint32_t c, uint32_t tval) {
    hart_.instret += op->idx;
    hart_.cycles += op->cyc;
    take_trap(c, tval, op->pc, op->raw);
    return 2;
  }
  void exit_after(const Op* op) {
    hart_.instret += op->idx + 1u;
    hart_.cycles += op->cyc_end;
    hart_.pc = op->pc + op->len;
  }
  void take_trap(uint32_t c, uint32_t tval, uint32_t epc, uint32_t insn);
  void do_wfi();
  bool semihost_call(const Op* op);

  // DMI management.
  int find_region(uint32_t a, unsigned n) const;
  bool request_dmi(uint32_t a);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
  void update_fast_state();
  void recompute_hot();
  void account_region(DmiRegion& r);

  // Time.
  sc_core::sc_time local_time(uint64_t cyc) const { return period_ * double(cyc - sync_base_); }
  void sync_time();
  uint64_t time_csr_value() const;

  // SemihostMemory (debug access).
  bool read(uint32_t addr, void* buf, uint32_t len) override;
  bool write(uint32_t addr, const void* buf, uint32_t len) override;
  bool debug_access(bool wr, uint32_t addr, void* buf, uint32_t len);

  void stop_fatal(const std::string& msg);

  // Instruction trace: runs one traced instruction (true), or returns false outside the
  // window (before it: makes exec() return at the window start).
  bool itrace_step();
  // Event trace (models/common/trace.h): cold paths only.
  void trace_quantum(bool force);
  int trace_track();

  // Debugger: a halt point at a block boundary; true = halted (restart the loop iteration).
  bool debug_point();
  bool hit_watch(uint32_t a, unsigned n, bool write);
  void update_debug_state();
  // Triggers: re-derive the fast-path flags after a trigger change (Hart::trig_version).
  void update_triggers();
  // Execute triggers for hart_.pc before its instruction runs; true = trapped or halting.
  bool exec_trigger();
  // Load/store triggers before the access of op; true = trapped or halting (return 2).
  bool mem_trigger(const Op* op, uint32_t kinds, uint32_t a, unsigned n);
  void clear_hw_points();

  CpuConfig cfg_;
  Hart hart_;
  sc_core::sc_time period_;
  uint64_t period_ps_ = 1000;
  tlm_utils::tlm_quantumkeeper qk_;
  tlm::tlm_generic_payload trans_;
  sc_core::sc_event irq_event_;
  std::unique_ptr<Semihost> semihost_;
  TrafficSink* sink_ = nullptr;
  bool emulate_misaligned_ = false;

  // --- hot state ---
  uint64_t check_at_ = 0;          // leave the block loop when cycles >= check_at_
  uint64_t next_sync_cycles_ = 0;  // quantum boundary in cycles
  uint64_t sync_base_ = 0;         // cycles at the last sync (local time = 0)
  uint64_t insts_limit_ = ~uint64_t{0};
  uint32_t key_bit_ = 0;  // 1 in U-mode: U blocks are cached separately
  FastRegion ld_, st_;
  uint32_t hot_lo_ = 0, hot_len_ = 0;    // watch + reservation (bounding range)
  uint32_t code_lo_ = 0, code_len_ = 0;  // decoded code (bounding range)
  int64_t br_extra_ = 0;                 // taken-branch cycles beyond cpi_base
  bool need_pmp_ = false;
  bool flush_pending_ = false;
  bool force_sync_ = false;
  bool stopped_ = false;

  std::vector<Block*> table_;
  std::vector<Block> blocks_;
  // Decoded ops of cached blocks. Default-initialised (not zeroed): its 8 MiB are only touched
  // as blocks are decoded, which keeps start-up short (an op is written before it is read).
  std::unique_ptr<Op[]> ops_;
  size_t ops_cap_ = 0;
  size_t nblocks_ = 0, nops_ = 0;
  Block tmp_block_;
  Block* resume_b_ = nullptr;
  const Op* resume_op_ = nullptr;
  Op tmp_ops_[2];
  std::unordered_set<uint32_t> code_lines_;  // 64-byte lines holding decoded code
  uint32_t code_min_ = ~0u, code_max_ = 0;
  uint32_t cost_[static_cast<int>(Kind::COUNT_)] = {};
  static const void* const* labels_;

  DmiRegion regions_[kMaxRegions];
  int fetch_region_ = -1;
  std::unordered_set<uint32_t> dmi_denied_pages_;

  // Debugger state (cold: only looked at in the run loop and the slow paths).
  struct Watch {
    uint32_t addr, len;
    WatchKind kind;
  };
  Debugger* dbg_ = nullptr;
  bool dbg_active_ = false;   // breakpoints or a step: leave exec() after every block
  bool step_ = false;         // run one instruction / trap entry, then halt
  bool watch_reads_ = false;  // read/access watchpoints: loads take the checked path
  bool halt_pending_ = false;
  DebugEvent pending_ev_;
  bool skip_bp_ = false;  // resuming at a breakpoint address: run it once
  uint32_t skip_bp_pc_ = 0;
  std::unordered_set<uint32_t> bps_;
  std::unordered_set<uint32_t> split_at_;  // addresses the cached blocks end before (>= bps_)
  std::vector<Watch> wps_;
  // Triggers (cold, except the flags, which are tested on block/memory slow paths only).
  bool trig_ld_ = false, trig_st_ = false;  // a load/store trigger is armed: no fast path
  bool trig_exec_ = false;                  // an execute trigger is armed: blocks return
  bool trig_exec_single_ = false;           // one is not an exact match: one insn at a time
  uint32_t trig_ver_seen_ = ~0u;
  std::vector<uint32_t> trig_exec_pcs_;  // exact execute-match addresses (blocks split there)
  // The first instruction after a debugger halt does not re-trigger the debugger's execute
  // triggers; its load/store triggers are skipped only when the halt was their own hit (a halt
  // at a breakpoint on a load must still report the load's watchpoint when it runs).
  bool dskip_ = false;
  bool dskip_mem_ = false;
  uint32_t dskip_pc_ = 0;
  uint64_t dskip_instret_ = 0;
  struct HwPoint {
    bool exec;
    uint32_t addr, len;
    WatchKind kind;
    unsigned first, count;  // triggers used
  };
  std::vector<HwPoint> hw_;

  // Instruction/event tracing (cold).
  InsnObserver* itrace_ = nullptr;
  double itrace_start_ns_ = 0, itrace_end_ns_ = -1;
  int trace_track_ = -1;
  double trace_q_start_ns_ = 0;
  uint64_t trace_q_instret_ = 0;
  uint32_t trace_irq_lines_ = 0;

  uint32_t reset_pc_;
  uint32_t watch_lo_ = 0, watch_len_ = 0;
  std::function<void(uint32_t, uint32_t)> watch_cb_;

  // Fatal-trap detection: a trap taken at the handler address with nothing retired since
  // the previous trap means the handler is unreachable (or faults at once): stop the run.
  struct TrapRecord {
    bool valid = false;
    uint32_t cause = 0, epc = 0, tval = 0, insn = 0, target = 0, mtvec = 0;
    uint64_t instret = 0;
  } last_trap_;

  // --- statistics (raw; stats report the difference to the reset baseline) ---
  uint64_t traps_[16] = {}, interrupts_[16] = {};
  uint64_t translations_ = 0, block_execs_ = 0, invalidations_ = 0, fetches_ = 0;
  uint64_t mmio_reads_ = 0, mmio_writes_ = 0, slow_loads_ = 0, slow_stores_ = 0;
  uint64_t dmi_grants_ = 0, dmi_invalidations_ = 0, semihost_calls_ = 0;
  double wfi_ns_ = 0;
  struct Base {
    uint64_t instret = 0, cycles = 0, loads = 0, stores = 0, block_execs = 0;
  } base_;
  uint64_t total_loads() const;
  uint64_t total_stores() const;
  stats::Group stats_;
};

}  // namespace imcvp::cpu
