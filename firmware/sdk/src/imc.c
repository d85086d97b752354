/* IMC tile HAL (see imcvp/imc.h). */
#include "imcvp/imc.h"

#include <stddef.h>

#include "imcvp/irq.h"
#include "imcvp/plic.h"

#define CAUSE_LOAD_ACCESS_FAULT 5u

static volatile int probe_faulted;

static void probe_fault(imcvp_trap_frame* f) {
  probe_faulted = 1;
  f->mepc += imcvp_insn_length(f->mepc);
}

unsigned imc_count(void) {
  imcvp_trap_handler_t old = imcvp_exception_register(CAUSE_LOAD_ACCESS_FAULT, probe_fault);
  /* With a device tree, only the tiles it lists (each still checked by its ID register). */
  const imcvp_platform_info* p = imcvp_platform();
  unsigned max = p->dtb && p->tile_count < IMC_MAX_TILES ? p->tile_count : IMC_MAX_TILES;
  unsigned n = 0;
  for (; n < max; ++n) {
    probe_faulted = 0;
    uint32_t id = imcvp_read32(IMCVP_TILE_ADDR(n) + IMC_ID_OFFSET);
    if (probe_faulted || id != IMC_ID_VALUE) break;
  }
  imcvp_exception_register(CAUSE_LOAD_ACCESS_FAULT, old);
  return n;
}

int imc_open(imc_tile* t, unsigned index) {
  if (index >= imc_count()) return IMC_ERR_NO_TILE;
  t->base = IMCVP_TILE_ADDR(index);
  t->index = index;
  uint32_t g = imc_read(t, IMC_GEOMETRY_OFFSET);
  uint32_t info = imc_read(t, IMC_INFO_OFFSET);
  t->rows = (g & IMC_GEOMETRY_ROWS_MASK) >> IMC_GEOMETRY_ROWS_SHIFT;
  t->cols = (g & IMC_GEOMETRY_COLS_MASK) >> IMC_GEOMETRY_COLS_SHIFT;
  t->digital = (info & IMC_INFO_DIGITAL_MASK) >> IMC_INFO_DIGITAL_SHIFT;
  t->ideal = (info & IMC_INFO_IDEAL_MASK) >> IMC_INFO_IDEAL_SHIFT;
  t->input_bits = (info & IMC_INFO_INPUT_BITS_MASK) >> IMC_INFO_INPUT_BITS_SHIFT;
  t->weight_bits = (info & IMC_INFO_WEIGHT_BITS_MASK) >> IMC_INFO_WEIGHT_BITS_SHIFT;
  t->adc_bits = (info & IMC_INFO_ADC_BITS_MASK) >> IMC_INFO_ADC_BITS_SHIFT;
  return IMC_OK;
}

const char* imc_error_name(int code) {
  static const char* const names[] = {
      "ok",  "busy",         "bad_op",    "bad_dim",       "bad_batch",
      "dma", "weight_range", "cell_worn", "bad_dma_range", "not_programmed"};
  if (code >= 0 && code < (int)(sizeof names / sizeof names[0])) return names[code];
  if (code == IMC_ERR_NO_TILE) return "no_tile";
  return "unknown";
}

int imc_wait(const imc_tile* t) {
  while (imc_busy(t)) {
  }
  uint32_t err = imc_read(t, IMC_ERROR_CODE_OFFSET);
  imc_write(t, IMC_IRQ_STATUS_OFFSET, IMC_IRQ_DONE | IMC_IRQ_ERROR);
  return (int)err;
}

int imc_run(const imc_tile* t, enum imc_op op) {
  imc_start(t, op);
  return imc_wait(t);
}

void imc_copy_to(const imc_tile* t, uint32_t off, const void* src, uint32_t n) {
  const uint8_t* s = (const uint8_t*)src;
  uint32_t i = 0;
  if ((((uintptr_t)s | off) & 3u) == 0)
    for (; i + 4 <= n; i += 4) imcvp_write32(t->base + off + i, *(const uint32_t*)(s + i));
  for (; i < n; ++i) imcvp_write8(t->base + off + i, s[i]);
}

void imc_copy_from(const imc_tile* t, uint32_t off, void* dst, uint32_t n) {
  uint8_t* d = (uint8_t*)dst;
  uint32_t i = 0;
  if ((((uintptr_t)d | off) & 3u) == 0)
    for (; i + 4 <= n; i += 4) *(uint32_t*)(d + i) = imcvp_read32(t->base + off + i);
  for (; i < n; ++i) d[i] = imcvp_read8(t->base + off + i);
}

int imc_program(const imc_tile* t, const int8_t* w, uint32_t rows, uint32_t cols) {
  imc_set_dims(t, rows, cols);
  imc_copy_to(t, IMC_BUF_WBUF, w, rows * cols);
  imc_set_ctrl(t, imc_read(t, IMC_CTRL_OFFSET) & ~IMC_CTRL_W_EXT);
  return imc_run(t, IMC_OP_PROGRAM);
}

int imc_program_from(const imc_tile* t, uint32_t addr, uint32_t rows, uint32_t cols) {
  imc_set_dims(t, rows, cols);
  imc_write(t, IMC_SRC_ADDR_OFFSET, addr);
  uint32_t ctrl = imc_read(t, IMC_CTRL_OFFSET);
  imc_set_ctrl(t, ctrl | IMC_CTRL_W_EXT);
  int err = imc_run(t, IMC_OP_PROGRAM);
  imc_set_ctrl(t, ctrl);
  return err;
}

static uint32_t out_bytes(const imc_tile* t, uint32_t n) {
  uint32_t cols = imc_read(t, IMC_DIM_COLS_OFFSET);
  uint32_t each = (imc_read(t, IMC_CTRL_OFFSET) & IMC_CTRL_REQUANT) ? 1u : 4u;
  return n * cols * each;
}

