/* IMC tile command-queue HAL: descriptor rings in memory that a tile's command processor (CP)
 * executes on its own (docs/command-queues.md is the specification of the ring, the 64-byte
 * descriptor and every operation; registers in docs/register-maps.md).
 *
 *   imcq_ring q;                                   ring memory: 64-byte aligned imcq_desc[]
 *   imcq_init(&q, &tile, slots, 64, IMCQ_CTRL_IRQ_EMPTY);
 *   imcq_desc* d = imcq_next(&q);                  build in place (blocks while the ring is full)
 *   imcq_mvm(d, 128, 64, 1, IMC_BUF_IN, IMC_BUF_OUT, IMCQ_POST_SIGNED_IN, 0);
 *   imcq_commit(&q);                               Q_TAIL = doorbell
 *   int err = imcq_wait_idle(&q);                  polls Q_HEAD (or imcq_wait_irq: WFI)
 *   if (err) { imcq_fault f; imcq_fault_get(&q, &f); printf("%s\n", imcq_error_name(f.code)); }
 *
 * Descriptor builders (imcq_nop ... imcq_barrier, imcq_vec_*) fill all 16 words of one
 * descriptor exactly as the specification lays them out (unused words and STATUS = 0); they
 * only write memory and never block. OR IMCQ_FLAG_IRQ into word 0 (imcq_flag_irq) to raise
 * IRQ_STATUS.Q_DONE when that descriptor finishes.
 *
 * Which calls block: imcq_next, imcq_submit (only while the ring is full: they poll Q_HEAD),
 * imcq_wait_idle (polls Q_HEAD/Q_STATUS), imcq_wait_irq (sleeps in WFI). Everything else
 * returns at once.
 *
 * Addresses in descriptors are global (the tile's DMA view): TCM and DRAM addresses are the
 * host's, the tiles' buffers are IMCVP_TILE_ADDR(i) + offset. Offsets named *_off are offsets in
 * the executing tile's own window (IMC_BUF_IN, IMC_BUF_OUT, ...; imcvp/imc.h).
 *
 * Limits: one ring per tile, and one producer (the host) per ring; ring memory must be
 * reachable by the tile's DMA and 64-byte aligned, with 1..65536 slots; imcq_init and
 * imcq_reset must not run while the CP executes the ring; the IRQ-based wait uses the tile's
 * PLIC source through imc_irq_attach() (imcvp/imc.h), so it replaces a handler attached there
 * (the register path's DONE/ERROR bits are still reported to it if enabled in the mask).
 */
#ifndef IMCVP_IMC_QUEUE_H
#define IMCVP_IMC_QUEUE_H

#include <stdint.h>

#include "imcvp/imc.h"
#include "imcvp/imc_regs.h"

#define IMCQ_DESC_BYTES 64u
#define IMCQ_DESC_WORDS 16u
#define IMCQ_STATUS_WORD 15u
#define IMCQ_NUM_SEMS 16u
#define IMCQ_NO_SEM 0xFFu    /* SEND without a semaphore increment */
#define IMCQ_MAX_SIZE 65536u /* slots */

/* Operations (descriptor word 0, bits 7:0). */
enum imcq_op {
  IMCQ_OP_NOP = 0,
  IMCQ_OP_MVM = 1,
  IMCQ_OP_LOAD = 2,
  IMCQ_OP_STORE = 3,
  IMCQ_OP_SEND = 4,
  IMCQ_OP_WAIT = 5,
  IMCQ_OP_VEC = 6,
  IMCQ_OP_PROGRAM = 7,
  IMCQ_OP_SIGNAL = 8,
  IMCQ_OP_FENCE = 9,
  IMCQ_OP_BARRIER = 10,
  IMCQ_OP_LOOP = 11,
};
/* Operand words that LOOP increments may advance (docs/command-queues.md, LOOP). */
#define IMCQ_W_MVM_IN_OFF 4u
#define IMCQ_W_MVM_OUT_OFF 5u
#define IMCQ_W_PATTERN_BASE 1u /* LOAD/STORE BASE */
#define IMCQ_W_PATTERN_LOCAL 10u
#define IMCQ_W_SEND_SRC 1u
#define IMCQ_W_SEND_DST_OFF 4u

