/**
 * @file imcvp/clint.h
 * @brief CLINT (SiFive layout): machine timer and software interrupt of hart 0.
 *
 * msip at +0x0, mtimecmp at +0x4000, mtime at +0xBFF8 from IMCVP_CLINT_BASE (from the device
 * tree; imcvp/platform.h). mtime counts at IMCVP_MTIME_HZ (10 MHz by default, as on QEMU virt).
 * The timer interrupt (IRQ_M_TIMER) is pending while mtime >= mtimecmp; enable it with
 * imcvp_irq_enable(IRQ_M_TIMER) (imcvp/irq.h).
 *
 * @code
 * imcvp_irq_register(IRQ_M_TIMER, on_tick);           // on_tick re-arms or disarms
 * imcvp_set_mtimecmp(imcvp_mtime() + IMCVP_MTIME_HZ / 1000);  // in 1 ms
 * imcvp_irq_enable(IRQ_M_TIMER);
 * imcvp_irq_enable_global();
 * @endcode
 */
#ifndef IMCVP_CLINT_H
#define IMCVP_CLINT_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

/** @name Register addresses (hart 0) */
/** @{ */
#define CLINT_MSIP (IMCVP_CLINT_BASE + 0x0000u)     /**< software interrupt pending (bit 0) */
#define CLINT_MTIMECMP (IMCVP_CLINT_BASE + 0x4000u) /**< timer compare, 64 bits */
#define CLINT_MTIME (IMCVP_CLINT_BASE + 0xBFF8u)    /**< timer, 64 bits */
/** @} */

/**
 * @brief Reads the 64-bit mtime on RV32 (hi/lo/hi, so a carry between the halves is handled).
 * @return mtime in ticks of IMCVP_MTIME_HZ
 * @blocking no (three or more loads; retries only across a carry)
 * @errors none
 *
 * Example: `uint64_t t0 = imcvp_mtime(); work(); uint64_t ticks = imcvp_mtime() - t0;`
 */
static inline uint64_t imcvp_mtime(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = imcvp_read32(CLINT_MTIME + 4);
    lo = imcvp_read32(CLINT_MTIME);
    hi2 = imcvp_read32(CLINT_MTIME + 4);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

/**
 * @brief Sets mtimecmp without a spurious early match (high word to all-ones first).
 * @param t compare value in mtime ticks; the timer interrupt is pending while mtime >= t
 * @blocking no
 * @errors none (a t in the past makes the interrupt pending at once)
 *
 * Example: `imcvp_set_mtimecmp(imcvp_mtime() + IMCVP_MTIME_HZ);` (one second from now)
 */
static inline void imcvp_set_mtimecmp(uint64_t t) {
  imcvp_write32(CLINT_MTIMECMP + 4, 0xFFFFFFFFu);
  imcvp_write32(CLINT_MTIMECMP, (uint32_t)t);
  imcvp_write32(CLINT_MTIMECMP + 4, (uint32_t)(t >> 32));
}

/**
 * @brief Reads mtimecmp.
 * @return the compare value in mtime ticks
 * @blocking no
 * @errors none
 *
 * Example: `uint64_t next = imcvp_get_mtimecmp();`
 */
static inline uint64_t imcvp_get_mtimecmp(void) {
  return ((uint64_t)imcvp_read32(CLINT_MTIMECMP + 4) << 32) | imcvp_read32(CLINT_MTIMECMP);
}

/**
 * @brief Disarms the timer (mtimecmp = UINT64_MAX): the timer interrupt is no longer pending.
 * @blocking no
 * @errors none
 *
 * Example: in the timer handler, `imcvp_timer_disarm();` for a one-shot timer.
 */
static inline void imcvp_timer_disarm(void) {
  imcvp_set_mtimecmp(UINT64_MAX);
}

/**
 * @brief Raises (1) or clears (0) the machine software interrupt of hart 0.
 * @param v bit 0: the new msip
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_set_msip(1);` then clear it with `imcvp_set_msip(0)` in the IRQ_M_SOFT handler.
 */
static inline void imcvp_set_msip(uint32_t v) {
  imcvp_write32(CLINT_MSIP, v & 1u);
}
/**
 * @brief Reads msip of hart 0.
 * @return 1 if the software interrupt is raised, else 0
 * @blocking no
 * @errors none
 *
 * Example: `if (imcvp_get_msip()) imcvp_set_msip(0);`
 */
static inline uint32_t imcvp_get_msip(void) {
  return imcvp_read32(CLINT_MSIP) & 1u;
}

/**
 * @brief Busy-waits for `ticks` mtime ticks.
 * @param ticks ticks of IMCVP_MTIME_HZ to wait
 * @blocking yes: polls mtime until it has advanced by ticks (interrupts are still taken)
 * @errors none
 *
 * Example: `imcvp_delay_ticks(IMCVP_MTIME_HZ / 1000000u * 50u);` (50 us)
 */
static inline void imcvp_delay_ticks(uint64_t ticks) {
  uint64_t end = imcvp_mtime() + ticks;
  while (imcvp_mtime() < end) {
  }
}

#endif /* IMCVP_CLINT_H */
