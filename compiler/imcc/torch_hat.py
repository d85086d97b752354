"""torch_hat: hardware-aware training (HAT) in PyTorch for imcvp's IMC tiles
(docs/compiler.md, "Hardware-aware training").

    from imcc import torch_hat as hat
    tile = hat.load_tile_config("configs/soc/imc16-pcm.yaml")   # asks build/imcvp
    model = hat.convert(model, tile)        # nn.Linear / nn.Conv2d -> analog layers, in place
    ... train as usual (every forward draws a new chip at a random age) ...
    plain = hat.strip(model)                # plain nn.Linear / nn.Conv2d again, for ONNX export

Every converted layer computes what imcc + the VP compute for it on an analog tile
(docs/imc-model.md, "Numerics"; models/imc/numerics.cpp):
  - weights quantised per output column to [-w_max, w_max] (w_max = 2^(weight_bits-1) - 1,
    scale max|W_j| / w_max: imcc's quantize), inputs to signed input_bits integers (the DAC;
    scale = running max |x| / x_max, x_max = 2^(input_bits-1) - 1), round with a
    straight-through gradient, clamp;
  - the weight mapped to a differential pair of devices_per_weight devices per side,
    G± = g_min + (g_max - g_min)·max(±w, 0)/w_max;
  - programming noise g = max(g_T + σ(g_T)·N(0,1), 0), σ = (c0 + c1·gT + c2·gT²)·g_max /
    prog_coeff_g_max·prog_noise_scale, gT = g_T/g_max, one draw per device per forward
    (a new chip every batch);
  - drift g·((t + t0)/t0)^(-ν), ν per device ~ N(μ(g), σ(g)) clamped to [0, 1] (aihwkit-pcm
    or gaussian), the age t log-uniform in [age_min, age_max] per forward (or fixed);
  - 1/f read noise g·(1 + s·N(0,1)) clamped at 0, s = Q_s(g)·√ln((t + t0 + t_read)/(2 t_read))
    ·read_noise_scale, drawn as the VP's column model does: each output gets
    Σ_i x_i·μ_ij + √(Σ_i x_i²·v_ij)·N(0,1) with the exact mean μ and variance v of the clamped
    normal (one draw per output element, i.e. per column per MVM vector);
  - global drift compensation α = Σ_j|Σ_i μ_ij(age 0)| / Σ_j|Σ_i μ_ij(t)| per row block;
  - the ADC per row block (layers with more inputs than the tile has rows are split as imcc's
    partition pass splits them: channel ranges of floor(rows / (kh·kw)) channels, each block's
    partial sums converted on their own): y = a/(x_max·w_max), gain and offset errors
    (drawn per forward), temporal noise, code = clamp(round(y/lsb), ±(2^(bits-1) - 1)),
    lsb = bound/(2^(bits-1) - 1), straight-through round;
  - bias added digitally after the ADC.
Digital tiles: only the int8 quantisation of weights and inputs (their MVM is exact).

One source of truth: the tile parameters come from the simulator itself
(`imcvp run -c SOC.yaml --dump-config`, the resolved configuration with every default),
never from Python copies of the defaults. A configuration this module cannot model (a
missing key, an unknown device or drift model, a non-ideality it does not implement that is
switched on: IR drop, stuck devices, window variation, ADC INL/DNL, bit-serial inputs,
bit-sliced weights) raises HatConfigError naming the key.

Needs python3-torch (the rest of imcc does not import this module).
"""
import math
import os
import subprocess

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import CompileError


class HatConfigError(CompileError):
    """A tile configuration torch_hat cannot read or model; the message names the key."""


