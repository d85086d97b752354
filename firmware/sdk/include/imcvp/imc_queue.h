/**
 * @file imcvp/imc_queue.h
 * @brief IMC tile command-queue HAL: descriptor rings in memory that a tile's command processor
 * (CP) executes on its own (docs/command-queues.md is the specification of the ring, the 64-byte
 * descriptor and every operation; registers in docs/register-maps.md).
 *
 * @code
 *   imcq_ring q;                          // ring memory: 64-byte aligned imcq_desc[]
 *   imcq_init(&q, &tile, slots, 64, IMCQ_CTRL_IRQ_EMPTY);
 *   imcq_desc* d = imcq_next(&q);         // build in place (blocks while the ring is full)
 *   imcq_mvm(d, 128, 64, 1, IMC_BUF_IN, IMC_BUF_OUT, IMCQ_POST_SIGNED_IN, 0);
 *   imcq_commit(&q);                      // Q_TAIL = doorbell
 *   int err = imcq_wait_idle(&q);         // polls Q_HEAD (or imcq_wait_irq: WFI)
 *   if (err) { imcq_fault f; imcq_fault_get(&q, &f); printf("%s\n", imcq_error_name(f.code)); }
 * @endcode
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

#define IMCQ_DESC_BYTES 64u  /**< bytes per descriptor */
#define IMCQ_DESC_WORDS 16u  /**< words per descriptor */
#define IMCQ_STATUS_WORD 15u /**< index of the STATUS word */
#define IMCQ_NUM_SEMS 16u    /**< semaphores per tile */
#define IMCQ_NO_SEM 0xFFu    /**< SEND without a semaphore increment */
#define IMCQ_MAX_SIZE 65536u /**< most slots in a ring */

/** Operations (descriptor word 0, bits 7:0). */
enum imcq_op {
  IMCQ_OP_NOP = 0,      /**< nothing */
  IMCQ_OP_MVM = 1,      /**< matrix-vector multiply */
  IMCQ_OP_LOAD = 2,     /**< global tensor -> local buffer */
  IMCQ_OP_STORE = 3,    /**< local buffer -> global tensor */
  IMCQ_OP_SEND = 4,     /**< copy to another tile, post its semaphore */
  IMCQ_OP_WAIT = 5,     /**< wait on the own semaphore */
  IMCQ_OP_VEC = 6,      /**< vector unit operation */
  IMCQ_OP_PROGRAM = 7,  /**< program weights */
  IMCQ_OP_SIGNAL = 8,   /**< Q_SIGNAL and its interrupt */
  IMCQ_OP_FENCE = 9,    /**< wait for earlier descriptors */
  IMCQ_OP_BARRIER = 10, /**< barrier of several tiles */
  IMCQ_OP_LOOP = 11,    /**< repeat the next descriptors */
};
/* Operand words that LOOP increments may advance (docs/command-queues.md, LOOP). */
#define IMCQ_W_MVM_IN_OFF 4u     /**< MVM IN_OFF */
#define IMCQ_W_MVM_OUT_OFF 5u    /**< MVM OUT_OFF */
#define IMCQ_W_PATTERN_BASE 1u   /**< LOAD/STORE BASE */
#define IMCQ_W_PATTERN_LOCAL 10u /**< LOAD/STORE LOCAL_OFF */
#define IMCQ_W_SEND_SRC 1u       /**< SEND SRC_OFF */
#define IMCQ_W_SEND_DST_OFF 4u   /**< SEND DST_OFF */

/** Vector unit operations (SUBOP, word 0 bits 31:16 of a VEC descriptor). */
enum imcq_vec_op {
  IMCQ_VEC_ADD = 0,     /**< int8 a*ma + b*mb, shifted, saturated */
  IMCQ_VEC_RELU = 1,    /**< int8 ReLU */
  IMCQ_VEC_MAXPOOL = 2, /**< max pooling */
  IMCQ_VEC_AVGPOOL = 3, /**< average pooling */
  IMCQ_VEC_REQUANT = 4, /**< int32 -> int8 requantisation */
  IMCQ_VEC_COPY = 5,    /**< byte copy */
  IMCQ_VEC_ADD32 = 6,   /**< int32 + int32, saturated (partial sums) */
};

