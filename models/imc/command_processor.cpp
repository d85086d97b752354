// The IMC tile's command processor: a descriptor ring in memory, executed in order by the
// tile's own thread (docs/command-queues.md). Members of ImcTile; the pure parts (descriptor,
// patterns, vector arithmetic) are in queue_ops.{h,cpp}.
#include <algorithm>
#include <bitset>
#include <cstring>

#include "models/common/log.h"
#include "models/common/sim_time.h"
#include "models/common/trace.h"
#include "models/imc/imc_tile.h"

namespace imcvp::imc {

using regs::Access;
using regs::AccessCtx;
using regs::Reg;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using namespace queue;

namespace {
constexpr unsigned kIrqQDone = 4, kIrqQError = 8, kIrqQEmpty = 16, kIrqQSignal = 32;
constexpr uint64_t kQEnable = 1, kQIrqEmpty = 2, kQStopOnError = 4;
constexpr uint32_t kMaxQueueSize = 65536;

}  // namespace

void ImcTile::raise(unsigned bits) {
  irq_st_->set(irq_st_->value() | bits);
  ++irqs_;
  irq_ev_.notify(SC_ZERO_TIME);
}

bool ImcTile::window_range_ok(uint64_t off, uint64_t len) {
  const std::pair<uint64_t, uint64_t> bufs[] = {{kBiasOffset, kBiasSize},
                                                {kScaleOffset, kScaleSize},
                                                {kInOffset, kInSize},
                                                {kOutOffset, kOutSize},
                                                {kWbufOffset, kWbufSize}};
  for (const auto& [o, n] : bufs)
    if (off >= o && off < o + n) return len <= o + n - off;
  return false;
}

void ImcTile::connect_queues(uint64_t tile_base, uint64_t tile_stride, unsigned num_tiles,
                             QueueMonitor* monitor) {
  peer_base_ = tile_base;
  peer_stride_ = tile_stride;
  peers_ = num_tiles;
  monitor_ = monitor;
  if (!monitor_) return;
  QueueMonitor::Client c;
  c.describe = [this] {
    return log::cat(name(), " ", wait_desc_, ": SEM[", wait_sem_, "] = ", sems_[wait_sem_],
                    ", needs ", wait_need_);
  };
  c.fail = [this] {
    cp_deadlocked_ = true;
    sem_ev_.notify(SC_ZERO_TIME);
  };
  monitor_id_ = monitor_->attach(std::move(c));
}

void ImcTile::add_queue_registers() {
  q_base_ = &regs_.add("Q_BASE", kQBase, 4, 0, Access::rw,
                       "Queue: global address of descriptor slot 0 (64-byte aligned)");
  q_size_ = &regs_.add("Q_SIZE", kQSize, 4, 0, Access::rw, "Queue: descriptor slots, 1..65536");
  regs_.add("Q_HEAD", kQHead, 4, 0, Access::ro, "Queue: descriptors consumed (free-running)")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t { return q_head_; });
  q_tail_ = &regs_
                 .add("Q_TAIL", kQTail, 4, 0, Access::rw,
                      "Queue: descriptors produced (free-running); writing it rings the doorbell")
                 .on_write([this](Reg&, uint64_t, const AccessCtx& c) {
                   if (!c.debug) cp_ev_.notify(c.delay);
                 });
  q_ctrl_ = &regs_.add("Q_CTRL", kQCtrl, 4, kQStopOnError, Access::rw, "Queue control")
                 .field("ENABLE", 0, 1, Access::rw, "run the ring (0 -> 1 clears HALTED)")
                 .field("IRQ_EMPTY", 1, 1, Access::rw, "raise IRQ_STATUS.Q_EMPTY when it drains")
                 .field("STOP_ON_ERROR", 2, 1, Access::rw, "halt on a failing descriptor")
                 .on_write([this](Reg& r, uint64_t old, const AccessCtx& c) {
                   if (!(old & kQEnable) && (r.value() & kQEnable)) cp_halted_ = false;
                   if (!c.debug) cp_ev_.notify(c.delay);
                 });
  regs_.add("Q_STATUS", kQStatus, 4, 0, Access::ro, "Queue state")
      .field("RUNNING", 0, 1, Access::ro, "the command processor has work")
      .field("WAITING", 1, 1, Access::ro, "blocked in WAIT or BARRIER")
      .field("HALTED", 2, 1, Access::ro, "stopped on an error")
      .field("LAST_ERROR", 8, 8, Access::ro, "error code of the last failing descriptor")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t {
        return (cp_active_ ? 1u : 0u) | (cp_waiting_ ? 2u : 0u) | (cp_halted_ ? 4u : 0u) |
               (q_last_err_ & 0xFF) << 8;
      });
  regs_
      .add("Q_ERR_INDEX", kQErrIndex, 4, 0, Access::ro,
           "Queue index (free-running) of the last failing descriptor")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t { return q_err_index_; });
  regs_.add("Q_SIGNAL", kQSignal, 4, 0, Access::ro, "VALUE of the last SIGNAL descriptor")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t { return q_signal_; });
  for (unsigned k = 0; k < kNumSems; ++k) {
    regs_
        .add("SEM" + std::to_string(k), kSem0 + 4 * k, 4, 0, Access::rw,
             "Event counter " + std::to_string(k) + ": reads the value; a write adds to it")
        .on_read([this, k](Reg&, const AccessCtx&) -> uint64_t { return sems_[k]; })
        .on_write([this, k](Reg& r, uint64_t, const AccessCtx& c) {
          if (c.debug)
            sems_[k] = static_cast<uint32_t>(r.value());  // debuggers set the value
          else
            sem_add(k, static_cast<uint32_t>(r.value()), c.delay);
        });
  }
}

