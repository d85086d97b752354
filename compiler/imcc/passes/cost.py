"""Shared cost model: time and energy estimates of descriptors on a tile (docs/imc-model.md
latencies and energies with the tile's parameters; DMA at dma_bytes_per_ns plus setup; NoC
latency ~ NOC_NS_PER_HOP per hop)."""
NOC_NS_PER_HOP = 2.0
HOST_NS_PER_ELEM = {"softmax": 40.0, "argmax": 3.0}


def mvm_ns(t, cols):
    if t["kind"] == "digital":
        d = t["digital"]
        return t["input_bits"] * d["cycles_per_bit"] * d["cycle_ns"] + t["periphery"]["postproc_ns"]
    steps = (2 ** t["input_bits"] - 1) if t["dac"]["mode"] == "pwm" else t["input_bits"]
    return steps * t["dac"]["step_ns"] + -(-cols // t["adc"]["count"]) * \
        t["adc"]["conversion_ns"] + t["periphery"]["postproc_ns"]


def mvm_pj(t, rows, cols):
    p = t["periphery"]
    if t["kind"] == "digital":
        return rows * cols * t["digital"]["mac_energy_pj"] + cols * p["postproc_energy_pj"]
    return rows * t["dac"]["energy_pj"] + rows * cols * p["cell_energy_pj"] + \
        cols * t["adc"]["energy_pj"] + cols * p["postproc_energy_pj"]


def dma_ns(t, nbytes, hops=0):
    p = t["periphery"]
    return p["dma_setup_ns"] + nbytes / p["dma_bytes_per_ns"] + hops * NOC_NS_PER_HOP


def program_cost(t, rows, cols):
    """(ns, pJ, write pulses per device): digital: rows x write_row_ns, bytes x energy;
    analog: every row group written and verified, verify_max_iterations pulses per device
    (an upper bound), both polarities, devices_per_weight devices each."""
    if t["kind"] == "digital":
        d = t["digital"]
        return rows * d["write_row_ns"], rows * cols * d["write_energy_pj_per_byte"], 1
    dv, it = t["device"], t["nonideal"]["verify_max_iterations"]
    groups = -(-rows // dv["program_rows_parallel"])
    ns = groups * it * (dv["write_pulse_ns"] + dv["verify_ns"])
    devs = rows * cols * 2 * dv["devices_per_weight"]
    pj = devs * it * (dv["write_pulse_energy_pj"] + dv["verify_energy_pj"])
    return ns, pj, it


# Host layers (segment pass; docs/transformers.md): imcrt's integer kernels
# (firmware/apps/imcrt/hostops.c) on the ISS with its default timing (cpu.clock_mhz 1000 and
# the per-class cycle counts of docs/config-reference.md), each operand copied from DRAM into
# TCM and the result back with 32-bit accesses. ns per unit (a MAC for matmul, an element
# otherwise) MEASURED on the VP: the 2-layer, width-64, 16-token encoder on imc16-digital
# (models/onnx/transformer_fashion.onnx, 256 inputs), firmware.host_<op>_us / units
# (docs/transformers.md, "Measured"). The DRAM round trips dominate the element-wise kernels
# (a GELU LUT lookup is ~6 instructions).
# Energy: instructions x cpu.energy_per_inst_pj (10 pJ, the config default) with the measured
# ~2.6 ns per instruction of those kernels (33.8 M instructions in 88 ms of host steps).
HOST_NS_PER_UNIT = {"matmul": 29.3, "layernorm": 211.0, "softmax": 165.0, "gelu": 75.0,
                    "permute": 67.0}
HOST_NS_PER_INSN = 2.6
HOST_PJ_PER_INSN = 10.0


def host_units(model, L):
    """Work units of a host layer: MACs (matmul) or elements."""
    p = L.attrs
    if L.host_op == "matmul":
        return p["batch"] * p["M"] * p["K"] * p["N"]
    o = model.tensors[L.output]
    return o.h * o.w * o.c


def host_layer_cost(model, L):
    ns = HOST_NS_PER_UNIT[L.host_op] * host_units(model, L)
    nbytes = sum(model.tensors[i].nbytes for i in L.inputs) + model.tensors[L.output].nbytes
    return {"ns": ns, "pj": ns / HOST_NS_PER_INSN * HOST_PJ_PER_INSN, "bytes": nbytes}


def host_layers_report(model, sched, sinfo):
    """Manifest entry of the host pass for a segmented model: each host layer's estimated time,
    energy and bytes moved (host <-> DRAM), and per segment the tile stage's estimate."""
    layers, per_seg = [], {}
    busy = sinfo.get("tile_busy_ns_per_input", {})
    for L in model.layers:
        if L.kind != "host":
            continue
        c = host_layer_cost(model, L)
        layers.append({"layer": L.name, "op": L.host_op, "segment": L.segment,
                       "units": host_units(model, L), "est_ns": round(c["ns"], 1),
                       "est_uj": round(c["pj"] * 1e-6, 4), "dram_bytes": c["bytes"]})
        s = per_seg.setdefault(L.segment, {"host_ns": 0.0, "host_uj": 0.0})
        s["host_ns"] += c["ns"]
        s["host_uj"] += c["pj"] * 1e-6
    nseg = max(L.segment for L in model.layers) + 1
    segs = []
    for s in range(nseg):
        tile_ns = max([v for k, v in busy.items() if k.startswith(f"p{s}.")] or [0.0])
        h = per_seg.get(s, {"host_ns": 0.0, "host_uj": 0.0})
        segs.append({"segment": s, "tile_est_ns": round(tile_ns, 1),
                     "host_est_ns": round(h["host_ns"], 1), "host_est_uj": round(h["host_uj"], 4)})
    att = [x for x in layers if x["op"] in ("matmul", "softmax", "permute")]
    return {"host_layers": layers, "segments": segs,
            "attention_host_est_ns": round(sum(x["est_ns"] for x in att), 1),
            "host_est_ns_total": round(sum(x["est_ns"] for x in layers), 1),
            "tile_est_ns_total": round(sum(x["tile_est_ns"] for x in segs), 1)}
