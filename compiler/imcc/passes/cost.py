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
