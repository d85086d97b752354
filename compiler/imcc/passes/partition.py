"""partition: split every conv/dense layer into crossbar-sized blocks.

A layer is a K x N int8 matrix (K = kh*kw*C_in rows in (ky, kx, c) order, N output channels).
With R x Ccols tiles:
- K <= R: one row block; its input is a whole im2col patch, one LOAD brings the patches of a
  whole output row (Z = OW windows) and one MVM batches them ("row" mode).
- K > R: row blocks over input-channel ranges of cc = floor(R / (kh*kw)) channels (every
  (ky, kx) of those channels: one 3-D LOAD per patch, local order (kx, ky, c); the block's
  weight rows are stored in that order). Row block 0 adds the bias; each next row block takes
  the previous one's int32 partial sums (through DRAM, LOADed into its BIAS buffer) as its
  bias, so the sum is exact int32 ("chain" mode, one MVM per output position).
- N > Ccols: column blocks of Ccols outputs.
Cost model: tiles = sum over layers of row blocks x column blocks; array utilisation =
sum of K*N / (tiles * R * Ccols)."""
import numpy as np

from .. import CompileError
from ..ir import Block


def geometry(soc):
    return min(t["rows"] for t in soc.tiles), min(t["cols"] for t in soc.tiles)


def row_chunks(L, C, R):
    """[(c0, c1)] input-channel ranges of the row blocks."""
    K = L.kh * L.kw * C
    if K <= R:
        return [(0, C)]
    if L.kh * L.kw > R:
        raise CompileError(f"layer '{L.name}': a {L.kh}x{L.kw} kernel has more taps than "
                           f"the tiles have rows ({R})")
    cc = R // (L.kh * L.kw)
    return [(c, min(C, c + cc)) for c in range(0, C, cc)]


def block_rows(L, C, c0, c1, single):
    """Row indices (into the (ky, kx, c) weight matrix) of a row block, in local order."""
    if single:
        return np.arange(L.kh * L.kw * C)
    idx = [(ky * L.kw + kx) * C + c for kx in range(L.kw) for ky in range(L.kh)
           for c in range(c0, c1)]
    return np.asarray(idx)


def run(model, soc):
    R, Cc = geometry(soc)
    blocks, row_groups = [], {}
    used = 0
    for L in model.layers:
        if L.kind != "conv":
            continue
        x = model.tensors[L.inputs[0]]
        o = model.tensors[L.output]
        C, N = x.c, o.c
        chunks = row_chunks(L, C, R)
        single = len(chunks) == 1
        row_groups[L.name] = [block_rows(L, C, c0, c1, single) for c0, c1 in chunks]
        for cb, n0 in enumerate(range(0, N, Cc)):
            n1 = min(N, n0 + Cc)
            for rb, (c0, c1) in enumerate(chunks):
                rows = row_groups[L.name][rb]
                blocks.append(Block(L.name, rb, cb, 0, c0, c1, n0, n1, 0, o.h, len(rows),
                                    len(chunks), w=np.ascontiguousarray(L.wq[rows, n0:n1])))
        used += L.wq.size
    model.row_groups = row_groups
    info = {"pass": "partition", "tile_rows": R, "tile_cols": Cc, "blocks": len(blocks),
            "layers": {L.name: {"rows": int(L.wq.shape[0]), "cols": int(L.wq.shape[1]),
                                "row_blocks": len(row_groups[L.name]),
                                "col_blocks": -(-L.wq.shape[1] // Cc)}
                       for L in model.layers if L.kind == "conv"},
            "array_utilisation": round(used / max(1, len(blocks) * R * Cc), 4)}
    return blocks, info