# ------------------------------------------------------------------ tile configuration
# (section, key, type) torch_hat reads from a resolved tile config (docs/config-reference.md).
_KEYS = {
    "": [("kind", str), ("rows", int), ("cols", int), ("weight_bits", int),
         ("input_bits", int)],
    "device": [("g_max_us", float), ("g_min_us", float), ("devices_per_weight", int)],
    "nonideal": [("programming_noise", bool), ("prog_noise_scale", float),
                 ("prog_coeff0_us", float), ("prog_coeff1_us", float),
                 ("prog_coeff2_us", float), ("prog_coeff_g_max_us", float), ("drift", bool),
                 ("drift_model", str), ("drift_t0_s", float), ("drift_nu_mean", float),
                 ("drift_nu_std", float), ("read_noise", bool), ("read_noise_scale", float),
                 ("read_noise_t_read_s", float), ("stuck_on_rate", float),
                 ("stuck_off_rate", float), ("g_max_sigma", float), ("ir_drop", bool)],
    "adc": [("bits", int), ("bound", float), ("gain_sigma", float),
            ("offset_sigma_lsb", float), ("noise_sigma_lsb", float)],
}
# Non-idealities torch_hat does not model; a tile config that switches one on is refused.
_UNMODELLED_OPTIONAL = [("adc", "inl_lsb"), ("adc", "dnl_sigma_lsb")]
DRIFT_MODELS = ("aihwkit-pcm", "gaussian")
KINDS = ("analog", "digital")


class TileConfig:
    """The resolved parameters of one tile that the noise model uses (attributes named
    section_key, e.g. nonideal_drift_t0_s, device_g_max_us; top-level keys by name)."""

    def __init__(self, tile, source="<config>", index=0):
        self.source, self.index = source, index
        if not isinstance(tile, dict):
            raise HatConfigError(f"{source}: tiles[{index}]: not a mapping")
        kind = tile.get("kind")
        for sec, keys in _KEYS.items():
            d = tile if not sec else tile.get(sec)
            for key, typ in keys:
                path = f"tiles[{index}].{sec + '.' if sec else ''}{key}"
                if kind == "digital" and sec:  # digital tiles: only the top-level keys
                    continue
                if not isinstance(d, dict) or key not in d:
                    raise HatConfigError(f"{source}: {path}: missing (torch_hat needs it; "
                                         "pass the resolved config of `imcvp run --dump-config`)")
                v = d[key]
                try:
                    v = typ(v) if typ is not bool else _as_bool(v)
                except (TypeError, ValueError):
                    raise HatConfigError(f"{source}: {path}: {v!r} is not a {typ.__name__}")
                setattr(self, (sec + "_" if sec else "") + key, v)
        if self.kind not in KINDS:
            raise HatConfigError(f"{source}: tiles[{index}].kind: unknown tile kind "
                                 f"'{self.kind}' (torch_hat knows {', '.join(KINDS)})")
        if self.weight_bits < 2 or self.input_bits < 2:
            raise HatConfigError(f"{source}: tiles[{index}].weight_bits/input_bits: torch_hat "
                                 "needs at least 2 bits")
        if self.kind == "digital":
            return
        if self.nonideal_drift_model not in DRIFT_MODELS:
            raise HatConfigError(
                f"{source}: tiles[{index}].nonideal.drift_model: unknown device drift model "
                f"'{self.nonideal_drift_model}' (torch_hat knows {', '.join(DRIFT_MODELS)})")
        for key, off in (("ir_drop", self.nonideal_ir_drop),
                         ("stuck_on_rate", self.nonideal_stuck_on_rate == 0),
                         ("stuck_off_rate", self.nonideal_stuck_off_rate == 0),
                         ("g_max_sigma", self.nonideal_g_max_sigma == 0)):
            if (key == "ir_drop" and off) or (key != "ir_drop" and not off):
                raise HatConfigError(
                    f"{source}: tiles[{index}].nonideal.{key}: not modelled by torch_hat "
                    "(switch it off for hardware-aware training)")
        # newer non-idealities: absent from older simulators' dumps (then off); on: refused
        for sec, key in _UNMODELLED_OPTIONAL:
            v = (tile.get(sec) or {}).get(key, 0)
            try:
                on = float(v) != 0
            except (TypeError, ValueError):
                raise HatConfigError(f"{source}: tiles[{index}].{sec}.{key}: {v!r} is not a "
                                     "number")
            if on:
                raise HatConfigError(
                    f"{source}: tiles[{index}].{sec}.{key}: not modelled by torch_hat "
                    "(switch it off for hardware-aware training)")
        # Bit-serial inputs: the VP quantises every input bit plane on its own and draws read
        # noise per plane read (docs/imc-model.md, Numerics item 10); torch_hat models one PWM
        # read of the whole vector, so it refuses rather than train for the wrong numerics.
        mode = (tile.get("dac") or {}).get("mode", "pwm")
        if mode != "pwm":
            raise HatConfigError(
                f"{source}: tiles[{index}].dac.mode: '{mode}' not modelled by torch_hat "
                "(per-bit-plane ADC quantisation; use pwm for hardware-aware training)")
        # Bit-sliced weights (device.bits_per_cell below the magnitude bits): the VP converts
        # every slice on its own and shift-adds the codes, or (device.slice_readout analog)
        # weights the slices' currents before one conversion, with the noise of every slice
        # device (docs/imc-model.md, Numerics item 11); torch_hat maps each weight to one
        # multi-level pair, so it refuses either readout. One slice: both readouts are the
        # unsliced model.
        bpc = (tile.get("device") or {}).get("bits_per_cell", 0) or 0
        try:
            bpc = int(bpc)
        except (TypeError, ValueError):
            raise HatConfigError(f"{source}: tiles[{index}].device.bits_per_cell: {bpc!r} is "
                                 "not a int")
        if 0 < bpc < self.weight_bits - 1:
            raise HatConfigError(
                f"{source}: tiles[{index}].device.bits_per_cell: {bpc} not modelled by "
                "torch_hat (bit-sliced weights, read out per slice or weighted in the analog "
                "readout; use 0 for hardware-aware training)")
        if self.device_g_max_us <= self.device_g_min_us or self.device_g_min_us < 0:
            raise HatConfigError(f"{source}: tiles[{index}].device.g_max_us/g_min_us: need "
                                 "0 <= g_min < g_max")
        if self.device_devices_per_weight < 1:
            raise HatConfigError(f"{source}: tiles[{index}].device.devices_per_weight: < 1")

    @property
    def analog(self):
        return self.kind == "analog"

    @property
    def w_max(self):
        return 2 ** (self.weight_bits - 1) - 1

    @property
    def x_max(self):
        return 2 ** (self.input_bits - 1) - 1

    def __repr__(self):
        return f"TileConfig({self.source}, tile {self.index}, {self.kind})"


