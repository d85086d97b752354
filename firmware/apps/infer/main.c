/* infer: runs an inference package on the IMC tiles (or, built as infer_baseline, on the host
 * core only). The package (scripts/inference/imcinfer compile) is placed in DRAM by
 * `imcvp run --load pkg.bin@0x40000000`. The app validates it, programs each layer's weights
 * into its tile by DMA from DRAM (ROI 1), then runs every test image (ROI 2): layer 0's tile
 * fetches the image from DRAM by DMA, each tile's DMA forwards its int8 activations into the
 * next tile's input buffer, bias/ReLU/requantisation happen in the tile periphery, and the
 * host reads the last tile's int32 logits and takes the argmax. A layer larger than a tile
 * comes split into blocks on several tiles: the host adds their int32 partial sums and does
 * that layer's bias/ReLU/requantisation. Outputs are compared with the int8 reference stored
 * in the package (after the timed region). docs/inference.md describes the flow.
 * Built as infer_queue, the timed region runs as tile command-queue programs instead (queue.h):
 * the host builds one program body per tile and chunk of images, rings the doorbells, sleeps
 * in WFI and re-arms the rings; same outputs, same checks.
 *
 * Exit status: 0 done (and bit-exact wherever the tile is exact: digital, ideal analog, and
 * the baseline); 2 bad package; 3 outputs differ from the int8 reference on an exact tile;
 * 4 the package does not match this SoC's tiles; 5 a tile command failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "imcvp/imc.h"
#include "imcvp/simctrl.h"
#include "package.h"

#if defined(INFER_BASELINE) && defined(INFER_BASELINE_TCM)
#define APP "infer_baseline_tcm"
#elif defined(INFER_BASELINE)
#define APP "infer_baseline"
#elif defined(INFER_QUEUE)
#define APP "infer_queue"
#else
#define APP "infer"
#endif

#ifdef INFER_QUEUE
#define IM2COL_WHERE "im2col by tile LOADs"
#else
#define IM2COL_WHERE "im2col on host"
#endif
#define PKG_ADDR IMCVP_DRAM_BASE
#define EXIT_BAD_PACKAGE 2
#define EXIT_MISMATCH 3
#define EXIT_SOC_MISMATCH 4
#define EXIT_TILE_ERROR 5
#define ROI_PROGRAM 1u
#define ROI_INFER 2u
#define MAX_BATCH_OUT 1024u
#define MAX_OUTPUTS 65536u

/* The package at the DRAM base (from the device tree: imcvp/platform.h). */
#define pkg ((const uint8_t*)(uintptr_t)PKG_ADDR)
static pkg_header hdr;
static pkg_layer layers[PKG_MAX_LAYERS];
static pkg_part parts[PKG_MAX_PARTS];
static uint32_t n_parts_total;
static uint32_t first_part[PKG_MAX_LAYERS]; /* index in parts[] of each layer's first part */
/* Conv and LSTM layers (package version 3): geometry decoded from pkg_layer.geom; kind 0 dense,
 * 1 conv, 2 LSTM. out_dim is the number of int8 values the layer hands to the next one. */
#define KIND_DENSE 0u
#define KIND_CONV 1u
#define KIND_LSTM 2u
typedef struct {
  uint32_t kind, out_dim;
  uint32_t in_h, in_w, in_c, k, pool, oh, ow, ph, pw; /* conv */
  uint32_t steps, in_step, hidden, c_shift;           /* LSTM */
} conv_geom;
/* The LSTM's lookup tables (one LSTM layer per package), copied to TCM: sigmoid 0..128 and
 * tanh -127..127 of the int8 gate values, then tanh of the int8 cell index (index + 128). */
static int16_t lstm_lut[3 * 256];
static conv_geom conv[PKG_MAX_LAYERS];
#define MAX_PATCHES 1024u
#define MAX_PATCH_BYTES 16384u

static int bad(const char* what) {
  printf(APP ": bad package: %s\n", what);
  return EXIT_BAD_PACKAGE;
}

/* Copies n bytes with 32-bit loads where both sides are aligned: one bus transaction per word
 * (picolibc's memcpy may copy bytewise, a DRAM access each). */
static void copy_in(void* dst, const void* src, uint32_t n) {
  uint32_t i = 0;
  if ((((uintptr_t)dst | (uintptr_t)src) & 3u) == 0)
    for (; i + 4 <= n; i += 4)
      *(uint32_t*)((uint8_t*)dst + i) = *(const uint32_t*)((const uint8_t*)src + i);
  for (; i < n; ++i) ((uint8_t*)dst)[i] = ((const uint8_t*)src)[i];
}

static uint32_t fnv1a_update(uint32_t h, const uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x01000193u;
  return h;
}

/* Checksum of DRAM bytes [from, to), read a word at a time (fewer bus transactions). */
static uint32_t fnv1a_dram(uint32_t from, uint32_t to) {
  uint32_t h = 0x811C9DC5u, i = from;
  for (; i + 4 <= to; i += 4) {
    uint32_t w = *(const volatile uint32_t*)(PKG_ADDR + i);
    for (int k = 0; k < 4; ++k) h = (h ^ ((w >> (8 * k)) & 0xFFu)) * 0x01000193u;
  }
  for (; i < to; ++i) h = (h ^ pkg[i]) * 0x01000193u;
  return h;
}

static int inside(uint32_t off, uint32_t n) {
  return off >= sizeof(pkg_header) && off <= hdr.total_size - 4 && n <= hdr.total_size - 4 - off;
}

