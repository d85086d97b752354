"""Transformer ops in imcc (docs/transformers.md): fusion of the decomposed LayerNorm / GELU,
each op's float evaluation against numpy, the integer host kernels against the float ops,
whole encoders (pre-LN, post-LN, opset-17 LayerNormalization, a PyTorch export) compiled and
emulated bit-exactly, and the refusals (partial patterns, ops the compiler cannot place,
models that do not fit)."""
import json
import math
import os
import unittest

import numpy as np
import onnx

import tempfile

from common import DIGITAL, run_cli
from imcc import CompileError, quantize, reference
from imcc.backend import emulate, package
from imcc.frontend import evaluate, lower, onnx_loader
import transformer_models as tm


def graph_of(model):
    return onnx_loader.from_proto(model, "t")


def compile_tiny(tmp, model, n=8, extra=(), name="t"):
    path = os.path.join(tmp, name + ".onnx")
    onnx.save(model, path)
    ins = tm.inputs(n=n, T=model.graph.input[0].type.tensor_type.shape.dim[1].dim_value,
                    F=model.graph.input[0].type.tensor_type.shape.dim[2].dim_value)
    npz = os.path.join(tmp, name + ".npz")
    np.savez(npz, **ins)
    pkg = os.path.join(tmp, name + ".pkg")
    rc, out, err = run_cli("compile", path, "-c", DIGITAL, "--inputs", npz, "-o", pkg,
                           *extra)
    return rc, out, err, pkg


class FusionTest(unittest.TestCase):
    def test_decomposed_layernorm_and_gelu_are_fused(self):
        g = graph_of(tm.encoder())
        ops = [n.op for n in g.nodes]
        self.assertEqual(ops.count("LayerNormalization"), 3)
        self.assertEqual(ops.count("Gelu"), 1)
        for op in ("Pow", "Sqrt", "Erf", "Div", "Sub", "Mul"):
            self.assertNotIn(op, ops)
        ln = next(n for n in g.nodes if n.op == "LayerNormalization")
        self.assertAlmostEqual(ln.attrs["epsilon"], 1e-5)
        self.assertEqual(len(ln.attrs["fused"]), 9)

    def test_fused_graph_evaluates_like_onnx_semantics(self):
        """The fused LayerNormalization/Gelu evaluate like the decomposed nodes would (numpy
        written out here from the ONNX op definitions)."""
        b = tm.TfBuilder(3)
        y = b.gelu(b.layernorm("x", 6))
        g = graph_of(b.model("x", [1, 4, 6], y, [1, 4, 6]))
        x = np.random.RandomState(0).randn(1, 4, 6)
        ln = g.nodes[0]
        gam, bet = g.const(ln.inputs[1]), g.const(ln.inputs[2])
        m = x.mean(-1, keepdims=True)
        d = x - m
        n = d / np.sqrt((d ** 2).mean(-1, keepdims=True) + 1e-5) * gam + bet
        want = n * 0.5 * (1 + np.vectorize(math.erf)(n / math.sqrt(2)))
        np.testing.assert_allclose(evaluate.evaluate(g, x), want, rtol=1e-6, atol=1e-6)

    def test_layernorm_without_affine(self):
        b = tm.TfBuilder(3)
        y = b.layernorm("x", 6, affine=False)
        g = graph_of(b.model("x", [1, 4, 6], y, [1, 4, 6]))
        self.assertEqual([n.op for n in g.nodes], ["LayerNormalization"])

    def partial(self, drop_op, build="ln"):
        b = tm.TfBuilder(3)
        y = b.layernorm("x", 6) if build == "ln" else b.gelu("x")
        m = b.model("x", [1, 4, 6], y, [1, 4, 6])
        nodes = [n for n in m.graph.node]
        victim = next(n for n in nodes if n.op_type == drop_op)
        # bypass the victim: its consumers read its first input instead
        for n in nodes:
            for i, name in enumerate(n.input):
                if name == victim.output[0]:
                    n.input[i] = victim.input[0]
        m.graph.node.remove(victim)
        return m

    def test_partial_layernorm_patterns_are_refused_naming_the_node(self):
        for op, why in (("Pow", "Pow"), ("Sqrt", "Sqrt"), ("Sub", "Sub x - mean")):
            m = self.partial(op)
            with self.assertRaises(CompileError) as cm:
                graph_of(m)
            msg = str(cm.exception)
            self.assertIn("node '", msg)
            self.assertIn("LayerNormalization", msg)
            self.assertNotIn("\n", msg)

    def test_partial_gelu_is_refused(self):
        m = self.partial("Div", "gelu")
        with self.assertRaises(CompileError) as cm:
            graph_of(m)
        self.assertIn("GELU", str(cm.exception))
        self.assertIn("(op Erf)", str(cm.exception))