def _as_bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    raise ValueError(v)


def tile_config_from_dump(cfg, tile=0, source="<config>"):
    """TileConfig of tiles[tile] of a resolved configuration (the parsed YAML of
    `imcvp run --dump-config`)."""
    tiles = cfg.get("tiles") if isinstance(cfg, dict) else None
    if not isinstance(tiles, list) or not tiles:
        raise HatConfigError(f"{source}: tiles: missing (no tile list in the configuration)")
    if not 0 <= tile < len(tiles):
        raise HatConfigError(f"{source}: tiles[{tile}]: no such tile ({len(tiles)} tiles)")
    return TileConfig(tiles[tile], source, tile)


def load_tile_config(soc_yaml, tile=0, imcvp=None, sets=()):
    """Ask the simulator for the resolved configuration of SOC_YAML (`imcvp run -c SOC_YAML
    [--set K=V ...] --dump-config`) and return the TileConfig of tiles[tile]. imcvp: the
    binary (default $IMCVP_BUILD/imcvp, IMCVP_BUILD defaulting to build/ of the repository)."""
    import yaml
    if imcvp is None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        imcvp = os.path.join(os.environ.get("IMCVP_BUILD", os.path.join(root, "build")),
                             "imcvp")
    if not os.path.exists(imcvp):
        raise HatConfigError(f"{imcvp}: not found (build imcvp; IMCVP_BUILD names the build "
                             "directory)")
    if not os.path.exists(soc_yaml):
        raise HatConfigError(f"{soc_yaml}: no such file")
    cmd = [imcvp, "run", "-c", soc_yaml]
    for s in sets:
        cmd += ["--set", s]
    r = subprocess.run(cmd + ["--dump-config"], capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr.strip() or r.stdout.strip()).splitlines()
        raise HatConfigError(f"{soc_yaml}: imcvp refused the configuration (exit "
                             f"{r.returncode}): {msg[-1] if msg else ''}")
    return tile_config_from_dump(yaml.safe_load(r.stdout), tile, soc_yaml)


