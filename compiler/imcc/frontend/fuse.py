"""Graph rewrites before the per-op checks (docs/compiler.md, "Transformer ops"):

- Identity of a constant becomes that constant (PyTorch exports shared initialisers so).
- The decomposed LayerNormalization PyTorch exports at opset < 17,
      m = ReduceMean(x, axes=[-1]); d = Sub(x, m); p = Pow(d, 2); v = ReduceMean(p, axes=[-1])
      s = Sqrt(Add(v, eps)); n = Div(d, s); [y = Mul(n, gamma)]; [z = Add(y, beta)]
  becomes one LayerNormalization(x, gamma, beta, axis=-1, epsilon=eps) node.
- The exact (erf) GELU, x * 0.5 * (1 + erf(x / sqrt(2))) as Div(x, sqrt 2) (or Mul by
  1/sqrt 2), Erf, Add 1, Mul x, Mul 0.5 (the 0.5 on either side), becomes one Gelu(x) node.

A pattern that starts (a ReduceMean over the last axis, an Erf) but is not complete is refused
with the node and the missing step: the host has no kernel for the pieces alone."""
import numpy as np

from ..ir import Node, Tensor
from .registry import node_error


class _G:
    def __init__(self, graph, nodes):
        self.g, self.nodes = graph, nodes
        self.prod = {o: n for n in nodes for o in n.outputs}
        self.cons = {}
        for n in nodes:
            for i in n.inputs:
                self.cons.setdefault(i, []).append(n)
        self.outs = set(graph.outputs)

    def only(self, tname, op):
        """The single consumer of tname if it is an `op` node (and tname is not a graph
        output), else None."""
        c = self.cons.get(tname, [])
        if len(c) == 1 and c[0].op == op and tname not in self.outs:
            return c[0]
        return None

    def scalar(self, name):
        v = self.g.const(name)
        if v is None or np.asarray(v).size != 1:
            return None
        return float(np.asarray(v).reshape(-1)[0])

    def other(self, node, name):
        """The input of a binary node that is not `name`."""
        a, b = node.inputs[0], node.inputs[1]
        return b if a == name else a if b == name else None


def _last_axis(node, g):
    axes = node.attrs.get("axes")
    if axes is None or len(axes) != 1:
        return False
    rank = len(g.tensors[node.inputs[0]].shape) if node.inputs[0] in g.tensors else 0
    return axes[0] == -1 or (rank and axes[0] == rank - 1)


def _layernorm(G, rm):
    """Matches the decomposed LayerNormalization starting at ReduceMean rm -> (nodes, fused)."""
    x = rm.inputs[0]
    why = ("a ReduceMean over the last axis is only supported as the start of a decomposed "
           "LayerNormalization (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div[, Mul "
           "gamma][, Add beta])")
    sub = G.only(rm.outputs[0], "Sub")
    if sub is None or sub.inputs != [x, rm.outputs[0]]:
        raise node_error(rm, f"{why}: its output is not subtracted from its input (Sub x - mean)")
    d = sub.outputs[0]
    cs = G.cons.get(d, [])
    pw = next((c for c in cs if c.op == "Pow" and c.inputs[0] == d), None)
    dv = next((c for c in cs if c.op == "Div" and c.inputs[0] == d), None)
    if pw is None or G.scalar(pw.inputs[1]) != 2.0:
        raise node_error(sub, f"{why}: no Pow(x - mean, 2) follows")
    if dv is None or len(cs) != 2:
        raise node_error(sub, f"{why}: x - mean must feed exactly the Pow and the Div")
    rm2 = G.only(pw.outputs[0], "ReduceMean")
    if rm2 is None or not _last_axis(rm2, G.g) or not rm2.attrs.get("keepdims", 1):
        raise node_error(pw, f"{why}: no ReduceMean over the last axis follows the Pow")
    ad = G.only(rm2.outputs[0], "Add")
    eps = G.scalar(G.other(ad, rm2.outputs[0])) if ad is not None else None
    if eps is None or eps < 0:
        raise node_error(rm2, f"{why}: no Add of a constant epsilon follows the variance")
    sq = G.only(ad.outputs[0], "Sqrt")
    if sq is None:
        raise node_error(ad, f"{why}: no Sqrt follows the variance + epsilon")
    if G.only(sq.outputs[0], "Div") is not dv or dv.inputs[1] != sq.outputs[0]:
        raise node_error(sq, f"{why}: the Sqrt does not divide x - mean")
    shp = G.g.tensors[x].shape if x in G.g.tensors else ()
    F = shp[-1] if shp else None     # unknown when shape inference stopped earlier
    nodes, out = [rm, sub, pw, rm2, ad, sq, dv], dv.outputs[0]
    gamma = beta = None
    mul = G.only(out, "Mul")
    if mul is not None and G.g.const(G.other(mul, out)) is not None:
        gamma = G.g.const(G.other(mul, out))
        nodes.append(mul)
        out = mul.outputs[0]
        add = G.only(out, "Add")
        if add is not None and G.g.const(G.other(add, out)) is not None:
            beta = G.g.const(G.other(add, out))
            nodes.append(add)
            out = add.outputs[0]
    if F is None and gamma is not None:
        F = np.asarray(gamma).size
    gname, bname = f"{rm.name}#gamma", f"{rm.name}#beta"
    gv = np.ones(F, np.float32) if gamma is None else gamma
    bv = np.zeros(F, np.float32) if beta is None else beta
    for nm, v, what in ((gname, gv, "gamma"), (bname, bv, "beta")):
        v = np.asarray(v, np.float32)
        if F is None or v.size not in (1, F):
            raise node_error(nodes[-1], f"LayerNormalization {what} of shape {list(v.shape)} "
                             f"is not per-feature ({F})")
        v = np.broadcast_to(v.reshape(-1), (F,)).copy()
        G.g.tensors[nm] = Tensor(nm, (F,), "float32", v)
    fused = Node(rm.name, "LayerNormalization", [x, gname, bname], [out],
                 {"axis": -1, "epsilon": eps, "fused": [n.name for n in nodes]})
    return nodes, fused


