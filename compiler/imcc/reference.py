"""Numpy models of the lowered network.

float_forward: the lowered Model in float (calibration, and the check that lowering kept the
ONNX semantics). int8_forward: bit-exact what the tiles compute (docs/imc-model.md step 12,
docs/command-queues.md VEC formulas), including the partition's partial-sum chain: row block 0
adds the bias (sat32), every next row block takes the previous int32 result as its bias
(sat32), the last applies ReLU and requantisation."""
import math

import numpy as np

I32_MIN, I32_MAX = -(2 ** 31), 2 ** 31 - 1


def sat8(v):
    return np.clip(v, -128, 127)


def sat32(v):
    return np.clip(v, I32_MIN, I32_MAX)


def rshift_round(p, shift):
    p = np.asarray(p, np.int64)
    return (p + (1 << (shift - 1))) >> shift if shift > 0 else p


def patches(x, kh, kw, s, pads, pad_value):
    """x [H, W, C] -> [OH*OW, kh*kw*C] in (ky, kx, c) order."""
    t, l, b, r = pads
    xp = np.pad(x, ((t, b), (l, r), (0, 0)), constant_values=pad_value)
    h, w, c = xp.shape
    oh, ow = (h - kh) // s + 1, (w - kw) // s + 1
    out = np.empty((oh, ow, kh, kw, c), x.dtype)
    for ky in range(kh):
        for kx in range(kw):
            out[:, :, ky, kx, :] = xp[ky:ky + s * (oh - 1) + 1:s, kx:kx + s * (ow - 1) + 1:s, :]
    return out.reshape(oh * ow, kh * kw * c), oh, ow


def _get(vals, model, name):
    t = model.tensors[name]
    if name not in vals and t.const is not None:   # a constant activation
        return (t.qconst if vals.get("#int8") else t.const).reshape(t.h, t.w, t.c)
    if t.alias_of:
        base = vals[t.alias_of]
        n = t.h * t.w * t.c
        if base.size > n:     # a view of the first rows (Gather of token 0)
            base = base.reshape(-1)[:n]
        return base.reshape(t.h, t.w, t.c)
    return vals[name]


def float_forward(model, x_hwc):
    """x_hwc: [H, W, C] float. Returns {tensor: float64 [H, W, C]}."""
    vals = {model.input: np.asarray(x_hwc, np.float64).reshape(
        model.tensors[model.input].h, model.tensors[model.input].w, -1)}
    for L in model.layers:
        xs = [_get(vals, model, i) for i in L.inputs]
        o = model.tensors[L.output]
        if L.kind == "conv":
            p, oh, ow = patches(xs[0], L.kh, L.kw, L.stride, L.pads, 0.0)
            y = (p @ L.weight + L.bias).reshape(oh, ow, -1)
            if L.relu:
                y = np.maximum(y, 0)
            if L.relu6:
                y = np.minimum(y, model.clip_max[L.output])
        elif L.kind == "add":
            y = xs[0] + xs[1]
            if L.relu:
                y = np.maximum(y, 0)
            if L.relu6:
                y = np.minimum(y, model.clip_max[L.output])
        elif L.kind in ("maxpool", "avgpool"):
            pv = -np.inf if L.kind == "maxpool" else 0.0
            p, oh, ow = patches(xs[0], L.kh, L.kw, L.stride, L.pads, pv)
            p = p.reshape(oh * ow, L.kh * L.kw, -1)
            y = (p.max(axis=1) if L.kind == "maxpool" else p.mean(axis=1)).reshape(oh, ow, -1)
        elif L.kind == "concat":
            y = np.concatenate(xs, axis=1 if L.attrs.get("axis") == "tokens" else 2)
        elif L.kind in ("host", "matmul"):
            y = host_float(model, L, xs)
        else:
            raise ValueError(L.kind)
        vals[L.output] = y.reshape(o.h, o.w, o.c)
    return vals


def _nd(model, name, x):
    t = model.tensors[name]
    return x.reshape(t.nd if t.nd is not None else (t.h * t.w, t.c))