/* Everything the firmware relies on, checked before any tile is touched. */
static int validate(void) {
  memcpy(&hdr, pkg, sizeof hdr);
  if (hdr.magic != PKG_MAGIC) {
    printf(APP
           ": bad package: magic 0x%08lx, expected 0x%08lx ('IMPK'); load one with "
           "--load pkg.bin@0x%08lx\n",
           (unsigned long)hdr.magic, (unsigned long)PKG_MAGIC, (unsigned long)PKG_ADDR);
    return EXIT_BAD_PACKAGE;
  }
  if ((hdr.version != PKG_VERSION && hdr.version != PKG_VERSION_CONV) ||
      hdr.header_size != sizeof(pkg_header)) {
    printf(APP
           ": bad package: version %u (header %u bytes), this firmware reads versions %u and "
           "%u\n",
           (unsigned)hdr.version, (unsigned)hdr.header_size, (unsigned)PKG_VERSION,
           (unsigned)PKG_VERSION_CONV);
    return EXIT_BAD_PACKAGE;
  }
  if (hdr.total_size < sizeof(pkg_header) + 4 || hdr.total_size > PKG_MAX_SIZE)
    return bad("size field out of range");
  uint32_t end = *(const volatile uint32_t*)(PKG_ADDR + (hdr.total_size & ~3u) - 4);
  if ((hdr.total_size & 3u) || end != PKG_END_MAGIC) {
    printf(APP ": bad package: end marker missing at byte %lu: truncated or corrupt\n",
           (unsigned long)(hdr.total_size - 4));
    return EXIT_BAD_PACKAGE;
  }
  uint32_t sum = fnv1a_dram(sizeof(pkg_header), hdr.total_size);
  if (sum != hdr.checksum) {
    printf(APP ": bad package: checksum 0x%08lx, header says 0x%08lx: corrupt\n",
           (unsigned long)sum, (unsigned long)hdr.checksum);
    return EXIT_BAD_PACKAGE;
  }
  if (hdr.n_layers < 1 || hdr.n_layers > PKG_MAX_LAYERS || hdr.n_images < 1 || hdr.in_dim < 1 ||
      hdr.in_dim > PKG_MAX_DIM || hdr.n_classes < 1 || hdr.n_classes > PKG_MAX_DIM ||
      hdr.batch < 1 || hdr.batch > MAX_BATCH_OUT)
    return bad("header counts out of range");
  if ((uint64_t)hdr.n_images * hdr.n_classes > MAX_OUTPUTS)
    return bad("images x classes exceeds this firmware's output store (65536)");
  if (!inside(hdr.layers_off, hdr.n_layers * sizeof(pkg_layer)) ||
      !inside(hdr.images_off, hdr.n_images * hdr.in_dim) || !inside(hdr.labels_off, hdr.n_images) ||
      !inside(hdr.expected_off, hdr.n_images * hdr.n_classes * 4) || (hdr.expected_off & 3u))
    return bad("a section lies outside the package");
  memcpy(layers, pkg + hdr.layers_off, hdr.n_layers * sizeof(pkg_layer));
  uint32_t prev = hdr.in_dim;
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    pkg_layer* L = &layers[l];
    conv_geom* g = &conv[l];
    memset(g, 0, sizeof *g);
    uint32_t in_n = L->rows, out_n = L->cols;
    if (L->rows < 1 || L->rows > PKG_MAX_DIM || L->cols < 1 || L->cols > PKG_MAX_DIM)
      return bad("layer dimensions out of range");
    if (hdr.version == PKG_VERSION_CONV && (L->geom >> 28) == KIND_LSTM) {
      static uint32_t n_lstm;
      g->kind = KIND_LSTM;
      g->in_step = L->geom & 0xFFu;
      g->steps = (L->geom >> 8) & 0xFFu;
      g->hidden = (L->geom >> 16) & 0xFFu;
      g->c_shift = (L->geom >> 24) & 0xFu;
      if (g->in_step < 1 || g->steps < 1 || g->hidden < 1 || g->c_shift < 1 ||
          L->rows != g->in_step + g->hidden || L->cols != 4 * g->hidden)
        return bad("LSTM geometry does not match the layer's matrix");
      if (L->n_parts != 1 || l + 1 == hdr.n_layers || !(L->flags & PKG_FLAG_REQUANT) ||
          hdr.batch != 1 || n_lstm++ > 0)
        return bad(
            "an LSTM layer must be the only one, on one tile, requantise, feed another "
            "layer, batch 1");
      if (!inside(L->scale_off, 4 * L->cols + sizeof lstm_lut))
        return bad("LSTM tables lie outside the package");
      memcpy(lstm_lut, pkg + L->scale_off + 4 * L->cols, sizeof lstm_lut);
      in_n = g->steps * g->in_step;
      out_n = g->hidden;
    } else if (hdr.version == PKG_VERSION_CONV && L->geom != 0) {
      g->kind = KIND_CONV;
      g->in_h = L->geom & 0xFFu;
      g->in_w = (L->geom >> 8) & 0xFFu;
      g->in_c = (L->geom >> 16) & 0xFFu;
      g->pool = (L->geom >> 24) & 0xFu;
      if ((L->geom >> 28) != 1u || g->in_c < 1 || g->pool < 1) return bad("bad layer kind");
      while ((g->k + 1) * (g->k + 1) * g->in_c <= L->rows) ++g->k;
      if (g->k * g->k * g->in_c != L->rows || g->k > g->in_h || g->k > g->in_w)
        return bad("conv geometry does not match the layer's matrix");
      g->oh = g->in_h - g->k + 1;
      g->ow = g->in_w - g->k + 1;
      g->ph = g->oh / g->pool;
      g->pw = g->ow / g->pool;
      if (g->ph < 1 || g->pw < 1 || g->oh * g->ow > MAX_PATCHES ||
          g->oh * g->ow * L->rows > MAX_PATCH_BYTES || g->oh * g->ow * L->cols > MAX_PATCH_BYTES)
        return bad("conv layer too large for this firmware's patch buffers");
      if (L->n_parts != 1 || l + 1 == hdr.n_layers || !(L->flags & PKG_FLAG_REQUANT) ||
          hdr.batch != 1)
        return bad("a conv layer must be on one tile, requantise, feed another layer, batch 1");
      in_n = g->in_h * g->in_w * g->in_c;
      out_n = g->ph * g->pw * L->cols;
    }
    g->out_dim = out_n;
    if (in_n != prev || out_n > PKG_MAX_DIM) {
      printf(APP ": bad package: layer %lu is %lux%lu but its input has %lu elements\n",
             (unsigned long)l, (unsigned long)L->rows, (unsigned long)L->cols, (unsigned long)prev);
      return EXIT_BAD_PACKAGE;
    }
    if (l + 1 < hdr.n_layers && !(L->flags & PKG_FLAG_REQUANT))
      return bad("a layer that feeds another must requantise to int8");
    if (!inside(L->w_off, L->rows * L->cols) || !inside(L->bias_off, 4 * L->cols) ||
        !inside(L->scale_off, 4 * L->cols) || ((L->bias_off | L->scale_off) & 3u))
      return bad("layer data lies outside the package");
    if (L->n_parts < 1 || L->n_parts > PKG_MAX_PARTS - n_parts_total ||
        !inside(L->parts_off, L->n_parts * sizeof(pkg_part)))
      return bad("layer part table out of range");
    uint32_t first = n_parts_total, area = 0;
    memcpy(&parts[first], pkg + L->parts_off, L->n_parts * sizeof(pkg_part));
    for (uint32_t q = first; q < first + L->n_parts; ++q) {
      const pkg_part* P = &parts[q];
      if (P->rows < 1 || P->cols < 1 || P->row0 >= L->rows || P->rows > L->rows - P->row0 ||
          P->col0 >= L->cols || P->cols > L->cols - P->col0 || !inside(P->w_off, P->rows * P->cols))
        return bad("a layer part lies outside its matrix or the package");
      area += P->rows * P->cols;
    }
    if (area != L->rows * L->cols) return bad("a layer's parts do not cover its matrix");
    if (L->n_parts > 1 && hdr.batch != 1) return bad("split layers need batch 1");
    first_part[l] = first;
    n_parts_total += L->n_parts;
    prev = out_n;
  }
  if (prev != hdr.n_classes) return bad("last layer's outputs != number of classes");
  return 0;
}