/** Error codes of Q_STATUS.LAST_ERROR and the descriptor STATUS word (1..9 as the register
 * path's enum imc_error in imcvp/imc.h; the rest in docs/command-queues.md). */
enum imcq_error {
  IMCQ_OK = 0,                 /**< success */
  IMCQ_ERR_BAD_OP = 2,         /**< unknown operation */
  IMCQ_ERR_BAD_DIM = 3,        /**< dimensions outside the array */
  IMCQ_ERR_BAD_BATCH = 4,      /**< bad batch */
  IMCQ_ERR_DMA = 5,            /**< a DMA transfer failed */
  IMCQ_ERR_WEIGHT_RANGE = 6,   /**< a weight outside the device range */
  IMCQ_ERR_CELL_WORN = 7,      /**< write endurance exhausted */
  IMCQ_ERR_BAD_DMA_RANGE = 8,  /**< a range outside a buffer */
  IMCQ_ERR_NOT_PROGRAMMED = 9, /**< MVM before PROGRAM */
  IMCQ_ERR_BAD_QUEUE = 10,     /**< bad ring (base, size) */
  IMCQ_ERR_BAD_TILE = 11,      /**< no such tile (SEND, BARRIER) */
  IMCQ_ERR_BAD_PATTERN = 12,   /**< bad LOAD/STORE pattern */
  IMCQ_ERR_BAD_SEM = 13,       /**< bad semaphore number */
  IMCQ_ERR_DEADLOCK = 14,      /**< a WAIT that nothing can satisfy */
  IMCQ_ERR_HAL_ARG = 254,      /**< HAL: bad argument to imcq_init (size, alignment) */
};

/* Word 0 flag: raise IRQ_STATUS.Q_DONE when the descriptor finishes. */
#define IMCQ_FLAG_IRQ (1u << 8) /**< word 0: raise Q_DONE when the descriptor finishes */
/* MVM POST bits (word 6). */
#define IMCQ_POST_SIGNED_IN 0x1u /**< MVM POST: signed inputs */
#define IMCQ_POST_BIAS 0x2u      /**< MVM POST: add bias */
#define IMCQ_POST_RELU 0x4u      /**< MVM POST: ReLU */
#define IMCQ_POST_REQUANT 0x8u   /**< MVM POST: requantise to int8 */
/* Q_CTRL bits for imcq_init's ctrl argument (ENABLE is always set by imcq_init). */
#define IMCQ_CTRL_ENABLE IMC_Q_CTRL_ENABLE_MASK /**< Q_CTRL: enable (always set by imcq_init) */
#define IMCQ_CTRL_IRQ_EMPTY \
  IMC_Q_CTRL_IRQ_EMPTY_MASK /**< Q_CTRL: Q_EMPTY interrupt when the ring drains */
#define IMCQ_CTRL_STOP_ON_ERROR IMC_Q_CTRL_STOP_ON_ERROR_MASK /**< Q_CTRL: halt on an error */
/* IRQ_ENABLE / IRQ_STATUS queue bits. */
#define IMCQ_IRQ_Q_DONE IMC_IRQ_STATUS_Q_DONE_MASK     /**< an IMCQ_FLAG_IRQ descriptor finished */
#define IMCQ_IRQ_Q_ERROR IMC_IRQ_STATUS_Q_ERROR_MASK   /**< the CP halted on an error */
#define IMCQ_IRQ_Q_EMPTY IMC_IRQ_STATUS_Q_EMPTY_MASK   /**< the ring drained */
#define IMCQ_IRQ_Q_SIGNAL IMC_IRQ_STATUS_Q_SIGNAL_MASK /**< a SIGNAL ran */

/** One 64-byte descriptor (docs/command-queues.md). */
typedef struct imcq_desc {
  uint32_t w[IMCQ_DESC_WORDS]; /**< words 0..15; word 15 is STATUS (written back by the CP) */
} __attribute__((aligned(64))) imcq_desc;

/**
 * @brief Whether a STATUS word says the descriptor finished.
 * @param st the STATUS word (w[IMCQ_STATUS_WORD])
 * @return 1 if done, else 0
 * @blocking no
 * @errors none
 *
 * Example: `if (imcq_status_done(d->w[IMCQ_STATUS_WORD])) ...`
 */
