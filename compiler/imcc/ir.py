"""The compiler's intermediate representations, as plain dataclasses.

Two levels:
- `Graph` of `Node`s: the ONNX graph after loading (float, NCHW semantics), used by the
  float evaluator and by lowering.
- `Model` of `Layer`s: tile-level operations on channels-last (HWC) int8 activations
  (`conv` covers dense layers as 1x1 convolutions over a 1x1 map). The passes add `Block`s
  (crossbar-sized weight pieces), their `Placement` on tiles, `Phase`s (weight reloads) and
  `TileProgram`s (command-queue descriptors).
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np


# ---------------------------------------------------------------- ONNX-level graph
@dataclass
class Tensor:
    name: str
    shape: Tuple[int, ...]
    dtype: str = "float32"
    data: Optional[np.ndarray] = None  # constants (initializers)


@dataclass
class Node:
    name: str
    op: str
    inputs: List[str]
    outputs: List[str]
    attrs: Dict[str, object] = field(default_factory=dict)


@dataclass
class Graph:
    name: str
    nodes: List[Node]
    tensors: Dict[str, Tensor]
    inputs: List[str]
    outputs: List[str]
    opset: int = 13

    def const(self, name):
        t = self.tensors.get(name)
        return None if t is None else t.data


# ---------------------------------------------------------------- tile-level model
@dataclass
class ActTensor:
    """An activation: H x W x C int8 (or int32 for psums / int32 logits), channels last."""
    name: str
    h: int
    w: int
    c: int
    esize: int = 1            # bytes per element (1 int8, 4 int32)
    scale: float = 1.0        # real value = q * scale
    alias_of: Optional[str] = None   # a view of another tensor's bytes (flatten/reshape)
    col_off: int = 0          # channel offset inside alias_of (concat by addressing)
    nd: Optional[Tuple[int, ...]] = None   # token tensors: the ONNX shape without the batch
    #   axis, stored row-major (h = 1, w = prod(nd[:-1]), c = nd[-1]); None: an NCHW image (HWC)
    const: Optional[np.ndarray] = None     # a constant activation (float, row-major): stored
    #   int8 in the package's PARAMS (e.g. a learned positional embedding added by VEC ADD)

    @property
    def nbytes(self):
        return self.h * self.w * self.c * self.esize


@dataclass
class Layer:
    """kind: conv | add | maxpool | avgpool | concat | host.
    conv: weight float [K, N] with rows in (ky, kx, c) order, kh x kw kernel, stride,
    pads (top, left, bottom, right). Pools use kh, kw, stride, pads too.
    host: a layer the host core computes between tile stages (host_op layernorm | gelu |
    softmax | matmul | permute; docs/transformers.md), its parameters in `attrs`."""
    name: str
    kind: str
    inputs: List[str]
    output: str
    kh: int = 1
    kw: int = 1
    stride: int = 1
    pads: Tuple[int, int, int, int] = (0, 0, 0, 0)
    relu: bool = False
    relu6: bool = False
    weight: Optional[np.ndarray] = None    # float [K, N]
    bias: Optional[np.ndarray] = None      # float [N]
    depthwise: bool = False
    src_nodes: List[str] = field(default_factory=list)
    # filled by quantize
    wq: Optional[np.ndarray] = None        # int8 [K, N]
    bq: Optional[np.ndarray] = None        # int32 [N]
    mul: Optional[np.ndarray] = None       # int32 [N] (conv requant) or [2] (add: MA, MB)
    shift: int = 0
    requant: bool = True                   # False: int32 output (final logits)
    host_op: str = ""                      # kind == host: see the docstring
    attrs: Dict[str, object] = field(default_factory=dict)   # host layers' parameters
    segment: int = 0                       # tile stage (phase) the layer runs in / after


@dataclass
class Model:
    name: str
    layers: List[Layer]
    tensors: Dict[str, ActTensor]
    input: str
    output: str
    input_scale: float = 1.0
    host_ops: List[str] = field(default_factory=list)

    def producer(self, tname):
        for l in self.layers:
            if l.output == tname:
                return l
        return None

    def consumers(self, tname):
        return [l for l in self.layers if tname in l.inputs]


@dataclass
class Block:
    """One crossbar-sized piece of a conv layer: weight rows r0..r1 of channel range, output
    columns n0..n1, for output rows oy0..oy1 (replica). rb>0 blocks take the previous row
    block's int32 partial sums as their bias (psum chain)."""
    layer: str
    rb: int
    cb: int
    rep: int
    c0: int                      # input-channel range of this row block (ci0..ci1)
    c1: int
    n0: int
    n1: int
    oy0: int
    oy1: int
    rows: int
    nrb: int
    w: Optional[np.ndarray] = None   # int8 [rows, cols] in the local IN layout's row order
    tile: int = -1
    phase: int = 0
    bin: int = -1                # pack: the bin (tile of a phase) holding this block
    row0: int = 0                # pack: sub-array offset on that tile (MVM ROW0 / COL0)
    col0: int = 0

    @property
    def cols(self):
        return self.n1 - self.n0

    @property
    def key(self):
        return (self.layer, self.rb, self.cb, self.rep)


@dataclass
class Task:
    """One unit of a tile program: a block's MVMs for one input, or a vector layer."""
    name: str
    layer: str
    block: Optional[Block]
    reads: List[str]             # tensor names read
    writes: str                  # tensor written
    tile: int = -1
    phase: int = 0
    deps: List[str] = field(default_factory=list)   # task names this one waits for


@dataclass
class Phase:
    index: int
    tiles: List[int]
    blocks: List[Block]


@dataclass
class TileProgram:
    tile: int
    phase: int
    kind: int                    # 0 setup, 1 body (per input), 2 sync (per window)
    words: List[List[int]] = field(default_factory=list)   # descriptors (16 words each)
    relocs: List[int] = field(default_factory=list)        # 2 bits per word
    notes: List[str] = field(default_factory=list)
    loop: bool = False           # body: descriptor 0 is a LOOP over the rest (one copy/window)
    loop_note: str = ""          # body: the LOOP, or why the body is copied once per input
