#include "models/imc/numerics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace imcvp::imc {

namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
int32_t sat32(double v) {
  if (!(v == v)) return 0;  // NaN cannot happen with finite inputs; be safe
  if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(std::llround(v));
}
}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

double Rng::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u, v, s;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double m = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * m;
  has_spare_ = true;
  return u * m;
}

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (0xD1B54A32D192ED03ull * (stream + 1));
  splitmix64(x);
  return splitmix64(x);
}

// ---- formulas ----

int weight_max(unsigned bits) {
  return (1 << (bits - 1)) - 1;
}

bool weight_in_range(int w, unsigned bits, bool analog) {
  int hi = weight_max(bits);
  int lo = analog ? -hi : -hi - 1;
  return w >= lo && w <= hi;
}

CondPair weight_to_conductance(int w, int w_max, double g_min_us, double g_max_us) {
  double delta = (g_max_us - g_min_us) * std::abs(w) / static_cast<double>(w_max);
  if (w >= 0) return {g_min_us + delta, g_min_us};
  return {g_min_us, g_min_us + delta};
}

double prog_noise_std_us(double g_us, const TileConfig& c) {
  const auto& n = c.nonideal;
  double gt = g_us / c.device.g_max_us;
  double s = n.prog_coeff0_us + n.prog_coeff1_us * gt + n.prog_coeff2_us * gt * gt;
  s = std::max(s, 0.0);
  return s * (c.device.g_max_us / n.prog_coeff_g_max_us) * n.prog_noise_scale;
}

double drift_nu_mean(double g_us, const TileConfig& c) {
  if (c.nonideal.drift_model_enum() == DriftModel::gaussian) return c.nonideal.drift_nu_mean;
  double gt = std::max(std::abs(g_us / c.device.g_max_us), 1e-7);
  return std::clamp(-0.0155 * std::log(gt) + 0.0244, 0.049, 0.1);
}

double drift_nu_std(double g_us, const TileConfig& c) {
  if (c.nonideal.drift_model_enum() == DriftModel::gaussian) return c.nonideal.drift_nu_std;
  double gt = std::max(std::abs(g_us / c.device.g_max_us), 1e-7);
  return std::clamp(-0.0125 * std::log(gt) - 0.0059, 0.008, 0.045);
}

double drift_factor(double t_s, double t0_s, double nu) {
  return std::pow((std::max(t_s, 0.0) + t0_s) / t0_s, -nu);
}

namespace {
double q_s(double g_prog_us, const TileConfig& c) {
  double gt = std::abs(g_prog_us) / c.device.g_max_us;
  return std::min(0.0088 / std::max(std::pow(gt, 0.65), 1e-3), 0.2);
}
double read_noise_time_term(double t_s, const TileConfig& c) {
  // aihwkit evaluates the 1/f integral at t = t_inference + t0.
  double t = std::max(t_s, 0.0) + c.nonideal.drift_t0_s;
  double tr = c.nonideal.read_noise_t_read_s;
  double l = std::log((t + tr) / (2.0 * tr));
  return l > 0 ? std::sqrt(l) : 0.0;
}
}  // namespace

double read_noise_rel_std(double g_prog_us, double t_s, const TileConfig& c) {
  return q_s(g_prog_us, c) * read_noise_time_term(t_s, c) * c.nonideal.read_noise_scale;
}

int32_t input_max(unsigned bits, bool is_signed) {
  if (!is_signed) return static_cast<int32_t>((1u << bits) - 1);
  return std::max<int32_t>(1, (1 << (bits - 1)) - 1);
}

int32_t dac_clamp(int32_t x, unsigned bits, bool is_signed, bool analog, bool* saturated) {
  int32_t hi = input_max(bits, is_signed);
  int32_t lo = 0;
  if (is_signed) lo = analog ? -hi : -(1 << (bits - 1));
  if (is_signed && bits == 1 && !analog) hi = 0;  // 1-bit two's complement: {-1, 0}
  int32_t y = std::clamp(x, lo, hi);
  if (saturated) *saturated = y != x;
  return y;
}

double adc_lsb(unsigned bits, double bound) {
  double levels = std::max(1.0, std::ldexp(1.0, static_cast<int>(bits) - 1) - 1.0);
  return bound / levels;
}

int64_t adc_code(double y_n, unsigned bits, double bound, bool* saturated) {
  double lsb = adc_lsb(bits, bound);
  auto cmax =
      static_cast<int64_t>(std::max(1.0, std::ldexp(1.0, static_cast<int>(bits) - 1) - 1.0));
  double q = std::round(y_n / lsb);
  bool sat = q > static_cast<double>(cmax) || q < -static_cast<double>(cmax);
  if (saturated) *saturated = sat;
  if (q > static_cast<double>(cmax)) return cmax;
  if (q < -static_cast<double>(cmax)) return -cmax;
  return static_cast<int64_t>(q);
}

std::vector<double> adc_inl_profile(const AdcConfig& a, Rng& rng) {
  const int cmax =
      static_cast<int>(std::max(1.0, std::ldexp(1.0, static_cast<int>(a.bits) - 1) - 1.0));
  const int n = 2 * cmax + 1;
  std::vector<double> inl(n, 0.0);
  for (int k = 0; k < n; ++k) {
    const double u = double(k - cmax) / cmax;
    inl[k] = a.inl_lsb * (1.0 - u * u);
  }
  if (a.dnl_sigma_lsb > 0) {
    std::vector<double> walk(n, 0.0);
    for (int k = 1; k < n; ++k) walk[k] = walk[k - 1] + a.dnl_sigma_lsb * rng.normal();
    const double slope = walk[n - 1] / (n - 1);  // end-point line
    for (int k = 0; k < n; ++k) inl[k] += walk[k] - slope * k;
  }
  return inl;
}

