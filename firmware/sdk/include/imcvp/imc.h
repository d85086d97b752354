/**
 * @file imcvp/imc.h
 * @brief IMC tile HAL: program int8 weight matrices into a tile, run matrix-vector multiplies
 * (synchronously, asynchronously with an interrupt, or batched), calibrate drift, read
 * weights back and read status/errors.
 * Register offsets and fields come from imc_regs.h,
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
 *
 * Blocking: imc_wait, imc_run and every call that runs a command (imc_program*, imc_mvm*,
 * imc_readback, imc_calibrate) poll STATUS until the tile is idle; imc_mvm_batch_irq sleeps in
 * WFI instead. The others return at once.
 *
 * @code
 * imc_tile t;
 * if (imc_open(&t, 0) != IMC_OK) return 1;
 * int err = imc_program(&t, weights, 64, 32);          // 64 inputs x 32 outputs
 * if (err == IMC_OK) err = imc_mvm(&t, x, y);           // y[32] = W^T x
 * if (err) printf("imc: %s\n", imc_error_name(err));
 * @endcode
 */
#ifndef IMCVP_IMC_H
#define IMCVP_IMC_H

#include <stdint.h>

#include "imcvp/imc_regs.h"
#include "imcvp/mmio.h"
#include "imcvp/platform.h"

/** @name Local buffers (offsets in the tile's window; docs/register-maps.md) */
/** @{ */
#define IMC_BUF_BIAS 0x01000u      /**< per-column int32 bias */
#define IMC_BUF_SCALE 0x02000u     /**< per-column int32 requantisation scale */
#define IMC_BUF_IN 0x10000u        /**< input vectors (int8) */
#define IMC_BUF_IN_SIZE 0x10000u   /**< its size in bytes */
#define IMC_BUF_OUT 0x20000u       /**< results (int32, or int8 with IMC_CTRL_REQUANT) */
#define IMC_BUF_OUT_SIZE 0x20000u  /**< its size in bytes */
#define IMC_BUF_WBUF 0x40000u      /**< weight staging buffer (int8, row-major) */
#define IMC_BUF_WBUF_SIZE 0x40000u /**< its size in bytes */
/** @} */
#define IMC_ID_VALUE 0x494D4301u /**< the ID register's value ("IMC" 1) */
#define IMC_MAX_TILES 48u        /**< most tiles the HAL handles */

/** Commands (the CMD register; docs/register-maps.md). */
enum imc_op {
  IMC_OP_NOP = 0,       /**< nothing */
  IMC_OP_PROGRAM = 1,   /**< program the weight buffer (or SRC_ADDR with W_EXT) into the array */
  IMC_OP_MVM = 2,       /**< one matrix-vector multiply */
  IMC_OP_MVM_BATCH = 3, /**< BATCH multiplies back to back */
  IMC_OP_READBACK = 4,  /**< read the array's weights into the weight buffer */
  IMC_OP_CALIBRATE = 5, /**< global drift compensation (analog tiles) */
  IMC_OP_DMA_IN = 6,    /**< DMA from SRC_ADDR into a local buffer */
  IMC_OP_DMA_OUT = 7,   /**< DMA from a local buffer to DST_ADDR */
};

/** Error codes (ERROR_CODE register), returned by the command calls. */
enum imc_error {
  IMC_OK = 0,                 /**< success */
  IMC_ERR_BUSY = 1,           /**< a command was started while one runs */
  IMC_ERR_BAD_OP = 2,         /**< unknown command */
  IMC_ERR_BAD_DIM = 3,        /**< DIM_ROWS/DIM_COLS outside the array */
  IMC_ERR_BAD_BATCH = 4,      /**< batch of 0 or larger than the buffers */
  IMC_ERR_DMA = 5,            /**< a DMA transfer failed (bus error) */
  IMC_ERR_WEIGHT_RANGE = 6,   /**< a weight outside the device's range */
  IMC_ERR_CELL_WORN = 7,      /**< write endurance exhausted */
  IMC_ERR_BAD_DMA_RANGE = 8,  /**< a DMA range outside the buffer */
  IMC_ERR_NOT_PROGRAMMED = 9, /**< MVM before PROGRAM */
  IMC_ERR_NO_TILE = 255,      /**< HAL: no tile at this index */
};