void ImcTile::add_queue_stats() {
  auto& s = stats_;
  s.counter("queue.descriptors", q_descriptors_, "count", "Queue descriptors executed");
  for (unsigned i = 0; i < kNumQOps; ++i)
    s.counter(std::string("queue.ops.") + qop_name(i), q_op_count_[i], "count",
              "Queue descriptors of this operation");
  for (unsigned i = 0; i < kNumVecOps; ++i)
    s.counter(std::string("queue.vec.") + vec_name(i), q_vec_count_[i], "count",
              "VEC descriptors of this operation");
  s.counter("queue.errors", q_errors_, "count", "Queue descriptors that failed");
  s.counter("queue.send_bytes", q_sends_bytes_, "B", "Bytes SEND copied to other tiles");
  s.counter("queue.sem_posts", q_sem_posts_, "count",
            "Semaphore increments this tile sent (SEND, BARRIER)");
  s.counter("queue.pad_bytes", q_pad_bytes_, "B", "LOAD bytes filled with PAD (no bus traffic)");
  s.counter("queue.local_bytes", q_local_bytes_, "B",
            "LOAD/STORE bytes moved inside the tile (tensor in its own buffers)");
  s.counter("queue.vec_elements", q_vec_elements_, "count", "Elements the vector unit read");
  s.value("queue.active_time", q_active_ns_, "ns", "Time the command processor had work");
  s.value("queue.wait_time", q_wait_ns_, "ns", "Time blocked in WAIT/BARRIER");
  s.value("queue.fetch_time", q_fetch_ns_, "ns", "Time spent fetching and decoding descriptors");
  s.formula(
      "queue.idle_time",
      [this] { return std::max(0.0, ns_since_stats_reset() - busy_ns_ - q_wait_ns_); }, "ns",
      "Simulated time neither busy nor waiting since the last stats reset");
  s.value("energy.vector", e_vector_, "pJ", "Vector unit (ADD, ReLU, pooling, REQUANT, COPY)",
          stats::EnergyKind::digital_periphery);
}

bool ImcTile::cp_has_work() const {
  return (q_ctrl_->value() & kQEnable) && !cp_halted_ &&
         q_fetch_ != static_cast<uint32_t>(q_tail_->value());
}

