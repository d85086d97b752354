"""schedule: per-tile command-queue programs (docs/command-queues.md descriptors).

Every layer becomes tasks: a conv/dense block is one task on its tile; a vector layer (Add,
pools, Concat) is one task on the tile of its producer latest in the task order, in the same
phase (the tile's vector unit; weightless): with the pack pass's contiguous bins this keeps
every tile's tasks a contiguous stretch of the task order (no dependency path leaves a tile and
comes back to it, so the tiles pipeline). A task for one input:
  WAIT on one semaphore per producer tile in the same phase (count = that tile's producer
  tasks), the task's LOAD / MVM / VEC / STORE descriptors (inputs and outputs in DRAM), then
  FENCE and one SEND (LEN 0, +1) per consumer task on another tile.
Per tile and phase there are three programs: setup (PROGRAM the block's weights, LOAD its
bias/scale), body (one input, wrapped in a LOOP over the window's inputs whose loop increments
advance the per-input addresses, so the runtime copies it once per window; or, when it cannot
be a LOOP, appended once per input with the input's relocation), sync (BARRIER over the
phase's tiles on SEM 15, once per window of B inputs).
Throughput mode: B = min(N, 16) inputs in flight (activation frames in DRAM per slot), the
tiles of a phase run different inputs at once (a pipeline). Latency mode: B = 1 (one input at
a time; a layer waits for the previous layer's tasks).
Packed tiles (pack pass): the setup programs the tile's whole packed image with one PROGRAM
and LOADs bias and scale by physical column; every MVM names its block's ROW0/COL0, a chain
block's partial sums go to BIAS at 4*COL0.
Semaphores 0..14 are allocated per (consumer task, producer tile); more than 15 on a tile is
refused. Cost model: per-descriptor time estimates (cost.py) summed per tile per input
(throughput bound = the busiest tile) and along the task graph (latency)."""
from .. import CompileError
from ..ir import Task, TileProgram
from . import cost

OP = {"NOP": 0, "MVM": 1, "LOAD": 2, "STORE": 3, "SEND": 4, "WAIT": 5, "VEC": 6, "PROGRAM": 7,
      "SIGNAL": 8, "FENCE": 9, "BARRIER": 10, "LOOP": 11}
VEC = {"ADD": 0, "RELU": 1, "MAXPOOL": 2, "AVGPOOL": 3, "REQUANT": 4, "COPY": 5, "ADD32": 6}
POST_SIGNED, POST_BIAS, POST_RELU, POST_REQUANT = 1, 2, 4, 8
IN_OFF, IN_SIZE = 0x10000, 0x10000
OUT_OFF, OUT_SIZE = 0x20000, 0x20000
BIAS_OFF, SCALE_OFF = 0x1000, 0x2000
IN_STAGE_OFF, IN_STAGE_SIZE = 0x18000, 0x8000      # chain mode: staged input rows (IN)
PS_STAGE_OFF, PS_STAGE_SIZE = 0x30000, 0x10000     # chain mode: staged partial sums (OUT)
BARRIER_SEM = 15
RELOC = {"inputs": 1, "frames": 2, "outputs": 3}
HOSTOP = {"layernorm": 1, "gelu": 2, "softmax": 3, "matmul": 4, "permute": 5}
INC_B, INC_WORDS, INC_A = 12, 13, 14   # loop increment words (command-queues.md, LOOP)
LOOP_RING_SLOTS = 1024                 # a LOOP + its body + the sync must fit a ring this big


# imcrt's TCM scratch for one host step (hostops.c: operands and result copied into TCM):
# 1 MiB of TCM (tcm.size_bytes) less the rings (up to 16 tiles x 256 slots x 64 B), the cached
# descriptors and the program: a step may use 256 KiB.
HOST_SCRATCH_MAX = 256 * 1024
ONNX_OP = {"layernorm": "LayerNormalization", "gelu": "Gelu", "softmax": "Softmax",
           "matmul": "MatMul", "permute": "Transpose"}


