"""`imcc run` at scale (docs/compiler.md, "Running at scale"): whole test sets, inputs sharded
over several imcvp processes (GNU parallel, or a Slurm array job), and the merge of their
results into one report.

A sharded run compiles the model once (all inputs in one package), then runs K = min(--jobs,
windows) imcvp processes on the same package. Each gets a 16-byte shard descriptor loaded at
IMCRT_SHARD_ADDR (the package's load address - 4 KiB): magic 'IMCS', first input, count,
~(first ^ count). Shards start at window boundaries (imcrt refuses any other start, exit 8),
so every window is the same set of inputs as in an unsharded run; imcrt restarts each analog
tile's noise stream per window (NOISE_KEY = the window's first input) and pins the device age
(NOISE_CTRL.PIN_AGE), so an input's outputs do not depend on the shard it ran in.

Layout of OUTDIR: MODEL.pkg(.json), shards/NNN/{shard.bin, run.sh, imcrt.log, exit_code,
stats.json, run.json, outputs.bin}, then the merged stats.json, run.json, outputs.npy,
shards.json and report.json (what `imcc report OUTDIR` shows).
"""
import gzip
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import time

import numpy as np

from . import CompileError

SHARD_MAGIC = 0x53434D49  # 'IMCS'
SHARD_OFFSET = 0x1000     # below the package's load address
FASHION_DIR = "/usr/share/datasets/fashion-mnist"  # Debian dataset-fashion-mnist
TEST_SETS = ("fashion",)


