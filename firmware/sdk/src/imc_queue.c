/* IMC tile command-queue HAL (see imcvp/imc_queue.h). */
#include "imcvp/imc_queue.h"

#include <stddef.h>

#include "imcvp/irq.h"

/* Orders the descriptor stores (normal memory) before the doorbell (device write). */
static inline void imcq_publish_fence(void) {
  __asm__ volatile("fence w, o" ::: "memory");
}

static inline uint32_t q_read(const imcq_ring* q, uint32_t off) {
  return imcvp_read32(q->tile.base + off);
}
static inline void q_write(const imcq_ring* q, uint32_t off, uint32_t v) {
  imcvp_write32(q->tile.base + off, v);
}

static int q_halted(const imcq_ring* q) {
  return (q_read(q, IMC_Q_STATUS_OFFSET) & IMC_Q_STATUS_HALTED_MASK) != 0;
}

static int q_last_error(const imcq_ring* q) {
  return (int)((q_read(q, IMC_Q_STATUS_OFFSET) & IMC_Q_STATUS_LAST_ERROR_MASK) >>
               IMC_Q_STATUS_LAST_ERROR_SHIFT);
}

int imcq_init(imcq_ring* q, const imc_tile* t, imcq_desc* slots, uint32_t size, uint32_t ctrl) {
  if (size == 0 || size > IMCQ_MAX_SIZE || ((uintptr_t)slots % IMCQ_DESC_BYTES) != 0)
    return IMCQ_ERR_HAL_ARG;
  q->tile = *t;
  q->slots = slots;
  q->size = size;
  q_write(q, IMC_Q_CTRL_OFFSET, 0);
  q_write(q, IMC_Q_BASE_OFFSET, (uint32_t)(uintptr_t)slots);
  q_write(q, IMC_Q_SIZE_OFFSET, size);
  q->head = q_read(q, IMC_Q_HEAD_OFFSET);
  q->tail = q->pending = q->head;
  q_write(q, IMC_Q_TAIL_OFFSET, q->tail);
  q_write(q, IMC_Q_CTRL_OFFSET, (ctrl & ~IMCQ_CTRL_ENABLE) | IMCQ_CTRL_ENABLE);
  return IMCQ_OK;
}

uint32_t imcq_space(imcq_ring* q) {
  uint32_t used = q->pending - q->head;
  if (used >= q->size) {
    q->head = q_read(q, IMC_Q_HEAD_OFFSET);
    used = q->pending - q->head;
  }
  return used >= q->size ? 0 : q->size - used;
}

/* Waits until at least one slot is free; 0 if the CP halted (or stopped) with the ring full. */
static int q_wait_space(imcq_ring* q) {
  while (imcq_space(q) == 0) {
    if (q->pending != q->tail) imcq_commit(q); /* the CP cannot free what it was not given */
    if (q_halted(q)) return 0;
  }
  return 1;
}

imcq_desc* imcq_next(imcq_ring* q) {
  if (!q_wait_space(q)) return NULL;
  imcq_desc* d = &q->slots[q->pending % q->size];
  d->w[IMCQ_STATUS_WORD] = 0;
  ++q->pending;
  return d;
}

uint32_t imcq_commit(imcq_ring* q) {
  uint32_t n = q->pending - q->tail;
  if (n == 0) return 0;
  imcq_publish_fence();
  q->tail = q->pending;
  q_write(q, IMC_Q_TAIL_OFFSET, q->tail);
  return n;
}

int imcq_submit(imcq_ring* q, const imcq_desc* d, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    imcq_desc* s = imcq_next(q);
    if (!s) return q_last_error(q);
    for (unsigned k = 0; k < IMCQ_STATUS_WORD; ++k) s->w[k] = d[i].w[k];
  }
  imcq_commit(q);
  return IMCQ_OK;
}

int imcq_idle(imcq_ring* q) {
  q->head = q_read(q, IMC_Q_HEAD_OFFSET);
  return q->head == q->tail;
}

int imcq_wait_idle(imcq_ring* q) {
  for (;;) {
    int idle = imcq_idle(q);
    if (q_halted(q)) return q_last_error(q);
    if (idle) return IMCQ_OK;
  }
}

void imcq_reset(imcq_ring* q) {
  uint32_t ctrl = q_read(q, IMC_Q_CTRL_OFFSET);
  q_write(q, IMC_Q_CTRL_OFFSET, ctrl & ~IMCQ_CTRL_ENABLE);
  q->head = q_read(q, IMC_Q_HEAD_OFFSET);
  q->tail = q->pending = q->head;
  q_write(q, IMC_Q_TAIL_OFFSET, q->tail);
  q_write(q, IMC_Q_CTRL_OFFSET, ctrl | IMCQ_CTRL_ENABLE);
}

/* ---- interrupts ---- */
static volatile uint32_t irq_seen[IMC_MAX_TILES];
static volatile uint32_t irq_attached[(IMC_MAX_TILES + 31) / 32];

static void imcq_on_irq(unsigned tile, uint32_t st) {
  if (tile < IMC_MAX_TILES) irq_seen[tile] |= st;
}

