/* Trap and interrupt handling with a C-level dispatcher.
 *
 * crt0 points mtvec (direct mode) at imcvp_trap_entry, which saves all registers in an
 * imcvp_trap_frame on the current stack, calls the handler registered for the cause and
 * restores the (possibly modified) frame, including mepc, before mret.
 *
 * Without a registered handler, an exception or interrupt prints mcause/mepc/mtval on UART0
 * and ends the run through the finisher with exit code 128 + cause (exceptions) or
 * 192 + interrupt number (interrupts).
 *
 * Limits: no nesting (MIE stays 0 while a handler runs); the frame is pushed on the
 * interrupted stack, so code trapping from U-mode must have a valid sp; causes >= 32 go to
 * the default handler.
 */
#ifndef IMCVP_IRQ_H
#define IMCVP_IRQ_H

#include <stdint.h>

#include "imcvp/csr.h"

typedef struct imcvp_trap_frame {
  uint32_t x[32]; /* x[0] unused; x[1] = ra, x[2] = sp at the trap, ... x[31] = t6 */
  uint32_t mepc;  /* written back to mepc before mret: handlers may change it */
  uint32_t mcause;
  uint32_t mtval;
  uint32_t mstatus; /* written back too (e.g. to change MPP) */
} imcvp_trap_frame;

typedef void (*imcvp_trap_handler_t)(imcvp_trap_frame* frame);

/* Register `fn` for synchronous exception `cause` (0..31), or NULL for the default.
 * Returns the previous handler. A handler that wants to skip the faulting instruction adds
 * imcvp_insn_length(frame->mepc) to frame->mepc. */
imcvp_trap_handler_t imcvp_exception_register(uint32_t cause, imcvp_trap_handler_t fn);

/* Register `fn` for interrupt `irq` (mcause code: IRQ_M_SOFT, IRQ_M_TIMER, IRQ_M_EXT, ...),
 * or NULL for the default. Does not touch mie. Returns the previous handler. */
imcvp_trap_handler_t imcvp_irq_register(uint32_t irq, imcvp_trap_handler_t fn);

/* The default handler (prints the trap and exits); callable from user handlers. */
__attribute__((noreturn)) void imcvp_trap_default(imcvp_trap_frame* frame);

/* The assembly entry crt0 installs in mtvec; reinstall it with imcvp_trap_install(). */
void imcvp_trap_entry(void);
static inline void imcvp_trap_install(void) {
  csr_write(mtvec, (uint32_t)(uintptr_t)&imcvp_trap_entry);
}

/* Length in bytes (2 or 4) of the instruction at pc (reads it with halfword accesses). */
static inline uint32_t imcvp_insn_length(uint32_t pc) {
  return ((*(volatile uint16_t*)(uintptr_t)pc) & 3u) == 3u ? 4u : 2u;
}

static inline void imcvp_irq_enable(uint32_t irq) {
  csr_set(mie, 1u << irq);
}
static inline void imcvp_irq_disable(uint32_t irq) {
  csr_clear(mie, 1u << irq);
}

/* Global machine interrupt enable. imcvp_irq_save() disables and returns the old state for
 * imcvp_irq_restore(). */
static inline void imcvp_irq_enable_global(void) {
  csr_set(mstatus, MSTATUS_MIE);
}
static inline void imcvp_irq_disable_global(void) {
  csr_clear(mstatus, MSTATUS_MIE);
}
static inline uint32_t imcvp_irq_save(void) {
  uint32_t v;
  __asm__ volatile("csrrci %0, mstatus, 8" : "=r"(v)::"memory");
  return v & MSTATUS_MIE;
}
static inline void imcvp_irq_restore(uint32_t state) {
  if (state) csr_set(mstatus, MSTATUS_MIE);
}

/* Wait for an interrupt (the hart may also wake spuriously: always re-check the condition). */
static inline void imcvp_wfi(void) {
  __asm__ volatile("wfi" ::: "memory");
}

#endif /* IMCVP_IRQ_H */
