// Bit-true numerics of the IMC tiles, without SystemC: a deterministic RNG, the digital exact
// MVM, and the analog crossbar (weight -> conductance pair mapping, programming noise with
// write-verify, endurance, drift, 1/f read noise, stuck faults, IR drop, DAC and ADC). The
// energy, time, area and node formulas declared below are in tile_cost.cpp.
// docs/imc-model.md gives every formula.
//
// Limits: read noise is drawn per column output per MVM from the exact moments of the
// per-device noises (nonideal.read_noise_model: column, default), or per device with one
// realisation per time point that a batch shares (device); IR drop is a
// first-order series-resistance model by default, or a nodal solve of the active block per
// input vector (linear devices, ideal drivers and sense amplifiers); ADC gain/offset errors
// are static.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "models/imc/tile_config.h"

namespace imcvp::imc {

// xoshiro256** seeded through splitmix64: identical sequences on every platform and standard
// library (std::normal_distribution is implementation-defined, so normals are ours too).
class Rng {
 public:
  explicit Rng(uint64_t seed = 1);
  uint64_t next();
  double uniform();  // [0, 1)
  double normal();   // N(0, 1), Marsaglia polar method

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Seed of an independent stream (e.g. tile i) derived from the simulation seed.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

// ---- pure formulas (docs/imc-model.md) ----
// Largest weight magnitude: analog symmetric 2^(b-1)-1; digital range is [-2^(b-1), 2^(b-1)-1].
int weight_max(unsigned bits);
bool weight_in_range(int w, unsigned bits, bool analog);
// Target conductances of the differential pair for weight w (|w| <= w_max).
struct CondPair {
  double gp_us, gn_us;
};
CondPair weight_to_conductance(int w, int w_max, double g_min_us, double g_max_us);
// Std of the programming noise of one pulse (uS) for target conductance g_us.
double prog_noise_std_us(double g_us, const TileConfig& c);
// Mean and std of the drift exponent nu (aihwkit-pcm or gaussian model).
double drift_nu_mean(double g_us, const TileConfig& c);
double drift_nu_std(double g_us, const TileConfig& c);
// g(t)/g_prog = ((t + t0)/t0)^-nu, t = seconds since programming (>= 0).
double drift_factor(double t_s, double t0_s, double nu);
// Relative std of the accumulated 1/f read noise at t seconds after programming.
double read_noise_rel_std(double g_prog_us, double t_s, const TileConfig& c);
// DAC: saturates x to the input range of `bits` (signed or unsigned); sets *saturated.
int32_t dac_clamp(int32_t x, unsigned bits, bool is_signed, bool analog, bool* saturated);
// Largest input magnitude (the DAC full scale).
int32_t input_max(unsigned bits, bool is_signed);
// ADC of one normalised column value y_n (fully-on-row units): returns the signed code;
// *saturated when |y_n| exceeded the bound. lsb = bound / (2^(bits-1) - 1).
int64_t adc_code(double y_n, unsigned bits, double bound, bool* saturated);
// Static INL profile of one column (LSB per code -cmax..cmax, index code + cmax): bow
// inl_lsb*(1 - (c/cmax)^2) plus, when dnl_sigma_lsb > 0, the running sum of per-code DNL draws
// with the line through its end points removed (zero INL at both ends). Draws 2*cmax normals
// from rng only when dnl_sigma_lsb > 0.
std::vector<double> adc_inl_profile(const AdcConfig& a, Rng& rng);
double adc_lsb(unsigned bits, double bound);
// Post-processing of one accumulator: bias, ReLU, then (optionally) requantisation to int8
// with round-half-up: clamp((acc * scale + 2^(shift-1)) >> shift, -128, 127).
int32_t postprocess(int32_t acc, int32_t bias, bool relu, bool requant, int32_t scale,
                    unsigned shift);

// ---- energy and time of one MVM vector (docs/imc-model.md, "Energy") ----
// ADC energy per conversion (pJ) at adc.bits and adc.node_nm: Walden constant FoM, energy_pj *
// 2^(bits - ref_bits), or energy_pj (constant model). bits = 0 (ideal ADC) is charged as
// ref_bits. A tile uses it on at_node()'s configuration (energy_pj at the tile's node).
double adc_energy_pj(const AdcConfig& a);
// Node factor of the ADC energy per conversion from from_nm to to_nm at resolution bits
// (Murmann's two regimes, docs/imc-model.md "Technology node"): technology-limited up to 9
// bits, tech::energy_scale(from_nm, to_nm); thermal-noise-limited from 11 bits, 1; at 10 bits
// the geometric mean of the two, energy_scale^((11 - bits)/2).
double adc_node_factor(unsigned bits, double from_nm, double to_nm);
// Input bit planes of a bit-serial MVM: the bits of the largest input magnitude (sign-magnitude
// inputs: the sign is the row's drive polarity), input_bits unsigned, max(1, input_bits - 1)
// signed.
unsigned bit_planes(unsigned input_bits, bool is_signed);
// ADC conversion time (ns) at adc.bits: SAR conversion_ns * (bits + 1)/(ref_bits + 1), flash
// conversion_ns. bits = 0 is timed as ref_bits.
double adc_conversion_ns(const AdcConfig& a);
// Input phases of one MVM (conversion rounds per weight slice): PWM 1; bit-serial
// ceil(planes / k), k = dac.bits_per_phase (at most the planes).
unsigned input_phases(const TileConfig& c, bool is_signed);
// DAC steps of the input phases of one MVM: PWM 2^input_bits - 1; bit-serial sum over phases
// of 2^(bits of the phase) - 1 (k = 1: one step per plane).
unsigned input_phase_steps(const TileConfig& c, bool is_signed);
// Pulses one input drives on its row: PWM 1 if x != 0; bit-serial one per non-zero phase digit
// of |x| in base 2^dac.bits_per_phase (k = 1: popcount(|x|)).
unsigned dac_pulses(int32_t x, const DacConfig& d);
// Time (ns) the row carries a read voltage for input x: PWM |x| * step_ns, bit-serial the sum
// of the phase digits of |x| times step_ns (k = 1: popcount(|x|) * step_ns).
double input_on_ns(int32_t x, const DacConfig& d);
// I*V*t energy (pJ) of a conductance g_us (uS) at v volts for t_ns: v^2 * g * t.
inline double ivt_energy_pj(double g_us, double v, double t_ns) {
  return v * v * g_us * t_ns * 1e-3;
}
struct MvmCost {
  double t_ns = 0;       // vector time (input phase + ADC rounds + post-processing)
  double e_array = 0;    // pJ: analog cell reads or digital MACs
  double e_dac = 0;      // pJ
  double e_adc = 0;      // pJ
  double e_digital = 0;  // pJ: post-processing
  uint64_t adc_conversions = 0;
};
// One vector of an analog tile: x[0..nr) are the DAC-clamped inputs; g_row_us[i] is the sum of
// the conductances of row i's devices (both polarities, all devices per weight, every column a
// driven row conducts through); null uses the constant array model.
// is_signed: the input format (CTRL.SIGNED_IN), which sets the bit-serial plane count.
MvmCost analog_mvm_cost(const TileConfig& c, const int32_t* x, const double* g_row_us, unsigned nr,
                        unsigned nc, bool is_signed = false);
// One vector of a digital tile (bit-serial digital CIM).
MvmCost digital_mvm_cost(const TileConfig& c, unsigned nr, unsigned nc);
// Configuration errors of the energy model ("" when fine), e.g. ADC bits beyond its range.
std::string energy_config_error(const TileConfig& c);

// ---- area and efficiency (docs/imc-model.md, "Area and efficiency") ----
// ADC area (um^2) by the regression over Murmann's ADC survey of Andrulis et al. ("Modeling
// analog-digital-converter energy and area for compute-in-memory accelerator design", arXiv
// 2404.06553, 2024; Accelergy ADC plug-in model.yaml): ln A = 4.8506 + 0.06666 ln f +
// 0.79732 ln node - 0.13437 bits + 0.42366 ln E, f = 1/T_conv in Hz, node in nm, E in pJ.
double adc_area_um2(const TileConfig& c);
struct TileArea {
  double array = 0, dac = 0, adc = 0, buffers = 0, periphery = 0;  // mm^2
  double macro() const { return array + dac + adc; }
  double total() const { return macro() + buffers + periphery; }
};
TileArea tile_area(const TileConfig& c, uint64_t buffer_bytes);
// Peak throughput (TOPS, 2 ops per MAC) of back-to-back full-array MVMs.
double peak_tops(const TileConfig& c);

// ---- technology node and static power (docs/imc-model.md, "Technology node", "Static power")
// The configuration as the tile runs it at area.node_nm: every digital energy given at its
// section's node_nm (dac, digital, periphery, periphery.buffer_node_nm, queue) is multiplied by
// tech::energy_scale (Stillmaker & Baas 2017) to the tile's node; the clock periods
// (digital.cycle_ns, digital.write_row_ns, periphery.postproc_ns, queue.clock_ns), design
// choices given at area.clock_node_nm, by tech::delay_scale. adc.energy_pj is multiplied by
// adc_node_factor(adc.bits, adc.node_nm, node_nm). The other analog quantities (array I*V*t, ADC
// conversion time, PWM step, device programming) are not scaled. Idempotent: the scaled
// sections carry node_nm = area.node_nm.
TileConfig at_node(const TileConfig& c);
// Static power (mW) of the tile's CMOS: area.leakage_mw_per_mm2 scaled from leakage_node_nm to
// node_nm (x power_scale / area_scale) times the CMOS area (everything but the memory array of
// an analog tile).
double tile_leakage_mw(const TileConfig& c, const TileArea& a);

// ---- IR drop: nodal solve of a crossbar (docs/imc-model.md, Numerics item 8) ----
// Column currents i_out[cols] (uA) of a rows x cols crossbar of conductances g_us (row-major,
// uS) with row drive voltages v[rows] (V) applied at column 0 through one wire segment, wire
// resistance r_ohm per cell pitch on rows and columns, column sense amplifiers at virtual
// ground one segment below the last row. Line Gauss-Seidel (tridiagonal solves of each row
// and column wire in turn) until the largest voltage update is below tol_v. Returns the
// iterations used.
unsigned crossbar_currents(const double* g_us, unsigned rows, unsigned cols, const double* v,
                           double r_ohm, double* i_out_ua, double tol_v = 1e-9,
                           unsigned max_iter = 10000);

// Per-operation counts the tile turns into stats, time and energy.
struct OpCounts {
  uint64_t pulses = 0;           // programming pulses (device writes)
  uint64_t verifies = 0;         // verify reads (per device)
  uint64_t newly_worn = 0;       // devices that wore out during this operation
  uint64_t dac_saturations = 0;  // inputs clamped by the DAC
  uint64_t adc_saturations = 0;  // outputs clamped by the ADC
  uint64_t program_steps = 0;    // sequential programming steps (row groups x iterations)
};

// Digital SRAM-IMC: exact integer arithmetic.
class DigitalArray {
 public:
  DigitalArray(unsigned rows, unsigned cols);
  // w: n_rows x n_cols int8, row-major (w[i*n_cols + j] multiplies input i into output j).
  void program(const int8_t* w, unsigned n_rows, unsigned n_cols);
  void mvm(const int32_t* x, unsigned n_rows, unsigned n_cols, int32_t* y) const;
  int8_t weight(unsigned i, unsigned j) const { return w_[i * cols_ + j]; }