def host_float(model, L, xs):
    """A host layer in float (calibration; the lowered model's semantics)."""
    a = _nd(model, L.inputs[0], xs[0])
    p = L.attrs
    if L.host_op == "layernorm":
        m = a.mean(axis=-1, keepdims=True)
        v = ((a - m) ** 2).mean(axis=-1, keepdims=True)
        return (a - m) / np.sqrt(v + p["eps"]) * p["gamma"] + p["beta"]
    if L.host_op == "gelu":
        from .frontend.ops_transformer import gelu
        return gelu(a)
    if L.host_op == "softmax":
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if L.host_op == "matmul":
        if L.kind == "matmul" and (p.get("in_fold") or p.get("out_fold")):
            a, b = _unfold_in(L, xs)
            y = np.matmul(a.reshape(p["batch"], p["M"], p["K"]),
                          b.reshape(p["batch"], p["K"], p["N"]))
            return _fold_out(L, y)
        b = _nd(model, L.inputs[1], xs[1])
        return np.matmul(a, b)
    if L.host_op == "permute":
        return np.transpose(a, p["perm"])
    raise ValueError(L.host_op)


# ---------------------------------------------------------------- host kernels (integer)
# What the runtime's core computes between tile stages (imcrt hostops.c: the same integer
# operations, bit-exact). x: int8 values as int64 arrays; parameters from quantize.py.
def isqrt(v):
    return np.asarray([math.isqrt(int(x)) for x in np.asarray(v).reshape(-1)],
                      np.int64).reshape(np.shape(v))


