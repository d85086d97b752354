/**
 * @file imcvp/irq.h
 * @brief Trap and interrupt handling with a C-level dispatcher.
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
 *
 * @code
 * static void on_timer(imcvp_trap_frame* f) { (void)f; imcvp_timer_disarm(); ticked = 1; }
 * imcvp_irq_register(IRQ_M_TIMER, on_timer);
 * imcvp_set_mtimecmp(imcvp_mtime() + 1000);
 * imcvp_irq_enable(IRQ_M_TIMER);
 * imcvp_irq_enable_global();
 * while (!ticked) imcvp_wfi();
 * @endcode
 */
#ifndef IMCVP_IRQ_H
#define IMCVP_IRQ_H

#include <stdint.h>

#include "imcvp/csr.h"

/** The registers at the trap, as the trap entry saved them (restored before mret). */
typedef struct imcvp_trap_frame {
  uint32_t x[32];   /**< x[0] unused; x[1] = ra, x[2] = sp at the trap, ... x[31] = t6 */
  uint32_t mepc;    /**< written back to mepc before mret: handlers may change it */
  uint32_t mcause;  /**< the cause (MCAUSE_INTERRUPT set for interrupts) */
  uint32_t mtval;   /**< the faulting address or instruction */
  uint32_t mstatus; /**< written back too (e.g. to change MPP) */
} imcvp_trap_frame;

/** A trap handler; it may change the frame (except x[2], sp). */
typedef void (*imcvp_trap_handler_t)(imcvp_trap_frame* frame);

/**
 * @brief Registers a handler for a synchronous exception.
 *
 * A handler that wants to skip the faulting instruction adds imcvp_insn_length(frame->mepc)
 * to frame->mepc; returning without that re-executes it.
 * @param cause exception code, 0..31 (CAUSE_*)
 * @param fn handler, or NULL for the default (print and exit 128 + cause)
 * @return the previous handler (NULL: the default)
 * @blocking no
 * @errors a cause >= 32 is ignored (NULL returned)
 *
 * Example:
 * @code
 * static void skip(imcvp_trap_frame* f) { f->mepc += imcvp_insn_length(f->mepc); }
 * imcvp_exception_register(CAUSE_ILLEGAL_INSTRUCTION, skip);
 * @endcode
 */
imcvp_trap_handler_t imcvp_exception_register(uint32_t cause, imcvp_trap_handler_t fn);

/**
 * @brief Registers a handler for an interrupt. Does not touch mie (imcvp_irq_enable()).
 * @param irq interrupt number (the mcause code: IRQ_M_SOFT, IRQ_M_TIMER, IRQ_M_EXT, ...)
 * @param fn handler, or NULL for the default (print and exit 192 + irq)
 * @return the previous handler (NULL: the default)
 * @blocking no
 * @errors an irq >= 32 is ignored (NULL returned)
 *
 * Example: `imcvp_irq_register(IRQ_M_SOFT, on_msip);`
 */
imcvp_trap_handler_t imcvp_irq_register(uint32_t irq, imcvp_trap_handler_t fn);

/**
 * @brief The default handler: prints mcause, mepc and mtval on UART0 and exits with 128 +
 * cause (exceptions) or 192 + interrupt number; callable from user handlers.
 * @param frame the trap frame
 * @blocking does not return
 * @errors none
 *
 * Example: `if (f->mtval != expected) imcvp_trap_default(f);`
 */
__attribute__((noreturn)) void imcvp_trap_default(imcvp_trap_frame* frame);

/**
 * @brief The assembly trap entry crt0 installs in mtvec (not to be called).
 * @blocking n/a (entered by a trap; returns with mret)
 * @errors none
 *
 * Example: `csr_write(mtvec, (uint32_t)(uintptr_t)&imcvp_trap_entry);`
 */
void imcvp_trap_entry(void);
/**
 * @brief Reinstalls the SDK trap entry in mtvec (direct mode), e.g. after using another.
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_trap_install();`
 */
static inline void imcvp_trap_install(void) {
  csr_write(mtvec, (uint32_t)(uintptr_t)&imcvp_trap_entry);
}

/**
 * @brief Length in bytes of the instruction at pc (reads it with halfword accesses).
 * @param pc the instruction's address
 * @return 2 (compressed) or 4
 * @blocking no
 * @errors a load access fault if pc is not readable
 *
 * Example: `f->mepc += imcvp_insn_length(f->mepc);`
 */
static inline uint32_t imcvp_insn_length(uint32_t pc) {
  return ((*(volatile uint16_t*)(uintptr_t)pc) & 3u) == 3u ? 4u : 2u;
}

/**
 * @brief Enables an interrupt in mie.
 * @param irq interrupt number (IRQ_M_*)
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_irq_enable(IRQ_M_TIMER);`
 */
static inline void imcvp_irq_enable(uint32_t irq) {
  csr_set(mie, 1u << irq);
}
/**
 * @brief Disables an interrupt in mie.
 * @param irq interrupt number (IRQ_M_*)
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_irq_disable(IRQ_M_TIMER);`
 */
static inline void imcvp_irq_disable(uint32_t irq) {
  csr_clear(mie, 1u << irq);
}

/**
 * @brief Enables interrupts globally (mstatus.MIE = 1).
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_irq_enable_global();`
 */
static inline void imcvp_irq_enable_global(void) {
  csr_set(mstatus, MSTATUS_MIE);
}
/**
 * @brief Disables interrupts globally (mstatus.MIE = 0).
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_irq_disable_global();`
 */
static inline void imcvp_irq_disable_global(void) {
  csr_clear(mstatus, MSTATUS_MIE);
}
/**
 * @brief Disables interrupts globally and returns the previous state (for imcvp_irq_restore()).
 * @return MSTATUS_MIE if they were enabled, else 0
 * @blocking no
 * @errors none
 *
 * Example: `uint32_t s = imcvp_irq_save(); shared++; imcvp_irq_restore(s);`
 */
static inline uint32_t imcvp_irq_save(void) {
  uint32_t v;
  __asm__ volatile("csrrci %0, mstatus, 8" : "=r"(v)::"memory");
  return v & MSTATUS_MIE;
}
/**
 * @brief Re-enables interrupts if `state` says they were enabled.
 * @param state the value imcvp_irq_save() returned
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_irq_restore(s);`
 */
static inline void imcvp_irq_restore(uint32_t state) {
  if (state) csr_set(mstatus, MSTATUS_MIE);
}

/**
 * @brief Waits for an interrupt (wfi).
 *
 * The hart wakes when an enabled interrupt is pending, even with mstatus.MIE = 0 (then no trap
 * is taken); it may also wake spuriously: always re-check the condition.
 * @blocking yes, until an enabled interrupt is pending (imcvp skips the idle time)
 * @errors none
 *
 * Example: `while (!done) imcvp_wfi();`
 */
static inline void imcvp_wfi(void) {
  __asm__ volatile("wfi" ::: "memory");
}

#endif /* IMCVP_IRQ_H */