class HostKernelTest(unittest.TestCase):
    """The integer host kernels (reference.py, imcrt hostops.c) against the float ops."""
    rng = np.random.RandomState(5)

    def test_layernorm_kernel_close_to_float(self):
        F, sx = 64, 0.05
        q = self.rng.randint(-128, 128, (16, F))
        gam, bet = 1 + 0.2 * self.rng.randn(F), 0.1 * self.rng.randn(F)
        x = q * sx
        m = x.mean(-1, keepdims=True)
        want = (x - m) / np.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + 1e-5) * gam + bet
        so = np.abs(want).max() / 127
        G, Bb = np.round(gam / so * 65536), np.round(bet / so * 65536)
        E = round(1e-5 / sx ** 2 * F * F)
        y = reference.host_layernorm(q, F, G, Bb, E)
        self.assertLessEqual(np.abs(y * so - want).max(), 1.01 * so)

    def test_layernorm_constant_row_does_not_divide_by_zero(self):
        y = reference.host_layernorm(np.full((2, 8), 5), 8, np.full(8, 65536),
                                     np.full(8, 3 * 65536), 0)
        np.testing.assert_array_equal(y, np.full((2, 8), 3))

    def test_softmax_kernel(self):
        L, sx = 16, 0.1
        q = self.rng.randint(-128, 128, (8, L))
        E = np.round(32768 * np.exp(-np.arange(256) * sx))
        y = reference.host_softmax(q, L, E)
        x = q * sx
        want = np.exp(x - x.max(-1, keepdims=True))
        want /= want.sum(-1, keepdims=True)
        self.assertLessEqual(np.abs(y / 127 - want).max(), 0.6 / 127 + 1e-4)
        self.assertTrue((y >= 0).all() and (y <= 127).all())

    def test_matmul_kernel_is_the_tile_requantisation(self):
        a = self.rng.randint(-128, 128, (2, 4, 8))
        b = self.rng.randint(-128, 128, (2, 8, 3))
        mul, shift = 12345, 22
        y = reference.host_matmul(a, b, 2, 4, 8, 3, mul, shift)
        acc = np.matmul(a, b)
        np.testing.assert_array_equal(y, np.clip((acc * mul + (1 << 21)) >> 22, -128, 127))

    def test_lut_and_permute(self):
        lut = np.arange(256) - 128
        q = self.rng.randint(-128, 128, 50)
        np.testing.assert_array_equal(reference.host_lut(q, lut[::-1]), -q - 1)
        x = np.arange(24)
        np.testing.assert_array_equal(reference.host_permute(x, (2, 3, 4), (1, 0, 2)),
                                      x.reshape(2, 3, 4).transpose(1, 0, 2))