void ImcTile::sem_add(unsigned k, uint32_t v, const sc_time& delay) {
  sems_[k] += v;
  sem_ev_.notify(delay);
  if (monitor_) monitor_->progress();
}

void ImcTile::cp_thread() {
  while (true) {
    while (!cp_has_work()) wait(cp_ev_);
    // A command started through CMD finishes first (complete() notifies cp_ev_).
    while (in_command_ || busy_at(sc_core::sc_time_stamp())) wait(cp_ev_);
    sync(sc_core::sc_time_stamp());
    if (!cp_has_work()) continue;
    cp_active_ = true;
    if (monitor_) monitor_->set_active(monitor_id_, true);
    const sc_time start = sc_core::sc_time_stamp();
    while (cp_has_work()) cp_run_one();
    q_active_ns_ += to_ns(sc_core::sc_time_stamp() - start);
    cp_active_ = false;
    if (monitor_) monitor_->set_active(monitor_id_, false);
    if (!cp_halted_ && (q_ctrl_->value() & kQIrqEmpty)) raise(kIrqQEmpty);
  }
}

void ImcTile::cp_run_one() {
  const uint32_t idx = q_fetch_;
  const uint64_t base = q_base_->value(), size = q_size_->value();
  const auto tail = static_cast<uint32_t>(q_tail_->value());
  const sc_time t0 = sc_core::sc_time_stamp();
  auto fail_queue = [&](Error e, uint32_t info, const std::string& why) {
    // The ring itself is unusable: no descriptor to write a status to; always halts.
    q_last_err_ = static_cast<uint32_t>(e);
    q_err_index_ = idx;
    ++q_errors_;
    ++errors_;
    ++error_count_[static_cast<unsigned>(e)];
    err_code_->set(static_cast<uint64_t>(e));
    err_info_->set(info);
    cp_halted_ = true;
    log::warn(name(), "queue[", idx, "]: ", why);
    raise(kIrqQError);
  };
  if (size < 1 || size > kMaxQueueSize)
    return fail_queue(Error::bad_queue, static_cast<uint32_t>(size),
                      "Q_SIZE = " + std::to_string(size) + " is not in 1..65536");
  if (base % kDescBytes)
    return fail_queue(Error::bad_queue, static_cast<uint32_t>(base),
                      "Q_BASE = " + log::hex(base) + " is not 64-byte aligned");
  if (tail - q_head_ > size)
    return fail_queue(Error::bad_queue, tail,
                      "Q_TAIL = " + std::to_string(tail) +
                          " is more than Q_SIZE ahead of Q_HEAD = " + std::to_string(q_head_));
  const uint64_t addr = base + uint64_t(kDescBytes) * (idx % size);
  uint8_t raw[kDescBytes];
  Result fr;
  if (!dma_copy(true, raw, addr, kDescBytes, t0, fr))
    return fail_queue(Error::dma, fr.info,
                      "descriptor fetch from " + log::hex(addr) + " failed (bus error at " +
                          log::hex(fr.info) + ")");
  wait(sc_time(cfg_.queue.decode_cycles * cfg_.queue.clock_ns, SC_NS));
  const sc_time ts = sc_core::sc_time_stamp();
  q_fetch_ns_ += to_ns(ts - t0);
  Descriptor d = Descriptor::from_bytes(raw);
  const double e0 = trace::on(trace::kImc) ? energy_sum() : 0.0;
  const double wait0 = q_wait_ns_;
  Result r;
  if (!d.apply_increments(loop_active_ ? loop_iter_ : 0))
    r = Result::error(Error::bad_op, d.w[kIncWords], kIncWords,
                      "loop increment word indices must be 0 or 1..11");
  else
    r = cp_execute(d, idx);
  const sc_time end = ts + r.latency;
  if (end > sc_core::sc_time_stamp()) wait(end - sc_core::sc_time_stamp());
  // Status write-back (4 bytes, word 15).
  uint8_t st[4];
  const uint32_t sw = status_word(static_cast<uint32_t>(r.err), r.field);
  for (int i = 0; i < 4; ++i) st[i] = static_cast<uint8_t>(sw >> (8 * i));
  Result wr;
  if (!dma_copy(false, st, addr + 4 * kStatusWord, 4, sc_core::sc_time_stamp(), wr) &&
      r.err == Error::none) {
    r.err = Error::dma;
    r.info = wr.info;
    r.field = kStatusWord;
    r.why = "status write-back failed";
  }
  const sc_time now = sc_core::sc_time_stamp();
  busy_ns_ += std::max(0.0, to_ns(now - t0) - (q_wait_ns_ - wait0));
  const uint32_t op = d.op();
  // Advance: inside a LOOP body the last descriptor jumps back until the last iteration; the
  // body's slots are consumed (Q_HEAD) only when the loop ends.
  if (op == static_cast<uint32_t>(QOp::loop) && r.err == Error::none) {
    q_fetch_ = q_head_ = idx + 1;
  } else if (loop_active_ && idx + 1 == loop_end_) {
    if (++loop_iter_ < loop_count_) {
      q_fetch_ = loop_start_;
    } else {
      loop_active_ = false;
      q_fetch_ = q_head_ = loop_end_;
    }
  } else {
    q_fetch_ = idx + 1;
    if (!loop_active_) q_head_ = q_fetch_;
  }
  ++q_descriptors_;
  if (op < kNumQOps) ++q_op_count_[op];
  const char* opname = op == static_cast<uint32_t>(QOp::vec) ? vec_name(d.subop()) : qop_name(op);
  if (r.err != Error::none) {
    ++q_errors_;
    ++errors_;
    ++error_count_[static_cast<unsigned>(r.err)];
    q_last_err_ = static_cast<uint32_t>(r.err);
    q_err_index_ = idx;
    err_code_->set(static_cast<uint64_t>(r.err));
    err_info_->set(r.info);
    log::warn(name(), "queue[", idx, "]: ", opname, ": word ", r.field, ": ", error_name(r.err),
              r.why.empty() ? "" : ": ", r.why);
    if (q_ctrl_->value() & kQStopOnError) cp_halted_ = true;
    raise(kIrqQError);
  }
  if (d.irq()) raise(kIrqQDone);
  if (trace::on(trace::kImc)) {
    auto& tr = trace::Tracer::get();
    if (queue_track_ < 0)
      queue_track_ = tr.track(trace::kImc, std::string(name()) + ".queue", int(index_));
    trace::Args a;
    a.num("index", idx).num("energy_pj", energy_sum() - e0);
    if (r.err != Error::none) a.str("error", error_name(r.err)).num("field", r.field);
    tr.complete(queue_track_, opname, to_ns(t0), to_ns(now - t0), a.str());
  }
}