/** @name CTRL bits */
/** @{ */
#define IMC_CTRL_SIGNED_IN IMC_CTRL_SIGNED_IN_MASK /**< inputs are signed int8 */
#define IMC_CTRL_BIAS IMC_CTRL_BIAS_MASK           /**< add the bias buffer */
#define IMC_CTRL_RELU IMC_CTRL_RELU_MASK           /**< ReLU on the results */
#define IMC_CTRL_REQUANT IMC_CTRL_REQUANT_MASK     /**< requantise results to int8 */
#define IMC_CTRL_IN_EXT IMC_CTRL_IN_EXT_MASK       /**< inputs from SRC_ADDR (DMA) */
#define IMC_CTRL_OUT_EXT IMC_CTRL_OUT_EXT_MASK     /**< results to DST_ADDR (DMA) */
#define IMC_CTRL_W_EXT IMC_CTRL_W_EXT_MASK         /**< PROGRAM reads weights from SRC_ADDR */
/** @} */
/** @name IRQ_ENABLE / IRQ_STATUS bits */
/** @{ */
#define IMC_IRQ_DONE IMC_IRQ_STATUS_DONE_MASK   /**< a command finished */
#define IMC_IRQ_ERROR IMC_IRQ_STATUS_ERROR_MASK /**< a command failed */
/** @} */

/** An opened tile (imc_open()): its window and what its registers report. */
typedef struct imc_tile {
  uintptr_t base;       /**< register window (IMCVP_TILE_ADDR(index)) */
  unsigned index;       /**< tile index */
  uint32_t rows;        /**< array rows (inputs) */
  uint32_t cols;        /**< array columns (outputs) */
  uint32_t digital;     /**< 1: digital SRAM-IMC, 0: analog crossbar */
  uint32_t ideal;       /**< 1: results are exact */
  uint32_t input_bits;  /**< input precision */
  uint32_t weight_bits; /**< weight precision */
  uint32_t adc_bits;    /**< ADC resolution (analog) */
} imc_tile;

/**
 * @brief Reads a tile register.
 * @param t the tile
 * @param off register offset (IMC_*_OFFSET, imcvp/imc_regs.h)
 * @return the value
 * @blocking no
 * @errors none
 *
 * Example: `uint32_t st = imc_read(&t, IMC_STATUS_OFFSET);`
 */
static inline uint32_t imc_read(const imc_tile* t, uint32_t off) {
  return imcvp_read32(t->base + off);
}
/**
 * @brief Writes a tile register.
 * @param t the tile
 * @param off register offset (IMC_*_OFFSET)
 * @param v value
 * @blocking no
 * @errors none (a write to CMD while busy sets IMC_ERR_BUSY)
 *
 * Example: `imc_write(&t, IMC_BATCH_OFFSET, 4);`
 */
static inline void imc_write(const imc_tile* t, uint32_t off, uint32_t v) {
  imcvp_write32(t->base + off, v);
}

/**
 * @brief Number of tiles present.
 *
 * The device tree's tiles (imcvp/platform.h) or, without one, windows 0, 1, ... at the default base
 * and stride until one does not answer; either way each tile's ID register is checked and counting
 * stops at the first that does not match.
 * @return the count (0 .. IMC_MAX_TILES)
 * @blocking no (one ID read per tile, on every call)
 * @errors none; without a device tree it installs a temporary load-access-fault handler while
 * probing
 *
 * Example: `unsigned n = imc_count();`
 */
unsigned imc_count(void);
/**
 * @brief Fills *t for tile `index` from its registers; does not touch the tile's state.
 * @param t receives the tile
 * @param index tile index
 * @return IMC_OK or IMC_ERR_NO_TILE
 * @blocking no
 * @errors IMC_ERR_NO_TILE when index >= imc_count() or the ID register does not match
 *
 * Example: `imc_tile t; if (imc_open(&t, 1) != IMC_OK) return 1;`
 */