/* Vector unit operations (SUBOP, word 0 bits 31:16 of a VEC descriptor). */
enum imcq_vec_op {
  IMCQ_VEC_ADD = 0,
  IMCQ_VEC_RELU = 1,
  IMCQ_VEC_MAXPOOL = 2,
  IMCQ_VEC_AVGPOOL = 3,
  IMCQ_VEC_REQUANT = 4,
  IMCQ_VEC_COPY = 5,
  IMCQ_VEC_ADD32 = 6, /* int32 + int32, saturated (partial sums) */
};

/* Error codes of Q_STATUS.LAST_ERROR and the descriptor STATUS word (1..9 as the register
 * path's enum imc_error in imcvp/imc.h). */
enum imcq_error {
  IMCQ_OK = 0,
  IMCQ_ERR_BAD_OP = 2,
  IMCQ_ERR_BAD_DIM = 3,
  IMCQ_ERR_BAD_BATCH = 4,
  IMCQ_ERR_DMA = 5,
  IMCQ_ERR_WEIGHT_RANGE = 6,
  IMCQ_ERR_CELL_WORN = 7,
  IMCQ_ERR_BAD_DMA_RANGE = 8,
  IMCQ_ERR_NOT_PROGRAMMED = 9,
  IMCQ_ERR_BAD_QUEUE = 10,
  IMCQ_ERR_BAD_TILE = 11,
  IMCQ_ERR_BAD_PATTERN = 12,
  IMCQ_ERR_BAD_SEM = 13,
  IMCQ_ERR_DEADLOCK = 14,
  IMCQ_ERR_HAL_ARG = 254, /* HAL: bad argument to imcq_init (size, alignment) */
};

/* Word 0 flag: raise IRQ_STATUS.Q_DONE when the descriptor finishes. */
#define IMCQ_FLAG_IRQ (1u << 8)
/* MVM POST bits (word 6). */
#define IMCQ_POST_SIGNED_IN 0x1u
#define IMCQ_POST_BIAS 0x2u
#define IMCQ_POST_RELU 0x4u
#define IMCQ_POST_REQUANT 0x8u
/* Q_CTRL bits for imcq_init's ctrl argument (ENABLE is always set by imcq_init). */
#define IMCQ_CTRL_ENABLE IMC_Q_CTRL_ENABLE_MASK
#define IMCQ_CTRL_IRQ_EMPTY IMC_Q_CTRL_IRQ_EMPTY_MASK
#define IMCQ_CTRL_STOP_ON_ERROR IMC_Q_CTRL_STOP_ON_ERROR_MASK
/* IRQ_ENABLE / IRQ_STATUS queue bits. */
#define IMCQ_IRQ_Q_DONE IMC_IRQ_STATUS_Q_DONE_MASK
#define IMCQ_IRQ_Q_ERROR IMC_IRQ_STATUS_Q_ERROR_MASK
#define IMCQ_IRQ_Q_EMPTY IMC_IRQ_STATUS_Q_EMPTY_MASK
#define IMCQ_IRQ_Q_SIGNAL IMC_IRQ_STATUS_Q_SIGNAL_MASK

/* One 64-byte descriptor. */
typedef struct imcq_desc {
  uint32_t w[IMCQ_DESC_WORDS];
} __attribute__((aligned(64))) imcq_desc;

/* STATUS word (15) fields, written back by the CP. */
static inline int imcq_status_done(uint32_t st) {
  return (int)(st & 1u);
}
static inline uint32_t imcq_status_code(uint32_t st) {
  return (st >> 8) & 0xFFu;
}
static inline uint32_t imcq_status_field(uint32_t st) {
  return st >> 16;
}

/* LOAD/STORE pattern: the global side is a 2-D byte tensor of `height` rows of `width` bytes,
 * row r at base + r*pitch; the box is z planes of y rows of x bytes, plane k starting at tensor
 * position (row0 + k*dz_row, col0 + k*dz_col); the local side is packed at local_off
 * (+ k*local_zstride, 0 = x*y). LOAD writes `pad` for positions outside the tensor; STORE
 * skips them. */
