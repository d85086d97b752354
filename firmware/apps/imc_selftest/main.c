/* imc_selftest: programs random int8 matrices into every IMC tile, runs MVMs (single,
 * batched, and one completed by interrupt) and compares them with an exact int32 reference
 * computed on the host core. Prints error statistics per tile. Also checks that the tile
 * reports a bad command as an architectural error.
 *
 * Exit code: 0 if every digital tile and every ideal-configured analog tile (INFO.IDEAL) is
 * bit-exact and every command behaved; otherwise 1 + the index of the first failing tile.
 * Non-ideal analog tiles only report their error statistics.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "imcvp/imc.h"
#include "imcvp/irq.h"

#define MAX_ROWS 256u
#define MAX_COLS 256u
#define BATCH 4u
#define TRIALS 2u

static int8_t w[MAX_ROWS * MAX_COLS];
static int8_t x[BATCH * MAX_ROWS];
static int32_t y[BATCH * MAX_COLS];
static int32_t ref[MAX_COLS];
static volatile uint32_t irq_done, irq_status_seen;

static uint32_t rng_state = 12345u;
static uint32_t rnd(void) { /* xorshift32: deterministic, no libc state */
  uint32_t v = rng_state;
  v ^= v << 13;
  v ^= v >> 17;
  v ^= v << 5;
  return rng_state = v;
}
static int8_t rnd_i8(int lo, int hi) {
  return (int8_t)(lo + (int)(rnd() % (uint32_t)(hi - lo + 1)));
}

static void reference(const int8_t* xv, uint32_t rows, uint32_t cols) {
  for (uint32_t j = 0; j < cols; ++j) ref[j] = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    int32_t xi = xv[i];
    const int8_t* row = &w[i * cols];
    for (uint32_t j = 0; j < cols; ++j) ref[j] += xi * row[j];
  }
}

struct errstats {
  uint32_t n, mismatches;
  uint32_t max_abs;
  uint64_t sum_abs, sum_ref;
};

static void compare(struct errstats* s, const int32_t* got, uint32_t cols) {
  for (uint32_t j = 0; j < cols; ++j) {
    int64_t e = (int64_t)got[j] - ref[j];
    uint32_t a = (uint32_t)(e < 0 ? -e : e);
    s->n++;
    s->mismatches += a != 0;
    if (a > s->max_abs) s->max_abs = a;
    s->sum_abs += a;
    s->sum_ref += (uint32_t)(ref[j] < 0 ? -ref[j] : ref[j]);
  }
}

static void on_done(unsigned tile, uint32_t status) {
  (void)tile;
  irq_status_seen = status;
  irq_done++;
}

