"""Shared cost model: time and energy estimates of descriptors on a tile (docs/imc-model.md
latencies and energies with the tile's parameters; DMA at dma_bytes_per_ns plus setup; NoC
latency ~ NOC_NS_PER_HOP per hop)."""
NOC_NS_PER_HOP = 2.0
HOST_NS_PER_ELEM = {"softmax": 40.0, "argmax": 3.0}


import math

# Technology-node scaling, the same table as models/common/tech_scaling.cpp (docs/imc-model.md,
# "Technology node"): Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS
# device performance from 180 nm to 7 nm", Integration 58, 2017; per node (nm): nominal VDD,
# delay cubic and energy quadratic in VDD (45/32 nm: HP rows).
_TECH = [
    (180, 1.8, (0, 97.09, -356.7, 406.5), (0, 24.64, -17.98)),
    (130, 1.3, (-76.65, 334.9, -493.4, 275.8), (7.171, -6.709, 2.904)),
    (90, 1.2, (-60.34, 262.5, -384.2, 210.9), (4.762, -4.781, 2.092)),
    (65, 1.1, (-53.3, 230.4, -333.9, 178.6), (3.755, -4.398, 1.975)),
    (45, 1.0, (-501.6, 1567, -1619, 566.1), (1.018, -0.3107, 0.1539)),
    (32, 0.9, (-1047, 2982, -2797, 873.5), (0.8367, -0.4341, 0.1701)),
    (20, 0.9, (0, 34.63, -66.37, 41.15), (0.373, -0.1582, 0.04104)),
    (16, 0.85, (0, 24.8, -47.52, 28.87), (0.2958, -0.1241, 0.03024)),
    (14, 0.8, (-40.66, 109.2, -100.6, 35.92), (0.2363, -0.09675, 0.02239)),
    (10, 0.75, (-34.95, 93.65, -85.99, 30.4), (0.2068, -0.09311, 0.02375)),
    (7, 0.7, (-28.58, 76.6, -70.26, 24.69), (0.1776, -0.09097, 0.02447)),
]


def _figures(node):
    """(delay, energy) factors at node (nm): the fits at nominal VDD, log-log interpolated."""
    def ev(row):
        _, v, d, e = row
        return (((d[0] * v + d[1]) * v + d[2]) * v + d[3], (e[0] * v + e[1]) * v + e[2])
    if not 7 <= node <= 180:
        raise ValueError(f"technology node {node} nm is outside the scaling table [7, 180] nm")
    for i, row in enumerate(_TECH):
        if node == row[0]:
            return ev(row)
        nxt = _TECH[i + 1] if i + 1 < len(_TECH) else None
        if nxt and nxt[0] < node < row[0]:
            a, b = ev(row), ev(nxt)
            f = math.log(node / row[0]) / math.log(nxt[0] / row[0])
            return tuple(math.exp(math.log(x) + (math.log(y) - math.log(x)) * f)
                         for x, y in zip(a, b))
    raise ValueError(f"technology node {node} nm")


def energy_scale(frm, to):
    return _figures(to)[1] / _figures(frm)[1]


def delay_scale(frm, to):
    return _figures(to)[0] / _figures(frm)[0]


def _g(t, sec, key, default):
    return t.get(sec, {}).get(key, default)


def _node(t):
    return _g(t, "area", "node_nm", 14.0)


def _clock(t):
    """Clock periods are given at area.clock_node_nm (imcvp's at_node())."""
    return delay_scale(_g(t, "area", "clock_node_nm", 14.0), _node(t))


def adc_node_factor(bits, frm, to):
    """imcvp's adc_node_factor(): Murmann's two regimes, the digital energy scaling up to 9
    bits (technology-limited), none from 11 bits (thermal-noise-limited), geometric in
    between."""
    w = min(max((11.0 - bits) / 2.0, 0.0), 1.0)
    return 1.0 if w == 0.0 else energy_scale(frm, to) ** w


