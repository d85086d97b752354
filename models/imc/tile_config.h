// Configuration of one IMC tile (analog crossbar or digital SRAM compute-in-memory).
//
// Defaults describe an analog PCM tile in the style of IBM HERMES (256 x 256 crossbar, 8-bit
// PWM inputs, one ADC per column, ~130 ns per MVM) with aihwkit's PCM statistical model for
// programming noise, drift and 1/f read noise. Every number cites its source in a comment;
// docs/imc-model.md explains every formula that uses them. Presets for other technologies are
// in configs/tech/.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "models/common/config.h"

namespace imcvp::imc {

// Choice keys as enums behind name tables (the idiom of PlatformConfig::calibration,
// platform/platform_config.h): the config keeps the name, visit() accepts only the table's
// names (config text and error messages unchanged), and the model asks the accessor for the
// enum instead of comparing strings. Table order = enum order.
// A name outside the table (possible only in a config built in code: visit() accepts the
// table's names only) is a ConfigError, never silently the first entry.
template <class E, std::size_t N>
E enum_of(const std::string& name, const char* const (&names)[N]) {
  if (auto e = config::find_choice<E>(name, names)) return *e;
  std::string known;
  for (const char* n : names) known += std::string(known.empty() ? "" : ", ") + n;
  throw config::ConfigError("unknown choice '" + name + "' (known: " + known + ")");
}

enum class DriftModel { aihwkit_pcm, gaussian };
inline constexpr const char* kDriftModelNames[] = {"aihwkit-pcm", "gaussian"};
enum class ReadNoiseModel { column, device };
inline constexpr const char* kReadNoiseModelNames[] = {"column", "device"};
enum class IrDropModel { first_order, nodal };
inline constexpr const char* kIrDropModelNames[] = {"first-order", "nodal"};
enum class DacMode { pwm, bit_serial };
inline constexpr const char* kDacModeNames[] = {"pwm", "bit-serial"};
enum class DacEnergyModel { data, constant };
inline constexpr const char* kDacEnergyModelNames[] = {"data", "constant"};
enum class AdcEnergyModel { walden, constant };
inline constexpr const char* kAdcEnergyModelNames[] = {"walden", "constant"};
enum class AdcArchitecture { sar, flash };
inline constexpr const char* kAdcArchitectureNames[] = {"sar", "flash"};
enum class ArrayEnergyModel { ivt, constant };
inline constexpr const char* kArrayEnergyModelNames[] = {"ivt", "constant"};
enum class TileKind { analog, digital };
inline constexpr const char* kTileKindNames[] = {"analog", "digital"};
enum class SliceReadout { digital, analog };
inline constexpr const char* kSliceReadoutNames[] = {"digital", "analog"};
static_assert(std::size(kDriftModelNames) == 2 && std::size(kReadNoiseModelNames) == 2 &&
                  std::size(kIrDropModelNames) == 2 && std::size(kDacModeNames) == 2 &&
                  std::size(kDacEnergyModelNames) == 2 && std::size(kAdcEnergyModelNames) == 2 &&
                  std::size(kAdcArchitectureNames) == 2 && std::size(kArrayEnergyModelNames) == 2 &&
                  std::size(kTileKindNames) == 2 && std::size(kSliceReadoutNames) == 2,
              "one name per enumerator");

// The memory device holding one weight (analog tiles).
struct DeviceConfig {
  std::string technology = "pcm";  // label only (reports); physics come from the numbers below
  // aihwkit PCMLikeNoiseModel: g_max = 25 uS (aihwkit/inference/noise/pcm.py).
  double g_max_us = 25.0;
  // PCM on/off ratio ~100 (1e2..1e3 for PCM, issue 3 seed characteristics): g_min = g_max/100.
  double g_min_us = 0.25;
  // HERMES uses 4 PCM devices per weight (2 per polarity); 1 keeps the default cheap.
  uint32_t devices_per_weight = 1;
  // PCM endurance 1e6..1e8 writes (issue 3 seed characteristics; Burr et al., "Recent progress
  // in phase-change memory technology", IEEE JETCAS 6(2), 2016): the conservative end x10.
  double endurance_writes = 1e7;
  // PCM SET pulse ~100 ns, ~10 pJ per pulse at scaled nodes (Wong et al., "Phase change
  // memory", Proc. IEEE 98(12), 2010: RESET/SET in the 10-100 ns, pJ..tens-of-pJ range).
  double write_pulse_ns = 100.0;
  double write_pulse_energy_pj = 10.0;
  // A verify read is one array read of the row: ~one MVM input phase (HERMES, ~100 ns), a few
  // pJ per device including the sense amplifier (estimate from the ADC energy below).
  double verify_ns = 100.0;
  double verify_energy_pj = 2.0;
  // Rows programmed at once (all columns of a row in parallel): one row at a time, as the
  // row-wise iterative programming of Le Gallo et al. (HERMES, Nature Electronics 2023).
  uint32_t program_rows_parallel = 1;
  // Weight bits per device (bit-sliced weights, docs/imc-model.md, Numerics item 11): the
  // weight magnitude (weight_bits - 1 bits) is split into S = ceil((weight_bits - 1) /
  // bits_per_cell) slices, each on its own device(s) of 2^bits_per_cell levels on an adjacent
  // column, by default (slice_readout digital) converted by the ADC on its own and shift-added
  // by 2^(s*bits_per_cell) in the periphery: the cellBit scheme of NeuroSim (Chen et al.,
  // "NeuroSim: a circuit-level macro model for benchmarking neuro-inspired architectures in online
  // learning", IEEE TCAD 37(12), 2018; Peng et al., IEDM 2019) and ISAAC (Shafiee et al., ISCA
  // 2016: 2-bit cells). 1 = binary cells. 0 (default) = all magnitude bits in one multi-level
  // device (S = 1).
  uint32_t bits_per_cell = 0;
  // How the S slices of a bit-sliced weight are read out (docs/imc-model.md, Numerics item 11).
  // digital (default): every slice's column is converted on its own and the codes are
  // shift-added in the periphery (ISAAC, NeuroSim, above). analog: the slice columns' currents
  // are weighted by 2^(s*bits_per_cell) and summed in the readout, ONE conversion per weight
  // column and input phase, full scale the weighted sum's range (adc.bound keeps its meaning
  // in fully-on rows of the whole weight): the "calibrated-and-weighted current-to-voltage
  // stacking read scheme" of Hung et al. (Nature Electronics 4, 921-930, 2021, abstract) for
  // 8-bit weights on binary ReRAM cells. The stacking circuit has no energy, time or area of
  // its own in the model (none published). Needs bits_per_cell >= 1.
  std::string slice_readout = kSliceReadoutNames[0];