static void print_summary_header(void) {
  char name[5];
  memcpy(name, hdr.name, 4);
  name[4] = 0;
  printf(APP ": package '%s' v%u, %lu bytes, %lu layers, %lu images, batch %lu\n", name,
         (unsigned)hdr.version, (unsigned long)hdr.total_size, (unsigned long)hdr.n_layers,
         (unsigned long)hdr.n_images, (unsigned long)hdr.batch);
}

static uint32_t argmax_i32(const int32_t* v, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t j = 1; j < n; ++j)
    if (v[j] > v[best]) best = j;
  return best;
}

/* Per-image bookkeeping shared by both modes. */
static uint32_t correct, mismatched_images;
static uint32_t out_hash = 0x811C9DC5u;
/* Every image's outputs and prediction stay in TCM during the timed region (ROI 2); the
 * comparison with the reference (test bookkeeping, not inference) runs after it. */

static int32_t outputs[MAX_OUTPUTS];
static uint16_t predicted[MAX_OUTPUTS];

static void score(uint32_t image, const int32_t* y) {
  const uint32_t nc = hdr.n_classes;
  const int32_t* exp = (const int32_t*)(pkg + hdr.expected_off) + (uint64_t)image * nc;
  uint32_t differ = 0;
  for (uint32_t j = 0; j < nc; ++j) differ |= (uint32_t)(y[j] != exp[j]);
  mismatched_images += differ;
  correct += predicted[image] == pkg[hdr.labels_off + image];
  out_hash = fnv1a_update(out_hash, (const uint8_t*)y, 4 * nc);
}

static void print_results(uint64_t infer_ns, int must_be_exact) {
  uint32_t n = hdr.n_images;
  uint64_t macs = 0; /* per inference: conv layers run per patch, LSTM layers per step */
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    uint64_t m = (uint64_t)layers[l].rows * layers[l].cols;
    if (conv[l].kind == KIND_CONV) m *= conv[l].oh * conv[l].ow;
    if (conv[l].kind == KIND_LSTM) m *= conv[l].steps;
    macs += m;
  }
  printf(APP ": %lu MACs per inference\n", (unsigned long)macs);
  uint32_t acc_x100 = (uint32_t)(((uint64_t)correct * 10000u + n / 2) / n);
  printf(APP ": accuracy %lu/%lu (%lu.%02lu %%)\n", (unsigned long)correct, (unsigned long)n,
         (unsigned long)(acc_x100 / 100), (unsigned long)(acc_x100 % 100));
  printf(APP ": outputs equal to the int8 reference: %lu/%lu images%s\n",
         (unsigned long)(n - mismatched_images), (unsigned long)n,
         mismatched_images == 0 ? " (bit-exact)" : (must_be_exact ? " (MISMATCH)" : ""));
  printf(APP ": outputs fnv1a32 0x%08lx\n", (unsigned long)out_hash);
  printf(APP ": %lu ns for %lu images, %lu ns per inference\n", (unsigned long)infer_ns,
         (unsigned long)n, (unsigned long)(infer_ns / n));
  /* The same results in stats.json (firmware.*) and the imcvp summary. */
  imcvp_report("images", (int32_t)n);
  imcvp_report("correct", (int32_t)correct);
  imcvp_report("accuracy_x100", (int32_t)acc_x100);
  imcvp_report("exact_images", (int32_t)(n - mismatched_images));
  imcvp_report("ns_per_infer", (int32_t)(infer_ns / n));
  imcvp_report("macs_per_infer", (int32_t)macs);
}

/* ---------------------------------------------------------------- conv layers (im2col) */
static int8_t patches[MAX_PATCH_BYTES]; /* oh*ow patches of k*k*in_c int8, (ky, kx, c) order */
static int8_t convout[MAX_PATCH_BYTES]; /* oh*ow x out_c int8 (HWC), before pooling */

/* Builds conv layer l's im2col patches from its HWC int8 input x. */
static void im2col(uint32_t l, const int8_t* x) {
  const conv_geom* g = &conv[l];
  int8_t* o = patches;
  for (uint32_t oy = 0; oy < g->oh; ++oy)
    for (uint32_t ox = 0; ox < g->ow; ++ox)
      for (uint32_t ky = 0; ky < g->k; ++ky) {
        const int8_t* row = &x[((oy + ky) * g->in_w + ox) * g->in_c];
        for (uint32_t n = 0; n < g->k * g->in_c; ++n) *o++ = row[n];
      }
}

