// Energy, time, area and technology-node formulas of the IMC tiles (docs/imc-model.md,
// "Energy", "Area and efficiency", "Technology node", "Static power"); declared in numerics.h.
// Split from numerics.cpp (which keeps the bit-true array numerics).
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "models/common/tech_scaling.h"
#include "models/imc/numerics.h"

namespace imcvp::imc {

// ---- energy and time (docs/imc-model.md, "Energy") ----

namespace {
unsigned eff_adc_bits(const AdcConfig& a) {
  return a.bits == 0 ? a.ref_bits : a.bits;
}
bool bit_serial(const DacConfig& d) {
  return d.mode_enum() == DacMode::bit_serial;
}
}  // namespace

double adc_energy_pj(const AdcConfig& a) {
  if (a.energy_model_enum() == AdcEnergyModel::constant) return a.energy_pj;
  // Walden: E = FoM_W * 2^b with FoM_W = energy_pj / 2^ref_bits.
  return a.energy_pj * std::ldexp(1.0, int(eff_adc_bits(a)) - int(a.ref_bits));
}

double adc_node_factor(unsigned bits, double from_nm, double to_nm) {
  // Weight of the technology-limited regime: 1 up to 9 bits, 0 from 11 bits, geometric
  // crossover in between (10 bits: the square root of the digital factor).
  const double w = std::clamp((11.0 - bits) / 2.0, 0.0, 1.0);
  if (w == 0.0) return 1.0;
  return std::pow(tech::energy_scale(from_nm, to_nm), w);
}

unsigned bit_planes(unsigned input_bits, bool is_signed) {
  const auto m = static_cast<uint32_t>(input_max(input_bits, is_signed));
  return 32u - static_cast<unsigned>(__builtin_clz(m));  // m >= 1
}

double adc_conversion_ns(const AdcConfig& a) {
  if (a.architecture_enum() == AdcArchitecture::flash) return a.conversion_ns;
  // SAR: b bit cycles + 1 sampling phase.
  return a.conversion_ns * (eff_adc_bits(a) + 1.0) / (a.ref_bits + 1.0);
}

unsigned input_phases(const TileConfig& c, bool is_signed) {
  if (!bit_serial(c.dac)) return 1;
  const unsigned planes = bit_planes(c.input_bits, is_signed);
  const unsigned k = std::clamp(c.dac.bits_per_phase, 1u, planes);
  return (planes + k - 1) / k;
}

unsigned input_phase_steps(const TileConfig& c, bool is_signed) {
  if (!bit_serial(c.dac)) return (1u << c.input_bits) - 1u;
  const unsigned planes = bit_planes(c.input_bits, is_signed);
  const unsigned k = std::clamp(c.dac.bits_per_phase, 1u, planes);
  unsigned steps = 0;
  for (unsigned p = 0; p * k < planes; ++p) steps += (1u << std::min(k, planes - p * k)) - 1u;
  return steps;
}

unsigned dac_pulses(int32_t x, const DacConfig& d) {
  const uint32_t m = static_cast<uint32_t>(x < 0 ? -int64_t(x) : x);
  if (!bit_serial(d)) return m != 0 ? 1u : 0u;
  if (d.bits_per_phase <= 1) return static_cast<unsigned>(__builtin_popcount(m));
  // One pulse per phase whose digit is non-zero.
  const unsigned k = std::min(d.bits_per_phase, 31u);
  unsigned n = 0;
  for (uint32_t r = m; r != 0; r >>= k) n += (r & ((1u << k) - 1u)) != 0;
  return n;
}

double input_on_ns(int32_t x, const DacConfig& d) {
  const uint32_t m = static_cast<uint32_t>(x < 0 ? -int64_t(x) : x);
  if (!bit_serial(d)) return m * d.step_ns;
  if (d.bits_per_phase <= 1) return __builtin_popcount(m) * d.step_ns;
  // Pulse width within each phase: the sum of the phase digits, in steps.
  const unsigned k = std::min(d.bits_per_phase, 31u);
  uint32_t steps = 0;
  for (uint32_t r = m; r != 0; r >>= k) steps += r & ((1u << k) - 1u);
  return steps * d.step_ns;
}

MvmCost analog_mvm_cost(const TileConfig& c, const int32_t* x, const double* g_row_us, unsigned nr,
                        unsigned nc, bool is_signed) {
  MvmCost k;
  const bool bs = bit_serial(c.dac);
  const unsigned planes = bit_planes(c.input_bits, is_signed);
  const double b = planes;
  // Bit-sliced weights: every weight column is S physical columns. Digital slice readout:
  // each converted on its own, so a conversion round of adc.count ADCs covers adc.count of the
  // nc * S columns. Analog slice readout (device.slice_readout): the S columns' currents are
  // weighted and summed into one conversion per weight column (the stacking circuit itself is
  // not charged: no published figure), so conversions and rounds count the nc columns.
  const unsigned slices = c.analog() ? c.weight_slices() : 1u;
  const unsigned converted = c.analog_slice_readout() ? 1u : slices;
  const double rounds = std::ceil(static_cast<double>(uint64_t(nc) * converted) / c.adc.count);
  const double t_conv = adc_conversion_ns(c.adc);
  const unsigned phases = input_phases(c, is_signed);
  // PWM: one input phase of 2^b - 1 steps, then one conversion round; bit-serial: per input
  // phase (dac.bits_per_phase = k magnitude bits; input_bits unsigned, input_bits - 1 signed:
  // the sign is the drive polarity) 2^k - 1 steps (the last phase: 2^(bits left) - 1) and one
  // conversion round (every column converted once per phase). k = 1: one step and one round
  // per bit plane.
  if (bs && c.dac.bits_per_phase <= 1)
    k.t_ns = b * (c.dac.step_ns + rounds * t_conv);
  else if (bs)
    k.t_ns = input_phase_steps(c, is_signed) * c.dac.step_ns + phases * rounds * t_conv;
  else
    k.t_ns = (std::ldexp(1.0, int(c.input_bits)) - 1.0) * c.dac.step_ns + rounds * t_conv;
  k.t_ns += c.periphery.postproc_ns;
  k.adc_conversions = uint64_t(nc) * converted * phases;
  k.e_adc = static_cast<double>(k.adc_conversions) * adc_energy_pj(c.adc);
  const bool dac_data = c.dac.energy_model_enum() == DacEnergyModel::data;
  const bool ivt = c.periphery.array_energy_model_enum() == ArrayEnergyModel::ivt && g_row_us;
  double pulses = 0, e_arr = 0;
  for (unsigned i = 0; i < nr; ++i) {
    if (dac_data) pulses += dac_pulses(x[i], c.dac);
    if (ivt)
      e_arr += ivt_energy_pj(g_row_us[i], c.periphery.read_voltage_v, input_on_ns(x[i], c.dac));
  }
  k.e_dac = (dac_data ? pulses : static_cast<double>(nr)) * c.dac.energy_pj;
  k.e_array = ivt ? e_arr : double(nr) * nc * c.periphery.cell_energy_pj;
  k.e_digital = nc * c.periphery.postproc_energy_pj;
  return k;
}

MvmCost digital_mvm_cost(const TileConfig& c, unsigned nr, unsigned nc) {
  MvmCost k;
  k.t_ns = double(c.input_bits) * c.digital.cycles_per_bit * c.digital.cycle_ns +
           c.periphery.postproc_ns;
  k.e_array =
      double(nr) * nc * c.digital.mac_energy_pj * (double(c.input_bits) * c.weight_bits / 64.0);
  k.e_digital = nc * c.periphery.postproc_energy_pj;
  return k;
}

std::string energy_config_error(const TileConfig& c) {
  const std::pair<const char*, double> nodes[] = {
      {"area.node_nm", c.area.node_nm},
      {"area.leakage_node_nm", c.area.leakage_node_nm},
      {"area.clock_node_nm", c.area.clock_node_nm},
      {"dac.node_nm", c.dac.node_nm},
      {"adc.node_nm", c.adc.node_nm},
      {"digital.node_nm", c.digital.node_nm},
      {"periphery.node_nm", c.periphery.node_nm},
      {"periphery.buffer_node_nm", c.periphery.buffer_node_nm},
      {"queue.node_nm", c.queue.node_nm}};
  for (const auto& [key, v] : nodes)
    if (auto e = tech::node_error(v); !e.empty()) return std::string(key) + ": " + e;
  if (!c.analog()) return "";
  if (c.adc.energy_model_enum() == AdcEnergyModel::walden && c.adc.bits > 12)
    return "adc.bits = " + std::to_string(c.adc.bits) +
           " is beyond the Walden ADC energy model (at most 12 bits; thermal noise dominates "
           "above, docs/imc-model.md); use adc.energy_model: constant";
  if (c.adc.ref_bits < 1 || c.adc.ref_bits > 12) return "adc.ref_bits must be in [1, 12]";
  return "";
}

double adc_area_um2(const TileConfig& c) {
  if (c.adc.area_um2 > 0) return c.adc.area_um2;  // a published/measured ADC area
  const double t_ns = std::max(adc_conversion_ns(c.adc), 1e-3);
  const double f_hz = 1e9 / t_ns;
  const double e_pj = std::max(adc_energy_pj(c.adc), 1e-6);
  const double bits = eff_adc_bits(c.adc);
  return std::exp(4.850567 + 0.0666585 * std::log(f_hz) + 0.797324 * std::log(c.area.node_nm) -
                  0.134373 * bits + 0.423657 * std::log(e_pj));
}

TileArea tile_area(const TileConfig& c, uint64_t buffer_bytes) {
  const auto& a = c.area;
  auto sq = [](double r) { return r * r; };
  const double f_um = a.node_nm * 1e-3;
  const double sram_bit_um2 =
      a.sram_cell_um2 * sq(a.node_nm / a.sram_cell_node_nm) / a.sram_efficiency;
  const double periph_scale = sq(a.node_nm / a.periphery_node_nm);
  TileArea t;
  const double cells = double(c.rows) * c.cols;
  if (c.analog()) {
    t.array =
        cells * c.weight_slices() * 2.0 * c.device.devices_per_weight * a.cell_f2 * sq(f_um) * 1e-6;
    t.dac = double(c.rows) * a.dac_um2 * periph_scale * 1e-6;
    t.adc = double(c.adc.count) * adc_area_um2(c) * 1e-6;
  } else {
    t.array = cells * c.weight_bits * sram_bit_um2 * a.digital_overhead * 1e-6;
  }
  t.buffers = double(buffer_bytes) * 8.0 * sram_bit_um2 * 1e-6;
  t.periphery = a.periphery_mm2 * periph_scale;
  return t;
}

double peak_tops(const TileConfig& c) {
  MvmCost k;
  if (c.analog()) {
    const std::vector<int32_t> x(c.rows, 0);
    k = analog_mvm_cost(c, x.data(), nullptr, c.rows, c.cols);
  } else {
    k = digital_mvm_cost(c, c.rows, c.cols);
  }
  return k.t_ns > 0 ? 2.0 * double(c.rows) * c.cols / k.t_ns * 1e-3 : 0.0;
}

TileConfig at_node(const TileConfig& c) {
  TileConfig o = c;
  const double n = c.area.node_nm;
  auto es = [n](double from) { return tech::energy_scale(from, n); };
  // The clocks (cycle times) are this design's choices at area.clock_node_nm.
  const double dd = tech::delay_scale(c.area.clock_node_nm, n);
  o.area.clock_node_nm = n;
  o.dac.energy_pj *= es(c.dac.node_nm);
  o.dac.node_nm = n;
  o.adc.energy_pj *= adc_node_factor(eff_adc_bits(c.adc), c.adc.node_nm, n);
  o.adc.node_nm = n;
  const double de = es(c.digital.node_nm);
  o.digital.cycle_ns *= dd;
  o.digital.write_row_ns *= dd;
  o.digital.mac_energy_pj *= de;
  o.digital.write_energy_pj_per_byte *= de;
  o.digital.node_nm = n;
  o.periphery.postproc_ns *= dd;
  o.periphery.postproc_energy_pj *= es(c.periphery.node_nm);
  o.periphery.node_nm = n;
  o.periphery.buffer_energy_pj_per_byte *= es(c.periphery.buffer_node_nm);
  o.periphery.buffer_node_nm = n;
  const double qe = es(c.queue.node_nm);
  o.queue.clock_ns *= dd;
  o.queue.vec_simple_energy_pj *= qe;
  o.queue.vec_mul_energy_pj *= qe;
  o.queue.node_nm = n;
  return o;
}

double tile_leakage_mw(const TileConfig& c, const TileArea& a) {
  const double from = c.area.leakage_node_nm, to = c.area.node_nm;
  const double density =
      c.area.leakage_mw_per_mm2 * tech::power_scale(from, to) / tech::area_scale(from, to);
  const double cmos = a.total() - (c.analog() ? a.array : 0.0);
  return density * cmos;
}

}  // namespace imcvp::imc