  SliceReadout slice_readout_enum() const {
    return enum_of<SliceReadout>(slice_readout, kSliceReadoutNames);
  }

  template <class V>
  void visit(V& v) {
    v.param("technology", technology, "Technology label (reports only)");
    v.param("g_max_us", g_max_us, "Maximum programmable conductance", "uS", {1e-6, 1e6});
    v.param("g_min_us", g_min_us, "Minimum (off-state) conductance; g_max/g_min = on/off ratio",
            "uS", {0.0, 1e6});
    v.param("devices_per_weight", devices_per_weight,
            "Devices per polarity per weight (their conductances are averaged)", "count", {1, 16});
    v.param("endurance_writes", endurance_writes,
            "Write pulses a device survives; the next write leaves it stuck at g_min", "count",
            {1.0, 1e30});
    v.param("write_pulse_ns", write_pulse_ns, "Duration of one programming pulse", "ns",
            {0.0, 1e9});
    v.param("write_pulse_energy_pj", write_pulse_energy_pj, "Energy of one programming pulse", "pJ",
            {0.0, 1e9});
    v.param("verify_ns", verify_ns, "Duration of one write-verify read of a row group", "ns",
            {0.0, 1e9});
    v.param("verify_energy_pj", verify_energy_pj, "Energy of one verify read per device", "pJ",
            {0.0, 1e9});
    v.param("program_rows_parallel", program_rows_parallel,
            "Rows programmed in parallel (all columns of those rows at once)", "count", {1, 65536});
    v.param("bits_per_cell", bits_per_cell,
            "Weight bits per device: bit-sliced weights, read out as slice_readout says (0: the "
            "whole magnitude in one multi-level device)",
            "bit", {0, 7});
    v.choice("slice_readout", slice_readout, {kSliceReadoutNames[0], kSliceReadoutNames[1]},
             "Readout of bit-sliced weights: one conversion per slice and shift-add (digital) or "
             "slice currents weighted and summed before one conversion per column (analog)");
  }
};

// Analog non-idealities; each switchable. Coefficients are aihwkit's PCMLikeNoiseModel.
struct NonIdealConfig {
  // Programming noise: sigma(g_T) = (c0 + c1*gT + c2*gT^2) * g_max/prog_coeff_g_max_us, with
  // gT = g_T/g_max (aihwkit PCMLikeNoiseModel.prog_coeff = [0.26348, 1.9650, -1.1731] uS
  // fitted at g_max = 25 uS; Nandakumar et al., IEDM 2019 / Joshi et al., Nat. Commun. 2020).
  bool programming_noise = true;
  double prog_noise_scale = 1.0;
  double prog_coeff0_us = 0.26348;
  double prog_coeff1_us = 1.9650;
  double prog_coeff2_us = -1.1731;
  double prog_coeff_g_max_us = 25.0;
  // Write-verify: re-program a device until |g - g_T| <= tolerance * g_max (HERMES-style
  // iterative programming; tolerance and iteration cap are typical values, not measurements).
  bool write_verify = true;
  double verify_tolerance = 0.04;
  uint32_t verify_max_iterations = 5;
  // Drift g(t) = g_prog * ((t + t0)/t0)^-nu. aihwkit-pcm: nu ~ N(mu(g), sigma(g)) with
  // mu = clamp(-0.0155 ln(gT) + 0.0244, 0.049, 0.1), sigma = clamp(-0.0125 ln(gT) - 0.0059,
  // 0.008, 0.045), t0 = 20 s (aihwkit PCMLikeNoiseModel). gaussian: nu ~ N(nu_mean, nu_std).
  bool drift = true;
  std::string drift_model = kDriftModelNames[0];
  double drift_t0_s = 20.0;
  double drift_nu_mean = 0.05;
  double drift_nu_std = 0.01;
  // Extra device age added to the simulated time since programming (retention studies);
  // firmware can change it at run time through the AGE_S register.
  double extra_age_s = 0.0;
  // 1/f read noise (aihwkit): sigma/|g| = Q_s * sqrt(ln((t + t_read)/(2 t_read))), Q_s =
  // min(0.0088 / max(gT^0.65, 1e-3), 0.2), t_read = 250 ns (aihwkit PCMLikeNoiseModel).
  bool read_noise = true;
  double read_noise_scale = 1.0;
  double read_noise_t_read_s = 250e-9;
  // Where the read noise is drawn (docs/imc-model.md, Numerics item 7): column = one Gaussian
  // per column output per MVM with the exact mean and variance of the sum of the per-device
  // noises (fast); device = one draw per device per time point, shared by all vectors at that
  // time (the pre-issue-19 model).
  std::string read_noise_model = kReadNoiseModelNames[0];
  // Column model: the cached drift/read-noise moments are reused while no device's drift
  // factor or read-noise std can have changed by more than this relative amount since they
  // were computed (0: recompute at every new time point). Modelling choice, issue 19.
  double drift_cache_tol = 1e-5;
  // Stuck-at faults per device, drawn once when the tile is built. ~1% stuck devices is the
  // order reported for PCM arrays (Joshi et al., Nat. Commun. 11, 2473, 2020); default 0.
  double stuck_on_rate = 0.0;
  double stuck_off_rate = 0.0;
  // IR drop: series wire resistance per cell pitch (~1-3 ohm for a 22-45 nm metal pitch;
  // NeuroSim's wire model, Peng et al., IEDM 2019). Off by default (first-order model only).
  // Device-to-device variation of the conductance window: each device's programmed
  // conductance above g_min is scaled by s ~ N(1, g_max_sigma) (clamped at 0), drawn once when
  // the tile is built; the weight mapping does not know s. Off by default (a few per cent is
  // the order reported for PCM and ReRAM arrays programmed with a common pulse scheme, e.g.
  // Joshi et al., Nat. Commun. 11, 2473, 2020).
  double g_max_sigma = 0.0;
  bool ir_drop = false;
  double wire_resistance_ohm = 2.0;
  // first-order: every device in series with its own wire path (data-independent, no sharing
  // of wire current). nodal: Kirchhoff solve of the active block per input vector (row and
  // column wires of wire_resistance_ohm per cell pitch, drivers at column 0, sense amplifiers
  // at virtual ground below the last row; each polarity its own crossbar), data-dependent.
  // A linear network: the PWM charge equals one DC solve with row voltages proportional to x.
  std::string ir_drop_model = kIrDropModelNames[0];