def host_scratch(L):
    """Bytes of TCM imcrt's kernel for host layer L allocates (hostops.c)."""
    p = L.attrs

    def a4(n):
        return -(-n // 4) * 4
    if L.host_op == "layernorm":
        return a4(p["rows"] * p["F"]) + 8 * p["F"]
    if L.host_op == "gelu":
        return a4(p["count"]) + 256
    if L.host_op == "softmax":
        return a4(p["rows"] * p["L"]) + 1024 + 4 * p["L"] + 8
    if L.host_op == "matmul":
        bt, M, K, N = p["batch"], p["M"], p["K"], p["N"]
        return a4(bt * M * K) + a4(bt * K * N) + bt * M * N
    n = 1
    for d in p["dims"]:
        n *= d
    return a4(n) + n


class Sym:
    """An address to resolve once the package is laid out: region base + off."""
    __slots__ = ("region", "off")

    def __init__(self, region, off):
        self.region, self.off = region, off

    def __add__(self, k):
        return Sym(self.region, self.off + k)

    def __repr__(self):
        return f"{self.region}+{self.off:#x}"


class Inc:
    """A loop increment to resolve once the package is laid out: the per-input stride of a
    region (inputs: in_stride, frames: frame_size, outputs: out_stride)."""
    __slots__ = ("region",)

    def __init__(self, region):
        self.region = region

    def __repr__(self):
        return f"inc({self.region})"


def desc(op, *words, sub=0):
    w = [op | (sub << 16)] + list(words)
    w += [0] * (16 - len(w))
    return w


def pattern(op, base, pitch, width, height, col0, row0, x, y, z=1, pad=0, dzc=0, dzr=0,
            local=0, zstride=0):
    assert 0 < width < 65536 and 0 < height < 65536 and x < 65536 and y < 65536, \
        (width, height, x, y)
    return desc(OP[op], base, pitch, width | (height << 16), col0, row0, x | (y << 16),
                z | ((pad & 0xFF) << 16), dzc, dzr, local, zstride)


class Scheduler:
    def __init__(self, model, phases, soc, mode, window, loops=True):
        self.m, self.phases, self.soc, self.mode, self.B = model, phases, soc, mode, window
        self.loops = loops
        self.stage_chain = getattr(model, "staged_chain", True)
        self.frame = {}        # tensor -> offset in a frame
        self.frame_size = 0
        self.tasks = []
        self.sems = {}         # (tile, key) -> index
        self.params = bytearray()
        self.param_off = {}
        self.weights = bytearray()
        self.weight_off = {}

    # ---- memory
    def base_of(self, name):
        t = self.m.tensors[name]
        if t.alias_of:
            return self.base_of(t.alias_of)
        if t.const is not None:     # a constant activation: int8 in PARAMS
            key = ("const", name)
            if key not in self.param_off:
                return self.add_param_bytes(key, t.qconst.astype("i1").tobytes())
            return Sym("params", self.param_off[key])
        if name == self.m.input:
            return Sym("inputs", 0)
        if name == self.m.output:
            return Sym("outputs", 0)
        if name not in self.frame:
            self.frame[name] = self.frame_size
            self.frame_size += -(-t.nbytes // 64) * 64
        return Sym("frames", self.frame[name])

    def psum(self, L, rb):
        name = f"{L.name}#ps{rb}"
        if name not in self.frame:
            o = self.m.tensors[L.output]
            self.frame[name] = self.frame_size
            self.frame_size += -(-(o.h * o.w * o.c * 4) // 64) * 64
        return Sym("frames", self.frame[name])

    def add_param(self, key, arr):
        import numpy as np
        return self.add_param_bytes(key, np.asarray(arr, "<i4").tobytes())

    def add_param_bytes(self, key, data):
        self.param_off[key] = len(self.params)
        self.params += data
        while len(self.params) % 64:
            self.params.append(0)
        return Sym("params", self.param_off[key])

    # ---- host steps (segment pass: host layers between tile stages)
    def gen_host_steps(self):
        """One 16-word HOSTSTEPS entry per host layer, in layer order (docs/compiler.md,
        package section 12): op, the phase it follows, source/destination/parameter
        addresses (Syms: relocated per input like descriptors), op-specific words."""
        import numpy as np
        steps = []
        for L in self.m.layers:
            if L.kind != "host":
                continue
            p = L.attrs
            src = [self.base_of(i) for i in L.inputs] + [0]
            dst = self.base_of(L.output)
            w = [HOSTOP[L.host_op], L.segment, src[0], src[1], dst, 0] + [0] * 10
            if L.host_op == "layernorm":
                w[5] = self.add_param(("ln", L.name), np.concatenate([p["G"], p["Bb"]]))
                w[6:9] = [p["rows"], p["F"], p["E"]]
            elif L.host_op == "gelu":
                w[5] = self.add_param_bytes(("lut", L.name),
                                            np.asarray(p["lut"], "i1").tobytes())
                w[6] = p["count"]
            elif L.host_op == "softmax":
                w[5] = self.add_param(("exp", L.name), p["exp"])
                w[6:8] = [p["rows"], p["L"]]
            elif L.host_op == "matmul":
                w[6:12] = [p["batch"], p["M"], p["K"], p["N"], p["mul"] & 0xFFFFFFFF,
                           p["shift"]]
            elif L.host_op == "permute":
                dims, perm = list(p["dims"]), list(p["perm"])
                pad = 4 - len(dims)
                if pad < 0:
                    raise CompileError(f"layer '{L.name}': a transpose of {len(dims)} axes "
                                       "(the host permutes at most 4)")
                dims = [1] * pad + dims
                perm = list(range(pad)) + [q + pad for q in perm]
                w[6:10] = dims
                w[10] = sum(q << (4 * i) for i, q in enumerate(perm))
            need = host_scratch(L)
            if need > HOST_SCRATCH_MAX:
                raise CompileError(
                    f"node '{L.name}' (op {ONNX_OP[L.host_op]}): the host "
                    f"step needs {need // 1024} KiB of TCM for its operands and result, more "
                    f"than the {HOST_SCRATCH_MAX // 1024} KiB imcrt can spare (sequence or "
                    "heads too large for the host core)")
            steps.append({"layer": L.name, "op": L.host_op, "phase": L.segment, "words": w})
        self.host_steps = steps
        return steps

    # ---- tasks
    def build_tasks(self):
        m = self.m
        writers = {}
        blocks_of = {}
        for ph in self.phases:
            for b in ph.blocks:
                blocks_of.setdefault(b.layer, []).append(b)

        def root(n):
            t = m.tensors[n]
            return root(t.alias_of) if t.alias_of else n

        segmented = getattr(m, "segmented", False)
        for L in m.layers:
            if L.kind == "host":      # the host core runs it between stages (host steps)
                continue
            if L.kind == "conv":
                bl = sorted(blocks_of[L.name], key=lambda b: (b.rb, b.cb, b.rep))
                for b in bl:
                    reads = [root(L.inputs[0])]
                    if b.rb:
                        reads.append(f"{L.name}#ps{b.rb - 1}")
                    wr = L.output if b.rb == b.nrb - 1 else f"{L.name}#ps{b.rb}"
                    t = Task(f"{L.name}/r{b.rb}c{b.cb}p{b.rep}", L.name, b, reads, wr, b.tile,
                             b.phase)
                    for r in reads:
                        for p in writers.get(r, []):
                            if not r.endswith(f"#ps{b.rb - 1}") or (
                                    p.block.cb == b.cb and p.block.rep == b.rep):
                                t.deps.append(p.name)
                    writers.setdefault(wr, []).append(t)
                    self.tasks.append(t)
            else:
                reads = [root(i) for i in L.inputs]
                prods = [p for r in reads for p in writers.get(r, [])]
                phase = L.segment if segmented else max([p.phase for p in prods] or [0])
                same = [p for p in prods if p.phase == phase]
                if L.kind == "matmul":    # attention on its tile (attention.assign_tile)
                    tile = L.attrs["tile"]
                elif same:  # the producer latest in the task order (not the last input's)
                    order = {id(x): k for k, x in enumerate(self.tasks)}
                    tile = max(same, key=lambda p: order[id(p)]).tile
                else:
                    ph = self.phases[phase]
                    tile = ph.blocks[0].tile if ph.blocks else 0
                t = Task(L.name, L.name, None, reads, L.output, tile, phase,
                         [p.name for p in prods])
                writers.setdefault(L.output, []).append(t)
                self.tasks.append(t)
        byname = {t.name: t for t in self.tasks}
        self.byname = byname
        for t in self.tasks:
            t.consumers = []
        for t in self.tasks:
            for d in t.deps:
                byname[d].consumers.append(t.name)
        # semaphores
        for t in self.tasks:
            for ptile in sorted({byname[d].tile for d in t.deps
                                 if byname[d].phase == t.phase and byname[d].tile != t.tile}):
                key = (t.tile, (t.name, ptile))
                n = sum(1 for k in self.sems if k[0] == t.tile)
                if n >= BARRIER_SEM:
                    raise CompileError(f"tile {t.tile}: more than {BARRIER_SEM} semaphores "
                                       f"needed (task {t.name}); give the compiler more tiles "
                                       "or a smaller model")
                self.sems[key] = n

    # ---- code generation
    def gen_task(self, t):
        m = self.m
        L = m.layer_by_name[t.layer]
        code = []
        by = self.byname
        # waits
        groups = {}
        for d in t.deps:
            p = by[d]
            if p.phase == t.phase and p.tile != t.tile:
                groups[p.tile] = groups.get(p.tile, 0) + 1
        for ptile, cnt in sorted(groups.items()):
            code.append(desc(OP["WAIT"], self.sems[(t.tile, (t.name, ptile))], cnt))
        if L.kind == "conv":
            code += self.gen_block(L, t.block)
        elif L.kind == "add":
            code += self.gen_add(L)
        elif L.kind in ("maxpool", "avgpool"):
            code += self.gen_pool(L)
        elif L.kind == "concat":
            code += self.gen_concat(L)
        elif L.kind == "matmul":
            code += self.gen_matmul(L)
        sig = []
        for cname in t.consumers:
            c = by[cname]
            if c.phase == t.phase and c.tile != t.tile:
                sig.append(desc(OP["SEND"], 0, 0, c.tile, 0, self.sems[(c.tile, (c.name,
                                                                                   t.tile))], 1))
        if sig:
            code.append(desc(OP["FENCE"]))
            code += sig
        return code

    def gen_block(self, L, b):
        m = self.m
        x, o = m.tensors[L.inputs[0]], m.tensors[L.output]
        xb = self.base_of(L.inputs[0])
        last = b.rb == b.nrb - 1
        es = o.esize if last else 4
        ob = self.base_of(L.output) if last else self.psum(L, b.rb)
        N = o.c
        post = POST_SIGNED | POST_BIAS
        if last and L.relu:
            post |= POST_RELU
        if last and L.requant:
            post |= POST_REQUANT
        shift = L.shift if last and L.requant else 0
        pt, pl = L.pads[0], L.pads[1]
        C, s = x.c, L.stride
        code = []
        if b.cols * es > OUT_SIZE:
            raise CompileError(f"layer '{L.name}': one output vector exceeds the OUT buffer")
        if b.nrb == 1:
            K = b.rows
            zmax = min(o.w, IN_SIZE // K, OUT_SIZE // (b.cols * es))
            for oy in range(b.oy0, b.oy1):
                for ox0 in range(0, o.w, zmax):
                    nz = min(zmax, o.w - ox0)
                    code.append(pattern("LOAD", xb, x.w * C, x.w * C, x.h, (ox0 * s - pl) * C,
                                        oy * s - pt, L.kw * C, L.kh, nz, 0, s * C, 0, IN_OFF))
                    code.append(desc(OP["MVM"], K, b.cols, nz, IN_OFF, OUT_OFF, post, shift,
                                     b.row0, b.col0))
                    code.append(pattern("STORE", ob, N * es, N * es, o.h * o.w, b.n0 * es,
                                        oy * o.w + ox0, b.cols * es, nz, 1, 0, 0, 0, OUT_OFF))
            return code
        prev = self.psum(L, b.rb - 1) if b.rb else None
        cc = b.c1 - b.c0
        if self.stage_chain and L.kh * x.w * C <= IN_STAGE_SIZE and \
                b.rows <= IN_STAGE_OFF - IN_OFF and 4 * b.cols <= PS_STAGE_SIZE:
            return code + self.gen_chain_staged(L, b, x, o, xb, ob, prev, cc, es, post, shift)
        zmax = min(o.w, OUT_SIZE // (b.cols * es))
        for oy in range(b.oy0, b.oy1):
            for ox0 in range(0, o.w, zmax):
                nz = min(zmax, o.w - ox0)
                for k in range(nz):
                    ox = ox0 + k
                    code.append(pattern("LOAD", xb, x.w * C, x.w * C, x.h,
                                        (ox * s - pl) * C + b.c0, oy * s - pt, cc, L.kh, L.kw,
                                        0, C, 0, IN_OFF))
                    if prev is not None:
                        code.append(pattern("LOAD", prev, 4 * N, 4 * N, o.h * o.w, 4 * b.n0,
                                            oy * o.w + ox, 4 * b.cols, 1, 1, 0, 0, 0,
                                            BIAS_OFF + 4 * b.col0))
                    code.append(desc(OP["MVM"], b.rows, b.cols, 1, IN_OFF,
                                     OUT_OFF + k * b.cols * es, post, shift, b.row0, b.col0))
                code.append(pattern("STORE", ob, N * es, N * es, o.h * o.w, b.n0 * es,
                                    oy * o.w + ox0, b.cols * es, nz, 1, 0, 0, 0, OUT_OFF))
        return code

    def gen_chain_staged(self, L, b, x, o, xb, ob, prev, cc, es, post, shift):
        """Chain mode with staged rows: per output row, one LOAD from DRAM brings the kh input
        rows the row's windows read (padding rows as zeros) into the tile's IN buffer at
        IN_STAGE_OFF, one LOAD the previous row block's partial sums of the row into OUT at
        PS_STAGE_OFF; every output position's patch and partial sums are then LOADed from the
        tile's own window (an in-tile move, no NoC round trip: command-queues.md), the MVM
        runs, and one STORE writes the row's outputs."""
        N, C, s = o.c, x.c, L.stride
        pt, pl = L.pads[0], L.pads[1]
        me = self.soc.tile_addr(b.tile)
        wc = x.w * C
        zmax = min(o.w, (OUT_SIZE - PS_STAGE_SIZE) // (b.cols * es),
                   PS_STAGE_SIZE // (4 * b.cols))
        code = []
        for oy in range(b.oy0, b.oy1):
            code.append(pattern("LOAD", xb, wc, wc, x.h, 0, oy * s - pt, wc, L.kh, 1, 0, 0, 0,
                                IN_STAGE_OFF))
            for ox0 in range(0, o.w, zmax):
                nz = min(zmax, o.w - ox0)
                if prev is not None:
                    code.append(pattern("LOAD", prev, 4 * N, 4 * N, o.h * o.w, 4 * b.n0,
                                        oy * o.w + ox0, 4 * b.cols, nz, 1, 0, 0, 0,
                                        PS_STAGE_OFF))
                for k in range(nz):
                    ox = ox0 + k
                    code.append(pattern("LOAD", me + IN_STAGE_OFF, wc, wc, L.kh,
                                        (ox * s - pl) * C + b.c0, 0, cc, L.kh, L.kw, 0, C, 0,
                                        IN_OFF))
                    if prev is not None:
                        code.append(pattern("LOAD", me + PS_STAGE_OFF, 4 * b.cols, 4 * b.cols,
                                            nz, 0, k, 4 * b.cols, 1, 1, 0, 0, 0,
                                            BIAS_OFF + 4 * b.col0))
                    code.append(desc(OP["MVM"], b.rows, b.cols, 1, IN_OFF,
                                     OUT_OFF + k * b.cols * es, post, shift, b.row0, b.col0))
                code.append(pattern("STORE", ob, N * es, N * es, o.h * o.w, b.n0 * es,
                                    oy * o.w + ox0, b.cols * es, nz, 1, 0, 0, 0, OUT_OFF))
        return code

    def _rows_chunks(self, npos, c, budget):
        g = max(1, min(npos, budget // c))
        return [(p, min(npos, p + g)) for p in range(0, npos, g)]

    def gen_add(self, L):
        m = self.m
        o = m.tensors[L.output]
        ab, bb, ob = (self.base_of(n) for n in (L.inputs[0], L.inputs[1], L.output))
        C, npos = o.c, o.h * o.w
        code = []
        for p0, p1 in self._rows_chunks(npos, C, IN_SIZE // 2):
            n = p1 - p0
            code.append(pattern("LOAD", ab, C, C, npos, 0, p0, C, n, 1, 0, 0, 0, IN_OFF))
            code.append(pattern("LOAD", bb, C, C, npos, 0, p0, C, n, 1, 0, 0, 0,
                                IN_OFF + IN_SIZE // 2))
            code.append(desc(OP["VEC"], IN_OFF, IN_OFF + IN_SIZE // 2, OUT_OFF, n * C,
                             int(L.mul[0]) & 0xFFFFFFFF, int(L.mul[1]) & 0xFFFFFFFF, L.shift,
                             sub=VEC["ADD"]))
            if L.relu:
                code.append(desc(OP["VEC"], OUT_OFF, 0, OUT_OFF, n * C, sub=VEC["RELU"]))
            code.append(pattern("STORE", ob, C, C, npos, 0, p0, C, n, 1, 0, 0, 0, OUT_OFF))
        return code

    def gen_pool(self, L):
        m = self.m
        x, o = m.tensors[L.inputs[0]], m.tensors[L.output]
        xb, ob = self.base_of(L.inputs[0]), self.base_of(L.output)
        C, s, K = x.c, L.stride, L.kh * L.kw
        pad = 0x80 if L.kind == "maxpool" else 0
        sub = VEC["MAXPOOL"] if L.kind == "maxpool" else VEC["AVGPOOL"]
        win = K * C
        if win > IN_SIZE:
            raise CompileError(f"layer '{L.name}': a {L.kh}x{L.kw}x{C} pooling window exceeds "
                               "the IN buffer")
        zmax = min(o.w, IN_SIZE // win)
        code = []
        for oy in range(o.h):
            for ox0 in range(0, o.w, zmax):
                nz = min(zmax, o.w - ox0)
                code.append(pattern("LOAD", xb, x.w * C, x.w * C, x.h,
                                    (ox0 * s - L.pads[1]) * C, oy * s - L.pads[0], L.kw * C,
                                    L.kh, nz, pad, s * C, 0, IN_OFF))
                for z in range(nz):
                    code.append(desc(OP["VEC"], IN_OFF + z * win, 0, OUT_OFF + z * C, C, K, C,
                                     sub=sub))
                code.append(pattern("STORE", ob, o.w * C, o.w * C, o.h, ox0 * C, oy, nz * C, 1,
                                    1, 0, 0, 0, OUT_OFF))
        return code

    def gen_concat(self, L):
        m = self.m
        o = m.tensors[L.output]
        ob = self.base_of(L.output)
        npos, off, code = o.h * o.w, 0, []
        tokens = L.attrs.get("axis") == "tokens"   # token tensors: rows appended
        for name, mul in zip(L.inputs, L.mul):
            x = m.tensors[name]
            xb = self.base_of(name)
            xpos = x.h * x.w if tokens else npos
            for p0, p1 in self._rows_chunks(xpos, x.c, IN_SIZE):
                n = p1 - p0
                code.append(pattern("LOAD", xb, x.c, x.c, xpos, 0, p0, x.c, n, 1, 0, 0, 0,
                                    IN_OFF))
                code.append(desc(OP["VEC"], IN_OFF, IN_OFF, OUT_OFF, n * x.c,
                                 int(mul) & 0xFFFFFFFF, 0, L.shift, sub=VEC["ADD"]))
                if tokens:
                    code.append(pattern("STORE", ob, o.c, o.c, npos, 0, off + p0, x.c, n, 1,
                                        0, 0, 0, OUT_OFF))
                else:
                    code.append(pattern("STORE", ob, o.c, o.c, npos, off, p0, x.c, n, 1, 0,
                                        0, 0, OUT_OFF))
            off += xpos if tokens else x.c
        return code

    def gen_matmul(self, L):
        """Attention on a tile (attention pass): per head PROGRAM B_h (K x N, row-major in the
        frame) into the array, LOAD A_h (M x K) into IN, one MVM (SIGNED | REQUANT, the
        layer's multiplier in SCALE), STORE the M x N int8 result."""
        p = L.attrs
        bt, M, K, N = p["batch"], p["M"], p["K"], p["N"]
        ab, bb, ob = (self.base_of(n) for n in (L.inputs[0], L.inputs[1], L.output))
        key = ("mm_scale", L.name)
        sc = self.add_param(key, [p["mul"]] * N) if key not in self.param_off else \
            Sym("params", self.param_off[key])
        code = [pattern("LOAD", sc, 4 * N, 4 * N, 1, 0, 0, 4 * N, 1, 1, 0, 0, 0, SCALE_OFF)]
        fa, fb = p.get("in_fold") or [None, None]
        fo = p.get("out_fold")
        me = self.soc.tile_addr(p["tile"])
        for h in range(bt):
            if fb is None:
                code.append(desc(OP["PROGRAM"], bb + h * K * N, K, N))
            else:    # gather B_h from the [T, H*dh] tensor into IN, PROGRAM from there
                T, H, dh = fb[0]
                D = H * dh
                if fb[1] == (1, 2, 0):      # K^T: the head's [T, dh] rows in one LOAD, then
                    # an in-tile LOAD gathers per feature k one byte of every token
                    half = IN_STAGE_OFF + IN_STAGE_SIZE // 2
                    code.append(pattern("LOAD", bb, D, D, T, h * dh, 0, K, N, 1, 0, 0, 0,
                                        half))
                    code.append(pattern("LOAD", me + half, K, K, N, 0, 0, 1, N, K, 0, 1, 0,
                                        IN_STAGE_OFF))
                else:                       # V: rows of the head's dh features
                    code.append(pattern("LOAD", bb, D, D, T, h * dh, 0, N, K, 1, 0, 0, 0,
                                        IN_STAGE_OFF))
                code.append(desc(OP["PROGRAM"], me + IN_STAGE_OFF, K, N))
            if fa is None:
                code.append(pattern("LOAD", ab, K, K, bt * M, 0, h * M, K, M, 1, 0, 0, 0,
                                    IN_OFF))
            else:
                T, H, dh = fa[0]
                code.append(pattern("LOAD", ab, H * dh, H * dh, T, h * dh, 0, K, M, 1, 0, 0,
                                    0, IN_OFF))
            code.append(desc(OP["MVM"], K, N, M, IN_OFF, OUT_OFF, POST_SIGNED | POST_REQUANT,
                             p["shift"], 0, 0))
            if fo is None:
                code.append(pattern("STORE", ob, N, N, bt * M, 0, h * M, N, M, 1, 0, 0, 0,
                                    OUT_OFF))
            else:
                Hh, T, dh = fo[0]
                code.append(pattern("STORE", ob, Hh * dh, Hh * dh, T, h * dh, 0, N, M, 1, 0,
                                    0, 0, OUT_OFF))
        return code

    def gen_setup(self, b):
        m = self.m
        L = m.layer_by_name[b.layer]
        key = (b.layer, b.rb, b.cb)
        if key not in self.weight_off:
            self.weight_off[key] = len(self.weights)
            self.weights += b.w.astype("i1").tobytes()
            while len(self.weights) % 64:
                self.weights.append(0)
        code = [desc(OP["PROGRAM"], Sym("weights", self.weight_off[key]), b.rows, b.cols)]
        if b.rb == 0:
            bk = ("bias",) + key
            base = self.add_param(bk, L.bq[b.n0:b.n1]) if bk not in self.param_off else \
                Sym("params", self.param_off[bk])
            code.append(pattern("LOAD", base, 4 * b.cols, 4 * b.cols, 1, 0, 0, 4 * b.cols, 1, 1,
                                0, 0, 0, BIAS_OFF))
        if b.rb == b.nrb - 1 and L.requant:
            sk = ("scale",) + key
            base = self.add_param(sk, L.mul[b.n0:b.n1]) if sk not in self.param_off else \
                Sym("params", self.param_off[sk])
            code.append(pattern("LOAD", base, 4 * b.cols, 4 * b.cols, 1, 0, 0, 4 * b.cols, 1, 1,
                                0, 0, 0, SCALE_OFF))
        return code

    def gen_setup_packed(self, bl):
        """One PROGRAM of the tile's packed image (pack pass: blocks at (row0, col0)), the
        bias and scale vectors by physical column, one LOAD each."""
        import numpy as np
        m = self.m
        R = max(b.row0 + b.rows for b in bl)
        Cc = max(b.col0 + b.cols for b in bl)
        img = np.zeros((R, Cc), np.int8)
        bias = np.zeros(Cc, np.int64)
        scale = np.zeros(Cc, np.int64)
        has_scale = False
        for b in bl:
            L = m.layer_by_name[b.layer]
            img[b.row0:b.row0 + b.rows, b.col0:b.col0 + b.cols] = b.w
            if b.rb == 0:
                bias[b.col0:b.col0 + b.cols] = L.bq[b.n0:b.n1]
            if b.rb == b.nrb - 1 and L.requant:
                scale[b.col0:b.col0 + b.cols] = L.mul[b.n0:b.n1]
                has_scale = True
        key = ("packed", bl[0].phase, bl[0].tile)
        self.weight_off[key] = len(self.weights)
        self.weights += img.tobytes()
        while len(self.weights) % 64:
            self.weights.append(0)
        code = [desc(OP["PROGRAM"], Sym("weights", self.weight_off[key]), R, Cc)]
        base = self.add_param(("bias",) + key, bias)
        code.append(pattern("LOAD", base, 4 * Cc, 4 * Cc, 1, 0, 0, 4 * Cc, 1, 1, 0, 0, 0,
                            BIAS_OFF))
        if has_scale:
            base = self.add_param(("scale",) + key, scale)
            code.append(pattern("LOAD", base, 4 * Cc, 4 * Cc, 1, 0, 0, 4 * Cc, 1, 1, 0, 0, 0,
                                SCALE_OFF))
        return code

    def run(self):
        self.build_tasks()
        self.gen_host_steps()
        progs = []
        for ph in self.phases:
            tiles = sorted({t.tile for t in self.tasks if t.phase == ph.index})
            ph.tiles = tiles
            if any(t >= 64 for t in tiles):
                raise CompileError("BARRIER reaches tiles 0..63 only")
            mask = sum(1 << t for t in tiles)
            for tile in tiles:
                setup = TileProgram(tile, ph.index, 0)
                mine = [b for b in ph.blocks if b.tile == tile]
                if len(mine) > 1 or any(b.row0 or b.col0 for b in mine):
                    setup.words += self.gen_setup_packed(mine)
                else:
                    for b in mine:
                        setup.words += self.gen_setup(b)
                body = TileProgram(tile, ph.index, 1)
                for t in self.tasks:
                    if t.phase == ph.index and t.tile == tile:
                        code = self.gen_task(t)
                        body.notes.append(f"{len(body.words)}: {t.name} ({len(code)})")
                        body.words += code
                sync = TileProgram(tile, ph.index, 2,
                                   [desc(OP["BARRIER"], mask & 0xFFFFFFFF, mask >> 32,
                                         BARRIER_SEM)])
                if body.words:
                    self.loop_body(body)
                progs += [p for p in (setup, body, sync) if p.words]
        return progs

    def loop_body(self, body):
        """Wraps a body program (one input) in a LOOP over the window's inputs: descriptor 0
        is LOOP (COUNT = B; the runtime sets the last window's count, BODY = the body), and
        every word relocated per input (an address in the inputs, frames or outputs region)
        advances by that region's per-input stride as a loop increment (WORD_A/WORD_B, INC_A/
        INC_B). The runtime then copies the program once per window (relocated for the
        window's first input) instead of once per input. Left as per-input copies (recorded
        in body.loop_note) when the window is 1, a descriptor has more than two per-input
        words, or LOOP + body + sync would not fit a ring of LOOP_RING_SLOTS."""
        body.loop = False
        if not self.loops:
            body.loop_note = "loops disabled (--loop none)"
            return
        if self.B <= 1:
            body.loop_note = "window 1 (latency mode): nothing to repeat"
            return
        n = len(body.words)
        if n + 2 > LOOP_RING_SLOTS:
            body.loop_note = (f"body of {n} descriptors: LOOP + body + sync exceed a "
                              f"{LOOP_RING_SLOTS}-slot ring")
            return
        words = []
        for j, w in enumerate(body.words):
            adv = [k for k, v in enumerate(w) if isinstance(v, Sym) and v.region in RELOC]
            if len(adv) > 2:
                body.loop_note = (f"descriptor {j} has {len(adv)} per-input address words "
                                  "(a LOOP advances two)")
                return
            w = list(w)
            if adv:
                w[INC_WORDS] = adv[0] | ((adv[1] << 4) if len(adv) > 1 else 0)
                w[INC_A] = Inc(w[adv[0]].region)
                if len(adv) > 1:
                    w[INC_B] = Inc(w[adv[1]].region)
            words.append(w)
        body.words = [desc(OP["LOOP"], self.B, n)] + words
        body.notes = [f"0: LOOP x{self.B} over {n}"] + [
            f"{int(x.split(':')[0]) + 1}:{x.split(':', 1)[1]}" for x in body.notes]
        body.loop = True
        body.loop_note = f"LOOP x{self.B} over {n} descriptors"

    def estimate(self, progs):
        """Per-tile busy time per input (body programs) -> throughput/latency estimates."""
        t0 = self.soc.tiles[0]
        busy = {}
        for p in progs:
            if p.kind != 1:
                continue
            ns = 0.0
            for w in p.words:
                op = w[0] & 0xFF
                if op == OP["MVM"]:
                    ns += w[3] * cost.mvm_ns(t0, w[2])
                elif op in (OP["LOAD"], OP["STORE"]):
                    x, y, z = w[6] & 0xFFFF, w[6] >> 16, w[7] & 0xFFFF
                    ns += cost.dma_ns(t0, x * y * z, self.soc.hops(
                        self.soc.tile_nodes[p.tile], self.soc.dram_node))
                elif op == OP["VEC"]:
                    ns += 1 + w[4] / 8.0
                elif op == OP["SEND"]:
                    ns += cost.dma_ns(t0, 4)
                elif op == OP["PROGRAM"]:     # per input: attention on a tile
                    ns += cost.program_cost(t0, w[2], w[3])[0] + cost.dma_ns(t0, w[2] * w[3])
            busy[(p.phase, p.tile)] = busy.get((p.phase, p.tile), 0.0) + ns
        per_phase = {}
        for (ph, tile), ns in busy.items():
            per_phase.setdefault(ph, []).append(ns)
        # pipelined: each phase runs at its busiest tile's rate; latency: sum (upper bound)
        thr_ns = sum(max(v) for v in per_phase.values())
        lat_ns = sum(sum(v) for v in per_phase.values())
        return {"tile_busy_ns_per_input": {f"p{k[0]}.t{k[1]}": round(v, 1)
                                           for k, v in sorted(busy.items())},
                "est_ns_per_input_pipelined": round(thr_ns, 1),
                "est_latency_ns_upper": round(lat_ns, 1)}


def run(model, phases, soc, mode, window, loops=True):
    s = Scheduler(model, phases, soc, mode, window, loops)
    progs = s.run()
    bodies = [p for p in progs if p.kind == 1]
    info = {"pass": "schedule", "mode": mode, "window": window, "tasks": len(s.tasks),
            "programs": len(progs), "descriptors": sum(len(p.words) for p in progs),
            "frame_bytes": s.frame_size,
            "semaphores": {f"t{t}": sum(1 for k in s.sems if k[0] == t)
                           for t in sorted({k[0] for k in s.sems})},
            "loops": {"looped": sum(1 for p in bodies if p.loop),
                      "per_input": [{"tile": p.tile, "phase": p.phase, "reason": p.loop_note}
                                    for p in bodies if not p.loop]}}
    info.update(s.estimate(progs))
    return s, progs, info