# ------------------------------------------------------------------ formulas (numerics.cpp)
def prog_noise_std_us(g_us, c):
    """Std (uS) of the programming noise at target conductance g_us (prog_noise_std_us)."""
    gt = g_us / c.device_g_max_us
    s = (c.nonideal_prog_coeff0_us + c.nonideal_prog_coeff1_us * gt
         + c.nonideal_prog_coeff2_us * gt * gt).clamp_min(0.0)
    return s * (c.device_g_max_us / c.nonideal_prog_coeff_g_max_us) * c.nonideal_prog_noise_scale


def drift_nu_mean_std(g_us, c):
    """(mean, std) of the drift exponent ν of a device programmed to g_us."""
    if c.nonideal_drift_model == "gaussian":
        return (torch.full_like(g_us, c.nonideal_drift_nu_mean),
                torch.full_like(g_us, c.nonideal_drift_nu_std))
    lg = torch.log((g_us / c.device_g_max_us).abs().clamp_min(1e-7))
    return ((-0.0155 * lg + 0.0244).clamp(0.049, 0.1),
            (-0.0125 * lg - 0.0059).clamp(0.008, 0.045))


def q_s(g_prog_us, c):
    gt = g_prog_us.abs() / c.device_g_max_us
    return (0.0088 / gt.pow(0.65).clamp_min(1e-3)).clamp_max(0.2)


def read_noise_time_term(age_s, c):
    t = max(float(age_s), 0.0) + c.nonideal_drift_t0_s
    tr = c.nonideal_read_noise_t_read_s
    v = math.log((t + tr) / (2.0 * tr))
    return math.sqrt(v) if v > 0 else 0.0


def drift_factor(age_s, nu, c):
    return torch.pow((max(float(age_s), 0.0) + c.nonideal_drift_t0_s) / c.nonideal_drift_t0_s,
                     -nu)


def program_conductance(g_target_us, c):
    """One programming of devices to g_target_us (uS): max(g_T + σ(g_T)·N(0,1), 0); the
    gradient flows through g_T (the noise is a constant offset for it)."""
    g = g_target_us
    if c.nonideal_programming_noise:
        g = g + prog_noise_std_us(g_target_us.detach(), c) * torch.randn_like(g_target_us)
    return g.clamp_min(0.0)


def draw_nu(g_prog_us, c):
    """Drift exponents of devices programmed to g_prog_us: N(μ, σ) clamped to [0, 1]."""
    m, s = drift_nu_mean_std(g_prog_us.detach(), c)
    return (m + s * torch.randn_like(g_prog_us)).clamp(0.0, 1.0)


def adc_lsb(c):
    return c.adc_bound / max(1.0, 2.0 ** (c.adc_bits - 1) - 1.0)


class _RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        # round half away from zero, as std::round in the VP
        return x.abs().add_(0.5).floor_().mul_(torch.sign(x))

    @staticmethod
    def backward(ctx, g):
        return g


def round_ste(x):
    """Round half away from zero with a straight-through (identity) gradient."""
    return _RoundSTE.apply(x)


def _clamped_normal_factors(s):
    """(f1, f2) with E[Y] = g·f1, E[Y²] = g²·f2 for Y = max(g·(1 + s·Z), 0), Z ~ N(0, 1),
    g >= 0 (docs/imc-model.md, item 7: f1 = Φ(a) + sφ(a), f2 = (1 + s²)Φ(a) + sφ(a),
    a = 1/s)."""
    s = s.clamp_min(1e-12)
    a = 1.0 / s
    cdf = 0.5 * torch.erfc(-a / math.sqrt(2.0))
    pdf = torch.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    return cdf + s * pdf, (1.0 + s * s) * cdf + s * pdf


def _clamped_normal_moments(g, s):
    """Mean and variance of max(g·(1 + s·Z), 0)."""
    f1, f2 = _clamped_normal_factors(s)
    m1 = g * f1
    return m1, (g * g * f2 - m1 * m1).clamp_min(0.0)


