"""transformer_net: the small Transformer encoder of models/onnx/transformer_fashion.onnx
(PyTorch; imported by train_transformer_fashion.py and the hardware-aware fine-tuning script).

Input: one Fashion-MNIST image already cut into 16 tokens of 7x7 patches, `[B, 16, 49]`
float32, pixels / 255 (`patchify`: token t = patch row t // 4, patch column t % 4; feature
f = pixel (f // 7, f % 7) inside the patch). Cutting the image outside the graph keeps the
exported graph to the ops of a Transformer encoder (no 6-D Reshape/Transpose for patching).

  embed   Linear 49 -> 64 (MatMul + Add) + learned positional embedding [16, 64] (Add)
  block   pre-LN, x2:  x = x + Wo(MHA(LN1(x)))   4 heads of 16, softmax(Q Kᵀ / 4) V
                       x = x + W2(GELU(W1(LN2(x))))   MLP 64 -> 128 -> 64, exact (erf) GELU
  head    final LayerNorm, mean over the 16 tokens (ReduceMean), Linear 64 -> 10 (Gemm)

Attention's 1/sqrt(16) = 0.25 scale is a power of two: for export (`fold_scale()`) it is
folded exactly into the Q projection's weight and bias, so the graph has no extra Mul.
No dropout. LayerNorm eps 1e-5. Exported at opset 13, LayerNorm and GELU come out
decomposed (ReduceMean, Sub, Pow, Add, Sqrt, Div, Mul; Div, Erf, Add, Mul).
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import trainlib

TOKENS, PATCH, WIDTH, HEADS, LAYERS, MLP = 16, 7, 64, 4, 2, 128


def patchify(x):
    """Images [N, 1, 28, 28] or [N, 784] (numpy or torch) -> tokens [N, 16, 49]."""
    if isinstance(x, np.ndarray):
        return trainlib.patchify(x)
    n = x.shape[0]
    return x.reshape(n, 4, PATCH, 4, PATCH).permute(0, 1, 3, 2, 4).reshape(
        n, TOKENS, PATCH * PATCH)


class Attention(nn.Module):
    def __init__(self, d=WIDTH, heads=HEADS):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.scale = 1.0 / math.sqrt(self.dh)  # 0.25, set to None by fold_scale()

    def forward(self, x):
        t, h, dh = TOKENS, self.h, self.dh
        q = self.q(x).reshape(-1, t, h, dh).transpose(1, 2)  # [B, h, T, dh]
        k = self.k(x).reshape(-1, t, h, dh).transpose(1, 2)
        v = self.v(x).reshape(-1, t, h, dh).transpose(1, 2)
        if self.scale is not None:
            q = q * self.scale
        a = torch.softmax(torch.matmul(q, k.transpose(2, 3)), dim=-1)
        y = torch.matmul(a, v).transpose(1, 2).reshape(-1, t, h * dh)
        return self.o(y)


class Block(nn.Module):
    def __init__(self, d=WIDTH):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attention(d)
        self.fc1, self.fc2 = nn.Linear(d, MLP), nn.Linear(MLP, d)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TransformerFashion(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.embed = nn.Linear(PATCH * PATCH, WIDTH)
        self.pos = nn.Parameter(torch.zeros(TOKENS, WIDTH))
        nn.init.normal_(self.pos, std=0.02)
        self.blocks = nn.Sequential(*(Block() for _ in range(LAYERS)))
        self.ln = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, classes)

    def forward(self, x):
        x = self.blocks(self.embed(x) + self.pos)
        return self.head(self.ln(x).mean(dim=1))

    def fold_scale(self):
        """Fold attention's 0.25 into the Q projections (exact: a power of two)."""
        with torch.no_grad():
            for b in self.blocks:
                if b.attn.scale is not None:
                    b.attn.q.weight.mul_(b.attn.scale)
                    b.attn.q.bias.mul_(b.attn.scale)
                    b.attn.scale = None
        return self