/* pool x pool max-pooling (floor) of convout into out (HWC), out_c = layer l's columns. */
static void maxpool(uint32_t l, int8_t* out) {
  const conv_geom* g = &conv[l];
  const uint32_t c = layers[l].cols;
  for (uint32_t py = 0; py < g->ph; ++py)
    for (uint32_t px = 0; px < g->pw; ++px)
      for (uint32_t j = 0; j < c; ++j) {
        int8_t m = -128;
        for (uint32_t dy = 0; dy < g->pool; ++dy)
          for (uint32_t dx = 0; dx < g->pool; ++dx) {
            int8_t v = convout[((py * g->pool + dy) * g->ow + px * g->pool + dx) * c + j];
            if (v > m) m = v;
          }
        out[(py * g->pw + px) * c + j] = m;
      }
}

/* ---------------------------------------------------------------- LSTM cell (host) */
static int32_t lstm_c[256];
static int8_t lstm_h[256];
static int8_t lstm_z[PKG_MAX_DIM]; /* [x_t; h_{t-1}] */
static int8_t lstm_g[4 * 256];     /* the tile's int8 gate values: i, f, g, o */

/* Builds step t's input [x_t; h_{t-1}] of LSTM layer l from its sequence x. */
static void lstm_input(uint32_t l, const int8_t* x, uint32_t t) {
  const conv_geom* g = &conv[l];
  memcpy(lstm_z, x + t * g->in_step, g->in_step);
  memcpy(lstm_z + g->in_step, lstm_h, g->hidden);
}

/* One cell update from int8 gate values (scripts/inference/imcnet.py lstm_cell_int8):
 * c (units 1/(128*127)) = ((f c + 64) >> 7) + i g; h = (o tanh(c >> c_shift) + 64) >> 7. */
static void lstm_cell(uint32_t l) {
  const conv_geom* g = &conv[l];
  const uint32_t h = g->hidden;
  for (uint32_t j = 0; j < h; ++j) {
    int32_t i = lstm_lut[lstm_g[j] + 128], f = lstm_lut[lstm_g[h + j] + 128];
    int32_t gg = lstm_lut[256 + lstm_g[2 * h + j] + 128], o = lstm_lut[lstm_g[3 * h + j] + 128];
    int32_t c = ((f * lstm_c[j] + 64) >> 7) + i * gg;
    lstm_c[j] = c;
    int32_t ci = (c + (1 << (g->c_shift - 1))) >> g->c_shift;
    ci = ci < -128 ? -128 : (ci > 127 ? 127 : ci);
    lstm_h[j] = (int8_t)((o * lstm_lut[512 + ci + 128] + 64) >> 7);
  }
}

static void lstm_reset(uint32_t l) {
  for (uint32_t j = 0; j < conv[l].hidden; ++j) {
    lstm_c[j] = 0;
    lstm_h[j] = 0;
  }
}

#ifdef INFER_BASELINE
/* ---------------------------------------------------------------- host-only baseline */
static int8_t act[2][PKG_MAX_DIM];
#ifdef INFER_BASELINE_TCM
static int8_t wtcm[256u * 1024u] __attribute__((aligned(4)));
#endif
static int32_t acc[PKG_MAX_DIM];

int main(void) {
  int rc = validate();
  if (rc) return rc;
  print_summary_header();
  const int8_t* wsrc[PKG_MAX_LAYERS];
  const int32_t *bsrc[PKG_MAX_LAYERS], *ssrc[PKG_MAX_LAYERS];
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    wsrc[l] = (const int8_t*)(pkg + layers[l].w_off);
    bsrc[l] = (const int32_t*)(pkg + layers[l].bias_off);
    ssrc[l] = (const int32_t*)(pkg + layers[l].scale_off);
  }
#ifdef INFER_BASELINE_TCM
  /* Weights, bias and scales copied once into TCM (the "program" step of a host with a scratchpad),
   * ROI 1. */
  uint32_t need = 0;
  for (uint32_t l = 0; l < hdr.n_layers; ++l)
    need += ((layers[l].rows * layers[l].cols + 3u) & ~3u) + 8u * layers[l].cols;
  if (need > sizeof wtcm) {
    printf(APP ": package does not fit this SoC: %lu bytes of weights, TCM buffer holds %lu\n",
           (unsigned long)need, (unsigned long)sizeof wtcm);
    return EXIT_SOC_MISMATCH;
  }
  imcvp_roi_begin(ROI_PROGRAM);
  uint32_t at = 0;
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    uint32_t n = layers[l].rows * layers[l].cols;
    copy_in(&wtcm[at], wsrc[l], n);
    wsrc[l] = &wtcm[at];
    at += (n + 3u) & ~3u;
    copy_in(&wtcm[at], bsrc[l], 4 * layers[l].cols);
    bsrc[l] = (const int32_t*)&wtcm[at];
    at += 4 * layers[l].cols;
    copy_in(&wtcm[at], ssrc[l], 4 * layers[l].cols);
    ssrc[l] = (const int32_t*)&wtcm[at];
    at += 4 * layers[l].cols;
  }
  imcvp_roi_end(ROI_PROGRAM);
  printf(
      APP
      ": host-only int8 network, weights, bias and scales copied from DRAM into TCM (%lu bytes)\n",
      (unsigned long)need);
#else
  printf(APP ": host-only int8 network, weights read from DRAM at 0x%08lx\n",
         (unsigned long)PKG_ADDR);
