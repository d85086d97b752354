// IMC tile: an analog crossbar or digital SRAM compute-in-memory array behind a register
// block, local buffers and a DMA engine, in one 1 MiB window (docs/imc-model.md,
// docs/register-maps.md). Firmware writes a command to CMD; the tile computes it (bit-true
// numerics, modelled latency and energy), reports BUSY until the modelled completion time and
// then sets IRQ_STATUS.DONE (or ERROR with an ERROR_CODE) and raises its interrupt. Commands
// that use the DMA (DMA_IN, DMA_OUT, PROGRAM with W_EXT, MVM/MVM_BATCH with IN_EXT/OUT_EXT) run
// in the tile's own command thread with the registers latched at the CMD write, so the host's
// store returns at once; the DMA engine keeps up to periphery.dma_outstanding bursts in flight.
//
// Window layout (offsets):  0x00000 registers (4 KiB)   0x01000 BIAS (int32 per column)
//   0x02000 SCALE (int32 per column)   0x10000 IN (64 KiB)   0x20000 OUT (128 KiB)
//   0x40000 WBUF (256 KiB: int8 weights, row-major, DIM_ROWS x DIM_COLS); the rest unmapped.
//
// Limits: LT only. A command without DMA produces its results when it is issued, at the
// issuing access's time; a DMA command produces them as its bursts complete (in simulated
// time); BUSY/DONE follow the modelled latency, so firmware must wait for DONE before reading
// results. No DMI into the buffers (every access is counted). Batched MVMs run back to back
// without pipelining; an MVM's input DMA, compute and output DMA do not overlap. DMA moves at
// most the buffer sizes above; the buffers are not locked while a command runs (host writes to
// them during a DMA land as they come).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "models/common/regs.h"
#include "models/common/stats.h"
#include "models/imc/numerics.h"
#include "models/imc/queue_monitor.h"
#include "models/imc/queue_ops.h"
#include "models/imc/tile_config.h"

namespace imcvp::imc {

class ImcTile : public sc_core::sc_module {
 public:
  static constexpr uint64_t kWindowSize = 0x10'0000;
  static constexpr uint64_t kRegsSize = 0x1000;
  static constexpr uint64_t kBiasOffset = 0x1000, kBiasSize = 0x1000;
  static constexpr uint64_t kScaleOffset = 0x2000, kScaleSize = 0x1000;
  static constexpr uint64_t kInOffset = 0x1'0000, kInSize = 0x1'0000;
  static constexpr uint64_t kOutOffset = 0x2'0000, kOutSize = 0x2'0000;
  static constexpr uint64_t kWbufOffset = 0x4'0000, kWbufSize = 0x4'0000;
  static constexpr uint32_t kIdValue = 0x494D4301;  // "IMC", register map version 1

  // Register offsets (docs/register-maps.md; firmware/sdk/include/imcvp/imc.h).
  static constexpr uint64_t kId = 0x00, kInfo = 0x04, kGeometry = 0x08, kCtrl = 0x0C, kCmd = 0x10,
                            kStatus = 0x14, kErrorCode = 0x18, kErrorInfo = 0x1C, kIrqEnable = 0x20,
                            kIrqStatus = 0x24, kDimRows = 0x28, kDimCols = 0x2C, kBatch = 0x30,
                            kShift = 0x34, kSrcAddr = 0x38, kDstAddr = 0x3C, kDmaLocal = 0x40,
                            kDmaLen = 0x44, kAgeS = 0x48, kCalScale = 0x4C, kLastLatencyNs = 0x50,
                            kStuckCells = 0x54, kCommands = 0x58, kNoiseCtrl = 0x5C,
                            kNoiseKey = 0x60;
  // Command processor (docs/command-queues.md).
  static constexpr uint64_t kQBase = 0x80, kQSize = 0x84, kQHead = 0x88, kQTail = 0x8C,
                            kQCtrl = 0x90, kQStatus = 0x94, kQErrIndex = 0x98, kQSignal = 0x9C,
                            kSem0 = 0x100;

  enum class Op : uint32_t {
    nop = 0,
    program = 1,    // WBUF (or SRC_ADDR with CTRL.W_EXT) -> array, write-verify on analog
    mvm = 2,        // IN -> OUT, one vector
    mvm_batch = 3,  // BATCH vectors back to back
    readback = 4,   // array -> WBUF (weights as the devices hold them now)
    calibrate = 5,  // global drift compensation (analog; digital: no-op)
    dma_in = 6,     // SRC_ADDR (global) -> window offset DMA_LOCAL, DMA_LEN bytes
    dma_out = 7,    // window offset DMA_LOCAL -> DST_ADDR (global), DMA_LEN bytes
  };
  static constexpr unsigned kNumOps = 8;

