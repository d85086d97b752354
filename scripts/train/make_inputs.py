#!/usr/bin/python3
"""Write the compiler's INPUTS.npz files for the models in models/onnx (numpy only).

  /usr/bin/python3 scripts/train/make_inputs.py [--out-dir models/onnx] [--n-fashion 256]

Each file holds `images`: float32 shaped like the model input with the batch axis in front,
already normalised as the model expects, and `labels`: int64 [N]; the first N images of the
test split, in order (so image i is test image i, and the expected logits stored in NAME.json
for test images 0..7 apply to images[0..7]).

  resnet_fashion_inputs.npz  images [256, 1, 28, 28]  Fashion-MNIST t10k, pixels / 255
  mlp_digits_inputs.npz      images [360, 64]         digits test split, pixels / 16
  cnn_digits_inputs.npz      images [360, 1, 8, 8]    the same, reshaped NCHW
  transformer_fashion_inputs.npz  images [256, 16, 49]  Fashion-MNIST t10k, pixels / 255, cut
                             into 16 tokens of 7x7 patches (trainlib.patchify)

Written with np.savez_compressed (reproducible: fixed zip timestamps).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402

import trainlib  # noqa: E402

INPUTS = {"resnet_fashion": "resnet_fashion_inputs.npz", "mlp_digits": "mlp_digits_inputs.npz",
          "cnn_digits": "cnn_digits_inputs.npz",
          "transformer_fashion": "transformer_fashion_inputs.npz"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out-dir", default=trainlib.ONNX_DIR)
    ap.add_argument("--n-fashion", type=int, default=256)
    a = ap.parse_args()
    _, _, xf, yf = trainlib.fashion(train=False)
    _, _, xd, yd = trainlib.digits()
    sets = {"resnet_fashion": (xf[:a.n_fashion], yf[:a.n_fashion]),
            "mlp_digits": (xd, yd),
            "cnn_digits": (xd.reshape(-1, 1, 8, 8), yd),
            "transformer_fashion": (trainlib.patchify(xf[:a.n_fashion]), yf[:a.n_fashion])}
    for name, (x, y) in sets.items():
        path = os.path.join(a.out_dir, INPUTS[name])
        np.savez_compressed(path, images=np.ascontiguousarray(x, np.float32),
                            labels=np.asarray(y, np.int64))
        print("%s: images %s float32, labels %s int64, %d bytes"
              % (path, list(x.shape), list(y.shape), os.path.getsize(path)))


if __name__ == "__main__":
    main()
