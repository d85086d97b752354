/* infer_queue: the inference loop (ROI 2) as tile command-queue programs
 * (docs/command-queues.md, imcvp/imc_queue.h; docs/inference.md, "Queue variant").
 * Included by main.c when built with INFER_QUEUE; uses its package state (hdr, layers, conv,
 * parts, tiles) and fills the same outputs[]/predicted[] as the host-driven loop.
 *
 * Each tile runs one program body per chunk (hdr.batch images; conv and LSTM: 1):
 *   dense layer 0   LOAD the chunk's images (DRAM) -> MVM batch -> WAIT credit -> SEND
 *   conv layer 0    LOAD the image (DRAM) into a staging area of its IN buffer -> pool^2 x ph
 *                   im2col LOADs from the tile's own window (2-D pattern: Z = pw windows
 *                   along a row, DZ_COL = pool x C) -> one MVM batch (bias/ReLU/requant) ->
 *                   one VEC MAXPOOL (K = pool^2: the patches are ordered (dy, dx, py, px), so
 *                   the members of each pooling window lie one plane apart) -> WAIT credit ->
 *                   SEND the pooled activations to the next tile
 *   dense layer l   WAIT full -> MVM -> SEND credit upstream -> WAIT credit -> SEND; the last
 *                   layer STOREs its int32 logits into outputs[] (TCM)
 * Tile to tile: one IN slot per tile; SEM_FULL counts filled slots, SEM_CREDIT the free slot
 * downstream (the host posts the first).
 * Each ring holds R copies of its body (R chunks); chunk c runs in copy c mod R. The host
 * builds the first R chunks, rings the doorbells and sleeps in WFI; the last tile raises
 * Q_DONE after every R/2 chunks, and the host then re-arms the copies that are done: it
 * patches the one address that changes per chunk (the image to LOAD, the logits to STORE),
 * clears the STATUS words and rings the doorbells again. It wakes for good when the last
 * ring drains (Q_EMPTY) or a tile reports Q_ERROR.
 *
 *   LSTM layer 0    per time step: LOAD x_t (DRAM) and h (TCM) -> MVM (gate biases +
 *                   requant) -> STORE the int8 gates to TCM; the host polls Q_HEAD until
 *                   the step is done, applies the tables and the cell update (as the
 *                   host-driven path) and rings the doorbell of the next step. After the
 *                   last step the dense tile's LOAD h_T (TCM) -> MVM -> STORE logits.
 *                   (Measured alternatives: sleeping in WFI for a Q_DONE per step costs more
 *                   than the ~0.6 us step; spinning on the STORE's STATUS word in TCM sees
 *                   the tile's write only at the core's next quantum sync, up to
 *                   cpu.quantum_ns = 10 us later, because TCM loads do not sync.)
 *
 * Not on queues (main.c's host-driven loop runs instead, with a console note): split layers
 * (int32 partial sums: the vector unit has no int32 add), conv or LSTM layers after layer 0,
 * an int8 last layer, a single layer, more than QMAX_TILES layers, an LSTM followed by more than
 * one layer.
 */
#ifndef INFER_QUEUE_H
#define INFER_QUEUE_H

#include "imcvp/imc_queue.h"

#define QMAX_TILES 8u
#define QRING 256u /* slots per ring */
#define QR_MAX 32u /* body copies per ring */
#define SEM_FULL 0u
#define SEM_CREDIT 1u
#define STAGE_OFF (IMC_BUF_IN + 0x8000u) /* conv: the raw image */
#define POOL_OFF (IMC_BUF_OUT + 0x8000u) /* conv: pooled int8 activations */

static imcq_desc qmem[QMAX_TILES][QRING];
static imcq_ring qr[QMAX_TILES];
static int8_t hseq[16384]; /* LSTM: every image's last h, for the dense tile */
/* Per ring: body length S, the body's one per-chunk address (slot offset, address of chunk 0,
 * step per chunk of the full batch), the free-running index of chunk 0. */