  enum class Error : uint32_t {
    none = 0,
    busy = 1,            // command written while busy (the running command continues)
    bad_op = 2,          // unknown opcode
    bad_dim = 3,         // DIM_ROWS/DIM_COLS zero or beyond the array
    bad_batch = 4,       // BATCH zero or the vectors exceed IN/OUT
    dma = 5,             // bus error on a DMA access; ERROR_INFO = the failing address
    weight_range = 6,    // weight outside the range; ERROR_INFO = its index in WBUF
    cell_worn = 7,       // devices wore out while programming; ERROR_INFO = how many
    bad_dma_range = 8,   // DMA_LOCAL/DMA_LEN outside one buffer, or not 4-byte multiples
    not_programmed = 9,  // MVM/READBACK/CALIBRATE before any PROGRAM
    bad_queue = 10,      // queue registers inconsistent (base alignment, size, tail)
    bad_tile = 11,       // SEND/BARRIER names a tile that does not exist
    bad_pattern = 12,    // LOAD/STORE pattern fields inconsistent
    bad_sem = 13,        // semaphore index out of range
    deadlock = 14,       // a wait no tile can ever satisfy (QueueMonitor)
  };
  static constexpr unsigned kNumErrors = 15;
  static const char* error_name(Error e);

  tlm_utils::simple_target_socket<ImcTile> socket;  // the tile window (offsets)
  tlm_utils::simple_initiator_socket<ImcTile> dma;  // DMA master (global addresses)
  sc_core::sc_out<bool> irq;                        // level: IRQ_STATUS & IRQ_ENABLE != 0

  SC_HAS_PROCESS(ImcTile);
  // index: the tile's number (for messages); seed: the tile's own RNG stream (derive it from
  // the simulation seed with derive_seed(seed, index)). Throws std::invalid_argument for a
  // geometry that does not fit the buffers or an inconsistent configuration.
  ImcTile(sc_core::sc_module_name name, const TileConfig& cfg, unsigned index, uint64_t seed);

  const TileConfig& config() const { return cfg_; }
  regs::RegBank& regs() { return regs_; }
  unsigned index() const { return index_; }
  // Numerics (tests): the analog array is null for digital tiles and vice versa.
  AnalogArray* analog_array() { return analog_.get(); }
  DigitalArray* digital_array() { return digital_.get(); }

  // Throws std::invalid_argument if cfg is not usable; returns normally otherwise.
  static void check_config(const TileConfig& cfg);

  // Where the other tiles are (SEND/BARRIER targets: tile t's window at base + t*stride) and
  // the shared deadlock monitor (may be null: no detection). Call before the simulation.
  void connect_queues(uint64_t tile_base, uint64_t tile_stride, unsigned num_tiles,
                      QueueMonitor* monitor);
  uint32_t semaphore(unsigned k) const { return sems_.at(k); }

 private:
  struct Result {
    Error err = Error::none;
    uint32_t info = 0;
    sc_core::sc_time latency = sc_core::SC_ZERO_TIME;
    unsigned field = 0;  // queue descriptors: the word that is wrong
    std::string why;     // queue descriptors: reason for the log
    static Result error(Error e, uint32_t info, unsigned field = 0, std::string why = {}) {
      Result r;
      r.err = e;
      r.info = info;
      r.field = field;
      r.why = std::move(why);
      return r;
    }
  };

  void b_transport(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& p);
  uint8_t* buffer_at(uint64_t offset, uint64_t len, uint64_t* avail = nullptr);