int32_t postprocess(int32_t acc, int32_t bias, bool relu, bool requant, int32_t scale,
                    unsigned shift) {
  int64_t a = static_cast<int64_t>(acc) + bias;
  a = std::clamp<int64_t>(a, std::numeric_limits<int32_t>::min(),
                          std::numeric_limits<int32_t>::max());
  if (relu && a < 0) a = 0;
  if (!requant) return static_cast<int32_t>(a);
  shift = std::min(shift, 62u);
  int64_t p = a * scale;  // |a| < 2^31, |scale| < 2^31: fits in int64
  if (shift > 0) p = (p + (int64_t(1) << (shift - 1))) >> shift;
  return static_cast<int32_t>(std::clamp<int64_t>(p, -128, 127));
}

// ---- digital ----

DigitalArray::DigitalArray(unsigned rows, unsigned cols)
    : rows_(rows), cols_(cols), w_(static_cast<std::size_t>(rows) * cols, 0) {}

void DigitalArray::program(const int8_t* w, unsigned n_rows, unsigned n_cols) {
  for (unsigned i = 0; i < n_rows; ++i)
    for (unsigned j = 0; j < n_cols; ++j) w_[i * cols_ + j] = w[i * n_cols + j];
}

void DigitalArray::mvm(const int32_t* x, unsigned n_rows, unsigned n_cols, int32_t* y) const {
  for (unsigned j = 0; j < n_cols; ++j) y[j] = 0;
  for (unsigned i = 0; i < n_rows; ++i) {
    const int32_t xi = x[i];
    if (xi == 0) continue;
    const int8_t* row = &w_[i * cols_];
    for (unsigned j = 0; j < n_cols; ++j) y[j] += xi * row[j];
  }
}

namespace {
// Thomas algorithm: a[k] x[k-1] + b[k] x[k] + c[k] x[k+1] = d[k]; overwrites c and d.
void tridiag(std::size_t n, const double* a, const double* b, double* c, double* d, double* x) {
  c[0] /= b[0];
  d[0] /= b[0];
  for (std::size_t k = 1; k < n; ++k) {
    const double m = b[k] - a[k] * c[k - 1];
    c[k] /= m;
    d[k] = (d[k] - a[k] * d[k - 1]) / m;
  }
  x[n - 1] = d[n - 1];
  for (std::size_t k = n - 1; k-- > 0;) x[k] = d[k] - c[k] * x[k + 1];
}
}  // namespace

unsigned crossbar_currents(const double* g_us, unsigned rows, unsigned cols, const double* v,
                           double r_ohm, double* i_out_ua, double tol_v, unsigned max_iter) {
  if (r_ohm <= 0) {
    for (unsigned j = 0; j < cols; ++j) {
      double s = 0;
      for (unsigned i = 0; i < rows; ++i) s += g_us[std::size_t(i) * cols + j] * v[i];
      i_out_ua[j] = s;
    }
    return 0;
  }
  const double gw = 1e6 / r_ohm;  // wire conductance per segment, uS
  const std::size_t n = std::size_t(rows) * cols;
  std::vector<double> vr(n), vc(n, 0.0);
  for (unsigned i = 0; i < rows; ++i)
    for (unsigned j = 0; j < cols; ++j) vr[std::size_t(i) * cols + j] = v[i];
  const unsigned m = std::max(rows, cols);
  std::vector<double> a(m), b(m), c(m), d(m), x(m);
  unsigned it = 0;
  for (; it < max_iter; ++it) {
    double change = 0;
    // Row wires: node (i, j) couples to its neighbours on the row and, through G, to the column
    // node below it; the driver feeds node 0 through one segment; the far end is open.
    for (unsigned i = 0; i < rows; ++i) {
      for (unsigned j = 0; j < cols; ++j) {
        const double g = g_us[std::size_t(i) * cols + j];
        a[j] = j > 0 ? -gw : 0.0;
        c[j] = j + 1 < cols ? -gw : 0.0;
        b[j] = gw + (j + 1 < cols ? gw : 0.0) + g;
        d[j] = g * vc[std::size_t(i) * cols + j] + (j == 0 ? gw * v[i] : 0.0);
      }
      tridiag(cols, a.data(), b.data(), c.data(), d.data(), x.data());
      for (unsigned j = 0; j < cols; ++j) {
        double& r = vr[std::size_t(i) * cols + j];
        change = std::max(change, std::abs(x[j] - r));
        r = x[j];
      }
    }
    // Column wires: the top end is open, the sense amplifier (0 V) is one segment below the
    // last row.
    for (unsigned j = 0; j < cols; ++j) {
      for (unsigned i = 0; i < rows; ++i) {
        const double g = g_us[std::size_t(i) * cols + j];
        a[i] = i > 0 ? -gw : 0.0;
        c[i] = i + 1 < rows ? -gw : 0.0;
        b[i] = (i > 0 ? gw : 0.0) + gw + g;
        d[i] = g * vr[std::size_t(i) * cols + j];
      }
      tridiag(rows, a.data(), b.data(), c.data(), d.data(), x.data());
      for (unsigned i = 0; i < rows; ++i) {
        double& r = vc[std::size_t(i) * cols + j];
        change = std::max(change, std::abs(x[i] - r));
        r = x[i];
      }
    }
    if (change <= tol_v) {
      ++it;
      break;
    }
  }
  for (unsigned j = 0; j < cols; ++j) i_out_ua[j] = vc[std::size_t(rows - 1) * cols + j] * gw;
  return it;
}

