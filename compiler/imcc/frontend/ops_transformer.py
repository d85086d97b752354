"""Transformer-encoder ops (docs/compiler.md "Transformer ops", docs/transformers.md).

Token tensors ([1, T, F] and the head views [1, h, T, dh]) are `nd` activations: their ONNX
shape without the batch axis, stored row-major (ActTensor h = 1, w = prod(nd[:-1]),
c = nd[-1]); a Linear on them is a 1x1 `conv` layer over a 1 x T map (weight-stationary on the
tiles). Ops whose operands change with every input or that need exp/sqrt/erf are `host`
layers the runtime's core computes between tile stages with integer kernels
(reference.py): LayerNormalization (also the decomposed form, fused by fuse.py), Gelu (also
decomposed), Softmax on the last axis, MatMul of two activations, Transpose. ReduceMean over
the tokens is a tile average pool; a constant added to a token tensor (a learned positional
embedding) is a VEC ADD with the constant stored in PARAMS."""
import math

import numpy as np

from ..ir import ActTensor, Layer
from .registry import node_error, op

ERF = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    return 0.5 * x * (1.0 + ERF(np.asarray(x, np.float64) / math.sqrt(2.0)))


def nd_act(ctx, node, name):
    t = ctx.act_any(node, name)
    if t.nd is None:
        raise node_error(node, f"input '{name}' is not a token tensor (expected [1, tokens, "
                         f"features] or a view of one, got shape "
                         f"{list(ctx.g.tensors[name].shape)})")
    return t


def new_nd(ctx, onnx_name, nd):
    nd = tuple(int(d) for d in nd)
    w = int(np.prod(nd[:-1])) if len(nd) > 1 else 1
    t = ctx.new_act(onnx_name, 1, w, nd[-1])
    t.nd = nd
    return t


def nd_view(ctx, onnx_out, src, nd):
    """A row-major view of src's bytes with another shape (Reshape: no code)."""
    nd = tuple(int(d) for d in nd)
    base = src.alias_of or src.name
    w = int(np.prod(nd[:-1])) if len(nd) > 1 else 1
    v = ActTensor(f"{onnx_out}", 1, w, nd[-1], alias_of=base, nd=nd)
    ctx.tensors[v.name] = v
    ctx.names[onnx_out] = v.name
    return v


def host_layer(ctx, node, op_name, inputs, out, **attrs):
    L = Layer(node.name, "host", [t.name for t in inputs], out.name, host_op=op_name,
              src_nodes=list(node.attrs.get("fused", [])) or [node.name], attrs=attrs)
    ctx.add_layer(L)
    return L


def _rank_ok(node, g, name):
    shp = g.tensors[name].shape if name in g.tensors else ()
    return len(shp) >= 2 and shp[0] == 1


# ------------------------------------------------------------------ LayerNormalization
@op("LayerNormalization", "check")
def ln_check(node, g):
    rank = len(g.tensors[node.inputs[0]].shape)
    ax = node.attrs.get("axis", -1)
    if ax not in (-1, rank - 1):
        raise node_error(node, f"axis={ax}: only normalisation over the last axis is "
                         "supported")
    for i in node.inputs[1:3]:
        if i and g.const(i) is None:
            raise node_error(node, "scale and bias must be constants")
    if len(node.outputs) > 1 and any(node.outputs[1:]):
        raise node_error(node, "the Mean / InvStdDev outputs are not supported")


def _ln_params(node, g, F):
    gam = g.const(node.inputs[1]).astype(np.float64).reshape(-1)
    bet = g.const(node.inputs[2]).astype(np.float64).reshape(-1) if len(node.inputs) > 2 and \
        node.inputs[2] else np.zeros(1)
    return np.broadcast_to(gam, (F,)).copy(), np.broadcast_to(bet, (F,)).copy(), \
        float(node.attrs.get("epsilon", 1e-5))


@op("LayerNormalization", "evaluate")
def ln_eval(node, env, g):
    x = env[node.inputs[0]]
    gam, bet, eps = _ln_params(node, g, x.shape[-1])
    m = x.mean(axis=-1, keepdims=True)
    v = ((x - m) ** 2).mean(axis=-1, keepdims=True)
    return [(x - m) / np.sqrt(v + eps) * gam + bet]


