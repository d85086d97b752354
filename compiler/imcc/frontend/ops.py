"""Supported ONNX ops: for each a check (what the tiles cannot do is refused), a float
evaluation (ONNX semantics, NCHW, numpy) and a lowering to tile-level layers (HWC).
To add an op: write its three functions with @op(NAME, "check"|"evaluate"|"lower")."""
import numpy as np

from ..ir import Layer
from . import ops_transformer as tf
from .registry import node_error, op


def ints(node, key, default):
    v = node.attrs.get(key, default)
    return list(v) if isinstance(v, (list, tuple)) else v


def _spatial_attrs(node, nk=None):
    """strides, pads (t, l, b, r), kernel (kh, kw) with the checks pools and convs share."""
    if node.attrs.get("auto_pad", "NOTSET") not in ("NOTSET", ""):
        raise node_error(node, f"auto_pad={node.attrs['auto_pad']} is not supported "
                         "(give explicit pads)")
    dil = ints(node, "dilations", [1, 1])
    if any(d != 1 for d in dil):
        raise node_error(node, f"dilations {dil} are not supported (1 only)")
    st = ints(node, "strides", [1, 1])
    if len(st) != 2 or st[0] != st[1]:
        raise node_error(node, f"strides {st}: only 2-D with equal strides are supported")
    p = ints(node, "pads", [0, 0, 0, 0])
    if len(p) != 4:
        raise node_error(node, f"pads {p}: only 2-D convolutions/pools are supported")
    if node.attrs.get("ceil_mode", 0):
        raise node_error(node, "ceil_mode=1 is not supported")
    return st[0], (p[0], p[1], p[2], p[3])


def _pad_nchw(x, pads, value=0.0):
    t, l, b, r = pads
    return np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=value)


def _windows(x, kh, kw, s):
    """x [N,C,H,W] -> [N,C,OH,OW,kh,kw]"""
    n, c, h, w = x.shape
    oh, ow = (h - kh) // s + 1, (w - kw) // s + 1
    out = np.empty((n, c, oh, ow, kh, kw), x.dtype)
    for ky in range(kh):
        for kx in range(kw):
            out[..., ky, kx] = x[:, :, ky:ky + s * (oh - 1) + 1:s, kx:kx + s * (ow - 1) + 1:s]
    return out


# ------------------------------------------------------------------ Conv
@op("Conv", "check")
def conv_check(node, g):
    _spatial_attrs(node)
    w = g.const(node.inputs[1])
    if w is None:
        raise node_error(node, "weights must be a constant initializer")
    if w.ndim != 4:
        raise node_error(node, f"weight rank {w.ndim}: only 2-D convolutions are supported")
    grp = node.attrs.get("group", 1)
    if grp != 1:
        cin = g.tensors[node.inputs[0]].shape[1]
        if not (grp == cin and w.shape[1] == 1):
            raise node_error(node, f"group={grp} is not supported (1 or depthwise only)")
    if len(node.inputs) > 2 and node.inputs[2] and g.const(node.inputs[2]) is None:
        raise node_error(node, "bias must be a constant initializer")


@op("Conv", "evaluate")
def conv_eval(node, env, g):
    x = env[node.inputs[0]]
    w = g.const(node.inputs[1]).astype(np.float64)
    b = g.const(node.inputs[2]) if len(node.inputs) > 2 and node.inputs[2] else None
    s, pads = _spatial_attrs(node)
    grp = node.attrs.get("group", 1)
    nout, cg, kh, kw = w.shape
    xp = _pad_nchw(x.astype(np.float64), pads)
    win = _windows(xp, kh, kw, s)            # N C OH OW kh kw
    if grp == 1:
        y = np.einsum("ncyxab,mcab->nmyx", win, w)
    else:
        mult = nout // grp
        y = np.einsum("ncyxab,cmab->ncmyx", win, w.reshape(grp, mult, kh, kw))
        y = y.reshape(y.shape[0], nout, *y.shape[3:])
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return [y]


