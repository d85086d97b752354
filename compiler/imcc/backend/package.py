"""The package format (docs/compiler.md, "Package format"); little-endian, version 3
(version 2 = version 1 + the PROGRAMS flags word: LOOP body programs; version 3 = version 2 +
the HOSTSTEPS section (host layers between tile stages) and the RESIDENT header flag).

Header (128 bytes), a section directory (16 bytes per section), then the sections, each
64-byte aligned. Absolute addresses in descriptors and in the header assume the package sits
at LOAD_ADDR (header word 16; `imcvp run --load PKG@LOAD_ADDR`)."""
import struct

import numpy as np

from .. import CompileError

MAGIC = 0x43434D49            # bytes "IMCC"
VERSION = 3
HEADER_SIZE = 128
LOAD_OFFSET = 0x100000        # LOAD_ADDR = dram.base + 1 MiB
RING_SLOTS = 1024
MAX_SIZE = 1 << 30

SEC = {"TILES": 1, "PROGRAMS": 2, "DESCRIPTORS": 3, "RELOCS": 4, "WEIGHTS": 5, "PARAMS": 6,
       "INPUTS": 7, "LABELS": 8, "EXPECTED": 9, "HOSTOPS": 10, "OUTSCALES": 11,
       "HOSTSTEPS": 12}
SEC_NAME = {v: k for k, v in SEC.items()}
HOSTOP = {"argmax": 1, "softmax": 2}
FLAG_THROUGHPUT, FLAG_LABELS, FLAG_OUT_I32, FLAG_RESIDENT = 1, 2, 4, 8
HOSTSTEP_WORDS = 16           # HOSTSTEPS entry: 16 u32 words, word 15 = relocation kinds
PROG_LOOP = 1                 # PROGRAMS flags: descriptor 0 is a LOOP over the rest
RT_RING_SLOTS = 256           # imcrt's ring per tile (TCM), grown for LOOP bodies


def ring_slots(loop_descs):
    """The ring a runtime gives a tile whose largest LOOP program (LOOP + body) has
    `loop_descs` descriptors: a power of two >= max(256, loop_descs + 1) (room for the sync
    too), at most RING_SLOTS. imcrt and the emulator use this rule; a LOOP program that does
    not fit the ring it gets is copied once per input instead (descriptors 1.., no LOOP)."""
    n = RT_RING_SLOTS
    while n < loop_descs + 1 and n < RING_SLOTS:
        n *= 2
    return n

HDR_FIELDS = [  # (offset, name, struct format)
    (0, "magic", "I"), (4, "version", "H"), (6, "header_size", "H"), (8, "total_size", "I"),
    (12, "checksum", "I"), (16, "load_addr", "I"), (20, "flags", "I"), (24, "n_tiles", "I"),
    (28, "tile_base", "I"), (32, "tile_stride", "I"), (36, "dram_base", "I"),
    (40, "dram_size", "I"), (44, "tiles_hash", "I"), (48, "n_sections", "I"),
    (52, "dir_off", "I"), (56, "n_inputs", "I"), (60, "in_size", "I"), (64, "in_stride", "I"),
    (68, "out_elems", "I"), (72, "out_elem_size", "I"), (76, "out_stride", "I"),
    (80, "inputs_addr", "I"), (84, "outputs_addr", "I"), (88, "frames_addr", "I"),
    (92, "frame_size", "I"), (96, "window", "I"), (100, "n_phases", "I"),
    (104, "rings_addr", "I"), (108, "ring_bytes", "I"), (112, "workspace_end", "I"),
    (116, "n_programs", "I"), (120, "name", "8s")]


def fnv1a(data):
    h = 0x811C9DC5
    a = np.frombuffer(bytes(data), np.uint8)
    # chunked pure-python would be slow for MBs: process in numpy-friendly loop
    for b in a.tolist():
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def pack_header(h):
    buf = bytearray(HEADER_SIZE)
    for off, name, fmt in HDR_FIELDS:
        struct.pack_into("<" + fmt, buf, off, h[name])
    return buf


def unpack_header(buf):
    h = {}
    for off, name, fmt in HDR_FIELDS:
        h[name] = struct.unpack_from("<" + fmt, buf, off)[0]
    return h


