#!/usr/bin/python3
"""Finish the provenance of models/onnx: add file sizes, sha256 and the accuracy on the
INPUTS files to each NAME.json, and write models/onnx/README.md (numpy + onnx only).

  /usr/bin/python3 scripts/train/provenance.py [--dir models/onnx]

Run it after train_resnet_fashion.py, train_transformer_fashion.py, export_digits.py and
make_inputs.py.
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

MODELS = ["resnet_fashion", "transformer_fashion", "mlp_digits", "cnn_digits"]
# hardware-aware fine-tuned versions (scripts/train/finetune_hat.py): listed when present,
# they share their source model's INPUTS file
HAT_MODELS = {"resnet_fashion_hat_pcm": "resnet_fashion", "transformer_fashion_hat_pcm":
              "transformer_fashion"}
INPUT_OF = dict(INPUTS, **{k: INPUTS[v] for k, v in HAT_MODELS.items()})

README = """# ONNX models for the compiler (imcc)

Committed weights with their provenance. Made with Debian's `/usr/bin/python3`
(python3-torch, `torch.__version__` {torch}; python3-onnx {onnx}); torch is needed only to
retrain/re-export, the tests (`tests/train`, CTest `train.python`) need numpy and onnx only. ONNX opset 13,
float32, static shapes with a fixed batch of 1 (the compiler adds its own batch axis).
BatchNormalization was exported in eval mode and folded into the convolutions by the exporter;
the Transformer's LayerNorm and GELU come out decomposed (opset 13 has neither op).

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

## transformer_fashion.onnx: small Transformer encoder on Fashion-MNIST (trained here)

- Script and command: `{tf[command]}`; about {tf_min:.0f} minutes of training on 1 thread
  of a 2-core machine shared with builds and simulations. Network: `scripts/train/transformer_net.py`.