static inline int imcq_status_done(uint32_t st) {
  return (int)(st & 1u);
}
/**
 * @brief The error code of a STATUS word.
 * @param st the STATUS word
 * @return the code (enum imcq_error; 0 = ok)
 * @blocking no
 * @errors none
 *
 * Example: `uint32_t c = imcq_status_code(d->w[IMCQ_STATUS_WORD]);`
 */
static inline uint32_t imcq_status_code(uint32_t st) {
  return (st >> 8) & 0xFFu;
}
/**
 * @brief The failing word's index of a STATUS word.
 * @param st the STATUS word
 * @return the word index (0: none)
 * @blocking no
 * @errors none
 *
 * Example: `uint32_t wi = imcq_status_field(st);`
 */
static inline uint32_t imcq_status_field(uint32_t st) {
  return st >> 16;
}

/** LOAD/STORE pattern: the global side is a 2-D byte tensor of `height` rows of `width` bytes,
 * row r at base + r*pitch; the box is z planes of y rows of x bytes, plane k starting at tensor
 * position (row0 + k*dz_row, col0 + k*dz_col); the local side is packed at local_off
 * (+ k*local_zstride, 0 = x*y). LOAD writes `pad` for positions outside the tensor; STORE
 * skips them. */
typedef struct imcq_pattern {
  uint32_t base;          /**< tensor start (global address) */
  uint32_t pitch;         /**< bytes from one tensor row to the next */
  uint16_t width;         /**< tensor row length in bytes */
  uint16_t height;        /**< tensor rows */
  int32_t col0;           /**< box start column (may be negative: padding) */
  int32_t row0;           /**< box start row (may be negative: padding) */
  uint16_t x;             /**< box row length in bytes */
  uint16_t y;             /**< box rows */
  uint16_t z;             /**< box planes */
  uint8_t pad;            /**< LOAD value outside the tensor */
  int32_t dz_col;         /**< column step per plane */
  int32_t dz_row;         /**< row step per plane */
  uint32_t local_off;     /**< packed box offset in the window */
  uint32_t local_zstride; /**< bytes per plane locally (0 = x*y) */
} imcq_pattern;

/**
 * @brief A contiguous run of len bytes at a global address <-> a local offset.
 * @param addr global address
 * @param len bytes, 1..65535
 * @param local_off offset in the tile's window
 * @return the pattern
 * @blocking no
 * @errors none (len is checked by the CP)
 *
 * Example: `imcq_pattern p = imcq_pattern_1d(IMCVP_DRAM_BASE, 256, IMC_BUF_IN);`
 */
static inline imcq_pattern imcq_pattern_1d(uint32_t addr, uint32_t len, uint32_t local_off) {
  imcq_pattern p = {addr, len, (uint16_t)len, 1, 0, 0, (uint16_t)len, 1, 1, 0, 0, 0, local_off, 0};
  return p;
}

/* ---- descriptor builders: each fills all 16 words of *d (STATUS = 0) ---- */
/**
 * @brief Sets word 0 to w0 and words 1..15 (STATUS included) to 0.
 *
 * Explicit stores: GCC would turn a loop into a call to picolibc's byte-wise memset; the builders'
 * own stores then replace some of these when inlined.
 * @param d the descriptor
 * @param w0 word 0 (OP, flags, SUBOP)
 * @blocking no (writes the descriptor in memory only)
 * @errors none
 *
 * Example: `imcq_clear(d, IMCQ_OP_FENCE);`
 */
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
/**
 * @brief Sets IMCQ_FLAG_IRQ: IRQ_STATUS.Q_DONE is raised when the descriptor finishes.
 * @param d a built descriptor
 * @blocking no (writes the descriptor in memory only)
 * @errors none
 *
 * Example: `imcq_mvm(d, 64, 32, 1, IMC_BUF_IN, IMC_BUF_OUT, 0, 0); imcq_flag_irq(d);`
 */
static inline void imcq_flag_irq(imcq_desc* d) {
  d->w[0] |= IMCQ_FLAG_IRQ;
}
/**
 * @brief Builds a NOP.
 * @param d the descriptor
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_nop(imcq_next(&q));`
 */