ImcTile::Result ImcTile::cp_execute(const Descriptor& d, uint32_t index) {
  switch (d.op()) {
    case static_cast<uint32_t>(QOp::nop):
    case static_cast<uint32_t>(QOp::fence):
      return {};  // in-order and blocking: every earlier effect is already done
    case static_cast<uint32_t>(QOp::mvm):
      return cp_mvm(d);
    case static_cast<uint32_t>(QOp::load):
      return cp_transfer(d, true);
    case static_cast<uint32_t>(QOp::store):
      return cp_transfer(d, false);
    case static_cast<uint32_t>(QOp::send):
      return cp_send(d);
    case static_cast<uint32_t>(QOp::wait):
      return cp_wait(d.w[1], d.w[2], index, 1);
    case static_cast<uint32_t>(QOp::vec):
      return cp_vec(d);
    case static_cast<uint32_t>(QOp::program):
      return cp_program(d);
    case static_cast<uint32_t>(QOp::signal):
      q_signal_ = d.w[1];
      raise(kIrqQSignal);
      return {};
    case static_cast<uint32_t>(QOp::barrier):
      return cp_barrier(d, index);
    case static_cast<uint32_t>(QOp::loop):
      return cp_loop(d, index);
  }
  Result r;
  r.err = Error::bad_op;
  r.info = d.op();
  r.why = "unknown OP " + std::to_string(d.op());
  return r;
}

