"""onnx_np: a tiny numpy evaluator for the ONNX op subset of models/onnx (no torch, no
onnxruntime; python3-onnx 1.12 has no reference evaluator). Float64 arithmetic.

Ops: Conv (groups 1, any stride/pads/dilation 1), Gemm, MatMul, BatchNormalization (inference),
Relu, Clip, Add, MaxPool, AveragePool (no padding), GlobalAveragePool, Flatten, Reshape; for
the Transformer: Constant, Sub, Mul, Div, Pow, Sqrt, Erf, ReduceMean, Softmax, Transpose
(MatMul and Add broadcast as numpy does). Enough to check the committed models; it is not a
general ONNX runtime.

  run(model, {"input": x}) -> list of output arrays (x carries the graph's batch of 1, or any
  batch: the evaluator is shape-agnostic in the batch axis).
"""
import math

import numpy as np
from onnx import helper, numpy_helper


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pads4(at, k):
    p = list(at.get("pads", [0] * (2 * len(k))))
    if at.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError("auto_pad")
    return p


def _windows(x, kh, kw, sh, sw, pads, fill):
    """x N,C,H,W -> N,C,OH,OW,kh,kw windows after padding with `fill`."""
    t, l, b, r = pads[0], pads[1], pads[2], pads[3]
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)), constant_values=fill)
    n, c, h, w = xp.shape
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.empty((n, c, oh, ow, kh, kw), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[..., i, j] = xp[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
    return out


def conv(x, w, b, at):
    if at.get("group", 1) != 1 or any(d != 1 for d in at.get("dilations", [1, 1])):
        raise NotImplementedError("Conv with groups/dilations")
    kh, kw = w.shape[2:]
    sh, sw = at.get("strides", [1, 1])
    win = _windows(x, kh, kw, sh, sw, _pads4(at, (kh, kw)), 0.0)
    y = np.einsum("nchwij,ocij->nohw", win, w, optimize=True)
    return y if b is None else y + b[None, :, None, None]


def pool(x, at, kind):
    kh, kw = at["kernel_shape"]
    sh, sw = at.get("strides", [1, 1])
    pads = _pads4(at, (kh, kw))
    if at.get("ceil_mode", 0):
        raise NotImplementedError("ceil_mode")
    if kind == "max":
        return _windows(x, kh, kw, sh, sw, pads, -np.inf).max(axis=(4, 5))
    if any(pads):
        raise NotImplementedError("AveragePool with padding")
    return _windows(x, kh, kw, sh, sw, pads, 0.0).mean(axis=(4, 5))


_BINARY = {"Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Pow": np.power}
_erf = np.vectorize(math.erf, otypes=[np.float64])


def run(model, feeds):
    env = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    env.update({k: np.asarray(v, np.float64) for k, v in feeds.items()})
    for node in model.graph.node:
        at = _attrs(node)
        x = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Conv":
            y = conv(x[0], x[1], x[2] if len(x) > 2 else None, at)
        elif op == "Gemm":
            a = x[0].T if at.get("transA", 0) else x[0]
            b = x[1].T if at.get("transB", 0) else x[1]
            y = at.get("alpha", 1.0) * (a @ b)
            if len(x) > 2 and x[2] is not None:
                y = y + at.get("beta", 1.0) * x[2]
        elif op == "MatMul":
            y = x[0] @ x[1]
        elif op == "BatchNormalization":
            s = x[1] / np.sqrt(x[4] + at.get("epsilon", 1e-5))
            sh = (1, -1) + (1,) * (x[0].ndim - 2)
            y = (x[0] - x[3].reshape(sh)) * s.reshape(sh) + x[2].reshape(sh)
        elif op == "Relu":
            y = np.maximum(x[0], 0.0)
        elif op == "Clip":
            lo = x[1] if len(x) > 1 and x[1] is not None else -np.inf
            hi = x[2] if len(x) > 2 and x[2] is not None else np.inf
            y = np.clip(x[0], lo, hi)
        elif op == "Add":
            y = x[0] + x[1]
        elif op == "MaxPool":
            y = pool(x[0], at, "max")
        elif op == "AveragePool":
            y = pool(x[0], at, "avg")
        elif op == "GlobalAveragePool":
            y = x[0].mean(axis=tuple(range(2, x[0].ndim)), keepdims=True)
        elif op == "Flatten":
            ax = at.get("axis", 1)
            y = x[0].reshape(int(np.prod(x[0].shape[:ax])), -1)
        elif op == "Reshape":
            shape = [int(v) for v in x[1]]
            shape[0] = x[0].shape[0] if shape[0] in (0, 1) else shape[0]  # batch-agnostic
            y = x[0].reshape(shape)
        elif op == "Constant":
            y = numpy_helper.to_array(at["value"]).astype(np.float64)
        elif op in _BINARY:
            y = _BINARY[op](x[0], x[1])
        elif op == "Sqrt":
            y = np.sqrt(x[0])
        elif op == "Erf":
            y = _erf(x[0])
        elif op == "ReduceMean":
            axes = tuple(at["axes"]) if "axes" in at else None
            y = x[0].mean(axis=axes, keepdims=bool(at.get("keepdims", 1)))
        elif op == "Softmax":
            e = np.exp(x[0] - x[0].max(axis=at.get("axis", -1), keepdims=True))
            y = e / e.sum(axis=at.get("axis", -1), keepdims=True)
        elif op == "Transpose":
            y = np.transpose(x[0], at.get("perm"))
        else:
            raise NotImplementedError("onnx_np: op %s (node %s)" % (op, node.name))
        env[node.output[0]] = y
    return [env[o.name] for o in model.graph.output]
