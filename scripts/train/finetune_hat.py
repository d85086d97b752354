#!/usr/bin/python3
"""Hardware-aware fine-tuning (compiler/imcc/torch_hat.py) of a committed float ONNX model for
analog PCM tiles, and its export to ONNX.

  nice -n 10 /usr/bin/python3 scripts/train/finetune_hat.py --model resnet|transformer
        [--epochs 1] [--seed 0] [--soc configs/soc/imc16-pcm.yaml] [--lr 2e-4]
        [--age-min 3600] [--age-max 3.156e8] [--eval-images 2000] [--threads 1]

Starts from the committed float model (models/onnx/resnet_fashion.onnx or
transformer_fashion.onnx; its weights are loaded from the ONNX file into a torch module of
the same network, checked against the numpy ONNX evaluation), converts every Linear/Conv2d
into torch_hat's analog layers on tile 0 of SOC (parameters from `imcvp run --dump-config`),
sets the input scales as imcc does (max |x| over calibration images), fine-tunes with a new
chip (programming noise, drift exponents) and a log-uniform random age in [age_min, age_max]
in every batch, then exports the plain float weights to models/onnx/NAME_hat_pcm.onnx with
NAME_hat_pcm.json (provenance; the torch noise model's accuracy before and after at 1 day,
1 year and 10 years on the first --eval-images test images; expected logits of test images
0..7). The ResNet's BatchNorm is already folded into its convolutions in the ONNX file, so it
is fine-tuned without BatchNorm.
"""
import argparse
import copy
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import numpy as np  # noqa: E402

import trainlib  # noqa: E402

sys.path.insert(0, os.path.join(trainlib.ROOT, "compiler"))
AGES = {"1 day": 86400.0, "1 year": 3.156e7, "10 years": 3.156e8}


