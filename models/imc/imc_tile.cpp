#include "models/imc/imc_tile.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "models/common/sim_time.h"
#include "models/common/trace.h"

namespace imcvp::imc {

using regs::Access;
using regs::AccessCtx;
using regs::Reg;
using sc_core::SC_NS;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
constexpr unsigned kIrqDone = 1, kIrqError = 2, kIrqAll = 0x3F;
// CTRL bits.
constexpr uint64_t kSignedIn = 1 << 0, kBias = 1 << 1, kRelu = 1 << 2, kRequant = 1 << 3,
                   kInExt = 1 << 4, kOutExt = 1 << 5, kWExt = 1 << 6;
const char* const kOpNames[ImcTile::kNumOps] = {"nop",      "program",   "mvm",    "mvm_batch",
                                                "readback", "calibrate", "dma_in", "dma_out"};
int32_t load_i32(const uint8_t* p) {
  uint32_t v = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  return static_cast<int32_t>(v);
}
void store_i32(uint8_t* p, int32_t v) {
  auto u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(u >> (8 * i));
}
bool ideal(const TileConfig& c) {
  if (!c.analog()) return true;
  const auto& n = c.nonideal;
  return !n.programming_noise && !n.drift && !n.read_noise && n.stuck_on_rate == 0 &&
         n.stuck_off_rate == 0 && !n.ir_drop && c.adc.bits == 0;
}
}  // namespace

const char* ImcTile::error_name(Error e) {
  switch (e) {
    case Error::none:
      return "none";
    case Error::busy:
      return "busy";
    case Error::bad_op:
      return "bad_op";
    case Error::bad_dim:
      return "bad_dim";
    case Error::bad_batch:
      return "bad_batch";
    case Error::dma:
      return "dma";
    case Error::weight_range:
      return "weight_range";
    case Error::cell_worn:
      return "cell_worn";
    case Error::bad_dma_range:
      return "bad_dma_range";
    case Error::not_programmed:
      return "not_programmed";
    case Error::bad_queue:
      return "bad_queue";
    case Error::bad_tile:
      return "bad_tile";
    case Error::bad_pattern:
      return "bad_pattern";
    case Error::bad_sem:
      return "bad_sem";
    case Error::deadlock:
      return "deadlock";
  }
  return "unknown";
}

void ImcTile::check_config(const TileConfig& c) {
  auto bad = [](const std::string& m) { throw std::invalid_argument(m); };
  if (c.kind != "analog" && c.kind != "digital") bad("kind must be analog or digital");
  if (c.rows < 1 || c.rows > 1024 || c.cols < 1 || c.cols > 1024)
    bad("rows and cols must be in [1, 1024]");
  if (uint64_t(c.rows) * c.cols > kWbufSize)
    bad("rows x cols = " + std::to_string(uint64_t(c.rows) * c.cols) +
        " exceeds the weight buffer (" + std::to_string(kWbufSize) + " B)");
  if (c.weight_bits < 2 || c.weight_bits > 8) bad("weight_bits must be in [2, 8]");
  if (c.input_bits < 1 || c.input_bits > 8) bad("input_bits must be in [1, 8]");
  if (c.analog()) {
    if (!(c.device.g_max_us > c.device.g_min_us) || c.device.g_min_us < 0)
      bad("device: need 0 <= g_min_us < g_max_us");
    if (c.nonideal.stuck_on_rate + c.nonideal.stuck_off_rate > 1.0)
      bad("nonideal: stuck_on_rate + stuck_off_rate exceeds 1");
    if (c.device.devices_per_weight < 1) bad("device.devices_per_weight must be >= 1");
    if (c.device.bits_per_cell > 7) bad("device.bits_per_cell must be in [0, 7]");
    if (c.dac.bits_per_phase < 1 || c.dac.bits_per_phase > 8)
      bad("dac.bits_per_phase must be in [1, 8]");
    if (auto e = c.slicing_error(); !e.empty()) bad(e);
  }
  if (c.adc.count < 1) bad("adc.count must be >= 1");
  if (auto e = energy_config_error(c); !e.empty()) bad(e);
  if (c.periphery.dma_burst_bytes < 1) bad("periphery.dma_burst_bytes must be >= 1");
  if (!(c.periphery.dma_bytes_per_ns > 0)) bad("periphery.dma_bytes_per_ns must be > 0");
  if (c.periphery.dma_outstanding < 1 || c.periphery.dma_outstanding > 64)
    bad("periphery.dma_outstanding must be in [1, 64]");
}