def align(n, a=64):
    return -(-n // a) * a


def build(soc, sched, progs, model, images_q, labels, expected, mode, window, name):
    """Lays out and serialises the package. Returns (bytes, header dict, layout dict)."""
    from ..passes.schedule import RELOC, Inc, Sym
    n = len(images_q)
    in_size = images_q[0].size if n else model.tensors[model.input].nbytes
    in_stride = align(in_size)
    ot = model.tensors[model.output]
    out_elems, out_es = ot.h * ot.w * ot.c, ot.esize
    out_stride = align(out_elems * out_es)
    progs = sorted(progs, key=lambda p: (p.phase, p.kind, p.tile))
    n_desc = sum(len(p.words) for p in progs)
    tiles_tab = soc.fingerprint()
    inputs = bytearray()
    for x in images_q:
        b = np.asarray(x, np.int8).tobytes()
        inputs += b + bytes(in_stride - len(b))
    exp = bytearray()
    for e in expected:
        b = np.asarray(e, "<i4" if out_es == 4 else np.int8).reshape(-1).tobytes()
        exp += b + bytes(out_stride - len(b))
    hostops = b"".join(struct.pack("<IIII", HOSTOP[o], out_elems, out_es, 0)
                       for o in model.host_ops + ["argmax"])
    sections = [("TILES", tiles_tab, soc and len(soc.tiles)),
                ("PROGRAMS", bytes(32 * len(progs)), len(progs)),
                ("DESCRIPTORS", bytes(64 * n_desc), n_desc),
                ("RELOCS", bytes(4 * n_desc), n_desc),
                ("WEIGHTS", bytes(sched.weights), len(sched.weights)),
                ("PARAMS", bytes(sched.params), len(sched.params) // 4),
                ("INPUTS", bytes(inputs), n),
                ("LABELS", bytes(np.asarray(labels, np.uint8).tobytes()) if labels is not None
                 else b"", n if labels is not None else 0),
                ("EXPECTED", bytes(exp), n),
                ("HOSTOPS", hostops, len(hostops) // 16),
                ("OUTSCALES", np.asarray(model.output_scales, "<f4").tobytes(), out_elems),
                ("HOSTSTEPS", bytes(64 * len(sched.host_steps)), len(sched.host_steps))]
    off = HEADER_SIZE + align(16 * len(sections))
    layout = {}
    for nm, data, cnt in sections:
        layout[nm] = (off, len(data), cnt)
        off = align(off + len(data))
    total = off
    load_addr = soc.dram_base + LOAD_OFFSET
    ws = align(load_addr + total, 4096)
    outputs_addr = ws
    frames_addr = align(outputs_addr + max(1, n) * out_stride, 4096)
    rings_addr = align(frames_addr + window * align(sched.frame_size), 4096)
    ring_bytes = 64 * RING_SLOTS
    end = rings_addr + len(soc.tiles) * ring_bytes
    if end > soc.dram_base + soc.dram_size or total > MAX_SIZE:
        raise CompileError(f"model larger than DRAM: package {total} B + workspace "
                           f"{end - ws} B from {load_addr:#x} exceed the DRAM window "
                           f"{soc.dram_base:#x}+{soc.dram_size:#x}")
    region = {"weights": load_addr + layout["WEIGHTS"][0],
              "params": load_addr + layout["PARAMS"][0],
              "inputs": load_addr + layout["INPUTS"][0], "frames": frames_addr,
              "outputs": outputs_addr}
    stride = {"inputs": in_stride, "frames": align(sched.frame_size), "outputs": out_stride}
    buf = bytearray(total)
    d_off, r_off = layout["DESCRIPTORS"][0], layout["RELOCS"][0]
    p_off = layout["PROGRAMS"][0]
    idx = 0
    for pi, p in enumerate(progs):
        struct.pack_into("<8I", buf, p_off + 32 * pi, p.tile, p.phase, p.kind, len(p.words),
                         load_addr + d_off + 64 * idx, load_addr + r_off + 4 * idx, idx,
                         PROG_LOOP if getattr(p, "loop", False) else 0)
        for w in p.words:
            rel = 0
            vals = []
            for k, v in enumerate(w):
                if isinstance(v, Sym):
                    rel |= RELOC.get(v.region, 0) << (2 * k)
                    v = region[v.region] + v.off
                elif isinstance(v, Inc):
                    v = stride[v.region]
                vals.append(v & 0xFFFFFFFF)
            struct.pack_into("<16I", buf, d_off + 64 * idx, *vals)
            struct.pack_into("<I", buf, r_off + 4 * idx, rel)
            idx += 1
    hs_off = layout["HOSTSTEPS"][0]
    for i, st in enumerate(sched.host_steps):
        rel, vals = 0, []
        for k, v in enumerate(st["words"][:15]):
            if isinstance(v, Sym):
                rel |= RELOC.get(v.region, 0) << (2 * k)
                v = region[v.region] + v.off
            vals.append(int(v) & 0xFFFFFFFF)
        struct.pack_into("<16I", buf, hs_off + 64 * i, *vals, rel)
    for nm, data, cnt in sections:
        if nm in ("PROGRAMS", "DESCRIPTORS", "RELOCS", "HOSTSTEPS"):
            continue
        o = layout[nm][0]
        buf[o:o + len(data)] = data
    d = HEADER_SIZE
    for nm, data, cnt in sections:
        struct.pack_into("<4I", buf, d, SEC[nm], layout[nm][0], len(data), cnt or 0)
        d += 16
    flags = (FLAG_THROUGHPUT if mode == "throughput" else 0) | \
        (FLAG_LABELS if labels is not None else 0) | (FLAG_OUT_I32 if out_es == 4 else 0) | \
        (FLAG_RESIDENT if getattr(model, "segmented", False) else 0)
    h = {"magic": MAGIC, "version": VERSION, "header_size": HEADER_SIZE, "total_size": total,
         "checksum": 0, "load_addr": load_addr, "flags": flags, "n_tiles": len(soc.tiles),
         "tile_base": soc.tile_base, "tile_stride": soc.tile_stride,
         "dram_base": soc.dram_base, "dram_size": soc.dram_size & 0xFFFFFFFF,
         "tiles_hash": fnv1a(tiles_tab), "n_sections": len(sections), "dir_off": HEADER_SIZE,
         "n_inputs": n, "in_size": in_size, "in_stride": in_stride, "out_elems": out_elems,
         "out_elem_size": out_es, "out_stride": out_stride, "inputs_addr": region["inputs"],
         "outputs_addr": outputs_addr, "frames_addr": frames_addr,
         "frame_size": align(sched.frame_size), "window": window,
         "n_phases": len(sched.phases), "rings_addr": rings_addr, "ring_bytes": ring_bytes,
         "workspace_end": end, "n_programs": len(progs),
         "name": name.encode()[:8].ljust(8, b"\0")}
    buf[:HEADER_SIZE] = pack_header(h)
    h["checksum"] = fnv1a(buf[16:])
    struct.pack_into("<I", buf, 12, h["checksum"])
    layout = {k: {"offset": v[0], "size": v[1], "count": v[2]} for k, v in layout.items()}
    return bytes(buf), h, layout


class Package:
    """A parsed, validated package (read(...) raises CompileError with the reason)."""

    def __init__(self, buf, h, sections):
        self.buf, self.h, self.sec = buf, h, sections

    def section(self, nm):
        o, size, cnt = self.sec[nm]
        return self.buf[o:o + size], cnt

    def programs(self):
        data, cnt = self.section("PROGRAMS")
        out = []
        la = self.h["load_addr"]
        for i in range(cnt):
            tile, phase, kind, nd, daddr, raddr, first, flags = struct.unpack_from(
                "<8I", data, 32 * i)
            d = np.frombuffer(self.buf, "<u4", nd * 16, daddr - la).reshape(nd, 16)
            r = np.frombuffer(self.buf, "<u4", nd, raddr - la)
            out.append({"tile": tile, "phase": phase, "kind": kind, "desc": d, "reloc": r,
                        "loop": bool(flags & PROG_LOOP)})
        return out

    def host_steps(self):
        data, cnt = self.section("HOSTSTEPS")
        return np.frombuffer(data, "<u4", 16 * cnt).reshape(cnt, 16)

    def array(self, nm, dtype):
        data, cnt = self.section(nm)
        return np.frombuffer(data, dtype)


def read(path_or_bytes, soc=None):
    if isinstance(path_or_bytes, (bytes, bytearray)):
        buf, src = bytes(path_or_bytes), "package"
    else:
        src = path_or_bytes
        try:
            with open(path_or_bytes, "rb") as f:
                buf = f.read()
        except OSError as e:
            raise CompileError(f"{src}: {e.strerror}")
    if len(buf) < HEADER_SIZE:
        raise CompileError(f"{src}: truncated ({len(buf)} bytes, the header alone is "
                           f"{HEADER_SIZE})")
    h = unpack_header(buf)
    if h["magic"] != MAGIC:
        raise CompileError(f"{src}: bad magic {h['magic']:#010x} (not an imcc package)")
    if h["version"] != VERSION or h["header_size"] != HEADER_SIZE:
        raise CompileError(f"{src}: version {h['version']} / header size {h['header_size']} "
                           f"(this reader: {VERSION} / {HEADER_SIZE})")
    if h["total_size"] != len(buf):
        raise CompileError(f"{src}: size {len(buf)} but the header says {h['total_size']} "
                           "(truncated or padded)")
    if fnv1a(buf[16:]) != h["checksum"]:
        raise CompileError(f"{src}: checksum mismatch (corrupt package)")
    secs = {}
    for i in range(h["n_sections"]):
        sid, off, size, cnt = struct.unpack_from("<4I", buf, h["dir_off"] + 16 * i)
        if sid not in SEC_NAME or off + size > len(buf) or off % 64:
            raise CompileError(f"{src}: section {i} (id {sid}) out of bounds or unknown")
        secs[SEC_NAME[sid]] = (off, size, cnt)
    for nm in SEC:
        if nm not in secs:
            raise CompileError(f"{src}: section {nm} missing")
    pkg = Package(buf, h, secs)
    tt, nt = pkg.section("TILES")
    if nt != h["n_tiles"] or len(tt) != 8 * nt or fnv1a(tt) != h["tiles_hash"]:
        raise CompileError(f"{src}: tile table inconsistent with the header")
    if soc is not None:
        check_soc(pkg, soc, src)
    validate(pkg, src)
    return pkg


def check_soc(pkg, soc, src="package"):
    h = pkg.h
    tt, _ = pkg.section("TILES")
    mine = soc.fingerprint()
    diffs = []
    if h["n_tiles"] != len(soc.tiles):
        diffs.append(f"{h['n_tiles']} tiles vs {len(soc.tiles)}")
    elif bytes(tt) != mine:
        diffs.append("tile kinds/geometry differ")
    for k, v in (("tile_base", soc.tile_base), ("tile_stride", soc.tile_stride),
                 ("dram_base", soc.dram_base), ("dram_size", soc.dram_size & 0xFFFFFFFF)):
        if h[k] != v:
            diffs.append(f"{k} {h[k]:#x} vs {v:#x}")
    if h["workspace_end"] > soc.dram_base + soc.dram_size:
        diffs.append("workspace beyond DRAM")
    if diffs:
        raise CompileError(f"{src}: built for another SoC ({'; '.join(diffs)}; this SoC: "
                           f"{soc.path})")


def validate(pkg, src="package"):
    """Structural checks the runtime makes too: programs inside the descriptor section, known
    ops, tiles that exist, absolute addresses inside the package, the workspace or a tile."""
    from ..passes.schedule import OP
    h = pkg.h
    la, total = h["load_addr"], h["total_size"]
    d_off, d_size, nd = pkg.sec["DESCRIPTORS"]
    r_off, _, _ = pkg.sec["RELOCS"]
    data, cnt = pkg.section("PROGRAMS")
    if cnt != h["n_programs"] or len(data) != 32 * cnt:
        raise CompileError(f"{src}: program table inconsistent")
    for i in range(cnt):
        tile, phase, kind, n, daddr, raddr, first, flags = struct.unpack_from("<8I", data,
                                                                              32 * i)
        if tile >= h["n_tiles"] or phase >= h["n_phases"] or kind > 2:
            raise CompileError(f"{src}: program {i}: tile {tile} / phase {phase} / kind {kind} "
                               "out of range")
        if flags & ~PROG_LOOP or (flags and (kind != 1 or n < 2)):
            raise CompileError(f"{src}: program {i}: bad flags {flags:#x}")
        if daddr != la + d_off + 64 * first or raddr != la + r_off + 4 * first or \
                first + n > nd:
            raise CompileError(f"{src}: program {i}: descriptors outside their section")
    ws_lo, ws_hi = h["outputs_addr"], h["workspace_end"]
    t_lo, t_hi = h["tile_base"], h["tile_base"] + h["n_tiles"] * h["tile_stride"]
    for p in pkg.programs():
        for j, w in enumerate(p["desc"]):
            op = int(w[0]) & 0xFF
            where = f"{src}: tile {p['tile']} phase {p['phase']} program {p['kind']} " \
                    f"descriptor {j}"
            is_loop = p["loop"] and j == 0
            if (op > OP["BARRIER"] and not (is_loop and op == OP["LOOP"])) or \
                    (p["loop"] and j == 0 and op != OP["LOOP"]) or \
                    (op != OP["VEC"] and w[0] >> 16) or (w[0] >> 9) & 0x7F:
                raise CompileError(f"{where}: bad op word {int(w[0]):#x}")
            if is_loop and (int(w[1]) != h["window"] or int(w[2]) != len(p["desc"]) - 1):
                raise CompileError(f"{where}: LOOP count {int(w[1])} / body {int(w[2])}, "
                                   f"expected {h['window']} / {len(p['desc']) - 1}")
            if int(w[13]) >> 8 or (int(w[13]) & 15) > 11 or (int(w[13]) >> 4 & 15) > 11:
                raise CompileError(f"{where}: loop increment words {int(w[13]):#x}")
            if op in (OP["LOAD"], OP["STORE"], OP["PROGRAM"]):
                a = int(w[1])
                if not (la <= a < la + total or ws_lo <= a < ws_hi or t_lo <= a < t_hi):
                    raise CompileError(f"{where}: address {a:#x} outside the package, the "
                                       "workspace and the tiles")
            if op in (OP["SEND"],) and w[3] >= h["n_tiles"]:
                raise CompileError(f"{where}: SEND to tile {int(w[3])}")
    for i, w in enumerate(pkg.host_steps()):
        if not 1 <= int(w[0]) <= 5 or int(w[1]) >= h["n_phases"]:
            raise CompileError(f"{src}: host step {i}: op {int(w[0])} / phase {int(w[1])} out "
                               "of range")
