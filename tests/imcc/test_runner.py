"""imcc run at scale, the parts without a simulator (compiler/imcc/runner.py): the shard plan,
the shard descriptor, the stats merge rules, the test-set loader."""
import os
import struct
import tempfile
import unittest

import numpy as np

from common import ROOT  # noqa: F401  (puts compiler/ on sys.path)
from imcc import CompileError, runner


class Plan(unittest.TestCase):
    def test_whole_windows_in_order(self):
        self.assertEqual(runner.plan(8, 2, 1), [(0, 8)])
        self.assertEqual(runner.plan(8, 2, 2), [(0, 4), (4, 4)])
        self.assertEqual(runner.plan(8, 2, 4), [(0, 2), (2, 2), (4, 2), (6, 2)])
        # 1000 inputs, windows of 16: 63 windows (the last has 8 inputs) over 2 jobs
        p = runner.plan(1000, 16, 2)
        self.assertEqual(p, [(0, 496), (496, 504)])
        for first, _ in p:
            self.assertEqual(first % 16, 0)

    def test_more_jobs_than_windows(self):
        self.assertEqual(runner.plan(5, 16, 4), [(0, 5)])
        self.assertEqual(runner.plan(33, 16, 8), [(0, 16), (16, 16), (32, 1)])

    def test_covers_every_input_once(self):
        for n, w, j in [(1, 1, 1), (360, 16, 3), (1000, 16, 7), (17, 4, 5)]:
            got = [i for a, c in runner.plan(n, w, j) for i in range(a, a + c)]
            self.assertEqual(got, list(range(n)))

    def test_bad_jobs(self):
        with self.assertRaisesRegex(CompileError, "--jobs 0: must be at least 1"):
            runner.plan(8, 2, 0)

    def test_shard_blob(self):
        b = runner.shard_blob(32, 16)
        self.assertEqual(len(b), 16)
        magic, first, count, check = struct.unpack("<4I", b)
        self.assertEqual(b[:4], b"IMCS")
        self.assertEqual((first, count, check), (32, 16, ~(32 ^ 16) & 0xFFFFFFFF))


def leaf(v, unit="count"):
    return {"value": v, "unit": unit, "desc": ""}


class Merge(unittest.TestCase):
    def test_rules(self):
        self.assertEqual(runner.merge_rule("soc.tile0.mvms", "count"), "sum")
        self.assertEqual(runner.merge_rule("soc.dram.energy_act", "pJ"), "sum")
        self.assertEqual(runner.merge_rule("soc.cpu.wfi_time", "ns"), "sum")
        self.assertEqual(runner.merge_rule("soc.tile0.dma_peak_outstanding", "count"), "max")
        self.assertEqual(runner.merge_rule("soc.noc.max_packet_latency", "cycles"), "max")
        self.assertEqual(runner.merge_rule("soc.noc.avg_packet_latency", "cycles"), "same")
        self.assertEqual(runner.merge_rule("soc.tile0.utilisation", "ratio"), "same")
        self.assertEqual(runner.merge_rule("soc.tile0.area.adc", "mm^2"), "same")
        self.assertEqual(runner.merge_rule("soc.dram.size_bytes", "B"), "same")

    def test_merge_stats(self):
        def shard(n, correct, mvms, peak, ns, avg):
            return {"soc": {"tile0": {"mvms": leaf(mvms), "dma_peak_outstanding": leaf(peak)},
                            "noc": {"avg_hops": leaf(avg, "count")}},
                    "energy": {"total": leaf(10.0 * n, "pJ")},
                    "firmware": {"inputs": leaf(n, ""), "correct": leaf(correct, ""),
                                 "accuracy_x100": leaf(0, ""), "window": leaf(2, ""),
                                 "ns_per_input": leaf(ns, ""), "first_input": leaf(4, "")},
                    "roi": [{"id": 1, "duration_ns": 100.0 * n,
                             "delta": {"energy.total": leaf(10.0 * n, "pJ")}}]}
        m = runner.merge_stats([shard(4, 3, 40, 2, 100, 1.5), shard(2, 2, 20, 4, 400, 2.5)])
        self.assertEqual(m["soc"]["tile0"]["mvms"]["value"], 60)
        self.assertEqual(m["soc"]["tile0"]["dma_peak_outstanding"]["value"], 4)
        self.assertEqual(m["soc"]["noc"]["avg_hops"]["merge"], "same")
        self.assertEqual(m["soc"]["noc"]["avg_hops"]["per_shard"], [1.5, 2.5])
        fw = m["firmware"]
        self.assertEqual(fw["inputs"]["value"], 6)
        self.assertEqual(fw["correct"]["value"], 5)
        self.assertEqual(fw["accuracy_x100"]["value"], 8333)  # 5/6
        self.assertEqual(fw["window"]["value"], 2)
        self.assertEqual(fw["ns_per_input"]["value"], 200)  # (4*100 + 2*400) / 6
        self.assertNotIn("first_input", fw)
        self.assertEqual(m["roi"][0]["duration_ns"], 600.0)
        self.assertEqual(m["roi"][0]["delta"]["energy.total"]["value"], 60.0)
        self.assertEqual(m["energy"]["total"]["value"], 60.0)


@unittest.skipUnless(os.path.exists(os.path.join(runner.FASHION_DIR,
                                                 "t10k-images-idx3-ubyte.gz")),
                     "Debian's dataset-fashion-mnist is not installed")
class TestSet(unittest.TestCase):
    def test_fashion(self):
        with tempfile.TemporaryDirectory() as d:
            p = runner.test_set("fashion", 300, d)
            z = np.load(p)
            self.assertEqual(z["images"].shape, (300, 1, 28, 28))
            self.assertEqual(z["images"].dtype, np.float32)
            self.assertEqual(z["labels"].shape, (300,))
            self.assertLessEqual(float(z["images"].max()), 1.0)
            # The committed inputs of the ResNet are the first 256 test images, same scaling.
            ref = np.load(os.path.join(ROOT, "models", "onnx", "resnet_fashion_inputs.npz"))
            np.testing.assert_array_equal(z["images"][:256], ref["images"])
            np.testing.assert_array_equal(z["labels"][:256], ref["labels"])
            with self.assertRaisesRegex(CompileError, "--limit 0"):
                runner.test_set("fashion", 0, d)


if __name__ == "__main__":
    unittest.main()