#endif
  uint64_t layer_ns[PKG_MAX_LAYERS] = {0};
  uint64_t t_start = imcvp_sim_time_ns();
  imcvp_roi_begin(ROI_INFER);
  for (uint32_t img = 0; img < hdr.n_images; ++img) {
    const int8_t* x = (const int8_t*)(pkg + hdr.images_off + img * hdr.in_dim);
    copy_in(act[0], x, hdr.in_dim);
    int cur = 0;
    for (uint32_t l = 0; l < hdr.n_layers; ++l) {
      const pkg_layer* L = &layers[l];
      uint64_t t0 = imcvp_sim_time_ns();
      const int8_t* w = wsrc[l];
      const int32_t* bias = bsrc[l];
      const int32_t* scale = ssrc[l];
      if (conv[l].kind == KIND_LSTM) { /* one MVM + cell update per time step */
        lstm_reset(l);
        for (uint32_t st = 0; st < conv[l].steps; ++st) {
          lstm_input(l, act[cur], st);
          for (uint32_t j = 0; j < L->cols; ++j) acc[j] = 0;
          for (uint32_t i = 0; i < L->rows; ++i)
            for (uint32_t j = 0; j < L->cols; ++j) acc[j] += lstm_z[i] * w[i * L->cols + j];
          for (uint32_t j = 0; j < L->cols; ++j)
            lstm_g[j] = (int8_t)imc_postprocess_ref(
                acc[j], (L->flags & PKG_FLAG_BIAS) ? bias[j] : 0, 0, 1, scale[j], L->shift);
          lstm_cell(l);
        }
        memcpy(act[cur ^ 1], lstm_h, conv[l].hidden);
        cur ^= 1;
        layer_ns[l] += imcvp_sim_time_ns() - t0;
        continue;
      }
      if (conv[l].k) { /* im2col, one MVM per patch, then max-pool */
        im2col(l, act[cur]);
        for (uint32_t p = 0; p < conv[l].oh * conv[l].ow; ++p) {
          const int8_t* x = &patches[p * L->rows];
          for (uint32_t j = 0; j < L->cols; ++j) acc[j] = 0;
          for (uint32_t i = 0; i < L->rows; ++i)
            for (uint32_t j = 0; j < L->cols; ++j) acc[j] += x[i] * w[i * L->cols + j];
          for (uint32_t j = 0; j < L->cols; ++j)
            convout[p * L->cols + j] =
                (int8_t)imc_postprocess_ref(acc[j], (L->flags & PKG_FLAG_BIAS) ? bias[j] : 0,
                                            (L->flags & PKG_FLAG_RELU) != 0, 1, scale[j], L->shift);
        }
        maxpool(l, act[cur ^ 1]);
        cur ^= 1;
        layer_ns[l] += imcvp_sim_time_ns() - t0;
        continue;
      }
      for (uint32_t j = 0; j < L->cols; ++j) acc[j] = 0;
      for (uint32_t i = 0; i < L->rows; ++i) {
        int32_t xi = act[cur][i];
        if (xi == 0) continue;
        const int8_t* row = w + i * L->cols;
        if (((L->cols | (uintptr_t)w) & 3u) == 0) {
          /* Word loads: four weights per DRAM access, as a compiler would do for int8. */
          const uint32_t* row4 = (const uint32_t*)row;
          for (uint32_t j = 0; j < L->cols; j += 4) {
            uint32_t q = row4[j / 4];
            acc[j] += xi * (int8_t)q;
            acc[j + 1] += xi * (int8_t)(q >> 8);
            acc[j + 2] += xi * (int8_t)(q >> 16);
            acc[j + 3] += xi * (int8_t)(q >> 24);
          }
          continue;
        }
        for (uint32_t j = 0; j < L->cols; ++j) acc[j] += xi * row[j];
      }
      int relu = (L->flags & PKG_FLAG_RELU) != 0, rq = (L->flags & PKG_FLAG_REQUANT) != 0;
      int has_bias = (L->flags & PKG_FLAG_BIAS) != 0;
      for (uint32_t j = 0; j < L->cols; ++j) {
        int32_t v = imc_postprocess_ref(acc[j], has_bias ? bias[j] : 0, relu, rq, rq ? scale[j] : 1,
                                        L->shift);
        if (l + 1 < hdr.n_layers)
          act[cur ^ 1][j] = (int8_t)v;
        else
          outputs[img * hdr.n_classes + j] = v;
      }
      cur ^= 1;
      layer_ns[l] += imcvp_sim_time_ns() - t0;
    }
    predicted[img] = (uint16_t)argmax_i32(&outputs[img * hdr.n_classes], hdr.n_classes);
  }
  imcvp_roi_end(ROI_INFER);
  uint64_t infer_ns = imcvp_sim_time_ns() - t_start;
  for (uint32_t img = 0; img < hdr.n_images; ++img) score(img, &outputs[img * hdr.n_classes]);
  for (uint32_t l = 0; l < hdr.n_layers; ++l)
    printf(APP ": layer %lu: %lux%lu on host, %lu ns per inference\n", (unsigned long)l,
           (unsigned long)layers[l].rows, (unsigned long)layers[l].cols,
           (unsigned long)(layer_ns[l] / hdr.n_images));
  print_results(infer_ns, 1);
  return mismatched_images ? EXIT_MISMATCH : 0;
}

#else
/* ---------------------------------------------------------------- IMC tiles */
static imc_tile tiles[PKG_MAX_PARTS]; /* one per part, same index as parts[] */

static int tile_failed(uint32_t q, const char* what, int err) {
  printf(APP ": %s on tile %lu failed: %s (info 0x%08lx)\n", what, (unsigned long)parts[q].tile,
         imc_error_name(err), (unsigned long)imc_read(&tiles[q], IMC_ERROR_INFO_OFFSET));
  return EXIT_TILE_ERROR;
}

static int soc_mismatch(void) {
  return EXIT_SOC_MISMATCH;
}

/* Checks that every part's tile exists, is used once, and has the kind and room the package
 * was compiled for. Nothing is written to a tile before this passes. */
static int open_tiles(void) {
  unsigned n = imc_count();
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    const pkg_layer* L = &layers[l];
    for (uint32_t q = first_part[l]; q < first_part[l] + L->n_parts; ++q) {
      const pkg_part* P = &parts[q];
      for (uint32_t k = 0; k < q; ++k)
        if (parts[k].tile == P->tile) {
          printf(APP
                 ": package does not fit this SoC: tile %lu is used twice (one matrix block "
                 "per tile)\n",
                 (unsigned long)P->tile);
          return soc_mismatch();
        }
      if (P->tile >= n || imc_open(&tiles[q], P->tile) != IMC_OK) {
        printf(APP
               ": package does not fit this SoC: layer %lu needs tile %lu, the SoC has %u "
               "tile(s)\n",
               (unsigned long)l, (unsigned long)P->tile, n);
        return soc_mismatch();
      }
      const imc_tile* t = &tiles[q];
      if (L->kind != PKG_KIND_ANY && L->kind != t->digital) {
        printf(APP
               ": package does not fit this SoC: layer %lu was compiled for a%s tile, tile "
               "%lu is %s\n",
               (unsigned long)l, L->kind == PKG_KIND_DIGITAL ? " digital" : "n analog",
               (unsigned long)P->tile, t->digital ? "digital" : "analog");
        return soc_mismatch();
      }
      if (P->rows > t->rows || P->cols > t->cols) {
        printf(APP ": package does not fit this SoC: layer %lu is %lux%lu, tile %lu is %lux%lu\n",
               (unsigned long)l, (unsigned long)P->rows, (unsigned long)P->cols,
               (unsigned long)P->tile, (unsigned long)t->rows, (unsigned long)t->cols);
        return soc_mismatch();
      }
      if (t->input_bits != 8 || t->weight_bits != 8) {
        printf(APP
               ": package does not fit this SoC: tile %lu has %lu-bit inputs and %lu-bit "
               "weights, the package is int8\n",
               (unsigned long)P->tile, (unsigned long)t->input_bits, (unsigned long)t->weight_bits);
        return soc_mismatch();
      }
    }
  }
  return 0;
}