ImcTile::Result ImcTile::cp_mvm(const Descriptor& d) {
  if (d.w[6] & ~0xFu) return Result::error(Error::bad_op, d.w[6], 6, "unknown POST bits");
  cmd_.rows = d.w[1];
  cmd_.cols = d.w[2];
  cmd_.batch = d.w[3];
  cmd_.in_off = d.w[4];
  cmd_.out_off = d.w[5];
  cmd_.ctrl = d.w[6];  // SIGNED_IN, BIAS, RELU, REQUANT: the CTRL register's low bits
  cmd_.shift = d.w[7];
  cmd_.row0 = d.w[8];
  cmd_.col0 = d.w[9];
  if (d.w[7] > 63) return Result::error(Error::bad_op, d.w[7], 7, "SHIFT must be 0..63");
  Result r = do_mvm(static_cast<unsigned>(d.w[3]), sc_core::sc_time_stamp());
  if (r.err == Error::bad_dim && r.field == 0) {
    r.field = d.w[1] < 1 || d.w[1] > cfg_.rows ? 1 : 2;
    r.why = "ROWS x COLS beyond the array";
  } else if (r.err == Error::not_programmed) {
    r.why = "MVM before any PROGRAM";
  }
  return r;
}

ImcTile::Result ImcTile::cp_program(const Descriptor& d) {
  cmd_.ctrl = 1u << 6;  // W_EXT: stream the weights from SRC by DMA
  cmd_.src = d.w[1];
  cmd_.rows = d.w[2];
  cmd_.cols = d.w[3];
  Result r = do_program(sc_core::sc_time_stamp());
  switch (r.err) {
    case Error::bad_dim:
      r.field = d.w[2] < 1 || d.w[2] > cfg_.rows ? 2 : 3;
      r.why = "ROWS x COLS beyond the array";
      break;
    case Error::dma:
      r.field = 1;
      r.why = "weights not readable at " + log::hex(r.info);
      break;
    case Error::weight_range:
      r.field = 1;
      r.why = "weight " + std::to_string(r.info) + " outside the tile's range";
      break;
    default:
      break;
  }
  return r;
}

ImcTile::Result ImcTile::cp_transfer(const Descriptor& d, bool load) {
  const Pattern p = Pattern::decode(d);
  if (Fault f = check_pattern(p))
    return Result::error(Error::bad_pattern, d.w[f.field], f.field, f.reason);
  uint8_t* local = buffer_at(p.local_off, p.local_span());
  if (!local)
    return Result::error(
        Error::bad_dma_range, static_cast<uint32_t>(p.local_off), 10,
        "LOCAL_OFF + " + std::to_string(p.local_span()) + " B is not inside one buffer");
  const sc_time at = sc_core::sc_time_stamp();
  Result r;
  uint64_t pad = 0;
  for (const Segment& s : segments(p)) {
    if (s.pad) {
      if (load) {
        std::memset(local + s.local, p.pad, s.len);
        pad += s.len;
      }
      continue;
    }
    // A tensor in this tile's own buffers moves inside the tile (no interconnect round trip):
    // setup + len / rate, like the DMA engine streaming locally.
    const uint64_t own = tile_addr(index_);
    if (peers_ > index_ && s.global >= own && s.global < own + kWindowSize) {
      uint8_t* other = buffer_at(s.global - own, s.len);
      if (!other) {
        r.err = Error::dma;
        r.info = static_cast<uint32_t>(s.global);
        r.field = 1;
        r.why = "the tensor is not inside one of this tile's buffers at " + log::hex(s.global);
        return r;
      }
      std::memmove(load ? local + s.local : other, load ? other : local + s.local, s.len);
      const auto& pc = cfg_.periphery;
      r.latency +=
          sc_time(pc.dma_setup_ns + static_cast<double>(s.len) / pc.dma_bytes_per_ns, SC_NS);
      buffer_energy(2 * s.len);
      q_local_bytes_ += s.len;
      continue;
    }
    if (!dma_copy(load, local + s.local, s.global, s.len, at, r)) {
      r.field = 1;
      r.why = std::string(load ? "read" : "write") + " of the tensor failed at " + log::hex(r.info);
      return r;
    }
  }
  q_pad_bytes_ += pad;
  buffer_energy(pad);
  return r;
}

