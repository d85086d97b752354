"""imcc command line (docs/compiler.md). Exit status: 0 ok, 1 refused request / bad input /
bad package (one-line message on stderr), 2 usage."""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

from . import CompileError, report_transformer


def _compile_args(p):
    p.add_argument("model", help="MODEL.onnx")
    p.add_argument("-c", "--config", required=True, help="SoC YAML (configs/soc/...)")
    p.add_argument("--mode", choices=["throughput", "latency"], default="throughput")
    p.add_argument("--inputs", help="INPUTS.npz: images [N, ...] float32, optional labels [N]")
    p.add_argument("--calib", help="CALIB.npz: images for activation scales (default: inputs)")
    p.add_argument("--replicate", choices=["auto", "none"], default="auto")
    p.add_argument("--placement", choices=["hops", "naive"], default="hops")
    p.add_argument("--tiles-max", type=int, help="use at most N tiles (forces weight reloads)")
    p.add_argument("--loop", choices=["auto", "none"], default="auto",
                   help="auto: body programs LOOP over a window's inputs (copied once per "
                        "window); none: copied once per input")
    p.add_argument("--window", type=int, default=16,
                   help="throughput mode: inputs in flight per window (frame slots; default "
                        "16); a deep pipeline fills and drains once per window")
    p.add_argument("--stage", choices=["auto", "none"], default="auto",
                   help="auto: chain-mode layers stage each output row's input rows and "
                        "partial sums in the tile (per-position LOADs in-tile); none: every "
                        "position LOADs from DRAM")
    p.add_argument("--attention", choices=["auto", "host", "tiles"], default="auto",
                   help="Transformers: Q.K^T and softmax.V on the host core, on a digital "
                        "tile programmed per input, or auto (tiles when possible and cheaper)")
    p.add_argument("--pack", choices=["auto", "none"], default="auto",
                   help="auto: several crossbar blocks per tile at distinct column offsets "
                        "(MVM ROW0/COL0) when the blocks outnumber the tiles; none: one "
                        "block per tile per phase")


def cmd_compile(a, argv):
    from .compiler import compile_model
    out = a.output
    m = compile_model(a.model, a.config, out, a.mode, a.inputs, a.calib, a.replicate,
                      a.placement, a.tiles_max, argv, loops=a.loop == "auto",
                      pack_policy=a.pack, window_max=a.window,
                      stage_rows=a.stage == "auto", attention_policy=a.attention)
    ph = next(p for p in m["passes"] if p["pass"] == "reload")
    sc = next(p for p in m["passes"] if p["pass"] == "schedule")
    acc = m["accuracy"]
    print(f"imcc: {out}: {m['header']['total_size']} B, load at {m['load_addr']}, "
          f"{ph['phases']} phase(s), {ph['reloads']} reload(s), {sc['descriptors']} "
          f"descriptors, {sc['loops']['looped']} LOOP bod(ies), "
          f"{len(sc['loops']['per_input'])} per-input bod(ies), "
          f"{m['inputs']} input(s)" +
          (f", float {100 * acc['float']:.2f} % int8 {100 * acc['int8']:.2f} %" if acc else ""))
    return 0


def cmd_check(a):
    from . import soc as soc_mod
    from .backend import emulate, package
    soc = soc_mod.load(a.config) if a.config else None
    pkg = package.read(a.package, soc)
    h = pkg.h
    n = h["n_inputs"] if a.limit is None else min(a.limit, h["n_inputs"])
    em = emulate.Emulator(pkg)
    outs = em.run(n)
    exp_raw = pkg.section("EXPECTED")[0]
    dt = "<i4" if h["out_elem_size"] == 4 else np.int8
    match = 0
    for i, o in enumerate(outs):
        e = np.frombuffer(exp_raw, dt, h["out_elems"], i * h["out_stride"])
        match += bool(np.array_equal(o, e))
    msg = (f"imcc check: {a.package}: ok ({h['total_size']} B, {h['n_programs']} programs, "
           f"{h['n_phases']} phase(s)); emulated {n} input(s): {match}/{n} equal the int8 "
           f"reference; {em.stats['descriptors']} descriptors, {em.stats['mvm_vectors']} MVM "
           "vectors")
    print(msg)
    if match != n:
        print(f"imcc check: {a.package}: {n - match} output(s) differ from the reference",
              file=sys.stderr)
        return 1
    return 0


