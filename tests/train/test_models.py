"""Checks of the committed ONNX models in models/onnx (Debian python3 with numpy + onnx; no
torch): they load and pass onnx.checker, use opset 13, only the compiler's op set, static
shapes with batch 1, have the documented weight counts and sizes, and compute what their
provenance says (numpy evaluation vs stored expected logits; the digits exports vs the numpy
networks of scripts/inference on the whole test split)."""
import json
import os
import sys
import unittest

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "train"))
import onnx_np  # noqa: E402
import trainlib  # noqa: E402
from trainlib import imcnet  # noqa: E402

D = os.path.join(ROOT, "models", "onnx")
TF_OPS = ["Add", "Constant", "Div", "Erf", "Gemm", "MatMul", "Mul", "Pow", "ReduceMean", "Reshape",
          "Softmax", "Sqrt", "Sub", "Transpose"]
TF_WEIGHTS, TF_INIT = 69312, 71946
# Documented in models/onnx/README.md: input shape, ops, Conv/Gemm weights, all initializer
# elements, INPUTS file (name, N).
MODELS = {
    "resnet_fashion": {"input": [1, 1, 28, 28], "weights": 301984, "init": 302730,
                       "ops": ["Add", "Conv", "Flatten", "Gemm", "GlobalAveragePool", "Relu"],
                       "inputs": ("resnet_fashion_inputs.npz", 256), "min_acc": 0.91},
    "transformer_fashion": {"input": [1, 16, 49], "weights": TF_WEIGHTS, "init": TF_INIT,
                            "ops": TF_OPS, "inputs": ("transformer_fashion_inputs.npz", 256),
                            "min_acc": 0.85},
    # hardware-aware fine-tuned for PCM (scripts/train/finetune_hat.py): same graphs
    "resnet_fashion_hat_pcm": {"input": [1, 1, 28, 28], "weights": 301984, "init": 302730,
                               "ops": ["Add", "Conv", "Flatten", "Gemm", "GlobalAveragePool",
                                       "Relu"],
                               "inputs": ("resnet_fashion_inputs.npz", 256), "min_acc": 0.91},
    "transformer_fashion_hat_pcm": {"input": [1, 16, 49], "weights": TF_WEIGHTS,
                                    "init": TF_INIT, "ops": TF_OPS,
                                    "inputs": ("transformer_fashion_inputs.npz", 256),
                                    "min_acc": 0.85},
    "mlp_digits": {"input": [1, 64], "weights": 4736, "init": 4810, "ops": ["Gemm", "Relu"],
                   "inputs": ("mlp_digits_inputs.npz", 360), "min_acc": 0.97},
    "cnn_digits": {"input": [1, 1, 8, 8], "weights": 792, "init": 810,
                   "ops": ["Conv", "Flatten", "Gemm", "MaxPool", "Relu"],
                   "inputs": ("cnn_digits_inputs.npz", 360), "min_acc": 0.98},
}


def load(name):
    m = onnx.load(os.path.join(D, name + ".onnx"))
    with open(os.path.join(D, name + ".json")) as f:
        meta = json.load(f)
    return m, meta