 private:
  unsigned rows_, cols_;
  std::vector<int8_t> w_;
};

// Analog crossbar of differential device pairs.
class AnalogArray {
 public:
  // Draws stuck faults and ADC gain/offset errors from rng.
  AnalogArray(const TileConfig& cfg, Rng& rng);

  // Programs the n_rows x n_cols block at time t_s (seconds of simulated time). Weights must
  // be in range (checked by the caller). Resets the drift compensation and records the
  // calibration reference.
  void program(const int8_t* w, unsigned n_rows, unsigned n_cols, double t_s, Rng& rng,
               OpCounts& oc);
  // MVM of one input vector (already DAC-clamped integers) at time t_s: int32 accumulators in
  // integer weight x input units after the ADC and drift compensation.
  // Only columns col0..n_cols-1 are converted (y[col0..n_cols)); y[0..col0) is untouched.
  void mvm(const int32_t* x, unsigned n_rows, unsigned n_cols, bool is_signed, double t_s, Rng& rng,
           int32_t* y, OpCounts& oc, unsigned col0 = 0);
  // Weights as the devices now hold them (rounded, clamped to the weight range).
  void readback(unsigned n_rows, unsigned n_cols, double t_s, Rng& rng, int8_t* w);
  // Global drift compensation (aihwkit GlobalDriftCompensation): alpha = ref / now, where ref
  // and now are sum_j |sum_i w_eff_ij| at programming time and at t_s.
  void calibrate(double t_s, Rng& rng);
  double alpha() const { return alpha_; }
  // Extra age (s) added to every device's time since programming (AGE_S register).
  void set_extra_age_s(double s) {
    extra_age_s_ = s;
    cache_valid_ = false;
    mom_valid_ = false;
  }
  double extra_age_s() const { return extra_age_s_; }
  // Pinned age (NOISE_CTRL.PIN_AGE): every device's age is the extra age alone, whatever the
  // simulated time since programming, so results do not depend on when an input runs
  // (docs/compiler.md, "Running at scale").
  void set_age_pinned(bool on) {
    if (on == age_pinned_) return;
    age_pinned_ = on;
    cache_valid_ = false;
    mom_valid_ = false;
  }
  bool age_pinned() const { return age_pinned_; }
  uint64_t stuck_devices() const { return stuck_count_; }
  // Effective differential weight (integer weight units, before the ADC) at time t_s.
  double effective_weight(unsigned i, unsigned j, double t_s, Rng& rng);
  // Device access for tests: conductance as programmed (uS) and write count; slice s of a
  // bit-sliced weight (device.bits_per_cell; slice 0 holds the least significant bits).
  double g_prog_us(unsigned i, unsigned j, bool negative, unsigned k = 0, unsigned s = 0) const;
  uint64_t writes(unsigned i, unsigned j, bool negative, unsigned k = 0, unsigned s = 0) const;
  unsigned slices() const { return slices_; }
  bool programmed() const { return programmed_; }
  // Sum of the conductances (uS) of row i's devices over all columns, as programmed
  // (both polarities, all devices per weight, all slices; stuck devices at their stuck value):
  // the array
  // energy model's G. Drift and read noise are not included.
  const double* row_conductance_us() const { return g_row_.data(); }

