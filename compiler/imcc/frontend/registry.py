"""The per-op registry. Each supported ONNX op registers an `OpDef` with:
  check(node, graph)          -> None or raises CompileError (attributes the tiles cannot do)
  evaluate(node, env, graph)  -> list of float numpy outputs (NCHW, the ONNX semantics)
  lower(node, ctx)            -> adds Layers / tensor views to the lowering context
New ops plug in by decorating three functions with @op("Name") in frontend/ops.py."""
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from .. import CompileError


@dataclass
class OpDef:
    name: str
    check: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    lower: Optional[Callable] = None


OPS: Dict[str, OpDef] = {}


def op(name, what):
    """Decorator: @op("Conv", "check") etc."""
    def deco(fn):
        d = OPS.setdefault(name, OpDef(name))
        setattr(d, what, fn)
        return fn
    return deco


def node_error(node, reason):
    return CompileError(f"node '{node.name}' (op {node.op}): {reason}")
