"""replicate (throughput mode, --replicate auto): copy the weights of bottleneck layers onto
spare tiles. Replica r of a layer computes output rows [oy0, oy1) of every input, so a layer
with r replicas takes ~1/r of its time per input and the pipeline's slowest stage shrinks.
Cost model: block_ns (below) per block per input; a layer's stage time is the largest of its
blocks' times. Greedy: while spare tiles remain, give one more replica (all of the layer's
blocks again) to the layer with the largest stage time, if it has more output rows than
replicas and its blocks fit the spare tiles.
Packed (--pack auto, more blocks than tiles): the budget is the arrays' columns, not whole
tiles. The slowest layer (stage time / replicas) gets one more replica when the packed cut
(pack.cut) still fits the tiles and its estimated busiest bin gets shorter; otherwise that
layer is left as it is and the next slowest is tried."""
from ..ir import Block
from . import cost


def block_ns(model, b, t):
    L = model.layer_by_name[b.layer]
    o = model.tensors[L.output]
    rows = b.oy1 - b.oy0
    nvec = rows * o.w
    es = o.esize
    if b.nrb == 1:
        per_row = cost.dma_ns(t, o.w * b.rows) + o.w * cost.mvm_ns(t, b.cols) + \
            cost.dma_ns(t, o.w * b.cols * es)
        return rows * per_row
    per_vec = cost.dma_ns(t, b.rows) + cost.mvm_ns(t, b.cols) + \
        (cost.dma_ns(t, 4 * b.cols) if b.rb else 0)
    return nvec * per_vec + rows * cost.dma_ns(t, o.w * b.cols * 4)


def stage_ns(model, blocks, soc):
    st = {}
    for b in blocks:
        st[b.layer] = max(st.get(b.layer, 0.0), block_ns(model, b, soc.tiles[0]))
    return st


def expand(model, blocks, reps):
    out = []
    for b in blocks:
        L = model.layer_by_name[b.layer]
        r = reps.get(b.layer, 1)
        oh = model.tensors[L.output].h
        for k in range(r):
            oy0, oy1 = k * oh // r, (k + 1) * oh // r
            out.append(Block(b.layer, b.rb, b.cb, k, b.c0, b.c1, b.n0, b.n1, oy0, oy1, b.rows,
                             b.nrb, w=b.w))
    return out


def run_packed(model, blocks, soc, tiles_avail, info):
    from . import pack
    reps = {L.name: 1 for L in model.layers if L.kind == "conv"}
    base = stage_ns(model, blocks, soc)
    info["stage_ns_before"] = {k: round(v, 1) for k, v in base.items()}
    cur = pack.bound_ns(model, blocks, soc, tiles_avail)
    info["packed"] = True
    info["est_busiest_bin_ns_before"] = None if cur is None else round(cur, 1)
    out = blocks
    if cur is not None:
        done = set()
        t0 = soc.tiles[0]
        while True:
            worst = {}
            for b in out:
                worst[b.layer] = max(worst.get(b.layer, 0.0), pack.block_cost(model, b, t0))
            cand = [(v, n) for n, v in worst.items() if n not in done and
                    model.tensors[model.layer_by_name[n].output].h > reps[n]]
            if not cand:
                break
            lt, n = max(cand)
            trial = dict(reps)
            trial[n] += 1
            tb = expand(model, blocks, trial)
            nb = pack.bound_ns(model, tb, soc, tiles_avail)
            # better, or as good when this layer's block is (one of) the busiest bin(s)
            if nb is not None and (nb < cur * 0.999 or (nb <= cur * 1.000001 and
                                                        lt >= cur * 0.999)):
                reps, cur, out = trial, nb, tb
            else:
                done.add(n)
        info["est_busiest_bin_ns_after"] = round(cur, 1)
    info["replicas"] = {n: r for n, r in reps.items() if r > 1}
    info["spare_tiles"] = 0
    info["spare_columns"] = tiles_avail * pack.geometry(soc)[1] - sum(b.cols for b in out)
    info["stage_ns_after"] = {k: round(v, 1) for k, v in stage_ns(model, out, soc).items()}
    return out, info


def run(model, blocks, soc, tiles_avail, mode, policy, pack="none"):
    info = {"pass": "replicate", "mode": mode, "policy": policy, "replicas": {}}
    if mode == "throughput" and policy != "none" and pack != "none" and \
            len(blocks) > tiles_avail:
        return run_packed(model, blocks, soc, tiles_avail, info)
    if mode != "throughput" or policy == "none" or len(blocks) >= tiles_avail:
        info["spare_tiles"] = max(0, tiles_avail - len(blocks))
        info["stage_ns_before"] = info["stage_ns_after"] = \
            {k: round(v, 1) for k, v in stage_ns(model, blocks, soc).items()}
        return blocks, info
    reps = {L.name: 1 for L in model.layers if L.kind == "conv"}
    per_rep = {}
    for b in blocks:
        per_rep[b.layer] = per_rep.get(b.layer, 0) + 1
    spare = tiles_avail - len(blocks)
    base = stage_ns(model, blocks, soc)
    info["stage_ns_before"] = {k: round(v, 1) for k, v in base.items()}
    while True:
        cand = [(base[n] / reps[n], n) for n in reps
                if per_rep[n] <= spare and model.tensors[model.layer_by_name[n].output].h > reps[n]]
        if not cand:
            break
        t, n = max(cand)
        slowest = max(base[m] / reps[m] for m in reps)
        if t < slowest:
            break
        reps[n] += 1
        spare -= per_rep[n]
    out = []
    for b in blocks:
        L = model.layer_by_name[b.layer]
        r = reps[b.layer]
        oh = model.tensors[L.output].h
        for k in range(r):
            oy0, oy1 = k * oh // r, (k + 1) * oh // r
            out.append(Block(b.layer, b.rb, b.cb, k, b.c0, b.c1, b.n0, b.n1, oy0, oy1, b.rows,
                             b.nrb, w=b.w))
    info["replicas"] = {n: r for n, r in reps.items() if r > 1}
    info["spare_tiles"] = spare
    info["stage_ns_after"] = {k: round(v, 1) for k, v in stage_ns(model, out, soc).items()}
    return out, info