def resnet_folded(torch):
    nn, F = torch.nn, torch.nn.functional

    class Block(nn.Module):
        def __init__(self, cin, cout, stride=1):
            super().__init__()
            self.c1 = nn.Conv2d(cin, cout, 3, stride, 1)
            self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
            self.short = (nn.Conv2d(cin, cout, 1, stride, 0) if stride != 1 or cin != cout
                          else None)

        def forward(self, x):
            y = self.c2(F.relu(self.c1(x)))
            return F.relu(y + (x if self.short is None else self.short(x)))

    class ResNetFolded(nn.Module):
        """train_resnet_fashion.py's network with BatchNorm folded into the convolutions (as
        in the exported ONNX file): every conv has a bias."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(1, 32, 3, 2, 1)
            self.blocks = nn.Sequential(Block(32, 32), Block(32, 64, 2), Block(64, 64, 2),
                                        Block(64, 64), Block(64, 64))
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = self.blocks(F.relu(self.stem(x)))
            # GlobalAveragePool + Flatten in ONNX, as in resnet_fashion.onnx
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    return ResNetFolded()


def load_from_onnx(torch, model, onnx_model, example):
    """Copy the weights of onnx_model into model: its Linear/Conv2d layers in call order take
    the ONNX Conv/Gemm/MatMul nodes with a constant weight in graph order (MatMul: weight
    transposed, bias from the Add that follows); other parameters by initializer name."""
    from onnx import numpy_helper
    nn = torch.nn
    inits = {i.name: numpy_helper.to_array(i) for i in onnx_model.graph.initializer}
    consumers = {}
    for n in onnx_model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    wnodes = []
    for n in onnx_model.graph.node:
        if n.op_type in ("Conv", "Gemm", "MatMul") and len(n.input) > 1 and n.input[1] in inits:
            w = inits[n.input[1]]
            b = None
            if n.op_type == "Gemm":
                at = {a.name: a.i for a in n.attribute if a.name in ("transA", "transB")}
                w = w if at.get("transB", 0) else w.T
            elif n.op_type == "MatMul":
                w = w.T
            if n.op_type in ("Conv", "Gemm") and len(n.input) > 2:
                b = inits[n.input[2]]
            elif n.op_type == "MatMul":
                for c in consumers.get(n.output[0], []):
                    other = [i for i in c.input if i != n.output[0]]
                    if c.op_type == "Add" and other and other[0] in inits:
                        b = inits[other[0]]
            wnodes.append((n.name, w, b))
    order = []
    hooks = [m.register_forward_hook(lambda mod, i, o: order.append(mod))
             for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    with torch.no_grad():
        model(example)
    for h in hooks:
        h.remove()
    if len(order) != len(wnodes):
        raise RuntimeError("%d torch layers vs %d ONNX weight nodes" % (len(order), len(wnodes)))
    with torch.no_grad():
        for m, (name, w, b) in zip(order, wnodes):
            if tuple(m.weight.shape) != w.shape:
                raise RuntimeError("%s: shape %s vs %s" % (name, w.shape, tuple(m.weight.shape)))
            m.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
            m.bias.copy_(torch.from_numpy(b))
        layer_params = {id(q) for m in order for q in m.parameters()}
        for k, p in model.named_parameters():  # LayerNorm, positional embedding: by name
            if id(p) in layer_params:
                continue
            if k not in inits:
                raise RuntimeError("parameter %s: no initializer of that name" % k)
            p.copy_(torch.from_numpy(inits[k]).view(p.shape))
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["resnet", "transformer"], required=True)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--soc", default="configs/soc/imc16-pcm.yaml")
    ap.add_argument("--age-min", type=float, default=3600.0)
    ap.add_argument("--age-max", type=float, default=3.156e8)
    ap.add_argument("--eval-images", type=int, default=2000)
    ap.add_argument("--calib-images", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=0, help="smoke test: N training images")
    ap.add_argument("--bench", type=int, default=0, help="time N training batches and exit")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    torch = trainlib.seed_everything(a.seed, a.threads)
    import onnx
    import torch.nn as nn
    import torch.nn.functional as F
    from imcc import torch_hat as hat
    import onnx_np

    name = {"resnet": "resnet_fashion", "transformer": "transformer_fashion"}[a.model]
    src = os.path.join(trainlib.ONNX_DIR, name + ".onnx")
    out = a.out or os.path.join(trainlib.ONNX_DIR, name + "_hat_pcm.onnx")
    om = onnx.load(src)
    xtr, ytr, xte, yte = trainlib.fashion()
    if a.model == "transformer":
        import transformer_net as tn
        model = tn.TransformerFashion()
        model.fold_scale()  # the ONNX file holds the folded Q projections
        prep = tn.patchify
        example = torch.zeros(1, tn.TOKENS, tn.PATCH * tn.PATCH)
    else:
        model = resnet_folded(torch)
        prep = lambda x: x  # noqa: E731
        example = torch.zeros(1, 1, 28, 28)
    load_from_onnx(torch, model, om, example)
    xte_p = prep(xte)
    with torch.no_grad():
        t8 = model(torch.from_numpy(xte_p[:8])).numpy()
    o8 = onnx_np.run(om, {"input": xte_p[:8]})[0]
    diff = float(np.abs(t8 - o8).max())
    assert diff < 1e-4, "torch module != %s (max diff %g)" % (src, diff)
    print("%s: loaded into torch (max |torch - onnx| on 8 images %.1e)" % (src, diff), flush=True)

    tile = hat.load_tile_config(a.soc)
    ne = min(a.eval_images, len(yte))
    calib = [torch.from_numpy(prep(xtr[:a.calib_images]))]

    def evaluate(m, bs=250):
        """Accuracy on the first ne test images; with analog layers each batch is a new chip."""
        m.eval()
        correct = 0
        with torch.no_grad():
            for s in range(0, ne, bs):
                lo = m(torch.from_numpy(xte_p[s:min(ne, s + bs)]))
                correct += int((lo.argmax(1).numpy() == yte[s:min(ne, s + bs)]).sum())
        return correct / ne

    def noisy_table(m):
        hm = hat.convert(copy.deepcopy(m), tile)
        hat.calibrate_inputs(hm, calib)
        res = {}
        for label, age in AGES.items():
            hat.configure(hm, noise=True, age=age)
            torch.manual_seed(a.seed + 1000)  # the same chips before and after fine-tuning
            res[label] = round(evaluate(hm), 5)
        hat.configure(hm, noise=False)
        res["quantised, no noise"] = round(evaluate(hm), 5)
        res["float"] = round(evaluate(m), 5)
        return res

    t0 = time.time()
    before = noisy_table(model) if not a.bench else {}
    print("before fine-tuning (torch noise model, %d test images): %s (%.0f s)"
          % (ne, before, time.time() - t0), flush=True)

    # ---- fine-tune
    torch.manual_seed(a.seed)
    hat.convert(model, tile, age_range=(a.age_min, a.age_max))
    hat.calibrate_inputs(model, calib)
    if a.train_limit:
        xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
    g = torch.Generator().manual_seed(a.seed)
    steps = a.epochs * ((len(ytr) + a.batch - 1) // a.batch)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    lossf = nn.CrossEntropyLoss(label_smoothing=0.1)
    Xtr, Ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    from train_transformer_fashion import augment
    history = []
    t1 = time.time()
    for ep in range(a.epochs):
        model.train()
        perm = torch.randperm(len(ytr), generator=g)
        tl, te = 0.0, time.time()
        for k, s in enumerate(range(0, len(ytr), a.batch)):
            idx = perm[s:s + a.batch]
            xb = augment(torch, F, Xtr[idx], g)
            if a.model == "transformer":
                xb = tn.patchify(xb)
            loss = lossf(model(xb), Ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tl += float(loss) * len(idx)
            if a.bench and k + 1 == a.bench:
                dt = time.time() - te
                print("bench: %d batches in %.1f s -> %.0f s/epoch"
                      % (a.bench, dt, dt / a.bench * len(ytr) / a.batch))
                return
            if k % 50 == 0:
                print("  epoch %d batch %d: loss %.4f (%.0f s)" % (ep + 1, k, float(loss),
                                                                time.time() - te), flush=True)
        history.append({"epoch": ep + 1, "train_loss": round(tl / len(ytr), 5),
                        "seconds": round(time.time() - te, 1)})
        print("epoch %d/%d: loss %.4f (%.0f s)" % (ep + 1, a.epochs, tl / len(ytr),
                                                   time.time() - te), flush=True)
    train_s = time.time() - t1
    hat.strip(model)
    after = noisy_table(model)
    print("after fine-tuning: %s" % after, flush=True)
    acc_full, logits = 0.0, None
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(torch.from_numpy(xte_p[s:s + 1000]))
                            for s in range(0, len(yte), 1000)]).numpy()
    acc_full = float(np.mean(logits.argmax(1) == yte))

    # ---- export
    torch.save(model.state_dict(), "/tmp/%s.state.pt" % os.path.basename(out))  # scratch
    torch.onnx.export(model, example, out, opset_version=trainlib.OPSET, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)
    mo = onnx.load(out)
    onnx.checker.check_model(mo)
    ops = sorted({n.op_type for n in mo.graph.node})
    w_onnx, all_onnx = trainlib.onnx_weight_count(mo)
    src_meta = trainlib.sha256(src)
    cmd = ("nice -n 10 /usr/bin/python3 scripts/train/finetune_hat.py --model %s --epochs %d "
           "--seed %d" % (a.model, a.epochs, a.seed))
    if a.train_limit:
        cmd += " --train-limit %d" % a.train_limit
    for opt, dflt in (("lr", 2e-4), ("age_min", 3600.0), ("age_max", 3.156e8),
                      ("eval_images", 2000)):
        if getattr(a, opt) != dflt:
            cmd += " --%s %g" % (opt.replace("_", "-"), getattr(a, opt))
    meta = {
        "model": os.path.basename(out), "source_model": os.path.basename(src),
        "source_sha256": src_meta, "script": "scripts/train/finetune_hat.py", "command": cmd,
        "seed": a.seed, "epochs": a.epochs, "batch": a.batch, "optimizer": "AdamW",
        "train_images": int(len(ytr)), "lr": a.lr, "schedule": "cosine", "label_smoothing": 0.1,
        "augmentation": "random crop (zero pad 2) + horizontal flip", "threads": a.threads,
        "hat": {"module": "compiler/imcc/torch_hat.py", "soc": a.soc, "tile": 0,
                "age_range_s": [a.age_min, a.age_max], "age_distribution": "log-uniform",
                "calibration_images": a.calib_images,
                "modelled": "int8 weights/inputs (STE), PCM programming noise, drift, 1/f read "
                "noise, global drift compensation, 8-bit ADC per row block"},
        "torch": torch.__version__, "onnx": onnx.__version__, "opset": trainlib.OPSET,
        "ops": ops, "onnx_weights_conv_gemm": w_onnx, "onnx_initializer_elements": all_onnx,
        "float_test_accuracy": round(acc_full, 6), "test_images": int(len(yte)),
        "torch_noise_model_accuracy": {"test_images": ne, "before": before, "after": after,
                                       "note": "each batch of 250 images is a new chip"},
        "train_seconds": round(train_s, 1), "history": history,
        "expected": {"test_indices": list(range(8)),
                     "logits": [[round(float(v), 6) for v in r] for r in logits[:8]]},
    }
    trainlib.write_json(os.path.splitext(out)[0] + ".json", meta)
    print("%s: float test accuracy %.4f, %d bytes, ops %s; %.0f s fine-tuning"
          % (out, acc_full, os.path.getsize(out), " ".join(ops), train_s))


if __name__ == "__main__":
    main()