static inline void imcq_nop(imcq_desc* d) {
  imcq_clear(d, IMCQ_OP_NOP);
}
/**
 * @brief Builds an MVM of `batch` vectors: vector b read at in_off + b*rows, written at out_off +
 * b*cols (int8 with IMCQ_POST_REQUANT) or out_off + 4*b*cols (int32).
 * @param d the descriptor
 * @param rows inputs
 * @param cols outputs
 * @param batch vectors
 * @param in_off input offset in the window
 * @param out_off output offset in the window
 * @param post IMCQ_POST_* bits
 * @param shift requantisation shift, 0..63
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_mvm(d, 128, 64, 1, IMC_BUF_IN, IMC_BUF_OUT, IMCQ_POST_SIGNED_IN, 0);`
 */
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
/**
 * @brief Selects the sub-array of a built MVM: rows row0.., columns col0.. (BIAS/SCALE by column).
 * @param d an MVM descriptor
 * @param row0 first array row
 * @param col0 first array column
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_mvm_at(d, 0, 64);`
 */
static inline void imcq_mvm_at(imcq_desc* d, uint32_t row0, uint32_t col0) {
  d->w[8] = row0;
  d->w[9] = col0;
}
/**
 * @brief Writes a pattern into operand words 1..11 (LOAD/STORE layout).
 * @param d the descriptor
 * @param p the pattern
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_pattern_words(d, &p);`
 */
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
/**
 * @brief Builds a LOAD: global tensor -> local buffer (pad outside the tensor).
 * @param d the descriptor
 * @param p the pattern
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_pattern p = imcq_pattern_1d(src, 128, IMC_BUF_IN); imcq_load(d, &p);`
 */
static inline void imcq_load(imcq_desc* d, const imcq_pattern* p) {
  imcq_clear(d, IMCQ_OP_LOAD);
  imcq_pattern_words(d, p);
}
/**
 * @brief Builds a STORE: local buffer -> global tensor (out-of-bounds elements skipped).
 * @param d the descriptor
 * @param p the pattern
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_pattern p = imcq_pattern_1d(dst, 64, IMC_BUF_OUT); imcq_store(d, &p);`
 */
static inline void imcq_store(imcq_desc* d, const imcq_pattern* p) {
  imcq_clear(d, IMCQ_OP_STORE);
  imcq_pattern_words(d, p);
}
/**
 * @brief Builds a SEND: len bytes from src_off to tile dst_tile's window at dst_off, then adds inc
 * to that tile's SEM[sem].
 * @param d the descriptor
 * @param src_off source offset in the own window
 * @param len bytes (may be 0)
 * @param dst_tile destination tile index
 * @param dst_off offset in its window
 * @param sem semaphore 0..15, or IMCQ_NO_SEM
 * @param inc increment
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_send(d, IMC_BUF_OUT, 64, 1, IMC_BUF_IN, 0, 1);`
 */
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
/**
 * @brief Builds a WAIT: until the own SEM[sem] >= count, then subtract count.
 * @param d the descriptor
 * @param sem semaphore 0..15
 * @param count amount to wait for
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get()) (a WAIT nothing can satisfy: IMCQ_ERR_DEADLOCK)
 *
 * Example: `imcq_wait(d, 0, 1);`
 */
static inline void imcq_wait(imcq_desc* d, uint32_t sem, uint32_t count) {
  imcq_clear(d, IMCQ_OP_WAIT);
  d->w[1] = sem;
  d->w[2] = count;
}
/**
 * @brief Builds a VEC descriptor of any subop (operand words as in the VEC table of
 * docs/command-queues.md).
 * @param d the descriptor
 * @param sub the subop
 * @param a_off operand A offset
 * @param b_off operand B offset
 * @param dst_off destination offset
 * @param n elements
 * @param w5 word 5
 * @param w6 word 6
 * @param w7 word 7
 * @param w8 word 8
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec(d, IMCQ_VEC_COPY, a, 0, dst, 64, 0, 0, 0, 0);`
 */
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
/**
 * @brief VEC ADD: dst[i] = sat8((a[i]*ma + b[i]*mb + 2^(shift-1)) >> shift).
 * @param d the descriptor
 * @param a_off A offset (int8)
 * @param b_off B offset (int8)
 * @param dst_off destination offset (int8)
 * @param n elements
 * @param ma A multiplier
 * @param mb B multiplier
 * @param shift right shift
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec_add(d, a, b, dst, 256, 1, 1, 0);`
 */
