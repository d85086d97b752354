#!/usr/bin/python3
"""Chip-to-chip spread of a model's accuracy on PCM tiles, with the torch_hat noise model.

  nice -n 10 /usr/bin/python3 scripts/train/hat_chips.py [--model resnet|transformer]
        [--onnx NAME ...] [--chips 8] [--ages 86400 31536000 315360000] [--seed 7]
        [--soc configs/soc/imc16-pcm.yaml]

Loads each committed ONNX model (default: the float-trained and the HAT model) into torch
(finetune_hat.load_from_onnx), converts it with compiler/imcc/torch_hat.py on tile 0 of SOC,
calibrates the input scales on the model's INPUTS file (as `imcc run --calib` does) and
evaluates those inputs on CHIPS independent chips (programming noise, drift exponents; the
same chips for every model and age, from --seed) at every age. A VP run (`imcc run --age`) is
one chip: this says how far one chip can be from the mean. Prints mean, min, max and std.
"""
import argparse
import copy
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import numpy as np  # noqa: E402

import trainlib  # noqa: E402

sys.path.insert(0, os.path.join(trainlib.ROOT, "compiler"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=["resnet", "transformer"], default="resnet")
    ap.add_argument("--onnx", nargs="*", help="model names in models/onnx (default: the float "
                    "and the HAT model)")
    ap.add_argument("--chips", type=int, default=8)
    ap.add_argument("--ages", type=float, nargs="*", default=[86400.0, 3.1536e7, 3.1536e8])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--soc", default="configs/soc/imc16-pcm.yaml")
    a = ap.parse_args()
    torch = trainlib.seed_everything(a.seed, 1)
    import onnx
    from imcc import torch_hat as hat
    import finetune_hat as fh
    base = {"resnet": "resnet_fashion", "transformer": "transformer_fashion"}[a.model]
    names = a.onnx or [base, base + "_hat_pcm"]
    z = np.load(os.path.join(trainlib.ONNX_DIR, base + "_inputs.npz"))
    x, y = torch.from_numpy(z["images"]), z["labels"]
    tile = hat.load_tile_config(a.soc)
    print("%d inputs of %s_inputs.npz, %d chips per age, seed %d" % (len(y), base, a.chips,
                                                                     a.seed))
    for name in names:
        if a.model == "transformer":
            import transformer_net as tn
            m = tn.TransformerFashion().fold_scale()
        else:
            m = fh.resnet_folded(torch)
        fh.load_from_onnx(torch, m, onnx.load(os.path.join(trainlib.ONNX_DIR, name + ".onnx")),
                          x[:1])
        h = hat.convert(copy.deepcopy(m), tile)
        hat.calibrate_inputs(h, [x])
        h.eval()
        for age in a.ages:
            hat.configure(h, age=age)
            torch.manual_seed(a.seed)
            accs = []
            with torch.no_grad():
                for _ in range(a.chips):
                    accs.append(100 * float(np.mean(h(x).argmax(1).numpy() == y)))
            print("%-28s age %10.0f s: mean %.2f %%, min %.2f, max %.2f, std %.2f points"
                  % (name, age, np.mean(accs), min(accs), max(accs), np.std(accs)), flush=True)


if __name__ == "__main__":
    main()
