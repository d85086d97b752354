"""ir.Graph (ONNX, NCHW, float) -> ir.Model (tile-level layers on HWC activations, float
weights). BatchNormalization and constant Adds fold into the preceding Conv/Gemm, ReLU and
Clip(0, max) fuse into it, Flatten/Reshape become views (the next Gemm's weight rows are
permuted from ONNX's CHW feature order to the HWC bytes in memory)."""
import numpy as np

from ..ir import ActTensor, Model
from .registry import OPS, node_error


class LowerCtx:
    def __init__(self, g):
        self.g = g
        self.tensors = {}
        self.layers = []
        self.names = {}          # onnx tensor -> act tensor name
        self.order = {}          # flat act tensor -> onnx feature index stored at byte p
        self.clip_max = {}
        self.host_ops = []
        self.uses = {}
        for n in g.nodes:
            for i in n.inputs:
                self.uses[i] = self.uses.get(i, 0) + 1
        for o in g.outputs:
            self.uses[o] = self.uses.get(o, 0) + 1

    # -- tensors
    def new_act(self, onnx_name, h, w, c):
        t = ActTensor(onnx_name, h, w, c)
        self.tensors[t.name] = t
        self.names[onnx_name] = t.name
        return t

    def alias(self, onnx_out, onnx_in):
        self.names[onnx_out] = self.names[onnx_in]

    def view(self, onnx_out, act, order):
        self.names[onnx_out] = act.name
        self.order[act.name] = order

    def act_any(self, node, onnx_name):
        if onnx_name not in self.names:
            raise node_error(node, f"input '{onnx_name}' is not an activation (constants are "
                             "only supported as weights)")
        return self.tensors[self.names[onnx_name]]

    def act4(self, node, onnx_name):
        t = self.act_any(node, onnx_name)
        if t.nd is not None:
            raise node_error(node, f"expects an NCHW image, got a token tensor of shape "
                             f"{list(self.g.tensors[onnx_name].shape)}")
        if len(self.g.tensors[onnx_name].shape) != 4:
            raise node_error(node, f"expects a 4-D NCHW input, got shape "
                             f"{list(self.g.tensors[onnx_name].shape)}")
        return t

    def flat(self, node, onnx_name):
        """The input as a flat feature vector: (act tensor of shape 1x1xF, order)."""
        t = self.act_any(node, onnx_name)
        shp = self.g.tensors[onnx_name].shape
        if len(shp) == 2:
            if t.h * t.w == 1:
                return t, self.order.get(t.name, np.arange(t.c))
            return self.tensors[t.name + "#flat"], self.order[t.name + "#flat"]
        if len(shp) == 4 and shp[0] == 1:
            name = t.name + "#flat"
            if name not in self.tensors:
                v = ActTensor(name, 1, 1, t.h * t.w * t.c, alias_of=t.name)
                self.tensors[name] = v
                y, x, c = np.meshgrid(np.arange(t.h), np.arange(t.w), np.arange(t.c),
                                      indexing="ij")
                self.order[name] = (c * t.h * t.w + y * t.w + x).reshape(-1)
            return self.tensors[name], self.order[name]
        raise node_error(node, f"cannot flatten an input of shape {list(shp)}")

    def fusable(self, node, onnx_in, kinds, why):
        tname = self.names.get(onnx_in)
        layer = next((l for l in self.layers if l.output == tname), None)
        if layer is None or layer.kind not in kinds:
            raise node_error(node, f"not supported here: {why}")
        if self.uses.get(onnx_in, 0) != 1:
            raise node_error(node, f"its input is used elsewhere too: {why} only when that "
                             "layer's output has no other use")
        return layer

    def add_layer(self, layer):
        self.layers.append(layer)


def lower(g):
    ctx = LowerCtx(g)
    inp = g.tensors[g.inputs[0]]
    shp = inp.shape
    if len(shp) == 4:
        ctx.new_act(g.inputs[0], shp[2], shp[3], shp[1])
    elif len(shp) == 2:
        ctx.new_act(g.inputs[0], 1, 1, shp[1])
    elif len(shp) == 3:     # [1, tokens, features]: a token tensor (row-major)
        ctx.new_act(g.inputs[0], 1, shp[1], shp[2]).nd = tuple(shp[1:])
    else:
        raise node_error(type("N", (), {"name": g.inputs[0], "op": "input"})(),
                         f"input shape {list(shp)} (NCHW, [1, tokens, features] or "
                         "[1, features] only)")
    for node in g.nodes:
        OPS[node.op].lower(node, ctx)
    out = ctx.names[g.outputs[0]]
    if not ctx.layers:
        raise node_error(g.nodes[0] if g.nodes else
                         type("N", (), {"name": "graph", "op": "-"})(), "nothing to compute")
    # a view as the output: the layer that writes its bytes
    while ctx.tensors[out].alias_of:
        out = ctx.tensors[out].alias_of
    last = next((L for L in ctx.layers if L.output == out), None)
    if last is not None and last.kind == "host":
        raise node_error(type("N", (), {"name": last.name, "op": last.host_op})(),
                         "the model output is computed on the host core; the last layer must "
                         "run on the tiles (a Linear/Gemm head)")
    m = Model(g.name, ctx.layers, ctx.tensors, ctx.names[g.inputs[0]], out,
              host_ops=ctx.host_ops)
    m.clip_max = ctx.clip_max
    m.orders = ctx.order
    m.onnx_input_shape = tuple(shp)
    return m
