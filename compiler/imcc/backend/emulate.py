"""A functional model of the tiles' command processors (digital-exact numerics) running a
package the way the runtime does (docs/compiler.md, "Runtime"): per window of B inputs, per
phase: setup programs (first window only when there is one phase), the body program once per
input with its relocations, the sync program; every tile's queue runs until it blocks in
WAIT/BARRIER; no progress with work left is a deadlock. `imcc check` compares the outputs with
the package's expected int8-reference outputs."""
import numpy as np

from .. import CompileError
from ..passes.schedule import OP, VEC, IN_OFF, IN_SIZE, OUT_OFF, OUT_SIZE, BIAS_OFF, SCALE_OFF

BUFFERS = [(0x1000, 0x1000), (0x2000, 0x1000), (IN_OFF, IN_SIZE), (OUT_OFF, OUT_SIZE),
           (0x40000, 0x40000)]
WIN = 0x100000


def s32(v):
    v = int(v) & 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


class Emulator:
    def __init__(self, pkg):
        h = self.h = pkg.h
        self.pkg = pkg
        self.base = h["load_addr"]
        self.mem = np.zeros(h["workspace_end"] - self.base, np.uint8)
        self.mem[:len(pkg.buf)] = np.frombuffer(pkg.buf, np.uint8)
        n = h["n_tiles"]
        self.win = [np.zeros(WIN, np.uint8) for _ in range(n)]
        self.w = [None] * n
        self.sem = [[0] * 16 for _ in range(n)]
        self.arrived = [False] * n
        self.q = [[] for _ in range(n)]
        self.stats = {"descriptors": 0, "mvm_vectors": 0}

    def region(self, addr, n):
        """(array, offset) holding [addr, addr + n)."""
        h = self.h
        if self.base <= addr and addr + n <= self.base + len(self.mem):
            return self.mem, addr - self.base
        t = (addr - h["tile_base"]) // h["tile_stride"]
        if 0 <= t < h["n_tiles"]:
            off = addr - h["tile_base"] - t * h["tile_stride"]
            if off + n <= WIN:
                return self.win[t], off
        raise CompileError(f"emulator: access {addr:#x}+{n} outside DRAM workspace and tiles")

    def local(self, tile, off, n, what):
        for b, s in BUFFERS:
            if b <= off and off + n <= b + s:
                return self.win[tile][off:off + n]
        raise CompileError(f"emulator: tile {tile}: {what}: local range {off:#x}+{n} not "
                           "inside one buffer")

    def box(self, w):
        base, pitch, width, height = int(w[1]), int(w[2]), int(w[3]) & 0xFFFF, int(w[3]) >> 16
        col0, row0 = s32(w[4]), s32(w[5])
        X, Y, Z = int(w[6]) & 0xFFFF, int(w[6]) >> 16, int(w[7]) & 0xFFFF
        pad = (int(w[7]) >> 16) & 0xFF
        dzc, dzr = s32(w[8]), s32(w[9])
        z = np.arange(Z)[:, None, None]
        rows = row0 + z * dzr + np.arange(Y)[None, :, None]
        cols = col0 + z * dzc + np.arange(X)[None, None, :]
        rows, cols = np.broadcast_to(rows, (Z, Y, X)), np.broadcast_to(cols, (Z, Y, X))
        ok = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
        arr, off = self.region(base, (height - 1) * pitch + width)
        idx = off + rows * pitch + cols
        return arr, idx, ok, pad, (X, Y, Z), int(w[10]), int(w[11])

    def step(self, t, w):
        op = int(w[0]) & 0xFF
        win = self.win[t]
        if op in (OP["NOP"], OP["FENCE"], OP["SIGNAL"]):
            return True
        if op == OP["WAIT"]:
            s, c = int(w[1]), int(w[2])
            if self.sem[t][s] >= c:
                self.sem[t][s] -= c
                return True
            return False
        if op == OP["BARRIER"]:
            mask = int(w[1]) | (int(w[2]) << 32)
            s = int(w[3])
            if not self.arrived[t]:
                for k in range(self.h["n_tiles"]):
                    if mask >> k & 1:
                        self.sem[k][s] += 1
                self.arrived[t] = True
            need = bin(mask).count("1")
            if self.sem[t][s] >= need:
                self.sem[t][s] -= need
                self.arrived[t] = False
                return True
            return False
        if op == OP["SEND"]:
            src, n, dt, doff, s, inc = (int(v) for v in w[1:7])
            if n:
                self.win[dt][doff:doff + n] = win[src:src + n]
            if s != 0xFF:
                self.sem[dt][s] += inc
            return True
        if op in (OP["LOAD"], OP["STORE"]):
            arr, idx, ok, pad, (X, Y, Z), loff, zs = self.box(w)
            zs = zs or X * Y
            lidx = loff + np.arange(Z)[:, None, None] * zs + \
                np.arange(Y)[None, :, None] * X + np.arange(X)[None, None, :]
            self.local(t, loff, int(lidx.max()) - loff + 1, "LOAD/STORE")
            if op == OP["LOAD"]:
                win[lidx] = np.where(ok, arr[np.where(ok, idx, 0)], pad)
            else:
                arr[idx[ok]] = win[lidx[ok]]
            return True
        if op == OP["PROGRAM"]:
            src, r, c = int(w[1]), int(w[2]), int(w[3])
            arr, off = self.region(src, r * c)
            self.w[t] = arr[off:off + r * c].view(np.int8).reshape(r, c).astype(np.int64)
            return True
        if op == OP["MVM"]:
            r, c, b, ioff, ooff, post, sh = (int(v) for v in w[1:8])
            W = self.w[t]
            if W is None or W.shape != (r, c):
                raise CompileError(f"emulator: tile {t}: MVM {r}x{c} but the array holds "
                                   f"{None if W is None else W.shape}")
            x = self.local(t, ioff, r * b, "MVM IN").view(np.int8).reshape(b, r).astype(np.int64)
            a = x @ W
            self.stats["mvm_vectors"] += b
            if post & 2:
                a = a + win[BIAS_OFF:BIAS_OFF + 4 * c].view("<i4").astype(np.int64)
            a = np.clip(a, -(2 ** 31), 2 ** 31 - 1)
            if post & 4:
                a = np.maximum(a, 0)
            if post & 8:
                sc = win[SCALE_OFF:SCALE_OFF + 4 * c].view("<i4").astype(np.int64)
                p = a * sc
                if sh:
                    p = (p + (1 << (sh - 1))) >> sh
                out = np.clip(p, -128, 127).astype(np.int8).view(np.uint8)
            else:
                out = a.astype("<i4").view(np.uint8)
            self.local(t, ooff, out.size, "MVM OUT")[:] = out.reshape(-1)
            return True
        if op == OP["VEC"]:
            sub = int(w[0]) >> 16
            aoff, boff, doff, n = int(w[1]), int(w[2]), int(w[3]), int(w[4])
            if sub == VEC["ADD"]:
                a = self.local(t, aoff, n, "VEC").view(np.int8).astype(np.int64)
                b = self.local(t, boff, n, "VEC").view(np.int8).astype(np.int64)
                sh = int(w[7])
                p = a * s32(w[5]) + b * s32(w[6])
                if sh:
                    p = (p + (1 << (sh - 1))) >> sh
                res = np.clip(p, -128, 127)
            elif sub == VEC["RELU"]:
                res = np.maximum(self.local(t, aoff, n, "VEC").view(np.int8), 0)
            elif sub in (VEC["MAXPOOL"], VEC["AVGPOOL"]):
                k, st = int(w[5]), int(w[6])
                span = (k - 1) * st + n
                a = self.local(t, aoff, span, "VEC").view(np.int8).astype(np.int64)
                g = np.stack([a[j * st:j * st + n] for j in range(k)])
                res = g.max(axis=0) if sub == VEC["MAXPOOL"] else \
                    (2 * g.sum(axis=0) + k) // (2 * k)
            elif sub == VEC["REQUANT"]:
                a = self.local(t, aoff, 4 * n, "VEC").view("<i4").astype(np.int64)
                sh = int(w[7])
                p = a * s32(w[5])
                if sh:
                    p = (p + (1 << (sh - 1))) >> sh
                res = np.clip(p, -128, 127)
                if int(w[8]) & 1:
                    res = np.maximum(res, 0)
            elif sub == VEC["COPY"]:
                res = self.local(t, aoff, n, "VEC").view(np.int8).copy()
            else:
                raise CompileError(f"emulator: tile {t}: VEC subop {sub}")
            self.local(t, doff, n, "VEC DST")[:] = np.asarray(res, np.int64).astype(
                np.int8).view(np.uint8)
            return True
        raise CompileError(f"emulator: tile {t}: op {op}")

    def drain(self):
        pos = [0] * len(self.q)
        while True:
            progress = False
            for t, q in enumerate(self.q):
                while pos[t] < len(q):
                    if not self.step(t, q[pos[t]]):
                        break
                    pos[t] += 1
                    progress = True
                    self.stats["descriptors"] += 1
            if all(pos[t] == len(q) for t, q in enumerate(self.q)):
                break
            if not progress:
                stuck = [f"tile {t} at {pos[t]}" for t, q in enumerate(self.q) if pos[t] < len(q)]
                raise CompileError("emulator: deadlock: " + ", ".join(stuck))
        self.q = [[] for _ in self.q]

    def enqueue(self, prog, n):
        h = self.h
        rel = {1: n * h["in_stride"], 2: (n % h["window"]) * h["frame_size"],
               3: n * h["out_stride"]}
        for w, r in zip(prog["desc"], prog["reloc"]):
            w = w.astype(np.int64)
            r = int(r)
            if r:
                w = w.copy()
                for k in range(16):
                    kind = (r >> (2 * k)) & 3
                    if kind:
                        w[k] = (w[k] + rel[kind]) & 0xFFFFFFFF
            self.q[prog["tile"]].append(w)

    def run(self, limit=None):
        h = self.h
        n_in = h["n_inputs"] if limit is None else min(limit, h["n_inputs"])
        progs = self.pkg.programs()
        B = h["window"]
        for w0 in range(0, n_in, B):
            for ph in range(h["n_phases"]):
                if h["n_phases"] > 1 or w0 == 0:
                    for p in progs:
                        if p["phase"] == ph and p["kind"] == 0:
                            self.enqueue(p, 0)
                    self.drain()
                for n in range(w0, min(n_in, w0 + B)):
                    for p in progs:
                        if p["phase"] == ph and p["kind"] == 1:
                            self.enqueue(p, n)
                for p in progs:
                    if p["phase"] == ph and p["kind"] == 2:
                        self.enqueue(p, 0)
                self.drain()
        out = []
        dt = "<i4" if h["out_elem_size"] == 4 else np.int8
        for n in range(n_in):
            o = h["outputs_addr"] - self.base + n * h["out_stride"]
            out.append(self.mem[o:o + h["out_elems"] * h["out_elem_size"]].view(dt).copy())
        return out
