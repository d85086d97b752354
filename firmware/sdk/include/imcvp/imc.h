/* IMC tile HAL: program int8 weight matrices into a tile, run matrix-vector multiplies
 * (synchronously, asynchronously with an interrupt, or batched), calibrate drift, read
 * weights back and read status/errors. Register offsets and fields come from imc_regs.h,
 * which is generated from the model's register description (docs/register-maps.md).
 *
 * Tile i's window is at IMCVP_TILE_ADDR(i) (from the device tree; imcvp/platform.h); its PLIC
 * source is IMCVP_TILE_IRQ(i).
 * Weights are row-major W[i][j] (input i, output j); outputs are int32 accumulators unless
 * IMC_CTRL_REQUANT is set (then int8).
 *
 * Limits: one command at a time per tile (the tile rejects a second with IMC_ERR_BUSY);
 * imc_count() probes windows with a temporary load-access-fault handler, so call it before
 * installing your own handler for that cause.
 */
#ifndef IMCVP_IMC_H
#define IMCVP_IMC_H

#include <stdint.h>

#include "imcvp/imc_regs.h"
#include "imcvp/mmio.h"
#include "imcvp/platform.h"

/* Local buffers (window offsets; docs/register-maps.md). */
#define IMC_BUF_BIAS 0x01000u
#define IMC_BUF_SCALE 0x02000u
#define IMC_BUF_IN 0x10000u
#define IMC_BUF_IN_SIZE 0x10000u
#define IMC_BUF_OUT 0x20000u
#define IMC_BUF_OUT_SIZE 0x20000u
#define IMC_BUF_WBUF 0x40000u
#define IMC_BUF_WBUF_SIZE 0x40000u
#define IMC_ID_VALUE 0x494D4301u
#define IMC_MAX_TILES 48u

enum imc_op {
  IMC_OP_NOP = 0,
  IMC_OP_PROGRAM = 1,
  IMC_OP_MVM = 2,
  IMC_OP_MVM_BATCH = 3,
  IMC_OP_READBACK = 4,
  IMC_OP_CALIBRATE = 5,
  IMC_OP_DMA_IN = 6,
  IMC_OP_DMA_OUT = 7,
};

enum imc_error {
  IMC_OK = 0,
  IMC_ERR_BUSY = 1,
  IMC_ERR_BAD_OP = 2,
  IMC_ERR_BAD_DIM = 3,
  IMC_ERR_BAD_BATCH = 4,
  IMC_ERR_DMA = 5,
  IMC_ERR_WEIGHT_RANGE = 6,
  IMC_ERR_CELL_WORN = 7,
  IMC_ERR_BAD_DMA_RANGE = 8,
  IMC_ERR_NOT_PROGRAMMED = 9,
  IMC_ERR_NO_TILE = 255, /* HAL: no tile at this index */
};

/* CTRL bits. */
#define IMC_CTRL_SIGNED_IN IMC_CTRL_SIGNED_IN_MASK
#define IMC_CTRL_BIAS IMC_CTRL_BIAS_MASK
#define IMC_CTRL_RELU IMC_CTRL_RELU_MASK
#define IMC_CTRL_REQUANT IMC_CTRL_REQUANT_MASK
#define IMC_CTRL_IN_EXT IMC_CTRL_IN_EXT_MASK
#define IMC_CTRL_OUT_EXT IMC_CTRL_OUT_EXT_MASK
#define IMC_CTRL_W_EXT IMC_CTRL_W_EXT_MASK
/* IRQ_ENABLE / IRQ_STATUS bits. */
#define IMC_IRQ_DONE IMC_IRQ_STATUS_DONE_MASK
#define IMC_IRQ_ERROR IMC_IRQ_STATUS_ERROR_MASK

typedef struct imc_tile {
  uintptr_t base;
  unsigned index;
  uint32_t rows, cols; /* array geometry */
  uint32_t digital;    /* 1: digital SRAM-IMC, 0: analog crossbar */
  uint32_t ideal;      /* 1: results are exact */
  uint32_t input_bits, weight_bits, adc_bits;
} imc_tile;

static inline uint32_t imc_read(const imc_tile* t, uint32_t off) {
  return imcvp_read32(t->base + off);
}
static inline void imc_write(const imc_tile* t, uint32_t off, uint32_t v) {
  imcvp_write32(t->base + off, v);
}

/* Number of tiles present: the device tree's tiles (imcvp/platform.h) or, without one, windows
 * 0, 1, ... at the default base and stride until one does not answer; either way each tile's
 * ID register is checked and counting stops at the first that does not match. */