class EncoderTest(unittest.TestCase):
    def check_exact(self, model, n=6, name="t", extra=()):
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            rc, out, err, pkg = compile_tiny(d, model, n, extra, name=name)
            self.assertEqual(rc, 0, err)
            man = json.load(open(pkg + ".json"))
            p = package.read(pkg)
            self.assertTrue(p.h["flags"] & package.FLAG_RESIDENT)
            em = emulate.Emulator(p)
            outs = em.run()
            exp = p.array("EXPECTED", "<i4").reshape(p.h["n_inputs"], -1)
            for i, o in enumerate(outs):
                np.testing.assert_array_equal(o, exp[i, :o.size])
            self.assertGreater(em.stats["host_steps"], 0)
            return man

    def test_pre_ln_encoder_emulates_exactly(self):
        man = self.check_exact(tm.encoder(layers=2), extra=("--attention", "host"))
        seg = next(x for x in man["passes"] if x["pass"] == "segment")
        self.assertGreater(seg["segments"], 4)
        host = next(x for x in man["passes"] if x["pass"] == "host")
        ops = {x["op"] for x in host["host_layers"]}
        self.assertEqual(ops, {"layernorm", "gelu", "softmax", "matmul", "permute"})
        self.assertGreater(host["attention_host_est_ns"], 0)
        rl = next(x for x in man["passes"] if x["pass"] == "reload")
        self.assertEqual(rl["reloads"], 0)

    def test_post_ln_encoder_emulates_exactly(self):
        self.check_exact(tm.encoder(post_ln=True))

    def test_opset17_layernormalization(self):
        self.check_exact(tm.encoder(native=True))

    def test_int8_close_to_float(self):
        m = tm.encoder(layers=2)
        g = graph_of(m)
        lm = lower.lower(g)
        xs = tm.inputs(n=16)["images"]
        quantize.quantize(lm, [x[None] for x in xs])
        for x in xs[:4]:
            f = evaluate.evaluate(g, x[None]).reshape(-1)
            lf = reference.float_forward(lm, quantize.to_hwc(lm, x[None]))[lm.output]
            np.testing.assert_allclose(lf.reshape(-1), f, rtol=1e-9, atol=1e-9)
            q = reference.int8_forward(lm, quantize.quantize_input(lm, x[None]))[lm.output]
            err = np.abs(q.reshape(-1) * lm.output_scales - f).max()
            self.assertLess(err, 0.1 * np.abs(f).max() + 0.05)

    @unittest.skipUnless(os.path.exists("/usr/lib/python3/dist-packages/torch"), "no torch")
    def test_pytorch_export_pre_and_post_ln(self):
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Blk(nn.Module):
            def __init__(self, post):
                super().__init__()
                self.post = post
                self.ln1, self.ln2 = nn.LayerNorm(16), nn.LayerNorm(16)
                self.att = nn.Linear(16, 48)
                self.o = nn.Linear(16, 16)
                self.f1, self.f2 = nn.Linear(16, 32), nn.Linear(32, 16)

            def attn(self, x):
                q, k, v = self.att(x).split(16, dim=-1)
                sh = lambda t: t.reshape(1, 8, 2, 8).transpose(1, 2)  # noqa: E731
                a = torch.softmax(sh(q) @ sh(k).transpose(2, 3), dim=-1)
                return self.o((a @ sh(v)).transpose(1, 2).reshape(1, 8, 16))

            def forward(self, x):
                if self.post:
                    x = self.ln1(x + self.attn(x))
                    return self.ln2(x + self.f2(F.gelu(self.f1(x))))
                x = x + self.attn(self.ln1(x))
                return x + self.f2(F.gelu(self.f1(self.ln2(x))))

        class Net(nn.Module):
            def __init__(self, post):
                super().__init__()
                self.emb = nn.Linear(12, 16)
                self.pos = nn.Parameter(0.1 * torch.randn(8, 16))
                self.blk = Blk(post)
                self.head = nn.Linear(16, 5)

            def forward(self, x):
                return self.head(self.blk(self.emb(x) + self.pos).mean(dim=1))

        for post in (False, True):
            torch.manual_seed(0)
            net = Net(post).eval()
            with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
                path = os.path.join(d, "tt.onnx")
                torch.onnx.export(net, torch.zeros(1, 8, 12), path, opset_version=13)
                m = onnx.load(path)
                self.assertIn("Erf", {n.op_type for n in m.graph.node})
                with self.subTest(post_ln=post):
                    self.check_exact(m, name=f"tt{int(post)}")
                    x = np.random.RandomState(2).rand(1, 8, 12).astype(np.float32)
                    want = net(torch.from_numpy(x)).detach().numpy()
                    np.testing.assert_allclose(evaluate.evaluate(graph_of(m), x), want,
                                               rtol=1e-4, atol=1e-5)


PCM = os.path.join(os.path.dirname(DIGITAL), "imc16-pcm.yaml")


