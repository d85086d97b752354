"""reload: when the blocks do not fit the tiles (the SoC's, or --tiles-max), split the program
into phases of at most T blocks (one block per tile per phase), in layer order. Between phases
the tiles are reprogrammed from DRAM (PROGRAM descriptors). Activations and partial sums go
through DRAM anyway, so a phase boundary may fall anywhere, even inside a layer's row chain.
Each window of B inputs runs through every phase, so a multi-phase program reprograms
n_phases x ceil(N / B) times; a single phase programs once.
Cost model: programming time per phase = max over its tiles of (weight DMA + array write),
energy = sum (docs/imc-model.md PROGRAM; analog: verify_max_iterations pulses per device, an
upper bound); endurance consumed = programmings of a tile x pulses per device /
endurance_writes (analog; SRAM: unlimited)."""
from ..ir import Phase
from . import cost


def run(model, blocks, soc, tiles_avail, n_inputs, window):
    T = tiles_avail
    phases = []
    cur = []
    for b in blocks:
        if len(cur) == T:
            phases.append(cur)
            cur = []
        cur.append(b)
    phases.append(cur)
    for p, bl in enumerate(phases):
        for b in bl:
            b.phase = p
    n_windows = -(-n_inputs // window) if n_inputs else 1
    programmings = len(phases) * n_windows if len(phases) > 1 else 1
    t = soc.tiles[0]
    prog_ns = prog_pj = 0.0
    pulses = 0
    per_phase = []
    for bl in phases:
        ns = max([cost.program_cost(t, b.rows, b.cols)[0] + cost.dma_ns(t, b.rows * b.cols)
                  for b in bl] or [0])
        pj = sum(cost.program_cost(t, b.rows, b.cols)[1] for b in bl)
        pulses = max([cost.program_cost(t, b.rows, b.cols)[2] for b in bl] or [0])
        per_phase.append({"blocks": len(bl), "program_ns": round(ns, 1),
                          "program_uj": round(pj * 1e-6, 3)})
        prog_ns += ns
        prog_pj += pj
    reps = programmings // len(phases) if len(phases) > 1 else 1
    info = {"pass": "reload", "tiles_available": T, "phases": len(phases),
            "window": window, "windows": n_windows,
            "reloads": (programmings - 1) if len(phases) > 1 else 0,
            "programmings_per_tile": reps * (1 if len(phases) == 1 else 1),
            "per_phase": per_phase,
            "program_time_ns_total": round(prog_ns * reps, 1),
            "program_energy_uj_total": round(prog_pj * reps * 1e-6, 3)}
    if t["kind"] == "analog":
        max_on_tile = reps * len(phases)  # a tile takes one block per phase
        info["endurance_consumed"] = max_on_tile * pulses / float(t["device"]["endurance_writes"])
        info["endurance_note"] = ("upper bound: verify_max_iterations pulses per device per "
                                  "programming")
    else:
        info["endurance_consumed"] = 0.0
        info["endurance_note"] = "SRAM: no write endurance limit"
    return [Phase(i, [], bl) for i, bl in enumerate(phases)], info
