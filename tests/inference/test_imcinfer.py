"""Tests of scripts/inference (training reproducibility, quantisation semantics, packages).
Run: /usr/bin/python3 -m unittest discover -s tests/inference -p 'test_*.py' (CTest does)."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts", "inference")
TOOL = os.path.join(SCRIPTS, "imcinfer")
sys.path.insert(0, SCRIPTS)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import imcnet  # noqa: E402

WEIGHTS = os.path.join(ROOT, "models", "inference", "mlp_digits_64_64_10.npz")


def tool(*args):
    return subprocess.run([sys.executable, TOOL] + list(args), capture_output=True, text=True)


class Quantisation(unittest.TestCase):
    def test_postprocess_matches_tile_definition(self):
        pp = imcnet.postprocess
        a = np.array
        # (105*3 + 2) >> 2 = 79
        self.assertEqual(pp(a([100]), a([5]), False, True, a([3]), 2)[0], 79)
        # arithmetic shift rounds half up towards +inf: (-5*1 + 1) >> 1 = -2
        self.assertEqual(pp(a([-5]), a([0]), False, True, a([1]), 1)[0], -2)
        self.assertEqual(pp(a([-5]), a([0]), True, True, a([1]), 1)[0], 0)  # ReLU first
        self.assertEqual(pp(a([10**6]), a([0]), False, True, a([1]), 0)[0], 127)  # saturates
        self.assertEqual(pp(a([-10**6]), a([0]), False, True, a([1]), 0)[0], -128)
        self.assertEqual(pp(a([2**31 - 1]), a([10]), False, False, a([1]), 0)[0], 2**31 - 1)
        self.assertEqual(pp(a([-7]), a([3]), False, False, a([1]), 0)[0], -4)  # int32 out

    def test_reference_matches_explicit_loop(self):
        ws, bs, _ = imcnet.load_weights(WEIGHTS)
        x, y = imcnet.load_digits()
        xtr, _, xte, _ = imcnet.split(x, y)
        layers = imcnet.quantise_mlp(ws, bs, xtr)
        xq = imcnet.quantise_input(xte[:5])
        out = imcnet.reference_int8(layers, xq)
        for n in range(5):  # scalar re-implementation of the tile, image by image
            h = [int(v) for v in xq[n]]
            for L in layers:
                o = []
                for j in range(L["cols"]):
                    acc = sum(h[i] * int(L["w"][i, j]) for i in range(L["rows"]))
                    v = acc + int(L["bias"][j])
                    if L["relu"]:
                        v = max(v, 0)
                    if L["requant"]:
                        s = L["shift"]
                        v = (v * int(L["scale"][j]) + (1 << (s - 1) if s else 0)) >> s
                        v = min(max(v, -128), 127)
                    o.append(v)
                h = o
            self.assertEqual(h, [int(v) for v in out[n]])

    def test_weights_are_symmetric_int8(self):
        ws, bs, _ = imcnet.load_weights(WEIGHTS)
        x, y = imcnet.load_digits()
        layers = imcnet.quantise_mlp(ws, bs, imcnet.split(x, y)[0])
        for L in layers:
            self.assertGreaterEqual(int(L["w"].min()), -127)  # analog tiles reject -128
            self.assertLessEqual(int(L["w"].max()), 127)
            self.assertLess(int(np.abs(L["scale"]).max()), 2**31)


class Training(unittest.TestCase):
    def test_script_reproduces_committed_weights(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "w.npz")
            r = tool("train", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            a, _, ma = imcnet.load_weights(out)
            b, _, mb = imcnet.load_weights(WEIGHTS)
            for wa, wb in zip(a, b):
                # Exact on this machine; the tolerance allows another BLAS kernel's rounding.
                np.testing.assert_allclose(wa, wb, atol=1e-3)
            self.assertEqual(ma["sizes"], mb["sizes"])

    def test_accuracies(self):
        r = tool("accuracy", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        import json
        res = json.loads(r.stdout)
        self.assertGreater(res["float_accuracy"], 0.95)
        self.assertGreater(res["int8_accuracy"], res["float_accuracy"] - 0.02)


class Packages(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def compile(self, name, *extra):
        p = os.path.join(self.d, name)
        r = tool("compile", "--n-test", "50", "-o", p, *extra)
        return p, r

    def test_reproducible_and_checkable(self):
        p1, r1 = self.compile("a.bin")
        p2, r2 = self.compile("b.bin")
        self.assertEqual(r1.returncode, 0, r1.stderr)
        self.assertEqual(open(p1, "rb").read(), open(p2, "rb").read())
        r = tool("check", p1)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("package ok: 2 layers", r.stdout)
        pkg = imcnet.parse_package(open(p1, "rb").read())
        self.assertEqual(len(pkg["labels"]), 50)
        self.assertEqual([L["rows"] for L in pkg["layers"]], [64, 64])

    def test_refuses_what_does_not_fit(self):
        _, r = self.compile("x.bin", "--tiles", "digital:256x256")
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs 2 tiles", r.stderr)
        _, r = self.compile("x.bin", "--tiles", "digital:32x256,digital:256x256", "--no-split")
        self.assertEqual(r.returncode, 1)
        self.assertIn("layer 0 is 64x64", r.stderr)
        _, r = self.compile("x.bin", "--tiles", ",".join(["digital:32x32"] * 5))
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs 6 tiles (layer 0: 4, layer 1: 2)", r.stderr)
        _, r = self.compile("x.bin", "--tiles", "analog:256x256,digital:256x256", "--kind",
                            "digital")
        self.assertIn("1 digital tile(s)", r.stderr)
        _, r = self.compile("x.bin", "--tiles", "optical:4x4")
        self.assertIn("bad tile spec", r.stderr)
        _, r = self.compile("x.bin", "--batch", "2000")
        self.assertIn("does not fit", r.stderr)

    def test_split_layers(self):
        p, r = self.compile("s.bin", "--tiles", ",".join(["digital:32x32"] * 6))
        self.assertEqual(r.returncode, 0, r.stderr)
        pkg = imcnet.parse_package(open(p, "rb").read())
        blocks = [[(q["tile"], q["row0"], q["rows"], q["col0"], q["cols"]) for q in L["parts"]]
                  for L in pkg["layers"]]
        self.assertEqual(blocks, [[(0, 0, 32, 0, 32), (1, 0, 32, 32, 32), (2, 32, 32, 0, 32),
                                   (3, 32, 32, 32, 32)], [(4, 0, 32, 0, 10), (5, 32, 32, 0, 10)]])
        # Each part's stored weights are the right block of the layer's matrix.
        blob = open(p, "rb").read()
        import struct
        L = pkg["layers"][0]
        off = struct.unpack_from("<I", blob, imcnet.HEADER_SIZE + 40)[0]  # parts_off
        for q in range(4):
            t, r0, nr, c0, nc, w_off, _, _ = struct.unpack_from(
                imcnet.PART_FMT, blob, off + q * imcnet.PART_DESC_SIZE)
            w = np.frombuffer(blob, np.int8, nr * nc, w_off).reshape(nr, nc)
            np.testing.assert_array_equal(w, L["w"][r0:r0 + nr, c0:c0 + nc])
        r = tool("check", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("64x64->tile0+1+2+3", r.stdout)
        _, r = self.compile("x.bin", "--tiles", ",".join(["digital:32x32"] * 6), "--batch", "4")
        self.assertIn("split layer runs one image at a time", r.stderr)

    def test_bad_packages_rejected(self):
        p, r = self.compile("a.bin")
        self.assertEqual(r.returncode, 0, r.stderr)
        blob = bytearray(open(p, "rb").read())
        cases = {
            "magic": (b"XXXX" + bytes(blob[4:]), "bad magic"),
            "truncated": (bytes(blob[: len(blob) // 2]), "truncated"),
            "corrupt": (bytes(blob[:200]) + bytes([blob[200] ^ 1]) + bytes(blob[201:]),
                        "checksum mismatch"),
            "version": (bytes(blob[:4]) + b"\x09\x00" + bytes(blob[6:]), "unsupported"),
            "empty": (b"", "smaller than"),
        }
        for name, (data, msg) in cases.items():
            q = os.path.join(self.d, name + ".bin")
            open(q, "wb").write(data)
            r = tool("check", q)
            self.assertEqual(r.returncode, 1, name)
            self.assertIn(msg, r.stderr, name)


FASHION_WEIGHTS = os.path.join(ROOT, "models", "inference", "mlp_fashion_784_256_10.npz")


@unittest.skipUnless(os.path.isdir(imcnet.FASHION_DIR) and os.path.exists(FASHION_WEIGHTS),
                     "dataset-fashion-mnist or the committed weights missing")
class Fashion(unittest.TestCase):
    """784-256-10: the first layer needs 4 row blocks on 256x256 tiles. (Retraining takes
    minutes: set IMCVP_SLOW_TESTS=1 to check that the script reproduces the weights.)"""

    def test_split_package_and_accuracy(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "f.bin")
            r = tool("compile", "--net", "fashion", "--n-test", "20", "--kind", "digital",
                     "--tiles", ",".join(["digital:256x256"] * 5), "-o", p)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("tiles [[0, 1, 2, 3], [4]]", r.stdout)
            r = tool("check", p)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = tool("compile", "--net", "fashion", "--n-test", "20", "--tiles",
                     ",".join(["digital:256x256"] * 4), "-o", p)
            self.assertIn("needs 5 tiles (layer 0: 4, layer 1: 1)", r.stderr)

    def test_accuracy(self):
        import json
        r = tool("accuracy", "--net", "fashion", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        res = json.loads(r.stdout)
        self.assertEqual(res["images"], 10000)
        self.assertGreater(res["float_accuracy"], 0.85)
        self.assertGreater(res["int8_accuracy"], res["float_accuracy"] - 0.01)

    @unittest.skipUnless(os.environ.get("IMCVP_SLOW_TESTS"), "set IMCVP_SLOW_TESTS=1")
    def test_script_reproduces_committed_weights(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "w.npz")
            r = tool("train", "--net", "fashion", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            for wa, wb in zip(imcnet.load_weights(out)[0], imcnet.load_weights(FASHION_WEIGHTS)[0]):
                np.testing.assert_allclose(wa, wb, atol=2e-3)


if __name__ == "__main__":
    unittest.main()