  void command(uint32_t op, const sc_core::sc_time& at);
  // Registers a command uses, latched when CMD is written (the hardware latches them).
  struct Latched {
    uint64_t ctrl = 0, rows = 0, cols = 0, batch = 0, shift = 0, src = 0, dst = 0, local = 0,
             len = 0;
    uint64_t in_off = kInOffset, out_off = kOutOffset;  // MVM vectors (window offsets)
    uint64_t row0 = 0, col0 = 0;  // MVM sub-array origin (queue MVM words 8, 9)
  };
  Result run(Op op, const sc_core::sc_time& at);
  Result do_program(const sc_core::sc_time& at);
  Result do_mvm(unsigned batch, const sc_core::sc_time& at);
  Result do_readback(const sc_core::sc_time& at);
  Result do_calibrate(const sc_core::sc_time& at);
  Result do_dma(bool in, const sc_core::sc_time& at);
  // DMA between a local buffer and a global address through the dma socket (command thread
  // only: it waits). Starts at at + r.latency, returns when the transfer has completed and sets
  // r.latency to the time since at; on a bus error sets r.err = dma, r.info = the lowest failing
  // address and returns false.
  bool dma_copy(bool to_local, uint8_t* local, uint64_t global, uint64_t len,
                const sc_core::sc_time& at, Result& r);
  // True if op (with the latched CTRL) moves data through the dma socket.
  bool uses_dma(uint32_t op) const;
  Result check_dims() const;
  void finish_at(const sc_core::sc_time& done, Error err, uint32_t info);
  // Completes the pending command if its time has come (t = access or kernel time).
  void sync(const sc_core::sc_time& t);
  bool busy_at(const sc_core::sc_time& t) const { return busy_ && t < done_time_; }
  void complete();
  void raise(unsigned bits);
  void update_irq();
  // Event trace (models/common/trace.h, --trace=imc / irq): cold paths only.
  double energy_sum() const {
    return e_array_ + e_dac_ + e_adc_ + e_digital_ + e_buffers_ + e_programming_ + e_vector_;
  }
  void trace_command(uint32_t op, const sc_core::sc_time& at, const Result& r, double energy_pj);
  int trace_track();
  int trace_track_ = -1, trace_power_ = -1;
  bool trace_irq_ = false;
  double now_s(const sc_core::sc_time& at) const { return at.to_seconds(); }
  void buffer_energy(uint64_t bytes) {
    e_buffers_ += static_cast<double>(bytes) * cfg_.periphery.buffer_energy_pj_per_byte;
  }

  TileConfig cfg_;
  unsigned index_;
  uint64_t seed_;  // the tile's stream seed: NOISE_KEY reseeds rng_ from (seed_, key)
  Rng rng_;
  std::unique_ptr<AnalogArray> analog_;
  std::unique_ptr<DigitalArray> digital_;
  sc_core::sc_time reg_latency_;
  regs::RegBank regs_;
  regs::Reg *ctrl_ = nullptr, *status_ = nullptr, *err_code_ = nullptr, *err_info_ = nullptr,
            *irq_en_ = nullptr, *irq_st_ = nullptr, *dim_rows_ = nullptr, *dim_cols_ = nullptr,
            *batch_ = nullptr, *shift_ = nullptr, *src_ = nullptr, *dst_ = nullptr,
            *dma_local_ = nullptr, *dma_len_ = nullptr, *age_ = nullptr;
  std::vector<uint8_t> bias_, scale_, in_, out_, wbuf_;
  bool programmed_ = false;
  bool in_command_ = false;  // a command is executing (its own DMA may re-enter the tile)

  // Pending completion.
  bool busy_ = false;
  sc_core::sc_time done_time_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time busy_start_ = sc_core::SC_ZERO_TIME;
  Error pending_err_ = Error::none;
  uint32_t pending_info_ = 0;
  uint32_t last_latency_ns_ = 0;
  sc_core::sc_event done_ev_, irq_ev_;
  // Commands that use the DMA execute in the tile's own thread (worker), so a command's DMA
  // waits on the interconnect without blocking the host, and DMA of several tiles overlaps.
  sc_core::sc_event start_ev_;
  uint32_t pending_op_ = 0;
  sc_core::sc_time pending_at_;
  Latched cmd_;  // registers of the running (or last) command
  void worker();
  void execute(uint32_t op, const sc_core::sc_time& at);

  // DMA engine: one transfer at a time (the command thread's), split into bursts that
  // dma_outstanding persistent burst threads issue concurrently (docs/imc-model.md).
  struct Transfer {
    bool active = false, to_local = false, stop = false;
    uint8_t* local = nullptr;
    uint64_t global = 0, len = 0, bursts = 0;
    uint64_t next = 0;      // next burst to claim
    uint64_t finished = 0;  // claimed bursts that completed or were dropped
    uint64_t err_addr = 0;  // lowest failing address (when failed)
    bool failed = false;
    sc_core::sc_time t0;
  };
  Transfer xfer_;
  unsigned in_flight_ = 0;
  sc_core::sc_event burst_ev_;  // work for the burst threads
  sc_core::sc_event abort_ev_;  // a burst failed: stop waiting to issue
  sc_core::sc_event xfer_ev_;   // the transfer's last claimed burst finished
  std::vector<std::unique_ptr<tlm::tlm_generic_payload>> burst_payloads_;
  void burst_worker(unsigned i);
  bool xfer_done() const {
    return xfer_.finished == xfer_.next && (xfer_.stop || xfer_.next == xfer_.bursts);
  }