@op("Conv", "lower")
def conv_lower(node, ctx):
    x = ctx.act4(node, node.inputs[0])
    w = ctx.g.const(node.inputs[1]).astype(np.float64)
    b = ctx.g.const(node.inputs[2]) if len(node.inputs) > 2 and node.inputs[2] else None
    s, pads = _spatial_attrs(node)
    nout, cg, kh, kw = w.shape
    grp = node.attrs.get("group", 1)
    if grp == 1:
        wk = w.transpose(2, 3, 1, 0).reshape(kh * kw * x.c, nout)
    else:  # depthwise: a block-diagonal (ky, kx, c) x n matrix
        mult = nout // grp
        full = np.zeros((kh, kw, x.c, nout))
        for n in range(nout):
            full[:, :, n // mult, n] = w[n, 0]
        wk = full.reshape(kh * kw * x.c, nout)
    oh = (x.h + pads[0] + pads[2] - kh) // s + 1
    ow = (x.w + pads[1] + pads[3] - kw) // s + 1
    out = ctx.new_act(node.outputs[0], oh, ow, nout)
    bias = np.zeros(nout) if b is None else b.astype(np.float64)
    ctx.add_layer(Layer(node.name, "conv", [x.name], out.name, kh=kh, kw=kw, stride=s,
                        pads=pads, weight=wk, bias=bias, depthwise=grp != 1,
                        src_nodes=[node.name]))


# ------------------------------------------------------------------ Gemm / MatMul
@op("Gemm", "check")
def gemm_check(node, g):
    if node.attrs.get("transA", 0):
        raise node_error(node, "transA=1 is not supported")
    if g.const(node.inputs[1]) is None:
        raise node_error(node, "B must be a constant initializer")
    if len(node.inputs) > 2 and node.inputs[2] and g.const(node.inputs[2]) is None:
        raise node_error(node, "C must be a constant initializer")


def _gemm_wb(node, g):
    B = g.const(node.inputs[1]).astype(np.float64)
    if node.op == "Gemm" and node.attrs.get("transB", 0):
        B = B.T
    alpha = node.attrs.get("alpha", 1.0) if node.op == "Gemm" else 1.0
    beta = node.attrs.get("beta", 1.0) if node.op == "Gemm" else 1.0
    C = g.const(node.inputs[2]) if node.op == "Gemm" and len(node.inputs) > 2 and \
        node.inputs[2] else None
    bias = np.zeros(B.shape[1]) if C is None else \
        np.broadcast_to(beta * C.astype(np.float64), (B.shape[1],)).copy()
    return alpha * B, bias


@op("Gemm", "evaluate")
@op("MatMul", "evaluate")
def gemm_eval(node, env, g):
    if node.op == "MatMul" and g.const(node.inputs[1]) is None:   # two activations
        return [np.matmul(env[node.inputs[0]], env[node.inputs[1]])]
    W, b = _gemm_wb(node, g)
    return [env[node.inputs[0]].astype(np.float64) @ W + b]


@op("MatMul", "check")
def matmul_check(node, g):
    if g.const(node.inputs[0]) is not None:
        raise node_error(node, "a constant first operand is not supported")
    if g.const(node.inputs[1]) is None:
        return tf.matmul_dyn_check(node, g)
    if g.const(node.inputs[1]).ndim != 2:
        raise node_error(node, "the constant operand must be 2-D")


@op("Gemm", "lower")
@op("MatMul", "lower")
def gemm_lower(node, ctx):
    if node.op == "MatMul" and ctx.g.const(node.inputs[1]) is None:
        return tf.matmul_dyn_lower(node, ctx)
    W, b = _gemm_wb(node, ctx.g)
    if ctx.act_any(node, node.inputs[0]).nd is not None and \
            len(ctx.g.tensors[node.inputs[0]].shape) >= 3:
        return tf.matmul_const_lower(node, ctx, W, b)
    x, order = ctx.flat(node, node.inputs[0])
    if W.shape[0] != x.c:
        raise node_error(node, f"operand has {W.shape[0]} rows but the input {x.c} features")
    out = ctx.new_act(node.outputs[0], 1, 1, W.shape[1])
    ctx.add_layer(Layer(node.name, "conv", [x.name], out.name, weight=W[order], bias=b,
                        src_nodes=[node.name]))


# ------------------------------------------------------------------ BatchNormalization
@op("BatchNormalization", "check")
def bn_check(node, g):
    for i in node.inputs[1:5]:
        if g.const(i) is None:
            raise node_error(node, "scale/bias/mean/var must be constants")
    if len(node.outputs) > 1 and any(node.outputs[1:]):
        raise node_error(node, "training-mode outputs are not supported")


def _bn_params(node, g):
    sc, bb, mean, var = (g.const(i).astype(np.float64) for i in node.inputs[1:5])
    eps = node.attrs.get("epsilon", 1e-5)
    a = sc / np.sqrt(var + eps)
    return a, bb - mean * a


@op("BatchNormalization", "evaluate")
def bn_eval(node, env, g):
    x = env[node.inputs[0]]
    a, c = _bn_params(node, g)
    shp = (1, -1) + (1,) * (x.ndim - 2)
    return [x * a.reshape(shp) + c.reshape(shp)]


@op("BatchNormalization", "lower")
def bn_lower(node, ctx):
    layer = ctx.fusable(node, node.inputs[0], ("conv",), "BatchNormalization is folded into "
                        "the preceding Conv/Gemm")
    if layer.relu:
        raise node_error(node, "BatchNormalization after a ReLU cannot be folded")
    if ctx.tensors[layer.output].nd is not None:
        raise node_error(node, "BatchNormalization of a token tensor (it normalises axis 1, "
                         "the tokens) is not supported")
    a, c = _bn_params(node, ctx.g)
    layer.weight = layer.weight * a[None, :]
    layer.bias = layer.bias * a + c
    layer.src_nodes.append(node.name)
    ctx.alias(node.outputs[0], node.inputs[0])


# ------------------------------------------------------------------ Relu / Clip
@op("Relu", "evaluate")
def relu_eval(node, env, g):
    return [np.maximum(env[node.inputs[0]], 0)]


@op("Relu", "lower")
def relu_lower(node, ctx):
    layer = ctx.fusable(node, node.inputs[0], ("conv", "add"), "a ReLU is fused into the "
                        "preceding Conv/Gemm/Add")
    layer.relu = True
    layer.src_nodes.append(node.name)
    ctx.alias(node.outputs[0], node.inputs[0])


def _clip_bounds(node, g):
    if g.opset < 11 or ("min" in node.attrs or "max" in node.attrs):
        return node.attrs.get("min", -np.inf), node.attrs.get("max", np.inf)
    lo = g.const(node.inputs[1]) if len(node.inputs) > 1 and node.inputs[1] else None
    hi = g.const(node.inputs[2]) if len(node.inputs) > 2 and node.inputs[2] else None
    return (-np.inf if lo is None else float(lo)), (np.inf if hi is None else float(hi))


@op("Clip", "check")
def clip_check(node, g):
    for i in node.inputs[1:]:
        if i and g.const(i) is None:
            raise node_error(node, "min/max must be constants")
    lo, hi = _clip_bounds(node, g)
    if lo != 0 or not (0 < hi < np.inf):
        raise node_error(node, f"Clip({lo}, {hi}): only Clip(0, max) (ReLU6-like) is supported")


@op("Clip", "evaluate")
def clip_eval(node, env, g):
    lo, hi = _clip_bounds(node, g)
    return [np.clip(env[node.inputs[0]], lo, hi)]


@op("Clip", "lower")
def clip_lower(node, ctx):
    layer = ctx.fusable(node, node.inputs[0], ("conv", "add"), "a Clip is fused into the "
                        "preceding Conv/Gemm/Add")
    lo, hi = _clip_bounds(node, ctx.g)
    layer.relu = True
    layer.relu6 = True
    ctx.clip_max[layer.output] = hi
    layer.src_nodes.append(node.name)
    ctx.alias(node.outputs[0], node.inputs[0])


# ------------------------------------------------------------------ Add
@op("Add", "check")
def add_check(node, g):
    consts = [g.const(i) is not None for i in node.inputs]
    if all(consts):
        raise node_error(node, "Add of two constants")


@op("Add", "evaluate")
def add_eval(node, env, g):
    a = env[node.inputs[0]] if node.inputs[0] in env else g.const(node.inputs[0])
    b = env[node.inputs[1]] if node.inputs[1] in env else g.const(node.inputs[1])
    return [a + b]


@op("Add", "lower")
def add_lower(node, ctx):
    ca, cb = (ctx.g.const(i) for i in node.inputs)
    if ca is not None or cb is not None:  # bias add after a Conv/Gemm: folded into its bias
        xin, c = (node.inputs[1], ca) if ca is not None else (node.inputs[0], cb)
        xa = ctx.act_any(node, xin)
        if xa.nd is not None and np.asarray(c).size not in (1, xa.c):
            return tf.add_const_nd(node, ctx, xin, c)   # e.g. a positional embedding
        layer = ctx.fusable(node, xin, ("conv",), "an Add of a constant is folded into the "
                            "preceding Conv/Gemm's bias")
        if layer.relu:
            raise node_error(node, "constant Add after a ReLU cannot be folded")
        n = layer.weight.shape[1]
        c = np.asarray(c, np.float64)
        if xa.nd is not None and c.size == n and c.ndim and c.shape[-1] != n:
            raise node_error(node, f"constant of shape {list(c.shape)} is not per-feature "
                             "(broadcasting over the features is not supported)")
        if c.size not in (1, n):
            raise node_error(node, f"constant of shape {list(c.shape)} is not per-channel")
        layer.bias = layer.bias + c.reshape(-1)
        layer.src_nodes.append(node.name)
        ctx.alias(node.outputs[0], xin)
        return
    a, b = ctx.act_any(node, node.inputs[0]), ctx.act_any(node, node.inputs[1])
    if (a.h, a.w, a.c) != (b.h, b.w, b.c):
        raise node_error(node, f"operand shapes {(a.h, a.w, a.c)} and {(b.h, b.w, b.c)} "
                         "differ (broadcasting is not supported)")
    oa, ob = ctx.order.get(a.name), ctx.order.get(b.name)
    if (oa is None) != (ob is None) or (oa is not None and not np.array_equal(oa, ob)):
        raise node_error(node, "operands have different memory layouts")
    out = ctx.new_act(node.outputs[0], a.h, a.w, a.c)
    out.nd = a.nd
    if oa is not None:
        ctx.order[out.name] = oa
    ctx.add_layer(Layer(node.name, "add", [a.name, b.name], out.name, src_nodes=[node.name]))


# ------------------------------------------------------------------ pools
@op("MaxPool", "check")
@op("AveragePool", "check")
def pool_check(node, g):
    _spatial_attrs(node)
    k = ints(node, "kernel_shape", [])
    if len(k) != 2:
        raise node_error(node, f"kernel_shape {k}: only 2-D pools are supported")
    if node.op == "MaxPool" and len(node.outputs) > 1 and node.outputs[1]:
        raise node_error(node, "the Indices output is not supported")
    if node.op == "AveragePool" and any(ints(node, "pads", [0] * 4)) and \
            not node.attrs.get("count_include_pad", 0):
        raise node_error(node, "padded AveragePool needs count_include_pad=1")


@op("MaxPool", "evaluate")
@op("AveragePool", "evaluate")
def pool_eval(node, env, g):
    x = env[node.inputs[0]]
    s, pads = _spatial_attrs(node)
    kh, kw = ints(node, "kernel_shape", [])
    if node.op == "MaxPool":
        return [_windows(_pad_nchw(x, pads, -np.inf), kh, kw, s).max(axis=(4, 5))]
    return [_windows(_pad_nchw(x, pads, 0.0), kh, kw, s).mean(axis=(4, 5))]


@op("MaxPool", "lower")
@op("AveragePool", "lower")
def pool_lower(node, ctx):
    x = ctx.act4(node, node.inputs[0])
    s, pads = _spatial_attrs(node)
    kh, kw = ints(node, "kernel_shape", [])
    oh = (x.h + pads[0] + pads[2] - kh) // s + 1
    ow = (x.w + pads[1] + pads[3] - kw) // s + 1
    out = ctx.new_act(node.outputs[0], oh, ow, x.c)
    ctx.add_layer(Layer(node.name, "maxpool" if node.op == "MaxPool" else "avgpool", [x.name],
                        out.name, kh=kh, kw=kw, stride=s, pads=pads, src_nodes=[node.name]))


@op("GlobalAveragePool", "evaluate")
def gap_eval(node, env, g):
    return [env[node.inputs[0]].mean(axis=(2, 3), keepdims=True)]


@op("GlobalAveragePool", "lower")
def gap_lower(node, ctx):
    x = ctx.act4(node, node.inputs[0])
    out = ctx.new_act(node.outputs[0], 1, 1, x.c)
    ctx.add_layer(Layer(node.name, "avgpool", [x.name], out.name, kh=x.h, kw=x.w,
                        stride=1, src_nodes=[node.name]))


# ------------------------------------------------------------------ layout ops
@op("Flatten", "check")
def flatten_check(node, g):
    if node.attrs.get("axis", 1) != 1:
        raise node_error(node, f"axis={node.attrs['axis']} is not supported (1 only)")


@op("Flatten", "evaluate")
def flatten_eval(node, env, g):
    x = env[node.inputs[0]]
    return [x.reshape(x.shape[0], -1)]


@op("Reshape", "check")
def reshape_check(node, g):
    if g.const(node.inputs[1]) is None:
        raise node_error(node, "the target shape must be a constant")


@op("Reshape", "evaluate")
def reshape_eval(node, env, g):
    x = env[node.inputs[0]]
    shp = [int(v) for v in g.const(node.inputs[1])]
    shp = [x.shape[i] if v == 0 and not node.attrs.get("allowzero", 0) else v
           for i, v in enumerate(shp)]
    return [x.reshape(shp)]


@op("Flatten", "lower")
@op("Reshape", "lower")
def flatten_lower(node, ctx):
    shp = ctx.g.tensors[node.outputs[0]].shape
    ishp = ctx.g.tensors[node.inputs[0]].shape
    xa = ctx.act_any(node, node.inputs[0])
    if xa.nd is not None and len(shp) >= 2 and shp[0] == 1:   # token tensors: a row-major view
        tf.nd_view(ctx, node.outputs[0], xa, shp[1:])
        return
    if tuple(shp) == tuple(ishp):
        ctx.alias(node.outputs[0], node.inputs[0])
        return
    if len(shp) == 2 and shp[0] == 1:
        x, order = ctx.flat(node, node.inputs[0])
        ctx.view(node.outputs[0], x, order)
        return
    raise node_error(node, f"reshape {list(ishp)} -> {list(shp)} is not supported "
                     "(only flattening to [1, features])")


@op("Identity", "evaluate")
@op("Dropout", "evaluate")
def ident_eval(node, env, g):
    return [env[node.inputs[0]]]


@op("Identity", "lower")
@op("Dropout", "lower")
def ident_lower(node, ctx):
    ctx.alias(node.outputs[0], node.inputs[0])


# ------------------------------------------------------------------ Concat
@op("Concat", "check")
def concat_check(node, g):
    rank = len(g.tensors[node.inputs[0]].shape) if node.inputs[0] in g.tensors else 4
    ax = node.attrs.get("axis", 1)
    if ax < 0:
        ax += rank
    if rank >= 3 and g.tensors[node.inputs[0]].shape[0] == 1 and rank != 4:
        # token tensors ([1, T, F] and views): the features (the last axis) are the channels;
        # [1, T, F] tensors may also be concatenated over the tokens (a class token)
        if ax != rank - 1 and not (rank == 3 and ax == 1):
            raise node_error(node, f"axis={node.attrs.get('axis')}: a Concat of token tensors "
                             f"only on the last (feature) axis ({rank - 1}) or, for [1, T, F], "
                             "over the tokens (axis 1)")
        return
    if ax != 1:
        raise node_error(node, f"axis={node.attrs.get('axis')}: only channel concatenation "
                         "(axis 1) is supported")


@op("Concat", "evaluate")
def concat_eval(node, env, g):
    return [np.concatenate([env[i] if i in env else g.const(i).astype(np.float64)
                            for i in node.inputs], axis=node.attrs.get("axis", 1))]


@op("Concat", "lower")
def concat_lower(node, ctx):
    if len(ctx.g.tensors[node.outputs[0]].shape) == 3 and \
            node.attrs.get("axis", 1) % 3 == 1:
        return tf.concat_tokens(node, ctx)
    xs = [ctx.act_any(node, i) for i in node.inputs]
    if any((x.h, x.w) != (xs[0].h, xs[0].w) for x in xs):
        raise node_error(node, "inputs differ in height/width")
    if any(x.name in ctx.order for x in xs) and xs[0].h * xs[0].w != 1:
        raise node_error(node, "flattened inputs are not supported")
    nd = [x.nd for x in xs]
    if any(n is not None for n in nd):      # token tensors: concatenate the last axis
        if any(n is None or tuple(n[:-1]) != tuple(nd[0][:-1]) for n in nd):
            raise node_error(node, f"token tensors of shapes {nd} differ before the last axis")
        rank = len(ctx.g.tensors[node.inputs[0]].shape)
        if node.attrs.get("axis", 1) % rank != rank - 1:
            raise node_error(node, f"axis={node.attrs.get('axis', 1)}: a Concat of token "
                             "tensors only on the last (feature) axis")
    out = ctx.new_act(node.outputs[0], xs[0].h, xs[0].w, sum(x.c for x in xs))
    if nd[0] is not None:
        out.nd = tuple(nd[0][:-1]) + (out.c,)
    if all(x.name in ctx.order for x in xs):
        off, order = 0, []
        for x in xs:
            order.append(ctx.order[x.name] + off)
            off += x.c
        ctx.order[out.name] = np.concatenate(order)
    ctx.add_layer(Layer(node.name, "concat", [x.name for x in xs], out.name,
                        src_nodes=[node.name]))


# ------------------------------------------------------------------ Softmax (host)
@op("Softmax", "check")
def softmax_check(node, g):
    if node.outputs[0] not in g.outputs:
        if len(g.tensors[node.inputs[0]].shape) < 3:
            raise node_error(node, "Softmax is run on the host and must be the model's last "
                             "op (or, inside a Transformer, over the last axis of a token or "
                             "attention-score tensor)")
        tf.softmax_mid_check(node, g)


@op("Softmax", "evaluate")
def softmax_eval(node, env, g):
    x = env[node.inputs[0]]
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return [e / e.sum(axis=-1, keepdims=True)]


@op("Softmax", "lower")
def softmax_lower(node, ctx):
    if node.outputs[0] not in ctx.g.outputs:
        return tf.softmax_mid_lower(node, ctx)
    ctx.host_ops.append("softmax")
    ctx.alias(node.outputs[0], node.inputs[0])