  DriftModel drift_model_enum() const { return enum_of<DriftModel>(drift_model, kDriftModelNames); }
  ReadNoiseModel read_noise_model_enum() const {
    return enum_of<ReadNoiseModel>(read_noise_model, kReadNoiseModelNames);
  }
  IrDropModel ir_drop_model_enum() const {
    return enum_of<IrDropModel>(ir_drop_model, kIrDropModelNames);
  }

  template <class V>
  void visit(V& v) {
    v.param("programming_noise", programming_noise, "Programming noise on every write pulse");
    v.param("prog_noise_scale", prog_noise_scale, "Scale of the programming noise", "", {0.0, 1e3});
    v.param("prog_coeff0_us", prog_coeff0_us, "Programming noise polynomial c0", "uS");
    v.param("prog_coeff1_us", prog_coeff1_us, "Programming noise polynomial c1 (x gT)", "uS");
    v.param("prog_coeff2_us", prog_coeff2_us, "Programming noise polynomial c2 (x gT^2)", "uS");
    v.param("prog_coeff_g_max_us", prog_coeff_g_max_us,
            "g_max at which the programming-noise coefficients were fitted", "uS", {1e-6, 1e6});
    v.param("write_verify", write_verify, "Iterative write-verify programming");
    v.param("verify_tolerance", verify_tolerance,
            "Write-verify accepts |g - target| <= tolerance * g_max", "", {0.0, 1.0});
    v.param("verify_max_iterations", verify_max_iterations, "Write-verify iteration cap", "count",
            {1, 1000});
    v.param("drift", drift, "Conductance drift g_prog*((t+t0)/t0)^-nu");
    v.choice("drift_model", drift_model, {kDriftModelNames[0], kDriftModelNames[1]},
             "How nu is drawn per device");
    v.param("drift_t0_s", drift_t0_s, "Drift reference time t0", "s", {1e-12, 1e12});
    v.param("drift_nu_mean", drift_nu_mean, "Mean drift exponent (gaussian model)", "", {0.0, 1.0});
    v.param("drift_nu_std", drift_nu_std, "Std of the drift exponent (gaussian model)", "",
            {0.0, 1.0});
    v.param("extra_age_s", extra_age_s,
            "Extra age added to the time since programming (reset value of AGE_S)", "s",
            {0.0, 4294967295.0});
    v.param("read_noise", read_noise, "1/f read noise (aihwkit form)");
    v.param("read_noise_scale", read_noise_scale, "Scale of the read noise", "", {0.0, 1e3});
    v.param("read_noise_t_read_s", read_noise_t_read_s, "Read duration t_read of the 1/f model",
            "s", {1e-15, 1.0});
    v.choice("read_noise_model", read_noise_model,
             {kReadNoiseModelNames[0], kReadNoiseModelNames[1]},
             "Read noise drawn per column output per MVM (exact moments), or per device per "
             "time point");
    v.param("drift_cache_tol", drift_cache_tol,
            "Column read-noise model: relative drift/read-noise change tolerated before the "
            "cached moments are recomputed (0: at every new time)",
            "", {0.0, 1e-2});
    v.param("stuck_on_rate", stuck_on_rate, "Probability a device is stuck at g_max", "",
            {0.0, 1.0});
    v.param("stuck_off_rate", stuck_off_rate, "Probability a device is stuck at g_min", "",
            {0.0, 1.0});
    v.param("g_max_sigma", g_max_sigma,
            "Device-to-device relative std of the conductance window (drawn once)", "", {0.0, 1.0});
    v.param("ir_drop", ir_drop, "IR-drop attenuation (series wire resistance model)");
    v.param("wire_resistance_ohm", wire_resistance_ohm, "Wire resistance per cell pitch", "ohm",
            {0.0, 1e6});
    v.choice("ir_drop_model", ir_drop_model, {kIrDropModelNames[0], kIrDropModelNames[1]},
             "IR drop: per-device series path, or a nodal solve per input vector");
  }
};

struct DacConfig {
  // HERMES encodes 8-bit inputs as pulse widths (PWM); bit-serial applies one bit per step.
  std::string mode = kDacModeNames[0];
  // PWM: 8-bit inputs in ~100 ns of HERMES's ~130 ns MVM -> ~0.4 ns per LSB (255 steps).
  // bit-serial: one step per input bit.
  double step_ns = 0.4;
  // Driving one row line once (one pulse): C*V^2 of ~50 fF (256 cells x 0.2 fF) at 0.3 V is
  // ~5 fJ; x10 for the driver and PWM logic (estimate). Dynamic CMOS energy C*V^2 per charged
  // line (Rabaey, Chandrakasan, Nikolic, "Digital Integrated Circuits", 2nd ed., ch. 5).
  double energy_pj = 0.05;
  // data: a row is charged once per pulse it carries: PWM one pulse per non-zero input, bit-
  // serial one pulse per 1 bit of |x| (docs/imc-model.md, Energy); zero inputs cost nothing.
  // constant: energy_pj per row per MVM regardless of the input (the pre-issue-14 model).
  std::string energy_model = kDacEnergyModelNames[0];
  // Bit-serial mode: input magnitude bits applied per phase (docs/imc-model.md, Numerics item
  // 11). An input of m magnitude bits is applied in P = ceil(m / bits_per_phase) phases; phase p
  // drives the row with the digit (|x| >> p*k) & (2^k - 1), k = bits_per_phase, as a pulse of
  // digit x step_ns within a phase of 2^k - 1 steps (pulse width within the phase), followed by
  // one conversion round; the periphery shift-adds the codes by 2^(p*k). Multi-bit input phases
  // with shift-add of the phase results: PRIME (Chi et al., ISCA 2016: 6-bit inputs as two
  // 3-bit phases); k = 1 is the bit-serial scheme of ISAAC (Shafiee et al., ISCA 2016).
  uint32_t bits_per_phase = 1;
  // Node at which energy_pj is given (the estimate above is for HERMES's 14 nm): scaled to
  // area.node_nm with Stillmaker & Baas 2017 (docs/imc-model.md, "Technology node").
  double node_nm = 14.0;