static uint32_t qS[QMAX_TILES], qvar_k[QMAX_TILES], qvar_base[QMAX_TILES], qvar_step[QMAX_TILES];
static uint32_t qhead0[QMAX_TILES], qR;
static uint32_t qdescs, qrefills; /* descriptors built, re-arm rounds */

static const char* queue_unsupported(void) {
  if (hdr.n_layers > QMAX_TILES) return "more layers than queue rings";
  if (hdr.n_layers < 2) return "a single layer";
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    if (layers[l].n_parts != 1) return "split layer (int32 partial sums)";
    if (l > 0 && conv[l].kind) return "conv/LSTM layer after layer 0";
  }
  if (layers[hdr.n_layers - 1].flags & PKG_FLAG_REQUANT) return "int8 last layer";
  if (conv[0].kind == KIND_CONV && 5 + conv[0].pool * conv[0].pool * conv[0].ph > QRING / 2)
    return "conv layer needs more than 123 im2col LOADs per image";
  if (conv[0].kind == KIND_LSTM && hdr.n_layers != 2)
    return "LSTM with more than one dense layer after it";
  if (conv[0].kind == KIND_LSTM && (uint64_t)hdr.n_images * conv[0].hidden > sizeof hseq)
    return "LSTM: too many images for the h store";
  return 0;
}

static uint32_t q_post(uint32_t l) {
  const pkg_layer* L = &layers[l];
  uint32_t c = IMCQ_POST_SIGNED_IN;
  if (L->flags & PKG_FLAG_BIAS) c |= IMCQ_POST_BIAS;
  if (L->flags & PKG_FLAG_RELU) c |= IMCQ_POST_RELU;
  if (L->flags & PKG_FLAG_REQUANT) c |= IMCQ_POST_REQUANT;
  return c;
}

/* A 2-D box of y rows of x bytes, packed at local_off; row r of the tensor at base + r*x. */
static imcq_pattern q_rows(uint32_t base, uint32_t x, uint32_t y, uint32_t local_off) {
  imcq_pattern p = imcq_pattern_1d(base, x, local_off);
  p.height = p.y = (uint16_t)y;
  return p;
}

/* Writes layer l's body for the chunk of b images starting at image s0 into d[0..]; returns
 * its length. irq: raise Q_DONE when the body finishes. */
