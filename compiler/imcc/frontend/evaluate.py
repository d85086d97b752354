"""Float evaluation of an ir.Graph with the ops' numpy implementations (ONNX semantics)."""
import numpy as np

from .registry import OPS


def evaluate(graph, x, keep=False):
    """x: one input with the batch axis (shape as the graph input). Returns the graph output
    (float64) or, with keep=True, every tensor."""
    env = {graph.inputs[0]: np.asarray(x, np.float64)}
    for node in graph.nodes:
        outs = OPS[node.op].evaluate(node, env, graph)
        for name, v in zip(node.outputs, outs):
            if name:
                env[name] = v
    return env if keep else env[graph.outputs[0]]