 private:
  enum Stuck : uint8_t { kOk = 0, kStuckOn = 1, kStuckOff = 2 };
  struct Device {
    double g_prog = 0.0;  // uS, as programmed
    double nu = 0.0;      // drift exponent
    double t_prog = 0.0;  // s
    double q_s = 0.0;     // 1/f read-noise coefficient of the programmed state
    uint64_t writes = 0;
    double window = 1.0;  // device-to-device scale of the conductance window (g_max_sigma)
    Stuck stuck = kOk;
  };
  // Device (i, j, polarity, copy k) of slice s: the slices of a weight sit on adjacent columns
  // (physical column j*S + s).
  std::size_t index(unsigned i, unsigned j, bool negative, unsigned k, unsigned s = 0) const {
    return (((static_cast<std::size_t>(i) * cfg_.cols + j) * slices_ + s) * 2 +
            (negative ? 1 : 0)) *
               dpw_ +
           k;
  }
  // Weight (integer weight units) from per-slice values v[s*blk + idx]: sum_s v_s 2^(s*b).
  double combine(const std::vector<double>& v, std::size_t blk, std::size_t idx) const;
  // Recomputes the effective weights of the active block for time t_s (drift + read noise +
  // IR drop), unless they are cached for this time.
  void refresh(unsigned n_rows, unsigned n_cols, double t_s, Rng& rng);
  double device_g(const Device& d, double t_s, Rng& rng) const;
  // Seconds since programming plus the extra age (only the extra age when pinned).
  double age_of(const Device& d, double t_s) const {
    return age_pinned_ ? extra_age_s_ : std::max(0.0, t_s - d.t_prog) + extra_age_s_;
  }
  double column_sum_abs(unsigned n_rows, unsigned n_cols) const;
  // Column read-noise model (nonideal.read_noise_model: column): true when it applies.
  bool column_model() const { return column_; }
  // Recomputes mean_/var_ (mean and variance of every effective weight at t_s: drift, the
  // read noise clamped at 0, first-order IR drop) over at least n_rows x n_cols and at least
  // the programmed block (row stride mom_cols_), so the blocks packed on one tile share them,
  // unless the cached ones cover it and are within nonideal.drift_cache_tol of t_s.
  void refresh_moments(unsigned n_rows, unsigned n_cols, double t_s);
  // Column sums acc[j] = sum_i x_i * mean_ij and col_var_[j] = sum_i x_i^2 var_ij for
  // j in [col0, n_cols) (x = null: all-ones input) of one slice; with add_noise, acc[j] +=
  // sqrt(col_var_[j]) * N(0,1) when read noise is on. acc and col_var_ are indexed by j.
  void column_mvm(const double* x, unsigned n_rows, unsigned n_cols, Rng& rng, double* acc,
                  bool add_noise, unsigned col0 = 0, unsigned slice = 0);
  double column_sum_abs_moments(unsigned n_rows, unsigned n_cols, Rng& rng);
  // Column sums acc[j] (slice units x input units) of slice `slice` in one array read with row
  // inputs x[0..n_rows), by the configured model (nodal IR drop, column moments with or
  // without read noise, or the cached device realisation weff_). Nodal: slice 0 solves the
  // whole array (all slices' columns) for x; the other slices reuse that solve.
  void column_sums(const double* x, unsigned n_rows, unsigned n_cols, Rng& rng, double* acc,
                   bool add_noise, unsigned col0, unsigned slice = 0);
  // Analog slice readout of one input phase x: acc[j] = sum_s 2^(s*b) (column sum of slice
  // s), j in [col0, n_cols); column model: col_var_[j] = sum_s 4^(s*b) (its variance), drawn
  // into acc when add_noise (ideal ADC) and read noise is on.
  void readout_phase(const double* x, unsigned n_rows, unsigned n_cols, Rng& rng, double* acc,
                     bool add_noise, unsigned col0);
  // One conversion of column j's value a (integer units; full = value of the ADC's unit, one
  // fully-on row): gain/offset, per-conversion noise (with the column model's read noise when
  // it was not drawn by column_sums), INL, rounding and clamping. Returns the clamped code;
  // counts a clamp in oc.adc_saturations. adc.bits > 0.
  double adc_convert(double a, double full, unsigned j, Rng& rng, OpCounts& oc);