  DacMode mode_enum() const { return enum_of<DacMode>(mode, kDacModeNames); }
  DacEnergyModel energy_model_enum() const {
    return enum_of<DacEnergyModel>(energy_model, kDacEnergyModelNames);
  }

  template <class V>
  void visit(V& v) {
    v.choice("mode", mode, {kDacModeNames[0], kDacModeNames[1]},
             "Input encoding: pulse width (2^b-1 steps) or bit-serial (b steps)");
    v.param("step_ns", step_ns, "Duration of one PWM LSB or one bit-serial step", "ns", {0.0, 1e9});
    v.param("bits_per_phase", bits_per_phase,
            "Bit-serial mode: input bits per phase (pulse width within the phase, one conversion "
            "round per phase, shift-add)",
            "bit", {1, 8});
    v.param("energy_pj", energy_pj,
            "DAC/driver energy per row pulse (data model) or per row per MVM (constant)", "pJ",
            {0.0, 1e9});
    v.choice("energy_model", energy_model, {kDacEnergyModelNames[0], kDacEnergyModelNames[1]},
             "DAC energy: per pulse actually driven (data) or per row per MVM (constant)");
    v.param("node_nm", node_nm, "Node at which energy_pj is given (scaled to area.node_nm)", "nm",
            {7.0, 180.0});
  }
};

struct AdcConfig {
  // 8-bit ADCs (HERMES: one per column, 256 per tile). bits = 0 is an ideal ADC (no
  // quantisation, saturation, gain or offset error).
  uint32_t bits = 8;
  // Saturation bound of the normalised column output sum_i x_i w_ij / (x_max w_max), in units
  // of fully-on rows. aihwkit's IOParameters.out_bound is 12; 16 leaves a 3-sigma margin for
  // 256-row MVMs of uniform random int8 data (sigma = sqrt(256/9) = 5.3; modelling choice).
  double bound = 16.0;
  uint32_t count = 256;  // HERMES: one ADC per column
  // Time of one conversion at ref_bits: HERMES ~130 ns MVM total minus ~100 ns input phase.
  double conversion_ns = 30.0;
  // Energy of one conversion at ref_bits: 8-bit ADC 1.5-2.5 pJ per conversion (Murmann, "ADC
  // Performance Survey 1997-2023": Walden FoM ~5-10 fJ/conversion-step x 256 steps). 2 pJ at
  // 8 bits is a Walden FoM of 7.8 fJ/conversion-step.
  double energy_pj = 2.0;
  // Resolution at which energy_pj and conversion_ns are given.
  uint32_t ref_bits = 8;
  // Node at which energy_pj is given. Default 14 nm, the default tile's area.node_nm (HERMES's
  // 14 nm CMOS), so the default tile and the presets keep their numbers. At another
  // area.node_nm, adc_node_factor() applies Murmann's two regimes (docs/imc-model.md,
  // "Technology node"): technology-limited converters (<= 9 bits) scale like digital energy
  // (Stillmaker & Baas 2017), thermal-noise-limited ones (>= 11 bits) do not scale (B. Murmann,
  // "The race for the extra decibel: a brief review of current ADC performance trajectories",
  // IEEE Solid-State Circuits Magazine 7(3), 2015; "Energy limits in A/D converters", IEEE
  // FTFC 2013).
  double node_nm = 14.0;
  // walden: constant Walden figure of merit, E(b) = FoM_W * 2^b = energy_pj * 2^(b - ref_bits)
  // (R. H. Walden, "Analog-to-digital converter survey and analysis", IEEE JSAC 17(4), 1999;
  // the FoM that Murmann's survey tracks). It describes the technology-limited regime of
  // low/medium-resolution converters; above ~12 bits thermal noise makes energy grow 4x per bit
  // (Murmann, "Energy limits in A/D converters", IEEE FTFC 2013), so bits > 12 are rejected.
  // constant: energy_pj per conversion at any resolution (the pre-issue-14 model).
  std::string energy_model = kAdcEnergyModelNames[0];
  // sar: one comparator cycle per bit plus one sampling phase, T(b) = conversion_ns *
  // (b + 1)/(ref_bits + 1) (successive approximation, McCreary & Gray, "All-MOS charge
  // redistribution analog-to-digital conversion techniques", IEEE JSSC 10(6), 1975). flash:
  // one comparison by 2^b - 1 comparators, T = conversion_ns at any resolution.
  std::string architecture = kAdcArchitectureNames[0];
  double gain_sigma = 0.0;        // per-column relative gain error (std), drawn once
  double offset_sigma_lsb = 0.0;  // per-column offset error (std, in LSB), drawn once
  // Temporal (thermal + comparator) noise per conversion, std in LSB, drawn per conversion.
  // Off by default; a converter designed to its resolution keeps it below ~0.5 LSB (its SNDR
  // then stays within ~1 dB of 6.02 b + 1.76 dB; Murmann's survey tabulates SNDR per design).
  double noise_sigma_lsb = 0.0;
  // Area of one ADC at area.node_nm (um^2); 0: the survey regression of adc_area_um2()
  // (docs/imc-model.md, "Area and efficiency"). Calibration presets set their chip's figure.
  double area_um2 = 0.0;
  // Static integral non-linearity (INL; IEEE Std 1241-2010 definitions), off by default:
  // inl_lsb: peak of a bow-shaped INL, inl_lsb * (1 - (code/code_max)^2), the square-law
  // term of a current-controlled oscillator's frequency-vs-current curve that HERMES's CCO ADCs
  // linearise (Khaddam-Aljameh et al., IEEE JSSC 57(4), 2022); dnl_sigma_lsb: per-code
  // differential non-linearity (threshold/capacitor mismatch) drawn once per column and code,
  // integrated into a random INL profile with zero end points.
  double inl_lsb = 0.0;
  double dnl_sigma_lsb = 0.0;