@op("LayerNormalization", "lower")
def ln_lower(node, ctx):
    x = nd_act(ctx, node, node.inputs[0])
    F = x.c
    if F > 256:
        raise node_error(node, f"{F} features: the host's integer layer norm handles at most "
                         "256 (its variance sum is 32-bit)")
    gam, bet, eps = _ln_params(node, ctx.g, F)
    out = new_nd(ctx, node.outputs[0], x.nd)
    host_layer(ctx, node, "layernorm", [x], out, gamma=gam, beta=bet, eps=eps,
               rows=x.h * x.w, F=F)


# ------------------------------------------------------------------ Gelu (fused or opset 20)
@op("Gelu", "check")
def gelu_check(node, g):
    if node.attrs.get("approximate", "none") not in ("none", b"none"):
        raise node_error(node, "only the exact (erf) GELU is supported")


@op("Gelu", "evaluate")
def gelu_eval(node, env, g):
    return [gelu(env[node.inputs[0]])]


@op("Gelu", "lower")
def gelu_lower(node, ctx):
    x = ctx.act_any(node, node.inputs[0])
    out = new_nd(ctx, node.outputs[0], x.nd) if x.nd is not None else \
        ctx.new_act(node.outputs[0], x.h, x.w, x.c)
    if x.nd is None and x.name in ctx.order:
        ctx.order[out.name] = ctx.order[x.name]
    host_layer(ctx, node, "gelu", [x], out, count=x.h * x.w * x.c)


# ------------------------------------------------------------------ Transpose
@op("Transpose", "check")
def transpose_check(node, g):
    perm = node.attrs.get("perm")
    rank = len(g.tensors[node.inputs[0]].shape)
    if perm is None:
        perm = list(range(rank))[::-1]
    if perm[0] != 0:
        raise node_error(node, f"perm {list(perm)} moves the batch axis")
    if rank > 5:
        raise node_error(node, f"rank {rank}: at most 4 axes besides the batch")


@op("Transpose", "evaluate")
def transpose_eval(node, env, g):
    x = env[node.inputs[0]]
    perm = node.attrs.get("perm") or list(range(x.ndim))[::-1]
    return [np.transpose(x, perm)]


@op("Transpose", "lower")
def transpose_lower(node, ctx):
    x = nd_act(ctx, node, node.inputs[0])
    perm = [p - 1 for p in (node.attrs.get("perm") or list(range(len(x.nd) + 1))[::-1])[1:]]
    nd = tuple(x.nd[p] for p in perm)
    if perm == sorted(perm):
        ctx.alias(node.outputs[0], node.inputs[0])
        return
    out = new_nd(ctx, node.outputs[0], nd)
    host_layer(ctx, node, "permute", [x], out, dims=tuple(x.nd), perm=tuple(perm))


# ------------------------------------------------------------------ MatMul of activations
def matmul_dyn_check(node, g):
    for i in node.inputs:
        if not _rank_ok(node, g, i) or len(g.tensors[i].shape) < 3:
            raise node_error(node, f"MatMul of two activations needs [1, ..., M, K] x "
                             f"[1, ..., K, N] operands, got {list(g.tensors[i].shape)}")
    a, b = (g.tensors[i].shape for i in node.inputs)
    if tuple(a[:-2]) != tuple(b[:-2]) or a[-1] != b[-2]:
        raise node_error(node, f"operand shapes {list(a)} x {list(b)}: the batch axes must be "
                         "equal (no broadcasting) and K must match")


def matmul_dyn_lower(node, ctx):
    a = nd_act(ctx, node, node.inputs[0])
    b = nd_act(ctx, node, node.inputs[1])
    M, K, N = a.nd[-2], a.nd[-1], b.nd[-1]
    batch = int(np.prod(a.nd[:-2])) if len(a.nd) > 2 else 1
    out = new_nd(ctx, node.outputs[0], tuple(a.nd[:-1]) + (N,))
    host_layer(ctx, node, "matmul", [a, b], out, batch=batch, M=M, K=K, N=N)


def matmul_const_lower(node, ctx, W, b):
    """MatMul/Gemm with a constant weight on a token tensor: a 1x1 conv over 1 x rows."""
    x = nd_act(ctx, node, node.inputs[0])
    if W.shape[0] != x.c:
        raise node_error(node, f"operand has {W.shape[0]} rows but the input {x.c} features")
    out = new_nd(ctx, node.outputs[0], tuple(x.nd[:-1]) + (W.shape[1],))
    ctx.add_layer(Layer(node.name, "conv", [x.name], out.name, weight=W, bias=b,
                        src_nodes=[node.name]))


