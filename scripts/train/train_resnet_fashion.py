#!/usr/bin/python3
"""Train the residual CNN on Fashion-MNIST with PyTorch and export it to ONNX (opset 13).

  /usr/bin/python3 scripts/train/train_resnet_fashion.py [--epochs 8] [--seed 0]
        [--out models/onnx/resnet_fashion.onnx] [--threads 2] [--bench N]

Network (input 1x28x28, pixels / 255, no mean/std normalisation):
  stem   conv3x3 1->32 stride 2 + BN + ReLU                                  14x14
  stage1 basic block 32->32 (two conv3x3 + BN, identity shortcut)            14x14
  stage2 basic block 32->64, stride 2 (1x1 stride-2 conv + BN shortcut)       7x7
  stage3 basic block 64->64, stride 2 (1x1 conv shortcut) + 2 blocks 64->64   4x4
  head   global average pool, flatten, Gemm 64->10
= 13 conv layers + 1 Gemm. Basic block: y = ReLU(BN(conv(ReLU(BN(conv(x))))) + shortcut(x)).

Training: fixed seed, deterministic algorithms, 1 thread by default (2 threads were slower on
a 2-core machine shared with a build); AdamW with a one-cycle learning
rate schedule, label smoothing 0.1, augmentation = random crop (pad 2) + horizontal flip.
The exported graph has a fixed batch of 1 (static shapes); BN is exported in eval mode (the
exporter folds it into the convs). Writes OUT, OUT minus .onnx + .json (provenance: command,
seed, epochs, accuracy, parameter counts, expected logits of 8 test images, training time).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import trainlib  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--epochs", type=int, default=8)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--batch", type=int, default=128)
ap.add_argument("--lr", type=float, default=4e-3)
ap.add_argument("--wd", type=float, default=5e-4)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--out", default=os.path.join(trainlib.ONNX_DIR, "resnet_fashion.onnx"))
ap.add_argument("--bench", type=int, default=0, help="time N training batches and exit")
ap.add_argument("--train-limit", type=int, default=0,
                help="smoke test: train on the first N training images only")
a = ap.parse_args()

torch = trainlib.seed_everything(a.seed, a.threads)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class Block(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False),
                                       nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNetFashion(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32),
                                  nn.ReLU())
        self.blocks = nn.Sequential(Block(32, 32), Block(32, 64, 2), Block(64, 64, 2),
                                    Block(64, 64), Block(64, 64))
        self.pool = nn.AdaptiveAvgPool2d(1)  # exported as GlobalAveragePool
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.pool(self.blocks(self.stem(x)))
        return self.fc(torch.flatten(x, 1))


def augment(x, g):
    """Random crop with 2 pixels of zero padding and a random horizontal flip (seeded g)."""
    n = x.shape[0]
    xp = F.pad(x, (2, 2, 2, 2))
    dy = torch.randint(0, 5, (n,), generator=g)
    dx = torch.randint(0, 5, (n,), generator=g)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = xp[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    flip = torch.rand(n, generator=g) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def evaluate(model, x, y, bs=1000):
    model.eval()
    outs = []
    with torch.no_grad():
        for s in range(0, len(x), bs):
            outs.append(model(torch.from_numpy(x[s:s + bs])))
    logits = torch.cat(outs).numpy()
    return float(np.mean(logits.argmax(1) == y)), logits


xtr, ytr, xte, yte = trainlib.fashion()
if a.train_limit:
    xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
model = ResNetFashion()
n_params = sum(p.numel() for p in model.parameters())
n_weights = sum(m.weight.numel() for m in model.modules()
                if isinstance(m, (nn.Conv2d, nn.Linear)))
n_conv = sum(1 for m in model.modules() if isinstance(m, nn.Conv2d))
print("resnet_fashion: %d conv layers, %d conv/gemm weights, %d trainable parameters"
      % (n_conv, n_weights, n_params), flush=True)

g = torch.Generator().manual_seed(a.seed)
steps_per_epoch = (len(ytr) + a.batch - 1) // a.batch
opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.wd)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, epochs=a.epochs,
                                            steps_per_epoch=steps_per_epoch)
lossf = nn.CrossEntropyLoss(label_smoothing=0.1)
Xtr, Ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
t0 = time.time()
history = []
for ep in range(a.epochs):
    model.train()
    perm = torch.randperm(len(ytr), generator=g)
    tl, te = 0.0, time.time()
    for k, s in enumerate(range(0, len(ytr), a.batch)):
        idx = perm[s:s + a.batch]
        xb = augment(Xtr[idx], g)
        loss = lossf(model(xb), Ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        tl += float(loss) * len(idx)
        if a.bench and k + 1 == a.bench:
            dt = time.time() - te
            print("bench: %d batches of %d in %.1f s -> %.0f s/epoch"
                  % (a.bench, a.batch, dt, dt / a.bench * steps_per_epoch))
            sys.exit(0)
    acc, _ = evaluate(model, xte, yte)
    history.append({"epoch": ep + 1, "train_loss": round(tl / len(ytr), 5),
                    "test_accuracy": round(acc, 5), "seconds": round(time.time() - te, 1)})
    print("epoch %d/%d: loss %.4f, test accuracy %.4f (%.0f s)"
          % (ep + 1, a.epochs, tl / len(ytr), acc, time.time() - te), flush=True)
train_s = time.time() - t0
acc, logits = evaluate(model, xte, yte)

# ---- export: eval mode, fixed batch of 1, opset 13
model.eval()
out = a.out
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
# scratch copy of the trained weights (not committed): re-export without retraining
torch.save(model.state_dict(), "/tmp/%s.state.pt" % os.path.basename(out))
torch.onnx.export(model, torch.zeros(1, 1, 28, 28), out, opset_version=trainlib.OPSET,
                  input_names=["input"], output_names=["logits"], do_constant_folding=True,
                  training=torch.onnx.TrainingMode.EVAL)

import onnx  # noqa: E402

m = onnx.load(out)
onnx.checker.check_model(m)
ops = sorted({n.op_type for n in m.graph.node})
bad = set(ops) - trainlib.ALLOWED_OPS
assert not bad, "exported graph uses unsupported ops %s" % bad
w_onnx, all_onnx = trainlib.onnx_weight_count(m)
meta = {
    "model": os.path.basename(out), "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), "
    "60,000 train / 10,000 test", "input": "1x1x28x28 float32, pixels / 255 (NCHW)",
    "script": "scripts/train/train_resnet_fashion.py",
    "command": "/usr/bin/python3 scripts/train/train_resnet_fashion.py --epochs %d --seed %d"
    % (a.epochs, a.seed),
    "seed": a.seed, "epochs": a.epochs, "batch": a.batch, "optimizer": "AdamW",
    "lr_max": a.lr, "weight_decay": a.wd, "schedule": "OneCycleLR", "label_smoothing": 0.1,
    "augmentation": "random crop (zero pad 2) + horizontal flip", "threads": a.threads,
    "torch": torch.__version__, "onnx": onnx.__version__, "opset": trainlib.OPSET,
    "conv_layers": n_conv, "weights_conv_gemm": n_weights, "params_torch": n_params,
    "onnx_weights_conv_gemm": w_onnx, "onnx_initializer_elements": all_onnx, "ops": ops,
    "float_test_accuracy": round(acc, 6), "test_images": int(len(yte)),
    "train_seconds": round(train_s, 1), "history": history,
    "expected": {"test_indices": list(range(8)),
                 "logits": [[round(float(v), 6) for v in r] for r in logits[:8]]},
}
trainlib.write_json(os.path.splitext(out)[0] + ".json", meta)
print("float test accuracy %.4f; %s (%d bytes, ops %s); %.0f s training"
      % (acc, out, os.path.getsize(out), " ".join(ops), train_s))