# ------------------------------------------------------------------ the analog layer
class _AnalogMixin:
    """State and the weight/device model shared by AnalogLinear and AnalogConv2d."""

    def _hat_init(self, tile, age_range, fixed_age, momentum):
        self.tile = tile
        self.age_range = (float(age_range[0]), float(age_range[1]))
        if not 0 < self.age_range[0] <= self.age_range[1]:
            raise ValueError(f"age_range {age_range}: need 0 < min <= max (seconds)")
        self.fixed_age = fixed_age
        self.noise = True
        self.bypass = False  # plain float layer (calibrate_inputs: imcc calibrates in float)
        self.momentum = momentum
        self.register_buffer("x_absmax", torch.zeros(()))
        self.last_age = None

    def _age(self):
        if self.fixed_age is not None:
            return float(self.fixed_age)
        lo, hi = math.log(self.age_range[0]), math.log(self.age_range[1])
        return math.exp(lo + (hi - lo) * float(torch.rand(())))

    def _input_scale(self, x):
        """Scale of the DAC integers: the running max |x| (training: updated from the batch)."""
        if self.training:
            m = x.detach().abs().max()
            with torch.no_grad():
                if self.x_absmax == 0:
                    self.x_absmax.copy_(m)
                else:
                    self.x_absmax.mul_(1 - self.momentum).add_(self.momentum * m)
            m = torch.maximum(m, torch.zeros(()) + 1e-12)
        else:
            m = self.x_absmax.clamp_min(1e-12)
        return m / self.tile.x_max

    def _quant_weight(self):
        """(W_int [out, ...] integer-valued with STE, s_w [out])."""
        w = self.weight
        s = w.detach().abs().flatten(1).amax(dim=1).clamp_min(1e-12) / self.tile.w_max
        shape = (-1,) + (1,) * (w.dim() - 1)
        wi = round_ste(w / s.view(shape)).clamp(-self.tile.w_max, self.tile.w_max)
        return wi, s

    def _device_moments(self, wi, age):
        """Mean μ and variance v (integer weight units) of every effective weight at `age`,
        and the drift-compensation factor α, for one fresh draw of the programming noise and
        the drift exponents (one chip)."""
        c = self.tile
        gmin, gmax, k = c.device_g_min_us, c.device_g_max_us, c.device_devices_per_weight
        span = gmax - gmin
        to_w = c.w_max / span / k
        noise = self.noise
        mu_t = torch.zeros_like(wi)
        mu_0 = torch.zeros_like(wi)
        var_t = torch.zeros_like(wi)
        tt_t = read_noise_time_term(age, c)
        tt_0 = read_noise_time_term(0.0, c)
        for sign in (1.0, -1.0):
            g_t = gmin + span * (sign * wi).clamp_min(0.0) / c.w_max  # target, carries the grad
            for _ in range(k):
                g = program_conductance(g_t, c) if noise else g_t
                gd = g
                if noise and c.nonideal_drift:
                    gd = g * drift_factor(age, draw_nu(g, c), c)
                if noise and c.nonideal_read_noise:
                    # the gradient flows through the mean only (the noise factors and the
                    # variance are constants for it)
                    with torch.no_grad():
                        qs = q_s(g, c) * c.nonideal_read_noise_scale
                        f1, f2 = _clamped_normal_factors(qs * tt_t)
                        f1_0, _ = _clamped_normal_factors(qs * tt_0)
                        gdd = gd.detach()
                        v = (gdd * gdd * f2 - (gdd * f1) ** 2).clamp_min(0.0)
                        m0 = g.detach() * f1_0
                    m1 = gd * f1
                else:
                    m1, v, m0 = gd, torch.zeros_like(gd), g.detach()
                mu_t = mu_t + sign * m1 * to_w
                mu_0 = mu_0 + sign * m0 * to_w
                var_t = var_t + v * to_w * to_w
        return mu_t, var_t, mu_0

    def _adc(self, a):
        """a: column sums (integer units) of one row block -> (codes, value of one code)."""
        c = self.tile
        if c.adc_bits <= 0:
            return round_ste(a), 1.0
        fs = float(c.x_max * c.w_max)
        lsb = adc_lsb(c)
        y = a * (1.0 / (fs * lsb))  # in LSBs
        if self.noise:
            n = a.shape[1] if self._conv else a.shape[-1]  # columns
            view = (1, -1, 1, 1) if self._conv else (-1,)
            if c.adc_gain_sigma > 0:  # per-column static errors: one draw per forward (chip)
                y = y * (1.0 + c.adc_gain_sigma * torch.randn(n).view(view))
            if c.adc_offset_sigma_lsb > 0:
                y = y + c.adc_offset_sigma_lsb * torch.randn(n).view(view)
            if c.adc_noise_sigma_lsb > 0:  # temporal noise: per conversion
                y = y + c.adc_noise_sigma_lsb * torch.randn_like(y)
        cmax = max(1.0, 2.0 ** (c.adc_bits - 1) - 1.0)
        return round_ste(y).clamp(-cmax, cmax), lsb * fs

    def _row_blocks(self, n_in, taps):
        """Input-channel ranges of the row blocks (imcc's partition: K <= rows, one block;
        otherwise floor(rows / taps) channels per block)."""
        R = self.tile.rows
        if n_in * taps <= R:
            return [(0, n_in)]
        if taps > R:
            raise HatConfigError(f"tiles[{self.tile.index}].rows: a layer with {taps} kernel "
                                 f"taps does not fit {R} rows")
        cc = R // taps
        return [(c0, min(n_in, c0 + cc)) for c0 in range(0, n_in, cc)]

    def _analog_forward(self, x, mvm):
        """mvm(x_block, w_block) is the layer's linear map (matmul or conv) on a channel
        block; returns the float output before the bias."""
        c = self.tile
        sx = self._input_scale(x)
        xi = round_ste(x / sx).clamp(-c.x_max, c.x_max)  # the DAC
        wi, sw = self._quant_weight()
        if not c.analog:
            acc = mvm(xi, wi)
        else:
            age = self._age()
            self.last_age = age
            mu, var, mu0 = self._device_moments(wi, age)
            taps = wi[0, 0].numel() if self._conv else 1
            acc = 0.0
            for c0, c1 in self._row_blocks(wi.shape[1], taps):
                xb = xi[:, c0:c1] if self._conv else xi[..., c0:c1]
                mb, vb, m0 = mu[:, c0:c1], var[:, c0:c1], mu0[:, c0:c1]
                a = mvm(xb, mb)
                if self.noise and c.nonideal_read_noise:
                    with torch.no_grad():
                        sd = torch.sqrt(mvm(xb * xb, vb).clamp_min(0.0))
                    a = a + sd * torch.randn_like(a)
                alpha = 1.0
                if self.noise and c.nonideal_drift:
                    with torch.no_grad():
                        now = m_sum_abs(mb)
                        alpha = float(m_sum_abs(m0) / now) if now > 0 else 1.0
                code, unit = self._adc(a)
                acc = acc + code * (unit * alpha)
        shape = (1, -1, 1, 1) if self._conv else (-1,)
        return acc * sx * sw.view(shape)

    def extra_repr(self):
        age = ("%g s" % self.fixed_age if self.fixed_age is not None
               else "log-uniform %g..%g s" % self.age_range)
        return (super().extra_repr() + f", tile={self.tile.kind} {self.tile.rows}x"
                f"{self.tile.cols}, age={age}, noise={self.noise}")