- Data: Fashion-MNIST as for the ResNet, pixels / 255, cut into **16 tokens of 7x7 patches
  outside the graph**: input `[1, 16, 49]` float32, token t = patch row t // 4, patch column
  t % 4; feature f = pixel (f // 7, f % 7) inside the patch (`trainlib.patchify`).
- Network: **pre-LN** encoder, width {tf[architecture][width]}, {tf[architecture][layers]}
  layers, {tf[architecture][heads]} heads of 16, MLP 64-{tf[architecture][mlp]}-64 with exact
  (erf) GELU, learned positional embedding (an initializer `pos` [16, 64] added after the patch
  embedding Linear 49->64), final LayerNorm, **mean pooling** over the 16 tokens (ReduceMean
  axis 1), Linear 64->10 (Gemm). Attention's 1/sqrt(16) = 0.25 is folded exactly into the Q
  projection's weight and bias (power of two), so Q·Kᵀ feeds Softmax directly. Linear layers
  inside the blocks export as MatMul (constant weight `[in, out]`) + Add (bias first).
  {tf[linear_layers]} Linear layers, {tf[weights_linear]:,} Linear weights
  ({tf[params_torch]:,} trainable parameters; {tf[onnx_initializer_elements]:,} initializer
  elements in the ONNX file). Ops: {tf_ops}.
- Training: seed {tf[seed]}, {tf[epochs]} epochs, batch {tf[batch]}, {tf[optimizer]} (max lr
  {tf[lr_max]}, weight decay {tf[weight_decay]} on the matrices only) with a one-cycle schedule,
  label smoothing {tf[label_smoothing]}, augmentation: {tf[augmentation]} of the 28x28 image
  before cutting it into patches; `torch.use_deterministic_algorithms(True)`, {tf[threads]}
  thread. Per-epoch test accuracy: {tf_hist}.
- Float test accuracy **{tf_acc:.2f} %** on the 10,000 test images.

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

{hat}## Reproduce

```
/usr/bin/python3 scripts/train/train_resnet_fashion.py --epochs {rn[epochs]} --seed {rn[seed]}   # torch
nice -n 10 /usr/bin/python3 scripts/train/train_transformer_fashion.py --epochs {tf[epochs]} --seed {tf[seed]}   # torch
/usr/bin/python3 scripts/train/export_digits.py                             # torch
{hat_cmds}/usr/bin/python3 scripts/train/make_inputs.py
/usr/bin/python3 scripts/train/provenance.py                                # this README
```

The digits exports and the INPUTS files are byte-reproducible. The ResNet's training is
deterministic for a given machine and torch build (fixed seed, deterministic algorithms, one
thread): a second run of the command above on the machine that made the file gave a
byte-identical `resnet_fashion.onnx` (same sha256, same per-epoch accuracies); so did a
second run of the Transformer's command (`transformer_fashion.onnx`) and of
`finetune_hat.py --model resnet` (`resnet_fashion_hat_pcm.onnx`). Another CPU's
kernels may round differently, so retraining elsewhere gives close but not necessarily
identical weights: the tests check the committed files, not a retrain.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=trainlib.ONNX_DIR)
    a = ap.parse_args()
    metas, rows, irows = {}, [], []
    names = MODELS + [h for h in HAT_MODELS if os.path.exists(os.path.join(a.dir, h + ".json"))]
    for name in names:
        jpath = os.path.join(a.dir, name + ".json")
        with open(jpath) as f:
            meta = json.load(f)
        path = os.path.join(a.dir, name + ".onnx")
        m = onnx.load(path)
        ipath = os.path.join(a.dir, INPUT_OF[name])
        z = np.load(ipath)
        out = onnx_np.run(m, {"input": z["images"]})[0]
        acc_in = float(np.mean(out.argmax(1) == z["labels"]))
        meta.update({
            "file_bytes": os.path.getsize(path), "sha256": trainlib.sha256(path),
            "input_shape": [d.dim_value for d in m.graph.input[0].type.tensor_type.shape.dim],
            "inputs_file": {"name": INPUT_OF[name], "images": list(z["images"].shape),
                            "labels": list(z["labels"].shape),
                            "float_accuracy": round(acc_in, 6),
                            "file_bytes": os.path.getsize(ipath),
                            "sha256": trainlib.sha256(ipath)}})
        trainlib.write_json(jpath, meta)
        metas[name] = meta
        net = {"resnet_fashion_hat_pcm": "the ResNet, HAT fine-tuned for PCM",
               "transformer_fashion_hat_pcm": "the Transformer, HAT fine-tuned for PCM",
               "resnet_fashion": "residual CNN, %d conv" % meta.get("conv_layers", 0),
               "transformer_fashion": "Transformer encoder, pre-LN, 2 layers, width 64, 4 heads",
               "mlp_digits": "MLP 64-64-10", "cnn_digits": "CNN conv 3x3x8, pool 2, 72-10"}[name]
        rows.append("| `%s.onnx` | %s | `%s` | %.2f %% (%d images) | %s | %s | %s | `%s` |" % (
            name, net, "x".join(map(str, meta["input_shape"])),
            100 * meta["float_test_accuracy"], meta["test_images"],
            "{:,}".format(meta["onnx_weights_conv_gemm"]),
            "{:,}".format(meta["onnx_initializer_elements"]), _size(meta["file_bytes"]),
            meta["sha256"]))
        if name in HAT_MODELS:
            continue
        irows.append("| `%s` | %s float32 | %s int64 | %.2f %% | %s |" % (
            INPUTS[name], "x".join(map(str, z["images"].shape)), z["labels"].shape[0],
            100 * acc_in, _size(os.path.getsize(ipath))))
    rn = metas["resnet_fashion"]
    tf = metas["transformer_fashion"]
    hat, hat_cmds = "", ""
    for h, src in HAT_MODELS.items():
        if h not in metas:
            continue
        m = metas[h]
        t = m["torch_noise_model_accuracy"]
        ages = ["1 day", "1 year", "10 years"]
        hat += HAT_SECTION.format(
            limit=(" on the first %d training images" % m["train_images"]
                   if m.get("train_images", 60000) < 60000 else ""),
            name=h, src=src, m=m, hat=m["hat"], n=t["test_images"],
            before=" / ".join("%.2f" % (100 * t["before"][k]) for k in ages),
            after=" / ".join("%.2f" % (100 * t["after"][k]) for k in ages),
            acc=100 * m["float_test_accuracy"],
            src_acc=100 * metas[src]["float_test_accuracy"],
            minutes=m["train_seconds"] / 60)
        hat_cmds += m["command"] + "   # torch\n"
    text = README.format(
        hat=hat, hat_cmds=hat_cmds, torch=rn["torch"], onnx=onnx.__version__,
        rows="\n".join(rows), irows="\n".join(irows),
        rn=rn, rn_min=rn["train_seconds"] / 60, rn_ops=", ".join(rn["ops"]),
        rn_hist=", ".join("%.2f" % (100 * h["test_accuracy"]) for h in rn["history"]),
        rn_acc=100 * rn["float_test_accuracy"],
        tf=tf, tf_min=tf["train_seconds"] / 60, tf_ops=", ".join(tf["ops"]),
        tf_hist=", ".join("%.2f" % (100 * h["test_accuracy"]) for h in tf["history"]),
        tf_acc=100 * tf["float_test_accuracy"],
        mlp=metas["mlp_digits"]["source_meta"], cnn=metas["cnn_digits"]["source_meta"],
        mlp_acc=100 * metas["mlp_digits"]["float_test_accuracy"],
        cnn_acc=100 * metas["cnn_digits"]["float_test_accuracy"],
        mlp_d=metas["mlp_digits"]["max_abs_diff_vs_imcnet"]["onnx_numpy"],
        cnn_d=metas["cnn_digits"]["max_abs_diff_vs_imcnet"]["onnx_numpy"])
    with open(os.path.join(a.dir, "README.md"), "w") as f:
        f.write(text)
    print("wrote %s" % os.path.join(a.dir, "README.md"))


HAT_SECTION = """## {name}.onnx: {src} fine-tuned with hardware-aware training for PCM

- Script and command: `{m[command]}` ({minutes:.0f} minutes on 1 thread of the shared
  2-core machine), starting from the committed `{src}.onnx` (sha256 recorded in the JSON).
- Hardware-aware training (`compiler/imcc/torch_hat.py`, docs/compiler.md "Hardware-aware
  training"): every Linear/Conv2d on tile 0 of `{hat[soc]}` with the simulator's resolved
  parameters; a new chip (programming noise, drift exponents) and a {hat[age_distribution]}
  age in [{hat[age_range_s][0]:g}, {hat[age_range_s][1]:g}] s per batch; {m[optimizer]}, lr
  {m[lr]} ({m[schedule]}), {m[epochs]} epoch(s){limit}, label smoothing {m[label_smoothing]},
  {m[augmentation]}. Same graph and ops as the source model; only the weights differ.
- Float test accuracy {acc:.2f} % (source model {src_acc:.2f} %). Torch noise model (the same
  formulas as the VP, one chip per batch of 250 images, first {n} test images), 1 day / 1 year /
  10 years: before {before} %, after **{after} %**. The VP measurements are in
  docs/compiler.md ("Hardware-aware training") and docs/transformers.md.

"""


def _size(n):
    return "%.1f KB" % (n / 1024) if n < 1 << 20 else "%.2f MB" % (n / (1 << 20))


if __name__ == "__main__":
    main()
