"""pack pass (several crossbar blocks per tile at (row0, col0)): invariants, the emulator's
sub-array MVM, exact compiled models with packed tiles, and the committed ResNet resident on 16
digital tiles (1 phase) and reloaded on 2."""
import json
import os
import unittest

import numpy as np

from common import DIGITAL, ROOT, M, TmpDir, run_cli
from imcc import quantize, soc as soc_mod
from imcc.backend import emulate
from imcc.frontend import lower, onnx_loader
from imcc.passes import pack, partition, replicate, reload

RESNET = os.path.join(ROOT, "models", "onnx", "resnet_fashion.onnx")
RESNET_IN = os.path.join(ROOT, "models", "onnx", "resnet_fashion_inputs.npz")


def small_soc(n=16, rows=64, cols=32):
    return soc_mod.from_dict({"tiles": [{"kind": "digital", "rows": rows, "cols": cols}] * n,
                              "noc": {"topology": "mesh", "size_x": 5, "size_y": 4}})


def prepared(proto, soc):
    g = onnx_loader.from_proto(proto)
    m = lower.lower(g)
    m.layer_by_name = {L.name: L for L in m.layers}
    quantize.quantize(m, [x[None] for x in M.images(proto, 4)])
    blocks, _ = partition.run(m, soc)
    return m, blocks


def check_invariants(tc, blocks, bins, R, C):
    placed = sorted(i for b in bins for i in b)
    tc.assertEqual(placed, list(range(len(blocks))), "every block in exactly one bin")
    for k, idx in enumerate(bins):
        rects = []
        for i in idx:
            b = blocks[i]
            tc.assertEqual(b.bin, k)
            tc.assertGreaterEqual(b.row0, 0)
            tc.assertGreaterEqual(b.col0, 0)
            tc.assertLessEqual(b.row0 + b.rows, R, "inside the array (rows)")
            tc.assertLessEqual(b.col0 + b.cols, C, "inside the array (columns)")
            rects.append((b.row0, b.row0 + b.rows, b.col0, b.col0 + b.cols))
        for a in range(len(rects)):
            for c in range(a + 1, len(rects)):
                r0, r1, c0, c1 = rects[a]
                s0, s1, d0, d1 = rects[c]
                overlap = r0 < s1 and s0 < r1 and c0 < d1 and d0 < c1
                tc.assertFalse(overlap, f"bin {k}: rectangles {rects[a]} and {rects[c]}")
                # bias/scale are per physical column: columns must be disjoint too
                tc.assertFalse(c0 < d1 and d0 < c1, f"bin {k}: shared columns")


