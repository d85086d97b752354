"""Tiny Transformer encoders built with onnx.helper for the imcc and imcrt tests (seeded),
node for node as PyTorch 1.13 exports them at opset 13 (docs/transformers.md): Linear =
MatMul + Add(bias), LayerNorm decomposed (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div,
Mul, Add) or, at opset 17, LayerNormalization; exact GELU decomposed (Div, Erf, Add, Mul, Mul);
heads by Reshape + Transpose; a learned positional embedding added as a constant; mean over the
tokens (ReduceMean) and a Gemm head.

    python3 tests/imcc/transformer_models.py OUT.onnx OUT_inputs.npz [--post-ln] [--n N]
"""
import os
import sys

import numpy as np
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_models import Builder  # noqa: E402


class TfBuilder(Builder):
    def i64(self, arr, p="s"):
        nm = self.name(p)
        self.inits.append(numpy_helper.from_array(np.asarray(arr, np.int64), nm))
        return nm

    def linear(self, x, fin, fout, scale=1.0):
        w = self.rng.randn(fin, fout) * np.sqrt(1.0 / fin) * scale
        y = self.node("MatMul", [x, self.const(w, "w")])
        return self.node("Add", [self.const(self.rng.randn(fout) * 0.05, "b"), y])

    def layernorm(self, x, d, native=False, affine=True):
        g = self.const(1 + 0.1 * self.rng.randn(d), "g")
        b = self.const(0.05 * self.rng.randn(d), "beta")
        if native:
            return self.node("LayerNormalization", [x, g, b], axis=-1, epsilon=1e-5)
        m = self.node("ReduceMean", [x], axes=[-1])
        dd = self.node("Sub", [x, m])
        p = self.node("Pow", [dd, self.const(2.0)])
        v = self.node("ReduceMean", [p], axes=[-1])
        s = self.node("Sqrt", [self.node("Add", [v, self.const(1e-5)])])
        n = self.node("Div", [dd, s])
        if not affine:
            return n
        return self.node("Add", [self.node("Mul", [n, g]), b])

    def gelu(self, x):
        e = self.node("Erf", [self.node("Div", [x, self.const(np.sqrt(2.0))])])
        a = self.node("Add", [e, self.const(1.0)])
        return self.node("Mul", [self.node("Mul", [x, a]), self.const(0.5)])

    def attention(self, x, T, D, H):
        dh = D // H
        shp = self.i64([1, T, H, dh])
        q = self.node("Transpose", [self.node("Reshape", [self.linear(x, D, D, 0.5), shp])],
                      perm=[0, 2, 1, 3])
        k = self.node("Transpose", [self.node("Reshape", [self.linear(x, D, D), shp])],
                      perm=[0, 2, 3, 1])
        v = self.node("Transpose", [self.node("Reshape", [self.linear(x, D, D), shp])],
                      perm=[0, 2, 1, 3])
        a = self.node("Softmax", [self.node("MatMul", [q, k])], axis=-1)
        y = self.node("Transpose", [self.node("MatMul", [a, v])], perm=[0, 2, 1, 3])
        y = self.node("Reshape", [y, self.i64([1, T, D])])
        return self.linear(y, D, D)

    def block(self, x, T, D, H, M, post_ln=False, native=False):
        if post_ln:   # x = LN(x + attn(x)); x = LN(x + mlp(x))
            x = self.layernorm(self.node("Add", [x, self.attention(x, T, D, H)]), D, native)
            m = self.linear(self.gelu(self.linear(x, D, M)), M, D)
            return self.layernorm(self.node("Add", [x, m]), D, native)
        x = self.node("Add", [x, self.attention(self.layernorm(x, D, native), T, D, H)])
        m = self.linear(self.gelu(self.linear(self.layernorm(x, D, native), D, M)), M, D)
        return self.node("Add", [x, m])


def encoder(T=8, F=12, D=16, H=2, M=32, layers=1, classes=5, post_ln=False, native=False,
            seed=0, opset=None):
    """[1, T, F] tokens -> Linear F->D + positional embedding -> `layers` blocks -> final
    LayerNorm (pre-LN) -> mean over tokens -> Gemm D->classes."""
    b = TfBuilder(seed)
    x = b.linear("x", F, D)
    x = b.node("Add", [x, b.const(0.1 * b.rng.randn(T, D), "pos")])
    for _ in range(layers):
        x = b.block(x, T, D, H, M, post_ln, native)
    if not post_ln:
        x = b.layernorm(x, D, native)
    x = b.node("ReduceMean", [x], axes=[1], keepdims=0)
    y = b.gemm(x, D, classes)
    return b.model("x", [1, T, F], y, [1, classes], opset=opset or (17 if native else 13))


def inputs(T=8, F=12, n=8, classes=5, seed=1):
    rng = np.random.RandomState(seed)
    return {"images": rng.rand(n, T, F).astype(np.float32),
            "labels": rng.randint(0, classes, n)}


def main():
    import argparse
    import onnx
    ap = argparse.ArgumentParser(description="write a tiny Transformer ONNX model + inputs")
    ap.add_argument("onnx")
    ap.add_argument("npz")
    ap.add_argument("--post-ln", action="store_true")
    ap.add_argument("--native", action="store_true", help="opset 17 LayerNormalization")
    ap.add_argument("--n", type=int, default=8)
    a = ap.parse_args()
    onnx.save(encoder(post_ln=a.post_ln, native=a.native), a.onnx)
    np.savez(a.npz, **inputs(n=a.n))


if __name__ == "__main__":
    main()