ImcTile::ImcTile(sc_core::sc_module_name name, const TileConfig& cfg, unsigned index, uint64_t seed)
    : sc_module(name),
      socket("socket"),
      dma("dma"),
      irq("irq"),
      cfg_(cfg),
      index_(index),
      seed_(seed),
      rng_(seed),
      reg_latency_(cfg.periphery.reg_latency_ns, SC_NS),
      regs_(this->name()) {
  try {
    check_config(cfg_);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(this->name()) + ": " + e.what());
  }
  // Digital energies and delays from the nodes their sources give them at to area.node_nm
  // (docs/imc-model.md, "Technology node").
  cfg_ = at_node(cfg_);
  if (cfg_.analog())
    analog_ = std::make_unique<AnalogArray>(cfg_, rng_);
  else
    digital_ = std::make_unique<DigitalArray>(cfg_.rows, cfg_.cols);
  bias_.assign(kBiasSize, 0);
  scale_.assign(kScaleSize, 0);
  in_.assign(kInSize, 0);
  out_.assign(kOutSize, 0);
  wbuf_.assign(kWbufSize, 0);

  socket.register_b_transport(this, &ImcTile::b_transport);
  socket.register_transport_dbg(this, &ImcTile::transport_dbg);

  auto at = [](const AccessCtx& c) { return sc_core::sc_time_stamp() + c.delay; };
  auto synced = [this, at](Reg& r, const AccessCtx& c) -> uint64_t {
    if (!c.debug) sync(at(c));
    return r.value();
  };

  regs_.add("ID", kId, 4, kIdValue, Access::ro, "Identification: 0x494D4301 ('IMC', map v1)");
  uint64_t info = (cfg_.analog() ? 0 : 1) | (ideal(cfg_) ? 2 : 0) |
                  (uint64_t(cfg_.input_bits) << 8) | (uint64_t(cfg_.weight_bits) << 12) |
                  (uint64_t(cfg_.analog() ? cfg_.adc.bits : 0) << 16);
  regs_.add("INFO", kInfo, 4, info, Access::ro, "Tile kind and number formats")
      .field("DIGITAL", 0, 1, Access::ro, "0: analog crossbar, 1: digital SRAM-IMC")
      .field("IDEAL", 1, 1, Access::ro,
             "1: results are exact (digital, or analog with every non-ideality off)")
      .field("INPUT_BITS", 8, 4, Access::ro, "input element width")
      .field("WEIGHT_BITS", 12, 4, Access::ro, "weight width")
      .field("ADC_BITS", 16, 5, Access::ro, "ADC resolution (0: ideal or digital)");
  regs_
      .add("GEOMETRY", kGeometry, 4, uint64_t(cfg_.rows) | uint64_t(cfg_.cols) << 16, Access::ro,
           "Array size")
      .field("ROWS", 0, 16, Access::ro, "rows (inputs)")
      .field("COLS", 16, 16, Access::ro, "columns (outputs)");
  ctrl_ = &regs_.add("CTRL", kCtrl, 4, kSignedIn, Access::rw, "Operation options")
               .field("SIGNED_IN", 0, 1, Access::rw, "inputs are int8 (else uint8)")
               .field("BIAS", 1, 1, Access::rw, "add BIAS[j] to each accumulator")
               .field("RELU", 2, 1, Access::rw, "ReLU after the bias")
               .field("REQUANT", 3, 1, Access::rw,
                      "requantise to int8: (acc*SCALE[j] + 2^(SHIFT-1)) >> SHIFT, saturated")
               .field("IN_EXT", 4, 1, Access::rw, "MVM: DMA the inputs from SRC_ADDR first")
               .field("OUT_EXT", 5, 1, Access::rw, "MVM: DMA the outputs to DST_ADDR after")
               .field("W_EXT", 6, 1, Access::rw, "PROGRAM: DMA the weights from SRC_ADDR first");
  regs_.add("CMD", kCmd, 4, 0, Access::wo, "Write an opcode to start a command")
      .field("OP", 0, 4, Access::wo,
             "1 PROGRAM, 2 MVM, 3 MVM_BATCH, 4 READBACK, 5 CALIBRATE, 6 DMA_IN, 7 DMA_OUT")
      .on_write([this, at](Reg& r, uint64_t, const AccessCtx& c) {
        uint32_t op = static_cast<uint32_t>(r.value() & 0xF);
        r.set(0);
        if (!c.debug) command(op, at(c));
      });
  status_ = &regs_.add("STATUS", kStatus, 4, 0, Access::ro, "Command state")
                 .field("BUSY", 0, 1, Access::ro, "a command is running")
                 .field("ERROR", 1, 1, Access::ro, "ERROR_CODE is not zero")
                 .on_read([this, at](Reg&, const AccessCtx& c) -> uint64_t {
                   sc_time t = c.debug ? sc_core::sc_time_stamp() : at(c);
                   if (!c.debug) sync(t);
                   return (busy_at(t) ? 1u : 0u) | (err_code_->value() ? 2u : 0u);
                 });
  err_code_ = &regs_
                   .add("ERROR_CODE", kErrorCode, 4, 0, Access::ro,
                        "Error of the last command (0 none; cleared when a command starts)")
                   .field("CODE", 0, 8, Access::ro,
                          "1 busy, 2 bad_op, 3 bad_dim, 4 bad_batch, 5 dma, 6 weight_range, "
                          "7 cell_worn, 8 bad_dma_range, 9 not_programmed (queue errors: "
                          "docs/command-queues.md)")
                   .on_read(synced);
  err_info_ = &regs_
                   .add("ERROR_INFO", kErrorInfo, 4, 0, Access::ro,
                        "Detail of the error: failing address, weight index, worn devices, op")
                   .on_read(synced);
  auto irq_changed = [this](Reg&, uint64_t, const AccessCtx& c) {
    if (!c.debug) irq_ev_.notify(c.delay);
  };
  irq_en_ =
      &regs_.add("IRQ_ENABLE", kIrqEnable, 4, 0, Access::rw, "Interrupt enables")
           .field("DONE", 0, 1, Access::rw, "command finished")
           .field("ERROR", 1, 1, Access::rw, "command failed")
           .field("Q_DONE", 2, 1, Access::rw, "queue: a descriptor with the IRQ flag finished")
           .field("Q_ERROR", 3, 1, Access::rw, "queue: a descriptor failed")
           .field("Q_EMPTY", 4, 1, Access::rw, "queue: the ring drained (Q_CTRL.IRQ_EMPTY)")
           .field("Q_SIGNAL", 5, 1, Access::rw, "queue: a SIGNAL descriptor ran")
           .on_write(irq_changed);
  irq_st_ =
      &regs_
           .add("IRQ_STATUS", kIrqStatus, 4, 0, Access::rw,
                "Interrupt status (write 1 to clear); irq = IRQ_STATUS & IRQ_ENABLE")
           .field("DONE", 0, 1, Access::w1c, "command finished (with or without error)")
           .field("ERROR", 1, 1, Access::w1c, "command failed or was rejected")
           .field("Q_DONE", 2, 1, Access::w1c, "queue: a descriptor with the IRQ flag finished")
           .field("Q_ERROR", 3, 1, Access::w1c, "queue: a descriptor failed")
           .field("Q_EMPTY", 4, 1, Access::w1c, "queue: the ring drained")
           .field("Q_SIGNAL", 5, 1, Access::w1c, "queue: a SIGNAL descriptor ran")
           .on_read(synced)
           .on_write(irq_changed);
  dim_rows_ = &regs_.add("DIM_ROWS", kDimRows, 4, cfg_.rows, Access::rw,
                         "Active rows (inputs) of PROGRAM/MVM/READBACK, 1..ROWS");
  dim_cols_ = &regs_.add("DIM_COLS", kDimCols, 4, cfg_.cols, Access::rw,
                         "Active columns (outputs), 1..COLS");
  batch_ = &regs_.add("BATCH", kBatch, 4, 1, Access::rw, "Vectors of MVM_BATCH");
  shift_ = &regs_.add("SHIFT", kShift, 4, 0, Access::rw, "Requantisation shift")
                .field("SHIFT", 0, 6, Access::rw, "right shift 0..63");
  src_ = &regs_.add("SRC_ADDR", kSrcAddr, 4, 0, Access::rw,
                    "Global source address (IN_EXT, W_EXT, DMA_IN)");
  dst_ = &regs_.add("DST_ADDR", kDstAddr, 4, 0, Access::rw,
                    "Global destination address (OUT_EXT, DMA_OUT)");
  dma_local_ = &regs_.add("DMA_LOCAL", kDmaLocal, 4, 0, Access::rw,
                          "Window offset of the local buffer of DMA_IN/DMA_OUT");
  dma_len_ = &regs_.add("DMA_LEN", kDmaLen, 4, 0, Access::rw, "Bytes of DMA_IN/DMA_OUT");
  age_ = &regs_
              .add("AGE_S", kAgeS, 4, static_cast<uint64_t>(cfg_.nonideal.extra_age_s), Access::rw,
                   "Extra device age in seconds added to the time since PROGRAM")
              .on_write([this](Reg& r, uint64_t, const AccessCtx& c) {
                if (!c.debug && analog_) analog_->set_extra_age_s(static_cast<double>(r.value()));
              });
  regs_
      .add("CAL_SCALE", kCalScale, 4, 1u << 16, Access::ro,
           "Drift compensation factor of the last CALIBRATE, unsigned Q16.16")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t {
        double a = analog_ ? analog_->alpha() : 1.0;
        return static_cast<uint64_t>(std::clamp(a * 65536.0, 0.0, 4294967295.0));
      });
  regs_
      .add("LAST_LATENCY_NS", kLastLatencyNs, 4, 0, Access::ro,
           "Modelled latency of the last command in ns (saturates)")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t { return last_latency_ns_; });
  regs_.add("STUCK_CELLS", kStuckCells, 4, 0, Access::ro, "Devices stuck (faults and wear-out)")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t {
        return analog_ ? std::min<uint64_t>(analog_->stuck_devices(), 0xFFFFFFFFu) : 0;
      });
  regs_.add("COMMANDS", kCommands, 4, 0, Access::ro, "Commands written to CMD (saturates)")
      .on_read([this](Reg&, const AccessCtx&) -> uint64_t {
        return std::min<uint64_t>(commands_, 0xFFFFFFFFu);
      });
  // Per-input determinism (docs/compiler.md, "Running at scale"): results that do not depend
  // on which inputs ran before in the same simulation, nor on when.
  regs_.add("NOISE_CTRL", kNoiseCtrl, 4, 0, Access::rw, "Noise and drift evaluation options")
      .field("PIN_AGE", 0, 1, Access::rw,
             "device age = AGE_S alone (the simulated time since PROGRAM is ignored)")
      .on_write([this](Reg& r, uint64_t, const AccessCtx& c) {
        if (!c.debug && analog_) analog_->set_age_pinned(r.value() & 1u);
      });
  regs_
      .add("NOISE_KEY", kNoiseKey, 4, 0, Access::rw,
           "Writing K restarts the tile's noise stream at (seed, tile, K)")
      .on_write([this](Reg& r, uint64_t, const AccessCtx& c) {
        if (!c.debug) rng_ = Rng(derive_seed(seed_, 0x4E4F4953ull << 32 | r.value()));
      });

  add_queue_registers();

  SC_THREAD(worker);
  SC_THREAD(cp_thread);
  // The DMA engine's burst threads: persistent, one per outstanding burst.
  for (unsigned i = 0; i < cfg_.periphery.dma_outstanding; ++i) {
    burst_payloads_.push_back(std::make_unique<tlm::tlm_generic_payload>());
    sc_core::sc_spawn_options opt;
    sc_core::sc_spawn([this, i] { burst_worker(i); }, ("dma_burst_" + std::to_string(i)).c_str(),
                      &opt);
  }
  SC_METHOD(complete);
  sensitive << done_ev_;
  dont_initialize();
  SC_METHOD(update_irq);
  sensitive << irq_ev_;

  auto& s = stats_;
  s.counter("commands", commands_, "count", "Commands written to CMD");
  for (unsigned i = 1; i < kNumOps; ++i)
    s.counter(std::string("ops.") + kOpNames[i], op_count_[i], "count", "Commands of this kind");
  s.counter("mvms", mvms_, "count", "Matrix-vector multiplies (vectors)");
  s.counter("macs", macs_, "count", "Multiply-accumulates");
  s.counter("dac_conversions", dac_conversions_, "count", "Input DAC conversions (analog)");
  s.counter("dac_saturations", dac_saturations_, "count", "Inputs clamped to the input range");
  s.counter("adc_conversions", adc_conversions_, "count", "Column ADC conversions (analog)");
  s.counter("adc_saturations", adc_saturations_, "count",
            "ADC conversions clamped at the bound (bit-serial: one per clamped plane)");
  s.counter("cells_written", cells_written_, "count", "Weights (cells) programmed");
  s.counter("program_pulses", program_pulses_, "count", "Device programming pulses");
  s.counter("verify_iterations", verify_iterations_, "count", "Write-verify reads (per device)");
  s.counter("worn_out_devices", worn_out_, "count", "Devices that wore out (now stuck)");
  s.constant(
      "stuck_devices",
      [this] { return analog_ ? static_cast<double>(analog_->stuck_devices()) : 0.0; }, "count",
      "Devices stuck now (faults and wear-out)");
  s.counter("errors", errors_, "count", "Commands that ended with an error");
  for (unsigned i = 1; i < kNumErrors; ++i)
    s.counter(std::string("errors_by_code.") + error_name(static_cast<Error>(i)), error_count_[i],
              "count", "Errors of this kind");
  s.counter("irqs", irqs_, "count", "Interrupt status bits raised");
  s.counter("dma_bytes_read", dma_bytes_read_, "B", "Bytes the DMA read from the bus");
  s.counter("dma_bytes_written", dma_bytes_written_, "B", "Bytes the DMA wrote to the bus");
  s.counter("dma_bursts", dma_bursts_, "count", "DMA bus transactions (bursts) issued");
  s.counter("dma_peak_outstanding", dma_peak_outstanding_, "count",
            "Most DMA bursts in flight at once (limit: periphery.dma_outstanding)");
  s.counter("register_accesses", reg_accesses_, "count", "Bus accesses to registers");
  s.counter("buffer_accesses", buffer_accesses_, "count", "Bus accesses to the buffers");
  s.value("busy_time", busy_ns_, "ns", "Time spent executing commands");
  s.formula(
      "utilisation",
      [this] {
        double el = ns_since_stats_reset();
        return el > 0 ? busy_ns_ / el : 0.0;
      },
      "ratio", "busy_time / simulated time since the last stats reset");
  s.value("energy.array", e_array_, "pJ", "Array energy (analog cell reads, digital MACs)",
          stats::EnergyKind::imc_array);
  s.value("energy.dac", e_dac_, "pJ", "Input DAC/driver energy", stats::EnergyKind::dac);
  s.value("energy.adc", e_adc_, "pJ", "Column ADC energy", stats::EnergyKind::adc);
  s.value("energy.digital", e_digital_, "pJ", "Post-processing (bias, ReLU, requantisation)",
          stats::EnergyKind::digital_periphery);
  s.value("energy.buffers", e_buffers_, "pJ", "Local buffer accesses", stats::EnergyKind::buffers);
  s.value("energy.programming", e_programming_, "pJ", "Weight programming and verify",
          stats::EnergyKind::programming);
  // Static power of the tile's CMOS (docs/imc-model.md, "Static power"), accrued over the
  // simulated time since the last stats reset.
  const TileArea ar = tile_area(cfg_, kBiasSize + kScaleSize + kInSize + kOutSize + kWbufSize);
  const double p_static_mw = tile_leakage_mw(cfg_, ar);
  auto e_static = [this, p_static_mw] {
    const double el = ns_since_stats_reset();
    return el > 0 ? p_static_mw * el : 0.0;  // mW x ns = pJ
  };
  s.constant(
      "power.static", [p_static_mw] { return p_static_mw; }, "mW",
      "Static (leakage) power of the tile's CMOS at area.node_nm");
  s.formula("energy.static", e_static, "pJ", "Static (leakage) energy since the stats reset",
            stats::EnergyKind::imc_leakage, true);
  auto dynamic = [this] {
    return e_array_ + e_dac_ + e_adc_ + e_digital_ + e_buffers_ + e_programming_ + e_vector_;
  };
  auto total = [dynamic, e_static] { return dynamic() + e_static(); };
  s.formula("energy.dynamic", dynamic, "pJ", "Sum of the tile's dynamic energy parts");
  s.formula("energy.total", total, "pJ", "Dynamic plus static energy of the tile");
  s.formula(
      "tops",
      [this] {
        double el_ns = ns_since_stats_reset();
        return el_ns > 0 ? 2.0 * static_cast<double>(macs_) / el_ns / 1e3 : 0.0;
      },
      "TOPS", "Operations (2 per MAC) per second over the run, 1e12/s");
  s.formula(
      "tops_per_w",
      [this, total] {
        double e = total();
        return e > 0 ? 2.0 * static_cast<double>(macs_) / (e * 1e-12) / 1e12 : 0.0;
      },
      "TOPS/W", "Operations per joule of tile energy, 1e12/J");
  s.formula(
      "pj_per_mac", [this, total] { return macs_ ? total() / static_cast<double>(macs_) : 0.0; },
      "pJ", "Tile energy per MAC");
  // Area and efficiency at two levels (docs/imc-model.md, Area and efficiency): the macro is
  // array + DACs + ADCs (analog) or the digital CIM array, as published macro figures count
  // it; the tile adds post-processing, buffers, vector unit and the periphery, without
  // weight programming.
  s.constant(
      "area.array", [ar] { return ar.array; }, "mm^2", "Memory array (cells or SRAM CIM)");
  s.constant(
      "area.dac", [ar] { return ar.dac; }, "mm^2", "Row drivers / DACs (analog)");
  s.constant(
      "area.adc", [ar] { return ar.adc; }, "mm^2", "Column ADCs (analog)");
  s.constant(
      "area.buffers", [ar] { return ar.buffers; }, "mm^2", "Local SRAM buffers");
  s.constant(
      "area.periphery", [ar] { return ar.periphery; }, "mm^2",
      "Post-processing, vector unit, DMA, command processor, registers");
  s.constant(
      "area.macro", [ar] { return ar.macro(); }, "mm^2", "Macro: array + DACs + ADCs");
  s.constant(
      "area.total", [ar] { return ar.total(); }, "mm^2", "Tile area");
  const double peak = peak_tops(cfg_);
  s.constant(
      "efficiency.peak_tops", [peak] { return peak; }, "TOPS",
      "Peak throughput of back-to-back full-array MVMs (2 ops per MAC)");
  auto ops_per_w = [this](double e_pj) {
    return e_pj > 0 ? 2.0 * static_cast<double>(macs_) / (e_pj * 1e-12) / 1e12 : 0.0;
  };
  s.formula(
      "efficiency.macro.tops_per_w",
      [this, ops_per_w] { return ops_per_w(e_array_ + e_dac_ + e_adc_); }, "TOPS/W",
      "Operations per joule of macro energy (array + DAC + ADC)");
  s.constant(
      "efficiency.macro.tops_per_mm2", [peak, ar] { return peak / ar.macro(); }, "TOPS/mm^2",
      "Peak throughput per macro area");
  s.formula(
      "efficiency.tile.tops_per_w",
      [this, ops_per_w, dynamic] { return ops_per_w(dynamic() - e_programming_); }, "TOPS/W",
      "Operations per joule of dynamic tile energy without weight programming");
  s.formula(
      "efficiency.tile.tops_per_w_with_static",
      [this, ops_per_w, dynamic, e_static] {
        return ops_per_w(dynamic() - e_programming_ + e_static());
      },
      "TOPS/W", "As tops_per_w with the tile's static energy over the run");
  s.constant(
      "efficiency.tile.tops_per_mm2", [peak, ar] { return peak / ar.total(); }, "TOPS/mm^2",
      "Peak throughput per tile area");
  s.on_reset([this] { stats_epoch_ns_ = sc_core::sc_time_stamp().to_seconds() * 1e9; });
  add_queue_stats();
}

