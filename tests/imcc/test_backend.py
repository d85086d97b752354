"""Descriptor encoding (field by field, docs/command-queues.md), package round trip through
`imcc check` (validation + emulation == int8 reference), corrupt / foreign packages, bad
INPUTS.npz."""
import json
import os
import struct
import unittest

import numpy as np

from common import DIGITAL, PCM, ROOT, M, TmpDir, run_cli
from imcc import CompileError
from imcc.backend import package
from imcc.passes.schedule import OP, VEC, Sym, desc, pattern


class EncodingTest(unittest.TestCase):
    def test_load_pattern_words(self):
        w = pattern("LOAD", 0x40001000, 96, 96, 8, -3, -1, 9, 3, 8, 0x80, 3, 0, 0x10000, 0)
        self.assertEqual(len(w), 16)
        self.assertEqual(w[0], 2)                          # OP LOAD, no IRQ, no SUBOP
        self.assertEqual(w[1], 0x40001000)                 # BASE
        self.assertEqual(w[2], 96)                         # PITCH
        self.assertEqual(w[3], 96 | (8 << 16))             # WIDTH | HEIGHT << 16
        self.assertEqual((w[4], w[5]), (-3, -1))           # COL0, ROW0 (int32)
        self.assertEqual(w[6], 9 | (3 << 16))              # X | Y << 16
        self.assertEqual(w[7], 8 | (0x80 << 16))           # Z | PAD << 16
        self.assertEqual((w[8], w[9], w[10], w[11]), (3, 0, 0x10000, 0))
        self.assertEqual(w[12:], [0, 0, 0, 0])             # unused and STATUS are 0

    def test_other_ops(self):
        self.assertEqual(desc(OP["MVM"], 256, 64, 28, 0x10000, 0x20000, 0xF, 20)[:8],
                         [1, 256, 64, 28, 0x10000, 0x20000, 0xF, 20])
        self.assertEqual(desc(OP["SEND"], 0, 0, 5, 0, 3, 1)[:7], [4, 0, 0, 5, 0, 3, 1])
        self.assertEqual(desc(OP["WAIT"], 3, 2)[:3], [5, 3, 2])
        v = desc(OP["VEC"], 1, 2, 3, 4, 5, 6, 7, sub=VEC["AVGPOOL"])
        self.assertEqual(v[0], 6 | (3 << 16))              # SUBOP in bits 31:16
        self.assertEqual(desc(OP["BARRIER"], 0b1011, 0, 15)[:4], [10, 0b1011, 0, 15])
        self.assertEqual(desc(OP["PROGRAM"], 0x1000, 256, 10)[:4], [7, 0x1000, 256, 10])
        self.assertEqual((OP["FENCE"], OP["SIGNAL"], OP["NOP"]), (9, 8, 0))

    def test_fnv1a(self):
        self.assertEqual(package.fnv1a(b""), 0x811C9DC5)
        self.assertEqual(package.fnv1a(b"a"), 0xE40C292C)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = TmpDir()
        cls.onnx, cls.npz = cls.d.model(M.resnet(c=40, wide=True), "r", n=3)
        cls.pkg = cls.d.p("r.pkg")
        rc, out, err = run_cli("compile", cls.onnx, "-c", DIGITAL, "--inputs", cls.npz,
                               "-o", cls.pkg)
        assert rc == 0, err

    def test_header_manifest_and_relocs(self):
        p = package.read(self.pkg)
        h = p.h
        self.assertEqual(h["load_addr"], 0x40000000 + package.LOAD_OFFSET)
        self.assertEqual((h["n_tiles"], h["tile_base"], h["tile_stride"]),
                         (16, 0x20000000, 0x100000))
        self.assertEqual(h["n_inputs"], 3)
        self.assertEqual(h["out_elem_size"], 4)            # int32 logits
        self.assertEqual(h["out_elems"], 10)
        man = json.load(open(self.pkg + ".json"))
        names = [x["pass"] for x in man["passes"]]
        self.assertEqual(names, ["frontend", "quantize", "partition", "attention", "segment",
                                 "replicate", "pack", "reload", "place", "schedule", "host",
                                 "backend"])
        self.assertEqual(man["passes"][-2]["ops"], ["softmax", "argmax"])
        # relocations: the input image words (kind 1) point into INPUTS, outputs (3) into
        # the output area, frames (2) into the frame area
        kinds = set()
        for prog in p.programs():
            for w, r in zip(prog["desc"], prog["reloc"]):
                for k in range(16):
                    kind = (int(r) >> (2 * k)) & 3
                    if kind:
                        kinds.add(kind)
                        lo = {1: h["inputs_addr"], 2: h["frames_addr"],
                              3: h["outputs_addr"]}[kind]
                        self.assertGreaterEqual(int(w[k]), lo)
        self.assertEqual(kinds, {1, 2, 3})

    def test_check_round_trip(self):
        rc, out, err = run_cli("check", self.pkg, "-c", DIGITAL)
        self.assertEqual(rc, 0, err)
        self.assertIn("3/3 equal the int8 reference", out)

    def test_check_detects_a_wrong_expected_output(self):
        buf = bytearray(open(self.pkg, "rb").read())
        p = package.read(bytes(buf))
        off = p.sec["EXPECTED"][0]
        struct.pack_into("<i", buf, off, struct.unpack_from("<i", buf, off)[0] + 1)
        struct.pack_into("<I", buf, 12, package.fnv1a(buf[16:]))
        bad = self.d.p("bad.pkg")
        open(bad, "wb").write(buf)
        rc, out, err = run_cli("check", bad)
        self.assertEqual(rc, 1)
        self.assertIn("2/3 equal", out)

    def test_corrupt_truncated_magic_foreign(self):
        good = open(self.pkg, "rb").read()
        cases = {"flip": good[:5000] + bytes([good[5000] ^ 1]) + good[5001:],
                 "trunc": good[:-64], "empty": b"", "magic": b"XXXX" + good[4:]}
        want = {"flip": "checksum mismatch", "trunc": "size", "empty": "truncated",
                "magic": "bad magic"}
        for k, data in cases.items():
            path = self.d.p(k + ".pkg")
            open(path, "wb").write(data)
            rc, _, err = run_cli("check", path)
            self.assertEqual(rc, 1, k)
            self.assertIn(want[k], err, k)
        rc, _, err = run_cli("check", self.pkg, "-c", PCM)
        self.assertEqual(rc, 1)
        self.assertIn("built for another SoC", err)
        rc, _, err = run_cli("check", self.pkg, "-c",
                             os.path.join(ROOT, "configs", "soc", "dram-stress.yaml"))
        self.assertIn("16 tiles vs 8", err)

    def test_forced_reload_latency_and_naive_are_exact(self):
        for opts in (["--tiles-max", "2"], ["--mode", "latency", "--placement", "naive"],
                     ["--tiles-max", "3", "--replicate", "none"]):
            out = self.d.p("v.pkg")
            rc, _, err = run_cli("compile", self.onnx, "-c", DIGITAL, "--inputs", self.npz,
                                 "-o", out, *opts)
            self.assertEqual(rc, 0, err)
            rc, o, err = run_cli("check", out)
            self.assertEqual(rc, 0, (opts, err))
            self.assertIn("3/3 equal", o)

    def test_bad_inputs_npz(self):
        d = self.d
        for name, kw, want in (
                ("shape", {"images": np.zeros((2, 3, 9, 9), np.float32)}, "images shape"),
                ("nokey", {"x": np.zeros((2, 3, 8, 8), np.float32)}, "no 'images'"),
                ("labels", {"images": np.zeros((2, 3, 8, 8), np.float32),
                            "labels": np.zeros(3, np.int64)}, "labels shape")):
            np.savez(d.p(name + ".npz"), **kw)
            out = d.p(name + ".pkg")
            rc, _, err = run_cli("compile", self.onnx, "-c", DIGITAL, "--inputs",
                                 d.p(name + ".npz"), "-o", out)
            self.assertEqual(rc, 1, name)
            self.assertIn(want, err)
            self.assertFalse(os.path.exists(out))

    def test_model_larger_than_dram(self):
        d = self.d
        cfg = d.p("tiny.yaml")
        open(cfg, "w").write(open(DIGITAL).read() + "dram:\n  size_bytes: 1179648\n")
        rc, _, err = run_cli("compile", self.onnx, "-c", cfg, "--inputs", self.npz, "-o",
                             d.p("t.pkg"))
        self.assertEqual(rc, 1)
        self.assertIn("model larger than DRAM", err)

    def test_report(self):
        d = TmpDir()
        import shutil
        shutil.copy(self.pkg, d.p("r.pkg"))
        shutil.copy(self.pkg + ".json", d.p("r.pkg.json"))
        rc, out, _ = run_cli("report", d.path)
        self.assertEqual(rc, 0)
        # one directory: one "key  value" line per figure (several: a table)
        self.assertTrue(out.splitlines()[0].startswith("run "))
        self.assertIn("phases", [line.split()[0] for line in out.splitlines()])


class CommittedModelsTest(unittest.TestCase):
    """The ONNX models trained in models/onnx (when present): compile, emulate a few inputs."""

    def test_digits_models(self):
        d = TmpDir()
        for name in ("mlp_digits", "cnn_digits"):
            onnx_path = os.path.join(ROOT, "models", "onnx", name + ".onnx")
            npz = os.path.join(ROOT, "models", "onnx", name + "_inputs.npz")
            if not (os.path.exists(onnx_path) and os.path.exists(npz)):
                self.skipTest("models/onnx not present")
            out = d.p(name + ".pkg")
            rc, o, err = run_cli("compile", onnx_path, "-c", DIGITAL, "--inputs", npz,
                                 "-o", out)
            self.assertEqual(rc, 0, err)
            man = json.load(open(out + ".json"))
            self.assertGreater(man["accuracy"]["int8"], 0.9)
            rc, o, err = run_cli("check", out, "--limit", "10")
            self.assertEqual(rc, 0, err)
            self.assertIn("10/10 equal", o)


if __name__ == "__main__":
    unittest.main()
