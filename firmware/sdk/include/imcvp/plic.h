/**
 * @file imcvp/plic.h
 * @brief PLIC (SiFive layout), context 0 = hart 0 M-mode, and the SDK's interrupt dispatcher.
 *
 *   priority[src] at +4*src, pending bits at +0x1000, enable bits at +0x2000 (context 0),
 *   threshold at +0x200000, claim/complete at +0x200004, from IMCVP_PLIC_BASE (from the device
 *   tree; imcvp/platform.h).
 *
 * imcvp sources: 1 = UART0, 16 + i = IMC tile i (QEMU virt: UART0 = 10); the device tree has
 * them (imcvp_platform_info::uart0_irq, tile_irq[]).
 *
 * @code
 * static void on_uart(uint32_t src) { (void)src; imcvp_uart_trygetc(); }
 * imcvp_plic_register(imcvp_platform()->uart0_irq, 1, on_uart);
 * imcvp_irq_enable_global();
 * @endcode
 */
#ifndef IMCVP_PLIC_H
#define IMCVP_PLIC_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

/** @name Register addresses (context 0) */
/** @{ */
#define PLIC_PRIORITY(src) (IMCVP_PLIC_BASE + 4u * (src))            /**< priority of src */
#define PLIC_PENDING(word) (IMCVP_PLIC_BASE + 0x1000u + 4u * (word)) /**< pending bits */
#define PLIC_ENABLE(word) (IMCVP_PLIC_BASE + 0x2000u + 4u * (word))  /**< enable bits */
#define PLIC_THRESHOLD (IMCVP_PLIC_BASE + 0x200000u)                 /**< priority threshold */
#define PLIC_CLAIM (IMCVP_PLIC_BASE + 0x200004u)                     /**< claim / complete */
/** @} */

/**
 * @brief Sets a source's priority (0 = never interrupts).
 * @param src PLIC source
 * @param prio priority; a source interrupts when its priority exceeds the threshold
 * @blocking no
 * @errors none (a source the PLIC does not have ignores the write)
 *
 * Example: `imcvp_plic_set_priority(IMCVP_TILE_IRQ(0), 2);`
 */
static inline void imcvp_plic_set_priority(uint32_t src, uint32_t prio) {
  imcvp_write32(PLIC_PRIORITY(src), prio);
}
/**
 * @brief Enables a source in context 0 (read-modify-write of its enable word).
 * @param src PLIC source
 * @blocking no
 * @errors none; not atomic against a handler changing the same word
 *
 * Example: `imcvp_plic_enable(IMCVP_UART0_IRQ);`
 */
static inline void imcvp_plic_enable(uint32_t src) {
  uintptr_t a = PLIC_ENABLE(src / 32u);
  imcvp_write32(a, imcvp_read32(a) | (1u << (src % 32u)));
}
/**
 * @brief Disables a source in context 0.
 * @param src PLIC source
 * @blocking no
 * @errors none; not atomic against a handler changing the same word
 *
 * Example: `imcvp_plic_disable(IMCVP_UART0_IRQ);`
 */
static inline void imcvp_plic_disable(uint32_t src) {
  uintptr_t a = PLIC_ENABLE(src / 32u);
  imcvp_write32(a, imcvp_read32(a) & ~(1u << (src % 32u)));
}
/**
 * @brief Whether a source is pending.
 * @param src PLIC source
 * @return 1 if pending, else 0
 * @blocking no
 * @errors none
 *
 * Example: `while (!imcvp_plic_pending(IMCVP_TILE_IRQ(0))) {}`
 */
static inline int imcvp_plic_pending(uint32_t src) {
  return (imcvp_read32(PLIC_PENDING(src / 32u)) >> (src % 32u)) & 1u;
}
/**
 * @brief Sets context 0's priority threshold.
 * @param t threshold: only sources with a higher priority interrupt
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_plic_set_threshold(0);` (every source with priority >= 1)
 */
static inline void imcvp_plic_set_threshold(uint32_t t) {
  imcvp_write32(PLIC_THRESHOLD, t);
}
/**
 * @brief Claims the highest-priority pending enabled source and marks it in service.
 * @return the source, or 0 when none is pending
 * @blocking no
 * @errors none
 *
 * Example: `uint32_t s = imcvp_plic_claim(); if (s) { handle(s); imcvp_plic_complete(s); }`
 */
static inline uint32_t imcvp_plic_claim(void) {
  return imcvp_read32(PLIC_CLAIM);
}
/**
 * @brief Completes a claimed source (it may interrupt again).
 * @param src the source imcvp_plic_claim() returned
 * @blocking no
 * @errors none (completing a source not in service is ignored)
 *
 * Example: `imcvp_plic_complete(src);`
 */
static inline void imcvp_plic_complete(uint32_t src) {
  imcvp_write32(PLIC_CLAIM, src);
}

/** Per-source handler for the SDK's machine-external-interrupt dispatcher (see irq.h). */
typedef void (*imcvp_plic_handler_t)(uint32_t source);

/**
 * @brief Installs a handler for a PLIC source and enables it.
 *
 * Installs `fn` for `source`, gives the source `priority` (at least 1), enables it in context
 * 0, registers the PLIC dispatcher for IRQ_M_EXT and enables MEIE. The dispatcher claims,
 * calls the handler, then completes, until no source is pending; a pending source without a
 * handler is disabled. Global interrupts (mstatus.MIE) are left to the caller.
 * @param source PLIC source, 1 .. IMCVP_PLIC_NUM_SOURCES-1
 * @param priority priority (0 is taken as 1)
 * @param fn handler, called in the trap handler with the source number
 * @return 0, or -1 for a bad source number
 * @blocking no
 * @errors -1: source 0 or >= IMCVP_PLIC_NUM_SOURCES (nothing changed)
 *
 * Example: `imcvp_plic_register(IMCVP_TILE_IRQ(1), 1, on_tile);`
 */
int imcvp_plic_register(uint32_t source, uint32_t priority, imcvp_plic_handler_t fn);

#endif /* IMCVP_PLIC_H */