typedef struct imcq_pattern {
  uint32_t base, pitch;
  uint16_t width, height;
  int32_t col0, row0;
  uint16_t x, y, z;
  uint8_t pad;
  int32_t dz_col, dz_row;
  uint32_t local_off, local_zstride;
} imcq_pattern;

/* A contiguous run of len (1..65535) bytes at global address addr <-> local offset local_off. */
static inline imcq_pattern imcq_pattern_1d(uint32_t addr, uint32_t len, uint32_t local_off) {
  imcq_pattern p = {addr, len, (uint16_t)len, 1, 0, 0, (uint16_t)len, 1, 1, 0, 0, 0, local_off, 0};
  return p;
}

/* ---- descriptor builders: each fills all 16 words of *d (STATUS = 0) ---- */
/* Word 0 = w0, words 1..15 = 0. Explicit stores: GCC would turn a loop into a call to
 * picolibc's byte-wise memset (~4 instructions per byte); the builders' own stores then
 * replace some of these when inlined. */
static inline void imcq_clear(imcq_desc* d, uint32_t w0) {
  uint32_t* w = d->w;
  w[0] = w0;
  w[1] = 0;
  w[2] = 0;
  w[3] = 0;
  w[4] = 0;
  w[5] = 0;
  w[6] = 0;
  w[7] = 0;
  w[8] = 0;
  w[9] = 0;
  w[10] = 0;
  w[11] = 0;
  w[12] = 0;
  w[13] = 0;
  w[14] = 0;
  w[15] = 0;
}
static inline void imcq_flag_irq(imcq_desc* d) {
  d->w[0] |= IMCQ_FLAG_IRQ;
}
static inline void imcq_nop(imcq_desc* d) {
  imcq_clear(d, IMCQ_OP_NOP);
}
/* MVM of `batch` vectors: vector b read at in_off + b*rows, written at out_off + b*cols (int8
 * with IMCQ_POST_REQUANT) or out_off + 4*b*cols (int32). post: IMCQ_POST_* bits; shift 0..63. */
static inline void imcq_mvm(imcq_desc* d, uint32_t rows, uint32_t cols, uint32_t batch,
                            uint32_t in_off, uint32_t out_off, uint32_t post, uint32_t shift) {
  imcq_clear(d, IMCQ_OP_MVM);
  d->w[1] = rows;
  d->w[2] = cols;
  d->w[3] = batch;
  d->w[4] = in_off;
  d->w[5] = out_off;
  d->w[6] = post;
  d->w[7] = shift;
}
/* Selects the sub-array of an MVM: rows row0.., columns col0.. (BIAS/SCALE by column). */
static inline void imcq_mvm_at(imcq_desc* d, uint32_t row0, uint32_t col0) {
  d->w[8] = row0;
  d->w[9] = col0;
}
static inline void imcq_pattern_words(imcq_desc* d, const imcq_pattern* p) {
  d->w[1] = p->base;
  d->w[2] = p->pitch;
  d->w[3] = (uint32_t)p->width | (uint32_t)p->height << 16;
  d->w[4] = (uint32_t)p->col0;
  d->w[5] = (uint32_t)p->row0;
  d->w[6] = (uint32_t)p->x | (uint32_t)p->y << 16;
  d->w[7] = (uint32_t)p->z | (uint32_t)p->pad << 16;
  d->w[8] = (uint32_t)p->dz_col;
  d->w[9] = (uint32_t)p->dz_row;
  d->w[10] = p->local_off;
  d->w[11] = p->local_zstride;
}
/* LOAD: global tensor -> local buffer. */
static inline void imcq_load(imcq_desc* d, const imcq_pattern* p) {
  imcq_clear(d, IMCQ_OP_LOAD);
  imcq_pattern_words(d, p);
}
/* STORE: local buffer -> global tensor (out-of-bounds elements skipped). */
static inline void imcq_store(imcq_desc* d, const imcq_pattern* p) {
  imcq_clear(d, IMCQ_OP_STORE);
  imcq_pattern_words(d, p);
}
/* SEND len bytes (may be 0) from src_off to tile dst_tile's window at dst_off, then add inc to
 * that tile's SEM[sem] (IMCQ_NO_SEM: none). */