class AttentionPlacementTest(unittest.TestCase):
    """--attention host|tiles|auto: Q.K^T and softmax.V on the core or on a digital tile
    programmed per input; both bit-exact with the int8 reference."""

    def compile(self, d, model, *extra, config=DIGITAL, n=4):
        path = os.path.join(d, "a.onnx")
        onnx.save(model, path)
        npz = os.path.join(d, "a.npz")
        dims = model.graph.input[0].type.tensor_type.shape.dim
        np.savez(npz, **tm.inputs(n=n, T=dims[1].dim_value, F=dims[2].dim_value))
        pkg = os.path.join(d, "a.pkg")
        rc, out, err = run_cli("compile", path, "-c", config, "--inputs", npz, "-o", pkg,
                               *extra)
        return rc, err, pkg

    def test_tiles_mode_programs_a_free_tile_per_input_and_is_exact(self):
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            rc, err, pkg = self.compile(d, tm.encoder(layers=2), "--attention", "tiles")
            self.assertEqual(rc, 0, err)
            man = json.load(open(pkg + ".json"))
            att = next(x for x in man["passes"] if x["pass"] == "attention")
            self.assertEqual([x["choice"] for x in att["layers"]], ["tiles"] * 4)
            for x in att["layers"]:
                self.assertGreater(x["tiles"]["est_ns"], 0)
                self.assertGreater(x["host"]["est_ns"], 0)
                self.assertGreater(x["tiles"]["noc_bytes"], 0)
            tile = next(x for x in man["passes"] if x["pass"] == "place")["attention_tile"]
            host = next(x for x in man["passes"] if x["pass"] == "host")
            # the head transposes are folded into the attention tile's LOAD/STORE patterns
            self.assertEqual({x["op"] for x in host["host_layers"]},
                             {"layernorm", "gelu", "softmax"})
            self.assertEqual(len(att["folded_transposes"]), 8)
            p = package.read(pkg)
            progs = [q for q in p.programs() if q["tile"] == tile and q["kind"] == 1]
            ops = [int(w[0]) & 0xFF for q in progs for w in q["desc"]]
            self.assertIn(7, ops)                 # PROGRAM in a body program: per input
            outs = emulate.Emulator(p).run()
            exp = p.array("EXPECTED", "<i4").reshape(p.h["n_inputs"], -1)
            for i, o in enumerate(outs):
                np.testing.assert_array_equal(o, exp[i, :o.size])

    def test_host_and_tiles_give_the_same_reference(self):
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            exp = []
            for mode in ("host", "tiles"):
                rc, err, pkg = self.compile(d, tm.encoder(), "--attention", mode)
                self.assertEqual(rc, 0, err)
                exp.append(package.read(pkg).array("EXPECTED", "<i4").copy())
            np.testing.assert_array_equal(exp[0], exp[1])

    def test_auto_on_analog_tiles_stays_on_the_host(self):
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            rc, err, pkg = self.compile(d, tm.encoder(), config=PCM)
            self.assertEqual(rc, 0, err)
            att = next(x for x in json.load(open(pkg + ".json"))["passes"]
                       if x["pass"] == "attention")
            self.assertEqual({x["choice"] for x in att["layers"]}, {"host"})
            self.assertIn("no digital tile", att["layers"][0]["why_host"])
            rc, err, pkg = self.compile(d, tm.encoder(), "--attention", "tiles", config=PCM)
            self.assertEqual(rc, 1)
            self.assertIn("--attention tiles: cannot run on a tile: the SoC has no digital", err)
            self.assertIn("(op MatMul)", err)

    def test_sequence_too_long_for_the_tile(self):
        """300 tokens: K^T has 300 columns > 256 (and M x K > IN): tiles refused naming the
        node; auto keeps attention on the host."""
        m = tm.encoder(T=300, F=4, D=8, H=1, M=8)
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            rc, err, pkg = self.compile(d, m, "--attention", "tiles", n=2)
            self.assertEqual(rc, 1)
            self.assertIn("N = 300 > 256 array columns", err)
            self.assertEqual(err.count("\n"), 1)