static int split(uint32_t l) {
  return layers[l].n_parts > 1;
}

/* CTRL of an unsplit layer: post-processing in the tile periphery; the input comes by DMA
 * from DRAM (layer 0) or from the previous tile, the output goes by DMA to the next tile,
 * unless a neighbour is split (then the host moves the data). */
static uint32_t layer_ctrl(uint32_t l) {
  const pkg_layer* L = &layers[l];
  uint32_t c = IMC_CTRL_SIGNED_IN;
  if (L->flags & PKG_FLAG_BIAS) c |= IMC_CTRL_BIAS;
  if (L->flags & PKG_FLAG_RELU) c |= IMC_CTRL_RELU;
  if (L->flags & PKG_FLAG_REQUANT) c |= IMC_CTRL_REQUANT;
  if (l == 0 && !conv[l].kind) c |= IMC_CTRL_IN_EXT;
  if (l + 1 < hdr.n_layers && !split(l + 1) && !conv[l].kind && !conv[l + 1].kind)
    c |= IMC_CTRL_OUT_EXT;
  return c;
}

static int8_t hact[PKG_MAX_DIM];   /* host-held int8 activations (next to a split layer) */
static int8_t hin[PKG_MAX_DIM];    /* an image read by the host (conv layer 0) */
static int32_t hacc[PKG_MAX_DIM];  /* host partial-sum accumulator */
static int32_t hpart[PKG_MAX_DIM]; /* one part's int32 outputs */
/* Bias and scales of split layers, copied into TCM at programming time when they fit. */
static int32_t pp_cache[8192];
static const int32_t *hbias[PKG_MAX_LAYERS], *hscale[PKG_MAX_LAYERS];

/* One image (or batch of b) through layer l. `y` receives the last layer's outputs. */
static int run_layer(uint32_t l, uint32_t img, uint32_t b, int32_t* y, uint64_t* busy) {
  const pkg_layer* L = &layers[l];
  const uint32_t q0 = first_part[l];
  const int last = l + 1 == hdr.n_layers;
  if (conv[l].kind == KIND_LSTM) {
    /* LSTM: per time step the host writes [x_t; h_{t-1}] into the tile, one MVM gives the
     * int8 gate values (bias and requantisation in the tile), the host applies the tables
     * and the cell update. */
    const imc_tile* t = &tiles[q0];
    const int8_t* x = hact;
    if (l == 0) {
      copy_in(hin, pkg + hdr.images_off + img * hdr.in_dim, hdr.in_dim);
      x = hin;
    }
    lstm_reset(l);
    imc_write(t, IMC_BATCH_OFFSET, 1);
    for (uint32_t st = 0; st < conv[l].steps; ++st) {
      lstm_input(l, x, st);
      imc_copy_to(t, IMC_BUF_IN, lstm_z, L->rows);
      int err = imc_run(t, IMC_OP_MVM);
      if (err != IMC_OK) return tile_failed(q0, "MVM", err);
      *busy += imc_read(t, IMC_LAST_LATENCY_NS_OFFSET);
      imc_copy_from(t, IMC_BUF_OUT, lstm_g, L->cols);
      lstm_cell(l);
    }
    memcpy(hact, lstm_h, conv[l].hidden);
    if (!split(l + 1) && !conv[l + 1].kind)
      imc_copy_to(&tiles[first_part[l + 1]], IMC_BUF_IN, hact, conv[l].hidden);
    return 0;
  }
  if (conv[l].k) {
    /* Conv: the host builds the im2col patches of one image (layer 0: read from DRAM) and
     * runs them as one MVM_BATCH (bias/ReLU/requant in the tile); it max-pools the int8
     * outputs and hands them to the next layer. */
    const imc_tile* t = &tiles[q0];
    const uint32_t np = conv[l].oh * conv[l].ow;
    if (l == 0) {
      copy_in(hin, pkg + hdr.images_off + img * hdr.in_dim, hdr.in_dim);
      im2col(l, hin);
    } else {
      im2col(l, hact);
    }
    imc_copy_to(t, IMC_BUF_IN, patches, np * L->rows);
    imc_write(t, IMC_BATCH_OFFSET, np);
    int err = imc_run(t, IMC_OP_MVM_BATCH);
    if (err != IMC_OK) return tile_failed(q0, "MVM_BATCH", err);
    *busy += imc_read(t, IMC_LAST_LATENCY_NS_OFFSET);
    imc_copy_from(t, IMC_BUF_OUT, convout, np * L->cols);
    maxpool(l, hact);
    if (!split(l + 1) && !conv[l + 1].kind)
      imc_copy_to(&tiles[first_part[l + 1]], IMC_BUF_IN, hact, conv[l].out_dim);
    return 0;
  }
  if (!split(l)) {
    const imc_tile* t = &tiles[q0];
    if (l == 0)
      imc_write(t, IMC_SRC_ADDR_OFFSET, PKG_ADDR + hdr.images_off + img * hdr.in_dim);
    else if (split(l - 1))
      imc_copy_to(t, IMC_BUF_IN, hact, L->rows); /* b == 1 with split layers */
    imc_write(t, IMC_BATCH_OFFSET, b);
    int err = imc_run(t, b == 1 ? IMC_OP_MVM : IMC_OP_MVM_BATCH);
    if (err != IMC_OK) return tile_failed(q0, "MVM", err);
    *busy += imc_read(t, IMC_LAST_LATENCY_NS_OFFSET);
    if (last) {
      if (L->flags & PKG_FLAG_REQUANT) {
        for (uint32_t k = 0; k < b * L->cols; ++k)
          y[k] = (int8_t)imcvp_read8(t->base + IMC_BUF_OUT + k);
      } else {
        imc_copy_from(t, IMC_BUF_OUT, y, 4 * b * L->cols);
      }
    } else if (split(l + 1) || conv[l + 1].kind) {
      imc_copy_from(t, IMC_BUF_OUT, hact, L->cols);
    }
    return 0;
  }
  /* Split layer (b == 1): all blocks start at once (tiles run in parallel), each on its input
   * slice (layer 0: fetched from DRAM by the tile's DMA; else copied by the host); the host
   * adds the int32 partial sums of the row blocks and applies bias, ReLU and requantisation. */
  for (uint32_t j = 0; j < L->cols; ++j) hacc[j] = 0;
  for (uint32_t q = q0; q < q0 + L->n_parts; ++q) {
    const pkg_part* P = &parts[q];
    const imc_tile* t = &tiles[q];
    if (l == 0)
      imc_write(t, IMC_SRC_ADDR_OFFSET, PKG_ADDR + hdr.images_off + img * hdr.in_dim + P->row0);
    else
      imc_copy_to(t, IMC_BUF_IN, &hact[P->row0], P->rows);
    imc_start(t, IMC_OP_MVM);
  }
  for (uint32_t q = q0; q < q0 + L->n_parts; ++q) {
    const pkg_part* P = &parts[q];
    const imc_tile* t = &tiles[q];
    int err = imc_wait(t);
    if (err != IMC_OK) return tile_failed(q, "MVM", err);
    *busy += imc_read(t, IMC_LAST_LATENCY_NS_OFFSET);
    imc_copy_from(t, IMC_BUF_OUT, hpart, 4 * P->cols);
    for (uint32_t j = 0; j < P->cols; ++j) hacc[P->col0 + j] += hpart[j];
  }
  const int32_t* bias = hbias[l];
  const int32_t* scale = hscale[l];
  int relu = (L->flags & PKG_FLAG_RELU) != 0, rq = (L->flags & PKG_FLAG_REQUANT) != 0;
  int has_bias = (L->flags & PKG_FLAG_BIAS) != 0;
  for (uint32_t j = 0; j < L->cols; ++j) {
    int32_t v =
        imc_postprocess_ref(hacc[j], has_bias ? bias[j] : 0, relu, rq, rq ? scale[j] : 1, L->shift);
    if (last)
      y[j] = v;
    else
      hact[j] = (int8_t)v;
  }
  if (!last && !split(l + 1) && !conv[l + 1].kind)
    imc_copy_to(&tiles[first_part[l + 1]], IMC_BUF_IN, hact, L->cols);
  return 0;
}