static inline void imcq_send(imcq_desc* d, uint32_t src_off, uint32_t len, uint32_t dst_tile,
                             uint32_t dst_off, uint32_t sem, uint32_t inc) {
  imcq_clear(d, IMCQ_OP_SEND);
  d->w[1] = src_off;
  d->w[2] = len;
  d->w[3] = dst_tile;
  d->w[4] = dst_off;
  d->w[5] = sem;
  d->w[6] = inc;
}
/* WAIT until the own SEM[sem] >= count, then subtract count. */
static inline void imcq_wait(imcq_desc* d, uint32_t sem, uint32_t count) {
  imcq_clear(d, IMCQ_OP_WAIT);
  d->w[1] = sem;
  d->w[2] = count;
}
/* VEC: every subop below; w[] as in the VEC table of docs/command-queues.md. */
static inline void imcq_vec(imcq_desc* d, enum imcq_vec_op sub, uint32_t a_off, uint32_t b_off,
                            uint32_t dst_off, uint32_t n, uint32_t w5, uint32_t w6, uint32_t w7,
                            uint32_t w8) {
  imcq_clear(d, IMCQ_OP_VEC | (uint32_t)sub << 16);
  d->w[1] = a_off;
  d->w[2] = b_off;
  d->w[3] = dst_off;
  d->w[4] = n;
  d->w[5] = w5;
  d->w[6] = w6;
  d->w[7] = w7;
  d->w[8] = w8;
}
/* dst[i] = sat8((a[i]*ma + b[i]*mb + 2^(shift-1)) >> shift). */
static inline void imcq_vec_add(imcq_desc* d, uint32_t a_off, uint32_t b_off, uint32_t dst_off,
                                uint32_t n, int32_t ma, int32_t mb, uint32_t shift) {
  imcq_vec(d, IMCQ_VEC_ADD, a_off, b_off, dst_off, n, (uint32_t)ma, (uint32_t)mb, shift, 0);
}
static inline void imcq_vec_relu(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n) {
  imcq_vec(d, IMCQ_VEC_RELU, a_off, 0, dst_off, n, 0, 0, 0, 0);
}
/* dst[i] = max over j < k of a[j*stride + i]. */
static inline void imcq_vec_maxpool(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n,
                                    uint32_t k, uint32_t stride) {
  imcq_vec(d, IMCQ_VEC_MAXPOOL, a_off, 0, dst_off, n, k, stride, 0, 0);
}
/* dst[i] = floor((2*sum_j a[j*stride + i] + k) / (2k)). */
static inline void imcq_vec_avgpool(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n,
                                    uint32_t k, uint32_t stride) {
  imcq_vec(d, IMCQ_VEC_AVGPOOL, a_off, 0, dst_off, n, k, stride, 0, 0);
}
/* int32 a[i] -> dst[i] = sat8((a[i]*mul + 2^(shift-1)) >> shift), then ReLU if relu. */
static inline void imcq_vec_requant(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n,
                                    int32_t mul, uint32_t shift, int relu) {
  imcq_vec(d, IMCQ_VEC_REQUANT, a_off, 0, dst_off, n, (uint32_t)mul, 0, shift, relu ? 1u : 0u);
}
/* dst[i] = sat32(a[i] + b[i]) over n int32 elements (offsets of 4-byte-element ranges). */
static inline void imcq_vec_add32(imcq_desc* d, uint32_t a_off, uint32_t b_off, uint32_t dst_off,
                                  uint32_t n) {
  imcq_vec(d, IMCQ_VEC_ADD32, a_off, b_off, dst_off, n, 0, 0, 0, 0);
}
static inline void imcq_vec_copy(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n) {
  imcq_vec(d, IMCQ_VEC_COPY, a_off, 0, dst_off, n, 0, 0, 0, 0);
}
/* PROGRAM rows x cols int8 weights (row-major) streamed from global address src. */
static inline void imcq_program(imcq_desc* d, uint32_t src, uint32_t rows, uint32_t cols) {
  imcq_clear(d, IMCQ_OP_PROGRAM);
  d->w[1] = src;
  d->w[2] = rows;
  d->w[3] = cols;
}
/* Q_SIGNAL = value and IRQ_STATUS.Q_SIGNAL. */
static inline void imcq_signal(imcq_desc* d, uint32_t value) {
  imcq_clear(d, IMCQ_OP_SIGNAL);
  d->w[1] = value;
}
static inline void imcq_fence(imcq_desc* d) {
  imcq_clear(d, IMCQ_OP_FENCE);
}
/* LOOP: the next `body` descriptors run `count` times (body < ring size, already in the ring
 * when the LOOP runs). In iteration i each body descriptor's loop increments apply (imcq_inc). */