int imcq_irq_attach(imcq_ring* q, uint32_t mask) {
  unsigned i = q->tile.index;
  if (i >= IMC_MAX_TILES) return -1;
  q_write(q, IMC_IRQ_STATUS_OFFSET,
          IMCQ_IRQ_Q_DONE | IMCQ_IRQ_Q_ERROR | IMCQ_IRQ_Q_EMPTY | IMCQ_IRQ_Q_SIGNAL);
  irq_seen[i] = 0;
  irq_attached[i / 32] |= 1u << (i % 32);
  return imc_irq_attach(&q->tile, mask, imcq_on_irq);
}

uint32_t imcq_irq_take(unsigned tile, uint32_t bits) {
  if (tile >= IMC_MAX_TILES) return 0;
  uint32_t s = imcvp_irq_save();
  uint32_t v = irq_seen[tile] & bits;
  irq_seen[tile] &= ~v;
  imcvp_irq_restore(s);
  return v;
}

int imcq_wait_irq(imcq_ring* q, uint32_t bits, unsigned* err_tile) {
  uint32_t saved = imcvp_irq_save(); /* MIE off: no interrupt between the check and WFI */
  int result = IMCQ_OK;
  for (;;) {
    for (unsigned i = 0; i < IMC_MAX_TILES; ++i) {
      if (!(irq_attached[i / 32] >> (i % 32) & 1u) || !(irq_seen[i] & IMCQ_IRQ_Q_ERROR)) continue;
      irq_seen[i] &= ~IMCQ_IRQ_Q_ERROR;
      if (err_tile) *err_tile = i;
      result = (int)((imcvp_read32(IMCVP_TILE_ADDR(i) + IMC_Q_STATUS_OFFSET) &
                      IMC_Q_STATUS_LAST_ERROR_MASK) >>
                     IMC_Q_STATUS_LAST_ERROR_SHIFT);
      if (result == IMCQ_OK) result = IMCQ_ERR_BAD_QUEUE; /* a register-path ERROR bit */
      goto out;
    }
    if (irq_seen[q->tile.index] & bits) {
      irq_seen[q->tile.index] &= ~bits;
      goto out;
    }
    imcvp_wfi();               /* wakes on a pending enabled interrupt even with MIE = 0 */
    imcvp_irq_enable_global(); /* take it: the PLIC handler records IRQ_STATUS */
    imcvp_irq_disable_global();
  }
out:
  imcvp_irq_restore(saved);
  return result;
}

/* ---- errors ---- */
int imcq_fault_get(const imcq_ring* q, imcq_fault* f) {
  f->tile = q->tile.index;
  f->q_status = q_read(q, IMC_Q_STATUS_OFFSET);
  f->code = (f->q_status & IMC_Q_STATUS_LAST_ERROR_MASK) >> IMC_Q_STATUS_LAST_ERROR_SHIFT;
  if (f->code == 0) {
    f->index = f->op = f->field = f->info = f->status = 0;
    return 0;
  }
  f->index = q_read(q, IMC_Q_ERR_INDEX_OFFSET);
  f->info = q_read(q, IMC_ERROR_INFO_OFFSET);
  const imcq_desc* d = &q->slots[f->index % q->size];
  f->status = d->w[IMCQ_STATUS_WORD];
  if (imcq_status_code(f->status) == f->code) {
    f->op = d->w[0] & 0xFFu;
    if (f->op == IMCQ_OP_VEC) f->op |= d->w[0] & 0xFFFF0000u;
    f->field = imcq_status_field(f->status);
  } else {
    /* No matching write-back: the ring itself failed (bad_queue, descriptor fetch). */
    f->op = 0xFFFFFFFFu;
    f->field = 0;
  }
  return (int)f->code;
}

const char* imcq_error_name(int code) {
  static const char* const names[] = {
      "ok",        "busy",         "bad_op",      "bad_dim",       "bad_batch",
      "dma",       "weight_range", "cell_worn",   "bad_dma_range", "not_programmed",
      "bad_queue", "bad_tile",     "bad_pattern", "bad_sem",       "deadlock"};
  if (code >= 0 && code < (int)(sizeof names / sizeof names[0])) return names[code];
  if (code == IMCQ_ERR_HAL_ARG) return "hal_arg";
  return "unknown";
}

const char* imcq_op_name(uint32_t w0) {
  static const char* const ops[] = {"nop", "mvm",     "load",   "store", "send",    "wait",
                                    "vec", "program", "signal", "fence", "barrier", "loop"};
  static const char* const vecs[] = {"add",     "relu", "maxpool", "avgpool",
                                     "requant", "copy", "add32"};
  if (w0 == 0xFFFFFFFFu) return "ring";
  uint32_t op = w0 & 0xFFu, sub = w0 >> 16;
  if (op == IMCQ_OP_VEC) return sub < sizeof vecs / sizeof vecs[0] ? vecs[sub] : "vec?";
  return op < sizeof ops / sizeof ops[0] ? ops[op] : "unknown";
}