def host_layernorm(x, F, G, Bb, E):
    """x [rows, F] int8. S = sum q; d = F q - S; V2 = (sum d^2 + F/2) // F (= F^2 var);
    den = max(1, isqrt(V2 + E)) (E = round(eps / s_x^2 F^2)); R = (2^31 - 1) // den (one
    division per row); n = (4096 d R + 2^30) >> 31 (the normalised value with 12 fraction
    bits: a multiply per element); y = sat8((n G + 4096 Bb + 2^27) >> 28) with
    G = round(gamma / s_y 2^16), Bb = round(beta / s_y 2^16)."""
    x = np.asarray(x, np.int64).reshape(-1, F)
    S = x.sum(axis=1, keepdims=True)
    d = F * x - S
    V2 = ((d * d).sum(axis=1, keepdims=True) + F // 2) // F
    den = np.maximum(1, isqrt(V2 + E))
    R = (2 ** 31 - 1) // den
    n = (4096 * d * R + (1 << 30)) >> 31
    t = n * np.asarray(G, np.int64)[None, :] + 4096 * np.asarray(Bb, np.int64)[None, :]
    return sat8((t + (1 << 27)) >> 28)


def host_lut(x, lut):
    """y = LUT[q + 128] (int8 -> int8; GELU)."""
    return np.asarray(lut, np.int64)[np.asarray(x, np.int64) + 128]


def host_softmax(x, L, E):
    """Per row of L: d = max - q (0..255), e = E[d] (E[d] = round(2^15 exp(-d s_x))),
    S = sum e, y = (254 e + S) / (2 S) = round(127 e / S) in 0..127 (output scale 1/127)."""
    x = np.asarray(x, np.int64).reshape(-1, L)
    e = np.asarray(E, np.int64)[x.max(axis=1, keepdims=True) - x]
    S = e.sum(axis=1, keepdims=True)
    return (254 * e + S) // (2 * S)


def host_matmul(a, b, batch, M, K, N, mul, shift):
    """[batch, M, K] x [batch, K, N] int8 -> int32 sums -> sat8((acc MUL + 2^(SHIFT-1)) >>
    SHIFT) (the tiles' requantisation with one multiplier)."""
    a = np.asarray(a, np.int64).reshape(batch, M, K)
    b = np.asarray(b, np.int64).reshape(batch, K, N)
    return sat8(rshift_round(np.matmul(a, b) * int(mul), shift))


def host_permute(x, dims, perm):
    return np.transpose(np.asarray(x).reshape(dims), perm)


def _unfold_in(L, xs):
    """A tile MatMul whose head transposes were folded (attention.fold_transposes) reads the
    untransposed tensors: apply the transposes here."""
    f = L.attrs.get("in_fold") or [None, None]
    return [x if fi is None else np.transpose(np.asarray(x).reshape(fi[0]), fi[1])
            for x, fi in zip(xs, f)]


def _fold_out(L, y):
    f = L.attrs.get("out_fold")
    return y if f is None else np.transpose(np.asarray(y).reshape(f[0]), f[1])


def host_int(model, L, xs):
    p = L.attrs
    if L.kind == "matmul" and (p.get("in_fold") or p.get("out_fold")):
        xs = _unfold_in(L, xs)
        y = host_matmul(xs[0], xs[1], p["batch"], p["M"], p["K"], p["N"], p["mul"],
                        p["shift"])
        return _fold_out(L, y)
    if L.host_op == "layernorm":
        return host_layernorm(xs[0], p["F"], p["G"], p["Bb"], p["E"])
    if L.host_op == "gelu":
        return host_lut(xs[0], p["lut"])
    if L.host_op == "softmax":
        return host_softmax(xs[0], p["L"], p["exp"])
    if L.host_op == "matmul":
        return host_matmul(xs[0], xs[1], p["batch"], p["M"], p["K"], p["N"], p["mul"],
                           p["shift"])
    if L.host_op == "permute":
        return host_permute(xs[0], p["dims"], p["perm"])
    raise ValueError(L.host_op)


def conv_int(L, x, row_groups=None):
    """Tile arithmetic of a conv/dense layer on int8 x [H, W, C]: int8 (or int32) output."""
    p, oh, ow = patches(x.astype(np.int64), L.kh, L.kw, L.stride, L.pads, 0)
    w = L.wq.astype(np.int64)
    groups = row_groups or [np.arange(w.shape[0])]
    a = None
    for g in groups:
        # float64 BLAS instead of numpy's int64 loop (~10x faster): exact while every partial
        # sum is an integer below 2^53, which |x| < 2^20 and |w| <= 128 guarantee for any K
        # below 2^25; otherwise the int64 product.
        pg = p[:, g]
        if len(g) < (1 << 25) and (pg.size == 0 or np.abs(pg).max() < (1 << 20)):
            acc = (pg.astype(np.float64) @ w[g].astype(np.float64)).astype(np.int64)
        else:
            acc = pg @ w[g]
        a = sat32(acc + (L.bq.astype(np.int64) if a is None else a))
    if L.relu:
        a = np.maximum(a, 0)
    if L.requant:
        a = sat8(rshift_round(a * L.mul.astype(np.int64), L.shift))
    return a.reshape(oh, ow, -1)


def vec_add(a, b, ma, mb, shift):
    return sat8(rshift_round(a.astype(np.int64) * ma + b.astype(np.int64) * mb, shift))


def int8_forward(model, xq, row_groups=None):
    """xq: int8 [H, W, C] (or flat). row_groups: {layer: [row index arrays in chain order]}.
    Returns {tensor: int64 array [H, W, C]}."""
    row_groups = row_groups or {}
    t0 = model.tensors[model.input]
    vals = {model.input: np.asarray(xq, np.int64).reshape(t0.h, t0.w, t0.c), "#int8": True}
    for L in model.layers:
        xs = [_get(vals, model, i) for i in L.inputs]
        o = model.tensors[L.output]
        if L.kind == "conv":
            y = conv_int(L, xs[0], row_groups.get(L.name))
        elif L.kind == "add":
            y = vec_add(xs[0], xs[1], int(L.mul[0]), int(L.mul[1]), L.shift)
            if L.relu:
                y = np.maximum(y, 0)
        elif L.kind == "maxpool":
            p, oh, ow = patches(xs[0], L.kh, L.kw, L.stride, L.pads, -128)
            y = p.reshape(oh * ow, L.kh * L.kw, -1).max(axis=1).reshape(oh, ow, -1)
        elif L.kind == "avgpool":
            p, oh, ow = patches(xs[0], L.kh, L.kw, L.stride, L.pads, 0)
            k = L.kh * L.kw
            s = p.reshape(oh * ow, k, -1).sum(axis=1)
            y = ((2 * s + k) // (2 * k)).reshape(oh, ow, -1)
        elif L.kind == "concat":
            y = np.concatenate([vec_add(x, x, int(m), 0, L.shift) for x, m in zip(xs, L.mul)],
                               axis=1 if L.attrs.get("axis") == "tokens" else 2)
        elif L.kind in ("host", "matmul"):   # matmul on a tile: the same requantisation
            y = host_int(model, L, xs)
        else:
            raise ValueError(L.kind)
        vals[L.output] = y.reshape(o.h, o.w, o.c)
    return vals