def report_rows(dirs):
    rows = []
    for d in dirs:
        man = None
        for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if f.endswith(".pkg.json"):
                with open(os.path.join(d, f)) as fh:
                    man = json.load(fh)
        if man is None:
            raise CompileError(f"{d}: no *.pkg.json manifest")
        r = {"run": d, "model": os.path.basename(man["model"]), "mode": man["mode"],
             "tiles": man["soc"]["n_tiles"], "inputs": man["inputs"]}
        for p in man["passes"]:
            if p["pass"] == "reload":
                r["phases"], r["reloads"] = p["phases"], p["reloads"]
            if p["pass"] == "schedule":
                r["est_ns/input"] = p["est_ns_per_input_pipelined"]
            if p["pass"] == "partition":
                r["util"] = p["array_utilisation"]
        report_transformer.manifest_rows(man, r)
        for k, v in man.get("accuracy", {}).items():
            r[f"acc_{k}"] = round(100 * v, 2)
        r["compile_s"] = man["compile_time_s"]
        res = None
        if os.path.exists(os.path.join(d, "report.json")):
            with open(os.path.join(d, "report.json")) as fh:
                res = json.load(fh)
        elif os.path.exists(os.path.join(d, "stats.json")):
            res = vp_results(d)
        if res:
            res.pop("imcvp_cmd", None)
            split = res.pop("energy_split_pct", {})
            r.update(res)
            r["energy_top"] = ", ".join(f"{k} {v} %" for k, v in sorted(
                split.items(), key=lambda kv: -kv[1])[:3])
        rows.append(r)
    return rows


def cmd_report(a):
    rows = report_rows(a.outdirs)
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    if len(rows) == 1:
        w = max(len(k) for k in keys)
        for k in keys:
            print(f"{k:<{w}}  {rows[0][k]}")
        return 0
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(str(r.get(k, "")) for k in keys))
    return 0


# imcrt's exit codes (firmware/apps/imcrt/main.c, docs/compiler.md "Runtime (imcrt)")
IMCRT_EXIT = {2: "no package at the load address", 3: "unsupported package version/address",
              4: "corrupt package", 5: "package compiled for another SoC",
              6: "a descriptor failed on a tile", 7: "out of TCM", 8: "bad shard descriptor"}
ENERGY_PARTS = ["core", "host_bus", "noc_router", "noc_link", "dram", "imc_array", "dac", "adc",
                "digital_periphery", "buffers", "programming"]


