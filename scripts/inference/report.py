"""Summary of inference runs: reads each run's outdir (stats.json with ROI deltas, and
console.txt, the firmware's stdout) and prints accuracy, latency, energy by component, TOPS,
TOPS/W, programming cost, NoC/DRAM traffic and the host-baseline / IMC ratios.

ROI 1 = weight programming, ROI 2 = all test images (firmware/apps/infer/main.c).
"Dynamic" energy leaves out the DRAM's background (standby and power-down) and refresh
energy, which grows with wall time whatever the SoC does (it dominates short runs)."""
import json
import os
import re

COMPONENTS = ["core", "host_bus", "noc_router", "noc_link", "dram", "imc_array", "dac", "adc",
              "digital_periphery", "buffers", "programming"]
DRAM_STATIC = re.compile(r"^soc\.dram[^.]*\.energy_(background_\w+|powerdown|refresh)$")


def _roi(stats, rid):
    for r in stats.get("roi", []):
        if r["id"] == rid:
            return r
    return None


def _v(delta, key):
    return delta.get(key, {}).get("value", 0.0)


def load_run(name, outdir):
    with open(os.path.join(outdir, "stats.json")) as f:
        stats = json.load(f)
    con = open(os.path.join(outdir, "console.txt")).read()
    m = re.search(r": accuracy (\d+)/(\d+)", con)
    if not m:
        raise ValueError("%s: no accuracy line in %s/console.txt" % (name, outdir))
    correct, n = int(m.group(1)), int(m.group(2))
    m = re.search(r"equal to the int8 reference: (\d+)/(\d+)", con)
    exact = int(m.group(1)) if m else None
    dims = {int(k): int(r) * int(c)  # split layers print one line per block
            for k, r, c in re.findall(r": layer (\d+): (\d+)x(\d+)", con)}
    macs = sum(dims.values())
    m = re.search(r": (\d+) MACs per inference", con)  # conv/LSTM layers repeat their MVMs
    if m:
        macs = int(m.group(1))
    run = {"name": name, "images": n, "correct": correct, "accuracy": correct / n,
           "exact": exact, "macs": macs}
    r2 = _roi(stats, 2)
    d = r2["delta"]
    run["latency_ns"] = r2["duration_ns"] / n
    run["energy_pj"] = {c: _v(d, "energy." + c) / n for c in COMPONENTS}
    run["energy_total_pj"] = _v(d, "energy.total") / n
    static = sum(v["value"] for k, v in d.items() if DRAM_STATIC.match(k)) / n
    run["energy_dynamic_pj"] = run["energy_total_pj"] - static
    run["noc_flits"] = _v(d, "soc.noc.flits") / n
    run["dram_bytes"] = sum(v["value"] for k, v in d.items()
                            if re.match(r"^soc\.dram[^.]*\.bytes_(read|written)$", k)) / n
    run["instructions"] = _v(d, "soc.cpu.instructions") / n
    r1 = _roi(stats, 1)
    run["program_ns"] = r1["duration_ns"] if r1 else 0.0
    run["program_pj"] = _v(r1["delta"], "energy.total") if r1 else 0.0
    run["program_dynamic_pj"] = run["program_pj"] - (
        sum(v["value"] for k, v in r1["delta"].items() if DRAM_STATIC.match(k)) if r1 else 0)
    ops = 2.0 * macs
    run["tops"] = ops / run["latency_ns"] / 1e3 if run["latency_ns"] else 0.0
    run["tops_per_w"] = ops / run["energy_total_pj"] if run["energy_total_pj"] else 0.0
    run["tops_per_w_dynamic"] = ops / run["energy_dynamic_pj"] if run["energy_dynamic_pj"] else 0
    return run


def _si(x, unit):
    for f, p in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"),
                 (1e-6, "u"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")):
        if abs(x) >= f:
            return "%.3g %s%s" % (x / f, p, unit)
    return "%.3g %s" % (x, unit)


def _pj(x):
    return _si(x * 1e-12, "J") if x else "0"


def table(runs, python_json=None, breakdown=None):
    out = []
    if python_json:
        with open(python_json) as f:
            py = json.load(f)
        out.append("Python reference (%d test images): float %.2f %%, int8 %.2f %%"
                   % (py["images"], 100 * py["float_accuracy"], 100 * py["int8_accuracy"]))
    hdr = ("%-16s %9s %9s %11s %11s %11s %9s %9s %8s %9s"
           % ("run", "accuracy", "=int8ref", "lat/inf", "E/inf", "E/inf dyn", "TOPS",
              "TOPS/W", "NoC flit", "DRAM B"))
    out += [hdr, "-" * len(hdr)]
    for r in runs:
        ex = "-" if r["exact"] is None else "%d/%d" % (r["exact"], r["images"])
        out.append("%-16s %8.2f%% %9s %11s %11s %11s %9.3g %9.3g %8.0f %9.0f"
                   % (r["name"], 100 * r["accuracy"], ex, _si(r["latency_ns"] * 1e-9, "s"),
                      _pj(r["energy_total_pj"]), _pj(r["energy_dynamic_pj"]), r["tops"],
                      r["tops_per_w_dynamic"], r["noc_flits"], r["dram_bytes"]))
    out.append("(per inference; TOPS/W from dynamic energy = without DRAM background/refresh; "
               "=int8ref: images whose outputs equal the Python int8 reference bit for bit)")
    out.append("")
    sel = [r for r in runs if breakdown is None or r["name"] in breakdown]
    out.append("Energy per inference by component:")
    out.append("%-18s" % "component" + "".join("%18s" % r["name"][:17] for r in sel))
    for c in COMPONENTS:
        if any(r["energy_pj"][c] for r in sel):
            out.append("%-18s" % c + "".join("%18s" % _pj(r["energy_pj"][c]) for r in sel))
    out.append("%-18s" % "total" + "".join("%18s" % _pj(r["energy_total_pj"]) for r in sel))
    out.append("")
    out.append("Weight programming (ROI 1, once per deployment):")
    for r in runs:
        if r["program_ns"]:
            out.append("  %-16s %s, %s (dynamic %s)" % (r["name"], _si(r["program_ns"] * 1e-9, "s"),
                                                       _pj(r["program_pj"]),
                                                       _pj(r["program_dynamic_pj"])))
    for b in [r for r in runs if r["name"].startswith("baseline")]:
        out.append("")
        out.append("%s / IMC (> 1: IMC is better):" % b["name"])
        for r in runs:
            if r["name"].startswith("baseline"):
                continue
            out.append("  %-16s time x%.1f, energy x%.1f, dynamic energy x%.1f"
                       % (r["name"], b["latency_ns"] / r["latency_ns"],
                          b["energy_total_pj"] / r["energy_total_pj"],
                          b["energy_dynamic_pj"] / r["energy_dynamic_pj"]))
    return "\n".join(out)
