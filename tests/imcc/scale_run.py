"""imcc run --jobs / --slurm end to end (docs/compiler.md, "Running at scale"): compiled once,
sharded over imcvp processes running imcrt, merged. Needs the build (IMCVP_BUILD: imcvp and
firmware/bin/imcrt.elf); CTest `imcc.run_scale`.

Determinism: 8 inputs of the digits MLP on the 16-tile PCM SoC (every analog non-ideality on),
windows of 2, give byte-identical outputs and identical merged results with --jobs 1 (one
process, no shard descriptor), 2 and 4, and through the Slurm scripts run by hand (the dry run).
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

from common import PCM, ROOT

BUILD = os.environ.get("IMCVP_BUILD", os.path.join(ROOT, "build"))
IMCC = os.path.join(ROOT, "scripts", "imcc")
MLP = os.path.join(ROOT, "models", "onnx", "mlp_digits.onnx")
MLP_IN = os.path.join(ROOT, "models", "onnx", "mlp_digits_inputs.npz")
ENV = dict(os.environ, IMCVP_BUILD=BUILD, SC_COPYRIGHT_MESSAGE="DISABLE")


def imcc(*args):
    return subprocess.run([sys.executable, IMCC] + [str(a) for a in args], env=ENV, cwd=ROOT,
                          capture_output=True, text=True)


@unittest.skipUnless(os.path.exists(os.path.join(BUILD, "firmware", "bin", "imcrt.elf")),
                     "no imcrt.elf in IMCVP_BUILD")
class RunAtScale(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="imcc-scale-")
        cls.d = cls.tmp.name
        cls.runs = {}
        for jobs in (1, 2, 4):
            out = os.path.join(cls.d, f"j{jobs}")
            r = imcc("run", MLP, "-c", PCM, "--inputs", MLP_IN, "--limit", 8, "--window", 2,
                     "--jobs", jobs, "-d", out)
            cls.runs[jobs] = (out, r)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def load(self, out):
        with open(os.path.join(out, "report.json")) as f:
            rep = json.load(f)
        with open(os.path.join(out, "stats.json")) as f:
            st = json.load(f)
        return np.load(os.path.join(out, "outputs.npy")), rep, st

    def test_outputs_identical_whatever_the_shard_count(self):
        for jobs, (out, r) in self.runs.items():
            self.assertEqual(r.returncode, 0, f"--jobs {jobs}: {r.stdout}{r.stderr}")
        o1, rep1, st1 = self.load(self.runs[1][0])
        self.assertEqual(o1.shape[0], 8)
        for jobs in (2, 4):
            o, rep, st = self.load(self.runs[jobs][0])
            np.testing.assert_array_equal(o, o1, err_msg=f"--jobs {jobs}")
            self.assertEqual(o.tobytes(), o1.tobytes())
            for k in ("vp_inputs", "int8ref_match", "acc_vp"):
                self.assertEqual(rep[k], rep1[k], f"{k} with --jobs {jobs}")
            self.assertEqual(rep["shards"], jobs)
            self.assertGreater(rep["images_per_s"], 0)
            self.assertGreater(rep["host_us_per_mvm"], 0)
            # Every shard ran the MVMs of its inputs: the merged count is the unsharded one
            # (the one-time CALIBRATE is no MVM vector).
            mvms = lambda s: sum(v["mvms"]["value"] for k, v in s["soc"].items()  # noqa: E731
                                 if k.startswith("tile") and "mvms" in v)
            self.assertEqual(mvms(st), mvms(st1))
            self.assertEqual(st["firmware"]["inputs"]["value"], 8)
        # The analog tiles are not exact, so identical outputs are not trivially equal ones.
        self.assertLess(rep1["int8ref_match"], 8)

    def test_speed_in_run_json_and_summary(self):
        out = self.runs[1][0]
        with open(os.path.join(out, "run.json")) as f:
            run = json.load(f)
        self.assertGreater(run["host_us_per_mvm"], 0)
        # imcvp's end-of-run summary (imcc runs it with -q): the same package, one more time.
        pkg = [f for f in os.listdir(out) if f.endswith(".pkg")][0]
        with open(os.path.join(out, pkg + ".json")) as f:
            load = json.load(f)["load_addr"]
        r = subprocess.run([os.path.join(BUILD, "imcvp"), "run", "-c", PCM, "-d",
                            os.path.join(self.d, "summary"), "--load",
                            f"{os.path.join(out, pkg)}@{load}",
                            os.path.join(BUILD, "firmware", "bin", "imcrt.elf")],
                           env=ENV, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        line = next((l for l in r.stdout.splitlines() if "host speed" in l), "")
        # 8 inputs x 2 layers (one MVM vector each)
        self.assertRegex(line, r"host speed +[0-9.]+ inputs/s, [0-9.]+ us per MVM \(16 MVMs\)")

    def test_shard_logs_and_merge_rules(self):
        out = self.runs[4][0]
        with open(os.path.join(out, "shards.json")) as f:
            plan = json.load(f)
        self.assertEqual([(s["first"], s["count"]) for s in plan["shards"]],
                         [(0, 2), (2, 2), (4, 2), (6, 2)])
        with open(os.path.join(plan["shards"][2]["dir"], "imcrt.log")) as f:
            self.assertIn("imcrt: shard: inputs 4..5 of 8", f.read())
        _, _, st = self.load(out)
        peak = st["soc"]["tile0"]["dma_peak_outstanding"]
        self.assertEqual(peak["merge"], "max")
        shard_st = []
        for s in plan["shards"]:
            with open(os.path.join(s["dir"], "stats.json")) as f:
                shard_st.append(json.load(f))
        self.assertEqual(st["soc"]["tile0"]["dma_bursts"]["value"],
                         sum(s["soc"]["tile0"]["dma_bursts"]["value"] for s in shard_st))

    def test_failing_shard_is_named(self):
        out = self.runs[2][0]
        bad = os.path.join(self.d, "bad")
        # A copy of the 2-shard run whose shard 1 gets an invalid descriptor (first input 3:
        # not a window start): imcrt exits 8 and the merge names the shard and its log.
        r = imcc("run", MLP, "-c", PCM, "--inputs", MLP_IN, "--limit", 8, "--window", 2,
                 "--jobs", 2, "-d", bad)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(bad, "shards.json")) as f:
            d1 = json.load(f)["shards"][1]["dir"]
        with open(os.path.join(d1, "shard.bin"), "wb") as f:
            f.write(struct.pack("<4I", 0x53434D49, 3, 5, ~(3 ^ 5) & 0xFFFFFFFF))
        self.assertEqual(subprocess.call(["bash", os.path.join(d1, "run.sh")], env=ENV), 8)
        with open(os.path.join(d1, "imcrt.log")) as f:
            self.assertIn("imcrt: error: bad shard descriptor", f.read())
        r = imcc("merge", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("imcc: error: shard 1 (inputs 4..7) failed: imcvp exited with 8 "
                      "(bad shard descriptor)", r.stderr)
        self.assertIn(os.path.join(d1, "imcrt.log"), r.stderr)
        self.assertTrue(os.path.exists(os.path.join(out, "report.json")))

    def test_bad_jobs(self):
        r = imcc("run", MLP, "-c", PCM, "--inputs", MLP_IN, "--limit", 2, "--jobs", 0,
                 "-d", os.path.join(self.d, "j0"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("imcc: error: --jobs 0: must be at least 1", r.stderr)

    def test_slurm_dry_run(self):
        out = os.path.join(self.d, "slurm")
        r = imcc("run", MLP, "-c", PCM, "--inputs", MLP_IN, "--limit", 8, "--window", 2,
                 "--jobs", 2, "--slurm", "--slurm-time", "00:10:00", "-d", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("submit.sh", r.stdout)
        self.assertFalse(os.path.exists(os.path.join(out, "report.json")))  # nothing ran
        with open(os.path.join(out, "run.sbatch")) as f:
            text = f.read()
        self.assertIn("#SBATCH --array=0-1\n", text)
        self.assertIn("#SBATCH --time=00:10:00\n", text)
        with open(os.path.join(out, "submit.sh")) as f:
            self.assertIn("--dependency=afterok:", f.read())
        for s in ("run.sbatch", "merge.sbatch", "submit.sh"):
            self.assertEqual(subprocess.call(["bash", "-n", os.path.join(out, s)]), 0, s)
        # Without a task id the array script refuses to run.
        t = subprocess.run(["bash", os.path.join(out, "run.sbatch")], env=ENV,
                           capture_output=True, text=True)
        self.assertNotEqual(t.returncode, 0)
        # The dry run: each array task by hand, then the merge step.
        for task in (0, 1):
            t = subprocess.run(["bash", os.path.join(out, "run.sbatch")],
                               env=dict(ENV, SLURM_ARRAY_TASK_ID=str(task)),
                               capture_output=True, text=True)
            self.assertEqual(t.returncode, 0, t.stderr)
        t = subprocess.run(["bash", os.path.join(out, "merge.sbatch")], env=ENV,
                           capture_output=True, text=True)
        self.assertEqual(t.returncode, 0, t.stdout + t.stderr)
        o, rep, _ = self.load(out)
        o1, rep1, _ = self.load(self.runs[1][0])
        self.assertEqual(o.tobytes(), o1.tobytes())
        self.assertEqual(rep["acc_vp"], rep1["acc_vp"])


if __name__ == "__main__":
    unittest.main()