  AdcEnergyModel energy_model_enum() const {
    return enum_of<AdcEnergyModel>(energy_model, kAdcEnergyModelNames);
  }
  AdcArchitecture architecture_enum() const {
    return enum_of<AdcArchitecture>(architecture, kAdcArchitectureNames);
  }

  template <class V>
  void visit(V& v) {
    v.param("bits", bits, "ADC resolution (0: ideal, no quantisation or saturation)", "bit",
            {0, 24});
    v.param("bound", bound, "Saturation bound in fully-on-row units", "", {1e-6, 1e9});
    v.param("count", count, "ADCs per tile (shared across columns)", "count", {1, 65536});
    v.param("conversion_ns", conversion_ns, "Time of one conversion at ref_bits", "ns", {0.0, 1e9});
    v.param("energy_pj", energy_pj, "Energy per conversion at ref_bits", "pJ", {0.0, 1e9});
    v.param("ref_bits", ref_bits, "Resolution at which energy_pj and conversion_ns are given",
            "bit", {1, 12});
    v.param("node_nm", node_nm,
            "Node at which energy_pj is given (scaled to area.node_nm: fully up to 9 bits, not "
            "from 11 bits)",
            "nm", {7.0, 180.0});
    v.choice("energy_model", energy_model, {kAdcEnergyModelNames[0], kAdcEnergyModelNames[1]},
             "Energy vs resolution: constant Walden FoM (x2 per bit) or constant");
    v.choice("architecture", architecture, {kAdcArchitectureNames[0], kAdcArchitectureNames[1]},
             "Conversion time vs resolution: SAR (b+1 cycles) or flash (constant)");
    v.param("gain_sigma", gain_sigma, "Per-column relative gain error std", "", {0.0, 1.0});
    v.param("offset_sigma_lsb", offset_sigma_lsb, "Per-column offset error std", "LSB", {0.0, 1e6});
    v.param("noise_sigma_lsb", noise_sigma_lsb, "Noise per conversion (std)", "LSB", {0.0, 1e6});
    v.param("area_um2", area_um2, "Area of one ADC (0: survey regression)", "um^2", {0.0, 1e9});
    v.param("inl_lsb", inl_lsb, "Peak bow-shaped static INL (0: off)", "LSB", {-64.0, 64.0});
    v.param("dnl_sigma_lsb", dnl_sigma_lsb,
            "Per-column, per-code DNL std integrated into a static INL profile (0: off)", "LSB",
            {0.0, 4.0});
  }
};

// Digital SRAM-IMC timing and energy (digital tiles).
struct DigitalConfig {
  // 1 GHz macro clock, one input bit per cycle (bit-serial digital CIM, e.g. Chih et al.,
  // "An 89TOPS/W and 16.3TOPS/mm2 all-digital SRAM-based full-precision compute-in-memory
  // macro in 22nm", ISSCC 2021).
  double cycle_ns = 1.0;
  uint32_t cycles_per_bit = 1;
  // 30-100 fJ per 8-bit MAC for digital SRAM-CIM macros (issue 3; Chih et al. ISSCC 2021
  // reach ~22 fJ/MAC at 4 bit): 50 fJ. Scaled by (input_bits x weight_bits)/64: a bit-serial
  // digital CIM macro does one weight_bits-wide AND/add per input bit (Chih et al. 2021).
  double mac_energy_pj = 0.05;
  // SRAM row write: one cycle per row; 1.25 pJ/byte at 45 nm (Horowitz, ISSCC 2014: 10 pJ per
  // 64-bit read of an 8 KiB SRAM), 0.34 pJ/byte at 22 nm (x0.276, Stillmaker & Baas 2017).
  double write_row_ns = 1.0;
  double write_energy_pj_per_byte = 0.34;
  // Node of mac_energy_pj and write_energy_pj_per_byte (Chih et al.'s 22 nm), scaled to
  // area.node_nm with Stillmaker & Baas 2017 (cycle_ns and write_row_ns: area.clock_node_nm).
  double node_nm = 22.0;

