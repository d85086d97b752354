"""Invariants and cost models of the partition, replicate, reload and place passes, and the
SoC reader."""
import unittest

import numpy as np

from common import DIGITAL, PCM, M
from imcc import CompileError, quantize, soc as soc_mod
from imcc.frontend import lower, onnx_loader
from imcc.passes import partition, place, reload, replicate


def prepared(proto, soc):
    g = onnx_loader.from_proto(proto)
    m = lower.lower(g)
    m.layer_by_name = {L.name: L for L in m.layers}
    quantize.quantize(m, [x[None] for x in M.images(proto, 4)])
    blocks, info = partition.run(m, soc)
    return m, blocks, info


def small_soc(n=16, rows=64, cols=32, topo="mesh", **noc):
    cfg = {"tiles": [{"kind": "digital", "rows": rows, "cols": cols}] * n,
           "noc": dict({"topology": topo, "size_x": 5, "size_y": 4}, **noc)}
    return soc_mod.from_dict(cfg)


class PartitionTest(unittest.TestCase):
    def test_blocks_cover_every_weight_once(self):
        soc = small_soc()
        m, blocks, info = prepared(M.resnet(c=12), soc)
        for L in m.layers:
            if L.kind != "conv":
                continue
            K, N = L.wq.shape
            seen = np.zeros((K, N), int)
            groups = m.row_groups[L.name]
            self.assertEqual(sorted(np.concatenate(groups).tolist()), list(range(K)))
            for b in (b for b in blocks if b.layer == L.name):
                self.assertLessEqual(b.rows, 64)
                self.assertLessEqual(b.cols, 32)
                rows = groups[b.rb]
                seen[np.ix_(rows, np.arange(b.n0, b.n1))] += 1
                np.testing.assert_array_equal(b.w, L.wq[rows, b.n0:b.n1])
            self.assertTrue((seen == 1).all(), L.name)
        # 3x3x12 = 108 rows > 64: channel chunks of 64 // 9 = 7 -> 2 row blocks
        conv = [L for L in m.layers if L.kind == "conv"][1]
        self.assertEqual(info["layers"][conv.name]["row_blocks"], 2)
        self.assertGreater(info["array_utilisation"], 0)
        self.assertLessEqual(info["array_utilisation"], 1)

    def test_kernel_larger_than_tile(self):
        soc = small_soc(rows=8)
        with self.assertRaises(CompileError) as c:
            prepared(M.cnn(), soc)
        self.assertIn("3x3 kernel has more taps", str(c.exception))


class ReplicateTest(unittest.TestCase):
    def test_replicas_split_output_rows_and_shorten_the_slowest_stage(self):
        soc = soc_mod.load(DIGITAL)
        m, blocks, _ = prepared(M.cnn(hw=16), soc)
        out, info = replicate.run(m, blocks, soc, 16, "throughput", "auto")
        self.assertGreater(len(out), len(blocks))
        self.assertLessEqual(len(out), 16)
        self.assertLess(max(info["stage_ns_after"].values()),
                        max(info["stage_ns_before"].values()))
        for name, r in info["replicas"].items():
            oh = m.tensors[m.layer_by_name[name].output].h
            reps = sorted({(b.oy0, b.oy1) for b in out if b.layer == name})
            self.assertEqual(len(reps), r)
            self.assertEqual(reps[0][0], 0)
            self.assertEqual(reps[-1][1], oh)
            for (a0, a1), (b0, b1) in zip(reps, reps[1:]):
                self.assertEqual(a1, b0)

    def test_no_replication_in_latency_mode_or_when_off(self):
        soc = soc_mod.load(DIGITAL)
        m, blocks, _ = prepared(M.cnn(hw=16), soc)
        for mode, pol in (("latency", "auto"), ("throughput", "none")):
            out, info = replicate.run(m, blocks, soc, 16, mode, pol)
            self.assertEqual(len(out), len(blocks))
            self.assertEqual(info["replicas"], {})