// ---- analog ----

AnalogArray::AnalogArray(const TileConfig& cfg, Rng& rng)
    : cfg_(cfg),
      dpw_(cfg.device.devices_per_weight),
      adc_gain_(cfg.cols, 1.0),
      adc_offset_lsb_(cfg.cols, 0.0),
      extra_age_s_(cfg.nonideal.extra_age_s) {
  const auto& ni = cfg_.nonideal;
  nodal_ = ni.ir_drop && ni.ir_drop_model_enum() == IrDropModel::nodal;
  column_ = ni.read_noise_model_enum() == ReadNoiseModel::column && !nodal_;
  bit_serial_ = cfg_.dac.mode_enum() == DacMode::bit_serial;
  slices_ = cfg_.weight_slices();
  cell_bits_ = cfg_.cell_bits();
  levels_ = std::ldexp(1.0, static_cast<int>(cell_bits_)) - 1.0;
  phase_bits_ = cfg_.dac.bits_per_phase;
  analog_readout_ = cfg_.analog_slice_readout() && slices_ > 1;  // S = 1: the same either way
  if (cfg_.adc.bits > 0) {
    adc_lsb_ = adc_lsb(cfg_.adc.bits, cfg_.adc.bound);
    adc_cmax_ = std::max(1.0, std::ldexp(1.0, static_cast<int>(cfg_.adc.bits) - 1) - 1.0);
  }
  const double g_min = cfg_.device.g_min_us, g_max = cfg_.device.g_max_us;
  const double p_on = cfg_.nonideal.stuck_on_rate, p_off = cfg_.nonideal.stuck_off_rate;
  // Every device starts unprogrammed, in the off state (weight 0): one pass fills the array
  // (start-up time: a 256x256 tile holds 131,072 devices).
  Device off;
  off.g_prog = g_min;
  off.q_s = q_s(g_min, cfg_);
  dev_.assign(
      static_cast<std::size_t>(cfg.rows) * cfg.cols * slices_ * 2 * cfg.device.devices_per_weight,
      off);
  if (p_on > 0 || p_off > 0) {
    for (auto& d : dev_) {
      double u = rng.uniform();
      if (u < p_on) {
        d.stuck = kStuckOn;
        d.g_prog = g_max;
        ++stuck_count_;
      } else if (u < p_on + p_off) {
        d.stuck = kStuckOff;
        ++stuck_count_;
      }
    }
  }
  if (cfg_.nonideal.g_max_sigma > 0)
    for (auto& d : dev_) d.window = std::max(0.0, 1.0 + cfg_.nonideal.g_max_sigma * rng.normal());
  if (cfg_.adc.bits > 0) {
    for (unsigned j = 0; j < cfg_.cols; ++j) {
      if (cfg_.adc.gain_sigma > 0) adc_gain_[j] = 1.0 + cfg_.adc.gain_sigma * rng.normal();
      if (cfg_.adc.offset_sigma_lsb > 0)
        adc_offset_lsb_[j] = cfg_.adc.offset_sigma_lsb * rng.normal();
    }
    // Static INL (drawn after the gain/offset errors, only when configured, so runs without
    // it keep their random streams).
    if (cfg_.adc.inl_lsb != 0 || cfg_.adc.dnl_sigma_lsb > 0) {
      for (unsigned j = 0; j < cfg_.cols; ++j) {
        auto p = adc_inl_profile(cfg_.adc, rng);
        adc_inl_.insert(adc_inl_.end(), p.begin(), p.end());
      }
    }
  }
}