  template <class V>
  void visit(V& v) {
    v.param("cycle_ns", cycle_ns, "Macro clock period", "ns", {0.0, 1e9});
    v.param("cycles_per_bit", cycles_per_bit, "Cycles per input bit (bit-serial)", "count",
            {1, 1024});
    v.param("mac_energy_pj", mac_energy_pj,
            "Energy per 8x8-bit MAC (scaled by input_bits*weight_bits/64)", "pJ", {0.0, 1e9});
    v.param("write_row_ns", write_row_ns, "Time to write one weight row", "ns", {0.0, 1e9});
    v.param("write_energy_pj_per_byte", write_energy_pj_per_byte, "Weight write energy", "pJ",
            {0.0, 1e9});
    v.param("node_nm", node_nm,
            "Node at which the digital energies are given (scaled to area.node_nm)", "nm",
            {7.0, 180.0});
  }
};

// Periphery shared by both kinds: array read energy, post-processing, buffers, DMA.
struct PeripheryConfig {
  // Analog cell read, constant model: I*V*t = 0.2 V x ~5 uA x ~50 ns average pulse ~ 50 fJ at
  // g_max, ~10 fJ at a typical quarter of g_max (estimate from the device numbers above).
  double cell_energy_pj = 0.01;
  // ivt: the array energy is V_read^2 * G * t_on summed over the devices of every active row,
  // from the programmed conductances and each input's pulse time (docs/imc-model.md, Energy);
  // constant: cell_energy_pj per cell per MVM (the pre-issue-14 model).
  std::string array_energy_model = kArrayEnergyModelNames[0];
  // Read voltage across a cell: PCM is read at 0.1-0.3 V, well below the threshold-switching
  // voltage, so reads do not disturb the state (Burr et al., IEEE JETCAS 6(2), 2016). 0.2 V.
  double read_voltage_v = 0.2;
  // Post-processing (bias, ReLU, requantisation): four cycles of the tile's 1 GHz pipeline
  // per vector and, per column, an 8x32-bit multiply-add: ~0.9 pJ at 45 nm (Horowitz, ISSCC
  // 2014: 32-bit multiply 3.1 pJ, about a quarter for 8 x 32 bits, plus a 32-bit add 0.1 pJ).
  double postproc_ns = 4.0;
  double postproc_energy_pj = 0.9;
  // Node of postproc_energy_pj (scaled to area.node_nm; postproc_ns: area.clock_node_nm).
  double node_nm = 45.0;
  // Local buffer SRAM: ~1.25 pJ/byte (Horowitz, ISSCC 2014, 45 nm, 8 KiB SRAM 64-bit read).
  double buffer_energy_pj_per_byte = 1.25;
  double buffer_node_nm = 45.0;
  // DMA engine: setup per transfer and streaming rate (8 B per 1 GHz cycle); the bus adds its
  // own latency per burst. Modelling assumptions.
  double dma_setup_ns = 10.0;
  double dma_bytes_per_ns = 8.0;
  uint32_t dma_burst_bytes = 64;
  // Bursts in flight at once. The ARM CoreLink DMA-330 TRM (DDI 0424) makes the read and
  // write issuing capability a build-time choice of 1..16 outstanding transactions; 4 is a
  // mid-range choice (enough to cover a few hundred ns of NoC/DRAM latency at 64 B bursts).
  uint32_t dma_outstanding = 4;
  // Register access latency: a few cycles of a 1 GHz core (same assumption as the other
  // peripherals).
  double reg_latency_ns = 2.0;

  ArrayEnergyModel array_energy_model_enum() const {
    return enum_of<ArrayEnergyModel>(array_energy_model, kArrayEnergyModelNames);
  }

  template <class V>
  void visit(V& v) {
    v.param("cell_energy_pj", cell_energy_pj,
            "Analog array energy per cell per MVM (array_energy_model constant)", "pJ", {0.0, 1e9});
    v.choice("array_energy_model", array_energy_model,
             {kArrayEnergyModelNames[0], kArrayEnergyModelNames[1]},
             "Analog array energy: V^2*G*t from conductances and inputs, or per cell");
    v.param("read_voltage_v", read_voltage_v, "Read voltage across a cell (ivt model)", "V",
            {0.0, 10.0});
    v.param("postproc_ns", postproc_ns, "Digital post-processing time per vector", "ns",
            {0.0, 1e9});
    v.param("postproc_energy_pj", postproc_energy_pj, "Post-processing energy per column", "pJ",
            {0.0, 1e9});
    v.param("node_nm", node_nm, "Node of postproc_energy_pj (scaled to area.node_nm)", "nm",
            {7.0, 180.0});
    v.param("buffer_energy_pj_per_byte", buffer_energy_pj_per_byte,
            "Local buffer access energy per byte", "pJ", {0.0, 1e9});
    v.param("buffer_node_nm", buffer_node_nm,
            "Node of buffer_energy_pj_per_byte (scaled to area.node_nm)", "nm", {7.0, 180.0});
    v.param("dma_setup_ns", dma_setup_ns, "DMA setup time per transfer", "ns", {0.0, 1e9});
    v.param("dma_bytes_per_ns", dma_bytes_per_ns, "DMA streaming rate", "B/ns", {1e-6, 1e9});
    v.param("dma_burst_bytes", dma_burst_bytes, "Bytes per DMA bus transaction", "B", {4, 4096});
    v.param("dma_outstanding", dma_outstanding,
            "DMA bursts in flight at once (one engine thread each)", "count", {1, 64});
    v.param("reg_latency_ns", reg_latency_ns, "Latency of one register or buffer access", "ns",
            {0.0, 1e6});
  }
};

// The tile's command processor (docs/command-queues.md): descriptor decode and the vector unit.
struct QueueConfig {
  // Controller clock: 1 GHz, the core clock of PUMA's tile/core controllers (Ankit et al.,
  // "PUMA: A Programmable Ultra-efficient Memristor-based Accelerator for Machine Learning
  // Inference", ASPLOS 2019).
  double clock_ns = 1.0;
  // Decode + operand read: two pipeline stages of PUMA's fetch/decode/execute core pipeline
  // (the fetch itself is a real DMA read of the 64-byte descriptor here).
  uint32_t decode_cycles = 2;
  // Vector unit lanes (elements per cycle). PUMA's vector functional unit is a parameterised
  // SIMD unit; 4 lanes is a modelling choice for a small tile periphery.
  uint32_t vec_lanes = 4;
  // Energy per element at 45 nm: 8-bit add/compare 0.03 pJ (Horowitz, "Computing's energy
  // problem", ISSCC 2014); ops with a multiply (ADD with rescale, REQUANT) the MVM
  // post-processing's 0.9 pJ per element (periphery.postproc_energy_pj).
  double vec_simple_energy_pj = 0.03;
  double vec_mul_energy_pj = 0.9;
  // Node of the energies above; scaled to area.node_nm (clock_ns: area.clock_node_nm).
  double node_nm = 45.0;

