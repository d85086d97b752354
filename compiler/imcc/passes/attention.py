"""attention: where attention's activation x activation products (Q.K^T and softmax.V, the
MatMuls of two activations) run (docs/transformers.md). `--attention`:

- host: on the host core (imcrt host steps, the integer kernel of reference.host_matmul).
- tiles: on a digital tile that holds no weights, programmed per input: per head, a PROGRAM
  descriptor writes the B operand (K^T, or V) from the activation frame into the array (K rows
  x N columns), a LOAD brings the head's A rows (Q, or the softmax rows), one MVM batches them
  (SIGNED | REQUANT with the layer's multiplier loaded into SCALE), a STORE writes the int8
  result. The tile's requantisation is the host kernel's, so both are bit-exact with the int8
  reference. The PROGRAM's write time and energy are the tile model's (charged per input).
  Needs a digital tile free of weights (weights are resident on one tile per block) and
  K <= the array's rows, N <= its columns, M x K <= the IN buffer, M x N <= the OUT buffer.
- auto (default): tiles when that is possible and its estimate is lower, else host.

Cost model per layer (reported for both choices, the choice marked): host = units x
cost.HOST_NS_PER_UNIT (calibrated on the VP), energy = its instructions x
cost.HOST_PJ_PER_INSN, NoC bytes = operands + result between the host and DRAM; tiles = per
head the PROGRAM (cost.program_cost + the weight DMA), the A LOAD, the MVM (cost.mvm_ns per
vector) and the STORE, each DMA with pack.DRAM_ACCESS_NS for its DRAM round trip; energy =
the PROGRAM writes + MVM energy (cost.program_cost, cost.mvm_pj); NoC bytes = B + A + result
between the tile and DRAM."""
from .. import CompileError
from . import cost
from .pack import DRAM_ACCESS_NS
from .schedule import IN_SIZE, OUT_SIZE


def tile_cost(t, p):
    bt, M, K, N = p["batch"], p["M"], p["K"], p["N"]
    prog_ns, prog_pj, _ = cost.program_cost(t, K, N)
    ns = bt * (prog_ns + cost.dma_ns(t, K * N) + cost.dma_ns(t, M * K) + M * cost.mvm_ns(t, N) +
               cost.dma_ns(t, M * N) + 3 * DRAM_ACCESS_NS) + cost.dma_ns(t, 4 * N)
    pj = bt * (prog_pj + M * cost.mvm_pj(t, K, N))
    return {"ns": ns, "pj": pj, "bytes": bt * (K * N + M * K + M * N) + 4 * N}


def fits(t, p):
    why = []
    if p["K"] > t["rows"]:
        why.append(f"K = {p['K']} > {t['rows']} array rows")
    if p["N"] > t["cols"]:
        why.append(f"N = {p['N']} > {t['cols']} array columns")
    if p["M"] * p["K"] > IN_SIZE:
        why.append(f"M x K = {p['M'] * p['K']} B > the {IN_SIZE} B IN buffer")
    if p["M"] * p["N"] > OUT_SIZE:
        why.append(f"M x N = {p['M'] * p['N']} B > the {OUT_SIZE} B OUT buffer")
    return why


def run(model, soc, tiles_avail, n_blocks, policy):
    mm = [L for L in model.layers if L.kind == "host" and L.host_op == "matmul"]
    info = {"pass": "attention", "policy": policy, "layers": []}
    if not mm:
        return info
    free = tiles_avail - n_blocks
    digital = [i for i in range(tiles_avail) if soc.tiles[i]["kind"] == "digital"]
    t = soc.tiles[digital[0]] if digital else None
    for L in mm:
        p = L.attrs
        h = cost.host_layer_cost(model, L)
        row = {"layer": L.name, "macs": p["batch"] * p["M"] * p["K"] * p["N"],
               "host": {"est_ns": round(h["ns"], 1), "est_uj": round(h["pj"] * 1e-6, 4),
                        "noc_bytes": h["bytes"]}}
        why = []
        if t is None:
            why.append("the SoC has no digital tile (programming analog arrays per input is "
                       "too slow and wears them out)")
        elif free < 1:
            why.append(f"no tile free of weights ({n_blocks} blocks on {tiles_avail} tiles)")
        else:
            why = fits(t, p)
            c = tile_cost(t, p)
            row["tiles"] = {"est_ns": round(c["ns"], 1), "est_uj": round(c["pj"] * 1e-6, 4),
                            "noc_bytes": c["bytes"]}
        if policy == "tiles" and why:
            raise CompileError(f"node '{L.name}' (op MatMul): --attention tiles: cannot run on "
                               f"a tile: {'; '.join(why)}")
        on_tiles = not why and (policy == "tiles" or
                                (policy == "auto" and row["tiles"]["est_ns"] < h["ns"]))
        row["choice"] = "tiles" if on_tiles else "host"
        if why:
            row["why_host"] = "; ".join(why)
        if on_tiles:
            L.kind = "matmul"      # a tile task (schedule.gen_matmul), tile chosen after place
        info["layers"].append(row)
    info["folded_transposes"] = fold_transposes(model)
    return info