static uint32_t q_body(uint32_t l, imcq_desc* d, uint32_t s0, uint32_t b, int irq) {
  const pkg_layer* L = &layers[l];
  const conv_geom* g = &conv[l];
  const int last = l + 1 == hdr.n_layers;
  const uint32_t img = PKG_ADDR + hdr.images_off + s0 * hdr.in_dim;
  uint32_t k = 0, out_off = IMC_BUF_OUT, out_n = b * L->cols;
  if (g->kind == KIND_CONV) {
    const uint32_t C = g->in_c, rw = g->in_w * C, np = g->pool * g->pool * g->ph * g->pw;
    imcq_pattern pi = imcq_pattern_1d(img, hdr.in_dim, STAGE_OFF);
    qvar_k[l] = k;
    imcq_load(&d[k++], &pi);
    for (uint32_t dy = 0; dy < g->pool; ++dy)
      for (uint32_t dx = 0; dx < g->pool; ++dx)
        for (uint32_t py = 0; py < g->ph; ++py) {
          imcq_pattern p = q_rows(tiles[l].base + STAGE_OFF, rw, g->in_h, 0);
          p.col0 = (int32_t)(dx * C);
          p.row0 = (int32_t)(py * g->pool + dy);
          p.x = (uint16_t)(g->k * C);
          p.y = (uint16_t)g->k;
          p.z = (uint16_t)g->pw;
          p.dz_col = (int32_t)(g->pool * C);
          p.local_off = IMC_BUF_IN + (((dy * g->pool + dx) * g->ph + py) * g->pw) * L->rows;
          imcq_load(&d[k++], &p);
        }
    imcq_mvm(&d[k++], L->rows, L->cols, np, IMC_BUF_IN, IMC_BUF_OUT, q_post(l), L->shift);
    const uint32_t n = g->ph * g->pw * L->cols;
    imcq_vec_maxpool(&d[k++], IMC_BUF_OUT, POOL_OFF, n, g->pool * g->pool, n);
    out_off = POOL_OFF;
    out_n = g->out_dim;
  } else {
    if (l == 0) {
      imcq_pattern p = q_rows(img, hdr.in_dim, b, IMC_BUF_IN);
      qvar_k[l] = k;
      imcq_load(&d[k++], &p);
    } else {
      imcq_wait(&d[k++], SEM_FULL, 1);
    }
    imcq_mvm(&d[k++], L->rows, L->cols, b, IMC_BUF_IN, IMC_BUF_OUT, q_post(l), L->shift);
    if (l > 0) imcq_send(&d[k++], 0, 0, tiles[l - 1].index, 0, SEM_CREDIT, 1); /* slot free */
  }
  if (last) {
    imcq_pattern p = q_rows((uint32_t)(uintptr_t)&outputs[s0 * hdr.n_classes], 4 * hdr.n_classes, b,
                            IMC_BUF_OUT);
    qvar_k[l] = k;
    imcq_store(&d[k++], &p);
  } else {
    imcq_wait(&d[k++], SEM_CREDIT, 1);
    imcq_send(&d[k++], out_off, out_n, tiles[l + 1].index, IMC_BUF_IN, SEM_FULL, 1);
  }
  if (irq) imcq_flag_irq(&d[k - 1]);
  qdescs += k;
  return k;
}

static int q_failed(void) {
  for (uint32_t l = 0; l < hdr.n_layers; ++l) {
    imcq_fault f;
    if (!imcq_fault_get(&qr[l], &f)) continue;
    printf(APP ": tile%u queue[%lu]: %s: word %lu: %s (info 0x%08lx)\n", f.tile,
           (unsigned long)f.index, imcq_op_name(f.op), (unsigned long)f.field,
           imcq_error_name((int)f.code), (unsigned long)f.info);
  }
  return EXIT_TILE_ERROR;
}

static int q_init(uint32_t l, uint32_t size) {
  const int last = l + 1 == hdr.n_layers;
  if (imcq_init(&qr[l], &tiles[l], qmem[l], size,
                IMCQ_CTRL_STOP_ON_ERROR | (last ? IMCQ_CTRL_IRQ_EMPTY : 0)))
    return -1;
  qhead0[l] = qr[l].head;
  return imcq_irq_attach(&qr[l],
                         IMCQ_IRQ_Q_ERROR | (last ? IMCQ_IRQ_Q_DONE | IMCQ_IRQ_Q_EMPTY : 0));
}

/* Sleeps until the last ring has consumed everything committed (or a queue failed). */
static int q_drain(void) {
  const uint32_t last = hdr.n_layers - 1;
  unsigned bad_tile = 0;
  while (!imcq_idle(&qr[last])) {
    int err = imcq_wait_irq(&qr[last], IMCQ_IRQ_Q_DONE | IMCQ_IRQ_Q_EMPTY, &bad_tile);
    if (err) {
      printf(APP ": queue error %s on tile %u\n", imcq_error_name(err), bad_tile);
      return -1;
    }
  }
  for (uint32_t l = 0; l < hdr.n_layers; ++l)
    if (imcq_wait_idle(&qr[l])) return -1;
  __asm__ volatile("" ::: "memory"); /* outputs[] and lstm_g were written by the tiles' DMA */
  return 0;
}

