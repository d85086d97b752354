"""ONNX model -> ir.Graph, refusing what the tiles cannot run (one-line CompileErrors that name
the node, the op and the reason)."""
import os

import numpy as np

from .. import CompileError
from ..ir import Graph, Node, Tensor
from . import fuse, ops, ops_transformer  # noqa: F401  (registers the ops)
from .registry import OPS, node_error

MIN_OPSET, MAX_OPSET = 11, 17
FLOAT_TYPES = {1: "float32"}


def _attr(a):
    import onnx
    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, (list, tuple)):
        v = [x.decode() if isinstance(x, bytes) else x for x in v]
    return v


def load(path):
    import onnx
    from onnx import numpy_helper, shape_inference
    if not os.path.exists(path):
        raise CompileError(f"{path}: no such file")
    try:
        m = onnx.load(path)
    except Exception as e:  # noqa: BLE001
        raise CompileError(f"{path}: not an ONNX model ({str(e).splitlines()[0][:100]})")
    return from_proto(m, os.path.splitext(os.path.basename(path))[0])


def from_proto(m, name="model"):
    import onnx
    from onnx import numpy_helper, shape_inference
    opset = None
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            opset = o.version
    if opset is None:
        raise CompileError("model: no default-domain opset import")
    if not (MIN_OPSET <= opset <= MAX_OPSET):
        raise CompileError(f"model: opset {opset} is not supported (supported: "
                           f"{MIN_OPSET}..{MAX_OPSET})")
    inits = {i.name for i in m.graph.initializer}
    for vi in m.graph.input:
        et = vi.type.tensor_type.elem_type
        if vi.name not in inits and et not in FLOAT_TYPES:
            raise CompileError(f"graph input '{vi.name}': dtype "
                               f"{onnx.TensorProto.DataType.Name(et)} is not supported "
                               "(float32 only)")
    try:
        m = shape_inference.infer_shapes(m, strict_mode=False)
    except Exception as e:  # noqa: BLE001
        raise CompileError(f"model: shape inference failed: {str(e).splitlines()[0][:120]}")
    g = m.graph
    tensors = {}
    for init in g.initializer:
        arr = numpy_helper.to_array(init)
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        tensors[init.name] = Tensor(init.name, tuple(arr.shape), str(arr.dtype), arr)
    init_names = set(tensors)

    const_outs = {o for n in g.node if n.op_type == "Constant" for o in n.output}

    def add_vi(vi, what):
        tt = vi.type.tensor_type
        if vi.name in init_names or vi.name in const_outs:   # e.g. int64 Reshape shapes
            return
        if tt.elem_type not in FLOAT_TYPES:
            dt = onnx.TensorProto.DataType.Name(tt.elem_type)
            raise CompileError(f"{what} '{vi.name}': dtype {dt} is not supported (float32 only)")
        dims = []
        for d in tt.shape.dim:
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(d.dim_value)
            else:
                dims.append(None)
        tensors[vi.name] = Tensor(vi.name, tuple(dims), "float32")

    inputs = []
    for vi in g.input:
        if vi.name in init_names:
            continue
        add_vi(vi, "graph input")
        t = tensors[vi.name]
        # a symbolic batch dimension is the batch axis: fixed to 1
        if len(t.shape) and t.shape[0] is None:
            t.shape = (1,) + t.shape[1:]
        if any(d is None for d in t.shape):
            raise CompileError(f"graph input '{vi.name}': dynamic shape {list(t.shape)} "
                               "(static shapes only)")
        if t.shape[0] != 1:
            raise CompileError(f"graph input '{vi.name}': batch {t.shape[0]} (the model must "
                               "take one input at a time, batch 1 or symbolic)")
        inputs.append(vi.name)
    if len(inputs) != 1:
        raise CompileError(f"model: {len(inputs)} graph inputs (exactly one is supported)")
    for vi in list(g.value_info) + list(g.output):
        add_vi(vi, "tensor")
    nodes = []
    for i, n in enumerate(g.node):
        nm = n.name or f"{n.op_type}_{i}"
        node = Node(nm, n.op_type, list(n.input), list(n.output),
                    {a.name: _attr(a) for a in n.attribute})
        if n.domain not in ("", "ai.onnx"):
            raise node_error(node, f"domain '{n.domain}' is not supported")
        if n.op_type == "Constant":
            v = numpy_helper.to_array(n.attribute[0].t) if n.attribute[0].type == 4 else \
                np.array(node.attrs[n.attribute[0].name])
            if v.dtype.kind == "f":
                v = v.astype(np.float32)
            tensors[n.output[0]] = Tensor(n.output[0], tuple(v.shape), str(v.dtype), v)
            continue
        nodes.append(node)
    graph = Graph(name, nodes, tensors, inputs, [o.name for o in g.output], opset)
    # decomposed LayerNormalization / GELU -> fused nodes; Identity of constants folded
    graph.nodes = nodes = fuse.fuse(graph, nodes)
    for node in nodes:
        if node.op in OPS and OPS[node.op].lower is None and OPS[node.op].check:
            OPS[node.op].check(node, graph)     # a piece of a pattern: says which
        if node.op not in OPS or OPS[node.op].lower is None:
            raise node_error(node, "op is not supported (supported: " +
                             ", ".join(sorted(k for k, d in OPS.items() if d.lower)) + ")")
    # the batch axis of intermediate shapes may be symbolic too: propagate by evaluation of
    # shapes through the float evaluator (cheap: one zero input)
    from .evaluate import evaluate
    x = np.zeros(tensors[inputs[0]].shape, np.float32)
    for node in nodes:
        d = OPS[node.op]
        if d.check:
            d.check(node, graph)
    env = evaluate(graph, x, keep=True)
    for k, v in env.items():
        if k in tensors and tensors[k].data is not None:
            continue
        t = tensors.get(k)
        if t is not None and t.shape and any(s is not None and s != v.shape[i]
                                             for i, s in enumerate(t.shape)
                                             if i < v.ndim and i > 0):
            prod = next(nd for nd in nodes if k in nd.outputs) if any(
                k in nd.outputs for nd in nodes) else None
            if prod is not None:
                raise node_error(prod, f"output shape {list(v.shape)} disagrees with the "
                                 f"declared {list(t.shape)}")
        tensors[k] = Tensor(k, tuple(v.shape), "float32")
    return graph