static inline void imcq_vec_add(imcq_desc* d, uint32_t a_off, uint32_t b_off, uint32_t dst_off,
                                uint32_t n, int32_t ma, int32_t mb, uint32_t shift) {
  imcq_vec(d, IMCQ_VEC_ADD, a_off, b_off, dst_off, n, (uint32_t)ma, (uint32_t)mb, shift, 0);
}
/**
 * @brief VEC RELU: dst[i] = max(a[i], 0) over int8.
 * @param d the descriptor
 * @param a_off input offset
 * @param dst_off destination offset
 * @param n elements
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec_relu(d, IMC_BUF_OUT, IMC_BUF_OUT, 64);`
 */
static inline void imcq_vec_relu(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n) {
  imcq_vec(d, IMCQ_VEC_RELU, a_off, 0, dst_off, n, 0, 0, 0, 0);
}
/**
 * @brief VEC MAXPOOL: dst[i] = max over j < k of a[j*stride + i].
 * @param d the descriptor
 * @param a_off input offset
 * @param dst_off destination offset
 * @param n outputs
 * @param k window size
 * @param stride distance between window elements
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec_maxpool(d, a, dst, 64, 4, 64);`
 */
static inline void imcq_vec_maxpool(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n,
                                    uint32_t k, uint32_t stride) {
  imcq_vec(d, IMCQ_VEC_MAXPOOL, a_off, 0, dst_off, n, k, stride, 0, 0);
}
/**
 * @brief VEC AVGPOOL: dst[i] = floor((2*sum_j a[j*stride + i] + k) / (2k)).
 * @param d the descriptor
 * @param a_off input offset
 * @param dst_off destination offset
 * @param n outputs
 * @param k window size
 * @param stride distance between window elements
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec_avgpool(d, a, dst, 64, 4, 64);`
 */
static inline void imcq_vec_avgpool(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n,
                                    uint32_t k, uint32_t stride) {
  imcq_vec(d, IMCQ_VEC_AVGPOOL, a_off, 0, dst_off, n, k, stride, 0, 0);
}
/**
 * @brief VEC REQUANT: int32 a[i] -> dst[i] = sat8((a[i]*mul + 2^(shift-1)) >> shift), then ReLU if
 * relu.
 * @param d the descriptor
 * @param a_off input offset (int32)
 * @param dst_off destination offset (int8)
 * @param n elements
 * @param mul multiplier
 * @param shift right shift
 * @param relu nonzero: ReLU after
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec_requant(d, IMC_BUF_OUT, IMC_BUF_IN, 64, 181, 10, 1);`
 */
static inline void imcq_vec_requant(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n,
                                    int32_t mul, uint32_t shift, int relu) {
  imcq_vec(d, IMCQ_VEC_REQUANT, a_off, 0, dst_off, n, (uint32_t)mul, 0, shift, relu ? 1u : 0u);
}
/**
 * @brief VEC ADD32: dst[i] = sat32(a[i] + b[i]) over n int32 elements (partial sums).
 * @param d the descriptor
 * @param a_off A offset
 * @param b_off B offset
 * @param dst_off destination offset
 * @param n elements (4 bytes each)
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec_add32(d, part0, part1, IMC_BUF_OUT, 64);`
 */
static inline void imcq_vec_add32(imcq_desc* d, uint32_t a_off, uint32_t b_off, uint32_t dst_off,
                                  uint32_t n) {
  imcq_vec(d, IMCQ_VEC_ADD32, a_off, b_off, dst_off, n, 0, 0, 0, 0);
}
/**
 * @brief VEC COPY: dst[i] = a[i] over n bytes.
 * @param d the descriptor
 * @param a_off source offset
 * @param dst_off destination offset
 * @param n bytes
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_vec_copy(d, IMC_BUF_OUT, IMC_BUF_IN, 64);`
 */
static inline void imcq_vec_copy(imcq_desc* d, uint32_t a_off, uint32_t dst_off, uint32_t n) {
  imcq_vec(d, IMCQ_VEC_COPY, a_off, 0, dst_off, n, 0, 0, 0, 0);
}
/**
 * @brief Builds a PROGRAM: rows x cols int8 weights (row-major) streamed from a global address.
 * @param d the descriptor
 * @param src global address of the weights
 * @param rows inputs
 * @param cols outputs
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_program(d, (uint32_t)(uintptr_t)weights, 128, 64);`
 */