def adc_energy_pj(t):
    """ADC energy per conversion as imcvp's adc_energy_pj() on at_node()'s configuration:
    Walden (x2 per bit from ref_bits) or constant; bits 0 (ideal) is charged as ref_bits;
    energy_pj given at adc.node_nm, scaled to area.node_nm by adc_node_factor()."""
    a = t["adc"]
    ref = a.get("ref_bits", 8)
    bits = a.get("bits", 8) or ref
    e = a["energy_pj"] * adc_node_factor(bits, a.get("node_nm", 14.0), _node(t))
    if a.get("energy_model", "walden") == "constant":
        return e
    return e * 2.0 ** (bits - ref)


def bit_planes(t, signed=True):
    """Bit-serial input planes (imcvp's bit_planes()): the magnitude bits, input_bits for
    unsigned inputs, max(1, input_bits - 1) for signed ones (the sign is the drive polarity)."""
    b = t["input_bits"]
    return b if not signed else max(1, b - 1)


def weight_slices(t):
    """Bit-sliced weights (imcvp's TileConfig::weight_slices()): S = ceil((weight_bits - 1) /
    device.bits_per_cell) slices per weight magnitude, 1 when bits_per_cell is 0 (one
    multi-level device) or the tile is digital."""
    if t.get("kind", "analog") == "digital":
        return 1
    m = max(1, t.get("weight_bits", 8) - 1)
    b = t.get("device", {}).get("bits_per_cell", 0) or m
    b = min(b, m)
    return -(-m // b)


def converted_slices(t):
    """Conversions per weight column and input phase (imcvp's analog_mvm_cost()): every slice
    with device.slice_readout digital (one conversion per slice, shift-add), one with analog
    (the slices' currents weighted and summed before one conversion)."""
    if t.get("device", {}).get("slice_readout", "digital") == "analog":
        return 1
    return weight_slices(t)


def _phase_bits(t, signed):
    """Bits per bit-serial input phase, at most the magnitude planes (imcvp's input_phases())."""
    planes = bit_planes(t, signed)
    return min(max(1, t["dac"].get("bits_per_phase", 1)), planes), planes


def input_phases(t, signed=True):
    """Conversion rounds per weight slice: PWM 1; bit-serial ceil(planes / bits_per_phase)."""
    if t["dac"]["mode"] == "pwm":
        return 1
    k, planes = _phase_bits(t, signed)
    return -(-planes // k)


def input_phase_steps(t, signed=True):
    """DAC steps of the input phases (imcvp's input_phase_steps()): PWM 2^input_bits - 1;
    bit-serial the sum over phases of 2^(bits of the phase) - 1."""
    if t["dac"]["mode"] == "pwm":
        return 2 ** t["input_bits"] - 1
    k, planes = _phase_bits(t, signed)
    return sum(2 ** min(k, planes - p) - 1 for p in range(0, planes, k))


def adc_conversion_ns(t):
    """SAR: conversion_ns x (bits + 1)/(ref_bits + 1); flash: conversion_ns."""
    a = t["adc"]
    ref = a.get("ref_bits", 8)
    bits = a.get("bits", 8) or ref
    if a.get("architecture", "sar") == "flash":
        return a["conversion_ns"]
    return a["conversion_ns"] * (bits + 1) / (ref + 1)


def mvm_ns(t, cols, signed=True):
    """One MVM vector, as imcvp's analog_mvm_cost()/digital_mvm_cost() time (signed: the
    input format, imcc's int8 activations; it sets the bit-serial plane count)."""
    post = t["periphery"]["postproc_ns"] * _clock(t)
    if t["kind"] == "digital":
        d = t["digital"]
        return t["input_bits"] * d["cycles_per_bit"] * d["cycle_ns"] * _clock(t) + post
    # Bit-sliced weights: every weight column is S physical columns, each converted (digital
    # slice readout) or weighted and summed into one conversion (analog slice readout).
    rounds = -(-(cols * converted_slices(t)) // t["adc"]["count"])
    if t["dac"]["mode"] == "pwm":
        return (2 ** t["input_bits"] - 1) * t["dac"]["step_ns"] + rounds * adc_conversion_ns(t) \
            + post
    if t["dac"].get("bits_per_phase", 1) <= 1:
        return bit_planes(t, signed) * (t["dac"]["step_ns"] + rounds * adc_conversion_ns(t)) \
            + post
    return input_phase_steps(t, signed) * t["dac"]["step_ns"] + \
        input_phases(t, signed) * rounds * adc_conversion_ns(t) + post


def mvm_pj(t, rows, cols, mean_abs_x=0.5, mean_abs_w=0.5):
    """Expected energy of one MVM vector with imcvp's model (docs/imc-model.md, "Energy"),
    the data-dependent parts at mean |x|/x_max = mean_abs_x and mean |w|/w_max = mean_abs_w
    (uniform data: 0.5), every input non-zero: ADC conversions (one per input bit plane
    bit-serial magnitude plane of the signed inputs) x adc_energy_pj; DAC pulses (PWM 1, bit-serial ~input_bits/2 per row) x
    dac.energy_pj; array V^2 G t_on of both polarities (ivt) or cell_energy_pj per cell;
    post-processing per column. Digital energies are scaled from their section's node to
    area.node_nm, as imcvp's at_node()."""
    p = t["periphery"]
    node = _node(t)
    post = cols * p["postproc_energy_pj"] * energy_scale(p.get("node_nm", 45.0), node)
    if t["kind"] == "digital":
        d = t["digital"]
        mac = d["mac_energy_pj"] * energy_scale(d.get("node_nm", 22.0), node)
        return rows * cols * mac * (t["input_bits"] * t["weight_bits"] / 64.0) + post
    bs = t["dac"]["mode"] != "pwm"
    b = t["input_bits"]
    slices = weight_slices(t)
    # One conversion per column, converted weight slice and input phase (signed inputs: x_max
    # below); the array energy below counts every slice's devices either way.
    conv = cols * converted_slices(t) * input_phases(t)
    dac = t["dac"]["energy_pj"] * energy_scale(t["dac"].get("node_nm", 14.0), node)
    k = t["dac"].get("bits_per_phase", 1)
    phased = bs and k > 1
    # Bit-serial pulses: ~half the bits set (k = 1); k > 1: a phase digit is non-zero with
    # probability 1 - 2^-k and lasts (2^k - 1)/2 steps on average (uniform digits).
    if phased:
        kk = _phase_bits(t, True)[0]
        pulses = rows * input_phases(t) * (1.0 - 2.0 ** -kk)
    else:
        pulses = rows * (b / 2.0 if bs else 1.0)
    if p.get("array_energy_model", "ivt") == "constant":
        arr = rows * cols * p["cell_energy_pj"]
    else:
        dv = t.get("device", {})
        gmin, gmax = dv.get("g_min_us", 0.25), dv.get("g_max_us", 25.0)
        dpw = dv.get("devices_per_weight", 2)
        # uS per weight, both polarities, every slice (a slice digit at mean_abs_w of its levels)
        g_pair = slices * dpw * (2 * gmin + mean_abs_w * (gmax - gmin))
        x_max = 2 ** (b - 1) - 1  # signed inputs (imcc's int8 activations)
        if phased:
            steps = input_phases(t) * (2 ** _phase_bits(t, True)[0] - 1) / 2.0
        else:
            steps = b / 2.0 if bs else mean_abs_x * x_max
        t_on = steps * t["dac"]["step_ns"]
        v = p.get("read_voltage_v", 0.2)
        arr = rows * cols * g_pair * v * v * t_on * 1e-3
    return conv * adc_energy_pj(t) + pulses * dac + arr + post


def dma_ns(t, nbytes, hops=0):
    p = t["periphery"]
    return p["dma_setup_ns"] + nbytes / p["dma_bytes_per_ns"] + hops * NOC_NS_PER_HOP


def program_cost(t, rows, cols):
    """(ns, pJ, write pulses per device): digital: rows x write_row_ns, bytes x energy;
    analog: every row group written and verified, verify_max_iterations pulses per device
    (an upper bound), both polarities, devices_per_weight devices each, every weight slice."""
    if t["kind"] == "digital":
        d = t["digital"]
        return rows * d["write_row_ns"], rows * cols * d["write_energy_pj_per_byte"], 1
    dv, it = t["device"], t["nonideal"]["verify_max_iterations"]
    groups = -(-rows // dv["program_rows_parallel"])
    ns = groups * it * (dv["write_pulse_ns"] + dv["verify_ns"])
    devs = rows * cols * weight_slices(t) * 2 * dv["devices_per_weight"]
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