ImcTile::Result ImcTile::cp_send(const Descriptor& d) {
  const uint64_t src = d.w[1], len = d.w[2], dst = d.w[4];
  const uint32_t t = d.w[3], sem = d.w[5], inc = d.w[6];
  if (t >= peers_)
    return Result::error(
        Error::bad_tile, t, 3,
        "DST_TILE " + std::to_string(t) + " does not exist (" + std::to_string(peers_) + " tiles)");
  if (sem != kNoSem && sem >= kNumSems)
    return Result::error(Error::bad_sem, sem, 5,
                         "SEM " + std::to_string(sem) + " is not 0..15 or 0xFF");
  uint8_t* from = len ? buffer_at(src, len) : nullptr;
  if (len && !from)
    return Result::error(Error::bad_dma_range, static_cast<uint32_t>(src), 1,
                         "SRC_OFF + LEN is not inside one buffer");
  if (len && !window_range_ok(dst, len))
    return Result::error(Error::bad_dma_range, static_cast<uint32_t>(dst), 4,
                         "DST_OFF + LEN is not inside one buffer of the destination");
  const sc_time at = sc_core::sc_time_stamp();
  Result r;
  if (len) {
    if (!dma_copy(false, from, tile_addr(t) + dst, len, at, r)) {
      r.field = 3;
      r.why = "copy to tile " + std::to_string(t) + " failed at " + log::hex(r.info);
      return r;
    }
    q_sends_bytes_ += len;
  }
  if (sem != kNoSem && !cp_post(t, sem, inc, r)) r.field = 5;
  return r;
}

bool ImcTile::cp_post(unsigned t, unsigned k, uint32_t inc, Result& r) {
  uint8_t b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(inc >> (8 * i));
  const sc_time at = sc_core::sc_time_stamp() - r.latency;  // dma_copy starts at at + latency
  if (!dma_copy(false, b, tile_addr(t) + kSem0 + 4 * k, 4, at, r)) {
    r.why = "semaphore write to tile " + std::to_string(t) + " failed at " + log::hex(r.info);
    return false;
  }
  ++q_sem_posts_;
  return true;
}

ImcTile::Result ImcTile::cp_wait(uint32_t sem, uint32_t count, uint32_t index, unsigned field) {
  if (sem >= kNumSems)
    return Result::error(Error::bad_sem, sem, field,
                         "SEM " + std::to_string(sem) + " is not 0..15");
  const sc_time t0 = sc_core::sc_time_stamp();
  while (sems_[sem] < count) {
    if (!cp_waiting_) {
      cp_waiting_ = true;
      wait_sem_ = sem;
      wait_need_ = count;
      wait_desc_ = "queue[" + std::to_string(index) + "]";
      if (monitor_) monitor_->set_blocked(monitor_id_, true);
    }
    wait(sem_ev_);
    if (cp_deadlocked_) {
      cp_deadlocked_ = false;
      cp_waiting_ = false;
      q_wait_ns_ += to_ns(sc_core::sc_time_stamp() - t0);
      if (monitor_) monitor_->set_blocked(monitor_id_, false);
      return Result::error(Error::deadlock, sem, field,
                           "SEM[" + std::to_string(sem) + "] = " + std::to_string(sems_[sem]) +
                               " needs " + std::to_string(count) +
                               " and every tile with work is waiting (no progress)");
    }
  }
  if (cp_waiting_) {
    cp_waiting_ = false;
    if (monitor_) monitor_->set_blocked(monitor_id_, false);
  }
  sems_[sem] -= count;
  q_wait_ns_ += to_ns(sc_core::sc_time_stamp() - t0);
  return {};
}