def m_sum_abs(m):
    """Σ_j |Σ_i m_ij| of a weight block [out, in, ...] (the drift-compensation reference)."""
    return m.flatten(1).sum(dim=1).abs().sum()


class AnalogLinear(_AnalogMixin, nn.Linear):
    """nn.Linear on an imcvp tile (weights [out, in]: the crossbar's column j is output j)."""
    _conv = False

    def __init__(self, in_features, out_features, bias=True, tile=None,
                 age_range=(86400.0, 3.156e8), fixed_age=None, momentum=0.1):
        nn.Linear.__init__(self, in_features, out_features, bias)
        self._hat_init(tile, age_range, fixed_age, momentum)

    def forward(self, x):
        if self.bypass:
            return F.linear(x, self.weight, self.bias)
        y = self._analog_forward(x, lambda xb, wb: xb.matmul(wb.t()))
        return y if self.bias is None else y + self.bias


class AnalogConv2d(_AnalogMixin, nn.Conv2d):
    """nn.Conv2d (groups 1) on an imcvp tile: im2col rows (ky, kx, c), one MVM per output
    position, row blocks over input-channel ranges as imcc partitions it."""
    _conv = True

    def __init__(self, *args, tile=None, age_range=(86400.0, 3.156e8), fixed_age=None,
                 momentum=0.1, **kw):
        nn.Conv2d.__init__(self, *args, **kw)
        if self.groups != 1:
            raise ValueError("AnalogConv2d: groups != 1 is not supported (imcc neither)")
        self._hat_init(tile, age_range, fixed_age, momentum)

    def forward(self, x):
        if self.bypass:
            return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)
        conv = lambda xb, wb: F.conv2d(xb, wb, None, self.stride, self.padding,  # noqa: E731
                                       self.dilation, 1)
        y = self._analog_forward(x, conv)
        return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)


