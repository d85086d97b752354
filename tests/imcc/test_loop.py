"""LOOP bodies (docs/command-queues.md op 11, docs/compiler.md "Package format"): the
emulator's command processor against hand-built rings (the cases of
tests/models/imc/test_tile_queue.cpp's LOOP test on the C++ model), and the compiler wrapping
body programs in LOOPs with per-input loop increments, or falling back to per-input copies."""
import json
import unittest

import numpy as np

from common import DIGITAL, M, TmpDir, run_cli
from imcc.backend import emulate, package
from imcc.ir import TileProgram
from imcc.passes import schedule
from imcc.passes.schedule import OP, VEC, IN_OFF, OUT_OFF, Inc, Sym, desc

LOAD_ADDR = 0x40100000


class FakePkg:
    """Just what the emulator's command processor needs: one tile, 64 KiB of memory."""

    def __init__(self, n_tiles=1):
        self.h = {"load_addr": LOAD_ADDR, "workspace_end": LOAD_ADDR + 0x10000,
                  "n_tiles": n_tiles, "tile_base": 0x20000000, "tile_stride": 0x100000}
        self.buf = b""


def box(op, base, local, inc_a=0):
    """16 bytes, one row: LOAD/STORE of [base, base + 16) <-> local; base advances by inc_a
    per loop iteration (WORD_A = 1)."""
    w = desc(op, base, 16, 16 | (1 << 16), 0, 0, 16 | (1 << 16), 1, 0, 0, local, 0)
    if inc_a:
        w[13], w[14] = 1, inc_a
    return w


def ring_with(descs, size=8):
    em = emulate.Emulator(FakePkg())
    q = em.rings[0] = emulate.Ring(size)
    for d in descs:
        q.push(d)
    return em, q


class EmulatorLoopTest(unittest.TestCase):
    def test_loop_repeats_its_body_with_increments_and_holds_the_head(self):
        src, dst = LOAD_ADDR + 0x8000, LOAD_ADDR + 0x9000
        relu = desc(OP["VEC"], IN_OFF, 0, OUT_OFF, 16, sub=VEC["RELU"])
        em, q = ring_with([desc(OP["LOOP"], 4, 3), box(OP["LOAD"], src, IN_OFF, 16), relu,
                           box(OP["STORE"], dst, OUT_OFF, 16), desc(OP["SIGNAL"], 9)])
        em.mem[0x8000:0x8040] = (np.arange(64) - 32).astype(np.int8).view(np.uint8)
        for _ in range(5):                        # LOOP, then iteration 0 and one of 1
            self.assertTrue(em.run_one(0))
            self.assertEqual(q.head, 1)           # the body stays unconsumed
        self.assertEqual(q.fetch, 2)
        em.run_ring(0)
        np.testing.assert_array_equal(em.mem[0x9000:0x9040].view(np.int8),
                                      np.maximum(np.arange(64) - 32, 0))
        self.assertEqual((q.head, q.fetch, q.tail), (5, 5, 5))
        self.assertEqual(q.executed, 1 + 3 * 4 + 1)
        self.assertIsNone(q.loop)
        self.assertIsNone(q.halted)
        for i in range(5):
            self.assertEqual(q.status(i), 1, i)   # DONE, no error
        # the slots keep the descriptor as written: increments go to a copy
        self.assertEqual(int(q.slots[1][1]), src)

    def test_two_increment_words(self):
        # VEC COPY with A_OFF (WORD_A = 1) and DST_OFF (WORD_B = 3) advancing: 3 x 4 bytes.
        cp = desc(OP["VEC"], IN_OFF, 0, OUT_OFF, 4, sub=VEC["COPY"])
        cp[13], cp[14], cp[12] = 1 | (3 << 4), 4, 8
        em, q = ring_with([desc(OP["LOOP"], 3, 1), cp])
        em.win[0][IN_OFF:IN_OFF + 12] = np.arange(1, 13, dtype=np.uint8)
        em.run_ring(0)
        out = em.win[0][OUT_OFF:OUT_OFF + 24]
        np.testing.assert_array_equal(out[0:4], [1, 2, 3, 4])
        np.testing.assert_array_equal(out[8:12], [5, 6, 7, 8])
        np.testing.assert_array_equal(out[16:20], [9, 10, 11, 12])
        np.testing.assert_array_equal(out[4:8], 0)

    def test_loop_errors(self):
        cases = [("count 0", [desc(OP["LOOP"], 0, 1), desc(OP["NOP"])], 8, "bad_batch", 1),
                 ("body not in the ring", [desc(OP["LOOP"], 2, 5), desc(OP["NOP"])], 8,
                  "bad_queue", 2),
                 ("body >= Q_SIZE", [desc(OP["LOOP"], 2, 4)] + [desc(OP["NOP"])] * 3, 4,
                  "bad_queue", 2),
                 ("increment of word 12", [desc(OP["NOP"], *[0] * 12, 12)], 8, "bad_op", 13)]
        for name, ds, size, err, field in cases:
            with self.subTest(name):
                em, q = ring_with(ds, size)
                em.run_ring(0)
                self.assertIsNotNone(q.halted)
                self.assertEqual(q.halted.code, emulate.ERR[err])
                self.assertEqual(q.halted.field, field)
                self.assertEqual((q.status(0) >> 8) & 0xFF, emulate.ERR[err])
                self.assertEqual(q.status(0) >> 16, field)
                self.assertEqual(q.executed, 1)   # halted: nothing after it runs

    def test_nested_loop_is_refused(self):
        # ring of 5 slots, head 5: slots are index mod 5
        em, q = ring_with([desc(OP["NOP"])] * 5, 5)
        em.run_ring(0)
        for d in (desc(OP["LOOP"], 2, 2), desc(OP["LOOP"], 2, 1), desc(OP["NOP"])):
            q.push(d)
        em.run_ring(0)
        self.assertEqual((q.status(6) >> 8) & 0xFF, emulate.ERR["bad_op"])
        self.assertEqual(q.halted.index, 6)
        self.assertEqual(q.head, 6)               # held at the first body slot

    def test_wait_inside_a_loop_blocks_and_resumes(self):
        em, q = ring_with([desc(OP["LOOP"], 2, 2), desc(OP["WAIT"], 3, 1), desc(OP["NOP"])])
        self.assertFalse(em.run_ring(0) and q.fetch != 1)
        self.assertEqual((q.head, q.fetch), (1, 1))
        em.sem[0][3] = 1
        em.run_ring(0)
        self.assertEqual((q.head, q.fetch), (1, 1))   # iteration 1 waits again
        em.sem[0][3] = 1
        em.run_ring(0)
        self.assertEqual((q.head, q.fetch, q.executed), (3, 3, 5))


class CompilerLoopTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = TmpDir()
        cls.onnx, cls.npz = cls.d.model(M.resnet(c=40, wide=True), "r", n=6)
        cls.pkg, cls.flat = cls.d.p("r.pkg"), cls.d.p("flat.pkg")
        for out, extra in ((cls.pkg, []), (cls.flat, ["--loop", "none"])):
            rc, _, err = run_cli("compile", cls.onnx, "-c", DIGITAL, "--inputs", cls.npz,
                                 "-o", out, *extra)
            assert rc == 0, err

    def test_body_programs_are_loops_over_one_input(self):
        man = json.load(open(self.pkg + ".json"))
        flat = json.load(open(self.flat + ".json"))
        self.assertEqual(man["format_version"], package.VERSION)
        sc = next(p for p in man["passes"] if p["pass"] == "schedule")
        bodies = [p for p in man["programs"] if p["kind"] == "body"]
        self.assertGreater(len(bodies), 1)
        self.assertEqual(sc["loops"], {"looped": len(bodies), "per_input": []})
        per_input = {(p["tile"], p["phase"]): p["descriptors"] for p in flat["programs"]
                     if p["kind"] == "body"}
        for p in bodies:
            self.assertTrue(p["loop"])
            self.assertIn("LOOP x6", p["loop_note"])
            # one LOOP descriptor in front of the same per-input body
            self.assertEqual(p["descriptors"], per_input[(p["tile"], p["phase"])] + 1)
            self.assertTrue(p["tasks"][0].startswith("0: LOOP x6"))
        fsc = next(p for p in flat["passes"] if p["pass"] == "schedule")
        self.assertEqual(fsc["loops"]["looped"], 0)
        self.assertIn("--loop none", fsc["loops"]["per_input"][0]["reason"])

    def test_loop_words_and_increments_in_the_package(self):
        pk = package.read(self.pkg)
        h = pk.h
        stride = {1: h["in_stride"], 2: h["frame_size"], 3: h["out_stride"]}
        n = 0
        for p in pk.programs():
            self.assertEqual(p["loop"], p["kind"] == 1)
            if not p["loop"]:
                self.assertFalse(np.any(p["desc"][:, 12:15]))
                continue
            d0 = p["desc"][0]
            self.assertEqual(int(d0[0]), OP["LOOP"])
            self.assertEqual((int(d0[1]), int(d0[2])), (h["window"], len(p["desc"]) - 1))
            self.assertEqual(int(p["reloc"][0]), 0)
            for w, r in zip(p["desc"][1:], p["reloc"][1:]):
                words = [k for k in range(16) if (int(r) >> (2 * k)) & 3]
                self.assertLessEqual(len(words), 2)
                if not words:
                    self.assertFalse(np.any(w[12:15]))
                    continue
                k = words[0]
                self.assertEqual(int(w[13]) & 15, k)
                self.assertEqual(int(w[14]), stride[(int(r) >> (2 * k)) & 3])
                n += 1
        self.assertGreater(n, 0)

    def test_emulated_loops_equal_the_reference_and_submit_less(self):
        rc, out, err = run_cli("check", self.pkg)
        self.assertEqual(rc, 0, err)
        self.assertIn("6/6 equal", out)
        ems = {}
        for path in (self.pkg, self.flat):
            em = emulate.Emulator(package.read(path))
            em.run(6)
            ems[path] = em.stats
        # the same descriptors run on the tiles (+ one LOOP per body and window); the
        # runtime writes the bodies once per window instead of once per input
        self.assertGreater(ems[self.pkg]["descriptors"], ems[self.flat]["descriptors"])
        self.assertLess(ems[self.pkg]["submitted"] * 4, ems[self.flat]["submitted"])

    def test_runtime_fallback_when_the_ring_is_small(self):
        # rings of 8 slots: bodies longer than 7 run as per-input copies without their LOOP
        pk = package.read(self.pkg)
        em = emulate.Emulator(pk)
        outs = em.run(6, ring_slots=8)
        exp = np.frombuffer(pk.section("EXPECTED")[0], "<i4").reshape(pk.h["n_inputs"], -1)
        for i, o in enumerate(outs):
            np.testing.assert_array_equal(o, exp[i, :pk.h["out_elems"]])
        self.assertTrue(any(len(p["desc"]) > 7 for p in pk.programs() if p["loop"]))

    def test_latency_mode_has_no_loops(self):
        out = self.d.p("lat.pkg")
        rc, _, err = run_cli("compile", self.onnx, "-c", DIGITAL, "--inputs", self.npz,
                             "-o", out, "--mode", "latency")
        self.assertEqual(rc, 0, err)
        man = json.load(open(out + ".json"))
        for p in man["programs"]:
            if p["kind"] == "body":
                self.assertFalse(p["loop"])
                self.assertIn("window 1", p["loop_note"])
        rc, o, err = run_cli("check", out, "--limit", "3")
        self.assertEqual(rc, 0, err)

    def test_compiler_fallback_for_large_bodies(self):
        old = schedule.LOOP_RING_SLOTS
        schedule.LOOP_RING_SLOTS = 12
        try:
            out = self.d.p("small.pkg")
            rc, _, err = run_cli("compile", self.onnx, "-c", DIGITAL, "--inputs", self.npz,
                                 "-o", out)
        finally:
            schedule.LOOP_RING_SLOTS = old
        self.assertEqual(rc, 0, err)
        man = json.load(open(out + ".json"))
        sc = next(p for p in man["passes"] if p["pass"] == "schedule")
        self.assertGreater(len(sc["loops"]["per_input"]), 0)
        self.assertGreater(sc["loops"]["looped"], 0)
        for e in sc["loops"]["per_input"]:
            self.assertIn("exceed a 12-slot ring", e["reason"])
        for p in man["programs"]:
            if p["kind"] == "body":
                self.assertEqual(p["loop"], p["descriptors"] + 1 <= 12, p)
        rc, o, err = run_cli("check", out)
        self.assertEqual(rc, 0, err)
        self.assertIn("6/6 equal", o)

    def test_more_than_two_advancing_words_fall_back(self):
        s = schedule.Scheduler(None, [], None, "throughput", 16)
        body = TileProgram(0, 0, 1, [desc(OP["VEC"], Sym("frames", 0), Sym("frames", 64),
                                          Sym("outputs", 0), 4)])
        s.loop_body(body)
        self.assertFalse(body.loop)
        self.assertIn("3 per-input address words", body.loop_note)
        body = TileProgram(0, 0, 1, [desc(OP["VEC"], Sym("frames", 0), Sym("inputs", 64),
                                          Sym("weights", 0), 4)], notes=["0: t (1)"])
        s.loop_body(body)
        self.assertTrue(body.loop)
        w = body.words[1]
        self.assertEqual(w[13], 1 | (2 << 4))
        self.assertEqual((w[14].region, w[12].region), ("frames", "inputs"))
        self.assertIsInstance(w[14], Inc)
        self.assertEqual(body.notes, ["0: LOOP x16 over 1", "1: t (1)"])


if __name__ == "__main__":
    unittest.main()