ImcTile::Result ImcTile::cp_barrier(const Descriptor& d, uint32_t index) {
  const uint64_t mask = uint64_t(d.w[1]) | uint64_t(d.w[2]) << 32;
  const uint32_t sem = d.w[3];
  if (sem >= kNumSems)
    return Result::error(Error::bad_sem, sem, 3, "SEM " + std::to_string(sem) + " is not 0..15");
  if (!(mask >> index_ & 1))
    return Result::error(Error::bad_tile, index_, index_ < 32 ? 1 : 2,
                         "MASK must include this tile");
  for (unsigned t = 0; t < 64; ++t)
    if ((mask >> t & 1) && t >= peers_)
      return Result::error(
          Error::bad_tile, t, t < 32 ? 1 : 2,
          "MASK names tile " + std::to_string(t) + " (" + std::to_string(peers_) + " tiles)");
  Result r;
  for (unsigned t = 0; t < 64; ++t)
    if ((mask >> t & 1) && !cp_post(t, sem, 1, r)) {
      r.field = 1;
      return r;
    }
  // The posts have completed (dma_copy waited for them); now wait for everyone's. The wait's
  // result has no latency of its own: its time has passed while blocked.
  return cp_wait(sem, static_cast<uint32_t>(std::bitset<64>(mask).count()), index, 3);
}

ImcTile::Result ImcTile::cp_loop(const Descriptor& d, uint32_t index) {
  const uint32_t count = d.w[1], body = d.w[2];
  const auto tail = static_cast<uint32_t>(q_tail_->value());
  if (loop_active_) return Result::error(Error::bad_op, 0, 0, "LOOP inside a LOOP body");
  if (count == 0) return Result::error(Error::bad_batch, 0, 1, "COUNT must be >= 1");
  if (body == 0 || body >= q_size_->value())
    return Result::error(Error::bad_queue, body, 2, "BODY must be 1..Q_SIZE-1");
  if (tail - (index + 1) < body)
    return Result::error(Error::bad_queue, body, 2,
                         "the BODY descriptors are not in the ring yet (Q_TAIL)");
  loop_active_ = true;
  loop_start_ = index + 1;
  loop_end_ = index + 1 + body;
  loop_count_ = count;
  loop_iter_ = 0;
  return {};
}

// ADD32: int32 partial sums of row-split layers (dst = sat32(a + b), 4-byte elements).
ImcTile::Result ImcTile::cp_vec_add32(const Descriptor& d) {
  const uint32_t n = d.w[4];
  const uint64_t len = 4ull * n;
  const uint8_t* a = buffer_at(d.w[1], len);
  const uint8_t* b = buffer_at(d.w[2], len);
  uint8_t* dst = buffer_at(d.w[3], len);
  if (!a)
    return Result::error(Error::bad_dma_range, d.w[1], 1, "A_OFF range is not inside one buffer");
  if (!b)
    return Result::error(Error::bad_dma_range, d.w[2], 2, "B_OFF range is not inside one buffer");
  if (!dst)
    return Result::error(Error::bad_dma_range, d.w[3], 3, "DST_OFF range is not inside one buffer");
  std::vector<int32_t> x(n), y(n), z(n);
  std::memcpy(x.data(), a, len);  // little-endian host, as the buffers
  std::memcpy(y.data(), b, len);
  vec_add32(x.data(), y.data(), z.data(), n);
  std::memcpy(dst, z.data(), len);
  ++q_vec_count_[static_cast<unsigned>(VecOp::add32)];
  q_vec_elements_ += 2ull * n;
  const auto& qc = cfg_.queue;
  // A 32-bit add per element: 0.1 pJ (Horowitz, ISSCC 2014, 45 nm) = ~3 x the 8-bit figure.
  e_vector_ += static_cast<double>(n) * 3.0 * qc.vec_simple_energy_pj;
  buffer_energy(3 * len);
  Result r;
  const uint64_t cycles = (2ull * n + qc.vec_lanes - 1) / qc.vec_lanes;
  r.latency = sc_time(static_cast<double>(cycles) * qc.clock_ns, SC_NS);
  return r;
}

