#!/usr/bin/python3
"""End-to-end test of scripts/sweep (registered with CTest by tests/sweep/CMakeLists.txt).

  test_sweep.py --imcvp BUILD/imcvp --fw-dir BUILD/firmware/bin --workdir DIR

A 4-point sweep (2 clocks x 2 DRAM models, crc32-small + dram_stream) runs under GNU
parallel; the collected CSV must have one row per point with the expected columns and values
that follow the swept parameters; a second run must skip every complete point; the Slurm
script must pass `bash -n` and name the right array range; bad specs must fail with a clear
message before anything runs. Synthetic-traffic sweeps (`mode: traffic`, `imcvp traffic`): one
curve per point with imcvp's summary (saturation, knees), curves.csv, routing labels, and
plot-sweep's latency-vs-load figure; a topology given as a config file inside a bundle axis is
not split into a series of its own. Exit 77 (CTest: skipped) without GNU parallel or PyYAML.
"""
import argparse
import csv
import json
import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SWEEP = ROOT / "scripts" / "sweep"
PLOT = ROOT / "scripts" / "plot-sweep"
ARGS = None


def sweep(*args, check=True):
    p = subprocess.run(["/usr/bin/python3", str(SWEEP), *map(str, args)], capture_output=True,
                       text=True, timeout=100)
    if check and p.returncode != 0:
        raise AssertionError(f"sweep {' '.join(map(str, args))} failed ({p.returncode}):\n"
                             f"{p.stdout}\n{p.stderr}")
    return p


class SweepTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = Path(ARGS.workdir)
        shutil.rmtree(cls.work, ignore_errors=True)
        cls.work.mkdir(parents=True)

    def write_spec(self, name, body):
        path = self.work / f"{name}.yaml"
        head = (f"name: {name}\n"
                f"imcvp: {ARGS.imcvp}\n"
                f"outdir: {self.work / ('out-' + name)}\n")
        path.write_text(head + body)
        return path

    # ----------------------------------------------------------------------------------------
    def test_end_to_end(self):
        spec = self.write_spec("small", f"""
base:
  config: [{ROOT}/configs/default.yaml]
  firmware: {ARGS.fw_dir}/crc32-small.elf
  options: [--max-time, 1s]
sweep:
  - grid:
      cpu.clock_mhz: [500, 1000]
      dram.model: [timed, plain]
    fixed:
      tiles[*].adc.bits: 6
collect:
  stats: ["energy.*", "soc.cpu.instructions"]
  stdout:
    crc: 'crc32[^\\n]*?(0x[0-9a-fA-F]+)'
""")
        out = self.work / "out-small"
        r = sweep("run", spec, "-j", "2")
        self.assertIn("all 4 runs complete", r.stdout)
        # GNU parallel ran it: its joblog has one line per point, all exit 0.
        log = (out / "joblog").read_text().splitlines()
        self.assertEqual(len(log), 5, log)
        self.assertTrue(all(l.split("\t")[6] == "0" for l in log[1:]), log)

        manifest = (out / "manifest.tsv").read_text().splitlines()
        self.assertEqual(manifest[0], "id\thash\toverrides")
        self.assertEqual(len(manifest), 5)
        self.assertIn("cpu.clock_mhz=500 dram.model=timed", manifest[1])
        # The list-entry override reached the resolved configuration of every run.
        cfg = (out / "runs" / "p0000" / "config.yaml").read_text()
        adc = re.findall(r"^ +adc:.*\n(?: +\w+: .*\n)*? +bits: (\d+)", cfg, re.M)
        self.assertEqual(adc, ["6", "6"], "tiles[*].adc.bits=6 in both tiles")

        sweep("collect", out)
        with open(out / "results.csv") as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 4)
        for col in ("id", "hash", "status", "cpu.clock_mhz", "dram.model", "tiles[*].adc.bits",
                    "run.exit_code", "run.sim_time_ns", "run.instructions",
                    "stat.soc.cpu.instructions", "stat.energy.total", "stat.energy.core"):
            self.assertIn(col, rows[0], col)
        self.assertEqual([r["id"] for r in rows], ["p0000", "p0001", "p0002", "p0003"])
        self.assertTrue(all(r["status"] == "ok" and r["run.exit_code"] == "0" for r in rows))
        by = {(r["cpu.clock_mhz"], r["dram.model"]): r for r in rows}
        # Same program: same instruction count; half the clock: about twice the time.
        insts = {r["run.instructions"] for r in rows}
        self.assertEqual(len(insts), 1, insts)
        t500 = float(by[("500", "timed")]["run.sim_time_ns"])
        t1000 = float(by[("1000", "timed")]["run.sim_time_ns"])
        self.assertAlmostEqual(t500 / t1000, 2.0, delta=0.1)
        self.assertEqual(len({r["hash"] for r in rows}), 4)
        # A value scraped from the firmware's stdout (collect.stdout): the same CRC everywhere.
        crcs = {r["out.crc"] for r in rows}
        self.assertEqual(len(crcs), 1, crcs)
        self.assertRegex(crcs.pop(), r"^0x[0-9a-f]{8}$")
        data = json.loads((out / "results.json").read_text())
        self.assertEqual(data["units"]["stat.energy.total"], "pJ")
        self.assertEqual(len(data["rows"]), 4)

        # Same spec again: every outdir is complete, nothing reruns, same hashes.
        r2 = sweep("run", spec, "-j", "2")
        self.assertIn("4 runs (4 already complete)", r2.stdout)
        self.assertEqual(r2.stdout.count("skipped"), 4, r2.stdout)
        self.assertEqual((out / "manifest.tsv").read_text().splitlines(), manifest)

        # Reproducible: an incomplete point reruns alone, and gives byte-identical stats.
        first = (out / "runs" / "p0002" / "stats.json").read_bytes()
        (out / "runs" / "p0002" / "sweep-done.json").unlink()
        r4 = sweep("run", spec, "-j", "2")
        self.assertIn("4 runs (3 already complete)", r4.stdout)
        self.assertIn("p0002: done", r4.stdout)
        self.assertEqual((out / "runs" / "p0002" / "stats.json").read_bytes(), first)

        # Slurm: one array task per manifest line.
        r3 = sweep("slurm", spec, "--max-parallel", "2", "--time", "00:10:00")
        script = out / "sweep.sbatch"
        text = script.read_text()
        self.assertIn("#SBATCH --array=0-3%2\n", text)
        self.assertIn("#SBATCH --time=00:10:00\n", text)
        self.assertIn("--array=0-3%2", r3.stdout)
        self.assertEqual(subprocess.run(["bash", "-n", str(script)]).returncode, 0)
        # A task runs its line of ids.txt (task 1 -> p0001, already complete -> skipped).
        t = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/bin:/bin", "SLURM_ARRAY_TASK_ID": "1"})
        self.assertEqual(t.returncode, 0, t.stderr)
        self.assertIn("p0001: complete", t.stdout)

    def test_failed_run_reported(self):
        # A run that ends outside accept_exit (a hang stopped by --max-time: exit 80) is reported,
        # stays incomplete (rerun next time) and shows as failed in the CSV.
        spec = self.write_spec("fail", f"""
base: {{firmware: {ARGS.fw_dir}/hang.elf, options: [--max-time, 1ms]}}
sweep:
  points:
    - name: hang
    - name: ok
      firmware: {ARGS.fw_dir}/hello.elf
""")
        r = sweep("run", spec, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("p0000-hang: FAILED with exit 80", r.stderr)
        self.assertIn("1 of 2 runs incomplete: p0000-hang", r.stderr)
        c = sweep("collect", self.work / "out-fail", check=False)
        self.assertEqual(c.returncode, 1)
        with open(self.work / "out-fail" / "results.csv") as f:
            rows = {row["id"]: row for row in csv.DictReader(f)}
        self.assertEqual(rows["p0000-hang"]["status"], "failed")
        self.assertEqual(rows["p0000-hang"]["run.exit_code"], "80")
        self.assertEqual(rows["p0001-ok"]["status"], "ok")
        r2 = sweep("run", spec, check=False)
        self.assertIn("2 runs (1 already complete)", r2.stdout)

    # ----------------------------------------------------------------------------------------
    def traffic_spec(self, name, grid, loads="0.3:0.7:0.2"):
        return self.write_spec(name, f"""
mode: traffic
base:
  config: [{ROOT}/configs/noc/booksim-iq.yaml]
  loads: "{loads}"
  options: [--warmup, "300", --measure, "1500", --drain, "3000"]
sweep:
  grid:
{grid}""")

    def test_traffic_sweep(self):
        spec = self.traffic_spec("traffic", f"""    topology: [mesh:4x4, torus:4x4, {ROOT}/configs/noc/express-mesh4x4.yaml]
    traffic.pattern: [bitcomp]
""")
        out = self.work / "out-traffic"
        r = sweep("run", spec, "-j", "2")
        self.assertIn("all 3 runs complete", r.stdout)
        sweep("collect", out)
        with open(out / "results.csv") as f:
            rows = {r["topology"]: r for r in csv.DictReader(f)}
        self.assertEqual(set(rows), {"mesh:4x4", "torus:4x4", "express-mesh4x4"})
        # Regression (issue 17): the routing label is the algorithm in use, not `xy` for all.
        self.assertEqual(rows["mesh:4x4"]["run.routing"], "xy")
        self.assertEqual(rows["torus:4x4"]["run.routing"], "xy+dateline")
        self.assertEqual(rows["express-mesh4x4"]["run.routing"], "min+updown_escape")
        self.assertEqual(rows["express-mesh4x4"]["run.topology"], "custom:16")
        # imcvp's own findings: the mesh saturates at its bit-complement bound (0.5), the
        # express mesh (minimal routing over 40 links) does not within the sweep.
        mesh, exp = rows["mesh:4x4"], rows["express-mesh4x4"]
        self.assertEqual(float(mesh["summary.saturation_offered"]), 0.7)
        self.assertLess(float(mesh["summary.saturation_throughput"]), 0.52)
        self.assertEqual(exp["summary.saturation_offered"], "")
        self.assertGreater(float(exp["summary.saturation_throughput"]), 0.68)
        self.assertLess(float(exp["summary.zero_load_latency"]),
                        float(mesh["summary.zero_load_latency"]))
        with open(out / "curves.csv") as f:
            curves = list(csv.DictReader(f))
        self.assertEqual(len(curves), 9)
        sat = {(c["topology"], c["offered"]): c["saturated"] for c in curves}
        self.assertEqual(sat[("mesh:4x4", "0.7")], "true")
        self.assertEqual(sat[("mesh:4x4", "0.3")], "false")
        doc = json.loads((out / "runs" / "p0000" / "traffic.json").read_text())
        self.assertEqual(len(doc["points"][0]["links"]), 48)  # per-link utilisation
        # Nothing reruns; a changed load range reruns everything.
        self.assertIn("3 runs (3 already complete)", sweep("run", spec, "-j", "2").stdout)
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return
        p = subprocess.run(["/usr/bin/python3", str(PLOT), str(out / "results.csv"), "-o",
                            str(out / "plots")], capture_output=True, text=True, timeout=100)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue((out / "plots" / "latency_vs_load.png").is_file())
        self.assertTrue((out / "plots" / "links_p0000.png").is_file())

    def test_traffic_vc_stats_heat_map(self):
        # Issue 17 item 5: `options: [--vc-stats]` puts per-VC link use into traffic.json and
        # plot-sweep draws it per link and VC.
        spec = self.write_spec("vcs", f"""
mode: traffic
base:
  config: [{ROOT}/configs/noc/booksim-iq.yaml]
  loads: "0.2"
  options: [--warmup, "200", --measure, "1000", --vc-stats]
sweep:
  grid:
    topology: [mesh:3x3]
""")
        out = self.work / "out-vcs"
        sweep("run", spec, "-j", "1")
        sweep("collect", out)
        doc = json.loads((out / "runs" / "p0000" / "traffic.json").read_text())
        pt = doc["points"][0]
        self.assertEqual(len(pt["link_vcs"]), 24)
        self.assertEqual(len(pt["link_vcs"][0][2]), 16)  # booksim-iq: 16 VCs
        for (a, b, u), (a2, b2, us, _) in zip(pt["links"], pt["link_vcs"]):
            self.assertEqual((a, b), (a2, b2))
            self.assertAlmostEqual(sum(us), u, places=4)
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return
        p = subprocess.run(["/usr/bin/python3", str(PLOT), str(out / "results.csv"), "-o",
                            str(out / "plots")], capture_output=True, text=True, timeout=100)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue((out / "plots" / "link_vcs_p0000.png").is_file())

    def test_plot_keeps_a_config_file_topology_in_its_bundle(self):
        # Regression (issue 17): a bundle axis whose values set the topology by keys for one
        # entry and by a config file for another made `config` look like a parameter of its
        # own: a spurious vs_config.png and the express mesh split into its own series.
        spec = self.traffic_spec("bundle", f"""    topo:
      - {{label: mesh, noc.topology: mesh, noc.size_x: 4, noc.size_y: 4}}
      - {{label: express, config: {ROOT}/configs/noc/express-mesh4x4.yaml}}
    traffic.pattern: [uniform, bitcomp]
""", loads="0.1:0.3:0.2")
        out = self.work / "out-bundle"
        sweep("run", spec, "-j", "2")
        sweep("collect", out)
        data = json.loads((out / "results.json").read_text())
        self.assertEqual(data["bundle_columns"].get("config"), "topo")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            return
        p = subprocess.run(["/usr/bin/python3", str(PLOT), str(out / "results.csv"), "-o",
                            str(out / "plots")], capture_output=True, text=True, timeout=100)
        self.assertEqual(p.returncode, 0, p.stderr)
        written = sorted(x.name for x in (out / "plots").iterdir())
        self.assertIn("vs_topo.png", written)
        self.assertIn("vs_traffic.pattern.png", written)
        self.assertNotIn("vs_config.png", written)
        self.assertNotIn("vs_noc.topology.png", written)

    def test_traffic_bad_spec(self):
        self.bad("traffic_fw", f"""
mode: traffic
base: {{firmware: {ARGS.fw_dir}/crc32-small.elf, loads: "0.1:0.2:0.1"}}
sweep: {{grid: {{traffic.pattern: [uniform]}}}}
""", "firmware", "not used in mode traffic")
        self.bad("traffic_key", """
mode: traffic
base: {loads: "0.1:0.2:0.1"}
sweep: {grid: {traffic.patern: [uniform]}}
""", "unknown config key 'traffic.patern'", "imcvp traffic --list-params")
        self.bad("traffic_loads", """
mode: traffic
sweep: {grid: {traffic.pattern: [uniform]}}
""", "no loads")
        self.bad("traffic_pattern", """
mode: traffic
base: {loads: "0.1:0.2:0.1"}
sweep: {grid: {topology: ["ring:6"], traffic.pattern: [bitcomp]}}
""", "imcvp rejects", "power-of-two")

    # ----------------------------------------------------------------------------------------
    def bad(self, name, body, *expect):
        spec = self.write_spec(name, body)
        r = sweep("run", spec, check=False)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        for e in expect:
            self.assertIn(e, r.stderr)
        self.assertFalse((self.work / f"out-{name}" / "runs").exists(), "nothing may run")
        self.assertFalse((self.work / f"out-{name}" / "manifest.json").exists())

    def test_unknown_key(self):
        self.bad("unknown", f"""
base: {{firmware: {ARGS.fw_dir}/crc32-small.elf}}
sweep:
  grid:
    cpu.clok_mhz: [500, 1000]
""", "unknown config key 'cpu.clok_mhz'", "sweep.grid")

    def test_unknown_list_key(self):
        self.bad("unknown_list", f"""
base: {{firmware: {ARGS.fw_dir}/crc32-small.elf}}
sweep:
  points:
    - name: a
      tiles[0].adc.bitz: 4
""", "unknown config key 'tiles[0].adc.bitz'")

    def test_empty_sweep(self):
        self.bad("empty1", f"base: {{firmware: {ARGS.fw_dir}/crc32-small.elf}}\nsweep: []\n",
                 "nothing to run")
        self.bad("empty2", f"base: {{firmware: {ARGS.fw_dir}/crc32-small.elf}}\n"
                 "sweep: {grid: {cpu.clock_mhz: []}}\n", "cpu.clock_mhz: expected a non-empty")
        self.bad("empty3", f"base: {{firmware: {ARGS.fw_dir}/crc32-small.elf}}\n",
                 "no `sweep:` block")

    def test_missing_firmware(self):
        self.bad("nofw", "base: {firmware: /nonexistent/app.elf}\n"
                 "sweep: {grid: {cpu.clock_mhz: [500]}}\n", "file not found: /nonexistent/app.elf")
        self.bad("nofw2", "sweep: {grid: {cpu.clock_mhz: [500]}}\n", "no firmware")

    def test_bad_value_rejected_by_imcvp(self):
        # Out of range (adc.bits is 0..24): imcvp's own check, reported before any run.
        self.bad("range", f"""
base: {{firmware: {ARGS.fw_dir}/crc32-small.elf}}
sweep:
  grid:
    tiles[0].adc.bits: [8, 30]
""", "point p0001", "imcvp rejects", "out of range")

    def test_random_sample_reproducible(self):
        body = f"""
base: {{firmware: {ARGS.fw_dir}/crc32-small.elf}}
sweep:
  random:
    count: 5
    seed: 7
    keys:
      cpu.clock_mhz: {{uniform: [100, 2000]}}
      dram.preset: [ddr4-2400, hbm2]
"""
        a = self.write_spec("rnd_a", body)
        b = self.write_spec("rnd_b", body)
        sweep("expand", a)
        sweep("expand", b)
        ta = (self.work / "out-rnd_a" / "manifest.tsv").read_text()
        tb = (self.work / "out-rnd_b" / "manifest.tsv").read_text()
        self.assertEqual(ta, tb)
        self.assertEqual(len(ta.splitlines()), 6)
        self.assertFalse((self.work / "out-rnd_a" / "runs").exists(), "expand runs nothing")


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--imcvp", required=True)
    p.add_argument("--fw-dir", required=True)
    p.add_argument("--workdir", required=True)
    ARGS, rest = p.parse_known_args()
    try:
        import yaml  # noqa: F401
    except ImportError:
        print("SKIP: python3-yaml not installed (scripts/install-deps --test)")
        return 77
    if not shutil.which("parallel"):
        print("SKIP: GNU parallel not installed (scripts/install-deps --test)")
        return 77
    prog = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