# ------------------------------------------------------------------ Softmax in the graph
def softmax_mid_check(node, g):
    rank = len(g.tensors[node.inputs[0]].shape)
    ax = node.attrs.get("axis", -1 if g.opset >= 13 else 1)
    if ax not in (-1, rank - 1):
        raise node_error(node, f"axis={ax}: a Softmax inside the model only over the last "
                         "axis")


def softmax_mid_lower(node, ctx):
    x = nd_act(ctx, node, node.inputs[0])
    L = x.nd[-1]
    if L > 65535:
        raise node_error(node, f"rows of {L}: the integer softmax sums at most 65535 terms")
    out = new_nd(ctx, node.outputs[0], x.nd)
    host_layer(ctx, node, "softmax", [x], out, rows=x.h * x.w, L=L)


# ------------------------------------------------------------------ ReduceMean over tokens
@op("ReduceMean", "check")
def reducemean_check(node, g):
    shp = g.tensors[node.inputs[0]].shape
    axes = node.attrs.get("axes")
    if len(shp) != 3 or axes is None or len(axes) != 1 or axes[0] not in (1, -2):
        raise node_error(node, f"ReduceMean over axes {axes} of a {list(shp)} tensor: only "
                         "the mean over the tokens (axis 1 of [1, T, F]) or, over the last "
                         "axis, as part of a decomposed LayerNormalization")


@op("ReduceMean", "evaluate")
def reducemean_eval(node, env, g):
    x = env[node.inputs[0]]
    axes = tuple(a % x.ndim for a in node.attrs.get("axes"))
    return [x.mean(axis=axes, keepdims=bool(node.attrs.get("keepdims", 1)))]


@op("ReduceMean", "lower")
def reducemean_lower(node, ctx):
    x = nd_act(ctx, node, node.inputs[0])
    T, F = x.nd
    keep = node.attrs.get("keepdims", 1)
    out = ctx.new_act(node.outputs[0], 1, 1, F)
    out.nd = (1, F) if keep else (F,)
    ctx.add_layer(Layer(node.name, "avgpool", [x.name], out.name, kh=1, kw=T, stride=1,
                        src_nodes=[node.name]))


# ------------------------------------------------------------------ positional embedding
def add_const_nd(node, ctx, xin, c):
    """An activation token tensor + a constant of its shape: VEC ADD with the constant."""
    x = nd_act(ctx, node, xin)
    c = np.asarray(c, np.float64)
    if c.size != x.h * x.w * x.c or (c.ndim >= len(x.nd) and
                                     tuple(c.shape[-len(x.nd):]) != tuple(x.nd)):
        raise node_error(node, f"constant of shape {list(c.shape)} neither per-feature nor of "
                         f"the activation's shape {list(x.nd)} (broadcasting is not supported)")
    cname = f"{node.name}#const"
    ct = ActTensor(cname, x.h, x.w, x.c, nd=x.nd, const=c.reshape(-1).copy())
    ctx.tensors[cname] = ct
    out = new_nd(ctx, node.outputs[0], x.nd)
    ctx.add_layer(Layer(node.name, "add", [x.name, cname], out.name, src_nodes=[node.name]))


# ------------------------------------------------------------------ pieces of patterns
def _piece(name, what):
    @op(name, "check")
    def check(node, g):
        raise node_error(node, f"{name} is only supported inside {what}; this one is not part "
                         "of such a pattern")
    return check


for _n in ("Sub", "Pow", "Sqrt", "Div"):
    _piece(_n, "a decomposed LayerNormalization (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, "
           "Div, Mul, Add) or GELU (Div, Erf, Add, Mul, Mul)")
_piece("Mul", "a decomposed LayerNormalization or GELU")
_piece("Erf", "a decomposed GELU (Div sqrt 2, Erf, Add 1, Mul x, Mul 0.5)")