static inline void imcq_program(imcq_desc* d, uint32_t src, uint32_t rows, uint32_t cols) {
  imcq_clear(d, IMCQ_OP_PROGRAM);
  d->w[1] = src;
  d->w[2] = rows;
  d->w[3] = cols;
}
/**
 * @brief Builds a SIGNAL: Q_SIGNAL = value and IRQ_STATUS.Q_SIGNAL.
 * @param d the descriptor
 * @param value the value
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_signal(d, layer);`
 */
static inline void imcq_signal(imcq_desc* d, uint32_t value) {
  imcq_clear(d, IMCQ_OP_SIGNAL);
  d->w[1] = value;
}
/**
 * @brief Builds a FENCE: later descriptors start after every earlier one finished.
 * @param d the descriptor
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_fence(imcq_next(&q));`
 */
static inline void imcq_fence(imcq_desc* d) {
  imcq_clear(d, IMCQ_OP_FENCE);
}
/**
 * @brief Builds a LOOP: the next `body` descriptors run `count` times; in iteration i each body
 * descriptor's increments apply (imcq_inc()).
 * @param d the descriptor
 * @param count iterations
 * @param body descriptors in the body (< ring size, already in the ring when the LOOP runs)
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_loop(d, 16, 2);`
 */
static inline void imcq_loop(imcq_desc* d, uint32_t count, uint32_t body) {
  imcq_clear(d, IMCQ_OP_LOOP);
  d->w[1] = count;
  d->w[2] = body;
}
/**
 * @brief Adds a loop increment to a built descriptor: inside a LOOP body, iteration i adds i*inc to
 * operand word `word`. Up to two per descriptor (WORD_A/INC_A, then WORD_B/INC_B).
 * @param d a built descriptor
 * @param word operand word 1..11, e.g. IMCQ_W_PATTERN_BASE
 * @param inc increment per iteration
 * @return 0, or -1
 * @blocking no
 * @errors -1 if both increments are taken or word is out of range (d unchanged)
 *
 * Example: `imcq_inc(d, IMCQ_W_PATTERN_BASE, 256);`
 */
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
/**
 * @brief Builds a BARRIER of the tiles in mask (bit t = tile t, including this one) on semaphore
 * sem.
 * @param d the descriptor
 * @param mask tiles taking part
 * @param sem semaphore 0..15
 * @blocking no (writes the descriptor in memory only)
 * @errors none here; the CP checks the descriptor when it executes it (Q_STATUS.LAST_ERROR, the
 * STATUS word; imcq_fault_get())
 *
 * Example: `imcq_barrier(d, 0x3, 15);`
 */
static inline void imcq_barrier(imcq_desc* d, uint64_t mask, uint32_t sem) {
  imcq_clear(d, IMCQ_OP_BARRIER);
  d->w[1] = (uint32_t)mask;
  d->w[2] = (uint32_t)(mask >> 32);
  d->w[3] = sem;
}

/* ---- rings ---- */
/** The host's view of one ring (imcq_init()); fields are maintained by the calls. */
typedef struct imcq_ring {
  imc_tile tile;    /**< the tile executing the ring (a copy of imc_open's result) */
  imcq_desc* slots; /**< ring memory, `size` descriptors */
  uint32_t size;    /**< slots */
  uint32_t tail;    /**< descriptors handed to the CP (last Q_TAIL written) */
  uint32_t pending; /**< descriptors built with imcq_next, >= tail */
  uint32_t head;    /**< last Q_HEAD read */
} imcq_ring;

/**
 * @brief Points tile t's queue at a ring, discards whatever it held (Q_TAIL = Q_HEAD) and enables
 * it.
 * @param q the ring state to initialise
 * @param t the tile (copied)
 * @param slots ring memory: size descriptors, 64-byte aligned, reachable by the tile's DMA
 * @param size slots, 1..IMCQ_MAX_SIZE
 * @param ctrl IMCQ_CTRL_IRQ_EMPTY, IMCQ_CTRL_STOP_ON_ERROR (pass the latter for the reset
 * behaviour)
 * @return IMCQ_OK or IMCQ_ERR_HAL_ARG
 * @blocking no
 * @errors IMCQ_ERR_HAL_ARG for a bad size or misaligned slots; must not run while the CP executes
 * the ring
 *
 * Example: `static imcq_desc slots[64]; imcq_init(&q, &t, slots, 64, IMCQ_CTRL_STOP_ON_ERROR);`
 */
