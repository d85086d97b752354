#!/usr/bin/python3
"""Export the committed numpy digits networks (NOT retrained) to ONNX (opset 13, batch 1).

  /usr/bin/python3 scripts/train/export_digits.py [--out-dir models/onnx]

  models/inference/mlp_digits_64_64_10.npz -> mlp_digits.onnx
      input [1, 64]: the 8x8 digit, row-major, pixels / 16 (imcnet.load_digits)
      Gemm 64->64 (transB), Relu, Gemm 64->10 (transB) -> logits [1, 10]
  models/inference/cnn_digits_c8_p2_10.npz -> cnn_digits.onnx
      input [1, 1, 8, 8]: the same 64 values reshaped to NCHW (C = 1, so identical to
      imcnet's HWC layout), pixels / 16
      Conv 3x3 1->8 (valid, stride 1) + bias, Relu, MaxPool 2x2 stride 2 (6x6 -> 3x3),
      Flatten (NCHW order: c*9 + y*3 + x), Gemm 72->10 -> logits [1, 10]

Layer semantics follow scripts/inference/imcnet.py: forward() (h @ w + b, ReLU between
layers, logits last) and forward_cnn() (im2col patches in (ky, kx, c) order times w0 [9, 8];
max-pool over the HWC feature map; w1's rows in HWC order (y*3 + x)*8 + c). The export maps
w0[ky*3 + kx, o] -> Conv weight [o, 0, ky, kx] and permutes w1's rows from HWC to the CHW order
of ONNX's Flatten, so the float math is the same (up to float32 rounding of sums).

Checks (exit 1 if one fails): the ONNX graph evaluated with numpy (onnx_np) and the torch module
both equal imcnet's float64 forward on the 360 test images to 1e-5; same predictions. Writes
NAME.onnx and NAME.json (provenance, float test accuracy, expected logits of 8 test images).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import onnx_np  # noqa: E402
import trainlib  # noqa: E402
from trainlib import imcnet  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--out-dir", default=trainlib.ONNX_DIR)
a = ap.parse_args()

torch = trainlib.seed_everything(0, 1)
import onnx  # noqa: E402
import torch.nn as nn  # noqa: E402

TOL = 1e-5


class MLP(nn.Module):
    def __init__(self, ws, bs):
        super().__init__()
        self.fc = nn.ModuleList()
        for w, b in zip(ws, bs):
            lin = nn.Linear(w.shape[0], w.shape[1])
            lin.weight.data = torch.tensor(w.T, dtype=torch.float32).contiguous()
            lin.bias.data = torch.tensor(b, dtype=torch.float32)
            self.fc.append(lin)

    def forward(self, x):
        for k, lin in enumerate(self.fc):
            x = lin(x)
            if k < len(self.fc) - 1:
                x = torch.relu(x)
        return x


class CNN(nn.Module):
    def __init__(self, ws, bs, g):
        super().__init__()
        k, cin = g["k"], g["in_c"]
        cout = ws[0].shape[1]
        self.conv = nn.Conv2d(cin, cout, k)
        # w0 rows are (ky, kx, c): [k, k, cin, cout] -> [cout, cin, k, k]
        w0 = ws[0].reshape(k, k, cin, cout).transpose(3, 2, 0, 1)
        self.conv.weight.data = torch.tensor(w0, dtype=torch.float32).contiguous()
        self.conv.bias.data = torch.tensor(bs[0], dtype=torch.float32)
        self.pool = nn.MaxPool2d(g["pool"])
        oh, ow, ph, pw = imcnet.conv_out_dims(g)
        # w1 rows are HWC (y, x, c); ONNX Flatten of NCHW gives (c, y, x)
        w1 = ws[1].reshape(ph, pw, cout, -1).transpose(2, 0, 1, 3).reshape(ph * pw * cout, -1)
        self.fc = nn.Linear(w1.shape[0], w1.shape[1])
        self.fc.weight.data = torch.tensor(w1.T, dtype=torch.float32).contiguous()
        self.fc.bias.data = torch.tensor(bs[1], dtype=torch.float32)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(x, 1))


_, _, xte, yte = trainlib.digits()
g = imcnet.CNN_GEOM
NETS = [
    ("mlp_digits", "mlp_digits_64_64_10.npz", lambda ws, bs: MLP(ws, bs),
     lambda x: x, lambda ws, bs, x: imcnet.forward(ws, bs, x),
     "1x64 float32: the 8x8 digit row-major, pixels / 16 (exactly imcnet's input row)"),
    ("cnn_digits", "cnn_digits_c8_p2_10.npz", lambda ws, bs: CNN(ws, bs, g),
     lambda x: x.reshape(-1, 1, 8, 8), lambda ws, bs, x: imcnet.forward_cnn(ws, bs, x, g),
     "1x1x8x8 float32 (NCHW): imcnet's 64-value row reshaped to 8x8, pixels / 16"),
]
ok = True
for name, npz, build, shape_in, ref_forward, input_doc in NETS:
    src = os.path.join(trainlib.INFERENCE_DIR, npz)
    ws, bs, meta_src = imcnet.load_weights(src)
    ref = ref_forward(ws, bs, xte.astype(np.float64))  # imcnet, float64
    model = build(ws, bs).eval()
    x = shape_in(xte)
    with torch.no_grad():
        out_t = model(torch.from_numpy(np.ascontiguousarray(x))).numpy()
    path = os.path.join(a.out_dir, name + ".onnx")
    torch.onnx.export(model, torch.zeros((1,) + x.shape[1:]), path,
                      opset_version=trainlib.OPSET, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    out_o = onnx_np.run(m, {"input": x})[0]
    d_t, d_o = float(np.abs(out_t - ref).max()), float(np.abs(out_o - ref).max())
    acc = imcnet.accuracy(ref.argmax(1), yte)
    acc_o = imcnet.accuracy(out_o.argmax(1), yte)
    same = bool(np.all(out_o.argmax(1) == ref.argmax(1)))
    w_onnx, all_onnx = trainlib.onnx_weight_count(m)
    good = d_t <= TOL and d_o <= TOL and same and not set(ops) - trainlib.ALLOWED_OPS
    ok &= good
    meta = {
        "model": name + ".onnx", "source_weights": "models/inference/" + npz,
        "source_meta": meta_src, "retrained": False,
        "dataset": "UCI 8x8 digits (python3-sklearn digits.csv.gz), imcinfer split: "
        "RandomState(0).permutation, last 360 = test", "input": input_doc,
        "script": "scripts/train/export_digits.py",
        "command": "/usr/bin/python3 scripts/train/export_digits.py",
        "seed": meta_src.get("seed"), "epochs": meta_src.get("epochs"),
        "torch": torch.__version__, "onnx": onnx.__version__, "opset": trainlib.OPSET,
        "ops": ops, "onnx_weights_conv_gemm": w_onnx, "onnx_initializer_elements": all_onnx,
        "params_npz": int(sum(w.size + b.size for w, b in zip(ws, bs))),
        "float_test_accuracy": round(acc, 6), "onnx_test_accuracy": round(acc_o, 6),
        "test_images": int(len(yte)),
        "max_abs_diff_vs_imcnet": {"onnx_numpy": d_o, "torch": d_t},
        "expected": {"test_indices": list(range(8)),
                     "logits": [[round(float(v), 6) for v in r] for r in out_o[:8]]},
    }
    trainlib.write_json(os.path.join(a.out_dir, name + ".json"), meta)
    print("%s: %s, ops %s, %d weights; float accuracy %.4f (imcnet) / %.4f (ONNX), max |diff| "
          "onnx %.2e torch %.2e -> %s"
          % (name, "OK" if good else "MISMATCH", " ".join(ops), w_onnx, acc, acc_o, d_o, d_t,
             path))
sys.exit(0 if ok else 1)