ImcTile::Result ImcTile::cp_vec(const Descriptor& d) {
  const uint32_t sub = d.subop(), n = d.w[4];
  const uint64_t a_off = d.w[1], b_off = d.w[2], dst_off = d.w[3];
  if (sub >= kNumVecOps)
    return Result::error(Error::bad_op, sub, 0, "unknown VEC SUBOP " + std::to_string(sub));
  if (n == 0) return Result::error(Error::bad_batch, 0, 4, "N must be >= 1");
  const auto v = static_cast<VecOp>(sub);
  if (v == VecOp::add32) return cp_vec_add32(d);
  uint64_t a_len = n, elems = n;
  uint32_t k = 1, stride = 0;
  bool mul = false;
  unsigned shift = 0;
  switch (v) {
    case VecOp::add:
      elems = 2ull * n;
      mul = true;
      shift = d.w[7];
      break;
    case VecOp::maxpool:
    case VecOp::avgpool:
      k = d.w[5];
      stride = d.w[6];
      if (k == 0) return Result::error(Error::bad_batch, 0, 5, "K must be >= 1");
      a_len = (uint64_t(k) - 1) * stride + n;
      elems = uint64_t(k) * n;
      break;
    case VecOp::requant:
      a_len = 4ull * n;
      mul = true;
      shift = d.w[7];
      if (d.w[8] & ~1u) return Result::error(Error::bad_op, d.w[8], 8, "unknown REQUANT flag bits");
      break;
    default:
      break;
  }
  if (shift > 62) return Result::error(Error::bad_op, shift, 7, "SHIFT must be 0..62");
  const uint8_t* a = buffer_at(a_off, a_len);
  if (!a)
    return Result::error(Error::bad_dma_range, uint32_t(a_off), 1,
                         "A_OFF range is not inside one buffer");
  const uint8_t* b = nullptr;
  if (v == VecOp::add) {
    b = buffer_at(b_off, n);
    if (!b)
      return Result::error(Error::bad_dma_range, uint32_t(b_off), 2,
                           "B_OFF range is not inside one buffer");
  }
  uint8_t* dst = buffer_at(dst_off, n);
  if (!dst)
    return Result::error(Error::bad_dma_range, uint32_t(dst_off), 3,
                         "DST_OFF range is not inside one buffer");
  std::vector<int8_t> res(n);
  const auto* ai = reinterpret_cast<const int8_t*>(a);
  switch (v) {
    case VecOp::add:
      vec_add(ai, reinterpret_cast<const int8_t*>(b), res.data(), n, d.s(5), d.s(6), shift);
      break;
    case VecOp::relu:
      vec_relu(ai, res.data(), n);
      break;
    case VecOp::maxpool:
      vec_maxpool(ai, res.data(), n, k, stride);
      break;
    case VecOp::avgpool:
      vec_avgpool(ai, res.data(), n, k, stride);
      break;
    case VecOp::requant: {
      std::vector<int32_t> acc(n);
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t u = 0;
        for (int j = 0; j < 4; ++j) u |= uint32_t(a[4ull * i + j]) << (8 * j);
        acc[i] = static_cast<int32_t>(u);
      }
      vec_requant(acc.data(), res.data(), n, d.s(5), shift, d.w[8] & 1);
      break;
    }
    case VecOp::copy:
      std::memcpy(res.data(), a, n);
      break;
    case VecOp::add32:  // returned above (cp_vec_add32: 32-bit operands, another layout)
      break;
  }
  std::memcpy(dst, res.data(), n);
  ++q_vec_count_[sub];
  q_vec_elements_ += elems;
  const auto& qc = cfg_.queue;
  e_vector_ += static_cast<double>(elems) * qc.vec_simple_energy_pj +
               (mul ? static_cast<double>(n) * qc.vec_mul_energy_pj : 0.0);
  buffer_energy(a_len + (b ? n : 0) + n);
  Result r;
  const uint64_t cycles = (elems + qc.vec_lanes - 1) / qc.vec_lanes;
  r.latency = sc_time(static_cast<double>(cycles) * qc.clock_ns, SC_NS);
  return r;
}

}  // namespace imcvp::imc