void AnalogArray::program(const int8_t* w, unsigned n_rows, unsigned n_cols, double t_s, Rng& rng,
                          OpCounts& oc) {
  const auto& ni = cfg_.nonideal;
  const double g_min = cfg_.device.g_min_us, g_max = cfg_.device.g_max_us;
  const unsigned group = cfg_.device.program_rows_parallel;
  // Slice s holds the digit (|w| >> s*b) & (2^b - 1) on the weight's polarity: digit d maps to
  // g_min + d (g_max - g_min)/(2^b - 1), the other polarity to g_min (S = 1: the whole
  // magnitude, w_max = 2^b - 1 levels, as before slicing).
  const int levels = static_cast<int>(levels_);
  const unsigned mask = static_cast<unsigned>(levels);
  for (unsigned r0 = 0; r0 < n_rows; r0 += group) {
    uint64_t group_iters = 0;
    for (unsigned i = r0; i < std::min(n_rows, r0 + group); ++i) {
      for (unsigned j = 0; j < n_cols; ++j) {
        const int wij = w[i * n_cols + j];
        const unsigned mag = static_cast<unsigned>(wij < 0 ? -wij : wij);
        for (unsigned sl = 0; sl < slices_; ++sl) {
          const int digit = static_cast<int>((mag >> (sl * cell_bits_)) & mask);
          CondPair t = weight_to_conductance(wij < 0 ? -digit : digit, levels, g_min, g_max);
          for (int side = 0; side < 2; ++side) {
            const double target = side ? t.gn_us : t.gp_us;
            for (unsigned k = 0; k < dpw_; ++k) {
              Device& d = dev_[index(i, j, side != 0, k, sl)];
              if (d.stuck != kOk) continue;  // a stuck device ignores programming pulses
              uint64_t it = 0;
              while (true) {
                if (static_cast<double>(d.writes) >= cfg_.device.endurance_writes) {
                  d.stuck = kStuckOff;  // worn out: the next pulse leaves it in the off state
                  d.g_prog = g_min;
                  ++oc.newly_worn;
                  ++stuck_count_;
                  break;
                }
                ++d.writes;
                ++oc.pulses;
                ++it;
                if (!ni.write_verify) break;
                // The verify loop only sets the cost (pulses, verify reads, time): each pulse
                // lands at target + sigma*N(0,1) and is re-pulsed while outside the tolerance.
                ++oc.verifies;
                double g = target;
                if (ni.programming_noise) g += prog_noise_std_us(target, cfg_) * rng.normal();
                if (std::abs(g - target) <= ni.verify_tolerance * g_max ||
                    it >= ni.verify_max_iterations)
                  break;
              }
              group_iters = std::max(group_iters, it);
              if (d.stuck != kOk) continue;  // worn out during this command
              // The programmed state: aihwkit's sigma(g_T) is the error left after iterative
              // write-verify (Nandakumar et al., IEDM 2019, measured after programming with
              // verify; aihwkit PCMLikeNoiseModel applies it once). It is applied exactly once,
              // with or without the verify loop, so the loop cannot shrink it a second time
              // (issue 14: the former per-pulse noise + verify halved the error at g_max).
              double g = target;
              if (ni.programming_noise) g += prog_noise_std_us(target, cfg_) * rng.normal();
              if (d.window != 1.0) g = g_min + (g - g_min) * d.window;  // device's own window
              d.g_prog = std::max(g, 0.0);
              d.t_prog = t_s;
              d.q_s = q_s(d.g_prog, cfg_);
              d.nu = 0.0;
              if (ni.drift) {
                double nu =
                    drift_nu_mean(d.g_prog, cfg_) + drift_nu_std(d.g_prog, cfg_) * rng.normal();
                d.nu = std::clamp(nu, 0.0, 1.0);
              }
            }
          }
        }
      }
    }
    oc.program_steps += group_iters;
  }
  programmed_ = true;
  prog_rows_ = n_rows;
  prog_cols_ = n_cols;
  // A driven row conducts through every cell on it (the columns sit at virtual ground), so
  // the sums cover every row and column of the array, not only the programmed block.
  g_row_.assign(cfg_.rows, 0.0);
  for (unsigned i = 0; i < cfg_.rows; ++i)
    for (unsigned j = 0; j < cfg_.cols; ++j)
      for (unsigned sl = 0; sl < slices_; ++sl)
        for (int side = 0; side < 2; ++side)
          for (unsigned k = 0; k < dpw_; ++k) {
            const Device& d = dev_[index(i, j, side != 0, k, sl)];
            g_row_[i] += d.stuck == kStuckOn ? g_max : d.stuck == kStuckOff ? g_min : d.g_prog;
          }
  cache_valid_ = false;
  mom_valid_ = false;
  nu_max_ = 0.0;
  t_prog_max_ = 0.0;
  for (const Device& d : dev_) {
    nu_max_ = std::max(nu_max_, d.nu);
    t_prog_max_ = std::max(t_prog_max_, d.t_prog);
  }
  alpha_ = 1.0;
  // The compensation reference is the array right after programming (aihwkit: t_inference = 0),
  // so any extra age (nonideal.extra_age_s, AGE_S) must not be in it: CALIBRATE would then take
  // the aged array as the reference and compensate nothing.
  const double extra = extra_age_s_;
  extra_age_s_ = 0.0;
  if (column_model()) {
    refresh_moments(n_rows, n_cols, t_s);
    ref_sum_ = column_sum_abs_moments(n_rows, n_cols, rng);
  } else {
    refresh(n_rows, n_cols, t_s, rng);
    ref_sum_ = column_sum_abs(n_rows, n_cols);
  }
  if (extra != 0.0) {
    extra_age_s_ = extra;
    cache_valid_ = false;
    mom_valid_ = false;
  }
}

double AnalogArray::device_g(const Device& d, double t_s, Rng& rng) const {
  if (d.stuck == kStuckOn) return cfg_.device.g_max_us;
  if (d.stuck == kStuckOff) return cfg_.device.g_min_us;
  const auto& ni = cfg_.nonideal;
  const double age = age_of(d, t_s);
  double g = d.g_prog;
  if (ni.drift && d.nu > 0) g *= drift_factor(age, ni.drift_t0_s, d.nu);
  if (ni.read_noise) {
    double sd = d.q_s * read_noise_time_term(age, cfg_) * ni.read_noise_scale;
    g += std::abs(g) * sd * rng.normal();
  }
  return std::max(g, 0.0);
}