unsigned imc_count(void);
/* Fills *t for tile `index`; returns IMC_OK or IMC_ERR_NO_TILE (after imc_count() said so or
 * the ID register does not match). Does not touch the tile's state. */
int imc_open(imc_tile* t, unsigned index);
const char* imc_error_name(int code);

/* ---- commands ---- */
static inline void imc_set_dims(const imc_tile* t, uint32_t rows, uint32_t cols) {
  imc_write(t, IMC_DIM_ROWS_OFFSET, rows);
  imc_write(t, IMC_DIM_COLS_OFFSET, cols);
}
static inline void imc_set_ctrl(const imc_tile* t, uint32_t ctrl) {
  imc_write(t, IMC_CTRL_OFFSET, ctrl);
}
static inline int imc_busy(const imc_tile* t) {
  return (imc_read(t, IMC_STATUS_OFFSET) & IMC_STATUS_BUSY_MASK) != 0;
}
/* Starts a command (asynchronous); completion sets IRQ_STATUS.DONE. */
static inline void imc_start(const imc_tile* t, enum imc_op op) {
  imc_write(t, IMC_CMD_OFFSET, (uint32_t)op);
}
/* Polls until the tile is idle; clears IRQ_STATUS and returns ERROR_CODE. */
int imc_wait(const imc_tile* t);
/* Starts op and waits for it. */
int imc_run(const imc_tile* t, enum imc_op op);

/* Copies n bytes to/from a window offset (word accesses where aligned). */
void imc_copy_to(const imc_tile* t, uint32_t off, const void* src, uint32_t n);
void imc_copy_from(const imc_tile* t, uint32_t off, void* dst, uint32_t n);

/* Programs a rows x cols weight matrix (row-major) into the array and waits. */
int imc_program(const imc_tile* t, const int8_t* w, uint32_t rows, uint32_t cols);
/* Same, but the tile's DMA fetches the weights from a global address. */
int imc_program_from(const imc_tile* t, uint32_t addr, uint32_t rows, uint32_t cols);
/* y = W^T x for the current DIM_ROWS x DIM_COLS (int8 x, int32 y); waits. */
int imc_mvm(const imc_tile* t, const int8_t* x, int32_t* y);
/* n vectors back to back: x is n x rows, y is n x cols. */
int imc_mvm_batch(const imc_tile* t, const int8_t* x, uint32_t n, int32_t* y);
/* Reads the weights as the devices now hold them into w (rows x cols). */
int imc_readback(const imc_tile* t, int8_t* w);
/* Global drift compensation (analog); returns the error code. */
int imc_calibrate(const imc_tile* t);
/* Adds `seconds` of device age (retention/drift studies). */
static inline void imc_set_age(const imc_tile* t, uint32_t seconds) {
  imc_write(t, IMC_AGE_S_OFFSET, seconds);
}
/* Post-processing: bias (cols int32, or NULL), per-column int32 scale and shift (requant). */
void imc_set_postproc(const imc_tile* t, const int32_t* bias, const int32_t* scale, uint32_t shift);

/* ---- interrupts ---- */
typedef void (*imc_done_fn)(unsigned tile_index, uint32_t irq_status);
/* Enables the tile's DONE/ERROR interrupt (mask of IMC_IRQ_*) through the PLIC and calls fn
 * from the interrupt handler (IRQ_STATUS is cleared before fn runs). Global interrupts
 * (mstatus.MIE) are left to the caller. */
int imc_irq_attach(const imc_tile* t, uint32_t mask, imc_done_fn fn);

/* imc_mvm_batch, but the core sleeps in WFI until the tile's DONE/ERROR interrupt instead of
 * polling STATUS: x is n x DIM_ROWS int8, y receives n x DIM_COLS results. Blocks (WFI) until
 * the batch ends; returns IMC_OK, IMC_ERR_BAD_BATCH (n = 0 or more than the IN buffer) or the
 * tile's error code. Takes over the tile's imc_irq_attach callback and IRQ_ENABLE for the call
 * and restores both; leaves mstatus.MIE as it found it (interrupts are taken only inside). Other
 * enabled interrupts may run their handlers meanwhile. */
int imc_mvm_batch_irq(const imc_tile* t, const int8_t* x, uint32_t n, int32_t* y);

/* Reference: requantisation exactly as the tile does it (bias, ReLU, scale/shift). */
int32_t imc_postprocess_ref(int32_t acc, int32_t bias, int relu, int requant, int32_t scale,
                            uint32_t shift);

#endif /* IMCVP_IMC_H */
