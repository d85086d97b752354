"""trainlib: shared helpers of scripts/train (data, seeds, ONNX export checks).

Data comes from the same files and with the same splits as scripts/inference (imcnet.py):
  - Fashion-MNIST: Debian's dataset-fashion-mnist, its own 60,000/10,000 split, pixels / 255,
    images as N x 1 x 28 x 28 float32 (NCHW);
  - UCI 8x8 digits: python3-sklearn's digits.csv.gz, pixels / 16, the imcinfer split
    (RandomState(0).permutation, the last 360 images are the test set), N x 64 float32.

Runs with Debian's /usr/bin/python3. numpy only at import time: torch is imported by the
training/export scripts themselves (the tests import this module without torch).
"""
import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "inference"))
import imcnet  # noqa: E402  (the inference flow's loaders: one source of truth for the data)

ONNX_DIR = os.path.join(ROOT, "models", "onnx")
INFERENCE_DIR = os.path.join(ROOT, "models", "inference")
OPSET = 13
# The ops the compiler's front end supports (docs: issue 13, "Front end"). The models here
# use a subset of them.
ALLOWED_OPS = {"Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "Add",
               "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Reshape", "Concat",
               "Softmax",
               # issue 18: Transformer encoders (decomposed LayerNorm and GELU at opset 13)
               "Transpose", "Constant", "ReduceMean", "Sub", "Pow", "Sqrt", "Div", "Mul", "Erf"}
DIGITS_SPLIT = {"n_test": 360, "seed": 0}  # as imcinfer's NETS["digits"/"cnn"]["train"]


def fashion(train=True):
    """(x_train, y_train, x_test, y_test): float32 N x 1 x 28 x 28 in [0, 1], int64 labels.
    train=False skips the 60,000 training images (loads only the first one)."""
    xtr, ytr, xte, yte = imcnet.load_fashion(train_limit=None if train else 1)
    f = lambda x: np.ascontiguousarray(x.reshape(-1, 1, 28, 28), dtype=np.float32)  # noqa
    return f(xtr), ytr, f(xte), yte


def patchify(x):
    """Fashion-MNIST images [N, 1, 28, 28] (or [N, 784]) -> [N, 16, 49]: 16 tokens of 7x7
    patches, token = patch row * 4 + patch column, feature = pixel row * 7 + pixel column
    inside the patch (the Transformer's input, models/onnx/transformer_fashion.onnx)."""
    n = x.shape[0]
    return np.ascontiguousarray(
        np.asarray(x).reshape(n, 4, 7, 4, 7).transpose(0, 1, 3, 2, 4).reshape(n, 16, 49))


def digits():
    """(x_train, y_train, x_test, y_test): float32 N x 64 in [0, 1] (pixels / 16, row-major
    8x8), int64 labels; imcinfer's fixed split (the last 360 of a seeded permutation)."""
    x, y = imcnet.load_digits()
    xtr, ytr, xte, yte = imcnet.split(x, y, n_test=DIGITS_SPLIT["n_test"],
                                      seed=DIGITS_SPLIT["seed"])
    return xtr.astype(np.float32), ytr, xte.astype(np.float32), yte


def seed_everything(seed, threads=2):
    """Fixed seeds, at most `threads` threads, deterministic algorithms (torch imported here)."""
    import random
    import torch
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    return torch


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def onnx_weight_count(model):
    """(weights, all): elements of the Conv/Gemm weight initializers, and of all initializers."""
    from onnx import numpy_helper
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    w = 0
    for n in model.graph.node:
        if n.op_type in ("Conv", "Gemm", "MatMul"):
            for name in n.input[:2]:
                if name in inits and inits[name].ndim >= 2:
                    w += inits[name].size
    return w, sum(a.size for a in inits.values())


def write_json(path, d):
    with open(path, "w") as f:
        json.dump(d, f, indent=1, sort_keys=True)
        f.write("\n")