  TileConfig cfg_;
  unsigned dpw_;
  // Bit slicing (device.bits_per_cell) and input phases (dac.bits_per_phase), resolved once.
  unsigned slices_ = 1;      // S slices per weight magnitude
  unsigned cell_bits_ = 7;   // b bits per slice
  double levels_ = 127.0;    // 2^b - 1: the largest slice digit (g_max)
  unsigned phase_bits_ = 1;  // bits per bit-serial input phase
  // device.slice_readout analog with S > 1: slices weighted and summed before one conversion.
  bool analog_readout_ = false;
  // Choices of cfg_, resolved once (enum_of compares strings).
  bool nodal_ = false;       // nonideal.ir_drop with ir_drop_model nodal
  bool column_ = false;      // column read-noise model applies
  bool bit_serial_ = false;  // dac.mode bit-serial
  double adc_lsb_ = 1.0;     // adc_lsb(adc.bits, adc.bound) (1 for an ideal ADC)
  double adc_cmax_ = 0.0;    // largest ADC code 2^(bits-1) - 1 (at least 1)
  std::vector<Device> dev_;
  // Active block, row-major, in slice units (digit levels): slice s at s * n_rows * n_cols.
  std::vector<double> weff_;
  std::vector<double> adc_gain_, adc_offset_lsb_;
  // Static INL per column and code (adc.inl_lsb, adc.dnl_sigma_lsb), LSB, [j*(2*cmax+1) +
  // code + cmax]; empty when both are 0.
  std::vector<double> adc_inl_;
  std::vector<double> g_row_;  // row conductance sums (row_conductance_us)
  // Nodal IR drop: active block of n_rows x (n_cols * S) physical columns (column j*S + s),
  // sum over devices per side (uS); the currents of the last solve (uA).
  std::vector<double> gp_, gn_, nodal_ip_, nodal_in_;
  bool cache_valid_ = false;
  // Column read-noise model: moments of the effective weights (slice units; slice s at
  // s * mom_rows_ * mom_cols_), their time point and the bounds that decide when they are
  // stale.
  std::vector<double> mean_, col_var_;
  std::vector<float> var_;  // variances: float halves the memory the MVM streams
  bool mom_valid_ = false;
  double mom_t_ = 0.0;
  unsigned mom_rows_ = 0, mom_cols_ = 0;
  double nu_max_ = 0.0;      // largest drift exponent of any device
  double t_prog_max_ = 0.0;  // latest programming time of any device
  double cache_t_ = -1.0;
  unsigned cache_rows_ = 0, cache_cols_ = 0;
  bool programmed_ = false;
  unsigned prog_rows_ = 0, prog_cols_ = 0;
  double ref_sum_ = 0.0;
  double alpha_ = 1.0;
  double extra_age_s_ = 0.0;
  bool age_pinned_ = false;
  uint64_t stuck_count_ = 0;
};

}  // namespace imcvp::imc
