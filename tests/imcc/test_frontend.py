"""Front end, quantiser and int8 reference against float numpy evaluation of the ONNX graph;
every bad-input case of the front end."""
import os
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

from common import DIGITAL, M, TmpDir, run_cli
from imcc import CompileError, quantize, reference
from imcc.frontend import evaluate, lower, onnx_loader


def lowered(proto):
    g = onnx_loader.from_proto(proto)
    m = lower.lower(g)
    m.layer_by_name = {L.name: L for L in m.layers}
    return g, m


def logits_onnx(g, x):
    """the graph output, or the Softmax's input (the host op)"""
    env = evaluate.evaluate(g, x, keep=True)
    last = g.nodes[-1]
    return env[last.inputs[0] if last.op == "Softmax" else g.outputs[0]].reshape(-1)


class LoweringTest(unittest.TestCase):
    def test_lowered_float_equals_onnx(self):
        for mk in (M.cnn, M.resnet, M.mlp, lambda: M.resnet(c=40, wide=True)):
            proto = mk()
            g, m = lowered(proto)
            for x in M.images(proto, 3):
                want = logits_onnx(g, x[None])
                got = reference.float_forward(m, quantize.to_hwc(m, x[None]))[m.output]
                np.testing.assert_allclose(got.reshape(-1), want, rtol=1e-9, atol=1e-9)

    def test_bn_folded_relu_fused(self):
        g, m = lowered(M.cnn())
        kinds = [L.kind for L in m.layers]
        self.assertEqual(kinds, ["conv", "maxpool", "conv", "conv", "conv"])
        self.assertTrue(m.layers[0].relu)
        self.assertIn("BatchNormalization_", " ".join(m.layers[0].src_nodes))
        self.assertFalse(m.layers[-1].relu)

    def test_flatten_permutes_gemm_rows(self):
        # Gemm after Flatten of an NCHW map: the weight rows must follow HWC memory order
        g, m = lowered(M.cnn())
        L = m.layers[3]
        order = m.orders[L.inputs[0]]
        x = m.tensors[m.layers[2].output]
        self.assertEqual(len(order), x.h * x.w * x.c)
        # byte (y=0, x=1, c=0) holds ONNX feature c*H*W + y*W + x = 1
        self.assertEqual(order[x.c], 1)

    def test_depthwise_and_clip(self):
        b = M.Builder(3)
        y = b.node("Relu", [b.conv("x", 2, 8)])
        y = b.conv(y, 8, 8, group=8)
        y = b.node("Clip", [y, b.const(np.float32(0)), b.const(np.float32(6))])
        y = b.node("GlobalAveragePool", [y])
        y = b.gemm(b.node("Flatten", [y]), 8, 4)
        proto = b.model("x", [1, 2, 6, 6], y, [1, 4])
        g, m = lowered(proto)
        self.assertTrue(m.layers[1].depthwise and m.layers[1].relu6)
        for x in M.images(proto, 2):
            got = reference.float_forward(m, quantize.to_hwc(m, x[None]))[m.output]
            np.testing.assert_allclose(got.reshape(-1), logits_onnx(g, x[None]), atol=1e-9)


class QuantTest(unittest.TestCase):
    def test_int8_close_to_float(self):
        for mk in (M.cnn, M.resnet, M.mlp):
            proto = mk()
            g, m = lowered(proto)
            ims = M.images(proto, 16)
            quantize.quantize(m, [x[None] for x in ims])
            for x in ims[:4]:
                q = reference.int8_forward(m, quantize.quantize_input(m, x[None]))[m.output]
                got = q.reshape(-1) * m.output_scales
                want = logits_onnx(g, x[None])
                err = np.max(np.abs(got - want)) / np.max(np.abs(want))
                self.assertLess(err, 0.08, f"{mk.__name__}: relative error {err}")

    def test_requant_params(self):
        mul, sh = quantize.requant_params([0.5, 0.25, 1e-3])
        self.assertLess(int(np.max(mul)), 2 ** 23)
        np.testing.assert_allclose(mul / 2.0 ** sh, [0.5, 0.25, 1e-3], rtol=1e-4)
        self.assertEqual(quantize.requant_params([0.0])[1], 0)

    def test_rounding_and_saturation(self):
        # (acc*MUL + 2^(S-1)) >> S: half rounds up, negatives floor, clamps to int8
        self.assertEqual(int(reference.rshift_round(3, 1)), 2)     # 1.5 -> 2
        self.assertEqual(int(reference.rshift_round(-3, 1)), -1)   # -1.5 -> -1
        self.assertEqual(int(reference.sat8(reference.rshift_round(1000, 2))), 127)
        self.assertEqual(int(reference.vec_add(np.int64(100), np.int64(100), 1, 1, 0)), 127)

    def test_conv_int_matches_scalar_loop(self):
        proto = M.cnn(c1=3, c2=4)
        g, m = lowered(proto)
        quantize.quantize(m, [x[None] for x in M.images(proto, 4)])
        L = m.layers[2]                      # conv stride 2, pad 1, relu, requant
        r = np.random.RandomState(0)
        x = r.randint(-128, 128, (4, 4, 3))
        y = reference.conv_int(L, x)
        for oy in range(y.shape[0]):
            for ox in range(y.shape[1]):
                for n in range(y.shape[2]):
                    acc = 0
                    for ky in range(3):
                        for kx in range(3):
                            for c in range(3):
                                iy, ix = oy * 2 - 1 + ky, ox * 2 - 1 + kx
                                if 0 <= iy < 4 and 0 <= ix < 4:
                                    acc += int(x[iy, ix, c]) * int(L.wq[(ky * 3 + kx) * 3 + c, n])
                    a = max(acc + int(L.bq[n]), 0)
                    p = a * int(L.mul[n])
                    v = (p + (1 << (L.shift - 1))) >> L.shift
                    self.assertEqual(int(y[oy, ox, n]), max(-128, min(127, v)))


