"""reload: when the blocks do not fit the tiles (the SoC's, or --tiles-max), split the program
into phases of at most T blocks (one block per tile per phase), in layer order. Between phases
the tiles are reprogrammed from DRAM (PROGRAM descriptors). Activations and partial sums go
through DRAM anyway, so a phase boundary may fall anywhere, even inside a layer's row chain.
Each window of B inputs runs through every phase, so a multi-phase program reprograms
n_phases x ceil(N / B) times; a single phase programs once.
Cost model: programming time per phase = max over its tiles of (weight DMA + array write),
energy = sum (docs/imc-model.md PROGRAM; analog: verify_max_iterations pulses per device, an
upper bound); endurance consumed = programmings of a tile x pulses per device /
endurance_writes (analog; SRAM: unlimited).
With packing (pack pass) the unit is a bin (a tile's packed image, several blocks): phases of
at most T bins, in order; a bin is programmed with one PROGRAM of its packed image.
Models with host layers (segment pass): one phase per tile stage, all bins resident on distinct
tiles, programmed once (no reloads); more bins than tiles is refused."""
from .. import CompileError
from ..ir import Phase
from . import cost


def image(bl):
    """(rows, cols) of a bin's packed image."""
    return max(b.row0 + b.rows for b in bl), max(b.col0 + b.cols for b in bl)


def run(model, blocks, soc, tiles_avail, n_inputs, window, bins=None):
    T = tiles_avail
    if bins is None:
        bins = [[i] for i in range(len(blocks))]
    phases, pbins = [], []
    resident = getattr(model, "segmented", False)
    if resident:   # segment pass: a phase per tile stage, every bin on its own tile
        if len(bins) > T:
            raise CompileError(
                f"{len(bins)} weight blocks do not fit {T} tiles: a model with host layers "
                "between tile stages (layer norm, softmax, attention) keeps all its weights "
                "resident (give more tiles or a smaller model)")
        nseg = max(L.segment for L in model.layers) + 1
        for s in range(nseg):
            grp = [g for g in bins if model.layer_by_name[blocks[g[0]].layer].segment == s]
            phases.append([blocks[i] for g in grp for i in g])
            pbins.append([[blocks[i] for i in g] for g in grp])
    else:
        for k in range(0, len(bins), T):
            grp = bins[k:k + T]
            phases.append([blocks[i] for g in grp for i in g])
            pbins.append([[blocks[i] for i in g] for g in grp])
    if not phases:
        phases, pbins = [[]], [[]]
    for p, bl in enumerate(phases):
        for b in bl:
            b.phase = p
    n_windows = -(-n_inputs // window) if n_inputs else 1
    programmings = len(phases) * n_windows if len(phases) > 1 and not resident else 1
    t = soc.tiles[0]
    prog_ns = prog_pj = 0.0
    pulses = 0
    per_phase = []
    for bl, gs in zip(phases, pbins):
        ims = [image(g) for g in gs]
        ns = max([cost.program_cost(t, r, c)[0] + cost.dma_ns(t, r * c) for r, c in ims] or [0])
        pj = sum(cost.program_cost(t, r, c)[1] for r, c in ims)
        pulses = max([cost.program_cost(t, r, c)[2] for r, c in ims] or [0])
        per_phase.append({"blocks": len(bl), "tiles": len(gs), "program_ns": round(ns, 1),
                          "program_uj": round(pj * 1e-6, 3)})
        prog_ns += ns
        prog_pj += pj
    reps = programmings // len(phases) if len(phases) > 1 and not resident else 1
    info = {"pass": "reload", "tiles_available": T, "phases": len(phases),
            "resident": resident or len(phases) == 1,
            "window": window, "windows": n_windows,
            "reloads": (programmings - 1) if len(phases) > 1 and not resident else 0,
            "programmings_per_tile": reps * (1 if len(phases) == 1 else 1),
            "per_phase": per_phase,
            "program_time_ns_total": round(prog_ns * reps, 1),
            "program_energy_uj_total": round(prog_pj * reps * 1e-6, 3)}
    if t["kind"] == "analog":
        max_on_tile = 1 if resident else reps * len(phases)  # one block per tile per phase
        info["endurance_consumed"] = max_on_tile * pulses / float(t["device"]["endurance_writes"])
        info["endurance_note"] = ("upper bound: verify_max_iterations pulses per device per "
                                  "programming")
    else:
        info["endurance_consumed"] = 0.0
        info["endurance_note"] = "SRAM: no write endurance limit"
    return [Phase(i, [], bl) for i, bl in enumerate(phases)], info
