#!/usr/bin/python3
"""Finish the provenance of models/onnx: add file sizes, sha256 and the accuracy on the
INPUTS files to each NAME.json, and write models/onnx/README.md (numpy + onnx only).

  /usr/bin/python3 scripts/train/provenance.py [--dir models/onnx]

Run it after train_resnet_fashion.py, export_digits.py and make_inputs.py.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import onnx  # noqa: E402

import onnx_np  # noqa: E402
import trainlib  # noqa: E402
from make_inputs import INPUTS  # noqa: E402

MODELS = ["resnet_fashion", "mlp_digits", "cnn_digits"]

README = """# ONNX models for the compiler (imcc)

Committed weights with their provenance. Made with Debian's `/usr/bin/python3`
(python3-torch, `torch.__version__` {torch}; python3-onnx {onnx}); torch is needed only to
retrain/re-export, the tests (`tests/train`, CTest `train.python`) need numpy and onnx only. ONNX opset 13,
float32, static shapes with a fixed batch of 1 (the compiler adds its own batch axis).
BatchNormalization was exported in eval mode and folded into the convolutions by the exporter.

| File | Network | Input | Float test accuracy | Weights (Conv/Gemm) | All initializers | Size | sha256 |
|------|---------|-------|--------------------:|--------------------:|-----------------:|-----:|--------|
{rows}

`NAME.json` next to each model holds the full provenance (command, seed, epochs, optimiser,
per-epoch history, op list, expected logits of test images 0..7). `NAME_inputs.npz` are the
compiler's INPUTS files (`images` float32 with the batch axis in front, already normalised;
`labels` int64), the first N images of the test split in order:

| File | images | labels | Float accuracy on these images | Size |
|------|--------|--------|-------------------------------:|-----:|
{irows}

## resnet_fashion.onnx: residual CNN on Fashion-MNIST (trained here)

- Script and command: `{rn[command]}`; about {rn_min:.0f} minutes of training on 1 thread
  of a 2-core machine shared with a C++ build.
- Data: Fashion-MNIST from Debian's dataset-fashion-mnist
  (`/usr/share/datasets/fashion-mnist`), its own 60,000 training / 10,000 test images.
  Input `[1, 1, 28, 28]` float32 NCHW, pixels / 255 (no mean/std normalisation).
- Network: stem conv 3x3 1->32 stride 2 (28x28 -> 14x14); basic residual blocks
  32->32 (14x14), 32->64 stride 2 (7x7), 64->64 stride 2 (4x4), 64->64, 64->64; a block is
  conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut (identity, or 1x1 stride-2 conv + BN when the
  shape changes), then ReLU; global average pool, Flatten, Gemm 64->10.
  {rn[conv_layers]} Conv layers, {rn[weights_conv_gemm]:,} Conv/Gemm weights
  ({rn[params_torch]:,} trainable parameters in torch incl. BN; after folding BN the ONNX file
  has {rn[onnx_initializer_elements]:,} initializer elements). Ops: {rn_ops}.
  Largest crossbar matrix: 3x3x64 = 576 rows x 64 columns (split over 256-row tiles by the
  compiler).
- Training: seed {rn[seed]}, {rn[epochs]} epochs, batch {rn[batch]}, {rn[optimizer]}
  (max lr {rn[lr_max]}, weight decay {rn[weight_decay]}) with a one-cycle schedule, label
  smoothing {rn[label_smoothing]}, augmentation: {rn[augmentation]};
  `torch.use_deterministic_algorithms(True)`, {rn[threads]} thread. Per-epoch test accuracy:
  {rn_hist}.
- Float test accuracy **{rn_acc:.2f} %** on the 10,000 test images.

## mlp_digits.onnx and cnn_digits.onnx: the existing numpy digits networks (not retrained)

- Script and command: `/usr/bin/python3 scripts/train/export_digits.py` builds torch modules,
  loads `models/inference/mlp_digits_64_64_10.npz` / `cnn_digits_c8_p2_10.npz` unchanged and
  exports them; it checks that the ONNX graph (evaluated with numpy, `scripts/train/onnx_np.py`)
  and the torch module equal `imcnet.forward` / `imcnet.forward_cnn` (float64) on the 360 test
  images to 1e-5 (measured: ONNX {mlp_d:.1e} / {cnn_d:.1e}).
- Data: the UCI 8x8 digits of python3-sklearn (`digits.csv.gz`), pixels / 16, imcinfer's
  split (`RandomState(0).permutation`, the last 360 images are the test set). Training recipes:
  models/inference/README.md (digits MLP: seed {mlp[seed]}, {mlp[epochs]} epochs; CNN: seed
  {cnn[seed]}, {cnn[epochs]} epochs; copied into `source_meta` of the JSON).
