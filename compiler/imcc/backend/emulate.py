"""A functional model of the tiles' command processors (digital-exact numerics) running a
package the way the runtime does (docs/compiler.md, "Runtime"): per window of B inputs, per
phase: setup programs (first window only when there is one phase), the body program (a LOOP
program once per window with the window's relocation and COUNT = its inputs, else once per
input with the input's relocation), the sync program. Each tile has a descriptor ring of
package.ring_slots(...) slots fed round-robin as imcrt feeds it (a LOOP and its body at once);
every command processor runs until its ring is empty or it blocks in WAIT/BARRIER; no
progress with work left is a deadlock.

The ring and the command processor follow models/imc/command_processor.cpp (cp_run_one,
cp_loop): free-running Q_HEAD/Q_TAIL, loop increments applied to a copy of the slot (i*INC_A
to WORD_A, i*INC_B to WORD_B in iteration i, iteration 0 outside a loop), a STATUS word written
back to the slot, Q_HEAD held at the first body slot until the last iteration ends, no nested
loops, and the LOOP errors (bad_op, bad_batch, bad_queue); an error halts the ring.
`imcc check` compares the outputs with the package's expected int8-reference outputs."""
import numpy as np

from .. import CompileError, reference
from ..passes.schedule import (OP, VEC, IN_OFF, IN_SIZE, OUT_OFF, OUT_SIZE, BIAS_OFF, SCALE_OFF,
                               INC_A, INC_B, INC_WORDS)
from . import package

ERR = {"ok": 0, "bad_op": 2, "bad_batch": 4, "bad_queue": 10}
ERR_NAME = {v: k for k, v in ERR.items()}


class TileError(CompileError):
    """A descriptor failed on a tile (the ring halts; imcrt exits 6)."""

    def __init__(self, tile, index, code, field, why):
        self.tile, self.index, self.code, self.field = tile, index, code, field
        super().__init__(f"emulator: tile {tile} queue[{index}]: {ERR_NAME.get(code, code)} "
                         f"(word {field}): {why}")