  template <class V>
  void visit(V& v) {
    v.param("clock_ns", clock_ns, "Command processor / vector unit clock period", "ns",
            {1e-3, 1e6});
    v.param("decode_cycles", decode_cycles, "Cycles to decode a fetched descriptor", "count",
            {0, 1000});
    v.param("vec_lanes", vec_lanes, "Vector unit elements per cycle", "count", {1, 1024});
    v.param("vec_simple_energy_pj", vec_simple_energy_pj,
            "Vector unit energy per element read (ReLU, max, copy, accumulate)", "pJ", {0.0, 1e6});
    v.param("vec_mul_energy_pj", vec_mul_energy_pj,
            "Vector unit energy per element with a multiply (ADD, REQUANT)", "pJ", {0.0, 1e6});
    v.param("node_nm", node_nm, "Node of the vector energies (scaled to area.node_nm)", "nm",
            {7.0, 180.0});
  }
};

// Technology node, area and static power of a tile (docs/imc-model.md, "Technology node",
// "Area and efficiency", "Static power"). node_nm is the tile's node: component areas are
// given at the node their source measured them at and scaled to node_nm as (node_nm/ref)^2
// (first-order layout scaling), except the ADC, whose regression has its own node term; the
// digital energies and delays of the other sections are scaled from their own node_nm keys
// with Stillmaker & Baas 2017 (models/common/tech_scaling.h).
struct AreaConfig {
  // Technology node of the tile's CMOS: HERMES is 14 nm CMOS with back-end PCM (Le Gallo et
  // al., Nature Electronics 6, 2023; Khaddam-Aljameh et al., IEEE JSSC 57(4), 2022).
  double node_nm = 14.0;
  // Memory device cell (analog tiles) in F^2 at F = node_nm: 1T1R cell 4F x 12F = 48 F^2,
  // DNN+NeuroSim's default (Peng et al., IEDM 2019; NeuroSim Param.cpp heightInFeatureSize1T1R
  // = 4, widthInFeatureSize1T1R = 12). Every device counts (2 x devices_per_weight per weight).
  double cell_f2 = 48.0;
  // SRAM bit cell 0.0588 um^2 at 14 nm (Natarajan et al., "A 14nm logic technology featuring
  // ... a 0.0588 um^2 SRAM cell size", IEDM 2014); arrays reach ~70 % cell efficiency once
  // decoders and sense amplifiers are added (estimate). Used for the tile buffers and the
  // digital tile's weight bits.
  double sram_cell_um2 = 0.0588;
  double sram_cell_node_nm = 14.0;
  double sram_efficiency = 0.7;
  // Digital CIM: adder trees and accumulators next to the SRAM bits roughly double to triple the
  // bit-cell area (estimate; Chih et al., ISSCC 2021 place one adder tree per column): x2.5.
  double digital_overhead = 2.5;
  // Row driver (PWM comparator against a shared counter, level shifter, driver): ~40 logic
  // gates of ~0.15 um^2 at 14 nm ~ 6 um^2 per row (estimate).
  double dac_um2 = 6.0;
  // Periphery at 14 nm: post-processing pipeline, vector unit, DMA engine, command processor
  // and registers, ~70k gates x 0.15 um^2 ~ 0.01 mm^2 (estimate).
  double periphery_mm2 = 0.01;
  double periphery_node_nm = 14.0;
  // Static (leakage) power density of the tile's CMOS (periphery, drivers, ADCs, SRAM buffers,
  // digital CIM array) at leakage_node_nm. An estimate: no published leakage-per-area figure of
  // a 14/16 nm library or SRAM macro could be sourced. Derivation: 37.5 M transistors/mm^2
  // (Intel 14 nm; M. Bohr, "14 nm process technology", IDF 2014), half of them off, ~0.1 um
  // effective width each, I_off ~3 nA/um at 0.8 V: 37.5e6 x 0.5 x 0.1 um x 3 nA/um x 0.8 V ~
  // 4.5 mW/mm^2. Bracket: the same derivation with the ITRS-derived 22 nm off-currents of
  // CACTI 7 (tech_params/22nm.dat, 300 K) gives 0.036 (LSTP, 0.024 nA/um, 0.8 V), 15 (LOP,
  // 13 nA/um, 0.6 V) and 180 mW/mm^2 (HP, 122 nA/um, 0.8 V). Scaled to node_nm by Stillmaker &
  // Baas's power over area factor. The non-volatile memory array itself draws no static
  // current (unbiased when idle).
  double leakage_mw_per_mm2 = 4.5;
  double leakage_node_nm = 14.0;
  // The tile's clock periods (queue.clock_ns, periphery.postproc_ns, digital.cycle_ns and
  // write_row_ns: 1 GHz, PUMA's controller clock, Ankit et al., ASPLOS 2019) are this design's
  // choice at this node; at another area.node_nm they scale with Stillmaker & Baas's delay.
  double clock_node_nm = 14.0;