int imcq_init(imcq_ring* q, const imc_tile* t, imcq_desc* slots, uint32_t size, uint32_t ctrl);
/**
 * @brief Descriptors that can be built before the ring is full.
 * @param q the ring
 * @return free slots
 * @blocking no (re-reads Q_HEAD only when the cached head says full)
 * @errors none
 *
 * Example: `if (imcq_space(&q) >= 3) build_three(&q);`
 */
uint32_t imcq_space(imcq_ring* q);
/**
 * @brief The slot for the next descriptor (STATUS cleared); fill it with a builder, then
 * imcq_commit() hands it to the CP.
 * @param q the ring
 * @return the slot, or NULL
 * @blocking yes, while the ring is full (polls Q_HEAD)
 * @errors NULL if the CP halted on an error meanwhile (nothing would ever free a slot)
 *
 * Example: `imcq_desc* d = imcq_next(&q); if (!d) return imcq_wait_idle(&q); imcq_fence(d);`
 */
imcq_desc* imcq_next(imcq_ring* q);
/**
 * @brief Doorbell: makes every descriptor built since the last commit visible (fence), then writes
 * Q_TAIL.
 * @param q the ring
 * @return how many descriptors it handed over
 * @blocking no
 * @errors none
 *
 * Example: `imcq_commit(&q);`
 */
uint32_t imcq_commit(imcq_ring* q);
/**
 * @brief Copies n descriptors into the ring (STATUS cleared) and rings the doorbell, in chunks when
 * the ring is smaller than n.
 * @param q the ring
 * @param d descriptors
 * @param n count
 * @return IMCQ_OK, or the CP's error code
 * @blocking yes, while the ring is full (polls Q_HEAD)
 * @errors the CP's error code if it halted while the call waited for space
 *
 * Example: `imcq_submit(&q, prog, 12);`
 */
int imcq_submit(imcq_ring* q, const imcq_desc* d, uint32_t n);
/**
 * @brief Whether the CP consumed everything committed (Q_HEAD == tail).
 * @param q the ring
 * @return 1 if idle, else 0
 * @blocking no (one register read)
 * @errors none (a halted CP is not idle: see imcq_wait_idle())
 *
 * Example: `while (!imcq_idle(&q)) other_work();`
 */
int imcq_idle(imcq_ring* q);
/**
 * @brief Waits until the CP consumed every committed descriptor or halted on an error.
 * @param q the ring
 * @return IMCQ_OK or Q_STATUS.LAST_ERROR
 * @blocking yes: polls Q_HEAD and Q_STATUS
 * @errors Q_STATUS.LAST_ERROR (details: imcq_fault_get())
 *
 * Example: `int err = imcq_wait_idle(&q);`
 */
int imcq_wait_idle(imcq_ring* q);
/**
 * @brief Discards committed but not yet executed descriptors (Q_TAIL = Q_HEAD) and clears HALTED
 * (Q_CTRL.ENABLE 0 -> 1).
 * @param q the ring
 * @blocking no
 * @errors none; call it when the CP is halted or idle
 *
 * Example: `if (err) { imcq_reset(&q); }`
 */
void imcq_reset(imcq_ring* q);

/* ---- interrupts ---- */
/**
 * @brief Enables the tile's queue interrupts through the PLIC (imc_irq_attach()); the handler
 * accumulates IRQ_STATUS per tile for imcq_irq_take() and imcq_wait_irq().
 * @param q the ring
 * @param mask IMCQ_IRQ_* (IMC_IRQ_DONE/ERROR allowed too)
 * @return 0 or -1
 * @blocking no
 * @errors -1 for a tile index >= IMC_MAX_TILES; global interrupts (mstatus.MIE) are left to the
 * caller (the waits enable them while they sleep)
 *
 * Example: `imcq_irq_attach(&q, IMCQ_IRQ_Q_EMPTY | IMCQ_IRQ_Q_ERROR);`
 */
int imcq_irq_attach(imcq_ring* q, uint32_t mask);
/**
 * @brief Returns and clears the accumulated IRQ_STATUS bits of a tile.
 * @param tile tile index
 * @param bits the bits to take
 * @return the bits that were set
 * @blocking no
 * @errors none
 *
 * Example: `if (imcq_irq_take(0, IMCQ_IRQ_Q_SIGNAL)) next_layer();`
 */