# ------------------------------------------------------------------ model conversion
def convert(model, tile, age_range=(86400.0, 3.156e8), fixed_age=None, momentum=0.1):
    """Replace every nn.Linear / nn.Conv2d of `model` (in place, recursively) by its analog
    version on `tile` (a TileConfig, e.g. from load_tile_config), keeping the weights (the same
    Parameter objects: an existing optimiser keeps working). Returns
    the model. age_range: (min, max) seconds of the log-uniform age drawn per forward;
    fixed_age: seconds, overrides the range."""
    if not isinstance(tile, TileConfig):
        raise TypeError("convert: tile must be a TileConfig (load_tile_config(SOC.yaml))")
    for name, m in list(model.named_children()):
        if isinstance(m, (AnalogLinear, AnalogConv2d)):
            continue
        if isinstance(m, nn.Linear):
            new = AnalogLinear(m.in_features, m.out_features, m.bias is not None, tile,
                               age_range, fixed_age, momentum)
        elif isinstance(m, nn.Conv2d):
            if m.groups != 1 or m.padding_mode != "zeros":
                raise ValueError(f"convert: {name}: grouped or non-zero-padded convolutions "
                                 "are not supported (imcc neither)")
            new = AnalogConv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride,
                               m.padding, m.dilation, 1, m.bias is not None, tile=tile,
                               age_range=age_range, fixed_age=fixed_age, momentum=momentum)
        else:
            convert(m, tile, age_range, fixed_age, momentum)
            continue
        _share_parameters(new, m)
        new.x_absmax = new.x_absmax.to(m.weight.device)
        setattr(model, name, new)
    return model


def _share_parameters(new, old):
    """new takes old's weight and bias Parameter objects (not copies), so an optimiser made
    before convert()/strip() keeps training the same tensors."""
    new.weight = old.weight
    new.bias = old.bias


def analog_layers(model):
    return [m for m in model.modules() if isinstance(m, (AnalogLinear, AnalogConv2d))]


def configure(model, noise=None, age=None, age_range=None):
    """Set every analog layer's noise switch (False: quantisation only), fixed age (seconds;
    'random' for the log-uniform draw) and/or age range. Returns the model."""
    for m in analog_layers(model):
        if noise is not None:
            m.noise = bool(noise)
        if age is not None:
            m.fixed_age = None if age == "random" else float(age)
        if age_range is not None:
            m.age_range = (float(age_range[0]), float(age_range[1]))
    return model


def calibrate_inputs(model, batches):
    """Set every analog layer's input scale to the max |x| it sees over `batches` (an
    iterable of model inputs) in the float forward of the model, as imcc's calibration does
    (the layers run as plain float layers meanwhile). Returns the model."""
    layers = analog_layers(model)
    for m in layers:
        m.bypass = True
    seen = {id(m): torch.zeros(()) for m in layers}
    hooks = [m.register_forward_pre_hook(
        lambda mod, inp: seen.__setitem__(id(mod), torch.maximum(seen[id(mod)],
                                                                 inp[0].detach().abs().max())))
        for m in layers]
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            for xb in batches:
                model(xb)
    finally:
        for h in hooks:
            h.remove()
        for m in layers:
            m.bypass = False
        model.train(was)
    for m in layers:
        m.x_absmax.copy_(seen[id(m)])
    return model


def strip(model):
    """Replace every analog layer (in place) by a plain nn.Linear / nn.Conv2d with the same
    float weights (for torch.onnx.export). Returns the model."""
    for name, m in list(model.named_children()):
        if isinstance(m, AnalogLinear):
            new = nn.Linear(m.in_features, m.out_features, m.bias is not None)
        elif isinstance(m, AnalogConv2d):
            new = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                            m.dilation, 1, m.bias is not None)
        else:
            strip(m)
            continue
        _share_parameters(new, m)
        setattr(model, name, new)
    return model