int imc_open(imc_tile* t, unsigned index);
/**
 * @brief A short name of an error code.
 * @param code an enum imc_error value
 * @return e.g. "not_programmed", "no_tile"; "unknown" for other codes
 * @blocking no
 * @errors none
 *
 * Example: `printf("imc: %s", imc_error_name(err));`
 */
const char* imc_error_name(int code);

/* ---- commands ---- */
/**
 * @brief Sets the matrix size of the next commands (DIM_ROWS, DIM_COLS).
 * @param t the tile
 * @param rows inputs (<= t->rows)
 * @param cols outputs (<= t->cols)
 * @blocking no
 * @errors checked when a command starts (IMC_ERR_BAD_DIM)
 *
 * Example: `imc_set_dims(&t, 64, 32);`
 */
static inline void imc_set_dims(const imc_tile* t, uint32_t rows, uint32_t cols) {
  imc_write(t, IMC_DIM_ROWS_OFFSET, rows);
  imc_write(t, IMC_DIM_COLS_OFFSET, cols);
}
/**
 * @brief Sets CTRL (IMC_CTRL_* bits) for the next commands.
 * @param t the tile
 * @param ctrl OR of IMC_CTRL_*
 * @blocking no
 * @errors none
 *
 * Example: `imc_set_ctrl(&t, IMC_CTRL_SIGNED_IN | IMC_CTRL_RELU);`
 */
static inline void imc_set_ctrl(const imc_tile* t, uint32_t ctrl) {
  imc_write(t, IMC_CTRL_OFFSET, ctrl);
}
/**
 * @brief Whether a command is running (STATUS.BUSY).
 * @param t the tile
 * @return 1 if busy, else 0
 * @blocking no
 * @errors none
 *
 * Example: `while (imc_busy(&t)) do_other_work();`
 */
static inline int imc_busy(const imc_tile* t) {
  return (imc_read(t, IMC_STATUS_OFFSET) & IMC_STATUS_BUSY_MASK) != 0;
}
/**
 * @brief Starts a command (asynchronous); completion sets IRQ_STATUS.DONE (and ERROR on failure).
 * @param t the tile
 * @param op the command
 * @blocking no; wait with imc_wait() or an interrupt (imc_irq_attach())
 * @errors reported when it ends (ERROR_CODE); IMC_ERR_BUSY if one is running
 *
 * Example: `imc_start(&t, IMC_OP_MVM); overlap(); int err = imc_wait(&t);`
 */
static inline void imc_start(const imc_tile* t, enum imc_op op) {
  imc_write(t, IMC_CMD_OFFSET, (uint32_t)op);
}
/**
 * @brief Waits for the running command; clears IRQ_STATUS.
 * @param t the tile
 * @return ERROR_CODE: IMC_OK or the command's error
 * @blocking yes: polls STATUS until the tile is idle
 * @errors as returned
 *
 * Example: `int err = imc_wait(&t);`
 */
int imc_wait(const imc_tile* t);
/**
 * @brief Starts a command and waits for it.
 * @param t the tile
 * @param op the command
 * @return IMC_OK or the command's error
 * @blocking yes (imc_wait())
 * @errors the tile's error code (enum imc_error: IMC_ERR_BAD_DIM, IMC_ERR_NOT_PROGRAMMED, ...)
 *
 * Example: `int err = imc_run(&t, IMC_OP_CALIBRATE);`
 */
int imc_run(const imc_tile* t, enum imc_op op);

/**
 * @brief Copies n bytes into the tile's window (word accesses where aligned).
 * @param t the tile
 * @param off window offset (IMC_BUF_*)
 * @param src source
 * @param n bytes
 * @blocking no (n bus writes of at most a word)
 * @errors none (no bounds check against the buffer size)
 *
 * Example: `imc_copy_to(&t, IMC_BUF_IN, x, 64);`
 */