static inline void imcq_loop(imcq_desc* d, uint32_t count, uint32_t body) {
  imcq_clear(d, IMCQ_OP_LOOP);
  d->w[1] = count;
  d->w[2] = body;
}
/* Loop increment of a (built) descriptor: inside a LOOP body, iteration i adds i*inc to operand
 * word `word` (1..11, e.g. IMCQ_W_PATTERN_BASE). Up to two per descriptor: the first call sets
 * WORD_A/INC_A, the second WORD_B/INC_B. Returns -1 if both are taken or word is out of range. */
static inline int imcq_inc(imcq_desc* d, uint32_t word, uint32_t inc) {
  if (word < 1 || word > 11) return -1;
  if ((d->w[13] & 0xFu) == 0) {
    d->w[13] |= word;
    d->w[14] = inc;
  } else if (((d->w[13] >> 4) & 0xFu) == 0) {
    d->w[13] |= word << 4;
    d->w[12] = inc;
  } else {
    return -1;
  }
  return 0;
}
/* BARRIER of the tiles in mask (bit t = tile t, including this one) on semaphore sem. */
static inline void imcq_barrier(imcq_desc* d, uint64_t mask, uint32_t sem) {
  imcq_clear(d, IMCQ_OP_BARRIER);
  d->w[1] = (uint32_t)mask;
  d->w[2] = (uint32_t)(mask >> 32);
  d->w[3] = sem;
}

/* ---- rings ---- */
typedef struct imcq_ring {
  imc_tile tile;    /* the tile executing the ring (a copy of imc_open's result) */
  imcq_desc* slots; /* ring memory, `size` descriptors */
  uint32_t size;
  uint32_t tail;    /* descriptors handed to the CP (last Q_TAIL written) */
  uint32_t pending; /* descriptors built with imcq_next, >= tail */
  uint32_t head;    /* last Q_HEAD read */
} imcq_ring;

/* Points tile t's queue at `slots` (size descriptors, 64-byte aligned), discards whatever the
 * ring held (Q_TAIL = Q_HEAD) and enables it with ctrl (IMCQ_CTRL_IRQ_EMPTY,
 * IMCQ_CTRL_STOP_ON_ERROR; pass IMCQ_CTRL_STOP_ON_ERROR for the reset behaviour). Returns
 * IMCQ_OK or IMCQ_ERR_HAL_ARG. Does not block. */
int imcq_init(imcq_ring* q, const imc_tile* t, imcq_desc* slots, uint32_t size, uint32_t ctrl);
/* Descriptors that can be built before the ring is full (from the cached head; imcq_space
 * re-reads Q_HEAD when the cache says full). */
uint32_t imcq_space(imcq_ring* q);
/* The slot for the next descriptor (STATUS cleared); the caller fills it with a builder, and
 * imcq_commit hands it to the CP. Blocks (polling Q_HEAD) while the ring is full; returns NULL
 * if the CP halted on an error meanwhile (nothing would ever free a slot). */
imcq_desc* imcq_next(imcq_ring* q);
/* Doorbell: makes every descriptor built since the last commit visible (fence), then writes
 * Q_TAIL. Returns how many descriptors it handed over. Does not block. */