class PackTest(unittest.TestCase):
    def test_invariants_when_blocks_outnumber_tiles(self):
        soc = small_soc(n=4)
        m, blocks = prepared(M.resnet(c=12), soc)
        self.assertGreater(len(blocks), 4)
        for T in (4, 2, 1):
            bins, info = pack.run(m, blocks, soc, T, "auto")
            check_invariants(self, blocks, bins, 64, 32)
            self.assertEqual(info["bins"], len(bins))
            # bins are contiguous stretches of the block order (a linear pipeline)
            for idx in bins:
                self.assertEqual(idx, list(range(idx[0], idx[-1] + 1)))
            phases, rinfo = reload.run(m, blocks, soc, T, 8, 4, bins)
            self.assertEqual(rinfo["phases"], -(-len(bins) // T))
            for ph in phases:
                self.assertLessEqual(len({b.bin for b in ph.blocks}), T)

    def test_fewer_bins_than_blocks_and_none_is_one_per_tile(self):
        soc = small_soc(n=3)
        m, blocks = prepared(M.resnet(c=12), soc)
        bins, info = pack.run(m, blocks, soc, 3, "auto")
        self.assertLess(len(bins), len(blocks))
        self.assertGreater(info["column_utilisation"], len(blocks) and 0)
        bins, _ = pack.run(m, blocks, soc, 3, "none")
        self.assertEqual(bins, [[i] for i in range(len(blocks))])
        self.assertTrue(all(b.col0 == 0 and b.row0 == 0 for b in blocks))

    def test_bound_is_the_busiest_bin_and_shrinks_with_tiles(self):
        soc = small_soc(n=16)
        m, blocks = prepared(M.resnet(c=12), soc)
        b4 = pack.bound_ns(m, blocks, soc, 4)
        b8 = pack.bound_ns(m, blocks, soc, 8)
        self.assertIsNotNone(b8)
        if b4 is not None:
            self.assertLessEqual(b8, b4)
        t = soc.tiles[0]
        self.assertGreaterEqual(b8 + 1e-6, max(replicate.block_ns(m, b, t) for b in blocks))

    def test_packed_replication_fits_and_is_exact(self):
        d = TmpDir()
        onnx, npz = d.model(M.resnet(c=12), "r", n=3)
        soc = small_soc(n=4)
        path = d.p("soc.yaml")
        import yaml
        with open(path, "w") as f:
            yaml.safe_dump({"tiles": [{"kind": "digital", "rows": 64, "cols": 32}] * 4,
                            "noc": {"topology": "mesh", "size_x": 3, "size_y": 3}}, f)
        del soc
        rc, out, err = run_cli("compile", onnx, "-c", path, "--inputs", npz, "-o", d.p("p.pkg"))
        self.assertEqual(rc, 0, err)
        man = json.load(open(d.p("p.pkg.json")))
        pk = next(p for p in man["passes"] if p["pass"] == "pack")
        self.assertLessEqual(pk["bins"], 4)
        self.assertGreater(max(pk["blocks_per_bin"]), 1)
        rl = next(p for p in man["passes"] if p["pass"] == "reload")
        self.assertEqual(rl["phases"], 1)
        rc, out, err = run_cli("check", d.p("p.pkg"), "-c", path)
        self.assertEqual(rc, 0, err + out)
        self.assertIn("3/3 equal", out)
        # the same on 2 tiles (packed phases, reloaded) and without packing
        for extra in (["--tiles-max", "2"], ["--pack", "none"], ["--mode", "latency"]):
            rc, out, err = run_cli("compile", onnx, "-c", path, "--inputs", npz, "-o",
                                   d.p("q.pkg"), *extra)
            self.assertEqual(rc, 0, err)
            rc, out, err = run_cli("check", d.p("q.pkg"), "-c", path)
            self.assertEqual(rc, 0, err + out)
            self.assertIn("3/3 equal", out, extra)


class EmulatorSubArrayTest(unittest.TestCase):
    """The emulator's MVM with ROW0/COL0 as imc_tile.cpp do_mvm: rows ROW0.. driven by x,
    columns COL0.. converted, BIAS/SCALE at the physical column COL0 + j."""

    def test_row0_col0_bias_scale(self):
        em = emulate.Emulator.__new__(emulate.Emulator)
        em.win = [np.zeros(emulate.WIN, np.uint8)]
        em.geom = [(8, 8)]
        em.stats = {"mvm_vectors": 0}
        rng = np.random.default_rng(1)
        W = rng.integers(-127, 128, (8, 8))
        em.w = [W.astype(np.int64)]
        win = em.win[0]
        x = rng.integers(-128, 128, 3).astype(np.int8)
        IN, OUT = 0x10000, 0x20000
        win[IN:IN + 3] = x.view(np.uint8)
        bias = np.arange(8, dtype="<i4") * 1000
        win[emulate.BIAS_OFF:emulate.BIAS_OFF + 32] = bias.view(np.uint8)
        # int32 output, bias: rows 2..4, columns 5..6
        w = [1, 3, 2, 1, IN, OUT, 1 | 2, 0, 2, 5] + [0] * 6
        em.step(0, w)
        y = win[OUT:OUT + 8].view("<i4")
        want = x.astype(np.int64) @ W[2:5, 5:7] + bias[5:7]
        self.assertEqual(y.tolist(), want.tolist())
        # beyond the array: bad_dim
        with self.assertRaises(Exception):
            em.step(0, [1, 3, 2, 1, IN, OUT, 1, 0, 6, 5] + [0] * 6)


@unittest.skipUnless(os.path.exists(RESNET) and os.path.exists(RESNET_IN), "no ResNet")
class ResnetPackedTest(unittest.TestCase):
    """The committed Fashion-MNIST ResNet (31 blocks, 302k weights): resident on the 16
    digital tiles in one phase (packed, replicated), and reloaded on 2 tiles; a few inputs
    emulated, equal to the int8 reference."""

    @classmethod
    def setUpClass(cls):
        cls.d = TmpDir()
        z = np.load(RESNET_IN)
        np.savez(cls.d.p("in.npz"), images=z["images"][:2], labels=z["labels"][:2])

    def compile_check(self, *extra):
        pkg = self.d.p("r.pkg")
        rc, out, err = run_cli("compile", RESNET, "-c", DIGITAL, "--inputs",
                               self.d.p("in.npz"), "--calib", RESNET_IN, "-o", pkg, *extra)
        self.assertEqual(rc, 0, err)
        man = json.load(open(pkg + ".json"))
        rc, out, err = run_cli("check", pkg, "-c", DIGITAL)
        self.assertEqual(rc, 0, err + out)
        self.assertIn("2/2 equal the int8 reference", out)
        return man

    def test_resident_on_16_tiles(self):
        man = self.compile_check()
        p = {x["pass"]: x for x in man["passes"]}
        self.assertEqual(p["reload"]["phases"], 1)
        self.assertEqual(p["reload"]["reloads"], 0)
        self.assertLessEqual(p["pack"]["bins"], 16)
        self.assertGreater(max(p["pack"]["blocks_per_bin"]), 1)
        self.assertTrue(p["replicate"]["replicas"], "replicas in the spare columns")
        mvms = [w for w in man["programs"] if w["kind"] == "setup"]
        self.assertTrue(all(s["descriptors"] <= 3 for s in mvms),
                        "one PROGRAM + bias + scale per tile")

    def test_reloaded_on_2_tiles(self):
        man = self.compile_check("--tiles-max", "2")
        p = {x["pass"]: x for x in man["passes"]}
        self.assertGreater(p["reload"]["phases"], 1)
        self.assertLess(p["reload"]["phases"], 16, "packed: fewer phases than blocks / 2")
        self.assertEqual(man["soc"]["n_tiles"], 16)
        self.assertLessEqual(len({x["tile"] for x in man["programs"]}), 2)


if __name__ == "__main__":
    unittest.main()