// ---- bus side ----

uint8_t* ImcTile::buffer_at(uint64_t offset, uint64_t len, uint64_t* avail) {
  struct B {
    uint64_t off, size;
    std::vector<uint8_t>* v;
  };
  const B bufs[] = {{kBiasOffset, kBiasSize, &bias_},
                    {kScaleOffset, kScaleSize, &scale_},
                    {kInOffset, kInSize, &in_},
                    {kOutOffset, kOutSize, &out_},
                    {kWbufOffset, kWbufSize, &wbuf_}};
  for (const auto& b : bufs) {
    if (offset >= b.off && offset < b.off + b.size) {
      if (avail) *avail = b.off + b.size - offset;
      if (len > b.off + b.size - offset) return nullptr;
      return b.v->data() + (offset - b.off);
    }
  }
  return nullptr;
}

void ImcTile::b_transport(tlm::tlm_generic_payload& p, sc_time& delay) {
  const uint64_t addr = p.get_address();
  if (addr < kRegsSize) {
    ++reg_accesses_;
    regs_.transport(p, delay);
    delay += reg_latency_;
    return;
  }
  ++buffer_accesses_;
  const unsigned len = p.get_data_length();
  delay += reg_latency_;
  if (p.get_byte_enable_ptr()) {
    p.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  if (p.get_streaming_width() < len) {
    p.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  uint8_t* b = buffer_at(addr, len);
  if (!b || len == 0) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (p.is_read())
    std::memcpy(p.get_data_ptr(), b, len);
  else if (p.is_write())
    std::memcpy(b, p.get_data_ptr(), len);
  buffer_energy(len);
  p.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned ImcTile::transport_dbg(tlm::tlm_generic_payload& p) {
  const uint64_t addr = p.get_address();
  if (addr < kRegsSize) return regs_.transport_dbg(p);
  const unsigned len = p.get_data_length();
  uint64_t avail = 0;
  uint8_t* b = buffer_at(addr, 0, &avail);
  if (!b) {
    p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  unsigned n = static_cast<unsigned>(std::min<uint64_t>(len, avail));
  if (p.is_read())
    std::memcpy(p.get_data_ptr(), b, n);
  else if (p.is_write())
    std::memcpy(b, p.get_data_ptr(), n);
  else
    return 0;
  p.set_response_status(tlm::TLM_OK_RESPONSE);
  return n;
}

// ---- commands ----

void ImcTile::command(uint32_t op, const sc_time& at) {
  sync(at);
  ++commands_;
  if (busy_at(at) || in_command_ || cp_active_) {
    // The running command continues; the rejected one only reports.
    err_code_->set(static_cast<uint64_t>(Error::busy));
    err_info_->set(op);
    ++errors_;
    ++error_count_[static_cast<unsigned>(Error::busy)];
    irq_st_->set(irq_st_->value() | kIrqError);
    ++irqs_;
    irq_ev_.notify(at > sc_core::sc_time_stamp() ? at - sc_core::sc_time_stamp() : SC_ZERO_TIME);
    if (trace::on(trace::kImc))
      trace::Tracer::get().instant(
          trace_track(), "rejected (busy)", to_ns(at),
          trace::Args().str("op", op < kNumOps ? kOpNames[op] : "?").num("opcode", op).str());
    return;
  }
  err_code_->set(0);
  err_info_->set(0);
  // The hardware latches the registers a command uses when CMD is written.
  cmd_.ctrl = ctrl_->value();
  cmd_.rows = dim_rows_->value();
  cmd_.cols = dim_cols_->value();
  cmd_.batch = batch_->value();
  cmd_.shift = shift_->value();
  cmd_.src = src_->value();
  cmd_.dst = dst_->value();
  cmd_.local = dma_local_->value();
  cmd_.len = dma_len_->value();
  cmd_.in_off = kInOffset;
  cmd_.out_off = kOutOffset;
  cmd_.row0 = cmd_.col0 = 0;
  if (uses_dma(op)) {
    // Runs in the tile's worker thread: the DMA may wait on the interconnect (NoC) without
    // blocking the host's CMD store, and DMA of several tiles overlaps.
    busy_ = true;
    done_time_ = sc_core::sc_max_time();  // busy until the worker finishes
    in_command_ = true;
    pending_op_ = op;
    pending_at_ = at;
    const sc_time now = sc_core::sc_time_stamp();
    start_ev_.notify(at > now ? at - now : SC_ZERO_TIME);
    return;
  }
  execute(op, at);
}

bool ImcTile::uses_dma(uint32_t op) const {
  switch (static_cast<Op>(op)) {
    case Op::dma_in:
    case Op::dma_out:
      return true;
    case Op::program:
      return (cmd_.ctrl & kWExt) != 0;
    case Op::mvm:
    case Op::mvm_batch:
      return (cmd_.ctrl & (kInExt | kOutExt)) != 0;
    default:
      return false;
  }
}

void ImcTile::worker() {
  while (true) {
    wait(start_ev_);
    execute(pending_op_, pending_at_);
  }
}

void ImcTile::execute(uint32_t op, const sc_time& at) {
  const double e0 = trace::on(trace::kImc) ? energy_sum() : 0.0;
  Result r;
  in_command_ = true;
  if (op >= kNumOps) {
    r.err = Error::bad_op;
    r.info = op;
  } else {
    ++op_count_[op];
    // In the worker, r.latency includes the time the DMA has already waited.
    r = run(static_cast<Op>(op), at);
  }
  in_command_ = false;
  r.latency += reg_latency_;
  busy_ns_ += r.latency.to_seconds() * 1e9;
  last_latency_ns_ =
      static_cast<uint32_t>(std::min(std::llround(r.latency.to_seconds() * 1e9), 0xFFFFFFFFll));
  finish_at(at + r.latency, r.err, r.info);
  if (trace::on(trace::kImc)) trace_command(op, at, r, energy_sum() - e0);
}

int ImcTile::trace_track() {
  if (trace_track_ < 0)
    trace_track_ = trace::Tracer::get().track(trace::kImc, name(), static_cast<int>(index_));
  return trace_track_;
}

void ImcTile::trace_command(uint32_t op, const sc_time& at, const Result& r, double energy_pj) {
  auto& tr = trace::Tracer::get();
  const double t0 = to_ns(at), dur = to_ns(r.latency);
  trace::Args a;
  a.num("opcode", op).num("rows", cmd_.rows).num("cols", cmd_.cols).num("energy_pj", energy_pj);
  if (op == static_cast<uint32_t>(Op::mvm_batch)) a.num("batch", cmd_.batch);
  if (r.err != Error::none) a.str("error", error_name(r.err)).num("error_info", r.info);
  tr.complete(trace_track(), op < kNumOps ? kOpNames[op] : "bad_op", t0, dur, a.str());
  if (trace_power_ < 0) trace_power_ = tr.rate(trace::kImc, std::string(name()) + " power (mW)");
  tr.rate_add_span(trace_power_, t0, dur, energy_pj);  // pJ/ns = mW
}

void ImcTile::finish_at(const sc_time& done, Error err, uint32_t info) {
  busy_ = true;
  done_time_ = done;
  pending_err_ = err;
  pending_info_ = info;
  const sc_time now = sc_core::sc_time_stamp();
  done_ev_.notify(done > now ? done - now : SC_ZERO_TIME);
}

void ImcTile::sync(const sc_time& t) {
  if (!busy_ || t < done_time_) return;
  busy_ = false;
  unsigned bits = kIrqDone;
  if (pending_err_ != Error::none) {
    err_code_->set(static_cast<uint64_t>(pending_err_));
    err_info_->set(pending_info_);
    ++errors_;
    ++error_count_[static_cast<unsigned>(pending_err_)];
    bits |= kIrqError;
  }
  irq_st_->set(irq_st_->value() | bits);
  ++irqs_;
  const sc_time now = sc_core::sc_time_stamp();
  irq_ev_.notify(done_time_ > now ? done_time_ - now : SC_ZERO_TIME);
}

void ImcTile::complete() {
  sync(sc_core::sc_time_stamp());
  cp_ev_.notify(SC_ZERO_TIME);  // a queue waiting for the register command may start
}

void ImcTile::update_irq() {
  sync(sc_core::sc_time_stamp());
  const bool level = (irq_st_->value() & irq_en_->value() & kIrqAll) != 0;
  irq.write(level);
  if (trace::on(trace::kIrq) && level != trace_irq_) {
    trace_irq_ = level;
    trace::Tracer::get().counter(trace::kIrq, std::string(name()) + ".irq",
                                 to_ns(sc_core::sc_time_stamp()), level ? 1.0 : 0.0);
  }
}

ImcTile::Result ImcTile::run(Op op, const sc_time& at) {
  switch (op) {
    case Op::nop:
      return {};
    case Op::program:
      return do_program(at);
    case Op::mvm:
      return do_mvm(1, at);
    case Op::mvm_batch:
      return do_mvm(static_cast<unsigned>(std::min<uint64_t>(cmd_.batch, 0xFFFFFFFFu)), at);
    case Op::readback:
      return do_readback(at);
    case Op::calibrate:
      return do_calibrate(at);
    case Op::dma_in:
      return do_dma(true, at);
    case Op::dma_out:
      return do_dma(false, at);
  }
  return Result::error(Error::bad_op, static_cast<uint32_t>(op));
}

ImcTile::Result ImcTile::check_dims() const {
  const uint64_t r = cmd_.rows, c = cmd_.cols;
  if (r < 1 || r > cfg_.rows || c < 1 || c > cfg_.cols)
    return Result::error(Error::bad_dim,
                         static_cast<uint32_t>((std::min<uint64_t>(r, 0xFFFF) << 16) |
                                               std::min<uint64_t>(c, 0xFFFF)));
  return {};
}

bool ImcTile::dma_copy(bool to_local, uint8_t* local, uint64_t global, uint64_t len,
                       const sc_time& at, Result& r) {
  const auto& pc = cfg_.periphery;
  const sc_time t0 = at + r.latency;  // after the command's earlier phases
  if (t0 > sc_core::sc_time_stamp()) wait(t0 - sc_core::sc_time_stamp());
  xfer_ = Transfer{};
  xfer_.active = true;
  xfer_.to_local = to_local;
  xfer_.local = local;
  xfer_.global = global;
  xfer_.len = len;
  xfer_.bursts = (len + pc.dma_burst_bytes - 1) / pc.dma_burst_bytes;
  xfer_.t0 = t0;
  burst_ev_.notify(SC_ZERO_TIME);
  while (!xfer_done()) wait(xfer_ev_);
  xfer_.active = false;
  if (xfer_.failed) {
    r.err = Error::dma;
    r.info = static_cast<uint32_t>(xfer_.err_addr);
    r.latency = sc_core::sc_time_stamp() - at;
    return false;
  }
  // The engine cannot finish before it has streamed every byte at its own rate.
  const sc_time end =
      t0 + sc_time(pc.dma_setup_ns + static_cast<double>(len) / pc.dma_bytes_per_ns, SC_NS);
  if (end > sc_core::sc_time_stamp()) wait(end - sc_core::sc_time_stamp());
  r.latency = sc_core::sc_time_stamp() - at;
  return true;
}

void ImcTile::burst_worker(unsigned i) {
  tlm::tlm_generic_payload& p = *burst_payloads_[i];
  const auto& pc = cfg_.periphery;
  const uint64_t burst = pc.dma_burst_bytes;
  while (true) {
    while (!xfer_.active || xfer_.stop || xfer_.next >= xfer_.bursts) wait(burst_ev_);
    const uint64_t off = xfer_.next++ * burst;
    const auto n = static_cast<unsigned>(std::min(burst, xfer_.len - off));
    // Burst k leaves no earlier than t0 + setup + k*burst/rate: the engine's streaming rate.
    const sc_time issue =
        xfer_.t0 + sc_time(pc.dma_setup_ns + static_cast<double>(off) / pc.dma_bytes_per_ns, SC_NS);
    while (!xfer_.stop && sc_core::sc_time_stamp() < issue)
      wait(issue - sc_core::sc_time_stamp(), abort_ev_);
    if (!xfer_.stop) {  // after a failure, bursts not yet issued are dropped
      ++dma_bursts_;
      dma_peak_outstanding_ = std::max<uint64_t>(dma_peak_outstanding_, ++in_flight_);
      const uint64_t addr = xfer_.global + off;
      p.set_command(xfer_.to_local ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
      p.set_address(addr);
      p.set_data_ptr(xfer_.local + off);
      p.set_data_length(n);
      p.set_streaming_width(n);
      p.set_byte_enable_ptr(nullptr);
      p.set_byte_enable_length(0);
      p.set_dmi_allowed(false);
      p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_time d = SC_ZERO_TIME;
      dma->b_transport(p, d);
      const bool ok = p.get_response_status() == tlm::TLM_OK_RESPONSE;
      if (ok) {
        (xfer_.to_local ? dma_bytes_read_ : dma_bytes_written_) += n;
        buffer_energy(n);
        // The burst's data occupies the engine's port for n/rate after the bus answered.
        d += sc_time(static_cast<double>(n) / pc.dma_bytes_per_ns, SC_NS);
      }
      // LT: the annotated bus latency passes here, so latencies of concurrent bursts overlap.
      if (d > SC_ZERO_TIME) wait(d);
      --in_flight_;
      if (!ok) {
        if (!xfer_.failed || addr < xfer_.err_addr) xfer_.err_addr = addr;
        xfer_.failed = xfer_.stop = true;
        abort_ev_.notify();
      }
    }
    ++xfer_.finished;
    if (xfer_done()) xfer_ev_.notify();
  }
}

ImcTile::Result ImcTile::do_dma(bool in, const sc_time& at) {
  Result r;
  const uint64_t local = cmd_.local, len = cmd_.len;
  uint8_t* b = len ? buffer_at(local, len) : nullptr;
  if (!b) {
    r.err = Error::bad_dma_range;
    r.info = static_cast<uint32_t>(local);
    return r;
  }
  dma_copy(in, b, in ? cmd_.src : cmd_.dst, len, at, r);
  return r;
}

ImcTile::Result ImcTile::do_program(const sc_time& at) {
  Result r = check_dims();
  if (r.err != Error::none) return r;
  const unsigned nr = static_cast<unsigned>(cmd_.rows);
  const unsigned nc = static_cast<unsigned>(cmd_.cols);
  const uint64_t n = uint64_t(nr) * nc;
  if (cmd_.ctrl & kWExt) {
    if (!dma_copy(true, wbuf_.data(), cmd_.src, n, at, r)) return r;
  }
  buffer_energy(n);
  const auto* w = reinterpret_cast<const int8_t*>(wbuf_.data());
  for (uint64_t k = 0; k < n; ++k) {
    if (!weight_in_range(w[k], cfg_.weight_bits, cfg_.analog())) {
      r.err = Error::weight_range;
      r.info = static_cast<uint32_t>(k);
      return r;
    }
  }
  cells_written_ += n;
  if (analog_) {
    OpCounts oc;
    analog_->program(w, nr, nc, now_s(at + r.latency), rng_, oc);
    program_pulses_ += oc.pulses;
    verify_iterations_ += oc.verifies;
    worn_out_ += oc.newly_worn;
    const auto& d = cfg_.device;
    const double step_ns = d.write_pulse_ns + (cfg_.nonideal.write_verify ? d.verify_ns : 0.0);
    r.latency += sc_time(static_cast<double>(oc.program_steps) * step_ns, SC_NS);
    e_programming_ += static_cast<double>(oc.pulses) * d.write_pulse_energy_pj +
                      static_cast<double>(oc.verifies) * d.verify_energy_pj;
    if (oc.newly_worn) {
      r.err = Error::cell_worn;
      r.info = static_cast<uint32_t>(std::min<uint64_t>(oc.newly_worn, 0xFFFFFFFFu));
    }
  } else {
    digital_->program(w, nr, nc);
    program_pulses_ += nr;  // one SRAM row write per row
    r.latency += sc_time(nr * cfg_.digital.write_row_ns, SC_NS);
    e_programming_ += static_cast<double>(n) * cfg_.digital.write_energy_pj_per_byte;
  }
  programmed_ = true;
  return r;
}

ImcTile::Result ImcTile::do_mvm(unsigned batch, const sc_time& at) {
  Result r = check_dims();
  if (r.err != Error::none) return r;
  const unsigned nr = static_cast<unsigned>(cmd_.rows);
  const unsigned nc = static_cast<unsigned>(cmd_.cols);
  const uint64_t ctrl = cmd_.ctrl;
  const bool requant = ctrl & kRequant, use_bias = ctrl & kBias, relu = ctrl & kRelu;
  const bool is_signed = ctrl & kSignedIn;
  const uint64_t in_bytes = uint64_t(batch) * nr;
  const uint64_t out_bytes = uint64_t(batch) * nc * (requant ? 1 : 4);
  if (batch < 1 || in_bytes > kInSize || out_bytes > kOutSize) {
    r.err = Error::bad_batch;
    r.info = batch;
    r.field = 3;
    r.why = "BATCH vectors exceed the IN or OUT buffer";
    return r;
  }
  // Sub-array (queue MVM): rows row0.., columns col0.. of the array; BIAS/SCALE by column.
  const unsigned row0 = static_cast<unsigned>(std::min<uint64_t>(cmd_.row0, cfg_.rows));
  const unsigned col0 = static_cast<unsigned>(std::min<uint64_t>(cmd_.col0, cfg_.cols));
  if (cmd_.row0 + nr > cfg_.rows || cmd_.col0 + nc > cfg_.cols) {
    const bool rows_bad = cmd_.row0 + nr > cfg_.rows;
    return Result::error(
        Error::bad_dim, static_cast<uint32_t>(rows_bad ? cmd_.row0 : cmd_.col0), rows_bad ? 8 : 9,
        rows_bad ? "ROW0 + ROWS beyond the array" : "COL0 + COLS beyond the array");
  }
  uint8_t* const in = buffer_at(cmd_.in_off, in_bytes);
  uint8_t* const out = buffer_at(cmd_.out_off, out_bytes);
  if (!in || !out) {
    r.err = Error::bad_dma_range;
    r.info = static_cast<uint32_t>(in ? cmd_.out_off : cmd_.in_off);
    r.field = in ? 5 : 4;
    r.why = in ? "OUT_OFF..+outputs is not inside one buffer"
               : "IN_OFF..+inputs is not inside one buffer";
    return r;
  }
  if (!programmed_) {
    r.err = Error::not_programmed;
    return r;
  }
  if (ctrl & kInExt) {
    if (!dma_copy(true, in, cmd_.src, in_bytes, at, r)) return r;
  }
  const double t_s = now_s(at + r.latency);  // one drift/read-noise realisation per batch
  const unsigned shift = static_cast<unsigned>(cmd_.shift & 63);
  std::vector<int32_t> x(row0 + nr, 0), y(col0 + nc);
  OpCounts oc;
  double t_ns = 0;
  for (unsigned b = 0; b < batch; ++b) {
    for (unsigned i = 0; i < nr; ++i) {
      uint8_t raw = in[uint64_t(b) * nr + i];
      int32_t v = is_signed ? static_cast<int8_t>(raw) : raw;
      bool sat = false;
      x[row0 + i] = dac_clamp(v, cfg_.input_bits, is_signed, cfg_.analog(), &sat);
      dac_saturations_ += sat;
    }
    MvmCost k;
    if (analog_) {
      analog_->mvm(x.data(), row0 + nr, col0 + nc, is_signed, t_s, rng_, y.data(), oc, col0);
      k = analog_mvm_cost(cfg_, x.data() + row0, analog_->row_conductance_us() + row0, nr, nc,
                          is_signed);
      dac_conversions_ += nr;
    } else {
      digital_->mvm(x.data(), row0 + nr, col0 + nc, y.data());
      k = digital_mvm_cost(cfg_, nr, nc);
    }
    // Time and energy of this vector (docs/imc-model.md, Energy): data-dependent for analog.
    t_ns += k.t_ns;
    e_array_ += k.e_array;
    e_dac_ += k.e_dac;
    e_adc_ += k.e_adc;
    e_digital_ += k.e_digital;
    adc_conversions_ += k.adc_conversions;
    for (unsigned j = 0; j < nc; ++j) {
      int32_t bias = use_bias ? load_i32(&bias_[4 * (col0 + j)]) : 0;
      int32_t scale = requant ? load_i32(&scale_[4 * (col0 + j)]) : 1;
      int32_t v = postprocess(y[col0 + j], bias, relu, requant, scale, shift);
      if (requant)
        out[uint64_t(b) * nc + j] = static_cast<uint8_t>(static_cast<int8_t>(v));
      else
        store_i32(&out[(uint64_t(b) * nc + j) * 4], v);
    }
  }
  adc_saturations_ += oc.adc_saturations;
  mvms_ += batch;
  macs_ += uint64_t(batch) * nr * nc;
  buffer_energy(in_bytes + out_bytes + (use_bias ? 4ull * nc : 0) + (requant ? 4ull * nc : 0));
  r.latency += sc_time(t_ns, SC_NS);
  if (ctrl & kOutExt) {
    if (!dma_copy(false, out, cmd_.dst, out_bytes, at, r)) return r;
  }
  return r;
}

ImcTile::Result ImcTile::do_readback(const sc_time& at) {
  Result r = check_dims();
  if (r.err != Error::none) return r;
  if (!programmed_) return Result::error(Error::not_programmed, 0);
  const unsigned nr = static_cast<unsigned>(cmd_.rows);
  const unsigned nc = static_cast<unsigned>(cmd_.cols);
  auto* w = reinterpret_cast<int8_t*>(wbuf_.data());
  if (analog_) {
    analog_->readback(nr, nc, now_s(at), rng_, w);
    r.latency += sc_time(nr * cfg_.device.verify_ns, SC_NS);  // one array read per row
    e_array_ += double(nr) * nc * cfg_.device.verify_energy_pj;
  } else {
    for (unsigned i = 0; i < nr; ++i)
      for (unsigned j = 0; j < nc; ++j) w[i * nc + j] = digital_->weight(i, j);
    r.latency += sc_time(nr * cfg_.digital.write_row_ns, SC_NS);
    e_array_ += double(nr) * nc * cfg_.digital.write_energy_pj_per_byte;
  }
  buffer_energy(uint64_t(nr) * nc);
  return r;
}

ImcTile::Result ImcTile::do_calibrate(const sc_time& at) {
  Result r;
  if (!programmed_) return Result::error(Error::not_programmed, 0);
  if (!analog_) return r;  // nothing drifts
  analog_->calibrate(now_s(at), rng_);
  // One MVM with a full-scale input vector: input phase + ADC + digital ratio.
  const unsigned nr = cfg_.rows, nc = cfg_.cols;
  const std::vector<int32_t> full(nr, input_max(cfg_.input_bits, false));
  const MvmCost k = analog_mvm_cost(cfg_, full.data(), analog_->row_conductance_us(), nr, nc);
  r.latency += sc_time(k.t_ns, SC_NS);
  e_array_ += k.e_array;
  e_dac_ += k.e_dac;
  e_adc_ += k.e_adc;
  e_digital_ += k.e_digital;
  return r;
}

}  // namespace imcvp::imc