void AnalogArray::refresh(unsigned n_rows, unsigned n_cols, double t_s, Rng& rng) {
  if (cache_valid_ && (cache_t_ == t_s || age_pinned_) && cache_rows_ == n_rows &&
      cache_cols_ == n_cols)
    return;
  const double scale =
      levels_ / (cfg_.device.g_max_us - cfg_.device.g_min_us) / static_cast<double>(dpw_);
  const bool nodal = nodal_;
  const bool ir = cfg_.nonideal.ir_drop && cfg_.nonideal.wire_resistance_ohm > 0 && !nodal;
  const double r_ohm = cfg_.nonideal.wire_resistance_ohm;
  const std::size_t blk = static_cast<std::size_t>(n_rows) * n_cols;
  const unsigned S = slices_;
  weff_.assign(blk * S, 0.0);
  if (nodal) {
    gp_.assign(blk * S, 0.0);
    gn_.assign(blk * S, 0.0);
  }
  for (unsigned sl = 0; sl < S; ++sl) {
    for (unsigned i = 0; i < n_rows; ++i) {
      for (unsigned j = 0; j < n_cols; ++j) {
        // Wire path: along the row line from the driver (column 0) to physical column j*S + s,
        // then along the column line from row i to the sense amplifier below the last row.
        const double path =
            static_cast<double>(j * S + sl + 1) + static_cast<double>(cfg_.rows - i);
        double diff = 0.0;
        const std::size_t pc = static_cast<std::size_t>(i) * n_cols * S + j * S + sl;
        for (int side = 0; side < 2; ++side) {
          for (unsigned k = 0; k < dpw_; ++k) {
            double g = device_g(dev_[index(i, j, side != 0, k, sl)], t_s, rng);
            if (ir) g /= 1.0 + r_ohm * g * 1e-6 * path;  // series resistance: I = V G/(1+G R)
            diff += side ? -g : g;
            if (nodal) (side ? gn_ : gp_)[pc] += g;
          }
        }
        weff_[sl * blk + static_cast<std::size_t>(i) * n_cols + j] = diff * scale;
      }
    }
  }
  cache_valid_ = true;
  cache_t_ = t_s;
  cache_rows_ = n_rows;
  cache_cols_ = n_cols;
}

double AnalogArray::combine(const std::vector<double>& v, std::size_t blk, std::size_t idx) const {
  if (slices_ == 1) return v[idx];
  double w = 0.0;
  for (unsigned sl = 0; sl < slices_; ++sl)
    w += std::ldexp(v[sl * blk + idx], static_cast<int>(sl * cell_bits_));
  return w;
}

// ---- column read-noise model (docs/imc-model.md, Numerics item 7) ----

void AnalogArray::refresh_moments(unsigned n_rows, unsigned n_cols, double t_s) {
  const auto& ni = cfg_.nonideal;
  if (programmed_) {  // one set of moments for every block packed into the programmed image
    n_rows = std::max(n_rows, prog_rows_);
    n_cols = std::max(n_cols, prog_cols_);
  }
  if (mom_valid_ && mom_rows_ >= n_rows && mom_cols_ >= n_cols) {
    if (mom_t_ == t_s || age_pinned_) return;
    if (ni.drift_cache_tol > 0) {
      // Every device's drift factor ((a + t0)/t0)^-nu and read-noise std (proportional to
      // sqrt(ln((a + t0 + t_read)/(2 t_read)))) change, as functions of ln(a + t0), at most at
      // the rates nu_max and 1/(2 ln(...)); between the two times ln(a + t0) moves by at most
      // |dt|/(a_min + t0), a_min = the youngest device's age at the earlier time.
      const double a_min = std::max(0.0, std::min(t_s, mom_t_) - t_prog_max_) + extra_age_s_;
      double rate = 0.0;
      if (ni.drift) rate += nu_max_;
      if (ni.read_noise) {
        const double l = read_noise_time_term(a_min, cfg_);
        rate += l > 1e-3 ? 0.5 / (l * l) : 1e30;
      }
      if (rate * std::abs(t_s - mom_t_) / (a_min + ni.drift_t0_s) <= ni.drift_cache_tol) return;
    }
  }
  const double g_min = cfg_.device.g_min_us, g_max = cfg_.device.g_max_us;
  const double scale = levels_ / (g_max - g_min) / static_cast<double>(dpw_);
  const bool ir = ni.ir_drop && ni.wire_resistance_ohm > 0;  // first order (nodal: no column model)
  const double r_ohm = ni.wire_resistance_ohm;
  const double t0 = ni.drift_t0_s;
  const std::size_t n = static_cast<std::size_t>(n_rows) * n_cols;
  const unsigned S = slices_;
  mean_.assign(n * S, 0.0);
  var_.assign(n * S, 0.0f);
  double last_tp = std::numeric_limits<double>::quiet_NaN(), log_drift = 0.0, noise_t = 0.0;
  constexpr double kInvSqrt2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;
  for (unsigned sl = 0; sl < S; ++sl)
    for (unsigned i = 0; i < n_rows; ++i) {
      for (unsigned j = 0; j < n_cols; ++j) {
        const double path =
            static_cast<double>(j * S + sl + 1) + static_cast<double>(cfg_.rows - i);
        double m = 0.0, v = 0.0;
        for (int side = 0; side < 2; ++side) {
          for (unsigned k = 0; k < dpw_; ++k) {
            const Device& d = dev_[index(i, j, side != 0, k, sl)];
            double g, var = 0.0;
            if (d.stuck == kStuckOn) {
              g = g_max;
            } else if (d.stuck == kStuckOff) {
              g = g_min;
            } else {
              if (!(d.t_prog == last_tp)) {  // devices programmed together share the time terms
                last_tp = d.t_prog;
                const double age = age_of(d, t_s);
                log_drift = std::log((age + t0) / t0);
                noise_t = read_noise_time_term(age, cfg_) * ni.read_noise_scale;
              }
              g = d.g_prog;
              if (ni.drift && d.nu > 0) g *= std::exp(-d.nu * log_drift);
              const double sd = ni.read_noise ? d.q_s * noise_t : 0.0;
              if (sd > 0) {
                // g' = max(g (1 + sd Z), 0): moments of the normal clamped at 0, a = 1/sd.
                const double a = 1.0 / sd;
                if (a < 8.5) {
                  const double phi_cdf = 0.5 * std::erfc(-a * kInvSqrt2);
                  const double phi = kInvSqrt2Pi * std::exp(-0.5 * a * a);
                  const double m1 = phi_cdf + sd * phi;
                  const double m2 = (1.0 + sd * sd) * phi_cdf + sd * phi;
                  var = g * g * std::max(m2 - m1 * m1, 0.0);
                  g *= m1;
                } else {  // P(clamp) < 1e-17
                  var = g * g * sd * sd;
                }
              }
            }
            if (ir) {
              // f(g) = g/(1 + g R): mean f(m) + f''(m) var/2, variance f'(m)^2 var (delta method).
              const double den = 1.0 + r_ohm * g * 1e-6 * path;
              if (var > 0) {
                const double rp = r_ohm * 1e-6 * path;
                g = g / den - rp * var / (den * den * den);
                var /= den * den * den * den;
              } else {
                g /= den;
              }
            }
            m += side ? -g : g;
            v += var;
          }
        }
        mean_[sl * n + static_cast<std::size_t>(i) * n_cols + j] = m * scale;
        var_[sl * n + static_cast<std::size_t>(i) * n_cols + j] =
            static_cast<float>(v * scale * scale);
      }
    }
  mom_valid_ = true;
  mom_t_ = t_s;
  mom_rows_ = n_rows;
  mom_cols_ = n_cols;
}

