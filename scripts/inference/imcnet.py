"""imcnet: the inference flow's Python side (no SystemC, no sklearn import needed).

  data      the UCI 8x8 digits that ship with Debian's python3-sklearn, fixed train/test split
  train     numpy MLP (fixed seed, plain minibatch SGD with momentum)
  quantise  int8 weights (per-channel scales for hidden layers, per-tensor for the logits
            layer so that the argmax of the int32 logits is the argmax of the real logits),
            int32 biases, per-column int32 requantisation multiplier + one shift per layer
  reference the int8 network exactly as a digital IMC tile computes it (int32 accumulate,
            then imcvp::imc::postprocess: bias, ReLU, (acc*scale + 2^(shift-1)) >> shift,
            saturate to int8)
  package   the deployment blob the `infer` firmware reads (format in docs/inference.md)

Limits: MLPs only (dense layers, ReLU); every part of a layer gets a tile of its own (no
weight reloads); a layer larger than a tile is split into row x column blocks whose int32
partial sums the host adds (then the host does bias/ReLU/requantisation for that layer).
"""
import gzip
import json
import struct

import numpy as np

DIGITS_CSV = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"

# ---- package format (little-endian); keep in sync with firmware/apps/infer/package.h ----
MAGIC = 0x4B504D49  # bytes "IMPK"
END_MAGIC = 0x494D504B  # bytes "KPMI", the last 4 bytes of a package
VERSION = 2
HEADER_SIZE = 64
LAYER_DESC_SIZE = 48
HEADER_FMT = "<IHHIIIIIIIIIIII4sI"  # 64 bytes
LAYER_FMT = "<IIIIIIIIIIII"  # 48 bytes
PART_DESC_SIZE = 32
PART_FMT = "<IIIIIIII"  # 32 bytes
FLAG_BIAS, FLAG_RELU, FLAG_REQUANT = 1, 2, 4  # layer flags
HDR_SIGNED_IN, HDR_CALIBRATE = 1, 2  # header flags
KIND_ANALOG, KIND_DIGITAL, KIND_ANY = 0, 1, 0xFF
KIND_NAMES = {KIND_ANALOG: "analog", KIND_DIGITAL: "digital", KIND_ANY: "any"}
MAX_TOTAL_SIZE = 64 << 20  # the firmware refuses larger packages
TILE_IN_BYTES = 0x10000  # IN buffer (docs/register-maps.md)
TILE_OUT_BYTES = 0x20000  # OUT buffer


class PackageError(ValueError):
    """A package or a mapping request that cannot work; the message says why."""


# ---------------------------------------------------------------- data
def load_digits(path=DIGITS_CSV):
    """(x, y): x float64 in [0, 1] (pixels / 16), y int labels. 1,797 rows."""
    with gzip.open(path, "rt") as f:
        a = np.loadtxt(f, delimiter=",")
    return a[:, :64] / 16.0, a[:, 64].astype(np.int64)


FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def _idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion(d=FASHION_DIR, train_limit=None):
    """Fashion-MNIST (Debian dataset-fashion-mnist): its own 60,000/10,000 split, pixels/255.
    train_limit keeps only the first training images (quantiser calibration needs few)."""
    def img(name, n=None):
        a = _idx("%s/%s-images-idx3-ubyte.gz" % (d, name)).reshape(-1, 784)
        return a[:n] / 255.0

    def lab(name, n=None):
        return _idx("%s/%s-labels-idx1-ubyte.gz" % (d, name))[:n].astype(np.int64)

    return (img("train", train_limit), lab("train", train_limit), img("t10k"), lab("t10k"))


def split(x, y, n_test=360, seed=0):
    """Fixed split: a seeded permutation, the last n_test rows are the test set."""
    p = np.random.RandomState(seed).permutation(len(y))
    tr, te = p[:-n_test], p[-n_test:]
    return x[tr], y[tr], x[te], y[te]