/* LSTM at layer 0 (batch 1): the host stays in the loop for the tables and the cell. */
static int run_queued_lstm(void) {
  const conv_geom* g = &conv[0];
  const pkg_layer* L0 = &layers[0];
  const pkg_layer* L1 = &layers[1];
  imcq_ring *q0 = &qr[0], *q1 = &qr[1];
  if (q_init(0, 64) || q_init(1, 64)) return EXIT_TILE_ERROR;
  imcq_irq_attach(q0, IMCQ_IRQ_Q_ERROR | IMCQ_IRQ_Q_DONE);
  for (uint32_t img = 0; img < hdr.n_images; ++img) {
    const uint32_t x = PKG_ADDR + hdr.images_off + img * hdr.in_dim;
    lstm_reset(0);
    for (uint32_t st = 0; st < g->steps; ++st) {
      imcq_desc* d;
      imcq_pattern px = imcq_pattern_1d(x + st * g->in_step, g->in_step, IMC_BUF_IN);
      imcq_pattern ph =
          imcq_pattern_1d((uint32_t)(uintptr_t)lstm_h, g->hidden, IMC_BUF_IN + g->in_step);
      imcq_pattern pg = imcq_pattern_1d((uint32_t)(uintptr_t)lstm_g, L0->cols, IMC_BUF_OUT);
      if (!(d = imcq_next(q0))) return q_failed();
      imcq_load(d, &px);
      if (!(d = imcq_next(q0))) return q_failed();
      imcq_load(d, &ph);
      if (!(d = imcq_next(q0))) return q_failed();
      imcq_mvm(d, L0->rows, L0->cols, 1, IMC_BUF_IN, IMC_BUF_OUT, q_post(0), L0->shift);
      if (!(d = imcq_next(q0))) return q_failed();
      imcq_store(d, &pg);
      qdescs += 4;
      imcq_commit(q0);
      if (imcq_wait_idle(q0)) return q_failed();
      __asm__ volatile("" ::: "memory"); /* lstm_g was written by the tile's DMA */
      lstm_cell(0);
    }
    /* h_T to the dense tile: it LOADs it from TCM (the previous image's MVM is done: its
     * ring is drained before hseq is overwritten). */
    memcpy(&hseq[img * g->hidden], lstm_h, g->hidden);
    imcq_desc* d;
    imcq_pattern ph =
        imcq_pattern_1d((uint32_t)(uintptr_t)&hseq[img * g->hidden], L1->rows, IMC_BUF_IN);
    imcq_pattern po = q_rows((uint32_t)(uintptr_t)&outputs[img * hdr.n_classes], 4 * hdr.n_classes,
                             1, IMC_BUF_OUT);
    if (!(d = imcq_next(q1))) return q_failed();
    imcq_load(d, &ph);
    if (!(d = imcq_next(q1))) return q_failed();
    imcq_mvm(d, L1->rows, L1->cols, 1, IMC_BUF_IN, IMC_BUF_OUT, q_post(1), L1->shift);
    if (!(d = imcq_next(q1))) return q_failed();
    imcq_store(d, &po);
    qdescs += 3;
    imcq_commit(q1);
  }
  return q_drain() ? q_failed() : 0;
}

static int run_queued_chain(void);

/* ROI 2 on queues: builds, starts, re-arms and waits for the programs; fills outputs[] and
 * predicted[]. */
static int run_queued(void) {
  const uint32_t n = hdr.n_images;
  qdescs = qrefills = qR = 0;
  if (conv[0].kind == KIND_LSTM) {
    int rc = run_queued_lstm();
    if (rc) return rc;
  } else {
    int rc = run_queued_chain();
    if (rc) return rc;
  }
  for (uint32_t img = 0; img < n; ++img)
    predicted[img] = (uint16_t)argmax_i32(&outputs[img * hdr.n_classes], hdr.n_classes);
  return 0;
}