- mlp_digits: input `[1, 64]` float32 = imcnet's input row (the 8x8 image row-major, pixels /
  16); Gemm 64->64, Relu, Gemm 64->10 (Gemm weights are the npz's `w` transposed, `transB=1`).
  Float test accuracy **{mlp_acc:.2f} %** (360 images).
- cnn_digits: input `[1, 1, 8, 8]` float32 = the same 64 values reshaped NCHW (one channel,
  so identical to imcnet's HWC row), pixels / 16; Conv 3x3 1->8 valid + bias (weight
  `[o, 0, ky, kx] = w0[ky*3 + kx, o]`), Relu, MaxPool 2x2 stride 2 (6x6 -> 3x3), Flatten
  (NCHW order c*9 + y*3 + x), Gemm 72->10 (the npz's `w1` rows permuted from imcnet's HWC
  order (y*3 + x)*8 + c). Float test accuracy **{cnn_acc:.2f} %** (360 images).

## Reproduce

```
/usr/bin/python3 scripts/train/train_resnet_fashion.py --epochs {rn[epochs]} --seed {rn[seed]}   # torch
/usr/bin/python3 scripts/train/export_digits.py                             # torch
/usr/bin/python3 scripts/train/make_inputs.py
/usr/bin/python3 scripts/train/provenance.py                                # this README
```

The digits exports and the INPUTS files are byte-reproducible. The ResNet's training is
deterministic for a given machine and torch build (fixed seed, deterministic algorithms, one
thread): a second run of the command above on the machine that made the file gave a
byte-identical `resnet_fashion.onnx` (same sha256, same per-epoch accuracies). Another CPU's
kernels may round differently, so retraining elsewhere gives close but not necessarily
identical weights: the tests check the committed files, not a retrain.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=trainlib.ONNX_DIR)
    a = ap.parse_args()
    metas, rows, irows = {}, [], []
    for name in MODELS:
        jpath = os.path.join(a.dir, name + ".json")
        with open(jpath) as f:
            meta = json.load(f)
        path = os.path.join(a.dir, name + ".onnx")
        m = onnx.load(path)
        ipath = os.path.join(a.dir, INPUTS[name])
        z = np.load(ipath)
        out = onnx_np.run(m, {"input": z["images"]})[0]
        acc_in = float(np.mean(out.argmax(1) == z["labels"]))
        meta.update({
            "file_bytes": os.path.getsize(path), "sha256": trainlib.sha256(path),
            "input_shape": [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim],
            "inputs_file": {"name": INPUTS[name], "images": list(z["images"].shape),
                            "labels": list(z["labels"].shape),
                            "float_accuracy": round(acc_in, 6),
                            "file_bytes": os.path.getsize(ipath),
                            "sha256": trainlib.sha256(ipath)}})
        trainlib.write_json(jpath, meta)
        metas[name] = meta
        net = {"resnet_fashion": "residual CNN, %d conv" % meta.get("conv_layers", 0),
               "mlp_digits": "MLP 64-64-10", "cnn_digits": "CNN conv 3x3x8, pool 2, 72-10"}[name]
        rows.append("| `%s.onnx` | %s | `%s` | %.2f %% (%d images) | %s | %s | %s | `%s` |" % (
            name, net, "x".join(map(str, meta["input_shape"])),
            100 * meta["float_test_accuracy"], meta["test_images"],
            "{:,}".format(meta["onnx_weights_conv_gemm"]),
            "{:,}".format(meta["onnx_initializer_elements"]), _size(meta["file_bytes"]),
            meta["sha256"]))
        irows.append("| `%s` | %s float32 | %s int64 | %.2f %% | %s |" % (
            INPUTS[name], "x".join(map(str, z["images"].shape)), z["labels"].shape[0],
            100 * acc_in, _size(os.path.getsize(ipath))))
    rn = metas["resnet_fashion"]
    text = README.format(
        torch=rn["torch"], onnx=onnx.__version__, rows="\n".join(rows), irows="\n".join(irows),
        rn=rn, rn_min=rn["train_seconds"] / 60, rn_ops=", ".join(rn["ops"]),
        rn_hist=", ".join("%.2f" % (100 * h["test_accuracy"]) for h in rn["history"]),
        rn_acc=100 * rn["float_test_accuracy"],
        mlp=metas["mlp_digits"]["source_meta"], cnn=metas["cnn_digits"]["source_meta"],
        mlp_acc=100 * metas["mlp_digits"]["float_test_accuracy"],
        cnn_acc=100 * metas["cnn_digits"]["float_test_accuracy"],
        mlp_d=metas["mlp_digits"]["max_abs_diff_vs_imcnet"]["onnx_numpy"],
        cnn_d=metas["cnn_digits"]["max_abs_diff_vs_imcnet"]["onnx_numpy"])
    with open(os.path.join(a.dir, "README.md"), "w") as f:
        f.write(text)
    print("wrote %s" % os.path.join(a.dir, "README.md"))


def _size(n):
    return "%.1f KB" % (n / 1024) if n < 1 << 20 else "%.2f MB" % (n / (1 << 20))


if __name__ == "__main__":
    main()
