/* CLINT (SiFive layout): msip at +0x0, mtimecmp at +0x4000, mtime at +0xBFF8, hart 0 only.
 * mtime counts at IMCVP_MTIME_HZ (10 MHz by default, as on QEMU virt). */
#ifndef IMCVP_CLINT_H
#define IMCVP_CLINT_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

#define CLINT_MSIP (IMCVP_CLINT_BASE + 0x0000u)
#define CLINT_MTIMECMP (IMCVP_CLINT_BASE + 0x4000u)
#define CLINT_MTIME (IMCVP_CLINT_BASE + 0xBFF8u)

/* 64-bit mtime read on RV32 (hi/lo/hi so a carry between the halves is handled). */
static inline uint64_t imcvp_mtime(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = imcvp_read32(CLINT_MTIME + 4);
    lo = imcvp_read32(CLINT_MTIME);
    hi2 = imcvp_read32(CLINT_MTIME + 4);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

/* Write mtimecmp without a spurious early match: high word to all-ones first. */
static inline void imcvp_set_mtimecmp(uint64_t t) {
  imcvp_write32(CLINT_MTIMECMP + 4, 0xFFFFFFFFu);
  imcvp_write32(CLINT_MTIMECMP, (uint32_t)t);
  imcvp_write32(CLINT_MTIMECMP + 4, (uint32_t)(t >> 32));
}

static inline uint64_t imcvp_get_mtimecmp(void) {
  return ((uint64_t)imcvp_read32(CLINT_MTIMECMP + 4) << 32) | imcvp_read32(CLINT_MTIMECMP);
}

/* Disarm the timer (mtimecmp = max). */
static inline void imcvp_timer_disarm(void) {
  imcvp_set_mtimecmp(UINT64_MAX);
}

/* Raise (1) or clear (0) the machine software interrupt of hart 0. */
static inline void imcvp_set_msip(uint32_t v) {
  imcvp_write32(CLINT_MSIP, v & 1u);
}
static inline uint32_t imcvp_get_msip(void) {
  return imcvp_read32(CLINT_MSIP) & 1u;
}

/* Busy-wait for `ticks` mtime ticks. */
static inline void imcvp_delay_ticks(uint64_t ticks) {
  uint64_t end = imcvp_mtime() + ticks;
  while (imcvp_mtime() < end) {
  }
}

#endif /* IMCVP_CLINT_H */