uint32_t imcq_commit(imcq_ring* q);
/* Copies n descriptors into the ring (STATUS cleared) and rings the doorbell, in chunks when
 * the ring is smaller than n (blocks until the CP frees slots). Returns IMCQ_OK, or the CP's
 * error code if it halted while the call waited for space. */
int imcq_submit(imcq_ring* q, const imcq_desc* d, uint32_t n);
/* 1 when the CP consumed everything committed (Q_HEAD == tail). One register read. */
int imcq_idle(imcq_ring* q);
/* Blocks, polling Q_HEAD and Q_STATUS, until the CP consumed every committed descriptor or
 * halted on an error. Returns IMCQ_OK or Q_STATUS.LAST_ERROR (then see imcq_fault_get). */
int imcq_wait_idle(imcq_ring* q);
/* Discards committed but not yet executed descriptors (Q_TAIL = Q_HEAD) and clears HALTED
 * (Q_CTRL.ENABLE 0 -> 1). Call when the CP is halted or idle. */
void imcq_reset(imcq_ring* q);

/* ---- interrupts ---- */
/* Enables the tile's queue interrupts in `mask` (IMCQ_IRQ_*; IMC_IRQ_DONE/ERROR allowed too)
 * through the PLIC (imc_irq_attach). The handler accumulates IRQ_STATUS per tile for
 * imcq_irq_take/imcq_wait_irq. Global interrupts (mstatus.MIE) are left to the caller: the
 * waits below enable them while they sleep. Returns 0 or -1. */
int imcq_irq_attach(imcq_ring* q, uint32_t mask);
/* Returns and clears the accumulated IRQ_STATUS bits of tile `tile` that are in `bits`. */
uint32_t imcq_irq_take(unsigned tile, uint32_t bits);
/* Sleeps in WFI until tile q reported one of `bits` (e.g. IMCQ_IRQ_Q_EMPTY) or any attached
 * tile reported IMCQ_IRQ_Q_ERROR. Takes (clears) the bits it returns on. Returns IMCQ_OK, or
 * the error code of the first tile that reported Q_ERROR (*err_tile = its index, if not NULL).
 * Blocks; needs imcq_irq_attach for q (and for every tile whose errors should wake it). */
int imcq_wait_irq(imcq_ring* q, uint32_t bits, unsigned* err_tile);

/* ---- errors ---- */
typedef struct imcq_fault {
  unsigned tile;   /* tile index */
  uint32_t index;  /* queue index (free-running) of the failing descriptor: Q_ERR_INDEX */
  uint32_t op;     /* its OP (and SUBOP << 16 for VEC), 0xFFFFFFFF for a ring error */
  uint32_t code;   /* error code (enum imcq_error) */
  uint32_t field;  /* the failing word's index (0: none, or a ring error) */
  uint32_t info;   /* ERROR_INFO: address, value, ... */
  uint32_t status; /* the descriptor's STATUS word as written back */
  uint32_t q_status;
} imcq_fault;
/* Decodes the ring's last error: Q_STATUS, Q_ERR_INDEX, ERROR_INFO and the failing
 * descriptor's STATUS word (the slot is still intact: a halted CP does not advance). Returns
 * the error code (0: the ring has not failed; *f is then zeroed). Does not block. */
int imcq_fault_get(const imcq_ring* q, imcq_fault* f);
/* "ok", "bad_op", ..., "deadlock"; "unknown" otherwise. */
const char* imcq_error_name(int code);
/* "mvm", "load", ..., "barrier" (VEC: "add", "relu", ... from word 0's SUBOP). */
const char* imcq_op_name(uint32_t w0);

/* ---- semaphores (host side) ---- */
/* Adds v to tile `tile`'s SEM[k] (wrapping), waking a WAIT there. One register write. */
static inline void imcq_sem_post(unsigned tile, unsigned k, uint32_t v) {
  imcvp_write32(IMCVP_TILE_ADDR(tile) + IMC_SEM0_OFFSET + 4u * k, v);
}
static inline uint32_t imcq_sem_read(unsigned tile, unsigned k) {
  return imcvp_read32(IMCVP_TILE_ADDR(tile) + IMC_SEM0_OFFSET + 4u * k);
}

#endif /* IMCVP_IMC_QUEUE_H */
