"""int8 quantisation (docs/compiler.md, "quantize").

Activations: symmetric int8, zero point 0, one scale per tensor = max |value| over the
calibration images / 127 (Clip(0, m) outputs: m / 127, so int8 saturation is the clip).
Weights: per output column s_w[j] = max_i |W_ij| / 127, W_q in [-127, 127] (analog pairs
cannot hold -128). Bias: round(b / (s_x s_w[j])) int32. Requantisation as the tiles do it:
y = sat8((acc * MUL[j] + 2^(SHIFT-1)) >> SHIFT) with MUL/2^SHIFT ~ s_x s_w[j] / s_y, one SHIFT
per layer chosen so that max |MUL| < 2^23. Add/Concat: VEC ADD multipliers MA, MB with
max < 2^15. Max/avg pools keep their input's scale. The output layer (a conv/dense layer
writing the model output) gives int32 logits (no requantisation)."""
import numpy as np

from . import reference

MUL_BITS, VEC_BITS = 23, 15


def requant_params(mult, bits=MUL_BITS):
    mult = np.asarray(mult, np.float64)
    m = float(np.max(np.abs(mult)))
    if m <= 0:
        return np.zeros(mult.shape, np.int64), 0
    shift = int(np.floor(np.log2((2 ** bits - 1) / m)))
    shift = max(0, min(shift, 62))
    q = np.round(mult * (1 << shift)).astype(np.int64)
    return np.clip(q, -(2 ** 31), 2 ** 31 - 1), shift


def to_hwc(model, x):
    """One model input (ONNX layout, no batch axis or batch 1) -> HWC float."""
    x = np.asarray(x, np.float64)
    shp = model.onnx_input_shape
    x = x.reshape(shp)
    if len(shp) == 4:
        return x[0].transpose(1, 2, 0)
    if len(shp) == 3:                    # [1, tokens, features]: row-major tokens
        return x.reshape(1, shp[1], shp[2])
    return x.reshape(1, 1, -1)


def quantize_input(model, x):
    q = np.round(to_hwc(model, x) / model.input_scale)
    return np.clip(q, -127, 127).astype(np.int8)


def calibrate(model, images):
    """max |activation| per tensor over the images (float forward of the lowered model)."""
    amax = {}
    for x in images:
        vals = reference.float_forward(model, to_hwc(model, x))
        for k, v in vals.items():
            amax[k] = max(amax.get(k, 0.0), float(np.max(np.abs(v))) if v.size else 0.0)
    return amax


def quantize(model, images):
    amax = calibrate(model, images)

    def scale_of(name):
        t = model.tensors[name]
        if t.alias_of:
            return scale_of(t.alias_of)
        return t.scale

    def set_scale(name, s):
        model.tensors[name].scale = s

    model.input_scale = max(amax[model.input], 1e-12) / 127
    set_scale(model.input, model.input_scale)
    for t in model.tensors.values():     # constant activations (positional embeddings)
        if t.const is not None:
            t.scale = max(float(np.max(np.abs(t.const))), 1e-12) / 127
            t.qconst = np.clip(np.round(t.const / t.scale), -127, 127).astype(np.int64)
    for L in model.layers:
        o = L.output
        if L.kind in ("host", "matmul"):    # matmul: attention on a tile (same numbers)
            quantize_host(model, L, scale_of, set_scale, amax)
            continue
        if L.kind == "conv":
            sx = scale_of(L.inputs[0])
            w = L.weight
            sw = np.max(np.abs(w), axis=0) / 127
            sw[sw == 0] = 1.0
            L.wq = np.clip(np.round(w / sw), -127, 127).astype(np.int8)
            L.bq = np.clip(np.round(L.bias / (sx * sw)), -(2 ** 31), 2 ** 31 - 1).astype(np.int64)
            if o == model.output:
                L.requant = False
                L.mul = np.ones(w.shape[1], np.int64)
                L.shift = 0
                set_scale(o, 0.0)     # int32 output: per column sx * sw
                L.out_scales = sx * sw
                model.tensors[o].esize = 4
                continue
            so = model.clip_max[o] / 127 if o in model.clip_max else max(amax[o], 1e-12) / 127
            set_scale(o, so)
            L.mul, L.shift = requant_params(sx * sw / so)
        elif L.kind in ("add", "concat"):
            so = model.clip_max[o] / 127 if o in model.clip_max else max(amax[o], 1e-12) / 127
            if L.kind == "concat":
                so = max(scale_of(i) for i in L.inputs)
            set_scale(o, so)
            L.mul, L.shift = requant_params([scale_of(i) / so for i in L.inputs], VEC_BITS)
            if L.kind == "add":
                L.mul = np.asarray(L.mul, np.int64)
        else:  # pools keep the scale
            set_scale(o, scale_of(L.inputs[0]))
    if model.tensors[model.output].esize == 1:
        model.output_scales = np.full(model.tensors[model.output].c,
                                      scale_of(model.output))
    else:
        model.output_scales = model.producer(model.output).out_scales
    return amax


def quantize_host(model, L, scale_of, set_scale, amax):
    """Integer parameters of a host layer (reference.py host kernels; docs/transformers.md)."""
    o, p = L.output, L.attrs
    sx = scale_of(L.inputs[0])
    so = max(amax.get(o, 0.0), 1e-12) / 127
    if L.host_op == "layernorm":
        F = p["F"]
        set_scale(o, so)
        p["G"] = np.clip(np.round(p["gamma"] / so * 65536), -(2 ** 31), 2 ** 31 - 1) \
            .astype(np.int64)
        p["Bb"] = np.clip(np.round(p["beta"] / so * 65536), -(2 ** 31), 2 ** 31 - 1) \
            .astype(np.int64)
        p["E"] = int(min(round(p["eps"] / (sx * sx) * F * F), 2 ** 31 - 1))
    elif L.host_op == "gelu":
        from .frontend.ops_transformer import gelu
        set_scale(o, so)
        q = np.arange(-128, 128)
        p["lut"] = np.clip(np.round(gelu(q * sx) / so), -128, 127).astype(np.int64)
    elif L.host_op == "softmax":
        set_scale(o, 1.0 / 127)          # probabilities 0..1 as 0..127
        p["exp"] = np.round(32768 * np.exp(-np.arange(256) * sx)).astype(np.int64)
    elif L.host_op == "matmul":
        set_scale(o, so)
        m, sh = requant_params([sx * scale_of(L.inputs[1]) / so])
        p["mul"], p["shift"] = int(m[0]), int(sh)
    elif L.host_op == "permute":
        set_scale(o, sx)
    else:
        raise ValueError(L.host_op)
