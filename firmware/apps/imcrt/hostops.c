/* imcrt host steps: the integer kernels of the layers the host core computes between tile
 * stages (Transformers: layer norm, GELU, softmax, Q.K^T and softmax.V, transposes).
 * compiler/imcc/reference.py (host_layernorm, host_lut, host_softmax, host_matmul,
 * host_permute) is the specification; every operation here is the same integer operation, so
 * the outputs are bit-exact with the compiler's int8 reference (docs/transformers.md).
 *
 * Operands live in DRAM (activation frames); each kernel copies its inputs into a TCM scratch
 * buffer, computes there and writes its output back, so the core's loads hit TCM. */
#include "hostops.h"

#include <stdlib.h>

static int8_t* scratch;
static uint32_t scratch_size;

/* A TCM buffer of at least n bytes (grown on demand; NULL when TCM is exhausted). */
static int8_t* tcm(uint32_t n) {
  if (n <= scratch_size) return scratch;
  free(scratch);
  scratch = malloc(n);
  scratch_size = scratch ? n : 0u;
  return scratch;
}

/* Copies between DRAM and TCM with 32-bit accesses (every access to DRAM is a round trip
 * over the NoC: four times fewer than byte copies); any alignment, byte tail. */
#define A4(n) (((n) + 3u) & ~3u)
__attribute__((optimize("no-tree-loop-distribute-patterns"))) static void copy(void* dst,
                                                                               const void* src,
                                                                               uint32_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0u) {
    uint32_t* dw = (uint32_t*)d;
    const uint32_t* sw = (const uint32_t*)s;
    for (; n >= 16u; n -= 16u, dw += 4, sw += 4) {
      uint32_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
      dw[0] = a;
      dw[1] = b;
      dw[2] = c;
      dw[3] = e;
    }
    for (; n >= 4u; n -= 4u) *dw++ = *sw++;
    d = (uint8_t*)dw;
    s = (const uint8_t*)sw;
  }
  while (n--) *d++ = *s++;
}

