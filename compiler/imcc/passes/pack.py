"""pack: several crossbar blocks on one tile, at distinct (row0, col0) offsets.

A queue MVM drives the sub-array rows ROW0..ROW0+ROWS-1 and converts the columns
COL0..COL0+COLS-1 (command-queues.md, MVM words 8 and 9); BIAS and SCALE are indexed by the
physical column COL0+j. Blocks packed on one tile therefore need disjoint *columns* (each
column has one bias and one scale slot); their rows may overlap (row0 = 0 for all: the block
rectangles [0, rows) x [col0, col0+cols) never share a cell). Each tile is programmed once per
phase with its whole packed image (one PROGRAM of max(rows) x (last column + 1)), its bias and
scale vectors by one LOAD each.

Which blocks share a tile ("bins"): the blocks, in their topological order (layer order, row
blocks of a chain in order, replicas of a block next to each other), are cut into contiguous
segments. A tile whose tasks form a contiguous segment of the task order has no dependency
path leaving the tile and coming back, so the in-order command processor of one tile never
waits for another tile in the middle of its own segment: the tiles form a linear pipeline over
the window's inputs (docs/compiler.md, schedule).

Cost model: a block's time per input is replicate.block_ns (DMA + MVM per output row or
position) plus DRAM_ACCESS_NS per descriptor that moves data between the tile and DRAM (the
round trip over the NoC to the DRAM controller, which replicate.block_ns leaves out; ~450 ns
per such descriptor measured on the ResNet's chain tiles, of which DMA setup and transfer are
a few tens); a bin's time is the sum of its blocks' times. `--pack auto` finds the smallest
bound X such that the greedy cut (a new bin when the next block would exceed C columns or X
nanoseconds) needs at most T bins (binary search on X; T = the tiles available); when even
X = infinity needs more than T bins (the model does not fit in one phase), it cuts by columns
only (fewest bins) and the reload pass makes phases of T bins. When every block fits on a tile
of its own (blocks <= T), packing cannot shorten the pipeline: one block per bin, as with
`--pack none`. Reported: bins, blocks per bin, column and cell utilisation of the used tiles,
the estimated busiest bin (ns/input)."""
from .. import CompileError
from . import replicate as rep_mod


DRAM_ACCESS_NS = 400.0


def dram_transfers(model, b):
    """Descriptors of one block per input that move data to or from DRAM (schedule.gen_block:
    row mode LOAD + STORE per output row; chain mode a LOAD per output position (+ the partial
    sums' LOAD for row blocks after the first) and a STORE per output row, or, with staged
    rows, two LOADs and a STORE per output row)."""
    L = model.layer_by_name[b.layer]
    rows = b.oy1 - b.oy0
    if b.nrb == 1:
        return 2 * rows
    if getattr(model, "staged_chain", False):
        return rows * (3 if b.rb else 2)
    o = model.tensors[L.output]
    return rows * o.w * (2 if b.rb else 1) + rows


def block_cost(model, b, t):
    return rep_mod.block_ns(model, b, t) + DRAM_ACCESS_NS * dram_transfers(model, b)


def geometry(soc):
    return min(t["rows"] for t in soc.tiles), min(t["cols"] for t in soc.tiles)


def greedy(widths, times, C, bound):
    """Contiguous cut: list of [start, end) index ranges."""
    bins, start, cols, ns = [], 0, 0, 0.0
    for i, (w, t) in enumerate(zip(widths, times)):
        if i > start and (cols + w > C or ns + t > bound):
            bins.append((start, i))
            start, cols, ns = i, 0, 0.0
        cols += w
        ns += t
    if widths:
        bins.append((start, len(widths)))
    return bins


def cut(widths, times, C, T):
    """The contiguous cut into at most T bins with the smallest busiest-bin time, or the
    fewest bins by columns when T bins cannot hold the columns."""
    if any(w > C for w in widths):
        raise CompileError("pack: a block is wider than the tile")
    full = greedy(widths, times, C, float("inf"))
    if len(full) > T:
        return full
    lo, hi = max(times), sum(times)
    best = greedy(widths, times, C, hi)
    for _ in range(60):
        mid = (lo + hi) / 2
        b = greedy(widths, times, C, mid)
        if len(b) <= T:
            best, hi = b, mid
        else:
            lo = mid
        if hi - lo < 1e-3 * hi:
            break
    return best


def bins_of(model, blocks, soc, T, policy):
    """Bins (lists of block indices) for the blocks, without changing them."""
    _, C = geometry(soc)
    if policy == "none" or len(blocks) <= T:
        return [[i] for i in range(len(blocks))]
    t = soc.tiles[0]
    times = [block_cost(model, b, t) for b in blocks]
    return [list(range(s, e)) for s, e in cut([b.cols for b in blocks], times, C, T)]


def bound_ns(model, blocks, soc, T):
    """Estimated busiest bin (ns/input) of the packed cut into T bins; None if it needs
    more than T bins."""
    t = soc.tiles[0]
    times = [block_cost(model, b, t) for b in blocks]
    _, C = geometry(soc)
    bins = cut([b.cols for b in blocks], times, C, T)
    if len(bins) > T:
        return None
    return max(sum(times[s:e]) for s, e in bins)


def run(model, blocks, soc, T, policy):
    R, C = geometry(soc)
    bins = bins_of(model, blocks, soc, T, policy)
    t = soc.tiles[0]
    times = [block_cost(model, b, t) for b in blocks]
    for k, idx in enumerate(bins):
        col = 0
        for i in idx:
            b = blocks[i]
            b.bin, b.row0, b.col0 = k, 0, col
            col += b.cols
            if b.rows > R or col > C:
                raise CompileError(f"pack: bin {k} exceeds the {R}x{C} array")
    used_cells = sum(b.rows * b.cols for b in blocks)
    cols_used = sum(b.cols for b in blocks)
    info = {"pass": "pack", "policy": policy, "bins": len(bins),
            "blocks_per_bin": [len(x) for x in bins],
            "column_utilisation": round(cols_used / max(1, len(bins) * C), 4),
            "cell_utilisation": round(used_cells / max(1, len(bins) * R * C), 4),
            "est_busiest_bin_ns": round(max(sum(times[i] for i in x) for x in bins), 1)
            if bins else 0.0}
    return bins, info