class TestModels(unittest.TestCase):
    def test_files_and_graph(self):
        with open(os.path.join(D, "README.md")) as f:
            readme = f.read()
        for name, want in MODELS.items():
            with self.subTest(model=name):
                path = os.path.join(D, name + ".onnx")
                m, meta = load(name)
                onnx.checker.check_model(m)
                self.assertEqual([o.version for o in m.opset_import if o.domain in ("", "ai.onnx")],
                                 [trainlib.OPSET])
                ops = sorted({n.op_type for n in m.graph.node})
                self.assertEqual(ops, want["ops"])
                self.assertFalse(set(ops) - trainlib.ALLOWED_OPS)
                self.assertEqual(meta["ops"], ops)
                for n in m.graph.node:
                    if n.op_type == "Conv":
                        at = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
                        self.assertEqual(at.get("group", 1), 1, n.name)
                # static shapes, batch 1, float32 in and out
                self.assertEqual(len(m.graph.input), 1)
                t = m.graph.input[0].type.tensor_type
                self.assertEqual(t.elem_type, onnx.TensorProto.FLOAT)
                self.assertTrue(all(d.HasField("dim_value") for d in t.shape.dim))
                self.assertEqual([d.dim_value for d in t.shape.dim], want["input"])
                o = m.graph.output[0].type.tensor_type
                self.assertEqual([d.dim_value for d in o.shape.dim], [1, 10])
                # weight counts, size, sha256 as documented
                w, total = trainlib.onnx_weight_count(m)
                self.assertEqual((w, total), (want["weights"], want["init"]))
                self.assertEqual((meta["onnx_weights_conv_gemm"],
                                  meta["onnx_initializer_elements"]), (w, total))
                self.assertLess(os.path.getsize(path), 5 << 20)
                self.assertEqual(meta["file_bytes"], os.path.getsize(path))
                self.assertEqual(meta["sha256"], trainlib.sha256(path))
                self.assertIn(meta["sha256"], readme)
                self.assertGreaterEqual(meta["float_test_accuracy"], want["min_acc"])

    def test_resnet_requirements(self):
        m, meta = load("resnet_fashion")
        convs = [n for n in m.graph.node if n.op_type == "Conv"]
        self.assertGreaterEqual(len(convs), 8)
        self.assertEqual(len(convs), meta["conv_layers"])
        self.assertGreaterEqual(meta["onnx_weights_conv_gemm"], 250000)
        self.assertGreaterEqual(sum(n.op_type == "Add" for n in m.graph.node), 5)  # residuals
        self.assertGreaterEqual(meta["float_test_accuracy"], 0.91)
        self.assertEqual(meta["test_images"], 10000)
        for k in ("script", "command", "seed", "epochs", "dataset"):
            self.assertIn(k, meta)

    def test_transformer_requirements(self):
        """Issue 18: 16 tokens of 7x7 patches, width 64, 2 pre-LN layers of 4 heads, mean
        pooling, LayerNorm and GELU decomposed as opset 13 exports them, >= 85 %."""
        m, meta = load("transformer_fashion")
        arch = meta["architecture"]
        self.assertEqual((arch["tokens"], arch["patch"], arch["width"], arch["layers"],
                          arch["heads"], arch["norm"], arch["pooling"]),
                         (16, 7, 64, 2, 4, "pre-LN", "mean over tokens"))
        count = lambda op: sum(n.op_type == op for n in m.graph.node)  # noqa: E731
        self.assertEqual(count("Softmax"), 2)  # one per layer, over the 4 heads at once
        self.assertEqual(count("Erf"), 2)  # exact GELU, one per MLP
        self.assertEqual(count("Sqrt"), 5)  # LayerNorms: 2 per layer + the final one
        inits = {i.name for i in m.graph.initializer}
        act_matmuls = [n for n in m.graph.node if n.op_type == "MatMul"
                       and not any(i in inits for i in n.input)]
        self.assertEqual(len(act_matmuls), 4)  # Q·Kᵀ and softmax·V per layer
        self.assertIn("pos", inits)  # learned positional embedding, added as a constant
        last = [n for n in m.graph.node if n.op_type == "ReduceMean"][-1]
        self.assertEqual(onnx.helper.get_attribute_value(last.attribute[0]), [1])  # tokens
        self.assertGreaterEqual(meta["float_test_accuracy"], 0.85)
        self.assertEqual(meta["test_images"], 10000)
        self.assertLess(os.path.getsize(os.path.join(D, "transformer_fashion.onnx")), 5 << 20)

    def test_hat_models(self):
        """The HAT fine-tuned models: provenance names their source (its sha256 as committed),
        the script, seed and the torch noise model's accuracy before/after at three ages."""
        for name, src in (("resnet_fashion_hat_pcm", "resnet_fashion"),
                          ("transformer_fashion_hat_pcm", "transformer_fashion")):
            with self.subTest(model=name):
                _, meta = load(name)
                _, smeta = load(src)
                self.assertEqual(meta["source_model"], src + ".onnx")
                self.assertEqual(meta["source_sha256"], smeta["sha256"])
                self.assertEqual(meta["script"], "scripts/train/finetune_hat.py")
                self.assertIn("--seed %d" % meta["seed"], meta["command"])
                t = meta["torch_noise_model_accuracy"]
                for when in ("before", "after"):
                    self.assertEqual(sorted(t[when]), sorted(["1 day", "1 year", "10 years",
                                                              "quantised, no noise", "float"]))
                self.assertEqual(meta["hat"]["module"], "compiler/imcc/torch_hat.py")

    def test_inputs_files(self):
        _, _, xf, yf = trainlib.fashion(train=False)
        _, _, xd, yd = trainlib.digits()
        for name, want in MODELS.items():
            with self.subTest(model=name):
                fname, n = want["inputs"]
                path = os.path.join(D, fname)
                self.assertLess(os.path.getsize(path), 1 << 20)
                z = np.load(path)
                self.assertEqual(sorted(z.files), ["images", "labels"])
                x, y = z["images"], z["labels"]
                self.assertEqual(x.dtype, np.float32)
                self.assertEqual(y.dtype, np.int64)
                self.assertEqual(list(x.shape), [n] + want["input"][1:])
                self.assertEqual(y.shape, (n,))
                self.assertGreaterEqual(x.min(), 0.0)
                self.assertLessEqual(x.max(), 1.0)
                fashion = "_fashion" in name
                self.assertTrue(np.array_equal(y, (yf if fashion else yd)[:n]))
                if name.startswith("transformer_fashion"):
                    self.assertTrue(np.array_equal(x, trainlib.patchify(xf[:n])))
                elif not fashion:
                    self.assertTrue(np.array_equal(x.reshape(n, 64), xd))
                _, meta = load(name)
                self.assertEqual(meta["inputs_file"]["sha256"], trainlib.sha256(path))

    def test_expected_logits(self):
        """numpy evaluation of each graph on test images 0..7 equals the logits stored at
        training/export time (torch for the ResNet)."""
        for name, want in MODELS.items():
            with self.subTest(model=name):
                m, meta = load(name)
                z = np.load(os.path.join(D, want["inputs"][0]))
                idx = meta["expected"]["test_indices"]
                self.assertEqual(idx, list(range(8)))
                out = onnx_np.run(m, {"input": z["images"][idx]})[0]
                np.testing.assert_allclose(out, np.array(meta["expected"]["logits"]),
                                           atol=1e-4, rtol=0)

    def test_digits_equal_numpy_networks(self):
        """The digits exports compute the npz networks of scripts/inference (imcnet) on the
        whole test split to 1e-5 (float32 weights, float64 arithmetic on both sides)."""
        _, _, xd, yd = trainlib.digits()
        x64 = xd.astype(np.float64)
        for name, npz, fwd in (
                ("mlp_digits", "mlp_digits_64_64_10.npz", imcnet.forward),
                ("cnn_digits", "cnn_digits_c8_p2_10.npz",
                 lambda ws, bs, x: imcnet.forward_cnn(ws, bs, x, imcnet.CNN_GEOM))):
            with self.subTest(model=name):
                m, meta = load(name)
                ws, bs, _ = imcnet.load_weights(os.path.join(ROOT, "models", "inference", npz))
                ref = fwd(ws, bs, x64)
                z = np.load(os.path.join(D, MODELS[name]["inputs"][0]))
                out = onnx_np.run(m, {"input": z["images"]})[0]
                np.testing.assert_allclose(out, ref, atol=1e-5, rtol=0)
                acc = imcnet.accuracy(out.argmax(1), yd)
                self.assertAlmostEqual(acc, meta["float_test_accuracy"], places=5)
                self.assertAlmostEqual(acc, meta["inputs_file"]["float_accuracy"], places=5)

    def test_onnx_np_ops(self):
        """The evaluator's Conv/MaxPool/GAP/Gemm against direct numpy formulas."""
        rng = np.random.RandomState(0)
        x = rng.randn(2, 3, 7, 7)
        w = rng.randn(4, 3, 3, 3)
        b = rng.randn(4)
        y = onnx_np.conv(x, w, b, {"strides": [2, 2], "pads": [1, 1, 1, 1]})
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        ref = np.zeros((2, 4, 4, 4))
        for i in range(4):
            for j in range(4):
                ref[:, :, i, j] = np.einsum("ncij,ocij->no",
                                            xp[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3], w) + b
        np.testing.assert_allclose(y, ref, atol=1e-12)
        p = onnx_np.pool(x, {"kernel_shape": [2, 2], "strides": [2, 2]}, "max")
        self.assertEqual(p.shape, (2, 3, 3, 3))
        self.assertEqual(p[1, 2, 1, 2], x[1, 2, 2:4, 4:6].max())


if __name__ == "__main__":
    unittest.main()