class BadInputTest(unittest.TestCase):
    def compile_fails(self, proto, expect):
        d = TmpDir()
        path, npz = d.model(proto)
        out = d.p("out.pkg")
        rc, _, err = run_cli("compile", path, "-c", DIGITAL, "--inputs", npz, "-o", out)
        self.assertEqual(rc, 1, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        for e in expect:
            self.assertIn(e, err)
        self.assertFalse(os.path.exists(out) or os.path.exists(out + ".json"))
        return err

    def test_unsupported_op(self):
        b = M.Builder()
        y = b.node("Sigmoid", [b.gemm("x", 8, 4)])
        self.compile_fails(b.model("x", [1, 8], y, [1, 4]), ["Sigmoid_", "op Sigmoid",
                                                             "not supported"])

    def test_opset(self):
        for ops in (9, 18):
            b = M.Builder()
            y = b.gemm("x", 8, 4)
            self.compile_fails(b.model("x", [1, 8], y, [1, 4], opset=ops),
                               [f"opset {ops}", "not supported"])

    def test_dtype(self):
        b = M.Builder()
        y = b.gemm("x", 8, 4)
        g = helper.make_graph(b.nodes, "g",
                              [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [1, 8])],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 4])],
                              b.inits)
        proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        with self.assertRaises(CompileError) as c:
            onnx_loader.from_proto(proto)
        self.assertIn("dtype DOUBLE", str(c.exception))

    def test_dynamic_shape(self):
        b = M.Builder()
        y = b.node("Relu", [b.conv("x", 1, 4)])
        g = helper.make_graph(b.nodes, "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                             [1, 1, "H", "W"])],
                              [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)],
                              b.inits)
        proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        with self.assertRaises(CompileError) as c:
            onnx_loader.from_proto(proto)
        self.assertIn("dynamic shape", str(c.exception))

    def test_grouped_conv_and_clip_and_standalone_relu(self):
        b = M.Builder()
        y = b.conv("x", 4, 4, group=2)
        self.compile_fails(b.model("x", [1, 4, 6, 6], y, None), ["op Conv", "group=2"])
        b = M.Builder()
        y = b.node("Clip", [b.conv("x", 1, 4), b.const(np.float32(-1)), b.const(np.float32(1))])
        self.compile_fails(b.model("x", [1, 1, 6, 6], y, None), ["op Clip", "Clip(-1.0, 1.0)"])
        b = M.Builder()
        y = b.gemm(b.node("Relu", ["x"]), 8, 4)
        self.compile_fails(b.model("x", [1, 8], y, [1, 4]), ["op Relu", "fused"])

    def test_not_onnx(self):
        d = TmpDir()
        open(d.p("x.onnx"), "wb").write(b"garbage")
        np.savez(d.p("x.npz"), images=np.zeros((1, 8), np.float32))
        rc, _, err = run_cli("compile", d.p("x.onnx"), "-c", DIGITAL, "--inputs", d.p("x.npz"),
                             "-o", d.p("o.pkg"))
        self.assertEqual(rc, 1)
        self.assertIn("not an ONNX model", err)


if __name__ == "__main__":
    unittest.main()
