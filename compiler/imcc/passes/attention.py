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
    return info


def assign_tile(model, phases, soc, tiles_avail):
    """The digital tile free of weights nearest DRAM runs every tile-mode MatMul."""
    mm = [L for L in model.layers if L.kind == "matmul"]
    if not mm:
        return None
    used = {b.tile for ph in phases for b in ph.blocks}
    free = [i for i in range(tiles_avail) if i not in used and soc.tiles[i]["kind"] == "digital"]
    if not free:
        raise CompileError(f"node '{mm[0].name}' (op MatMul): no digital tile free of weights "
                           "for attention on tiles")
    tile = min(free, key=lambda i: (soc.hops(soc.tile_nodes[i], soc.dram_node), i))
    for L in mm:
        L.attrs["tile"] = tile
    return tile