def vp_results(outdir):
    """The measured results of an `imcvp run ... imcrt.elf` in OUTDIR (stats.json, run.json):
    what imcrt reported, and per inference over its ROI 1 (the whole package run, programming
    included): energy by component, MACs, TOPS/W, tile utilisation, NoC share."""
    with open(os.path.join(outdir, "stats.json")) as f:
        st = json.load(f)
    fw = {k: v["value"] for k, v in st.get("firmware", {}).items()}
    n = int(fw.get("inputs", 0))
    r = {"vp_inputs": n, "int8ref_match": int(fw.get("int8ref_match", 0))}
    if "accuracy_x100" in fw:
        r["acc_vp"] = fw["accuracy_x100"] / 100
    for k in ("ns_per_input", "latency_ns", "window", "phases"):
        if k in fw:
            r[k] = int(fw[k])
    if "throughput_x100" in fw:
        r["inputs_per_s"] = round(fw["throughput_x100"] / 100, 1)
    report_transformer.vp_rows(fw, n, r)
    roi = next((x for x in st.get("roi", []) if x["id"] == 1), None)
    if roi and n:
        d = {k: v["value"] for k, v in roi["delta"].items()}
        dur = roi["duration_ns"]
        tot = d.get("energy.total", 0.0)
        r["uj_per_input"] = round(tot / n / 1e6, 3)
        r["energy_split_pct"] = {p: round(100 * d.get("energy." + p, 0.0) / tot, 2)
                                 for p in ENERGY_PARTS if tot and d.get("energy." + p, 0.0)}
        macs = sum(v for k, v in d.items() if k.startswith("soc.tile") and k.endswith(".macs"))
        r["macs_per_input"] = int(macs // n)
        tile_e = sum(d.get("energy." + p, 0.0) for p in
                     ("imc_array", "dac", "adc", "digital_periphery", "buffers", "programming"))
        r["tops_per_w"] = round(2 * macs / tot, 5) if tot else 0.0   # ops/pJ = TOPS/W
        r["tops_per_w_tiles"] = round(2 * macs / tile_e, 3) if tile_e else 0.0
        busy = [v for k, v in d.items() if k.startswith("soc.tile") and k.endswith(".busy_time")]
        used = [b for b in busy if b > 0]
        r["tile_util_pct"] = round(100 * sum(used) / (len(used) * dur), 2) if used else 0.0
        r["tiles_used"] = len(used)
        noc = d.get("energy.noc_router", 0.0) + d.get("energy.noc_link", 0.0)
        r["noc_energy_pct"] = round(100 * noc / tot, 2) if tot else 0.0
        r["noc_flits_per_input"] = int(d.get("soc.noc.flits", 0) // n)
        if "soc.cpu.instructions" in d:
            r["host_instr/input"] = int(d["soc.cpu.instructions"] // n)
        if "soc.cpu.wfi_time" in d and dur:
            r["host_busy_pct"] = round(100 * max(0.0, dur - d["soc.cpu.wfi_time"]) / dur, 2)
    rj = os.path.join(outdir, "run.json")
    if os.path.exists(rj):
        with open(rj) as f:
            run = json.load(f)
        wall = run.get("host_wall_seconds", 0.0)
        r["sim_wall_s"] = round(wall, 2)
        # Simulation speed: inputs per host second (a sharded run: over the parallel phase's
        # wall time) and host microseconds per simulated MVM vector.
        r["images_per_s"] = round(run.get("images_per_s", n / wall if wall > 0 else 0.0), 3)
        if "host_us_per_mvm" in run:
            r["host_us_per_mvm"] = round(run["host_us_per_mvm"], 2)
        if "shards" in run:
            r["shards"] = run["shards"]
    return r


def _age_overlay(config, age_s, outdir):
    """OUTDIR/age.yaml: the SoC's tile list with nonideal.extra_age_s = AGE on every tile
    (a later -c replaces the list; --set cannot address list elements)."""
    import yaml
    with open(config) as f:
        tiles = (yaml.safe_load(f) or {}).get("tiles")
    if not tiles:
        raise CompileError(f"{config}: --age needs an explicit tiles list")
    for t in tiles:
        t.setdefault("nonideal", {})["extra_age_s"] = float(age_s)
    path = os.path.join(outdir, "age.yaml")
    with open(path, "w") as f:
        f.write(f"# imcc run --age {age_s}: every tile of {config} aged by {age_s} s\n")
        yaml.safe_dump({"tiles": tiles}, f, sort_keys=False)
    return path


def cmd_run(a, argv):
    from . import runner
    from .compiler import compile_model
    if a.jobs < 1:
        raise CompileError(f"--jobs {a.jobs}: must be at least 1")
    build = os.environ.get("IMCVP_BUILD", "build")
    imcvp = os.path.join(build, "imcvp")
    elf = os.path.join(build, "firmware", "bin", "imcrt.elf")
    for p in (imcvp, elf):
        if not os.path.exists(p):
            raise CompileError(f"{p}: not found (build imcvp and the imcrt firmware; "
                               "IMCVP_BUILD names the build directory)")
    os.makedirs(a.outdir, exist_ok=True)
    if a.test_set:  # the whole test split (docs/compiler.md, "Running at scale")
        a.inputs = runner.test_set(a.test_set, a.limit, a.outdir)
    elif a.limit is not None and a.inputs:
        a.inputs = runner.limit_inputs(a.inputs, a.limit, a.outdir)
    for stale in ("outputs.bin", "outputs.npy", "report.json", "shards.json", "stats.json",
                  "run.json"):
        if os.path.exists(os.path.join(a.outdir, stale)):
            os.remove(os.path.join(a.outdir, stale))
    pkg = os.path.join(a.outdir, os.path.splitext(os.path.basename(a.model))[0] + ".pkg")
    m = compile_model(a.model, a.config, pkg, a.mode, a.inputs, a.calib, a.replicate,
                      a.placement, a.tiles_max, argv, loops=a.loop == "auto",
                      pack_policy=a.pack, window_max=a.window,
                      stage_rows=a.stage == "auto", attention_policy=a.attention)
    cmd = [imcvp, "run", "-q", "-c", a.config, "-d", a.outdir, "--semihosting-fs",
           os.path.abspath(a.outdir), "--load", f"{pkg}@{m['load_addr']}"]
    if a.age is not None:
        cmd[5:5] = ["-c", _age_overlay(a.config, a.age, a.outdir)]
    for s in a.set or []:
        cmd += ["--set", s]
    cmd.append(elf)
    if a.jobs > 1 or a.slurm:  # shards over GNU parallel or a Slurm array (runner.py)
        d = cmd.index("-d")  # the shards get their own -d, --semihosting-fs and --load
        base = cmd[:d] + cmd[d + 6:]
        if runner.run_sharded(a, m, pkg, base, argv) is None:
            return 0
        return _report(a.outdir, " ".join(cmd))
    print("imcc run:", " ".join(cmd), flush=True)
    with open(os.path.join(a.outdir, "imcrt.log"), "w") as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
    with open(os.path.join(a.outdir, "imcrt.log")) as log:
        text = log.read()
    sys.stdout.write("".join(l + "\n" for l in text.splitlines() if l.startswith("imcrt:")))
    if rc != 0:
        why = IMCRT_EXIT.get(rc, "see " + os.path.join(a.outdir, "imcrt.log"))
        raise CompileError(f"imcvp run exited with {rc} ({why})")
    h = m["header"]
    raw = os.path.join(a.outdir, "outputs.bin")
    if not os.path.exists(raw):
        raise CompileError(f"{raw}: imcrt wrote no outputs (imcvp without --semihosting-fs?)")
    dt = "<i4" if h["out_elem_size"] == 4 else np.int8
    with open(raw, "rb") as f:
        b = f.read()
    if len(b) < h["n_inputs"] * h["out_stride"]:
        raise CompileError(f"{raw}: {len(b)} bytes, expected {h['n_inputs'] * h['out_stride']}")
    o = np.stack([np.frombuffer(b, dt, h["out_elems"], i * h["out_stride"])
                  for i in range(h["n_inputs"])]) if h["n_inputs"] else np.zeros((0,), dt)
    np.save(os.path.join(a.outdir, "outputs.npy"), o)
    return _report(a.outdir, " ".join(cmd))


def _report(outdir, imcvp_cmd):
    res = vp_results(outdir)
    res["imcvp_cmd"] = imcvp_cmd
    with open(os.path.join(outdir, "report.json"), "w") as f:
        json.dump(res, f, indent=1)
    return cmd_report(argparse.Namespace(outdirs=[outdir]))


def cmd_merge(a):
    from . import runner
    runner.merge(a.outdir)
    return _report(a.outdir, "(merged shards)")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="imcc", description="compile ONNX models onto imcvp tiles")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("compile", help="MODEL.onnx -> PKG + PKG.json")
    _compile_args(p)
    p.add_argument("-o", "--output", required=True, help="PKG")
    p = sub.add_parser("check", help="validate PKG as the runtime does, emulate, compare")
    p.add_argument("package")
    p.add_argument("-c", "--config", help="refuse a package built for another SoC")
    p.add_argument("--limit", type=int, help="emulate the first N inputs only")
    p = sub.add_parser("report", help="summary table of compile/run directories")
    p.add_argument("outdirs", nargs="+")
    p = sub.add_parser("run", help="compile + imcvp run imcrt.elf + report")
    _compile_args(p)
    p.add_argument("-d", "--outdir", default="out/imcc")
    p.add_argument("--age", type=float, metavar="SECONDS",
                   help="age every tile by SECONDS since programming (analog drift)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="passed to imcvp run --set (e.g. an analog tile's age)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="shard the inputs over N imcvp processes (GNU parallel) and merge")
    p.add_argument("--slurm", action="store_true",
                   help="write a Slurm array job (one task per shard of --jobs) and its merge "
                        "step instead of running")
    p.add_argument("--slurm-partition", help="#SBATCH --partition")
    p.add_argument("--slurm-time", help="#SBATCH --time per shard")
    p.add_argument("--test-set", choices=["fashion"],
                   help="inputs: the whole Fashion-MNIST test set (Debian dataset-fashion-mnist)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N inputs")
    p = sub.add_parser("merge", help="merge the shards of an imcc run --jobs/--slurm OUTDIR")
    p.add_argument("outdir")
    a = ap.parse_args(argv)
    try:
        if a.cmd == "compile":
            return cmd_compile(a, argv)
        if a.cmd == "check":
            return cmd_check(a)
        if a.cmd == "report":
            return cmd_report(a)
        if a.cmd == "merge":
            return cmd_merge(a)
        return cmd_run(a, argv)
    except CompileError as e:
        print(f"imcc: error: {e}", file=sys.stderr)
        return 1