void imc_copy_to(const imc_tile* t, uint32_t off, const void* src, uint32_t n);
/**
 * @brief Copies n bytes out of the tile's window (word accesses where aligned).
 * @param t the tile
 * @param off window offset (IMC_BUF_*)
 * @param dst destination
 * @param n bytes
 * @blocking no
 * @errors none
 *
 * Example: `imc_copy_from(&t, IMC_BUF_OUT, y, 32 * 4);`
 */
void imc_copy_from(const imc_tile* t, uint32_t off, void* dst, uint32_t n);

/**
 * @brief Programs a rows x cols weight matrix (row-major W[i][j], input i, output j) into the
 * array.
 * @param t the tile
 * @param w rows * cols int8 weights
 * @param rows inputs
 * @param cols outputs
 * @return IMC_OK or the error
 * @blocking yes: copies the weights, then polls until PROGRAM ends (analog: program-and-verify
 * takes long)
 * @errors IMC_ERR_BAD_DIM, IMC_ERR_WEIGHT_RANGE, IMC_ERR_CELL_WORN
 *
 * Example: `int err = imc_program(&t, &W[0][0], 64, 32);`
 */
int imc_program(const imc_tile* t, const int8_t* w, uint32_t rows, uint32_t cols);
/**
 * @brief As imc_program(), but the tile's DMA fetches the weights from a global address.
 * @param t the tile
 * @param addr global address of rows * cols int8 (TCM or DRAM)
 * @param rows inputs
 * @param cols outputs
 * @return IMC_OK or the error
 * @blocking yes (polls until PROGRAM ends)
 * @errors as imc_program(), plus IMC_ERR_DMA / IMC_ERR_BAD_DMA_RANGE
 *
 * Example: `imc_program_from(&t, IMCVP_DRAM_BASE, 128, 128);`
 */
int imc_program_from(const imc_tile* t, uint32_t addr, uint32_t rows, uint32_t cols);
/**
 * @brief y = W^T x for the current DIM_ROWS x DIM_COLS.
 * @param t the tile
 * @param x DIM_ROWS int8 inputs
 * @param y receives DIM_COLS int32 results (int8 bytes with IMC_CTRL_REQUANT)
 * @return IMC_OK or the error (y untouched on error)
 * @blocking yes (copies x, polls until the MVM ends, copies y)
 * @errors IMC_ERR_NOT_PROGRAMMED, IMC_ERR_BAD_DIM, IMC_ERR_BUSY
 *
 * Example: `int err = imc_mvm(&t, x, y);`
 */
int imc_mvm(const imc_tile* t, const int8_t* x, int32_t* y);
/**
 * @brief n multiplies back to back: x is n x DIM_ROWS, y receives n x DIM_COLS.
 * @param t the tile
 * @param x n x DIM_ROWS int8 inputs
 * @param n vectors (1 .. IMC_BUF_IN_SIZE / DIM_ROWS)
 * @param y receives the results
 * @return IMC_OK or the error
 * @blocking yes (polls until the batch ends)
 * @errors IMC_ERR_BAD_BATCH (n = 0 or too many for the IN buffer), or the tile's error
 *
 * Example: `imc_mvm_batch(&t, xs, 8, ys);`
 */
int imc_mvm_batch(const imc_tile* t, const int8_t* x, uint32_t n, int32_t* y);
/**
 * @brief Reads the weights as the devices now hold them (after noise, drift, wear).
 * @param t the tile
 * @param w receives DIM_ROWS x DIM_COLS int8
 * @return IMC_OK or the error
 * @blocking yes (polls until READBACK ends)
 * @errors IMC_ERR_NOT_PROGRAMMED
 *
 * Example: `imc_readback(&t, &W2[0][0]);`
 */