#ifdef INFER_QUEUE
#include "queue.h"
#endif

int main(void) {
  int rc = validate();
  if (rc) return rc;
  print_summary_header();
  if ((rc = open_tiles())) return rc;
  int all_exact = 1;
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    const pkg_layer* L = &layers[l];
    for (uint32_t q = first_part[l]; q < first_part[l] + L->n_parts; ++q) {
      const imc_tile* t = &tiles[q];
      all_exact &= t->digital || t->ideal;
      if (conv[l].kind == KIND_LSTM)
        printf(APP
               ": layer %lu: LSTM %lu steps x %lu inputs, hidden %lu (%lux%lu gate matrix, one "
               "MVM per step, tables + cell update on host) -> tile %lu (%s)\n",
               (unsigned long)l, (unsigned long)conv[l].steps, (unsigned long)conv[l].in_step,
               (unsigned long)conv[l].hidden, (unsigned long)L->rows, (unsigned long)L->cols,
               (unsigned long)parts[q].tile, t->digital ? "digital" : "analog");
      else if (conv[l].k)
        printf(APP
               ": layer %lu: conv %lux%lux%lu k%lu -> %lu ch (%lux%lu matrix, %lu patches per "
               "image, " IM2COL_WHERE ") -> tile %lu (%s), max-pool %lu -> %lu values\n",
               (unsigned long)l, (unsigned long)conv[l].in_h, (unsigned long)conv[l].in_w,
               (unsigned long)conv[l].in_c, (unsigned long)conv[l].k, (unsigned long)L->cols,
               (unsigned long)L->rows, (unsigned long)L->cols,
               (unsigned long)(conv[l].oh * conv[l].ow), (unsigned long)parts[q].tile,
               t->digital ? "digital" : "analog", (unsigned long)conv[l].pool,
               (unsigned long)conv[l].out_dim);
      else if (L->n_parts == 1)
        printf(APP ": layer %lu: %lux%lu -> tile %lu (%s %lux%lu%s)%s%s, shift %lu\n",
               (unsigned long)l, (unsigned long)L->rows, (unsigned long)L->cols,
               (unsigned long)parts[q].tile, t->digital ? "digital" : "analog",
               (unsigned long)t->rows, (unsigned long)t->cols, t->ideal ? ", ideal" : "",
               (L->flags & PKG_FLAG_RELU) ? ", relu" : "",
               (L->flags & PKG_FLAG_REQUANT) ? ", requant int8" : ", int32 out",
               (unsigned long)L->shift);
      else
        printf(APP
               ": layer %lu: %lux%lu part rows %lu..%lu cols %lu..%lu -> tile %lu (%s "
               "%lux%lu%s), partial sums + post-processing on host\n",
               (unsigned long)l, (unsigned long)L->rows, (unsigned long)L->cols,
               (unsigned long)parts[q].row0, (unsigned long)(parts[q].row0 + parts[q].rows - 1),
               (unsigned long)parts[q].col0, (unsigned long)(parts[q].col0 + parts[q].cols - 1),
               (unsigned long)parts[q].tile, t->digital ? "digital" : "analog",
               (unsigned long)t->rows, (unsigned long)t->cols, t->ideal ? ", ideal" : "");
    }
  }

  /* Weights by tile DMA straight from DRAM; bias/scale copied by the host. */
  uint64_t t_prog = imcvp_sim_time_ns();
  imcvp_roi_begin(ROI_PROGRAM);
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    const pkg_layer* L = &layers[l];
    for (uint32_t q = first_part[l]; q < first_part[l] + L->n_parts; ++q) {
      const pkg_part* P = &parts[q];
      const imc_tile* t = &tiles[q];
      imc_set_ctrl(t, IMC_CTRL_SIGNED_IN);
      if (!t->digital) imc_set_age(t, 0); /* program fresh devices; the package's age follows */
      int err = imc_program_from(t, PKG_ADDR + P->w_off, P->rows, P->cols);
      if (err != IMC_OK) return tile_failed(q, "PROGRAM", err);
      if (split(l)) {
        imc_write(t, IMC_BATCH_OFFSET, 1);
        /* raw int32 partial sums; layer 0's blocks fetch their image slice by DMA */
        imc_set_ctrl(t, IMC_CTRL_SIGNED_IN | (l == 0 ? IMC_CTRL_IN_EXT : 0));
        continue;
      }
      imc_set_postproc(t, (const int32_t*)(pkg + L->bias_off), (const int32_t*)(pkg + L->scale_off),
                       L->shift);
      imc_set_ctrl(t, layer_ctrl(l));
      if (layer_ctrl(l) & IMC_CTRL_OUT_EXT)
        imc_write(t, IMC_DST_ADDR_OFFSET,
                  IMCVP_TILE_ADDR(parts[first_part[l + 1]].tile) + IMC_BUF_IN);
    }
  }
  uint32_t cached = 0;
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    hbias[l] = (const int32_t*)(pkg + layers[l].bias_off);
    hscale[l] = (const int32_t*)(pkg + layers[l].scale_off);
    uint32_t c = layers[l].cols;
    if (!split(l) || cached + 2 * c > sizeof pp_cache / sizeof pp_cache[0]) continue;
    copy_in(&pp_cache[cached], hbias[l], 4 * c);
    copy_in(&pp_cache[cached + c], hscale[l], 4 * c);
    hbias[l] = &pp_cache[cached];
    hscale[l] = &pp_cache[cached + c];
    cached += 2 * c;
  }
  if (hdr.age_s) {
    for (uint32_t q = 0; q < n_parts_total; ++q)
      if (!tiles[q].digital) imc_set_age(&tiles[q], hdr.age_s);
    printf(APP ": analog devices aged by %lu s after programming\n", (unsigned long)hdr.age_s);
  }
  /* Global drift compensation (docs/imc-model.md): once, after programming, on analog tiles. */
  for (uint32_t q = 0; q < n_parts_total && (hdr.flags & PKG_HDR_CALIBRATE); ++q) {
    const imc_tile* t = &tiles[q];
    if (t->digital) continue;
    int err = imc_calibrate(t);
    if (err != IMC_OK) return tile_failed(q, "CALIBRATE", err);
    uint32_t v = imc_read(t, IMC_CAL_SCALE_OFFSET);
    printf(APP ": tile %lu calibrated: drift compensation x%lu.%04lu\n",
           (unsigned long)parts[q].tile, (unsigned long)(v >> 16),
           (unsigned long)(((v & 0xFFFFu) * 10000u) >> 16));
  }
  imcvp_roi_end(ROI_PROGRAM);
  printf(APP ": programmed %lu tile(s) in %lu ns\n", (unsigned long)n_parts_total,
         (unsigned long)(imcvp_sim_time_ns() - t_prog));

  uint64_t busy_ns[PKG_MAX_LAYERS] = {0}, wall_ns[PKG_MAX_LAYERS] = {0};
  uint64_t t_start = imcvp_sim_time_ns();
  imcvp_roi_begin(ROI_INFER);