# ---------------------------------------------------------------- float MLP
def init_mlp(sizes, rng):
    ws, bs = [], []
    for a, b in zip(sizes[:-1], sizes[1:]):
        ws.append(rng.normal(0.0, np.sqrt(2.0 / a), size=(a, b)))  # He init (ReLU)
        bs.append(np.zeros(b))
    return ws, bs


def forward(ws, bs, x, keep=False):
    acts = [x]
    h = x
    for k, (w, b) in enumerate(zip(ws, bs)):
        h = h @ w + b
        if k < len(ws) - 1:
            h = np.maximum(h, 0.0)
        acts.append(h)
    return (h, acts) if keep else h


def train_mlp(x, y, sizes=(64, 64, 10), epochs=60, lr=0.05, batch=32, seed=0, wd=1e-4):
    """Minibatch SGD with momentum 0.9 on softmax cross-entropy. Deterministic for a seed."""
    rng = np.random.RandomState(seed)
    ws, bs = init_mlp(sizes, rng)
    vw = [np.zeros_like(w) for w in ws]
    vb = [np.zeros_like(b) for b in bs]
    n = len(y)
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            out, acts = forward(ws, bs, x[idx], keep=True)
            p = np.exp(out - out.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1.0
            g = p / len(idx)
            for k in range(len(ws) - 1, -1, -1):
                gw = acts[k].T @ g + wd * ws[k]
                gb = g.sum(axis=0)
                if k > 0:
                    g = (g @ ws[k].T) * (acts[k] > 0)
                vw[k] = 0.9 * vw[k] - lr * gw
                vb[k] = 0.9 * vb[k] - lr * gb
                ws[k] += vw[k]
                bs[k] += vb[k]
    return ws, bs


def accuracy(pred, y):
    return float(np.mean(np.asarray(pred) == np.asarray(y)))


def save_weights(path, ws, bs, meta, dtype="float32"):
    d = {}
    for k, (w, b) in enumerate(zip(ws, bs)):
        d["w%d" % k] = w.astype(dtype)
        d["b%d" % k] = b.astype(dtype)
    d["meta"] = np.array(json.dumps(meta, sort_keys=True))
    # np.savez writes zip entries with a fixed timestamp: the file is reproducible.
    np.savez(path, **d)


def load_weights(path):
    z = np.load(path)
    n = len([k for k in z.files if k.startswith("w")])
    ws = [z["w%d" % k].astype(np.float64) for k in range(n)]
    bs = [z["b%d" % k].astype(np.float64) for k in range(n)]
    meta = json.loads(str(z["meta"])) if "meta" in z.files else {}
    return ws, bs, meta


# ---------------------------------------------------------------- quantisation
def quantise_input(x):
    """Pixels in [0, 1] -> int8 0..127 (input scale 1/127)."""
    return np.clip(np.round(x * 127.0), 0, 127).astype(np.int8)


def _requant_params(mult, max_scale=(1 << 24) - 1):
    """Per-column real multipliers -> int32 scales and one shift: scale/2^shift ~ mult."""
    m = float(np.max(mult))
    if m <= 0:
        return np.zeros(len(mult), np.int64), 0
    shift = int(np.floor(np.log2(max_scale / m)))
    shift = max(0, min(shift, 62))
    scale = np.round(mult * (1 << shift)).astype(np.int64)
    return np.clip(scale, -(2**31), 2**31 - 1), shift


def quantise_mlp(ws, bs, x_calib):
    """Float MLP -> list of int8 layers (dicts) modelling the tile's periphery.

    Hidden layers: per-output-channel weight scales; output int8 (ReLU, requant) with the
    activation scale from the calibration set's maximum. Last layer: per-tensor weight scale,
    int32 logits (bias added in the tile, no requant)."""
    layers = []
    s_in = 1.0 / 127.0
    h = x_calib
    for k, (w, b) in enumerate(zip(ws, bs)):
        last = k == len(ws) - 1
        if last:
            s_w = np.full(w.shape[1], max(np.abs(w).max(), 1e-12) / 127.0)
        else:
            s_w = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
        wq = np.clip(np.round(w / s_w), -127, 127).astype(np.int8)  # symmetric: analog-safe
        bq = np.round(b / (s_in * s_w)).astype(np.int64)
        L = {"rows": w.shape[0], "cols": w.shape[1], "w": wq,
             "bias": np.clip(bq, -(2**31), 2**31 - 1).astype(np.int32),
             "in_scale": s_in, "w_scale": s_w}
        h = h @ w + b
        if last:
            L.update(relu=False, requant=False, scale=np.ones(w.shape[1], np.int32), shift=0)
        else:
            h = np.maximum(h, 0.0)
            s_out = max(float(h.max()), 1e-12) / 127.0
            scale, shift = _requant_params(s_in * s_w / s_out)
            L.update(relu=True, requant=True, scale=scale.astype(np.int32), shift=shift,
                     out_scale=s_out)
            s_in = s_out
        layers.append(L)
    return layers


def postprocess(acc, bias, relu, requant, scale, shift):
    """imcvp::imc::postprocess (models/imc/numerics.cpp) on int64 numpy arrays."""
    a = np.clip(acc.astype(np.int64) + bias.astype(np.int64), -(2**31), 2**31 - 1)
    if relu:
        a = np.maximum(a, 0)
    if not requant:
        return a
    shift = min(int(shift), 62)
    p = a * scale.astype(np.int64)
    if shift > 0:
        p = (p + (1 << (shift - 1))) >> shift  # numpy >> on int64 is arithmetic, as in C++
    return np.clip(p, -128, 127)


def reference_int8(layers, xq):
    """The int8 network as the digital tiles compute it. xq: n x in int8. Returns the last
    layer's outputs (int64 array, n x classes): int32 logits or int8 values."""
    h = xq.astype(np.int64)
    for L in layers:
        acc = h @ L["w"].astype(np.int64)  # exact; the tile accumulates in int32
        assert np.all(np.abs(acc) < 2**31), "int32 accumulator overflow"
        h = postprocess(acc, L["bias"], L["relu"], L["requant"], L["scale"], L["shift"])
    return h


def argmax_first(v):
    """argmax with ties to the lowest index (the firmware does the same)."""
    return np.argmax(v, axis=1)


# ---------------------------------------------------------------- mapping
def parse_tiles(spec):
    """'digital:256x256,analog:256x256' -> [(kind, rows, cols)]."""
    tiles = []
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        try:
            kind, geo = part.split(":")
            r, c = geo.lower().split("x")
            kind = kind.strip().lower()
            if kind not in ("analog", "digital"):
                raise ValueError
            tiles.append((kind, int(r), int(c)))
        except ValueError:
            raise PackageError("bad tile spec %r: expected KIND:ROWSxCOLS, KIND analog|digital"
                               % part)
    return tiles


def assign_tiles(layers, tiles, kind="any", split=True):
    """Parts per layer: [[(tile, row0, nrows, col0, ncols), ...], ...]. A layer that fits the
    tile it gets is one part; a larger one is cut into blocks of the smallest candidate tile's
    geometry (row blocks: partial sums added on the host; column blocks: output slices).
    Every part gets its own tile, in index order. Refuses what does not fit."""
    cand = [i for i, t in enumerate(tiles) if kind == "any" or t[0] == kind]
    what = kind if kind != "any" else "IMC"
    if not cand:
        raise PackageError("the SoC has no %s tile" % what)
    br = min(tiles[i][1] for i in cand)
    bc = min(tiles[i][2] for i in cand)
    plan, need = [], 0
    for k, L in enumerate(layers):
        R, C = L["rows"], L["cols"]
        if need < len(cand) and R <= tiles[cand[need]][1] and C <= tiles[cand[need]][2]:
            blocks = [(0, R, 0, C)]
        elif not split:
            raise PackageError(
                "layer %d is %dx%d (inputs x outputs) but tile %d is %dx%d; splitting is off"
                % (k, R, C, cand[min(need, len(cand) - 1)], *tiles[cand[min(need, len(cand) - 1)]][1:]))
        else:
            blocks = [(r0, min(br, R - r0), c0, min(bc, C - c0))
                      for r0 in range(0, R, br) for c0 in range(0, C, bc)]
        plan.append(blocks)
        need += len(blocks)
    if need > len(cand):
        raise PackageError(
            "network needs %d tiles (%s) but the SoC has %d %s tile(s); weight reloads and "
            "layer sharing are not implemented"
            % (need, ", ".join("layer %d: %d" % (k, len(b)) for k, b in enumerate(plan)),
               len(cand), what))
    out, t = [], 0
    for blocks in plan:
        parts = []
        for (r0, nr, c0, nc) in blocks:
            parts.append((cand[t], r0, nr, c0, nc))
            t += 1
        out.append(parts)
    return out


def fnv1a32(data):
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _fnv1a32_np(buf):
    # Same as fnv1a32, a little faster on big buffers.
    h = 0x811C9DC5
    for byte in bytes(buf):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def _align(n, a=16):
    return (n + a - 1) // a * a


def build_package(layers, parts, tiles, kind, images, labels, batch=1, name="mlp",
                  calibrate=False, age_s=0):
    """Returns (blob bytes, manifest dict)."""
    n_img, in_dim = images.shape
    n_cls = layers[-1]["cols"]
    if layers[0]["rows"] != in_dim:
        raise PackageError("first layer has %d inputs but the images have %d pixels"
                           % (layers[0]["rows"], in_dim))
    for k in range(1, len(layers)):
        if layers[k]["rows"] != layers[k - 1]["cols"]:
            raise PackageError("layer %d has %d inputs but layer %d has %d outputs"
                               % (k, layers[k]["rows"], k - 1, layers[k - 1]["cols"]))
        if not layers[k - 1]["requant"]:
            raise PackageError("layer %d feeds another layer and must requantise to int8" % (k - 1))
    if batch < 1:
        raise PackageError("batch must be >= 1")
    split = any(len(p) > 1 for p in parts)
    if split and batch != 1:
        raise PackageError("a split layer runs one image at a time: use --batch 1")
    for k, L in enumerate(layers):
        ob = L["cols"] * (1 if L["requant"] else 4)
        if batch * L["rows"] > TILE_IN_BYTES or batch * ob > TILE_OUT_BYTES:
            raise PackageError("batch %d does not fit layer %d's tile buffers" % (batch, k))
    expected = reference_int8(layers, images)
    body = bytearray()
    n_parts = sum(len(p) for p in parts)
    parts_off = HEADER_SIZE + _align(LAYER_DESC_SIZE * len(layers))
    off = parts_off + _align(PART_DESC_SIZE * n_parts)

    def put(arr_bytes):
        nonlocal off
        at = off
        body.extend(arr_bytes)
        pad = _align(len(arr_bytes)) - len(arr_bytes)
        body.extend(b"\0" * pad)
        off += len(arr_bytes) + pad
        return at

    descs, pdescs = [], []
    kind_code = {"analog": KIND_ANALOG, "digital": KIND_DIGITAL, "any": KIND_ANY}[kind]
    for L, lp in zip(layers, parts):
        w_off = put(np.ascontiguousarray(L["w"], dtype=np.int8).tobytes())
        b_off = put(L["bias"].astype("<i4").tobytes())
        s_off = put(L["scale"].astype("<i4").tobytes())
        flags = FLAG_BIAS | (FLAG_RELU if L["relu"] else 0) | (FLAG_REQUANT if L["requant"] else 0)
        first = parts_off + PART_DESC_SIZE * len(pdescs)
        for (ti, r0, nr, c0, nc) in lp:
            if len(lp) == 1:
                pw = w_off  # the whole matrix
            else:
                pw = put(np.ascontiguousarray(L["w"][r0:r0 + nr, c0:c0 + nc],
                                              dtype=np.int8).tobytes())
            pdescs.append(struct.pack(PART_FMT, ti, r0, nr, c0, nc, pw, 0, 0))
        descs.append(struct.pack(LAYER_FMT, L["rows"], L["cols"], lp[0][0], kind_code, flags,
                                 L["shift"], w_off, b_off, s_off, len(lp), first, 0))
    img_off = put(np.ascontiguousarray(images, dtype=np.int8).tobytes())
    lab_off = put(np.asarray(labels, dtype=np.uint8).tobytes())
    exp_off = put(expected.astype("<i4").tobytes())
    total = off + 4
    layer_tab = b"".join(descs)
    layer_tab += b"\0" * (_align(len(layer_tab)) - len(layer_tab))
    part_tab = b"".join(pdescs)
    part_tab += b"\0" * (_align(len(part_tab)) - len(part_tab))
    payload = bytes(layer_tab) + part_tab + bytes(body) + struct.pack("<I", END_MAGIC)
    csum = _fnv1a32_np(payload)
    hdr = struct.pack(HEADER_FMT, MAGIC, VERSION, HEADER_SIZE, total, csum, len(layers), n_img,
                      in_dim, n_cls, img_off, lab_off, exp_off, HEADER_SIZE, batch,
                      HDR_SIGNED_IN | (HDR_CALIBRATE if calibrate else 0),
                      name.encode()[:4].ljust(4, b"\0"), age_s)
    blob = hdr + payload
    assert len(blob) == total
    manifest = {
        "format": "imcvp inference package", "version": VERSION, "name": name,
        "total_size": total, "checksum_fnv1a32": "0x%08x" % csum,
        "images": n_img, "in_dim": in_dim, "classes": n_cls, "batch": batch,
        "tile_kind": kind, "calibrate": bool(calibrate), "age_s": age_s,
        "offsets": {"images": img_off, "labels": lab_off, "expected": exp_off,
                    "layers": HEADER_SIZE},
        "layers": [{
            "rows": L["rows"], "cols": L["cols"],
            "parts": [{"tile": p[0], "rows": [p[1], p[1] + p[2]], "cols": [p[3], p[3] + p[4]],
                       "tile_geometry": [tiles[p[0]][1], tiles[p[0]][2]],
                       "tile_kind": tiles[p[0]][0]} for p in lp],
            "postprocess": "host" if len(lp) > 1 else "tile",
            "relu": L["relu"], "requant": L["requant"], "shift": L["shift"],
            "in_scale": L["in_scale"], "w_scale_min": float(np.min(L["w_scale"])),
            "w_scale_max": float(np.max(L["w_scale"])),
            "out_scale": L.get("out_scale"),
        } for L, lp in zip(layers, parts)],
        "expected_logits_fnv1a32": "0x%08x" % fnv1a32(expected.astype("<i4").tobytes()),
    }
    return blob, manifest


def parse_package(blob):
    """Validates a package as the firmware does; returns a dict or raises PackageError."""
    if len(blob) < HEADER_SIZE + 4:
        raise PackageError("package is %d bytes, smaller than its %d-byte header"
                           % (len(blob), HEADER_SIZE + 4))
    f = struct.unpack(HEADER_FMT, blob[:HEADER_SIZE])
    (magic, ver, hsize, total, csum, nl, ni, ind, ncls, img_off, lab_off, exp_off, lay_off,
     batch, flags, name, age_s) = f
    if magic != MAGIC:
        raise PackageError("bad magic 0x%08x (expected 0x%08x 'IMPK'): not an inference package"
                           % (magic, MAGIC))
    if ver != VERSION or hsize != HEADER_SIZE:
        raise PackageError("unsupported package version %d (header %d bytes); this tool reads "
                           "version %d" % (ver, hsize, VERSION))
    if total > MAX_TOTAL_SIZE or total < HEADER_SIZE + 4:
        raise PackageError("package size field %d is out of range" % total)
    if len(blob) < total:
        raise PackageError("package is truncated: %d of %d bytes" % (len(blob), total))
    if struct.unpack("<I", blob[total - 4:total])[0] != END_MAGIC:
        raise PackageError("end marker missing at byte %d: package is truncated or corrupt"
                           % (total - 4))
    if _fnv1a32_np(blob[HEADER_SIZE:total]) != csum:
        raise PackageError("checksum mismatch: package is corrupt")
    if not (1 <= nl <= 16) or not (1 <= ni <= 65535) or not (1 <= ind <= 4096):
        raise PackageError("header counts out of range (layers %d, images %d, inputs %d)"
                           % (nl, ni, ind))

    def inside(o, n, what):
        if o < HEADER_SIZE or o + n > total - 4:
            raise PackageError("%s (%d bytes at offset %d) lies outside the package"
                               % (what, n, o))

    inside(lay_off, nl * LAYER_DESC_SIZE, "layer table")
    inside(img_off, ni * ind, "images")
    inside(lab_off, ni, "labels")
    inside(exp_off, ni * ncls * 4, "expected outputs")
    layers = []
    prev = ind
    for k in range(nl):
        d = struct.unpack(LAYER_FMT, blob[lay_off + k * LAYER_DESC_SIZE:
                                          lay_off + (k + 1) * LAYER_DESC_SIZE])
        rows, cols, tile, kind, lflags, shift, w_off, b_off, s_off, n_parts, p_off, _ = d
        if rows != prev or rows < 1 or cols < 1 or cols > 4096:
            raise PackageError("layer %d: %dx%d does not chain (expected %d inputs)"
                               % (k, rows, cols, prev))
        if k < nl - 1 and not lflags & FLAG_REQUANT:
            raise PackageError("layer %d must requantise (it feeds layer %d)" % (k, k + 1))
        inside(w_off, rows * cols, "layer %d weights" % k)
        inside(b_off, 4 * cols, "layer %d bias" % k)
        inside(s_off, 4 * cols, "layer %d scale" % k)
        if not 1 <= n_parts <= 256:
            raise PackageError("layer %d: %d parts" % (k, n_parts))
        inside(p_off, n_parts * PART_DESC_SIZE, "layer %d part table" % k)
        parts, area = [], 0
        for q in range(n_parts):
            ti, r0, nr, c0, nc, pw, _, _ = struct.unpack(
                PART_FMT, blob[p_off + q * PART_DESC_SIZE:p_off + (q + 1) * PART_DESC_SIZE])
            if nr < 1 or nc < 1 or r0 + nr > rows or c0 + nc > cols:
                raise PackageError("layer %d part %d lies outside the %dx%d matrix"
                                   % (k, q, rows, cols))
            inside(pw, nr * nc, "layer %d part %d weights" % (k, q))
            parts.append({"tile": ti, "row0": r0, "rows": nr, "col0": c0, "cols": nc})
            area += nr * nc
        if area != rows * cols:
            raise PackageError("layer %d: parts cover %d of %d weights" % (k, area, rows * cols))
        layers.append({
            "rows": rows, "cols": cols, "tile": tile, "kind": kind,
            "relu": bool(lflags & FLAG_RELU), "requant": bool(lflags & FLAG_REQUANT),
            "shift": shift, "parts": parts,
            "w": np.frombuffer(blob, np.int8, rows * cols, w_off).reshape(rows, cols),
            "bias": np.frombuffer(blob, "<i4", cols, b_off).astype(np.int32),
            "scale": np.frombuffer(blob, "<i4", cols, s_off).astype(np.int32),
        })
        prev = cols
    if prev != ncls:
        raise PackageError("last layer has %d outputs but the header says %d classes"
                           % (prev, ncls))
    return {
        "name": name.rstrip(b"\0").decode(errors="replace"), "batch": batch, "flags": flags,
        "age_s": age_s,
        "layers": layers,
        "images": np.frombuffer(blob, np.int8, ni * ind, img_off).reshape(ni, ind),
        "labels": np.frombuffer(blob, np.uint8, ni, lab_off).astype(np.int64),
        "expected": np.frombuffer(blob, "<i4", ni * ncls, exp_off).reshape(ni, ncls),
    }