  template <class V>
  void visit(V& v) {
    // 7..180 nm: the range of published CMOS scaling data (Stillmaker & Baas, "Scaling
    // equations for the accurate prediction of CMOS device performance from 180 nm to 7 nm",
    // Integration 58, 2017); outside it the first-order scaling is not trusted.
    v.param("node_nm", node_nm,
            "CMOS technology node of the tile (area, digital energy and delay, leakage)", "nm",
            {7.0, 180.0});
    v.param("cell_f2", cell_f2, "Memory device cell area (analog)", "F^2", {1.0, 1e6});
    v.param("sram_cell_um2", sram_cell_um2, "SRAM bit cell area at sram_cell_node_nm", "um^2",
            {1e-4, 100.0});
    v.param("sram_cell_node_nm", sram_cell_node_nm, "Node of sram_cell_um2", "nm", {7.0, 180.0});
    v.param("sram_efficiency", sram_efficiency, "SRAM array cell efficiency", "", {0.05, 1.0});
    v.param("digital_overhead", digital_overhead, "Digital CIM area per SRAM bit cell area", "",
            {1.0, 100.0});
    v.param("dac_um2", dac_um2, "Row driver/DAC area at periphery_node_nm", "um^2", {0.0, 1e6});
    v.param("periphery_mm2", periphery_mm2, "Digital periphery area at periphery_node_nm", "mm^2",
            {0.0, 1e3});
    v.param("periphery_node_nm", periphery_node_nm, "Node of dac_um2 and periphery_mm2", "nm",
            {7.0, 180.0});
    v.param("leakage_mw_per_mm2", leakage_mw_per_mm2,
            "Static power density of the tile's CMOS at leakage_node_nm", "mW/mm^2", {0.0, 1e6});
    v.param("leakage_node_nm", leakage_node_nm, "Node of leakage_mw_per_mm2", "nm", {7.0, 180.0});
    v.param("clock_node_nm", clock_node_nm,
            "Node at which the tile's clock periods are given (scaled to node_nm by delay)", "nm",
            {7.0, 180.0});
  }
};

struct TileConfig {
  std::string kind = kTileKindNames[0];  // analog | digital
  // HERMES: 256 x 256 unit cells per core (Le Gallo et al., Nature Electronics 6, 2023).
  uint32_t rows = 256;
  uint32_t cols = 256;
  uint32_t weight_bits = 8;  // int8 weights (analog: symmetric range +-(2^(b-1)-1))
  uint32_t input_bits = 8;   // input vector element width (values beyond saturate)
  DeviceConfig device;
  NonIdealConfig nonideal;
  DacConfig dac;
  AdcConfig adc;
  DigitalConfig digital;
  PeripheryConfig periphery;
  QueueConfig queue;
  AreaConfig area;

  TileKind kind_enum() const { return enum_of<TileKind>(kind, kTileKindNames); }
  bool analog() const { return kind_enum() == TileKind::analog; }
  // Bit slicing (device.bits_per_cell): bits per slice and slices per weight magnitude.
  unsigned cell_bits() const {
    const unsigned m = weight_bits > 1 ? weight_bits - 1 : 1;
    return device.bits_per_cell == 0 ? m : std::min<unsigned>(device.bits_per_cell, m);
  }
  unsigned weight_slices() const {
    const unsigned m = weight_bits > 1 ? weight_bits - 1 : 1;
    return (m + cell_bits() - 1) / cell_bits();
  }
  // Inconsistent bit-slicing / input-phase keys ("" when fine): bits_per_cell beyond the weight
  // magnitude bits; bits_per_phase > 1 outside bit-serial mode.
  std::string cell_error() const {
    const unsigned m = weight_bits > 1 ? weight_bits - 1 : 1;
    if (!analog() || device.bits_per_cell <= m) return "";
    return "device.bits_per_cell = " + std::to_string(device.bits_per_cell) +
           " exceeds the weight magnitude bits (weight_bits - 1 = " + std::to_string(m) + ")";
  }
  std::string phase_error() const {
    if (!analog() || dac.bits_per_phase == 1 || dac.mode_enum() == DacMode::bit_serial) return "";
    return "dac.bits_per_phase = " + std::to_string(dac.bits_per_phase) +
           " needs dac.mode bit-serial (pwm applies all input bits in one phase)";
  }
  // Analog slice readout (device.slice_readout: analog) on an analog tile.
  bool analog_slice_readout() const {
    return analog() && device.slice_readout_enum() == SliceReadout::analog;
  }
  // device.slice_readout analog without bit slicing (device.bits_per_cell 0).
  std::string readout_error() const {
    if (!analog_slice_readout() || device.bits_per_cell != 0) return "";
    return "device.slice_readout = analog needs bit-sliced weights (device.bits_per_cell >= 1; "
           "0 holds the whole weight in one device, there are no slices to weight)";
  }
  std::string slicing_error() const {
    std::string e = cell_error();
    if (e.empty()) e = phase_error();
    return e.empty() ? readout_error() : e;
  }

  template <class V>
  void visit(V& v) {
    v.choice("kind", kind, {kTileKindNames[0], kTileKindNames[1]}, "Tile kind");
    v.param("rows", rows, "Crossbar rows (inputs)", "count", {1, 1024});
    v.param("cols", cols, "Crossbar columns (outputs)", "count", {1, 1024});
    v.param("weight_bits", weight_bits, "Weight width", "bit", {2, 8});
    v.param("input_bits", input_bits, "Input element width", "bit", {1, 8});
    v.section("device", device, "Memory device (analog tiles)");
    v.section("nonideal", nonideal, "Analog non-idealities");
    v.section("dac", dac, "Input DACs (analog tiles)");
    v.section("adc", adc, "Column ADCs (analog tiles)");
    v.section("digital", digital, "Digital SRAM-IMC timing and energy (digital tiles)");
    v.section("periphery", periphery, "Array read, post-processing, buffers, DMA");
    v.section("queue", queue, "Command processor and vector unit (docs/command-queues.md)");
    v.section("area", area, "Technology node and area (docs/imc-model.md)");
    // Cross-key checks at the offending value (file:line:col) when this mapping sets it.
    const std::string ce = cell_error(), pe = phase_error();
    for (const char* key : {"device.bits_per_cell", "weight_bits", "kind"})
      v.check(key, ce.empty(), ce);
    for (const char* key : {"dac.bits_per_phase", "dac.mode", "kind"}) v.check(key, pe.empty(), pe);
    const std::string re = readout_error();
    for (const char* key : {"device.slice_readout", "device.bits_per_cell", "kind"})
      v.check(key, re.empty(), re);
  }
};

}  // namespace imcvp::imc