class Ring:
    """A tile's descriptor ring and the CP's queue state (command_processor.cpp)."""

    def __init__(self, size):
        self.size = size
        self.slots = np.zeros((size, 16), np.uint32)
        self.head = self.tail = self.fetch = 0    # free-running, 32 bit
        self.loop = None                          # [start, end, count, iter]
        self.halted = None                        # TileError
        self.executed = 0

    def free(self):
        return self.size - ((self.tail - self.head) & 0xFFFFFFFF)

    def push(self, words):
        """Firmware writes a descriptor (STATUS = 0) and advances its tail (the doorbell)."""
        assert self.free() > 0, "ring full"
        w = np.asarray(words, np.int64) & 0xFFFFFFFF
        self.slots[self.tail % self.size] = w.astype(np.uint32)
        self.slots[self.tail % self.size, 15] = 0
        self.tail = (self.tail + 1) & 0xFFFFFFFF

    def has_work(self):
        return self.halted is None and self.fetch != self.tail

    def status(self, index):
        return int(self.slots[index % self.size, 15])

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
        self.rings = [Ring(package.RT_RING_SLOTS) for _ in range(n)]
        self.stats = {"descriptors": 0, "mvm_vectors": 0, "submitted": 0}
        try:  # tile geometry (TILES: kind u8, 0 u8, rows u16, cols u16, 0 u16 per tile)
            data, _ = pkg.section("TILES")
            self.geom = [tuple(np.frombuffer(bytes(data[8 * i + 2:8 * i + 6]), "<u2"))
                         for i in range(n)]
        except Exception:  # noqa: BLE001
            self.geom = [(256, 256)] * n

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
            r, c, b, ioff, ooff, post, sh, r0, c0 = (int(v) for v in w[1:10])
            W = self.w[t]
            gr, gc = self.geom[t] if t < len(self.geom) else (256, 256)
            if W is None:
                raise CompileError(f"emulator: tile {t}: MVM before PROGRAM")
            if r0 + r > gr or c0 + c > gc:
                raise CompileError(f"emulator: tile {t}: MVM rows {r0}..+{r} x columns "
                                   f"{c0}..+{c} beyond the {gr}x{gc} array (bad_dim)")
            if r0 + r > W.shape[0] or c0 + c > W.shape[1]:
                raise CompileError(f"emulator: tile {t}: MVM rows {r0}..+{r} x columns "
                                   f"{c0}..+{c} outside the programmed {W.shape} image")
            # as imc_tile.cpp do_mvm: x padded with zeros before ROW0, y from column COL0,
            # BIAS/SCALE at the physical column COL0 + j
            x = self.local(t, ioff, r * b, "MVM IN").view(np.int8).reshape(b, r).astype(np.int64)
            a = x @ W[r0:r0 + r, c0:c0 + c]
            self.stats["mvm_vectors"] += b
            if post & 2:
                a = a + win[BIAS_OFF + 4 * c0:BIAS_OFF + 4 * (c0 + c)].view("<i4").astype(
                    np.int64)
            a = np.clip(a, -(2 ** 31), 2 ** 31 - 1)
            if post & 4:
                a = np.maximum(a, 0)
            if post & 8:
                sc = win[SCALE_OFF + 4 * c0:SCALE_OFF + 4 * (c0 + c)].view("<i4").astype(
                    np.int64)
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
            elif sub == VEC["ADD32"]:  # int32 elements: dst = sat32(a + b)
                a = self.local(t, aoff, 4 * n, "VEC").view("<i4").astype(np.int64)
                b = self.local(t, boff, 4 * n, "VEC").view("<i4").astype(np.int64)
                res = np.clip(a + b, -(2 ** 31), 2 ** 31 - 1)
                self.local(t, doff, 4 * n, "VEC DST")[:] = res.astype("<i4").view(np.uint8)
                return True
            else:
                raise CompileError(f"emulator: tile {t}: VEC subop {sub}")
            self.local(t, doff, n, "VEC DST")[:] = np.asarray(res, np.int64).astype(
                np.int8).view(np.uint8)
            return True
        raise CompileError(f"emulator: tile {t}: op {op}")

    # ---- the command processor (models/imc/command_processor.cpp, cp_run_one / cp_loop)
    def run_one(self, t):
        """Fetches and runs the descriptor at the ring's fetch index. False: blocked in
        WAIT/BARRIER (nothing changes; it runs again later)."""
        q = self.rings[t]
        idx = q.fetch
        d = q.slots[idx % q.size].astype(np.int64)
        op = int(d[0]) & 0xFF
        err = (0, 0, "")
        inc = int(d[INC_WORDS])
        wa, wb = inc & 0xF, (inc >> 4) & 0xF
        if wa > 11 or wb > 11 or inc >> 8:
            err = (ERR["bad_op"], INC_WORDS, "loop increment word indices must be 0 or 1..11")
        else:
            it = q.loop[3] if q.loop else 0
            if wa:
                d[wa] = (d[wa] + it * d[INC_A]) & 0xFFFFFFFF
            if wb:
                d[wb] = (d[wb] + it * d[INC_B]) & 0xFFFFFFFF
            if op == OP["LOOP"]:
                err = self.cp_loop(q, d, idx)
            elif not self.step(t, d):
                return False
        q.slots[idx % q.size, 15] = 1 | (err[0] << 8) | (err[1] << 16)
        if op == OP["LOOP"] and not err[0]:
            q.fetch = q.head = (idx + 1) & 0xFFFFFFFF
        elif q.loop and idx + 1 == q.loop[1]:
            q.loop[3] += 1
            if q.loop[3] < q.loop[2]:
                q.fetch = q.loop[0]
            else:
                q.fetch = q.head = q.loop[1]
                q.loop = None
        else:
            q.fetch = (idx + 1) & 0xFFFFFFFF
            if not q.loop:
                q.head = q.fetch
        q.executed += 1
        self.stats["descriptors"] += 1
        if err[0]:
            q.halted = TileError(t, idx, err[0], err[1], err[2])
        return True

    @staticmethod
    def cp_loop(q, d, idx):
        count, body = int(d[1]), int(d[2])
        if q.loop:
            return ERR["bad_op"], 0, "LOOP inside a LOOP body"
        if count == 0:
            return ERR["bad_batch"], 1, "COUNT must be >= 1"
        if body == 0 or body >= q.size:
            return ERR["bad_queue"], 2, "BODY must be 1..Q_SIZE-1"
        if ((q.tail - (idx + 1)) & 0xFFFFFFFF) < body:
            return ERR["bad_queue"], 2, "the BODY descriptors are not in the ring yet (Q_TAIL)"
        q.loop = [(idx + 1) & 0xFFFFFFFF, (idx + 1 + body) & 0xFFFFFFFF, count, 0]
        return 0, 0, ""

    def run_ring(self, t):
        """Runs tile t's CP until its ring is empty, it blocks or halts; True if it ran any."""
        q, ran = self.rings[t], False
        while q.has_work():
            if not self.run_one(t):
                break
            ran = True
        return ran

    # ---- host steps (imcrt hostops.c; the integer kernels of reference.py)
    def host_step(self, w, n):
        h = self.h
        rel = {0: 0, 1: n * h["in_stride"], 2: (n % h["window"]) * h["frame_size"],
               3: n * h["out_stride"]}
        a = [(int(w[k]) + rel[(int(w[15]) >> (2 * k)) & 3]) & 0xFFFFFFFF for k in range(15)]
        op = a[0]

        def rd(addr, cnt, dt=np.int8):
            arr, off = self.region(addr, cnt * np.dtype(dt).itemsize)
            return arr[off:off + cnt * np.dtype(dt).itemsize].view(dt).astype(np.int64)

        def wr(addr, y):
            y = np.asarray(y, np.int64).reshape(-1)
            arr, off = self.region(addr, y.size)
            arr[off:off + y.size] = y.astype(np.int8).view(np.uint8)

        if op == 1:      # layer norm
            rows, F, E = a[6], a[7], a[8]
            par = rd(a[5], 2 * F, "<i4")
            wr(a[4], reference.host_layernorm(rd(a[2], rows * F), F, par[:F], par[F:], E))
        elif op == 2:    # LUT (GELU)
            wr(a[4], reference.host_lut(rd(a[2], a[6]), rd(a[5], 256)))
        elif op == 3:    # softmax
            rows, L = a[6], a[7]
            wr(a[4], reference.host_softmax(rd(a[2], rows * L), L, rd(a[5], 256, "<i4")))
        elif op == 4:    # matmul
            bt, M, K, N, mul, sh = a[6], a[7], a[8], a[9], s32(a[10]), a[11]
            wr(a[4], reference.host_matmul(rd(a[2], bt * M * K), rd(a[3], bt * K * N), bt, M,
                                           K, N, mul, sh))
        elif op == 5:    # permute
            dims = a[6:10]
            perm = [(a[10] >> (4 * i)) & 15 for i in range(4)]
            wr(a[4], reference.host_permute(rd(a[2], int(np.prod(dims))), dims, perm))
        else:
            raise CompileError(f"emulator: host step op {op}")
        self.stats["host_steps"] = self.stats.get("host_steps", 0) + 1

    # ---- the runtime (imcrt's stages)
    def relocated(self, prog, j, n):
        h = self.h
        rel = {1: n * h["in_stride"], 2: (n % h["window"]) * h["frame_size"],
               3: n * h["out_stride"]}
        w = prog["desc"][j].astype(np.int64)
        r = int(prog["reloc"][j])
        for k in range(16):
            kind = (r >> (2 * k)) & 3
            if kind:
                w[k] = (w[k] + rel[kind]) & 0xFFFFFFFF
        return w

    def jobs(self, prog, n0, nwin):
        """One tile's stream for a program: a list of jobs, each a list of descriptors that
        must enter the ring together (a LOOP and its body) or one descriptor."""
        if prog["kind"] != 1:
            return [[self.relocated(prog, j, 0)] for j in range(len(prog["desc"]))]
        ring = self.rings[prog["tile"]]
        if prog["loop"] and len(prog["desc"]) <= ring.size - 1:
            ds = [self.relocated(prog, j, n0) for j in range(len(prog["desc"]))]
            ds[0][1] = nwin                        # the window's input count
            return [ds]
        first = 1 if prog["loop"] else 0           # per-input copies: the LOOP is left out
        return [[self.relocated(prog, j, n)] for n in range(n0, n0 + nwin)
                for j in range(first, len(prog["desc"]))]

    def stage(self, streams):
        """Feeds every tile's stream into its ring round-robin (a job only when it fits) and
        runs the command processors until everything has run."""
        pos = {t: 0 for t in streams}
        while True:
            progress = False
            for t, js in streams.items():
                q = self.rings[t]
                while pos[t] < len(js) and len(js[pos[t]]) <= q.free():
                    for w in js[pos[t]]:
                        q.push(w)
                    self.stats["submitted"] += len(js[pos[t]])
                    pos[t] += 1
                    progress = True
            for t, q in enumerate(self.rings):
                progress |= self.run_ring(t)
                if q.halted:
                    raise q.halted
            if all(pos[t] == len(js) for t, js in streams.items()) and \
                    not any(q.has_work() for q in self.rings):
                return
            if not progress:
                stuck = [f"tile {t} at queue[{q.fetch}]" for t, q in enumerate(self.rings)
                         if q.has_work()]
                raise CompileError("emulator: deadlock: " + ", ".join(stuck))

    def run(self, limit=None, ring_slots=None):
        """Runs the first `limit` inputs. ring_slots: every tile's ring size (default: the
        runtime's rule, package.ring_slots)."""
        h = self.h
        n_in = h["n_inputs"] if limit is None else min(limit, h["n_inputs"])
        progs = self.pkg.programs()
        for t in range(h["n_tiles"]):
            big = max([len(p["desc"]) for p in progs if p["tile"] == t and p["loop"]] or [0])
            self.rings[t] = Ring(ring_slots or package.ring_slots(big))
        B = h["window"]
        resident = h["flags"] & package.FLAG_RESIDENT
        steps = self.pkg.host_steps()
        if resident:   # every phase's weights programmed once, before the first window
            for ph in range(h["n_phases"]):
                self.stage({p["tile"]: self.jobs(p, 0, 0) for p in progs
                            if p["phase"] == ph and p["kind"] == 0})
        for w0 in range(0, n_in, B):
            nwin = min(n_in, w0 + B) - w0
            for ph in range(h["n_phases"]):
                if not resident and (h["n_phases"] > 1 or w0 == 0):
                    self.stage({p["tile"]: self.jobs(p, 0, 0) for p in progs
                                if p["phase"] == ph and p["kind"] == 0})
                streams = {}
                for kind in (1, 2):
                    for p in progs:
                        if p["phase"] == ph and p["kind"] == kind:
                            streams.setdefault(p["tile"], []).extend(self.jobs(p, w0, nwin))
                self.stage(streams)
                for n in range(w0, w0 + nwin):      # the host steps after this phase
                    for w in steps:
                        if int(w[1]) == ph:
                            self.host_step(w, n)
        out = []
        dt = "<i4" if h["out_elem_size"] == 4 else np.int8
        for n in range(n_in):
            o = h["outputs_addr"] - self.base + n * h["out_stride"]
            out.append(self.mem[o:o + h["out_elems"] * h["out_elem_size"]].view(dt).copy())
        return out