  // ---- command processor (command_processor.cpp) ----
  regs::Reg *q_base_ = nullptr, *q_size_ = nullptr, *q_tail_ = nullptr, *q_ctrl_ = nullptr;
  uint32_t q_head_ = 0, q_err_index_ = 0, q_signal_ = 0, q_last_err_ = 0;
  // Next descriptor to run; equals q_head_ except inside a LOOP body, whose slots stay
  // unconsumed until the loop ends.
  uint32_t q_fetch_ = 0;
  bool loop_active_ = false;
  uint32_t loop_start_ = 0, loop_end_ = 0, loop_count_ = 0, loop_iter_ = 0;
  bool cp_active_ = false, cp_halted_ = false, cp_waiting_ = false, cp_deadlocked_ = false;
  std::vector<uint32_t> sems_ = std::vector<uint32_t>(queue::kNumSems, 0);
  sc_core::sc_event cp_ev_;   // doorbell, enable, a register command finished
  sc_core::sc_event sem_ev_;  // a semaphore moved (or the monitor failed the wait)
  uint64_t peer_base_ = 0, peer_stride_ = 0;
  unsigned peers_ = 0;
  QueueMonitor* monitor_ = nullptr;
  int monitor_id_ = -1;
  std::string wait_desc_;  // the pending wait, for the deadlock report
  unsigned wait_sem_ = 0;
  uint32_t wait_need_ = 0;
  int queue_track_ = -1;
  void add_queue_registers();
  void add_queue_stats();
  void cp_thread();
  bool cp_has_work() const;
  void cp_run_one();
  Result cp_execute(const queue::Descriptor& d, uint32_t index);
  Result cp_mvm(const queue::Descriptor& d);
  Result cp_transfer(const queue::Descriptor& d, bool load);
  Result cp_send(const queue::Descriptor& d);
  Result cp_wait(uint32_t sem, uint32_t count, uint32_t index, unsigned field);
  Result cp_vec(const queue::Descriptor& d);
  Result cp_vec_add32(const queue::Descriptor& d);
  Result cp_program(const queue::Descriptor& d);
  Result cp_barrier(const queue::Descriptor& d, uint32_t index);
  Result cp_loop(const queue::Descriptor& d, uint32_t index);
  // Adds inc to tile t's SEM[k] through the DMA (a 4-byte write; t may be this tile).
  bool cp_post(unsigned t, unsigned k, uint32_t inc, Result& r);
  void sem_add(unsigned k, uint32_t v, const sc_core::sc_time& delay);
  uint64_t tile_addr(unsigned t) const { return peer_base_ + uint64_t(t) * peer_stride_; }
  static bool window_range_ok(uint64_t off, uint64_t len);
  uint64_t q_descriptors_ = 0, q_errors_ = 0, q_sends_bytes_ = 0, q_sem_posts_ = 0,
           q_vec_elements_ = 0, q_pad_bytes_ = 0, q_local_bytes_ = 0;
  uint64_t q_op_count_[queue::kNumQOps] = {};
  uint64_t q_vec_count_[queue::kNumVecOps] = {};
  double q_wait_ns_ = 0.0, q_active_ns_ = 0.0, q_fetch_ns_ = 0.0;
  double e_vector_ = 0.0;

  // Stats.
  uint64_t commands_ = 0, mvms_ = 0, macs_ = 0, adc_conversions_ = 0, dac_conversions_ = 0,
           dac_saturations_ = 0, adc_saturations_ = 0, cells_written_ = 0, program_pulses_ = 0,
           verify_iterations_ = 0, worn_out_ = 0, errors_ = 0, dma_bytes_read_ = 0,
           dma_bytes_written_ = 0, reg_accesses_ = 0, buffer_accesses_ = 0, irqs_ = 0,
           dma_bursts_ = 0, dma_peak_outstanding_ = 0;
  uint64_t op_count_[kNumOps] = {};
  uint64_t error_count_[kNumErrors] = {};
  double busy_ns_ = 0.0;
  double e_array_ = 0.0, e_dac_ = 0.0, e_adc_ = 0.0, e_digital_ = 0.0, e_buffers_ = 0.0,
         e_programming_ = 0.0;
  double stats_epoch_ns_ = 0.0;  // sim time of the last stats reset
  // Simulated time since the last stats reset (ns): the denominator of utilisation, idle time,
  // static energy and throughput.
  double ns_since_stats_reset() const {
    return sc_core::sc_time_stamp().to_seconds() * 1e9 - stats_epoch_ns_;
  }
  stats::Group stats_{name()};
};

}  // namespace imcvp::imc
