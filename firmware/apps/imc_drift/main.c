/* imc_drift: conductance drift and global drift compensation on the first analog tile.
 * Programs a random int8 matrix, runs the same MVM right after programming and at several
 * device ages (the AGE_S register adds age, as a retention bake would), each time without and
 * with CALIBRATE, and prints the relative error against the exact int32 reference.
 *
 * Exit code: 0 if calibration reduces the error after one year when the devices drifted (the
 * one-year CAL_SCALE is more than 20 % from 1) and no command failed, 1 otherwise; 2 if there
 * is no analog tile.
 */
#include <stdint.h>
#include <stdio.h>

#include "imcvp/imc.h"

#define ROWS 128u
#define COLS 64u

static int8_t w[ROWS * COLS];
static int8_t x[ROWS];
static int32_t y[COLS], ref[COLS];

static uint32_t rng_state = 2024u;
static int8_t rnd_i8(int lo, int hi) {
  uint32_t v = rng_state;
  v ^= v << 13;
  v ^= v >> 17;
  v ^= v << 5;
  rng_state = v;
  return (int8_t)(lo + (int)(v % (uint32_t)(hi - lo + 1)));
}

/* Relative error sum|y - ref| / sum|ref| in ppm; -1 on a command error. */
static long run_error(const imc_tile* t) {
  int err = imc_mvm(t, x, y);
  if (err != IMC_OK) {
    printf("MVM failed: %s\n", imc_error_name(err));
    return -1;
  }
  uint64_t e = 0, r = 0;
  for (uint32_t j = 0; j < COLS; ++j) {
    int64_t d = (int64_t)y[j] - ref[j];
    e += (uint64_t)(d < 0 ? -d : d);
    r += (uint64_t)(ref[j] < 0 ? -(int64_t)ref[j] : ref[j]);
  }
  return r ? (long)((e * 1000000u) / r) : 0;
}

int main(void) {
  unsigned n = imc_count();
  imc_tile t;
  unsigned i = 0;
  for (; i < n; ++i)
    if (imc_open(&t, i) == IMC_OK && !t.digital) break;
  if (i == n) {
    printf("imc_drift: no analog tile\n");
    return 2;
  }
  uint32_t rows = t.rows < ROWS ? t.rows : ROWS, cols = t.cols < COLS ? t.cols : COLS;
  int wmax = (1 << (t.weight_bits - 1)) - 1; /* e.g. binary MRAM pairs: ternary weights */
  int xmax = (1 << (t.input_bits - 1)) - 1;
  for (uint32_t k = 0; k < rows * cols; ++k) w[k] = rnd_i8(-wmax, wmax);
  for (uint32_t k = 0; k < rows; ++k) x[k] = rnd_i8(-xmax, xmax);
  for (uint32_t j = 0; j < cols; ++j) ref[j] = 0;
  for (uint32_t r = 0; r < rows; ++r)
    for (uint32_t j = 0; j < cols; ++j) ref[j] += (int32_t)x[r] * w[r * cols + j];
  imc_set_ctrl(&t, IMC_CTRL_SIGNED_IN);
  imc_set_age(&t, 0);
  int err = imc_program(&t, w, rows, cols);
  if (err != IMC_OK) {
    printf("PROGRAM failed: %s\n", imc_error_name(err));
    return 1;
  }
  printf("imc_drift: tile%u, %lux%lu weights\n", i, (unsigned long)rows, (unsigned long)cols);
  printf("%-12s %16s %16s %12s\n", "age", "error (ppm)", "calibrated (ppm)", "CAL_SCALE");
  static const struct {
    const char* name;
    uint32_t seconds;
  } ages[] = {{"0 s", 0},
              {"1 hour", 3600u},
              {"1 day", 86400u},
              {"1 year", 31536000u},
              {"10 years", 315360000u}};
  long year_raw = -1, year_cal = -1;
  uint32_t year_scale = 1u << 16;
  for (unsigned a = 0; a < sizeof ages / sizeof ages[0]; ++a) {
    /* Age the devices (the weights stay programmed), measure, calibrate, measure. */
    imc_set_age(&t, ages[a].seconds);
    long raw = run_error(&t);
    err = imc_calibrate(&t);
    if (err != IMC_OK || raw < 0) {
      printf("CALIBRATE failed: %s\n", imc_error_name(err));
      return 1;
    }
    long cal = run_error(&t);
    uint32_t scale = imc_read(&t, IMC_CAL_SCALE_OFFSET);
    printf("%-12s %16ld %16ld %7lu.%04lu\n", ages[a].name, raw, cal, (unsigned long)(scale >> 16),
           (unsigned long)(((scale & 0xFFFFu) * 10000u) >> 16));
    if (ages[a].seconds == 31536000u) {
      year_raw = raw;
      year_cal = cal;
      year_scale = scale;
    }
    /* Undo the compensation for the next age: a fresh CALIBRATE at age 0 resets it. */
    imc_set_age(&t, 0);
    imc_calibrate(&t);
  }
  /* Without drift (e.g. MRAM: CAL_SCALE within 20 % of 1) calibration has nothing to fix and
   * the two errors differ only by read noise; otherwise it must reduce the error. */
  int drifted = year_scale > 78643u || year_scale < 54613u;
  int ok = year_cal >= 0 && (!drifted || year_cal < year_raw);
  printf("imc_drift: calibration %s the one-year error (%ld -> %ld ppm)\n",
         !drifted ? "has no drift to correct in"
         : ok     ? "reduces"
                  : "does NOT reduce",
         year_raw, year_cal);
  return ok ? 0 : 1;
}