def _root(model, n):
    t = model.tensors[n]
    return _root(model, t.alias_of) if t.alias_of else n


def _readers(model, n):
    r = _root(model, n)
    return [L for L in model.layers if any(_root(model, i) == r for i in L.inputs)]


# (operand, perm) pairs a tile MatMul reads with a strided LOAD instead of a host transpose,
# for head views [T, H, dh] of a [T, H*dh] token tensor: A = Q (perm 1,0,2: row m of head h
# = bytes h*dh.. of token m), B = K^T (perm 1,2,0: a column gather, Z = dh LOADs of one byte
# per token) or V (perm 1,0,2).
FOLD_A = {(1, 0, 2)}
FOLD_B = {(1, 0, 2), (1, 2, 0)}


def fold_transposes(model):
    """Attention on a tile reads Q, K^T and V straight from the projections' [T, D] outputs and
    writes its result straight into [T, D] (strided LOAD/STORE patterns per head), so the
    head transposes around it disappear from the host (schedule.gen_matmul)."""
    from .schedule import IN_STAGE_SIZE
    folded = []
    for L in [x for x in model.layers if x.kind == "matmul"]:
        p = L.attrs
        p["in_fold"], p["out_fold"] = [None, None], None
        for i, allowed in ((0, FOLD_A), (1, FOLD_B)):
            P = model.producer(_root(model, L.inputs[i]))
            if P is None or P.kind != "host" or P.host_op != "permute" or \
                    len(P.attrs["dims"]) != 3 or tuple(P.attrs["perm"]) not in allowed or \
                    _readers(model, P.output) != [L]:
                continue
            if i == 1 and p["K"] * p["N"] > IN_STAGE_SIZE // 2:
                continue
            p["in_fold"][i] = (tuple(P.attrs["dims"]), tuple(P.attrs["perm"]))
            L.inputs[i] = P.inputs[0]
            model.layers.remove(P)
            folded.append(P.name)
        rd = _readers(model, L.output)
        if len(rd) == 1 and rd[0].kind == "host" and rd[0].host_op == "permute" and \
                tuple(rd[0].attrs["perm"]) == (1, 0, 2) and len(rd[0].attrs["dims"]) == 3 and \
                _root(model, rd[0].inputs[0]) == L.output:
            Q = rd[0]
            p["out_fold"] = (tuple(Q.attrs["dims"]), (1, 0, 2))
            L.output = Q.output
            model.layers.remove(Q)
            folded.append(Q.name)
    if folded:
        model.layer_by_name = {x.name: x for x in model.layers}
    return folded


def assign_tile(model, phases, soc, tiles_avail):
    """The digital tile free of weights nearest DRAM runs every tile-mode MatMul."""
    mm = [L for L in model.layers if L.kind == "matmul"]
    if not mm:
        return None
    used = {b.tile for ph in phases for b in ph.blocks}
    free = [i for i in range(tiles_avail) if i not in used and soc.tiles[i]["kind"] == "digital"]
    if not free:
        raise CompileError(f"node '{mm[0].name}' (op MatMul): no digital tile free of weights "
                           "for attention on tiles after placement (the weights took the "
                           "digital tiles): use --attention host")
    tile = min(free, key=lambda i: (soc.hops(soc.tile_nodes[i], soc.dram_node), i))
    for L in mm:
        L.attrs["tile"] = tile
    return tile