int imc_readback(const imc_tile* t, int8_t* w);
/**
 * @brief Global drift compensation (analog tiles; a no-op on digital ones).
 * @param t the tile
 * @return IMC_OK or the error
 * @blocking yes (polls until CALIBRATE ends)
 * @errors IMC_ERR_NOT_PROGRAMMED
 *
 * Example: `imc_set_age(&t, 86400); imc_calibrate(&t);`
 */
int imc_calibrate(const imc_tile* t);
/**
 * @brief Adds device age (retention and drift studies; analog tiles).
 * @param t the tile
 * @param seconds age to add
 * @blocking no
 * @errors none
 *
 * Example: `imc_set_age(&t, 365u * 86400u);`
 */
static inline void imc_set_age(const imc_tile* t, uint32_t seconds) {
  imc_write(t, IMC_AGE_S_OFFSET, seconds);
}
/**
 * @brief Loads the post-processing parameters: bias, per-column scale and shift (requantisation).
 * @param t the tile
 * @param bias DIM_COLS int32, or NULL to keep the buffer
 * @param scale DIM_COLS int32, or NULL to keep the buffer
 * @param shift right shift after scaling
 * @blocking no
 * @errors none; enable them with IMC_CTRL_BIAS / IMC_CTRL_REQUANT
 *
 * Example: `imc_set_postproc(&t, bias, scale, 8);`
 */
void imc_set_postproc(const imc_tile* t, const int32_t* bias, const int32_t* scale, uint32_t shift);

/* ---- interrupts ---- */
/** Completion callback: the tile's index and its IRQ_STATUS bits (already cleared). */
typedef void (*imc_done_fn)(unsigned tile_index, uint32_t irq_status);
/**
 * @brief Enables the tile's interrupt through the PLIC and calls fn from the handler.
 * @param t the tile
 * @param mask IRQ_ENABLE: OR of IMC_IRQ_* (and IMCQ_IRQ_*)
 * @param fn callback (IRQ_STATUS is cleared before it runs)
 * @return 0, or -1 for a tile index >= IMC_MAX_TILES
 * @blocking no
 * @errors -1 as above; global interrupts (mstatus.MIE) are left to the caller
 *
 * Example: `imc_irq_attach(&t, IMC_IRQ_DONE | IMC_IRQ_ERROR, on_done); imc_start(&t, IMC_OP_MVM);`
 */
int imc_irq_attach(const imc_tile* t, uint32_t mask, imc_done_fn fn);

/**
 * @brief imc_mvm_batch(), but the core sleeps in WFI until the tile's DONE/ERROR interrupt instead
 * of polling STATUS.
 *
 * Takes over the tile's imc_irq_attach callback and IRQ_ENABLE for the call and restores both;
 * leaves mstatus.MIE as it found it (interrupts are taken only inside).
 * @param t the tile
 * @param x n x DIM_ROWS int8 inputs
 * @param n vectors
 * @param y receives n x DIM_COLS results
 * @return IMC_OK or the error
 * @blocking yes: WFI until the batch ends; other enabled interrupts may run their handlers
 * meanwhile
 * @errors IMC_ERR_BAD_BATCH (n = 0 or more than the IN buffer) or the tile's error code
 *
 * Example: `int err = imc_mvm_batch_irq(&t, xs, 16, ys);`
 */
int imc_mvm_batch_irq(const imc_tile* t, const int8_t* x, uint32_t n, int32_t* y);

/**
 * @brief Reference post-processing, exactly as the tile does it (bias, ReLU, scale and shift,
 * saturation to int8).
 * @param acc the int32 accumulator
 * @param bias bias added first
 * @param relu nonzero: clamp negatives to 0
 * @param requant nonzero: scale, shift and saturate to int8
 * @param scale requantisation scale
 * @param shift right shift
 * @return the post-processed value
 * @blocking no
 * @errors none
 *
 * Example: `int32_t want = imc_postprocess_ref(acc, b[j], 1, 1, s[j], 8);`
 */
int32_t imc_postprocess_ref(int32_t acc, int32_t bias, int relu, int requant, int32_t scale,
                            uint32_t shift);

#endif /* IMCVP_IMC_H */
