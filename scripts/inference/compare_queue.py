#!/usr/bin/python3
"""Before/after table of inference runs, from their outdirs (stats.json ROI 2 and console.txt):
latency, host instructions, energy by component (dynamic energy = without the DRAM's
background/refresh), the NoC's share of the dynamic energy, tile utilisation and traffic, per
inference. Used for the host-driven `infer` vs the queue variant `infer_queue`
(docs/inference.md, "Queue variant").

  /usr/bin/python3 scripts/inference/compare_queue.py NAME=OUTDIR [NAME=OUTDIR ...]

Each OUTDIR holds stats.json and console.txt (the firmware's stdout) of one `imcvp run -d`.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


def tile_busy(outdir):
    """Per tile: ROI 2 busy time / ROI 2 duration (register-path commands and queue work)."""
    with open(os.path.join(outdir, "stats.json")) as f:
        stats = json.load(f)
    r2 = report._roi(stats, 2)
    d, dur = r2["delta"], r2["duration_ns"]
    out = {}
    for k, v in d.items():
        m = re.match(r"^soc\.tile(\d+)\.busy_time$", k)
        if m and dur:
            out[int(m.group(1))] = v["value"] / dur
    return [out[i] for i in sorted(out)], d


def main(argv):
    if not argv or any("=" not in a for a in argv):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rows = []
    for a in argv:
        name, outdir = a.split("=", 1)
        run = report.load_run(name, outdir)
        busy, d = tile_busy(outdir)
        n = run["images"]
        noc = run["energy_pj"]["noc_router"] + run["energy_pj"]["noc_link"]
        run["noc_share"] = noc / run["energy_dynamic_pj"] if run["energy_dynamic_pj"] else 0
        run["busy"] = busy
        run["reg_accesses"] = sum(v["value"] for k, v in d.items()
                                  if re.match(r"^soc\.tile\d+\.register_accesses$", k)) / n
        run["descriptors"] = sum(v["value"] for k, v in d.items()
                                 if re.match(r"^soc\.tile\d+\.queue\.descriptors$", k)) / n
        rows.append(run)
    names = [r["name"] for r in rows]
    w = max(14, max(len(x) for x in names) + 2)
    line = "%-30s" + ("%" + str(w) + "s") * len(rows)
    print(line % tuple(["per inference"] + names))
    print("-" * (30 + w * len(rows)))

    def row(label, f):
        print(line % tuple([label] + [f(r) for r in rows]))

    row("images (=int8ref)", lambda r: "%d (%s)" % (r["images"], r["exact"]))
    row("latency", lambda r: report._si(r["latency_ns"] * 1e-9, "s"))
    row("host instructions", lambda r: "%.0f" % r["instructions"])
    row("tile register accesses", lambda r: "%.1f" % r["reg_accesses"])
    row("queue descriptors run", lambda r: "%.1f" % r["descriptors"])
    row("NoC flits", lambda r: "%.0f" % r["noc_flits"])
    row("DRAM bytes", lambda r: "%.0f" % r["dram_bytes"])
    for t in range(max(len(r["busy"]) for r in rows)):
        row("tile %d busy" % t,
            lambda r, t=t: "%.1f %%" % (100 * r["busy"][t]) if t < len(r["busy"]) else "-")
    row("energy total", lambda r: report._pj(r["energy_total_pj"]))
    row("energy dynamic", lambda r: report._pj(r["energy_dynamic_pj"]))
    for c in report.COMPONENTS:
        if c == "programming" or not any(r["energy_pj"][c] for r in rows):
            continue
        row("  " + c, lambda r, c=c: report._pj(r["energy_pj"][c]))
    row("NoC share of dynamic energy", lambda r: "%.1f %%" % (100 * r["noc_share"]))
    base = rows[0]
    for r in rows[1:]:
        print("%s / %s: latency x%.2f, host instructions x%.1f, dynamic energy x%.2f" %
              (base["name"], r["name"], base["latency_ns"] / r["latency_ns"],
               base["instructions"] / r["instructions"] if r["instructions"] else 0,
               base["energy_dynamic_pj"] / r["energy_dynamic_pj"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