namespace {
// acc += a * m; var += b * v. Compiled for AVX-512, AVX2 and baseline x86-64 (selected at
// load time). Neither target enables FMA, so no variant contracts a*b + c and every variant
// gives the same bits as the baseline.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void axpy2(unsigned n, double a, float b, const double* __restrict m, const float* __restrict v,
           double* __restrict acc, float* __restrict var) {
  for (unsigned j = 0; j < n; ++j) {
    acc[j] += a * m[j];
    var[j] += b * v[j];
  }
}
// Four rows at once (one pass over acc/var instead of four); per column the additions happen
// in the same order as four axpy2 calls, so the bits are the same.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void axpy2x4(unsigned n, const double* a, const float* b, const double* const* m,
             const float* const* v, double* __restrict acc, float* __restrict var) {
  const double* __restrict m0 = m[0];
  const double* __restrict m1 = m[1];
  const double* __restrict m2 = m[2];
  const double* __restrict m3 = m[3];
  const float* __restrict v0 = v[0];
  const float* __restrict v1 = v[1];
  const float* __restrict v2 = v[2];
  const float* __restrict v3 = v[3];
  const double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
  const float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
  for (unsigned j = 0; j < n; ++j) {
    double s = acc[j];
    s += a0 * m0[j];
    s += a1 * m1[j];
    s += a2 * m2[j];
    s += a3 * m3[j];
    acc[j] = s;
    float q = var[j];
    q += b0 * v0[j];
    q += b1 * v1[j];
    q += b2 * v2[j];
    q += b3 * v3[j];
    var[j] = q;
  }
}
}  // namespace

void AnalogArray::column_mvm(const double* x, unsigned n_rows, unsigned n_cols, Rng& rng,
                             double* acc, bool add_noise, unsigned col0, unsigned slice) {
  const std::size_t base = static_cast<std::size_t>(slice) * mom_rows_ * mom_cols_;
  std::vector<float> var(n_cols, 0.0f);
  for (unsigned j = 0; j < n_cols; ++j) acc[j] = 0.0;
  const unsigned nc = n_cols - col0;  // the converted columns; rows of mean_ are mom_cols_ long
  double a[4];
  float b[4];
  const double* m[4];
  const float* v[4];
  unsigned k = 0;
  for (unsigned i = 0; i < n_rows; ++i) {  // nonzero rows in order, four at a time
    const double xi = x ? x[i] : 1.0;
    if (xi == 0) continue;
    const std::size_t o = base + static_cast<std::size_t>(i) * mom_cols_ + col0;
    a[k] = xi;
    b[k] = static_cast<float>(xi * xi);
    m[k] = &mean_[o];
    v[k] = &var_[o];
    if (++k == 4) {
      axpy2x4(nc, a, b, m, v, acc + col0, var.data() + col0);
      k = 0;
    }
  }
  for (unsigned r = 0; r < k; ++r) axpy2(nc, a[r], b[r], m[r], v[r], acc + col0, var.data() + col0);
  col_var_.assign(var.begin(), var.end());
  // Sum over rows and devices of independent noises = one normal per column with the summed
  // variance (exact for Gaussian terms; clamped terms enter with their exact mean/variance).
  if (add_noise && cfg_.nonideal.read_noise)
    for (unsigned j = col0; j < n_cols; ++j) acc[j] += std::sqrt(col_var_[j]) * rng.normal();
}

double AnalogArray::column_sum_abs_moments(unsigned n_rows, unsigned n_cols, Rng& rng) {
  std::vector<double> acc(n_cols), sum(n_cols, 0.0);
  for (unsigned sl = 0; sl < slices_; ++sl) {
    column_mvm(nullptr, n_rows, n_cols, rng, acc.data(), true, 0, sl);
    if (slices_ == 1) {
      sum.swap(acc);
      break;
    }
    for (unsigned j = 0; j < n_cols; ++j)
      sum[j] += std::ldexp(acc[j], static_cast<int>(sl * cell_bits_));
  }
  double total = 0.0;
  for (double a : sum) total += std::abs(a);
  return total;
}

double AnalogArray::column_sum_abs(unsigned n_rows, unsigned n_cols) const {
  const std::size_t blk = static_cast<std::size_t>(n_rows) * n_cols;
  double total = 0.0;
  for (unsigned j = 0; j < n_cols; ++j) {
    double s = 0.0;
    for (unsigned i = 0; i < n_rows; ++i) s += combine(weff_, blk, i * n_cols + j);
    total += std::abs(s);
  }
  return total;
}