/* Dense/conv layer 0 and dense layers after it: R-copy rings, re-armed by the host. */
static int run_queued_chain(void) {
  const uint32_t nl = hdr.n_layers, n = hdr.n_images, bt = hdr.batch;
  const uint32_t nch = (n + bt - 1) / bt;
  /* Body lengths (chunk 0 into copy 0), then R copies per ring. */
  qR = QR_MAX;
  for (uint32_t l = 0; l < nl; ++l) {
    qS[l] = q_body(l, qmem[l], 0, bt, 0);
    if (QRING / qS[l] < qR) qR = QRING / qS[l];
  }
  qR &= ~1u;
  if (qR > nch) qR = nch;
  if (qR < 1) return EXIT_TILE_ERROR;
  const uint32_t half = qR > 1 ? qR / 2 : 1;
  qdescs = 0;
  uint32_t posted = 0;
  for (uint32_t l = 0; l < nl; ++l) {
    if (q_init(l, qR * qS[l])) return EXIT_TILE_ERROR;
    qvar_step[l] = l + 1 == nl ? 4u * bt * hdr.n_classes : bt * hdr.in_dim;
    if (l + 1 < nl) imcq_sem_post(tiles[l].index, SEM_CREDIT, 1);
  }
  /* The R first chunks, each started as soon as it is built (doorbells, consumers first). */
  for (posted = 0; posted < qR; ++posted) {
    const uint32_t c = posted, s0 = c * bt, b = n - s0 < bt ? n - s0 : bt;
    for (uint32_t l = 0; l < nl; ++l) {
      q_body(l, &qmem[l][c * qS[l]], s0, b, l + 1 == nl && (c + 1) % half == 0);
      if (c == 0) qvar_base[l] = qmem[l][qvar_k[l]].w[1];
    }
    for (uint32_t l = nl; l-- > 0;) {
      qr[l].pending = qhead0[l] + (c + 1) * qS[l];
      imcq_commit(&qr[l]);
    }
  }
  const uint32_t last = nl - 1;
  unsigned bad_tile = 0;
  while (posted < nch) {
    imcq_irq_take(tiles[last].index, IMCQ_IRQ_Q_DONE);
    uint32_t done = (imc_read(&tiles[last], IMC_Q_HEAD_OFFSET) - qhead0[last]) / qS[last];
    uint32_t avail = done + qR - posted; /* copies done with: re-arm half a ring at a time */
    if (avail >= half || (avail && posted + avail >= nch)) {
      const uint32_t target = nch < done + qR ? nch : done + qR;
      /* Upstream rings are past those copies too (their bodies end with the SEND the last
       * tile waited for); wait out the STATUS write-back so the new tail stays in the ring. */
      for (uint32_t l = 0; l < last; ++l)
        while ((int32_t)(imc_read(&tiles[l], IMC_Q_HEAD_OFFSET) -
                         (qhead0[l] + (target - qR) * qS[l])) < 0)
          if (imc_read(&tiles[l], IMC_Q_STATUS_OFFSET) & IMC_Q_STATUS_HALTED_MASK)
            return q_failed();
      for (; posted < target; ++posted) {
        const uint32_t c = posted, s0 = c * bt, b = n - s0 < bt ? n - s0 : bt;
        for (uint32_t l = 0; l < nl; ++l) {
          imcq_desc* d = &qmem[l][(c % qR) * qS[l]];
          if (b != bt) { /* a short last chunk: rebuild */
            q_body(l, d, s0, b, l == last && ((c % qR) + 1) % half == 0);
            continue;
          }
          d[qvar_k[l]].w[1] = qvar_base[l] + c * qvar_step[l];
          for (uint32_t k = 0; k < qS[l]; ++k) d[k].w[IMCQ_STATUS_WORD] = 0;
        }
      }
      for (uint32_t l = nl; l-- > 0;) {
        qr[l].pending = qhead0[l] + posted * qS[l];
        imcq_commit(&qr[l]);
      }
      ++qrefills;
      continue;
    }
    int err = imcq_wait_irq(&qr[last], IMCQ_IRQ_Q_DONE, &bad_tile);
    if (err) {
      printf(APP ": queue error %s on tile %u\n", imcq_error_name(err), bad_tile);
      return q_failed();
    }
  }
  return q_drain() ? q_failed() : 0;
}

#endif /* INFER_QUEUE_H */
