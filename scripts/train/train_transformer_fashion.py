#!/usr/bin/python3
"""Train the small Transformer encoder on Fashion-MNIST with PyTorch, export it to ONNX (opset 13).

  nice -n 10 /usr/bin/python3 scripts/train/train_transformer_fashion.py [--epochs 10]
        [--seed 0] [--out models/onnx/transformer_fashion.onnx] [--threads 1] [--bench N]

Network (scripts/train/transformer_net.py): 16 tokens of 7x7 patches (input [1, 16, 49],
pixels / 255, cut outside the graph), width 64, 2 pre-LN encoder layers with 4 heads of 16,
MLP 64-128-64 with exact GELU, learned positional embedding, final LayerNorm, mean pooling
over the tokens, Linear 64 -> 10.

Training: fixed seed, deterministic algorithms, 1 thread by default; AdamW with a one-cycle
learning rate schedule, label smoothing 0.1, augmentation = random crop (pad 2) + horizontal
flip of the 28x28 image before it is cut into patches. The exported graph has a fixed batch of
1 (static shapes); attention's 0.25 scale is folded into the Q projections (exact). Writes OUT
and OUT minus .onnx + .json (provenance: command, seed, epochs, accuracy, parameter counts,
expected logits of 8 test images, training time); the trained state_dict (scale not folded)
goes to /tmp/NAME.state.pt (scratch, not committed).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import trainlib  # noqa: E402

# The ops PyTorch 1.13 exports for this network at opset 13 (LayerNorm and GELU decomposed).
TRANSFORMER_OPS = ["Add", "Constant", "Div", "Erf", "Gemm", "MatMul", "Mul", "Pow", "ReduceMean",
                   "Reshape",
                   "Softmax", "Sqrt", "Sub", "Transpose"]


def augment(torch, F, x, g):
    """Random crop with 2 pixels of zero padding and a random horizontal flip (seeded g);
    x [N, 1, 28, 28]."""
    n = x.shape[0]
    xp = F.pad(x, (2, 2, 2, 2))
    off = torch.randint(0, 25, (n,), generator=g)
    out = torch.empty_like(x)
    for o in range(25):
        m = off == o
        if m.any():
            dy, dx = divmod(o, 5)
            out[m] = xp[m, :, dy:dy + 28, dx:dx + 28]
    flip = torch.rand(n, generator=g) < 0.5
    out[flip] = out[flip].flip(3)
    return out


def evaluate(torch, model, x, y, bs=1000):
    model.eval()
    outs = []
    with torch.no_grad():
        for s in range(0, len(x), bs):
            outs.append(model(torch.from_numpy(x[s:s + bs])))
    logits = torch.cat(outs).numpy()
    return float(np.mean(logits.argmax(1) == y)), logits


def export(torch, model, out):
    """Fold the attention scale (on a copy) and export with a fixed batch of 1 at opset 13."""
    import copy
    from transformer_net import TOKENS, PATCH
    m = copy.deepcopy(model).eval().fold_scale()
    torch.onnx.export(m, torch.zeros(1, TOKENS, PATCH * PATCH), out,
                      opset_version=trainlib.OPSET, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    import onnx
    mo = onnx.load(out)
    onnx.checker.check_model(mo)
    return mo


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(trainlib.ONNX_DIR, "transformer_fashion.onnx"))
    ap.add_argument("--bench", type=int, default=0, help="time N training batches and exit")
    ap.add_argument("--train-limit", type=int, default=0,
                    help="smoke test: train on the first N training images only")
    a = ap.parse_args()

    torch = trainlib.seed_everything(a.seed, a.threads)
    import torch.nn as nn
    import torch.nn.functional as F
    import transformer_net as tn

    xtr, ytr, xte, yte = trainlib.fashion()
    if a.train_limit:
        xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
    xte_t = tn.patchify(xte)
    model = tn.TransformerFashion()
    n_params = sum(p.numel() for p in model.parameters())
    n_weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))
    n_linear = sum(1 for m in model.modules() if isinstance(m, nn.Linear))
    print("transformer_fashion: %d linear layers, %d linear weights, %d trainable parameters"
          % (n_linear, n_weights, n_params), flush=True)

    g = torch.Generator().manual_seed(a.seed)
    steps_per_epoch = (len(ytr) + a.batch - 1) // a.batch
    decay = [p for n, p in model.named_parameters() if p.ndim == 2 and n != "pos"]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim == 2 and n != "pos")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
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
            xb = tn.patchify(augment(torch, F, Xtr[idx], g))
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
        acc, _ = evaluate(torch, model, xte_t, yte)
        history.append({"epoch": ep + 1, "train_loss": round(tl / len(ytr), 5),
                        "test_accuracy": round(acc, 5), "seconds": round(time.time() - te, 1)})
        print("epoch %d/%d: loss %.4f, test accuracy %.4f (%.0f s)"
              % (ep + 1, a.epochs, tl / len(ytr), acc, time.time() - te), flush=True)
    train_s = time.time() - t0

    out = a.out
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.save(model.state_dict(), "/tmp/%s.state.pt" % os.path.basename(out))
    model.eval()
    mo = export(torch, model, out)
    # the exported (scale-folded) network is what the logits and accuracy describe
    folded = tn.TransformerFashion()
    folded.load_state_dict(model.state_dict())
    folded.fold_scale()
    acc, logits = evaluate(torch, folded, xte_t, yte)
    import onnx
    ops = sorted({n.op_type for n in mo.graph.node})
    assert ops == TRANSFORMER_OPS, "exported graph uses ops %s, expected %s" % (ops,
                                                                               TRANSFORMER_OPS)
    w_onnx, all_onnx = trainlib.onnx_weight_count(mo)
    meta = {
        "model": os.path.basename(out), "dataset": "Fashion-MNIST (Debian dataset-fashion-mnist), "
        "60,000 train / 10,000 test",
        "input": "1x16x49 float32: 16 tokens of 7x7 patches (token = patch row*4 + patch "
        "column, feature = pixel row*7 + column inside the patch), pixels / 255",
        "script": "scripts/train/train_transformer_fashion.py",
        "command": "nice -n 10 /usr/bin/python3 scripts/train/train_transformer_fashion.py "
        "--epochs %d --seed %d" % (a.epochs, a.seed),
        "seed": a.seed, "epochs": a.epochs, "batch": a.batch, "optimizer": "AdamW",
        "lr_max": a.lr, "weight_decay": a.wd, "schedule": "OneCycleLR", "label_smoothing": 0.1,
        "augmentation": "random crop (zero pad 2) + horizontal flip", "threads": a.threads,
        "architecture": {"tokens": tn.TOKENS, "patch": tn.PATCH, "width": tn.WIDTH,
                         "heads": tn.HEADS, "layers": tn.LAYERS, "mlp": tn.MLP,
                         "norm": "pre-LN", "activation": "GELU (exact, erf)",
                         "positional_embedding": "learned", "pooling": "mean over tokens",
                         "attention_scale": "0.25 folded into the Q projections"},
        "torch": torch.__version__, "onnx": onnx.__version__, "opset": trainlib.OPSET,
        "linear_layers": n_linear, "weights_linear": n_weights, "params_torch": n_params,
        "onnx_weights_conv_gemm": w_onnx, "onnx_initializer_elements": all_onnx, "ops": ops,
        "float_test_accuracy": round(acc, 6), "test_images": int(len(yte)),
        "train_seconds": round(train_s, 1), "history": history,
        "expected": {"test_indices": list(range(8)),
                     "logits": [[round(float(v), 6) for v in r] for r in logits[:8]]},
    }
    trainlib.write_json(os.path.splitext(out)[0] + ".json", meta)
    print("float test accuracy %.4f; %s (%d bytes, ops %s); %.0f s training"
          % (acc, out, os.path.getsize(out), " ".join(ops), train_s))


if __name__ == "__main__":
    main()