class ReloadTest(unittest.TestCase):
    def test_phases_respect_the_tile_budget(self):
        soc = soc_mod.load(DIGITAL)
        m, blocks, _ = prepared(M.resnet(c=40, wide=True), soc)
        for T in (1, 2, 3, 16):
            phases, info = reload.run(m, blocks, soc, T, n_inputs=10, window=4)
            self.assertEqual(len(phases), -(-len(blocks) // T))
            self.assertTrue(all(len(p.blocks) <= T for p in phases))
            self.assertEqual(sum(len(p.blocks) for p in phases), len(blocks))
            # blocks stay in layer order: phase numbers never decrease
            ph = [b.phase for b in blocks]
            self.assertEqual(ph, sorted(ph))
            if len(phases) > 1:
                self.assertEqual(info["reloads"], len(phases) * 3 - 1)   # 3 windows of 4
                self.assertGreater(info["program_time_ns_total"], 0)
            else:
                self.assertEqual(info["reloads"], 0)
            self.assertEqual(info["endurance_consumed"], 0.0)    # SRAM

    def test_pcm_endurance_and_energy(self):
        soc = soc_mod.load(PCM)
        m, blocks, _ = prepared(M.resnet(c=40, wide=True), soc)
        _, one = reload.run(m, blocks, soc, 16, 10, 4)
        _, many = reload.run(m, blocks, soc, 2, 10, 4)
        self.assertGreater(many["endurance_consumed"], one["endurance_consumed"])
        self.assertGreater(one["endurance_consumed"], 0)
        self.assertGreater(many["program_energy_uj_total"], one["program_energy_uj_total"])


class PlaceTest(unittest.TestCase):
    def test_hops_not_worse_than_naive_and_tiles_distinct(self):
        soc = soc_mod.load(DIGITAL)
        m, blocks, _ = prepared(M.resnet(c=40, wide=True), soc)
        phases, _ = reload.run(m, blocks, soc, 16, 4, 4)
        info = place.run(m, phases, soc, 16, "hops")
        self.assertLessEqual(info["hop_bytes_per_input"], info["hop_bytes_per_input_naive"])
        for p in phases:
            tiles = [b.tile for b in p.blocks]
            self.assertEqual(len(tiles), len(set(tiles)))
        # the block with the most traffic sits on a tile nearest to DRAM
        bl = phases[0].blocks
        heavy = max(bl, key=lambda b: place.block_bytes(m, b))
        dmin = min(soc.hops(n, soc.dram_node) for n in soc.tile_nodes)
        self.assertEqual(soc.hops(soc.tile_nodes[heavy.tile], soc.dram_node), dmin)
        naive = place.run(m, phases, soc, 16, "naive")
        self.assertEqual([b.tile for b in phases[0].blocks], list(range(len(bl))))
        self.assertEqual(naive["hop_bytes_per_input"], naive["hop_bytes_per_input_naive"])


class SocTest(unittest.TestCase):
    def test_presets(self):
        for path, kind in ((DIGITAL, "digital"), (PCM, "analog")):
            s = soc_mod.load(path)
            self.assertEqual(len(s.tiles), 16)
            self.assertTrue(all(t["kind"] == kind and t["rows"] == 256 and t["cols"] == 256
                                for t in s.tiles))
            self.assertEqual((s.host_node, s.dram_node), (0, 17))
            self.assertEqual(s.tile_nodes, list(range(1, 17)))
            self.assertEqual(s.hops(0, 17), 5 + 2)
        self.assertEqual(soc_mod.load(PCM).tiles[5]["device"]["devices_per_weight"], 2)

    def test_topologies_and_defaults(self):
        s = soc_mod.from_dict({})
        self.assertEqual([t["kind"] for t in s.tiles], ["analog", "digital"])
        self.assertEqual((s.host_node, s.dram_node, s.tile_nodes), (0, 15, [1, 2]))
        self.assertEqual(s.tile_base, 0x20000000)
        self.assertEqual(s.dram_base, 0x40000000)
        t = soc_mod.from_dict({"noc": {"topology": "torus", "size_x": 4, "size_y": 4}})
        self.assertEqual(t.hops(0, 3), 1)
        r = soc_mod.from_dict({"noc": {"topology": "ring", "nodes": 8}})
        self.assertEqual(r.hops(1, 7), 2)
        with self.assertRaises(CompileError):
            soc_mod.from_dict({"tiles": [{"kind": "quantum"}]})


if __name__ == "__main__":
    unittest.main()