void AnalogArray::column_sums(const double* x, unsigned n_rows, unsigned n_cols, Rng& rng,
                              double* acc, bool add_noise, unsigned col0, unsigned slice) {
  if (nodal_) {
    // Row voltages proportional to the inputs (1 V per input unit: the network is linear, so
    // the relative loss does not depend on the scale); each polarity is its own crossbar of
    // n_cols * S physical columns (a weight's slices on adjacent columns), solved once per read.
    const unsigned S = slices_, pc = n_cols * S;
    if (slice == 0) {
      std::vector<double> v(x, x + n_rows);
      nodal_ip_.assign(pc, 0.0);
      nodal_in_.assign(pc, 0.0);
      const double r = cfg_.nonideal.wire_resistance_ohm;
      double vmax = 0;
      for (double e : v) vmax = std::max(vmax, std::abs(e));
      const double tol = 1e-7 * std::max(vmax, 1.0);  // 1e-7 of full scale per node
      crossbar_currents(gp_.data(), n_rows, pc, v.data(), r, nodal_ip_.data(), tol);
      crossbar_currents(gn_.data(), n_rows, pc, v.data(), r, nodal_in_.data(), tol);
    }
    const double scale =
        levels_ / (cfg_.device.g_max_us - cfg_.device.g_min_us) / static_cast<double>(dpw_);
    for (unsigned j = 0; j < n_cols; ++j)
      acc[j] = (nodal_ip_[j * S + slice] - nodal_in_[j * S + slice]) * scale;
  } else if (column_model()) {
    column_mvm(x, n_rows, n_cols, rng, acc, add_noise, col0, slice);
  } else {
    for (unsigned j = 0; j < n_cols; ++j) acc[j] = 0.0;
    const std::size_t base = static_cast<std::size_t>(slice) * n_rows * n_cols;
    for (unsigned i = 0; i < n_rows; ++i) {
      const double xi = x[i];
      if (xi == 0) continue;
      const double* row = &weff_[base + static_cast<std::size_t>(i) * n_cols];
      for (unsigned j = 0; j < n_cols; ++j) acc[j] += xi * row[j];
    }
  }
}

double AnalogArray::adc_convert(double a, double full, unsigned j, Rng& rng, OpCounts& oc) {
  const double lsb = adc_lsb_, cmax = adc_cmax_;
  const double adc_sd = cfg_.adc.noise_sigma_lsb * lsb;
  double yn = a / full * adc_gain_[j] + adc_offset_lsb_[j] * lsb;
  // Column model: the column's read noise (std sqrt(col_var_) before the gain) and the ADC's
  // noise are independent normals, drawn as one of the summed variance.
  if (column_model() && (cfg_.nonideal.read_noise || adc_sd > 0)) {
    const double g = adc_gain_[j] / full;
    const double rn = cfg_.nonideal.read_noise ? col_var_[j] * g * g : 0.0;
    yn += std::sqrt(rn + adc_sd * adc_sd) * rng.normal();
  } else if (cfg_.adc.noise_sigma_lsb > 0) {
    yn += adc_sd * rng.normal();
  }
  // adc_code() inline (same arithmetic).
  double q = std::round(yn / lsb);
  if (!adc_inl_.empty()) {
    // Static INL: the transfer curve is shifted by INL(code) LSB at the ideal code.
    const int ci = static_cast<int>(std::clamp(q, -cmax, cmax) + cmax);
    q = std::round(yn / lsb + adc_inl_[std::size_t(j) * std::size_t(2 * cmax + 1) + ci]);
  }
  if (q > cmax || q < -cmax) ++oc.adc_saturations;
  return std::clamp(q, -cmax, cmax);
}

void AnalogArray::readout_phase(const double* x, unsigned n_rows, unsigned n_cols, Rng& rng,
                                double* acc, bool add_noise, unsigned col0) {
  // Slice s's column values (each slice's own read: realised device noise, nodal currents or
  // column moments) weighted by 2^(s*b); the column model's read variances by 4^(s*b), so
  // every device's noise enters with its slice's weight.
  std::vector<double> part(n_cols), var(n_cols, 0.0);
  for (unsigned j = 0; j < n_cols; ++j) acc[j] = 0.0;
  const bool col = column_model();
  for (unsigned sl = 0; sl < slices_; ++sl) {
    column_sums(x, n_rows, n_cols, rng, part.data(), false, col0, sl);
    const double w = std::ldexp(1.0, static_cast<int>(sl * cell_bits_));
    for (unsigned j = col0; j < n_cols; ++j) {
      acc[j] += w * part[j];
      if (col) var[j] += w * w * col_var_[j];
    }
  }
  if (!col) return;
  col_var_.assign(var.begin(), var.end());  // adc_convert() draws it with the ADC's noise
  if (add_noise && cfg_.nonideal.read_noise)
    for (unsigned j = col0; j < n_cols; ++j) acc[j] += std::sqrt(col_var_[j]) * rng.normal();
}