# ------------------------------------------------------------------ Split (fused QKV)
def _split_sizes(node, g):
    shp = g.tensors[node.inputs[0]].shape
    ax = node.attrs.get("axis", 0)
    ax = ax + len(shp) if ax < 0 else ax
    sp = node.attrs.get("split")
    if sp is None and len(node.inputs) > 1 and node.inputs[1]:
        c = g.const(node.inputs[1])
        sp = None if c is None else [int(v) for v in c]
    if sp is None:
        n = len(node.outputs)
        sp = [shp[ax] // n] * n
    return ax, shp, list(sp)


@op("Split", "check")
def split_check(node, g):
    ax, shp, sp = _split_sizes(node, g)
    if len(node.inputs) > 1 and node.inputs[1] and g.const(node.inputs[1]) is None:
        raise node_error(node, "the split sizes must be constants")
    if ax != len(shp) - 1 or len(shp) < 3:
        raise node_error(node, f"axis {ax} of a {list(shp)} tensor: only a split of a token "
                         "tensor's features (the last axis) is supported")
    if sum(sp) != shp[ax]:
        raise node_error(node, f"split sizes {sp} do not add up to {shp[ax]}")


@op("Split", "evaluate")
def split_eval(node, env, g):
    ax, shp, sp = _split_sizes(node, g)
    return np.split(env[node.inputs[0]], np.cumsum(sp)[:-1], axis=ax)


@op("Split", "lower")
def split_lower(node, ctx):
    """A split of a Linear's output (PyTorch's fused QKV projection, `.split(d, -1)`): the
    layer becomes one layer per part, each with its weight columns (no copy)."""
    ax, shp, sp = _split_sizes(node, ctx.g)
    why = "a Split is supported on the output of a Linear (MatMul/Gemm + bias) used only by it"
    layer = ctx.fusable(node, node.inputs[0], ("conv",), why)
    if layer.relu or layer.kh * layer.kw != 1:
        raise node_error(node, why)
    x = ctx.tensors[layer.inputs[0]]
    ctx.layers.remove(layer)
    n0 = 0
    for k, (o, n) in enumerate(zip(node.outputs, sp)):
        out = new_nd(ctx, o, tuple(shp[1:-1]) + (n,))
        ctx.add_layer(Layer(f"{layer.name}#{k}", "conv", [x.name], out.name,
                            weight=layer.weight[:, n0:n0 + n].copy(),
                            bias=layer.bias[n0:n0 + n].copy(),
                            src_nodes=layer.src_nodes + [node.name]))
        n0 += n


# ------------------------------------------------------------------ class token
def concat_tokens(node, ctx):
    """Concat of [1, T_i, F] tensors over the tokens (a class token prepended): a `concat`
    layer appending rows (VEC ADD rescale + STORE at a row offset); a constant input (the
    class token) is stored int8 in PARAMS."""
    xs = []
    for k, i in enumerate(node.inputs):
        c = ctx.g.const(i)
        if c is None:
            xs.append(nd_act(ctx, node, i))
            continue
        c = np.asarray(c, np.float64)
        if c.ndim != 3 or c.shape[0] != 1:
            raise node_error(node, f"constant input of shape {list(c.shape)} (expected "
                             "[1, tokens, features])")
        name = f"{node.name}#const{k}"
        t = ActTensor(name, 1, c.shape[1], c.shape[2], nd=tuple(c.shape[1:]),
                      const=c.reshape(-1).copy())
        ctx.tensors[name] = t
        xs.append(t)
    F = xs[0].c
    if any(x.c != F or len(x.nd) != 2 for x in xs):
        raise node_error(node, "inputs differ in features (or are not [1, T, F])")
    out = new_nd(ctx, node.outputs[0], (sum(x.w for x in xs), F))
    ctx.add_layer(Layer(node.name, "concat", [x.name for x in xs], out.name,
                        src_nodes=[node.name], attrs={"axis": "tokens"}))


@op("Gather", "check")
def gather_check(node, g):
    idx = g.const(node.inputs[1])
    shp = g.tensors[node.inputs[0]].shape
    if idx is None or np.asarray(idx).size != 1 or len(shp) != 3 or \
            node.attrs.get("axis", 0) % 3 != 1:
        raise node_error(node, "only a Gather of one token (axis 1, a constant index) of a "
                         "[1, T, F] tensor is supported (a class token)")
    if int(np.asarray(idx).reshape(-1)[0]) != 0:
        raise node_error(node, f"Gather of token {int(np.asarray(idx).reshape(-1)[0])}: only "
                         "token 0 (where the class token goes) is supported")


@op("Gather", "evaluate")
def gather_eval(node, env, g):
    return [np.take(env[node.inputs[0]], np.asarray(g.const(node.inputs[1])).astype(np.int64),
                    axis=node.attrs.get("axis", 0))]


@op("Gather", "lower")
def gather_lower(node, ctx):
    """Token 0 of [1, T, F]: a view of the tensor's first F bytes (no code)."""
    x = nd_act(ctx, node, node.inputs[0])
    nd_view(ctx, node.outputs[0], x, ctx.g.tensors[node.outputs[0]].shape[1:])