# ---------------------------------------------------------------- test sets
def _idx(path):
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CompileError(f"{path}: cannot read ({e.strerror or e}); install Debian's "
                           "dataset-fashion-mnist")
    magic = struct.unpack(">I", data[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def test_set(name, limit, outdir, directory=FASHION_DIR):
    """OUTDIR/test-NAME.npz: the whole test split of NAME (or its first LIMIT images), float32
    N x 1 x 28 x 28 in [0, 1] (pixels / 255, as scripts/train/trainlib.py and the models'
    inputs), int64 labels. Returns its path."""
    if name not in TEST_SETS:
        raise CompileError(f"--test-set {name}: unknown (known: {', '.join(TEST_SETS)})")
    x = _idx(os.path.join(directory, "t10k-images-idx3-ubyte.gz"))
    y = _idx(os.path.join(directory, "t10k-labels-idx1-ubyte.gz"))
    if limit is not None:
        if limit < 1:
            raise CompileError(f"--limit {limit}: must be at least 1")
        x, y = x[:limit], y[:limit]
    path = os.path.join(outdir, f"test-{name}.npz")
    np.savez(path, images=(x.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32),
             labels=y.astype(np.int64))
    return path


def limit_inputs(path, limit, outdir):
    """OUTDIR/inputs-LIMIT.npz: the first LIMIT images (and labels) of PATH."""
    if limit < 1:
        raise CompileError(f"--limit {limit}: must be at least 1")
    z = np.load(path)
    out = os.path.join(outdir, f"inputs-{limit}.npz")
    np.savez(out, **{k: z[k][:limit] for k in z.files})
    return out


# ---------------------------------------------------------------- shards
def plan(n_inputs, window, jobs):
    """[(first, count)]: the inputs cut into K = min(jobs, windows) shards of whole windows
    (the last may end with the package's short last window), sizes differing by at most one
    window."""
    if jobs < 1:
        raise CompileError(f"--jobs {jobs}: must be at least 1")
    windows = -(-n_inputs // window)
    k = max(1, min(jobs, windows))
    out = []
    for s in range(k):
        w0, w1 = s * windows // k, (s + 1) * windows // k
        first = w0 * window
        out.append((first, min(n_inputs, w1 * window) - first))
    return out


def shard_blob(first, count):
    return struct.pack("<4I", SHARD_MAGIC, first, count, ~(first ^ count) & 0xFFFFFFFF)


def prepare(outdir, base_cmd, pkg, load_addr, shards):
    """Writes OUTDIR/shards/NNN/{shard.bin, run.sh} and OUTDIR/shards.json; returns the shard
    directories. base_cmd: the imcvp command without -d/--semihosting-fs/--load/ELF (its last
    element is the ELF)."""
    root = os.path.join(outdir, "shards")
    if os.path.isdir(root):
        shutil.rmtree(root)
    load = int(load_addr, 0)
    dirs = []
    for s, (first, count) in enumerate(shards):
        d = os.path.abspath(os.path.join(root, f"{s:03d}"))
        os.makedirs(d)
        with open(os.path.join(d, "shard.bin"), "wb") as f:
            f.write(shard_blob(first, count))
        cmd = base_cmd[:-1] + ["-d", d, "--semihosting-fs", d,
                               "--load", f"{os.path.abspath(pkg)}@{load_addr}",
                               "--load", f"{os.path.join(d, 'shard.bin')}@{load - SHARD_OFFSET:#x}",
                               os.path.abspath(base_cmd[-1])]
        with open(os.path.join(d, "run.sh"), "w") as f:
            f.write("#!/bin/bash\n"
                    f"# imcc run shard {s} of {len(shards)}: inputs {first}..{first + count - 1}\n"
                    f"cd {shlex.quote(os.getcwd())} || exit 1\n"
                    f"rm -f {shlex.quote(d)}/exit_code {shlex.quote(d)}/outputs.bin\n"
                    f"{' '.join(shlex.quote(c) for c in cmd)} > {shlex.quote(d)}/imcrt.log 2>&1\n"
                    f"rc=$?\necho $rc > {shlex.quote(d)}/exit_code\nexit $rc\n")
        os.chmod(os.path.join(d, "run.sh"), 0o755)
        dirs.append(d)
    with open(os.path.join(outdir, "shards.json"), "w") as f:
        json.dump({"package": os.path.abspath(pkg), "load": load_addr,
                   "shards": [{"dir": d, "first": a, "count": c}
                              for d, (a, c) in zip(dirs, shards)]}, f, indent=1)
    return dirs


def run_parallel(outdir, dirs, jobs):
    """Runs every shard's run.sh with GNU parallel, at most JOBS at once. Returns the wall
    time (s)."""
    parallel = shutil.which("parallel")
    if not parallel:
        raise CompileError("GNU parallel not found: install Debian's `parallel` "
                           "(scripts/install-deps)")
    cmd = [parallel, "--will-cite", "-j", str(jobs), "--halt", "never", "--joblog",
           os.path.join(outdir, "joblog"), "bash", "{}/run.sh", ":::"] + dirs
    t0 = time.monotonic()
    subprocess.call(cmd, stdin=subprocess.DEVNULL)
    return time.monotonic() - t0


def write_slurm(outdir, dirs, argv, partition=None, time_limit=None):
    """OUTDIR/run.sbatch (one array task per shard), OUTDIR/merge.sbatch (the merge, run after
    every task succeeded) and OUTDIR/submit.sh (submits both with the dependency)."""
    outdir = os.path.abspath(outdir)
    logs = os.path.join(outdir, "slurm")
    os.makedirs(logs, exist_ok=True)
    imcc = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "scripts",
                                        "imcc"))
    head = ["#!/bin/bash", f"# imcc run: {' '.join(shlex.quote(a) for a in argv)}"]
    opts = [f"#SBATCH --partition={partition}"] if partition else []
    opts += [f"#SBATCH --time={time_limit}"] if time_limit else []
    run = head + [
        f"# {len(dirs)} shards, one array task each; written by imcc run --slurm.",
        "#SBATCH --job-name=imcc-run", f"#SBATCH --array=0-{len(dirs) - 1}",
        "#SBATCH --ntasks=1", "#SBATCH --cpus-per-task=1",
        f"#SBATCH --output={logs}/%A_%a.out"] + opts + [
        "set -uo pipefail",
        ': "${SLURM_ARRAY_TASK_ID:?run this script with sbatch (job array)}"',
        f'd={shlex.quote(os.path.join(outdir, "shards"))}/$(printf %03d "$SLURM_ARRAY_TASK_ID")',
        '[[ -x "$d/run.sh" ]] || { echo "no shard for task $SLURM_ARRAY_TASK_ID" >&2; exit 2; }',
        'exec "$d/run.sh"', ""]
    merge = head + [
        "# Merge of the shards (after every array task succeeded).",
        "#SBATCH --job-name=imcc-merge", "#SBATCH --ntasks=1",
        f"#SBATCH --output={logs}/merge-%j.out"] + opts + [
        "set -euo pipefail",
        f"exec {shlex.quote(sys.executable)} {shlex.quote(imcc)} merge {shlex.quote(outdir)}",
        ""]
    submit = ["#!/bin/bash", "set -euo pipefail",
              f'jid=$(sbatch --parsable {shlex.quote(os.path.join(outdir, "run.sbatch"))})',
              f'sbatch --dependency=afterok:"$jid" {shlex.quote(os.path.join(outdir, "merge.sbatch"))}',
              ""]
    for name, lines in (("run.sbatch", run), ("merge.sbatch", merge), ("submit.sh", submit)):
        p = os.path.join(outdir, name)
        with open(p, "w") as f:
            f.write("\n".join(lines))
        os.chmod(p, 0o755)
    return os.path.join(outdir, "submit.sh")


# ---------------------------------------------------------------- merge
# How each stat of the shards' stats.json is merged (docs/compiler.md, "Running at scale").
MAX_WORDS = ("max", "peak")
MIN_WORDS = ("min",)
MEAN_WORDS = ("avg", "mean", "p99", "utilisation", "throughput", "bandwidth", "ipc",
              "energy_per_bit", "energy_pj_per_byte", "tops", "efficiency", "area",
              "size_bytes", "base", "stuck_devices", "latency")
SUM_UNITS = ("count", "B", "pJ", "ns", "cycles", "flits")
FW_SUM = ("inputs", "int8ref_match", "correct", "run_us", "program_us", "host_ns",
          "descriptors", "calibrations")
FW_SAME = ("window", "phases", "loop_bodies")


def merge_rule(path, unit):
    """'max', 'min', 'sum' or 'same' (not additive: the shards' values are kept, the merged
    value is the first shard's when all agree, else their mean)."""
    name = path.rsplit(".", 1)[-1].lower()
    if any(w in name for w in MAX_WORDS):
        return "max"
    if any(name.startswith(w) or name.endswith(w) for w in MIN_WORDS):
        return "min"
    if any(w in path.lower() for w in MEAN_WORDS):
        return "same"
    return "sum" if unit in SUM_UNITS else "same"


def _merge_tree(trees, path=""):
    t0 = trees[0]
    if isinstance(t0, dict) and "value" in t0 and "unit" in t0:
        vals = [t.get("value", 0) if isinstance(t, dict) else 0 for t in trees]
        rule = merge_rule(path, t0["unit"])
        if not all(isinstance(v, (int, float)) for v in vals):
            rule = "same"
        if rule == "sum":
            v = sum(vals)
        elif rule == "max":
            v = max(vals)
        elif rule == "min":
            v = min(vals)
        else:
            v = vals[0] if all(x == vals[0] for x in vals) else sum(vals) / len(vals)
        out = dict(t0, value=v, merge=rule)
        if rule != "sum" and len(set(map(str, vals))) > 1:
            out["per_shard"] = vals
        return out
    if isinstance(t0, dict):
        return {k: _merge_tree([t.get(k, {}) if isinstance(t, dict) else {} for t in trees],
                               f"{path}.{k}" if path else k) for k in t0}
    return t0


def merge_stats(sts):
    """The shards' stats.json trees merged (rules in merge_rule; firmware results and ROI 1
    as below)."""
    m = {k: _merge_tree([s.get(k, {}) for s in sts], k) for k in sts[0] if k not in
         ("firmware", "roi")}
    fws = [s.get("firmware", {}) for s in sts]
    fw = {}
    n = sum(f.get("inputs", {}).get("value", 0) for f in fws)
    for k in fws[0]:
        vals = [f.get(k, {}).get("value", 0) for f in fws]
        e = dict(fws[0][k])
        if k in FW_SUM:
            e["value"], e["merge"] = sum(vals), "sum"
        elif k in FW_SAME:
            e["value"], e["merge"] = vals[0], "same"
        elif k == "first_input":
            continue
        else:  # per-input figures: the mean weighted by each shard's inputs
            w = [f.get("inputs", {}).get("value", 0) for f in fws]
            e["value"] = int(round(sum(v * x for v, x in zip(vals, w)) / n)) if n else 0
            e["merge"] = "mean over inputs"
        if len(set(vals)) > 1 and e["merge"] != "sum":
            e["per_shard"] = vals
        fw[k] = e
    if "correct" in fw and n:
        fw["accuracy_x100"] = dict(fw.get("accuracy_x100", {"unit": ""}),
                                   value=(fw["correct"]["value"] * 10000 + n // 2) // n,
                                   merge="correct / inputs")
    steady = [f.get("ns_per_input", {}).get("value", 0) * f.get("inputs", {}).get("value", 0)
              for f in fws]
    if "ns_per_input" in fw and n:
        fw["ns_per_input"]["value"] = sum(steady) // n
        fw["ns_per_input"]["merge"] = "sum of the shards' steady time / inputs"
        if "throughput_x100" in fw and sum(steady):
            fw["throughput_x100"]["value"] = n * 100000000000 // sum(steady)
            fw["throughput_x100"]["merge"] = "1e11 / merged ns_per_input"
    m["firmware"] = fw
    rois = [next((r for r in s.get("roi", []) if r["id"] == 1), None) for s in sts]
    if all(rois):
        delta = {}
        for k, v in rois[0]["delta"].items():
            delta[k] = dict(v, value=sum(r["delta"].get(k, {}).get("value", 0) for r in rois))
        dur = sum(r["duration_ns"] for r in rois)
        m["roi"] = [{"id": 1, "begin_ns": 0.0, "end_ns": dur, "duration_ns": dur,
                     "delta": delta, "merge": "sum over shards"}]
    return m


def merge(outdir, wall_s=None, out_elem_size=None):
    """Merges OUTDIR/shards/* into OUTDIR/{stats.json, run.json, outputs.npy}. Raises
    CompileError naming the first shard that failed (its exit status and log)."""
    from .cli import IMCRT_EXIT
    try:
        with open(os.path.join(outdir, "shards.json")) as f:
            plan_ = json.load(f)
    except OSError:
        raise CompileError(f"{outdir}: no shards.json (not a sharded imcc run directory)")
    man = None
    for fn in sorted(os.listdir(outdir)):
        if fn.endswith(".pkg.json"):
            with open(os.path.join(outdir, fn)) as f:
                man = json.load(f)
    if man is None:
        raise CompileError(f"{outdir}: no *.pkg.json manifest")
    h = man["header"]
    sts, runs, outs = [], [], []
    dt = "<i4" if h["out_elem_size"] == 4 else np.int8
    for s, sh in enumerate(plan_["shards"]):
        d, first, count = sh["dir"], sh["first"], sh["count"]
        what = f"shard {s} (inputs {first}..{first + count - 1})"
        log = os.path.join(d, "imcrt.log")
        try:
            with open(os.path.join(d, "exit_code")) as f:
                rc = int(f.read().strip() or "-1")
        except (OSError, ValueError):
            raise CompileError(f"{what} did not finish (no exit_code); log: {log}")
        if rc != 0:
            last = ""
            if os.path.exists(log):
                with open(log, errors="replace") as f:
                    lines = [l for l in f.read().splitlines() if l.strip()]
                last = f": {lines[-1][:200]}" if lines else ""
            raise CompileError(f"{what} failed: imcvp exited with {rc} "
                               f"({IMCRT_EXIT.get(rc, 'see the log')}){last}; log: {log}")
        try:
            with open(os.path.join(d, "stats.json")) as f:
                sts.append(json.load(f))
            with open(os.path.join(d, "run.json")) as f:
                runs.append(json.load(f))
            with open(os.path.join(d, "outputs.bin"), "rb") as f:
                b = f.read()
        except OSError as e:
            raise CompileError(f"{what}: {e.filename}: missing ({e.strerror}); log: {log}")
        if len(b) != count * h["out_stride"]:
            raise CompileError(f"{what}: outputs.bin has {len(b)} bytes, expected "
                               f"{count * h['out_stride']}; log: {log}")
        outs += [np.frombuffer(b, dt, h["out_elems"], i * h["out_stride"])
                 for i in range(count)]
    np.save(os.path.join(outdir, "outputs.npy"), np.stack(outs))
    st = merge_stats(sts)
    with open(os.path.join(outdir, "stats.json"), "w") as f:
        json.dump(st, f, indent=1)
    mvms = sum(v["mvms"]["value"] for k, v in st["soc"].items()
               if k.startswith("tile") and isinstance(v, dict) and "mvms" in v)
    shard_wall = [r.get("host_wall_seconds", 0.0) for r in runs]
    n = st["firmware"].get("inputs", {}).get("value", 0)
    wall = wall_s if wall_s is not None else max(shard_wall)
    run = {"shards": len(runs), "inputs": n, "exit_code": 0,
           "sim_time_ns": sum(r.get("sim_time_ns", 0) for r in runs),
           "instructions": sum(r.get("instructions", 0) for r in runs),
           "host_wall_seconds": wall,
           "host_seconds_shards": sum(shard_wall),
           "host_wall_seconds_per_shard": shard_wall,
           "images_per_s": n / wall if wall > 0 else 0.0,
           "host_us_per_mvm": sum(shard_wall) * 1e6 / mvms if mvms else 0.0,
           "mvms": mvms, "seed": runs[0].get("seed"),
           "argv_per_shard": [r.get("argv") for r in runs]}
    with open(os.path.join(outdir, "run.json"), "w") as f:
        json.dump(run, f, indent=1)
    return run


def run_sharded(a, m, pkg, base_cmd, argv):
    """imcc run --jobs N (N > 1) or --slurm, after the compile: shards, runs, merges."""
    h = m["header"]
    shards = plan(h["n_inputs"], h["window"], a.jobs)
    dirs = prepare(a.outdir, base_cmd, pkg, m["load_addr"], shards)
    if a.slurm:
        sub = write_slurm(a.outdir, dirs, ["imcc"] + list(argv), a.slurm_partition,
                          a.slurm_time)
        print(f"imcc run: {len(dirs)} shards of {h['n_inputs']} inputs; wrote "
              f"{a.outdir}/run.sbatch (--array=0-{len(dirs) - 1}) and merge.sbatch; submit: "
              f"{sub}")
        return None
    print(f"imcc run: {len(dirs)} shards of {h['n_inputs']} inputs (window {h['window']}) on "
          f"{a.jobs} parallel job(s): {a.outdir}/shards/", flush=True)
    wall = run_parallel(a.outdir, dirs, a.jobs)
    return merge(a.outdir, wall)