uint32_t imcq_irq_take(unsigned tile, uint32_t bits);
/**
 * @brief Sleeps in WFI until tile q reported one of `bits` (e.g. IMCQ_IRQ_Q_EMPTY) or any attached
 * tile reported IMCQ_IRQ_Q_ERROR; takes (clears) the bits it returns on.
 * @param q the ring
 * @param bits IMCQ_IRQ_* to wait for
 * @param err_tile receives the failing tile's index (may be NULL)
 * @return IMCQ_OK, or the error code of the first tile that reported Q_ERROR
 * @blocking yes: WFI until then; needs imcq_irq_attach() for q and for every tile whose errors
 * should wake it
 * @errors the failing tile's error code
 *
 * Example: `unsigned bad; int err = imcq_wait_irq(&q, IMCQ_IRQ_Q_EMPTY, &bad);`
 */
int imcq_wait_irq(imcq_ring* q, uint32_t bits, unsigned* err_tile);

/* ---- errors ---- */
/** A decoded ring error (imcq_fault_get()). */
typedef struct imcq_fault {
  unsigned tile;     /**< tile index */
  uint32_t index;    /**< queue index (free-running) of the failing descriptor: Q_ERR_INDEX */
  uint32_t op;       /**< its OP (and SUBOP << 16 for VEC), 0xFFFFFFFF for a ring error */
  uint32_t code;     /**< error code (enum imcq_error) */
  uint32_t field;    /**< the failing word's index (0: none, or a ring error) */
  uint32_t info;     /**< ERROR_INFO: address, value, ... */
  uint32_t status;   /**< the descriptor's STATUS word as written back */
  uint32_t q_status; /**< Q_STATUS */
} imcq_fault;
/**
 * @brief Decodes the ring's last error: Q_STATUS, Q_ERR_INDEX, ERROR_INFO and the failing
 * descriptor's STATUS word (the slot is still intact: a halted CP does not advance).
 * @param q the ring
 * @param f receives the fault (zeroed when there is none)
 * @return the error code (0: the ring has not failed)
 * @blocking no
 * @errors none
 *
 * Example: `imcq_fault f; if (imcq_fault_get(&q, &f)) printf("%s", imcq_error_name(f.code));`
 */
int imcq_fault_get(const imcq_ring* q, imcq_fault* f);
/**
 * @brief A short name of a queue error code.
 * @param code enum imcq_error value
 * @return "ok", "bad_op", ..., "deadlock"; "unknown" otherwise
 * @blocking no
 * @errors none
 *
 * Example: `printf("%s", imcq_error_name(err));`
 */
const char* imcq_error_name(int code);
/**
 * @brief The name of a descriptor's operation.
 * @param w0 word 0 of the descriptor (imcq_fault::op works too)
 * @return "mvm", "load", ..., "barrier" (VEC: "add", "relu", ... from SUBOP)
 * @blocking no
 * @errors none
 *
 * Example: `printf("%s", imcq_op_name(f.op));`
 */
const char* imcq_op_name(uint32_t w0);

/* ---- semaphores (host side) ---- */
/**
 * @brief Adds v to a tile's SEM[k] (wrapping), waking a WAIT there.
 * @param tile tile index
 * @param k semaphore 0..15
 * @param v increment
 * @blocking no (one register write)
 * @errors none
 *
 * Example: `imcq_sem_post(1, 0, 1);`
 */
static inline void imcq_sem_post(unsigned tile, unsigned k, uint32_t v) {
  imcvp_write32(IMCVP_TILE_ADDR(tile) + IMC_SEM0_OFFSET + 4u * k, v);
}
/**
 * @brief Reads a tile's SEM[k].
 * @param tile tile index
 * @param k semaphore 0..15
 * @return its value
 * @blocking no (one register read)
 * @errors none
 *
 * Example: `uint32_t v = imcq_sem_read(1, 0);`
 */
static inline uint32_t imcq_sem_read(unsigned tile, unsigned k) {
  return imcvp_read32(IMCVP_TILE_ADDR(tile) + IMC_SEM0_OFFSET + 4u * k);
}

#endif /* IMCVP_IMC_QUEUE_H */