class ConcatTest(unittest.TestCase):
    def model(self, axis):
        b = tm.TfBuilder(4)
        x = b.linear("x", 12, 16)
        y = b.node("Concat", [b.linear(x, 16, 8), b.linear(x, 16, 8)], axis=axis)
        y = b.node("ReduceMean", [y], axes=[1], keepdims=0)
        return b.model("x", [1, 8, 12], b.gemm(y, 16 if axis in (-1, 2) else 8, 5), [1, 5])

    def exact(self, axis):
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            rc, out, err, pkg = compile_tiny(d, self.model(axis), 4)
            self.assertEqual(rc, 0, err)
            p = package.read(pkg)
            outs = emulate.Emulator(p).run()
            exp = p.array("EXPECTED", "<i4").reshape(p.h["n_inputs"], -1)
            for i, o in enumerate(outs):
                np.testing.assert_array_equal(o, exp[i, :o.size])

    def test_concat_of_features_is_exact(self):
        self.exact(-1)
        g = graph_of(self.model(2))
        lm = lower.lower(g)
        x = tm.inputs(n=1)["images"]
        quantize.quantize(lm, [x])
        np.testing.assert_allclose(
            reference.float_forward(lm, quantize.to_hwc(lm, x))[lm.output].reshape(-1),
            evaluate.evaluate(g, x).reshape(-1), rtol=1e-9, atol=1e-9)

    def test_concat_of_tokens_is_exact(self):
        self.exact(1)
        g = graph_of(self.model(1))
        lm = lower.lower(g)
        x = tm.inputs(n=1)["images"]
        quantize.quantize(lm, [x])
        np.testing.assert_allclose(
            reference.float_forward(lm, quantize.to_hwc(lm, x))[lm.output].reshape(-1),
            evaluate.evaluate(g, x).reshape(-1), rtol=1e-9, atol=1e-9)


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TF = os.path.join(ROOT, "models", "onnx", "transformer_fashion.onnx")


@unittest.skipUnless(os.path.exists(TF), "models/onnx/transformer_fashion.onnx not present")
class CommittedModelTest(unittest.TestCase):
    """The committed encoder (4 of its inputs) compiles with attention on the host and on a
    tile; both emulate exactly and give the same int8 reference."""

    def test_host_and_tiles(self):
        z = np.load(TF.replace(".onnx", "_inputs.npz"))
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            npz = os.path.join(d, "in.npz")
            np.savez(npz, images=z["images"][:4], labels=z["labels"][:4])
            exp = []
            for mode in ("host", "tiles"):
                pkg = os.path.join(d, mode + ".pkg")
                rc, out, err = run_cli("compile", TF, "-c", DIGITAL, "--inputs", npz, "-o",
                                       pkg, "--attention", mode)
                self.assertEqual(rc, 0, err)
                p = package.read(pkg)
                outs = emulate.Emulator(p).run()
                e = p.array("EXPECTED", "<i4").reshape(4, -1)
                for i, o in enumerate(outs):
                    np.testing.assert_array_equal(o, e[i, :o.size])
                exp.append(e)
                man = json.load(open(pkg + ".json"))
                seg = next(x for x in man["passes"] if x["pass"] == "segment")
                self.assertEqual(seg["segments"], 10)
            np.testing.assert_array_equal(exp[0], exp[1])


@unittest.skipUnless(os.path.exists("/usr/lib/python3/dist-packages/torch"), "no torch")
class ClassTokenTest(unittest.TestCase):
    """A class token as PyTorch exports it: Concat(cls constant, tokens) over axis 1, Gather of
    token 0 after the final LayerNorm."""

    def export(self, d, gather_index=0):
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Linear(12, 16)
                self.cls = nn.Parameter(torch.randn(1, 1, 16))
                self.pos = nn.Parameter(0.1 * torch.randn(9, 16))
                self.ln = nn.LayerNorm(16)
                self.head = nn.Linear(16, 5)

            def forward(self, x):
                x = torch.cat([self.cls, self.emb(x)], dim=1) + self.pos
                return self.head(self.ln(x)[:, gather_index])

        torch.manual_seed(0)
        net = Net().eval()
        path = os.path.join(d, "cls.onnx")
        torch.onnx.export(net, torch.zeros(1, 8, 12), path, opset_version=13)
        return net, onnx.load(path)

    def test_class_token_exact_and_float_equal(self):
        import torch
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            net, m = self.export(d)
            self.assertIn("Gather", {n.op_type for n in m.graph.node})
            x = np.random.RandomState(3).rand(1, 8, 12).astype(np.float32)
            g = graph_of(m)
            want = net(torch.from_numpy(x)).detach().numpy()
            np.testing.assert_allclose(evaluate.evaluate(g, x), want, rtol=1e-4, atol=1e-5)
            lm = lower.lower(g)
            quantize.quantize(lm, [x])
            np.testing.assert_allclose(
                reference.float_forward(lm, quantize.to_hwc(lm, x))[lm.output].reshape(-1),
                evaluate.evaluate(g, x).reshape(-1), rtol=1e-9, atol=1e-9)
            EncoderTest.check_exact(self, m, name="cls")

    def test_other_token_refused(self):
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            _, m = self.export(d, gather_index=3)
            with self.assertRaises(CompileError) as cm:
                graph_of(m)
            self.assertIn("only token 0", str(cm.exception))


