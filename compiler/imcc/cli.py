"""imcc command line (docs/compiler.md). Exit status: 0 ok, 1 refused request / bad input /
bad package (one-line message on stderr), 2 usage."""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

from . import CompileError


def _compile_args(p):
    p.add_argument("model", help="MODEL.onnx")
    p.add_argument("-c", "--config", required=True, help="SoC YAML (configs/soc/...)")
    p.add_argument("--mode", choices=["throughput", "latency"], default="throughput")
    p.add_argument("--inputs", help="INPUTS.npz: images [N, ...] float32, optional labels [N]")
    p.add_argument("--calib", help="CALIB.npz: images for activation scales (default: inputs)")
    p.add_argument("--replicate", choices=["auto", "none"], default="auto")
    p.add_argument("--placement", choices=["hops", "naive"], default="hops")
    p.add_argument("--tiles-max", type=int, help="use at most N tiles (forces weight reloads)")


def cmd_compile(a, argv):
    from .compiler import compile_model
    out = a.output
    m = compile_model(a.model, a.config, out, a.mode, a.inputs, a.calib, a.replicate,
                      a.placement, a.tiles_max, argv)
    ph = next(p for p in m["passes"] if p["pass"] == "reload")
    sc = next(p for p in m["passes"] if p["pass"] == "schedule")
    acc = m["accuracy"]
    print(f"imcc: {out}: {m['header']['total_size']} B, load at {m['load_addr']}, "
          f"{ph['phases']} phase(s), {ph['reloads']} reload(s), {sc['descriptors']} "
          f"descriptors, {m['inputs']} input(s)" +
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
        for k, v in man.get("accuracy", {}).items():
            r[f"acc_{k}"] = round(100 * v, 2)
        r["compile_s"] = man["compile_time_s"]
        sj = os.path.join(d, "run.json")
        if os.path.exists(os.path.join(d, "report.json")):
            with open(os.path.join(d, "report.json")) as fh:
                r.update(json.load(fh))
        elif os.path.exists(sj):
            r["run"] = d + " (ran)"
        rows.append(r)
    return rows


def cmd_report(a):
    rows = report_rows(a.outdirs)
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(str(r.get(k, "")) for k in keys))
    return 0


def cmd_run(a, argv):
    from .compiler import compile_model
    build = os.environ.get("IMCVP_BUILD", "build")
    imcvp = os.path.join(build, "imcvp")
    elf = os.path.join(build, "firmware", "bin", "imcrt.elf")
    for p in (imcvp, elf):
        if not os.path.exists(p):
            raise CompileError(f"{p}: not found (build imcvp and the imcrt firmware; "
                               "IMCVP_BUILD names the build directory)")
    os.makedirs(a.outdir, exist_ok=True)
    pkg = os.path.join(a.outdir, os.path.splitext(os.path.basename(a.model))[0] + ".pkg")
    m = compile_model(a.model, a.config, pkg, a.mode, a.inputs, a.calib, a.replicate,
                      a.placement, a.tiles_max, argv)
    cmd = [imcvp, "run", "-c", a.config, "-d", a.outdir, "--load",
           f"{pkg}@{m['load_addr']}", elf]
    print("imcc run:", " ".join(cmd))
    rc = subprocess.call(cmd)
    if rc != 0:
        raise CompileError(f"imcvp run exited with {rc}")
    h = m["header"]
    # outputs: dumped by the runtime into OUTDIR/outputs.bin (raw) when present
    raw = os.path.join(a.outdir, "outputs.bin")
    if os.path.exists(raw):
        dt = "<i4" if h["out_elem_size"] == 4 else np.int8
        b = open(raw, "rb").read()
        o = np.stack([np.frombuffer(b, dt, h["out_elems"], i * h["out_stride"])
                      for i in range(h["n_inputs"])])
        np.save(os.path.join(a.outdir, "outputs.npy"), o)
    return cmd_report(argparse.Namespace(outdirs=[a.outdir]))


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
    a = ap.parse_args(argv)
    try:
        if a.cmd == "compile":
            return cmd_compile(a, argv)
        if a.cmd == "check":
            return cmd_check(a)
        if a.cmd == "report":
            return cmd_report(a)
        return cmd_run(a, argv)
    except CompileError as e:
        print(f"imcc: error: {e}", file=sys.stderr)
        return 1