int imc_mvm(const imc_tile* t, const int8_t* x, int32_t* y) {
  return imc_mvm_batch(t, x, 1, y);
}

int imc_mvm_batch(const imc_tile* t, const int8_t* x, uint32_t n, int32_t* y) {
  uint32_t rows = imc_read(t, IMC_DIM_ROWS_OFFSET);
  if (n == 0 || (uint64_t)n * rows > IMC_BUF_IN_SIZE) return IMC_ERR_BAD_BATCH;
  imc_copy_to(t, IMC_BUF_IN, x, n * rows);
  imc_write(t, IMC_BATCH_OFFSET, n);
  int err = imc_run(t, n == 1 ? IMC_OP_MVM : IMC_OP_MVM_BATCH);
  if (err == IMC_OK) imc_copy_from(t, IMC_BUF_OUT, y, out_bytes(t, n));
  return err;
}

int imc_readback(const imc_tile* t, int8_t* w) {
  int err = imc_run(t, IMC_OP_READBACK);
  if (err == IMC_OK)
    imc_copy_from(t, IMC_BUF_WBUF, w,
                  imc_read(t, IMC_DIM_ROWS_OFFSET) * imc_read(t, IMC_DIM_COLS_OFFSET));
  return err;
}

int imc_calibrate(const imc_tile* t) {
  return imc_run(t, IMC_OP_CALIBRATE);
}

void imc_set_postproc(const imc_tile* t, const int32_t* bias, const int32_t* scale,
                      uint32_t shift) {
  uint32_t cols = imc_read(t, IMC_DIM_COLS_OFFSET);
  if (bias) imc_copy_to(t, IMC_BUF_BIAS, bias, 4 * cols);
  if (scale) imc_copy_to(t, IMC_BUF_SCALE, scale, 4 * cols);
  imc_write(t, IMC_SHIFT_OFFSET, shift);
}

static imc_done_fn irq_fns[IMC_MAX_TILES];

static void imc_plic_handler(uint32_t source) {
  unsigned i = source - IMCVP_TILE_IRQ(0);
  if (i >= IMC_MAX_TILES) return;
  uintptr_t base = IMCVP_TILE_ADDR(i);
  uint32_t st = imcvp_read32(base + IMC_IRQ_STATUS_OFFSET);
  imcvp_write32(base + IMC_IRQ_STATUS_OFFSET, st); /* w1c: the line drops */
  if (irq_fns[i]) irq_fns[i](i, st);
}

int imc_irq_attach(const imc_tile* t, uint32_t mask, imc_done_fn fn) {
  if (t->index >= IMC_MAX_TILES) return -1;
  irq_fns[t->index] = fn;
  imc_write(t, IMC_IRQ_STATUS_OFFSET, IMC_IRQ_DONE | IMC_IRQ_ERROR);
  imc_write(t, IMC_IRQ_ENABLE_OFFSET, mask);
  return imcvp_plic_register(IMCVP_TILE_IRQ(t->index), 1, imc_plic_handler);
}

static volatile uint32_t batch_irq_status[IMC_MAX_TILES];

static void batch_irq_done(unsigned tile, uint32_t status) {
  if (tile < IMC_MAX_TILES) batch_irq_status[tile] |= status;
}

int imc_mvm_batch_irq(const imc_tile* t, const int8_t* x, uint32_t n, int32_t* y) {
  uint32_t rows = imc_read(t, IMC_DIM_ROWS_OFFSET);
  if (n == 0 || (uint64_t)n * rows > IMC_BUF_IN_SIZE || t->index >= IMC_MAX_TILES)
    return IMC_ERR_BAD_BATCH;
  imc_copy_to(t, IMC_BUF_IN, x, n * rows);
  imc_write(t, IMC_BATCH_OFFSET, n);
  imc_done_fn old_fn = irq_fns[t->index];
  uint32_t old_mask = imc_read(t, IMC_IRQ_ENABLE_OFFSET);
  uint32_t mie_was = imcvp_irq_save(); /* MIE off from here */
  batch_irq_status[t->index] = 0;
  imc_irq_attach(t, IMC_IRQ_DONE | IMC_IRQ_ERROR, batch_irq_done);
  imc_start(t, n == 1 ? IMC_OP_MVM : IMC_OP_MVM_BATCH);
  /* Check with MIE off, sleep (WFI wakes on the pending interrupt even with MIE off), then
   * open the window for the handler. */
  while (batch_irq_status[t->index] == 0) {
    imcvp_wfi();
    imcvp_irq_enable_global();
    imcvp_irq_disable_global();
  }
  irq_fns[t->index] = old_fn;
  imc_write(t, IMC_IRQ_ENABLE_OFFSET, old_mask);
  imcvp_irq_restore(mie_was);
  int err = (int)imc_read(t, IMC_ERROR_CODE_OFFSET);
  if (err == IMC_OK) imc_copy_from(t, IMC_BUF_OUT, y, out_bytes(t, n));
  return err;
}

int32_t imc_postprocess_ref(int32_t acc, int32_t bias, int relu, int requant, int32_t scale,
                            uint32_t shift) {
  int64_t a = (int64_t)acc + bias;
  if (a > INT32_MAX) a = INT32_MAX;
  if (a < INT32_MIN) a = INT32_MIN;
  if (relu && a < 0) a = 0;
  if (!requant) return (int32_t)a;
  if (shift > 62) shift = 62;
  int64_t p = a * scale;
  if (shift) p = (p + ((int64_t)1 << (shift - 1))) >> shift;
  if (p > 127) p = 127;
  if (p < -128) p = -128;
  return (int32_t)p;
}
