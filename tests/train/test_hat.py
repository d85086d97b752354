"""Tests of compiler/imcc/torch_hat.py (hardware-aware training in PyTorch): the tile
parameters come from the simulator, the torch noise model reproduces the VP's formulas
(programming noise against aihwkit's sigma at five conductances, the drift exponent, the
clamped read-noise moments), the quantisers round like the VP and pass gradients straight
through, and configurations it cannot model are refused naming the key.

Needs python3-torch and the built simulator (build/imcvp, or $IMCVP_BUILD/imcvp)."""
import copy
import math
import os
import sys
import tempfile
import unittest

import torch
import torch.nn as nn
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "compiler"))
from imcc import torch_hat as hat  # noqa: E402

SOC = os.path.join(ROOT, "configs", "soc", "imc16-pcm.yaml")
_CACHE = {}


def pcm():
    """TileConfig of tile 0 of imc16-pcm.yaml, as the simulator resolves it (cached)."""
    if "pcm" not in _CACHE:
        _CACHE["pcm"] = hat.load_tile_config(SOC)
    return copy.copy(_CACHE["pcm"])


def dumped():
    if "dump" not in _CACHE:
        import subprocess
        build = os.environ.get("IMCVP_BUILD", os.path.join(ROOT, "build"))
        out = subprocess.run([os.path.join(build, "imcvp"), "run", "-c", SOC, "--dump-config"],
                             capture_output=True, text=True, check=True).stdout
        _CACHE["dump"] = yaml.safe_load(out)
    return copy.deepcopy(_CACHE["dump"])


class TestConfig(unittest.TestCase):
    def test_parameters_come_from_the_simulator(self):
        c = pcm()
        t = dumped()["tiles"][0]
        self.assertEqual(c.kind, "analog")
        self.assertEqual((c.rows, c.cols, c.w_max, c.x_max), (256, 256, 127, 127))
        # every value is the simulator's, including keys the YAML file does not set
        for sec in ("device", "nonideal", "adc"):
            for key, _ in hat._KEYS[sec]:
                self.assertEqual(getattr(c, sec + "_" + key), t[sec][key], key)
        with open(SOC) as f:
            self.assertNotIn("prog_coeff0_us", f.read())  # a default, not in the file

    def test_missing_key_is_named(self):
        d = dumped()
        del d["tiles"][0]["nonideal"]["drift_t0_s"]
        with self.assertRaisesRegex(hat.HatConfigError, r"tiles\[0\]\.nonideal\.drift_t0_s: "
                                    "missing"):
            hat.tile_config_from_dump(d, 0, "x.yaml")
        d = dumped()
        del d["tiles"][0]["adc"]
        with self.assertRaisesRegex(hat.HatConfigError, r"tiles\[0\]\.adc\.bits: missing"):
            hat.tile_config_from_dump(d)
        with self.assertRaisesRegex(hat.HatConfigError, r"tiles\[3\]: no such tile"):
            hat.tile_config_from_dump({"tiles": dumped()["tiles"][:3]}, 3)

    def test_unknown_models_and_unmodelled_effects_are_refused(self):
        for sec, key, val, msg in (
                ("nonideal", "drift_model", "mystery", r"nonideal\.drift_model: unknown device "
                 "drift model 'mystery'"),
                ("", "kind", "optical", r"tiles\[0\]\.kind: unknown tile kind 'optical'"),
                ("nonideal", "ir_drop", True, r"nonideal\.ir_drop: not modelled"),
                ("nonideal", "stuck_on_rate", 0.01, r"nonideal\.stuck_on_rate: not modelled"),
                ("nonideal", "g_max_sigma", 0.1, r"nonideal\.g_max_sigma: not modelled"),
                ("adc", "inl_lsb", 0.5, r"adc\.inl_lsb: not modelled"),
                ("adc", "dnl_sigma_lsb", 0.2, r"adc\.dnl_sigma_lsb: not modelled"),
                ("dac", "mode", "bit-serial", r"dac\.mode: 'bit-serial' not modelled"),
                ("device", "bits_per_cell", 1, r"device\.bits_per_cell: 1 not modelled"),
                ("device", "bits_per_cell", 3, r"device\.bits_per_cell: 3 not modelled"),
                ("device", "g_max_us", "lots", r"device\.g_max_us: 'lots' is not a float")):
            with self.subTest(key=key):
                d = dumped()
                (d["tiles"][0][sec] if sec else d["tiles"][0])[key] = val
                with self.assertRaisesRegex(hat.HatConfigError, msg):
                    hat.tile_config_from_dump(d, 0, "bad.yaml")

    def test_analog_slice_readout_is_refused_too(self):
        # device.slice_readout analog weights the slices' currents before one conversion, with
        # every slice device's noise: still not one multi-level pair, so refused.
        d = dumped()
        d["tiles"][0]["weight_bits"] = 8
        d["tiles"][0]["device"].update(bits_per_cell=1, slice_readout="analog")
        with self.assertRaisesRegex(hat.HatConfigError, r"device\.bits_per_cell: 1 not modelled "
                                    r".*weighted in the analog readout"):
            hat.tile_config_from_dump(d, 0, "bad.yaml")

    def test_unsliced_bits_per_cell_is_accepted(self):
        # bits_per_cell 0 or the weight's magnitude bits: one multi-level pair, as modelled.
        for bpc in (0, 7):
            d = dumped()
            d["tiles"][0]["weight_bits"] = 8
            d["tiles"][0]["device"]["bits_per_cell"] = bpc
            self.assertTrue(hat.tile_config_from_dump(d, 0, "ok.yaml").analog)

    def test_simulator_refusal_is_reported(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "bad.yaml")
            with open(p, "w") as f:
                f.write("tiles:\n  - kind: analog\n    nonideal: {drift_model: mystery}\n")
            with self.assertRaisesRegex(hat.HatConfigError, r"bad\.yaml: imcvp refused the "
                                        r"configuration \(exit 78\)"):
                hat.load_tile_config(p)
        with self.assertRaisesRegex(hat.HatConfigError, "no such file"):
            hat.load_tile_config("/nonexistent/soc.yaml")


