"""Small ONNX models built with onnx.helper for the imcc tests (seeded, float32)."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


class Builder:
    def __init__(self, seed=0):
        self.rng = np.random.RandomState(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, p):
        self.n += 1
        return f"{p}{self.n}"

    def const(self, arr, p="c"):
        nm = self.name(p)
        self.inits.append(numpy_helper.from_array(np.asarray(arr, np.float32), nm))
        return nm

    def node(self, op, inputs, n_out=1, **attrs):
        outs = [self.name(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.name(op + "_"), **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, x, cin, cout, k=3, s=1, p=1, bias=True, group=1):
        w = self.rng.randn(cout, cin // group, k, k) * np.sqrt(2.0 / (cin // group * k * k))
        ins = [x, self.const(w, "w")]
        if bias:
            ins.append(self.const(self.rng.randn(cout) * 0.1, "b"))
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[s, s], pads=[p] * 4,
                         group=group)

    def bn(self, x, c):
        r = self.rng
        return self.node("BatchNormalization", [x, self.const(1 + 0.2 * r.randn(c)),
                                                self.const(0.1 * r.randn(c)),
                                                self.const(0.1 * r.randn(c)),
                                                self.const(0.5 + r.rand(c))], epsilon=1e-5)

    def gemm(self, x, fin, fout, trans_b=1):
        w = self.rng.randn(fout, fin) * np.sqrt(2.0 / fin)
        if not trans_b:
            w = w.T
        return self.node("Gemm", [x, self.const(w, "w"), self.const(self.rng.randn(fout) * 0.1)],
                         transB=trans_b)

    def model(self, x_name, x_shape, out, out_shape=None, opset=13, batch_sym=False):
        shp = list(x_shape)
        if batch_sym:
            shp[0] = "N"
        g = helper.make_graph(self.nodes, "g",
                              [helper.make_tensor_value_info(x_name, TensorProto.FLOAT, shp)],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
                              self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m


def cnn(seed=0, c1=8, c2=16, hw=8, ncls=10, opset=13):
    """conv+bn+relu, maxpool, conv+relu (stride 2), flatten, gemm, relu, gemm."""
    b = Builder(seed)
    y = b.node("Relu", [b.bn(b.conv("x", 1, c1, bias=False), c1)])
    y = b.node("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
    y = b.node("Relu", [b.conv(y, c1, c2, s=2)])
    y = b.node("Flatten", [y], axis=1)
    f = c2 * (hw // 4) * (hw // 4)
    y = b.node("Relu", [b.gemm(y, f, 32)])
    y = b.gemm(y, 32, ncls)
    return b.model("x", [1, 1, hw, hw], y, [1, ncls], opset=opset)


def resnet(seed=1, c=24, hw=8, ncls=10, wide=False):
    """stem conv, a residual block (conv-bn-relu-conv-bn + skip, relu), avgpool, clip,
    global average pool, concat of GAP with a 1x1-conv GAP, gemm, softmax."""
    b = Builder(seed)
    x0 = b.node("Relu", [b.conv("x", 3, c)])
    y = b.node("Relu", [b.bn(b.conv(x0, c, c, bias=False), c)])
    y = b.bn(b.conv(y, c, c, bias=False), c)
    y = b.node("Relu", [b.node("Add", [y, x0])])
    y = b.node("AveragePool", [y], kernel_shape=[2, 2], strides=[2, 2])
    cw = 2 * c if wide else c
    y2 = b.conv(y, c, cw, k=3, s=1, p=1)
    y2 = b.node("Clip", [y2, b.const(np.float32(0)), b.const(np.float32(6))])
    g1 = b.node("GlobalAveragePool", [y])
    g2 = b.node("GlobalAveragePool", [y2])
    y = b.node("Concat", [g1, g2], axis=1)
    y = b.node("Flatten", [y], axis=1)
    y = b.gemm(y, c + cw, ncls)
    y = b.node("Softmax", [y], axis=1)
    return b.model("x", [1, 3, hw, hw], y, [1, ncls])


def mlp(seed=2, sizes=(64, 40, 10), batch_sym=True):
    b = Builder(seed)
    y = "x"
    for i in range(len(sizes) - 1):
        y = b.gemm(y, sizes[i], sizes[i + 1], trans_b=i % 2)
        if i < len(sizes) - 2:
            y = b.node("Relu", [y])
    return b.model("x", [1, sizes[0]], y, [1, sizes[-1]], batch_sym=batch_sym)


def save(m, path):
    onnx.save(m, path)
    return path


def images(model_proto, n, seed=5):
    shp = [d.dim_value or 1 for d in model_proto.graph.input[0].type.tensor_type.shape.dim]
    r = np.random.RandomState(seed)
    return r.rand(n, *shp[1:]).astype(np.float32)