#ifdef INFER_QUEUE
  const char* why_not = queue_unsupported();
  if (!why_not) {
    if ((rc = run_queued())) return rc;
  } else {
    printf(APP ": %s: not on queues, host-driven path\n", why_not);
  }
  for (uint32_t s = why_not ? 0 : hdr.n_images; s < hdr.n_images; s += hdr.batch) {
#else
  for (uint32_t s = 0; s < hdr.n_images; s += hdr.batch) {
#endif
    uint32_t b = hdr.n_images - s < hdr.batch ? hdr.n_images - s : hdr.batch;
    int32_t* y = &outputs[s * hdr.n_classes];
    for (uint32_t l = 0; l < hdr.n_layers; ++l) {
      uint64_t t0 = imcvp_sim_time_ns();
      if ((rc = run_layer(l, s, b, y, &busy_ns[l]))) return rc;
      wall_ns[l] += imcvp_sim_time_ns() - t0;
    }
    for (uint32_t k = 0; k < b; ++k)
      predicted[s + k] = (uint16_t)argmax_i32(&y[k * hdr.n_classes], hdr.n_classes);
  }
  imcvp_roi_end(ROI_INFER);
  uint64_t infer_ns = imcvp_sim_time_ns() - t_start;
  for (uint32_t img = 0; img < hdr.n_images; ++img) score(img, &outputs[img * hdr.n_classes]);
#ifdef INFER_QUEUE
  if (!why_not)
    printf(APP
           ": tile command queues: %lu descriptors built, %lu re-arm rounds, %lu body "
           "copies per ring\n",
           (unsigned long)qdescs, (unsigned long)qrefills, (unsigned long)qR);
  for (uint32_t l = 0; l < hdr.n_layers && why_not; ++l)
#else
  for (uint32_t l = 0; l < hdr.n_layers; ++l)
#endif
    printf(APP ": layer %lu: %s %lu busy %lu ns, %lu ns per inference (incl. host control)\n",
           (unsigned long)l, split(l) ? "tiles from" : "tile",
           (unsigned long)parts[first_part[l]].tile, (unsigned long)(busy_ns[l] / hdr.n_images),
           (unsigned long)(wall_ns[l] / hdr.n_images));
  print_results(infer_ns, all_exact);
  return (all_exact && mismatched_images) ? EXIT_MISMATCH : 0;
}
#endif