static int8_t sat8(int64_t v) {
  return (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
}

/* floor(sqrt(v)) (math.isqrt), bit by bit. */
static uint64_t isqrt64(uint64_t v) {
  uint64_t r = 0, bit = 1ull << 62;
  while (bit > v) bit >>= 2;
  while (bit) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

static int64_t rshift_round(int64_t p, uint32_t shift) {
  return shift ? (p + (1ll << (shift - 1u))) >> shift : p;
}

/* rows x F: S = sum q; d = F q - S; V2 = (sum d^2 + F/2) / F; den = max(1, isqrt(V2 + E));
 * R = (2^31 - 1) / den (one division per row); n = (4096 d R + 2^30) >> 31;
 * y = sat8((n G + 4096 Bb + 2^27) >> 28). */
static int layernorm(const uint32_t* w) {
  uint32_t rows = w[6], F = w[7], E = w[8];
  uint32_t n = rows * F;
  int8_t* x = tcm(A4(n) + 8u * F);
  if (!x) return -1;
  int32_t* gb = (int32_t*)(uintptr_t)(x + A4(n));
  copy(x, (const void*)(uintptr_t)w[2], n);
  copy(gb, (const void*)(uintptr_t)w[5], 8u * F);
  for (uint32_t r = 0; r < rows; ++r) {
    int8_t* q = x + r * F;
    int32_t S = 0;
    for (uint32_t i = 0; i < F; ++i) S += q[i];
    uint64_t Q = 0;
    for (uint32_t i = 0; i < F; ++i) {
      int32_t d = (int32_t)F * q[i] - S;
      Q += (uint32_t)d * (uint32_t)d; /* < 2^32 for F <= 256 */
    }
    uint64_t V2 = (Q + F / 2u) / F;
    int32_t den = (int32_t)isqrt64(V2 + E);
    if (den < 1) den = 1;
    const int32_t R = 0x7FFFFFFF / den;
    for (uint32_t i = 0; i < F; ++i) { /* in place: q[i] is read before it is written */
      int64_t p = (int64_t)(4096 * ((int32_t)F * q[i] - S)) * R;
      int32_t nv = (int32_t)((p + (1ll << 30)) >> 31);
      int64_t t = (int64_t)nv * gb[i] + 4096ll * gb[F + i];
      q[i] = sat8((t + (1ll << 27)) >> 28);
    }
  }
  copy((void*)(uintptr_t)w[4], x, n);
  return 0;
}

/* y = LUT[q + 128] */
static int lut(const uint32_t* w) {
  uint32_t n = w[6];
  int8_t* x = tcm(A4(n) + 256u);
  if (!x) return -1;
  int8_t* t = x + A4(n);
  copy(x, (const void*)(uintptr_t)w[2], n);
  copy(t, (const void*)(uintptr_t)w[5], 256u);
  for (uint32_t i = 0; i < n; ++i) x[i] = t[x[i] + 128];
  copy((void*)(uintptr_t)w[4], x, n);
  return 0;
}

/* per row of L: e = EXP[max - q], S = sum e, y = (254 e + S) / (2 S) */
static int softmax(const uint32_t* w) {
  uint32_t rows = w[6], L = w[7], n = rows * L;
  int8_t* x = tcm(n + 4u * 256u + 4u * L + 8u);
  if (!x) return -1;
  uint32_t* ex = (uint32_t*)(uintptr_t)(((uintptr_t)(x + n) + 3u) & ~(uintptr_t)3u);
  uint32_t* e = ex + 256;
  copy(x, (const void*)(uintptr_t)w[2], n);
  copy(ex, (const void*)(uintptr_t)w[5], 4u * 256u);
  for (uint32_t r = 0; r < rows; ++r) {
    int8_t* q = x + r * L;
    int32_t m = -128;
    for (uint32_t i = 0; i < L; ++i)
      if (q[i] > m) m = q[i];
    uint32_t S = 0; /* L <= 65535 terms of <= 2^15: 254 e + S and 2 S fit 32 bits */
    for (uint32_t i = 0; i < L; ++i) {
      e[i] = ex[m - q[i]];
      S += e[i];
    }
    for (uint32_t i = 0; i < L; ++i) q[i] = (int8_t)((254u * e[i] + S) / (2u * S));
  }
  copy((void*)(uintptr_t)w[4], x, n);
  return 0;
}

/* [batch, M, K] x [batch, K, N] -> sat8((acc MUL + 2^(SHIFT-1)) >> SHIFT) */
static int matmul(const uint32_t* w) {
  uint32_t bt = w[6], M = w[7], K = w[8], N = w[9], shift = w[11];
  int32_t mul = (int32_t)w[10];
  uint32_t na = bt * M * K, nb = bt * K * N, ny = bt * M * N;
  int8_t* a = tcm(A4(na) + A4(nb) + ny);
  if (!a) return -1;
  int8_t* b = a + A4(na);
  int8_t* y = b + A4(nb);
  copy(a, (const void*)(uintptr_t)w[2], na);
  copy(b, (const void*)(uintptr_t)w[3], nb);
  for (uint32_t k = 0; k < bt; ++k) {
    const int8_t* A = a + k * M * K;
    const int8_t* Bm = b + k * K * N;
    int8_t* Y = y + k * M * N;
    for (uint32_t i = 0; i < M; ++i)
      for (uint32_t j = 0; j < N; ++j) {
        int32_t acc = 0;
        const int8_t* ar = A + i * K;
        const int8_t* bc = Bm + j;
        for (uint32_t t = 0; t < K; ++t, bc += N) acc += ar[t] * *bc;
        Y[i * N + j] = sat8(rshift_round((int64_t)acc * mul, shift));
      }
  }
  copy((void*)(uintptr_t)w[4], y, ny);
  return 0;
}

/* 4-D transpose: out[i0][i1][i2][i3] = in[...] with out axis k = in axis perm[k] */
static int permute(const uint32_t* w) {
  uint32_t d[4] = {w[6], w[7], w[8], w[9]}, p[4], od[4], st[4];
  for (unsigned k = 0; k < 4; ++k) p[k] = (w[10] >> (4u * k)) & 15u;
  for (unsigned k = 0; k < 4; ++k) {
    if (p[k] > 3u) return -2;
    od[k] = d[p[k]];
  }
  st[3] = 1u;
  for (int k = 2; k >= 0; --k) st[k] = st[k + 1] * d[k + 1];
  uint32_t n = d[0] * d[1] * d[2] * d[3];
  int8_t* x = tcm(A4(n) + n);
  if (!x) return -1;
  int8_t* y = x + A4(n);
  copy(x, (const void*)(uintptr_t)w[2], n);
  uint32_t s0 = st[p[0]], s1 = st[p[1]], s2 = st[p[2]], s3 = st[p[3]], o = 0;
  for (uint32_t i0 = 0; i0 < od[0]; ++i0)
    for (uint32_t i1 = 0; i1 < od[1]; ++i1)
      for (uint32_t i2 = 0; i2 < od[2]; ++i2) {
        const int8_t* src = x + i0 * s0 + i1 * s1 + i2 * s2;
        for (uint32_t i3 = 0; i3 < od[3]; ++i3) y[o++] = src[i3 * s3];
      }
  copy((void*)(uintptr_t)w[4], y, n);
  return 0;
}

int hoststep_run(const uint32_t* w) {
  switch (w[0]) {
    case HSTEP_LAYERNORM:
      return layernorm(w);
    case HSTEP_LUT:
      return lut(w);
    case HSTEP_SOFTMAX:
      return softmax(w);
    case HSTEP_MATMUL:
      return matmul(w);
    case HSTEP_PERMUTE:
      return permute(w);
    default:
      return -2;
  }
}