static int test_tile(unsigned index) {
  imc_tile t;
  if (imc_open(&t, index) != IMC_OK) return 1;
  uint32_t rows = t.rows < MAX_ROWS ? t.rows : MAX_ROWS;
  uint32_t cols = t.cols < MAX_COLS ? t.cols : MAX_COLS;
  int wmax = (1 << (t.weight_bits - 1)) - 1;
  int wmin = t.digital ? -wmax - 1 : -wmax; /* analog pairs are symmetric */
  int xmax = (1 << (t.input_bits - 1)) - 1;
  printf("tile%u: %s %lux%lu, %lu-bit inputs, %lu-bit weights, ADC %lu bits%s\n", index,
         t.digital ? "digital" : "analog", (unsigned long)t.rows, (unsigned long)t.cols,
         (unsigned long)t.input_bits, (unsigned long)t.weight_bits, (unsigned long)t.adc_bits,
         t.ideal ? ", ideal" : "");
  int failed = 0;
  struct errstats st = {0, 0, 0, 0, 0};
  imc_set_ctrl(&t, IMC_CTRL_SIGNED_IN);
  for (uint32_t trial = 0; trial < TRIALS; ++trial) {
    for (uint32_t k = 0; k < rows * cols; ++k) w[k] = rnd_i8(wmin, wmax);
    int err = imc_program(&t, w, rows, cols);
    if (err != IMC_OK) {
      printf("  PROGRAM failed: %s (info %lu)\n", imc_error_name(err),
             (unsigned long)imc_read(&t, IMC_ERROR_INFO_OFFSET));
      return 1;
    }
    /* A batch of vectors, then each vector alone. */
    for (uint32_t k = 0; k < BATCH * rows; ++k) x[k] = rnd_i8(-xmax, xmax);
    err = imc_mvm_batch(&t, x, BATCH, y);
    if (err != IMC_OK) {
      printf("  MVM_BATCH failed: %s\n", imc_error_name(err));
      return 1;
    }
    for (uint32_t b = 0; b < BATCH; ++b) {
      reference(&x[b * rows], rows, cols);
      compare(&st, &y[b * cols], cols);
    }
    err = imc_mvm(&t, x, y);
    if (err != IMC_OK) {
      printf("  MVM failed: %s\n", imc_error_name(err));
      return 1;
    }
    reference(x, rows, cols);
    compare(&st, y, cols);
  }
  /* Asynchronous MVM completed by the tile's interrupt through the PLIC. */
  irq_done = 0;
  imc_irq_attach(&t, IMC_IRQ_DONE | IMC_IRQ_ERROR, on_done);
  imcvp_irq_enable_global();
  imc_start(&t, IMC_OP_MVM);
  for (uint32_t spin = 0; irq_done == 0 && spin < 100000u; ++spin) imcvp_wfi();
  imcvp_irq_disable_global();
  imc_write(&t, IMC_IRQ_ENABLE_OFFSET, 0);
  if (irq_done != 1 || irq_status_seen != IMC_IRQ_DONE) {
    printf("  interrupt: FAILED (%lu interrupts, status %lu)\n", (unsigned long)irq_done,
           (unsigned long)irq_status_seen);
    failed = 1;
  } else {
    imc_copy_from(&t, IMC_BUF_OUT, y, 4 * cols);
    compare(&st, y, cols); /* x and ref are still the first vector's */
    printf("  interrupt: MVM done interrupt taken (latency %lu ns)\n",
           (unsigned long)imc_read(&t, IMC_LAST_LATENCY_NS_OFFSET));
  }
  /* The same batch with the interrupt-driven helper: the core sleeps in WFI meanwhile. */
  {
    struct errstats bs = {0, 0, 0, 0, 0};
    int err = imc_mvm_batch_irq(&t, x, BATCH, y);
    for (uint32_t b = 0; err == IMC_OK && b < BATCH; ++b) {
      reference(&x[b * rows], rows, cols);
      compare(&bs, &y[b * cols], cols);
    }
    if (err != IMC_OK || ((t.digital || t.ideal) && bs.mismatches)) {
      printf("  interrupt-driven batch: FAILED (%s, %lu differ)\n", imc_error_name(err),
             (unsigned long)bs.mismatches);
      failed = 1;
    } else {
      printf("  interrupt-driven batch: %u vectors, %lu outputs differ\n", BATCH,
             (unsigned long)bs.mismatches);
    }
  }
  /* Architectural error: more rows than the array has. */
  imc_set_dims(&t, t.rows + 1, cols);
  int err = imc_run(&t, IMC_OP_MVM);
  imc_set_dims(&t, rows, cols);
  if (err != IMC_ERR_BAD_DIM) {
    printf("  bad dimensions: FAILED (got %s)\n", imc_error_name(err));
    failed = 1;
  } else {
    printf("  bad dimensions: rejected with %s\n", imc_error_name(err));
  }
  /* Mean |error| and relative error in parts per million of mean |reference|. */
  uint32_t mean_abs = st.n ? (uint32_t)(st.sum_abs / st.n) : 0;
  uint32_t rel_ppm = st.sum_ref ? (uint32_t)((st.sum_abs * 1000000u) / st.sum_ref) : 0;
  printf("  %lu outputs: %lu differ, max |err| %lu, mean |err| %lu, relative error %lu ppm\n",
         (unsigned long)st.n, (unsigned long)st.mismatches, (unsigned long)st.max_abs,
         (unsigned long)mean_abs, (unsigned long)rel_ppm);
  int must_be_exact = t.digital || t.ideal;
  if (must_be_exact && st.mismatches) {
    printf("  FAILED: tile must be bit-exact\n");
    failed = 1;
  } else if (must_be_exact) {
    printf("  bit-exact: OK\n");
  }
  return failed;
}

int main(void) {
  rng_state ^= imcvp_read32(IMCVP_SIMCTRL_BASE + 0x24u) * 2654435761u; /* SEED register */
  if (rng_state == 0) rng_state = 1;
  unsigned n = imc_count();
  printf("imc_selftest: %u tile(s)\n", n);
  if (n == 0) return 100;
  /* The device tree says how many tiles there are: each must answer (imcvp/platform.h). */
  const imcvp_platform_info* plat = imcvp_platform();
  printf(
      "imc_selftest: platform %s: UART0 0x%08lx, CLINT 0x%08lx, PLIC 0x%08lx, "
      "sim-control 0x%08lx, DRAM 0x%08lx, timebase %lu Hz\n",
      plat->dtb ? "from the device tree" : "defaults (no device tree)",
      (unsigned long)plat->uart0_base, (unsigned long)plat->clint_base,
      (unsigned long)plat->plic_base, (unsigned long)plat->simctrl_base,
      (unsigned long)plat->dram_base, (unsigned long)plat->timebase_hz);
  if (plat->dtb && n != plat->tile_count) {
    printf("imc_selftest: FAIL: the device tree lists %lu tile(s), %u answer\n",
           (unsigned long)plat->tile_count, n);
    return 101;
  }
  int first_failed = -1;
  for (unsigned i = 0; i < n; ++i)
    if (test_tile(i) && first_failed < 0) first_failed = (int)i;
  printf("imc_selftest: %s\n", first_failed < 0 ? "PASS" : "FAIL");
  return first_failed < 0 ? 0 : 1 + first_failed;
}