void AnalogArray::mvm(const int32_t* x, unsigned n_rows, unsigned n_cols, bool is_signed,
                      double t_s, Rng& rng, int32_t* y, OpCounts& oc, unsigned col0) {
  if (column_model())
    refresh_moments(n_rows, n_cols, t_s);
  else
    refresh(n_rows, n_cols, t_s, rng);
  const unsigned bits = cfg_.adc.bits;
  const double lsb = adc_lsb_;
  // Input phases (docs/imc-model.md, Numerics items 10 and 11). PWM: one phase, the whole
  // input as the pulse width. Bit-serial: phase p drives row i with sign(x_i) times the digit
  // (|x_i| >> p*k) & (2^k - 1), k = dac.bits_per_phase (sign-magnitude: the sign is the drive
  // polarity, as the DAC energy counts the pulses of |x_i|). Every phase is its own array read
  // (its own read noise) and, for each weight slice s, its own conversion of that slice's
  // columns, normalised to one fully-on row of the phase and slice: full = (largest phase
  // digit) x (largest slice digit 2^b - 1), bound adc.bound. The periphery shift-adds the
  // integer codes, S_j = sum_{p,s} code_jps << (p*k + s*b), and scales by lsb * full once.
  // Analog slice readout (device.slice_readout: analog): the slices' column values are
  // weighted by 2^(s*b) and summed before ONE conversion per column and phase, normalised to
  // one fully-on row of the whole weight, full = (largest phase digit) x w_max (as an
  // unsliced array: adc.bound keeps its meaning); S_j = sum_p code_jp << (p*k).
  unsigned phases = 1, pk = 0;
  const double wfull =
      analog_readout_ ? static_cast<double>(weight_max(cfg_.weight_bits)) : levels_;
  double full;
  if (!bit_serial_) {
    full = static_cast<double>(input_max(cfg_.input_bits, is_signed)) * wfull;
  } else {
    const unsigned planes = bit_planes(cfg_.input_bits, is_signed);
    pk = std::min(phase_bits_, planes);
    phases = (planes + pk - 1) / pk;
    full = (std::ldexp(1.0, static_cast<int>(pk)) - 1.0) * wfull;
  }
  const uint32_t dmask = pk ? (1u << pk) - 1u : 0u;
  std::vector<double> acc(n_cols, 0.0), xp(n_rows), ideal(n_cols, 0.0);
  std::vector<int64_t> sum(n_cols, 0);
  for (unsigned p = 0; p < phases; ++p) {
    for (unsigned i = 0; i < n_rows; ++i) {
      const int32_t xi = x[i];
      if (!bit_serial_) {
        xp[i] = static_cast<double>(xi);
        continue;
      }
      const uint32_t m = static_cast<uint32_t>(xi < 0 ? -int64_t(xi) : xi);
      const uint32_t d = (m >> (p * pk)) & dmask;
      xp[i] = d ? (xi < 0 ? -static_cast<double>(d) : static_cast<double>(d)) : 0.0;
    }
    // Converts acc (or keeps it exact with an ideal ADC) and shift-adds it by 2^sh.
    auto accumulate = [&](int sh) {
      for (unsigned j = col0; j < n_cols; ++j) {
        if (bits > 0)
          sum[j] +=
              static_cast<int64_t>(adc_convert(acc[j], full, j, rng, oc)) * (int64_t(1) << sh);
        else
          ideal[j] += std::ldexp(acc[j], sh);
      }
    };
    if (analog_readout_) {
      readout_phase(xp.data(), n_rows, n_cols, rng, acc.data(), bits == 0, col0);
      accumulate(static_cast<int>(p * pk));
      continue;
    }
    for (unsigned sl = 0; sl < slices_; ++sl) {
      // With a real ADC the column model's read noise is drawn with the ADC's own noise.
      column_sums(xp.data(), n_rows, n_cols, rng, acc.data(), bits == 0, col0, sl);
      accumulate(static_cast<int>(p * pk + sl * cell_bits_));
    }
  }
  for (unsigned j = col0; j < n_cols; ++j) {
    const double v = bits > 0 ? static_cast<double>(sum[j]) * lsb * full : ideal[j];
    y[j] = sat32(v * alpha_);
  }
}

void AnalogArray::readback(unsigned n_rows, unsigned n_cols, double t_s, Rng& rng, int8_t* w) {
  refresh(n_rows, n_cols, t_s, rng);
  const int w_max = weight_max(cfg_.weight_bits);
  const std::size_t blk = static_cast<std::size_t>(n_rows) * n_cols;
  for (std::size_t k = 0; k < blk; ++k) {
    double v = std::clamp(std::round(combine(weff_, blk, k)), -static_cast<double>(w_max),
                          static_cast<double>(w_max));
    w[k] = static_cast<int8_t>(v);
  }
}

void AnalogArray::calibrate(double t_s, Rng& rng) {
  if (!programmed_) return;
  double now;
  if (column_model()) {
    refresh_moments(prog_rows_, prog_cols_, t_s);
    now = column_sum_abs_moments(prog_rows_, prog_cols_, rng);
  } else {
    refresh(prog_rows_, prog_cols_, t_s, rng);
    now = column_sum_abs(prog_rows_, prog_cols_);
  }
  alpha_ = now > 0 ? ref_sum_ / now : 1.0;
}

double AnalogArray::effective_weight(unsigned i, unsigned j, double t_s, Rng& rng) {
  unsigned nr = programmed_ ? prog_rows_ : cfg_.rows, nc = programmed_ ? prog_cols_ : cfg_.cols;
  refresh(nr, nc, t_s, rng);
  return combine(weff_, static_cast<std::size_t>(nr) * nc, static_cast<std::size_t>(i) * nc + j);
}

double AnalogArray::g_prog_us(unsigned i, unsigned j, bool negative, unsigned k, unsigned s) const {
  return dev_[index(i, j, negative, k, s)].g_prog;
}

uint64_t AnalogArray::writes(unsigned i, unsigned j, bool negative, unsigned k, unsigned s) const {
  return dev_[index(i, j, negative, k, s)].writes;
}

}  // namespace imcvp::imc
