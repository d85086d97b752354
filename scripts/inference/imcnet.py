"""imcnet: the inference flow's Python side (no SystemC, no sklearn import needed).

  data      the UCI 8x8 digits that ship with Debian's python3-sklearn, fixed train/test split
  train     numpy MLP (fixed seed, plain minibatch SGD with momentum); optionally
            hardware-aware: analog PCM tile noise, drift and ADC in every minibatch
  analog    numpy version of the analog tile's numerics (an estimate, not the VP's RNG stream)
  quantise  int8 weights (per-channel scales for hidden layers, per-tensor for the logits
            layer so that the argmax of the int32 logits is the argmax of the real logits),
            int32 biases, per-column int32 requantisation multiplier + one shift per layer
  reference the int8 network exactly as a digital IMC tile computes it (int32 accumulate,
            then imcvp::imc::postprocess: bias, ReLU, (acc*scale + 2^(shift-1)) >> shift,
            saturate to int8)
  package   the deployment blob the `infer` firmware reads (format in docs/inference.md)

Also a small CNN (one conv layer lowered to MVMs by im2col, max-pool on the host) and a small
LSTM (gate MVMs on a tile, table non-linearities and the cell update on the host), package
version 3.

Limits: dense layers with ReLU, one conv kind (valid, stride 1, max-pool), at most one LSTM
layer; every part of a layer gets a tile of its own (no
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
VERSION = 2  # dense-only packages (byte-identical to earlier tools)
VERSION_CONV = 3  # packages with a conv layer: the layer descriptor's last word is its geometry
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


def forward(ws, bs, x, keep=False, pre=None):
    """pre: optional callable(k, z, h_in) -> z applied to layer k's MVM result before the
    bias (hardware-aware training models the ADC there)."""
    acts = [x]
    h = x
    for k, (w, b) in enumerate(zip(ws, bs)):
        z = h @ w
        if pre is not None:
            z = pre(k, z, h)
        h = z + b
        if k < len(ws) - 1:
            h = np.maximum(h, 0.0)
        acts.append(h)
    return (h, acts) if keep else h


def train_mlp(x, y, sizes=(64, 64, 10), epochs=60, lr=0.05, batch=32, seed=0, wd=1e-4,
              perturb=None, init=None):
    """Minibatch SGD with momentum 0.9 on softmax cross-entropy. Deterministic for a seed.

    perturb: optional callable(ws) -> noisy copies of ws (hardware-aware training). Each
    minibatch's forward and backward pass then use the noisy weights and the update is applied
    to the clean ones (straight-through). It must draw from its own RNG: without it the
    training is bit-identical to the plain one. init: (ws, bs) to start from (fine-tuning)
    instead of a He initialisation."""
    rng = np.random.RandomState(seed)
    ws, bs = init_mlp(sizes, rng)
    if init is not None:
        ws, bs = [w.copy() for w in init[0]], [b.copy() for b in init[1]]
    vw = [np.zeros_like(w) for w in ws]
    vb = [np.zeros_like(b) for b in bs]
    n = len(y)
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            wf = perturb(ws) if perturb is not None else ws
            out, acts = forward(wf, bs, x[idx], keep=True,
                                pre=getattr(perturb, "adc", None))
            p = np.exp(out - out.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1.0
            g = p / len(idx)
            for k in range(len(ws) - 1, -1, -1):
                gw = acts[k].T @ g + wd * ws[k]
                gb = g.sum(axis=0)
                if k > 0:
                    g = (g @ wf[k].T) * (acts[k] > 0)
                vw[k] = 0.9 * vw[k] - lr * gw
                vb[k] = 0.9 * vb[k] - lr * gb
                ws[k] += vw[k]
                bs[k] += vb[k]
    return ws, bs


# ---------------------------------------------------------------- small CNN (im2col)
# Geometry of a conv layer: input in_h x in_w x in_c (HWC, int8), kernel k x k, stride 1, no
# padding, out_c channels; then ReLU + requantisation in the tile, then a pool x pool max-pool
# on the host (pool 1: none). The weight matrix has k*k*in_c rows in (ky, kx, c) order and
# out_c columns; every output pixel is one MVM of its patch (im2col).
def conv_out_dims(g):
    oh, ow = g["in_h"] - g["k"] + 1, g["in_w"] - g["k"] + 1
    return oh, ow, oh // g["pool"], ow // g["pool"]


def conv_out_dim(g, out_c):
    return conv_out_dims(g)[2] * conv_out_dims(g)[3] * out_c


def im2col(x, g):
    """x: n x (in_h*in_w*in_c) HWC -> (n*oh*ow) x (k*k*in_c) patches, (ky, kx, c) order."""
    n = x.shape[0]
    k, c = g["k"], g["in_c"]
    oh, ow = conv_out_dims(g)[:2]
    xi = x.reshape(n, g["in_h"], g["in_w"], c)
    cols = np.empty((n, oh, ow, k, k, c), dtype=x.dtype)
    for ky in range(k):
        for kx in range(k):
            cols[:, :, :, ky, kx, :] = xi[:, ky:ky + oh, kx:kx + ow, :]
    return cols.reshape(n * oh * ow, k * k * c)


def maxpool(z, g, out_c):
    """z: (n*oh*ow) x out_c -> n x (ph*pw*out_c) HWC, and the argmax mask for backprop."""
    oh, ow, ph, pw = conv_out_dims(g)
    p = g["pool"]
    n = z.shape[0] // (oh * ow)
    zz = z.reshape(n, oh, ow, out_c)[:, :ph * p, :pw * p, :]
    zz = zz.reshape(n, ph, p, pw, p, out_c)
    m = zz.max(axis=(2, 4))
    mask = zz == m[:, :, None, :, None, :]
    return m.reshape(n, -1), mask


CNN_GEOM = {"in_h": 8, "in_w": 8, "in_c": 1, "k": 3, "pool": 2}


def forward_cnn(ws, bs, x, g=CNN_GEOM, keep=False):
    """conv (im2col MVM) + ReLU + max-pool, then dense layers (ReLU between, logits last)."""
    pt = im2col(x, g)
    z = np.maximum(pt @ ws[0] + bs[0], 0.0)
    h, mask = maxpool(z, g, ws[0].shape[1])
    out, acts = forward(ws[1:], bs[1:], h, keep=True)
    return (out, (pt, z, mask, acts)) if keep else out


def train_cnn(x, y, g=CNN_GEOM, out_c=8, classes=10, epochs=40, lr=0.05, batch=32, seed=0,
              wd=1e-4):
    """Conv 3x3x1->8, ReLU, 2x2 max-pool, dense -> 10; SGD with momentum 0.9, fixed seed."""
    rng = np.random.RandomState(seed)
    kk = g["k"] * g["k"] * g["in_c"]
    ws = [rng.normal(0.0, np.sqrt(2.0 / kk), size=(kk, out_c))]
    d = conv_out_dim(g, out_c)
    ws.append(rng.normal(0.0, np.sqrt(2.0 / d), size=(d, classes)))
    bs = [np.zeros(out_c), np.zeros(classes)]
    vw = [np.zeros_like(w) for w in ws]
    vb = [np.zeros_like(b) for b in bs]
    oh, ow, ph, pw = conv_out_dims(g)
    p = g["pool"]
    n = len(y)
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            m = len(idx)
            out, (pt, z, mask, acts) = forward_cnn(ws, bs, x[idx], g, keep=True)
            pr = np.exp(out - out.max(axis=1, keepdims=True))
            pr /= pr.sum(axis=1, keepdims=True)
            pr[np.arange(m), y[idx]] -= 1.0
            gr = pr / m
            gw1 = acts[0].T @ gr + wd * ws[1]
            gb1 = gr.sum(axis=0)
            gh = (gr @ ws[1].T).reshape(m, ph, 1, pw, 1, out_c) * mask
            gz = np.zeros((m, oh, ow, out_c))
            gz[:, :ph * p, :pw * p, :] = gh.reshape(m, ph * p, pw * p, out_c)
            gz = gz.reshape(-1, out_c) * (z > 0)
            gw0 = pt.T @ gz + wd * ws[0]
            gb0 = gz.sum(axis=0)
            for k, (gw, gb) in enumerate(((gw0, gb0), (gw1, gb1))):
                vw[k] = 0.9 * vw[k] - lr * gw
                vb[k] = 0.9 * vb[k] - lr * gb
                ws[k] += vw[k]
                bs[k] += vb[k]
    return ws, bs


def quantise_cnn(ws, bs, x_calib, g=CNN_GEOM):
    """Conv layer: per-output-channel int8 weights, ReLU + requantisation in the tile (the
    activation scale from the calibration set's maximum; max-pooling commutes with the
    monotone requantisation, so the host pools int8 values). Dense logits layer as in
    quantise_mlp (per-tensor weights, int32 logits)."""
    s_in = 1.0 / 127.0
    w, b = ws[0], bs[0]
    s_w = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
    wq = np.clip(np.round(w / s_w), -127, 127).astype(np.int8)
    z = np.maximum(im2col(x_calib, g) @ w + b, 0.0)
    s_out = max(float(z.max()), 1e-12) / 127.0
    scale, shift = _requant_params(s_in * s_w / s_out)
    conv = {"rows": w.shape[0], "cols": w.shape[1], "w": wq,
            "bias": np.clip(np.round(b / (s_in * s_w)), -(2**31), 2**31 - 1).astype(np.int32),
            "in_scale": s_in, "w_scale": s_w, "relu": True, "requant": True,
            "scale": scale.astype(np.int32), "shift": shift, "out_scale": s_out,
            "conv": dict(g), "out_dim": conv_out_dim(g, w.shape[1])}
    h, _ = maxpool(z, g, w.shape[1])
    rest = quantise_mlp(ws[1:], bs[1:], h)
    # quantise_mlp assumes pixel inputs (scale 1/127); rescale its first layer to s_out.
    L = rest[0]
    L["in_scale"] = s_out
    L["bias"] = np.clip(np.round(bs[1] / (s_out * L["w_scale"])), -(2**31),
                        2**31 - 1).astype(np.int32)
    if L["requant"]:
        raise PackageError("quantise_cnn supports one dense logits layer after the conv")
    return [conv] + rest


def layer_out_dim(L):
    return L.get("out_dim", L["cols"])


def apply_layer_int8(L, h, mvm=None):
    """One layer as the tiles + host compute it (int64 arrays). mvm(z, L) -> int64 acc
    replaces the exact integer MVM (the analog estimate)."""
    if mvm is None:
        def mvm(z, L):
            acc = z @ L["w"].astype(np.int64)  # exact; the tile accumulates in int32
            assert np.all(np.abs(acc) < 2**31), "int32 accumulator overflow"
            return acc
    if "lstm" in L:
        g = L["lstm"]
        H, T, I = g["hidden"], g["steps"], g["in_step"]
        n = h.shape[0]
        luts = (L["luts"][:256], L["luts"][256:512], L["luts"][512:])
        hh = np.zeros((n, H), np.int64)
        c = np.zeros((n, H), np.int64)
        for t in range(T):
            z = np.concatenate([h[:, t * I:(t + 1) * I], hh], axis=1)
            gates = postprocess(mvm(z, L), L["bias"], False, True, L["scale"], L["shift"])
            hh, c = lstm_cell_int8(gates, c, H, luts)
        return hh
    if "conv" in L:
        g = L["conv"]
        z = postprocess(mvm(im2col(h, g), L), L["bias"], L["relu"], L["requant"], L["scale"],
                        L["shift"])
        return maxpool(z, g, L["cols"])[0]
    return postprocess(mvm(h, L), L["bias"], L["relu"], L["requant"], L["scale"], L["shift"])


def pack_geom(L):
    """The layer descriptor's last word: 0 dense; conv: kind 1 in bits 28..31, pool 24..27,
    in_c 16..23, in_w 8..15, in_h 0..7 (k follows from rows = k*k*in_c)."""
    if "lstm" in L:
        g = L["lstm"]
        return ((2 << 28) | (C_SHIFT << 24) | (g["hidden"] << 16) | (g["steps"] << 8)
                | g["in_step"])
    if "conv" not in L:
        return 0
    g = L["conv"]
    return (1 << 28) | (g["pool"] << 24) | (g["in_c"] << 16) | (g["in_w"] << 8) | g["in_h"]


def unpack_geom(word, rows):
    """Inverse of pack_geom; None for a dense layer. Raises PackageError if inconsistent."""
    kind = word >> 28
    if kind == 0 and word == 0:
        return None
    if kind == 2:
        g = {"in_step": word & 0xFF, "steps": (word >> 8) & 0xFF, "hidden": (word >> 16) & 0xFF,
             "c_shift": (word >> 24) & 0xF}
        if g["c_shift"] != C_SHIFT or g["in_step"] < 1 or g["steps"] < 1 or g["hidden"] < 1:
            raise PackageError("bad LSTM geometry word 0x%08x" % word)
        return g
    g = {"in_h": word & 0xFF, "in_w": (word >> 8) & 0xFF, "in_c": (word >> 16) & 0xFF,
         "pool": (word >> 24) & 0xF}
    if kind != 1 or g["in_c"] < 1 or g["pool"] < 1:
        raise PackageError("bad layer kind/geometry word 0x%08x" % word)
    kk = rows // g["in_c"]
    k = int(round(kk ** 0.5))
    if k * k * g["in_c"] != rows or k < 1 or k > min(g["in_h"], g["in_w"]):
        raise PackageError("conv geometry %dx%dx%d does not match %d matrix rows"
                           % (g["in_h"], g["in_w"], g["in_c"], rows))
    g["k"] = k
    if conv_out_dims(g)[2] < 1 or conv_out_dims(g)[3] < 1:
        raise PackageError("conv output is empty after pooling")
    return g


# ---------------------------------------------------------------- small LSTM
# The image is read row by row: `steps` time steps of `in_step` pixels. One matrix
# [x_t; h_{t-1}] (in_step + hidden rows) -> 4*hidden gate pre-activations (columns: i, f, g, o)
# runs on a tile per step, with the gate biases and a requantisation to int8 (scale 1/16,
# range +-8) in the tile periphery. The host applies lookup tables and the cell update in
# integers (lstm_cell_int8): sigmoid -> 0..128 (scale 1/128), tanh -> -127..127 (scale 1/127),
# c in units of 1/(128*127), tanh(c) through a third table indexed by c >> C_SHIFT.
LSTM_GEOM = {"steps": 8, "in_step": 8, "hidden": 24}
GATE_SCALE = 1.0 / 16.0
C_SHIFT = 9  # c index scale 2^9 / (128*127) ~ 1/31.75: table range +-4


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def forward_lstm(ws, bs, x, g=LSTM_GEOM, keep=False):
    """Float LSTM over the rows, then the dense logits layer from the last h."""
    n, H, T, I = x.shape[0], g["hidden"], g["steps"], g["in_step"]
    h = np.zeros((n, H))
    c = np.zeros((n, H))
    cache = []
    for t in range(T):
        z = np.concatenate([x[:, t * I:(t + 1) * I], h], axis=1)
        a = z @ ws[0] + bs[0]
        i, f, gg, o = (_sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]),
                       _sigmoid(a[:, 3 * H:]))
        c_prev = c
        c = f * c + i * gg
        tc = np.tanh(c)
        h = o * tc
        cache.append((z, i, f, gg, o, c_prev, c, tc))
    out = h @ ws[1] + bs[1]
    return (out, (cache, h)) if keep else out


def train_lstm(x, y, g=LSTM_GEOM, classes=10, epochs=60, lr=0.1, batch=32, seed=0, wd=1e-4):
    """BPTT with SGD + momentum 0.9 on softmax cross-entropy; fixed seed."""
    rng = np.random.RandomState(seed)
    H, I = g["hidden"], g["in_step"]
    ws = [rng.normal(0.0, 1.0 / np.sqrt(I + H), size=(I + H, 4 * H)),
          rng.normal(0.0, 1.0 / np.sqrt(H), size=(H, classes))]
    bs = [np.zeros(4 * H), np.zeros(classes)]
    bs[0][H:2 * H] = 1.0  # forget-gate bias 1 (remember by default)
    vw = [np.zeros_like(w) for w in ws]
    vb = [np.zeros_like(b) for b in bs]
    n = len(y)
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            m = len(idx)
            out, (cache, h) = forward_lstm(ws, bs, x[idx], g, keep=True)
            p = np.exp(out - out.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(m), y[idx]] -= 1.0
            gr = p / m
            gw1 = h.T @ gr + wd * ws[1]
            gb1 = gr.sum(axis=0)
            dh = gr @ ws[1].T
            dc = np.zeros_like(dh)
            gw0 = wd * ws[0]
            gb0 = np.zeros_like(bs[0])
            for (z, i, f, gg, o, c_prev, c, tc) in reversed(cache):
                do = dh * tc
                dc = dc + dh * o * (1 - tc * tc)
                di, df, dg = dc * gg, dc * c_prev, dc * i
                da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - gg * gg),
                                     do * o * (1 - o)], axis=1)
                gw0 = gw0 + z.T @ da
                gb0 = gb0 + da.sum(axis=0)
                dz = da @ ws[0].T
                dh = dz[:, I:]
                dc = dc * f
            for k, (gw, gb) in enumerate(((gw0, gb0), (gw1, gb1))):
                gw = np.clip(gw, -5, 5)
                vw[k] = 0.9 * vw[k] - lr * gw
                vb[k] = 0.9 * vb[k] - lr * gb
                ws[k] += vw[k]
                bs[k] += vb[k]
    return ws, bs


def lstm_luts():
    """(sigmoid 0..128, tanh -127..127) of int8 gate values at GATE_SCALE, and tanh(c) of the
    int8 c index at 2^C_SHIFT/(128*127): three int16 tables of 256, index = value + 128."""
    v = np.arange(-128, 128, dtype=np.float64)
    sig = np.round(128.0 * _sigmoid(v * GATE_SCALE)).astype(np.int16)
    tg = np.round(127.0 * np.tanh(v * GATE_SCALE)).astype(np.int16)
    tcl = np.round(127.0 * np.tanh(v * (2.0**C_SHIFT) / (128.0 * 127.0))).astype(np.int16)
    return sig, tg, tcl


def lstm_cell_int8(gates, c, H, luts):
    """gates: n x 4H int8 (tile output); c: n x H int64 (scale 1/(128*127)). Returns (h int8
    values as int64, new c). Rounding: (v + 2^(s-1)) >> s, arithmetic."""
    sig, tg, tcl = luts
    gi = gates.astype(np.int64) + 128
    i = sig[gi[:, :H]].astype(np.int64)
    f = sig[gi[:, H:2 * H]].astype(np.int64)
    gg = tg[gi[:, 2 * H:3 * H]].astype(np.int64)
    o = sig[gi[:, 3 * H:]].astype(np.int64)
    c = ((f * c + 64) >> 7) + i * gg
    ci = np.clip((c + (1 << (C_SHIFT - 1))) >> C_SHIFT, -128, 127)
    tc = tcl[ci + 128].astype(np.int64)
    h = (o * tc + 64) >> 7
    return h, c


def quantise_lstm(ws, bs, x_calib, g=LSTM_GEOM):
    """Gate matrix: per-column int8 weights; inputs (pixels and h) at scale 1/127; bias and a
    requantisation to int8 gate values at GATE_SCALE in the tile. Dense logits as in
    quantise_mlp, input scale 1/127 (h)."""
    s_in = 1.0 / 127.0
    w, b = ws[0], bs[0]
    s_w = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
    scale, shift = _requant_params(s_in * s_w / GATE_SCALE)
    sig, tg, tcl = lstm_luts()
    cell = {"rows": w.shape[0], "cols": w.shape[1],
            "w": np.clip(np.round(w / s_w), -127, 127).astype(np.int8),
            "bias": np.clip(np.round(b / (s_in * s_w)), -(2**31), 2**31 - 1).astype(np.int32),
            "in_scale": s_in, "w_scale": s_w, "relu": False, "requant": True,
            "scale": scale.astype(np.int32), "shift": shift, "out_scale": GATE_SCALE,
            "lstm": dict(g), "out_dim": g["hidden"],
            "luts": np.concatenate([sig, tg, tcl]).astype(np.int16)}
    _, (_, h) = forward_lstm(ws, bs, x_calib, g, keep=True)
    rest = quantise_mlp(ws[1:], bs[1:], h)  # its input scale 1/127 is h's
    return [cell] + rest


# ---------------------------------------------------------------- analog tile numerics (numpy)
# The same formula shapes as models/imc/numerics.cpp (docs/imc-model.md): weight -> conductance
# pair (differential, g_min..g_max), aihwkit PCM programming noise polynomial (the error left
# after write-verify, applied once),
# aihwkit-pcm drift exponent statistics, 1/f read noise, ADC quantisation. Defaults are the tile
# model's defaults (models/imc/tile_config.h, aihwkit PCMLikeNoiseModel).
PCM = {"g_max_us": 25.0, "g_min_us": 0.25, "devices_per_weight": 1,
       "prog_coeff_us": (0.26348, 1.9650, -1.1731), "prog_coeff_g_max_us": 25.0,
       "verify_tolerance": 0.04, "verify_max_iterations": 5, "drift_t0_s": 20.0,
       "read_noise_t_read_s": 250e-9, "w_max": 127, "adc_bits": 8, "adc_bound": 16.0,
       "in_max": 127}


def _prog_std(g, p):
    gt = g / p["g_max_us"]
    c0, c1, c2 = p["prog_coeff_us"]
    return np.maximum(c0 + c1 * gt + c2 * gt * gt, 0.0) * (p["g_max_us"] / p["prog_coeff_g_max_us"])


def analog_effective(q, age_s, rng, p=PCM):
    """Integer-unit weights q (|q| <= w_max) -> the effective weights an analog array reads
    age_s seconds after programming: programming noise (write-verify), drift, read noise."""
    g_min, g_max, dpw = p["g_min_us"], p["g_max_us"], p["devices_per_weight"]
    delta = (g_max - g_min) * np.abs(q) / p["w_max"]
    targets = [np.where(q >= 0, g_min + delta, g_min), np.where(q >= 0, g_min, g_min + delta)]
    t = max(age_s, 0.0) + p["drift_t0_s"]
    tr = p["read_noise_t_read_s"]
    rn_time = np.sqrt(max(np.log((t + tr) / (2 * tr)), 0.0))
    diff = np.zeros(q.shape)
    for side, tgt in enumerate(targets):
        for _ in range(dpw):
            # aihwkit's sigma is the error left after write-verify: applied once (issue 14;
            # the former redraw-the-misses loop truncated it at the tolerance and halved it).
            sd = _prog_std(tgt, p)
            g = np.maximum(tgt + sd * rng.standard_normal(q.shape), 0.0)
            gt = np.maximum(g / g_max, 1e-7)
            nu_m = np.clip(-0.0155 * np.log(gt) + 0.0244, 0.049, 0.1)
            nu_s = np.clip(-0.0125 * np.log(gt) - 0.0059, 0.008, 0.045)
            nu = np.clip(nu_m + nu_s * rng.standard_normal(q.shape), 0.0, 1.0)
            qs = np.minimum(0.0088 / np.maximum((g / g_max) ** 0.65, 1e-3), 0.2)
            g = g * ((max(age_s, 0.0) + p["drift_t0_s"]) / p["drift_t0_s"]) ** (-nu)
            g = np.maximum(g + np.abs(g) * qs * rn_time * rng.standard_normal(q.shape), 0.0)
            diff += g if side == 0 else -g
    return diff * p["w_max"] / (g_max - g_min) / dpw


def weight_scales(ws):
    """The quantiser's weight scales (quantise_mlp): per column for hidden layers, one per
    tensor for the last layer."""
    out = []
    for k, w in enumerate(ws):
        if k == len(ws) - 1:
            out.append(np.full(w.shape[1], max(np.abs(w).max(), 1e-12) / 127.0))
        else:
            out.append(np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0)
    return out


def make_analog_perturb(seed=1, max_age_s=10 * 365 * 86400.0, p_fresh=0.25, p=PCM,
                        adc_bits=0):
    """Hardware-aware training noise: each call maps every layer onto the analog array at its
    quantiser scale and returns the effective weights at a random age (0 with probability
    p_fresh, else log-uniform in [1 s, max_age_s]), no drift compensation."""
    rng = np.random.RandomState(seed)
    scales = []

    def perturb(ws):
        age = 0.0 if rng.rand() < p_fresh else float(np.exp(rng.uniform(0, np.log(max_age_s))))
        out = []
        scales[:] = weight_scales(ws)
        for w, s_w in zip(ws, scales):
            q = np.clip(w / s_w, -p["w_max"], p["w_max"])
            out.append(analog_effective(q, age, rng, p) * s_w)
        return out

    def adc(k, z, h_in):
        """The column ADC on the MVM result in real units: its step is lsb * x_max * w_max
        integer units, times the input scale (1/127 for the pixels, the batch's activation
        maximum / 127 after that) and the column's weight scale. Rounding, saturation at the
        bound; the gradient passes straight through."""
        if adc_bits <= 0:
            return z
        s_in = 1.0 / 127.0 if k == 0 else max(float(h_in.max()), 1e-12) / 127.0
        cmax = max(1.0, 2.0 ** (adc_bits - 1) - 1)
        step = p["adc_bound"] / cmax * p["in_max"] * p["w_max"] * s_in * scales[k]
        return np.clip(np.round(z / step), -cmax, cmax) * step

    perturb.adc = adc
    return perturb


def reference_analog(layers, xq, age_s, rng, p=PCM, adc_bits=None):
    """An estimate (not bit-exact: another RNG stream) of the int8 network on analog tiles
    age_s seconds after programming without CALIBRATE: effective weights, ADC, then the same
    periphery and host steps as reference_int8."""
    bits = p["adc_bits"] if adc_bits is None else adc_bits
    weff = {}

    def mvm(z, L):
        if id(L) not in weff:  # one programming per layer
            weff[id(L)] = analog_effective(L["w"].astype(np.float64), age_s, rng, p)
        acc = z @ weff[id(L)]
        if bits > 0:
            full = float(p["in_max"] * p["w_max"])
            cmax = max(1.0, 2.0 ** (bits - 1) - 1)
            lsb = p["adc_bound"] / cmax
            acc = np.clip(np.round(acc / full / lsb), -cmax, cmax) * lsb * full
        return np.clip(np.round(acc), -(2**31), 2**31 - 1).astype(np.int64)

    h = xq.astype(np.int64)
    for L in layers:
        h = apply_layer_int8(L, h, mvm)
    return h


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
        h = apply_layer_int8(L, h)
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
    has_conv = any("conv" in L or "lstm" in L for L in layers)

    def in_dim_of(L):
        if "lstm" in L:
            return L["lstm"]["steps"] * L["lstm"]["in_step"]
        if "conv" in L:
            g = L["conv"]
            return g["in_h"] * g["in_w"] * g["in_c"]
        return L["rows"]

    if "conv" in layers[-1] or "lstm" in layers[-1]:
        raise PackageError("the last layer must be dense (the logits)")
    if in_dim_of(layers[0]) != in_dim:
        raise PackageError("first layer has %d inputs but the images have %d pixels"
                           % (in_dim_of(layers[0]), in_dim))
    for k in range(1, len(layers)):
        if in_dim_of(layers[k]) != layer_out_dim(layers[k - 1]):
            raise PackageError("layer %d has %d inputs but layer %d has %d outputs"
                               % (k, in_dim_of(layers[k]), k - 1, layer_out_dim(layers[k - 1])))
        if not layers[k - 1]["requant"]:
            raise PackageError("layer %d feeds another layer and must requantise to int8" % (k - 1))
    if batch < 1:
        raise PackageError("batch must be >= 1")
    split = any(len(p) > 1 for p in parts)
    if split and batch != 1:
        raise PackageError("a split layer runs one image at a time: use --batch 1")
    if has_conv and batch != 1:
        raise PackageError("a conv or LSTM layer runs one image (all its patches or time "
                           "steps) at a time: use --batch 1")
    for k, (L, lp) in enumerate(zip(layers, parts)):
        ob = L["cols"] * (1 if L["requant"] else 4)
        vecs = batch
        if "lstm" in L:
            g = L["lstm"]
            if len(lp) > 1 or not L["requant"]:
                raise PackageError("LSTM layer %d must fit one tile and requantise" % k)
            if L["rows"] != g["in_step"] + g["hidden"] or L["cols"] != 4 * g["hidden"]:
                raise PackageError("LSTM layer %d: matrix %dx%d does not match its geometry"
                                   % (k, L["rows"], L["cols"]))
        if "conv" in L:
            if len(lp) > 1:
                raise PackageError("conv layer %d (%dx%d) does not fit one tile; splitting "
                                   "conv layers is not implemented" % (k, L["rows"], L["cols"]))
            if not L["requant"]:
                raise PackageError("conv layer %d must requantise to int8" % k)
            oh, ow = conv_out_dims(L["conv"])[:2]
            vecs = oh * ow
            if vecs > 1024:
                raise PackageError("conv layer %d has %d patches; the firmware batches at most "
                                   "1024" % (k, vecs))
        if vecs * L["rows"] > TILE_IN_BYTES or vecs * ob > TILE_OUT_BYTES:
            raise PackageError("batch %d does not fit layer %d's tile buffers" % (vecs, k))
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
        extra = L["luts"].astype("<i2").tobytes() if "lstm" in L else b""
        s_off = put(L["scale"].astype("<i4").tobytes() + extra)  # LSTM: its tables follow
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
                                 L["shift"], w_off, b_off, s_off, len(lp), first, pack_geom(L)))
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
    version = VERSION_CONV if has_conv else VERSION
    hdr = struct.pack(HEADER_FMT, MAGIC, version, HEADER_SIZE, total, csum, len(layers), n_img,
                      in_dim, n_cls, img_off, lab_off, exp_off, HEADER_SIZE, batch,
                      HDR_SIGNED_IN | (HDR_CALIBRATE if calibrate else 0),
                      name.encode()[:4].ljust(4, b"\0"), age_s)
    blob = hdr + payload
    assert len(blob) == total
    manifest = {
        "format": "imcvp inference package", "version": version, "name": name,
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
            "type": "conv" if "conv" in L else ("lstm" if "lstm" in L else "dense"),
            "conv": L.get("conv"), "lstm": L.get("lstm"), "out_dim": layer_out_dim(L),
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
    if ver not in (VERSION, VERSION_CONV) or hsize != HEADER_SIZE:
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
        rows, cols, tile, kind, lflags, shift, w_off, b_off, s_off, n_parts, p_off, geo = d
        if rows < 1 or cols < 1 or cols > 4096 or rows > 4096:
            raise PackageError("layer %d: bad dimensions %dx%d" % (k, rows, cols))
        g = unpack_geom(geo, rows) if ver == VERSION_CONV else None
        if g is not None and "hidden" in g:
            if (rows != g["in_step"] + g["hidden"] or cols != 4 * g["hidden"] or n_parts != 1
                    or k == nl - 1 or not lflags & FLAG_REQUANT or batch != 1):
                raise PackageError("layer %d: LSTM %dx%d does not match its geometry, or is "
                                   "split, last, not requantised or batched" % (k, rows, cols))
            in_k, out_k = g["steps"] * g["in_step"], g["hidden"]
            inside(s_off, 4 * cols + 2 * 768, "layer %d scale + LSTM tables" % k)
        elif g is not None:
            in_k, out_k = g["in_h"] * g["in_w"] * g["in_c"], conv_out_dim(g, cols)
            if n_parts != 1 or k == nl - 1 or not lflags & FLAG_REQUANT:
                raise PackageError("layer %d: a conv layer must be on one tile, requantise and "
                                   "not be the last layer" % k)
            if batch != 1:
                raise PackageError("a package with conv layers must have batch 1")
        else:
            in_k, out_k = rows, cols
        if in_k != prev:
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
        Ld = {}
        if g is not None and "hidden" in g:
            Ld = {"lstm": {q: g[q] for q in ("steps", "in_step", "hidden")}, "out_dim": out_k,
                  "luts": np.frombuffer(blob, "<i2", 768, s_off + 4 * cols).astype(np.int16)}
        elif g is not None:
            Ld = {"conv": g, "out_dim": out_k}
        layers.append(dict(Ld, **{
            "rows": rows, "cols": cols, "tile": tile, "kind": kind,
            "relu": bool(lflags & FLAG_RELU), "requant": bool(lflags & FLAG_REQUANT),
            "shift": shift, "parts": parts,
            "w": np.frombuffer(blob, np.int8, rows * cols, w_off).reshape(rows, cols),
            "bias": np.frombuffer(blob, "<i4", cols, b_off).astype(np.int32),
            "scale": np.frombuffer(blob, "<i4", cols, s_off).astype(np.int32),
        }))
        prev = out_k
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
