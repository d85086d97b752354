/* PLIC (SiFive layout), context 0 = hart 0 M-mode.
 *   priority[src]  at +4*src        pending bits at +0x1000
 *   enable bits    at +0x2000 (context 0)
 *   threshold      at +0x200000     claim/complete at +0x200004
 * imcvp sources: 1 = UART0, 16 + i = IMC tile i (QEMU virt: UART0 = 10).
 */
#ifndef IMCVP_PLIC_H
#define IMCVP_PLIC_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

#define PLIC_PRIORITY(src) (IMCVP_PLIC_BASE + 4u * (src))
#define PLIC_PENDING(word) (IMCVP_PLIC_BASE + 0x1000u + 4u * (word))
#define PLIC_ENABLE(word) (IMCVP_PLIC_BASE + 0x2000u + 4u * (word))
#define PLIC_THRESHOLD (IMCVP_PLIC_BASE + 0x200000u)
#define PLIC_CLAIM (IMCVP_PLIC_BASE + 0x200004u)

static inline void imcvp_plic_set_priority(uint32_t src, uint32_t prio) {
  imcvp_write32(PLIC_PRIORITY(src), prio);
}
static inline void imcvp_plic_enable(uint32_t src) {
  uintptr_t a = PLIC_ENABLE(src / 32u);
  imcvp_write32(a, imcvp_read32(a) | (1u << (src % 32u)));
}
static inline void imcvp_plic_disable(uint32_t src) {
  uintptr_t a = PLIC_ENABLE(src / 32u);
  imcvp_write32(a, imcvp_read32(a) & ~(1u << (src % 32u)));
}
static inline int imcvp_plic_pending(uint32_t src) {
  return (imcvp_read32(PLIC_PENDING(src / 32u)) >> (src % 32u)) & 1u;
}
static inline void imcvp_plic_set_threshold(uint32_t t) {
  imcvp_write32(PLIC_THRESHOLD, t);
}
/* Returns the highest-priority pending enabled source (0 = none) and marks it in service. */
static inline uint32_t imcvp_plic_claim(void) {
  return imcvp_read32(PLIC_CLAIM);
}
static inline void imcvp_plic_complete(uint32_t src) {
  imcvp_write32(PLIC_CLAIM, src);
}

/* Per-source handler for the SDK's machine-external-interrupt dispatcher (see irq.h). */
typedef void (*imcvp_plic_handler_t)(uint32_t source);

/* Installs `fn` for `source` (1 .. IMCVP_PLIC_NUM_SOURCES-1), gives the source `priority`
 * (>= 1), enables it in context 0 and registers the PLIC dispatcher for IRQ_M_EXT and enables
 * MEIE. The dispatcher claims, calls the handler, then completes. Returns 0, or -1 for a bad
 * source number. Global interrupts (mstatus.MIE) are left to the caller. */
int imcvp_plic_register(uint32_t source, uint32_t priority, imcvp_plic_handler_t fn);

#endif /* IMCVP_PLIC_H */