class TestNoiseModel(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(1)

    def test_programming_sigma_matches_aihwkit(self):
        """Programmed-state error std at five targets vs aihwkit PCMLikeNoiseModel's sigma
        (docs/imc-model.md, item 3: 1.055 / 1.078 / 0.960 / 0.694 / 0.507 uS)."""
        c = pcm()
        for g_t, sigma in ((25.0, 1.055), (18.8, 1.078), (12.7, 0.960), (6.5, 0.694),
                           (3.4, 0.507)):
            g = hat.program_conductance(torch.full((200000,), g_t, dtype=torch.float64), c)
            s = float((g - g_t).std())
            self.assertLess(abs(s / sigma - 1), 0.03, (g_t, s, sigma))
        c.nonideal_prog_noise_scale = 2.0
        g = hat.program_conductance(torch.full((200000,), 25.0, dtype=torch.float64), c)
        self.assertLess(abs(float(g.std()) / (2 * 1.055) - 1), 0.03)

    def test_drift_exponent_and_factor(self):
        c = pcm()
        for g_us in (25.0, 5.0, 0.25):
            g = torch.full((200000,), g_us, dtype=torch.float64)
            gt = g_us / 25.0
            mu = min(max(-0.0155 * math.log(gt) + 0.0244, 0.049), 0.1)
            sd = min(max(-0.0125 * math.log(gt) - 0.0059, 0.008), 0.045)
            nu = hat.draw_nu(g, c)
            self.assertLess(abs(float(nu.mean()) / mu - 1), 0.01, g_us)
            self.assertLess(abs(float(nu.std()) / sd - 1), 0.03, g_us)
        one_year = 3.156e7
        f = hat.drift_factor(one_year, torch.tensor(0.05, dtype=torch.float64), c)
        self.assertAlmostEqual(float(f), ((one_year + 20) / 20) ** -0.05, places=12)

    def test_read_noise_moments_of_the_clamped_normal(self):
        """The exact moments the layer uses vs a Monte Carlo of max(g(1 + sZ), 0)."""
        c = pcm()
        tt = hat.read_noise_time_term(86400.0, c)
        self.assertAlmostEqual(tt, math.sqrt(math.log((86400 + 20 + 2.5e-7) / 5e-7)), places=9)
        for g_us in (25.0, 1.0, 0.25):
            g = torch.tensor(g_us, dtype=torch.float64)
            s = hat.q_s(g, c) * tt
            if g_us == 25.0:
                self.assertAlmostEqual(float(hat.q_s(g, c)), 0.0088, places=12)
            m1, v = hat._clamped_normal_moments(g, s)
            z = torch.randn(400000, dtype=torch.float64)
            y = (g * (1 + s * z)).clamp_min(0)
            self.assertLess(abs(float(y.mean()) / float(m1) - 1), 0.01, g_us)
            self.assertLess(abs(float(y.var()) / float(v) - 1), 0.03, g_us)

    def test_layer_output_noise_matches_the_column_formula(self):
        """A one-column layer, ideal ADC, fixed age, drift off (so no drift compensation
        scales the output): the output's mean and spread over many chips are what programming
        noise + read noise give by the formulas (sampled device by device here)."""
        c = pcm()
        c.adc_bits = 0
        c.nonideal_drift = False
        lin = hat.AnalogLinear(64, 1, bias=False, tile=c, fixed_age=86400.0)
        with torch.no_grad():
            lin.weight.copy_(torch.linspace(-0.5, 1, 64).view(1, 64))
        lin.x_absmax.fill_(1.0)
        lin.eval()
        x = torch.ones(1, 64)
        with torch.no_grad():
            ys = torch.stack([lin(x).view(()) for _ in range(2000)]).double()
        # reference: the same integers, each device drawn with the formulas directly
        wi = hat.round_ste(torch.linspace(-0.5, 1, 64) * 127).double().repeat(2000, 1)
        span = 25.0 - 0.25
        ref = torch.zeros(2000, dtype=torch.float64)
        for sign in (1, -1):
            gt = 0.25 + span * (sign * wi).clamp_min(0) / 127
            for _ in range(2):
                g = (gt + hat.prog_noise_std_us(gt, c) * torch.randn_like(gt)).clamp_min(0)
                gd = g
                s = hat.q_s(g, c) * hat.read_noise_time_term(86400.0, c)
                y = (gd * (1 + s * torch.randn_like(gd))).clamp_min(0)
                ref += sign * (y * 127 / span / 2).sum(1)
        ys = ys * 127  # y = (127 · Σ_i w_eff,i) · s_x · s_w, s_x = s_w = 1/127
        self.assertLess(abs(float(ys.mean() - ref.mean())), 4 * float(ref.std()) / 40)
        self.assertLess(abs(float(ys.std() / ref.std()) - 1), 0.06, (ys.std(), ref.std()))

    def test_quantisers_round_like_the_vp_and_pass_gradients(self):
        x = torch.tensor([-2.5, -0.5, 0.5, 1.5, 2.49], requires_grad=True)
        y = hat.round_ste(x)
        self.assertEqual(y.tolist(), [-3.0, -1.0, 1.0, 2.0, 2.0])  # std::round: half away
        y.sum().backward()
        self.assertEqual(x.grad.tolist(), [1.0] * 5)
        c = pcm()
        lin = hat.AnalogLinear(300, 8, tile=c)  # 300 rows > 256: two row blocks
        conv = hat.AnalogConv2d(40, 6, 3, padding=1, tile=c)  # 360 rows: 28 + 12 channels
        self.assertEqual(conv._row_blocks(40, 9), [(0, 28), (28, 40)])
        self.assertEqual(lin._row_blocks(300, 1), [(0, 256), (256, 300)])
        for layer, shape in ((lin, (4, 300)), (conv, (2, 40, 5, 5))):
            with self.subTest(layer=type(layer).__name__):
                xin = torch.randn(*shape, requires_grad=True)
                layer.train()
                out = layer(xin)
                out.pow(2).sum().backward()
                for g in (xin.grad, layer.weight.grad, layer.bias.grad):
                    self.assertTrue(torch.isfinite(g).all())
                    self.assertGreater(float(g.abs().sum()), 0.0)
                self.assertIsNotNone(layer.last_age)
                self.assertTrue(86400.0 <= layer.last_age <= 3.156e8)

    def test_quantisation_only_equals_the_int8_product(self):
        """noise off: out = ADC(x_int · W_int) · s_x · s_w + b, with imcc's scales."""
        c = pcm()
        torch.manual_seed(3)
        lin = hat.AnalogLinear(20, 5, tile=c)
        hat.configure(lin, noise=False)
        lin.eval()
        lin.x_absmax.fill_(2.0)
        x = torch.randn(7, 20)
        with torch.no_grad():
            out = lin(x)
        sx = 2.0 / 127
        sw = lin.weight.abs().amax(1) / 127
        xi = torch.clamp(torch.sign(x / sx) * torch.floor((x / sx).abs() + 0.5), -127, 127)
        wi = torch.sign(lin.weight / sw[:, None]) * torch.floor((lin.weight / sw[:, None]).abs()
                                                                + 0.5)
        acc = xi @ wi.t()
        lsb = 16.0 / 127 * 127 * 127  # ADC LSB in accumulator units
        code = torch.clamp(torch.sign(acc / lsb) * torch.floor((acc / lsb).abs() + 0.5), -127, 127)
        ref = code * lsb * sx * sw + lin.bias
        torch.testing.assert_close(out, ref.detach(), rtol=1e-5, atol=1e-6)

    def test_convert_and_strip_keep_the_weights(self):
        torch.manual_seed(0)
        m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
        x = torch.randn(2, 1, 6, 6)
        ref = m(x).detach()
        hidden_max = float(m[1](m[0](x)).abs().max())
        w0 = m[0].weight
        opt = torch.optim.SGD(m.parameters(), lr=0.1)  # made before convert
        hat.convert(m, pcm())
        self.assertIs(m[0].weight, w0)  # the same Parameter: the optimiser still trains it
        self.assertEqual(len(hat.analog_layers(m)), 2)
        hat.calibrate_inputs(m, [x])
        self.assertAlmostEqual(float(m[0].x_absmax), float(x.abs().max()), places=6)
        # every layer's scale from the float forward (regression: the second layer's used to
        # come from the first one's output quantised with a scale not yet calibrated)
        self.assertAlmostEqual(float(m[3].x_absmax), hidden_max, places=5)
        hat.strip(m)
        self.assertEqual([type(l).__name__ for l in m], ["Conv2d", "ReLU", "Flatten", "Linear"])
        torch.testing.assert_close(m(x), ref)
        self.assertIs(m[0].weight, w0)
        before = w0.detach().clone()
        hat.convert(m, pcm())
        m(x).pow(2).sum().backward()
        opt.step()  # the optimiser made before either convert updates the analog layer
        self.assertFalse(torch.equal(m[0].weight.detach(), before))
        self.assertIs(m[0].weight, w0)
        with self.assertRaises(TypeError):
            hat.convert(m, {"kind": "analog"})


if __name__ == "__main__":
    unittest.main()