def _gelu(G, erf):
    why = ("an Erf is only supported inside the exact GELU x * 0.5 * (1 + erf(x / sqrt 2)) "
           "(Div sqrt 2, Erf, Add 1, Mul x, Mul 0.5)")
    a = erf.inputs[0]
    dv = G.prod.get(a)
    x = None
    if dv is not None and dv.op == "Div" and abs((G.scalar(dv.inputs[1]) or 0) -
                                                  np.sqrt(2.0)) < 1e-4:
        x = dv.inputs[0]
    elif dv is not None and dv.op == "Mul":
        for i, j in ((0, 1), (1, 0)):
            if abs((G.scalar(dv.inputs[j]) or 0) - 1 / np.sqrt(2.0)) < 1e-4:
                x = dv.inputs[i]
    if x is None or len(G.cons.get(a, [])) != 1:
        raise node_error(erf, f"{why}: its input is not x / sqrt(2)")
    ad = G.only(erf.outputs[0], "Add")
    if ad is None or G.scalar(G.other(ad, erf.outputs[0])) != 1.0:
        raise node_error(erf, f"{why}: no Add 1 follows")
    nodes = [dv, erf, ad]
    cur = ad.outputs[0]
    half = False
    m1 = G.only(cur, "Mul")
    if m1 is not None and G.scalar(G.other(m1, cur)) == 0.5:   # (1 + erf) * 0.5, then * x
        half, nodes, cur = True, nodes + [m1], m1.outputs[0]
        m1 = G.only(cur, "Mul")
    if m1 is None or G.other(m1, cur) != x:
        raise node_error(ad, f"{why}: (1 + erf) is not multiplied by x")
    nodes.append(m1)
    cur = m1.outputs[0]
    if not half:
        m2 = G.only(cur, "Mul")
        if m2 is None or G.scalar(G.other(m2, cur)) != 0.5:
            raise node_error(m1, f"{why}: no Mul 0.5 follows")
        nodes.append(m2)
        cur = m2.outputs[0]
    if len(G.cons.get(x, [])) < 2:
        raise node_error(erf, f"{why}: x does not feed both the Div and the Mul")
    return nodes, Node(erf.name, "Gelu", [x], [cur], {"fused": [n.name for n in nodes]})


def fuse(graph, nodes):
    """Returns the node list with the patterns replaced (constants folded into graph.tensors)."""
    keep = []
    for n in nodes:
        if n.op == "Identity" and graph.const(n.inputs[0]) is not None:
            v = graph.const(n.inputs[0])
            graph.tensors[n.outputs[0]] = Tensor(n.outputs[0], tuple(v.shape), str(v.dtype), v)
            continue
        keep.append(n)
    nodes = keep
    for kind in ("layernorm", "gelu"):
        G = _G(graph, nodes)
        gone, at = set(), {}
        for n in nodes:
            if id(n) in gone:
                continue
            if kind == "layernorm" and n.op == "ReduceMean" and _last_axis(n, graph) and \
                    n.attrs.get("keepdims", 1):
                if n.inputs[0] in graph.tensors and graph.const(n.inputs[0]) is None and \
                        G.only(n.outputs[0], "Pow") is None:
                    part, fused = _layernorm(G, n)
                    gone |= {id(p) for p in part}
                    at[id(part[-1])] = fused
            elif kind == "gelu" and n.op == "Erf":
                part, fused = _gelu(G, n)
                gone |= {id(p) for p in part}
                at[id(part[-1])] = fused
        out = []
        for n in nodes:
            if id(n) in at:
                out.append(at[id(n)])
            elif id(n) not in gone:
                out.append(n)
        nodes = out
    return nodes