class TcmLimitTest(unittest.TestCase):
    def test_scores_larger_than_the_host_scratch_are_refused(self):
        """512 tokens on the host: the 512 x 512 score matrix and its operands exceed the
        256 KiB imcrt can spare in TCM: refused naming the node."""
        m = tm.encoder(T=512, F=4, D=8, H=1, M=8)
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            rc, out, err, pkg = compile_tiny(d, m, 1, ("--attention", "host"))
            self.assertEqual(rc, 1, out + err)
            self.assertIn("(op MatMul): the host step needs", err)
            self.assertIn("KiB of TCM", err)
            self.assertEqual(err.count("\n"), 1)


class RefusalTest(unittest.TestCase):
    def err(self, model, extra=()):
        with tempfile.TemporaryDirectory(prefix="imcc-test-") as d:
            rc, out, err, pkg = compile_tiny(d, model, 4, extra)
            self.assertEqual(rc, 1, out + err)
            self.assertTrue(err.startswith("imcc: error: "), err)
            self.assertEqual(err.count("\n"), 1, err)
            self.assertFalse(os.path.exists(pkg))
            return err

    def test_model_that_does_not_fit_the_tiles_resident(self):
        e = self.err(tm.encoder(layers=2), ("--tiles-max", "4"))
        self.assertIn("do not fit 4 tiles", e)

    def test_scaled_scores_cannot_be_placed(self):
        """A Mul by the attention scale between Q.K^T and Softmax: no host kernel for it."""
        m = tm.encoder()
        g = m.graph
        sm = next(n for n in g.node if n.op_type == "Softmax")
        g.initializer.append(onnx.numpy_helper.from_array(np.array(0.25, np.float32), "sc"))
        mul = onnx.helper.make_node("Mul", [sm.input[0], "sc"], ["scaled"], name="scale_mul")
        idx = list(g.node).index(sm)
        g.node.insert(idx, mul)
        sm.input[0] = "scaled"
        e = self.err(m)
        self.assertIn("node 'scale_mul' (op Mul)", e)

    def test_head_size_mismatch(self):
        m = tm.encoder(T=6)
        for n in m.graph.node:
            if n.op_type == "MatMul" and len({i for i in n.input}) == 2 and \
                    not any(i.startswith("w") for i in n.input):
                t = next(x for x in m.graph.node if n.input[1] in x.output)
                t.attribute[0].ints[:] = [0, 2, 1, 3]    # K not transposed: [T, dh] x [T, dh]
                break
        e = self.err(m)
        self.assertIn("K must match", e)

    def test_token_tensors_are_not_images(self):
        """Ops with NCHW semantics on a [1, T, F] tensor would silently compute the wrong
        thing: refused naming the node."""
        b = tm.TfBuilder(0)
        y = b.bn(b.linear("x", 12, 8), 8)
        with self.assertRaises(CompileError) as cm:
            lower.lower(graph_of(b.model("x", [1, 8, 12], y, [1, 8, 8])))
        self.assertIn("(op BatchNormalization)", str(cm.exception))
        b = tm.TfBuilder(0)
        y = b.node("Add", [b.linear("x", 12, 8), b.const(np.ones((8, 1)))])
        y = b.node("ReduceMean", [y], axes=[1], keepdims=0)
        with self.assertRaises(CompileError) as cm:
            lower.lower(graph_of(b.model("x", [1, 8, 12], b.gemm(y, 8, 3), [1, 3])))
        self.assertIn("not per-feature", str(cm.exception))

    def test_host_output_refused(self):
        b = tm.TfBuilder(0)
        y = b.layernorm(b.linear("x", 12, 16), 16)
        e = self.err(b.model("x", [1, 8, 12], y, [1, 8, 16]))
        self.assertIn("host", e)


if __name__ == "__main__":
    unittest.main()
