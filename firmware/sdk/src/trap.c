/* C-level trap dispatcher: per-cause handler tables and the default (fatal) handler. */
#include <stddef.h>
#include <stdint.h>

#include "imcvp/csr.h"
#include "imcvp/irq.h"
#include "imcvp/simctrl.h"
#include "imcvp/uart.h"

_Static_assert(sizeof(imcvp_trap_frame) == 144, "trap_entry.S assumes a 144-byte frame");
_Static_assert(offsetof(imcvp_trap_frame, mepc) == 128, "trap_entry.S frame layout");
_Static_assert(offsetof(imcvp_trap_frame, mstatus) == 140, "trap_entry.S frame layout");

static imcvp_trap_handler_t exception_handlers[32];
static imcvp_trap_handler_t irq_handlers[32];

imcvp_trap_handler_t imcvp_exception_register(uint32_t cause, imcvp_trap_handler_t fn) {
  if (cause >= 32) return NULL;
  imcvp_trap_handler_t old = exception_handlers[cause];
  exception_handlers[cause] = fn;
  return old;
}

imcvp_trap_handler_t imcvp_irq_register(uint32_t irq, imcvp_trap_handler_t fn) {
  if (irq >= 32) return NULL;
  imcvp_trap_handler_t old = irq_handlers[irq];
  irq_handlers[irq] = fn;
  return old;
}

void imcvp_trap_default(imcvp_trap_frame* f) {
  int interrupt = (f->mcause & MCAUSE_INTERRUPT) != 0;
  uint32_t code = f->mcause & ~MCAUSE_INTERRUPT;
  imcvp_uart_puts(interrupt ? "\n*** unhandled interrupt: mcause=0x"
                            : "\n*** unhandled trap: mcause=0x");
  imcvp_uart_puthex(f->mcause);
  imcvp_uart_puts(" mepc=0x");
  imcvp_uart_puthex(f->mepc);
  imcvp_uart_puts(" mtval=0x");
  imcvp_uart_puthex(f->mtval);
  imcvp_uart_puts("\n");
  // Exit codes 128 + cause / 192 + irq: distinct from small app codes and readable.
  imcvp_exit(interrupt ? (int)(192u + (code & 63u)) : (int)(128u + (code & 63u)));
}

void imcvp_trap_dispatch(imcvp_trap_frame* f);
void imcvp_trap_dispatch(imcvp_trap_frame* f) {
  uint32_t code = f->mcause & ~MCAUSE_INTERRUPT;
  imcvp_trap_handler_t fn = NULL;
  if (code < 32)
    fn = (f->mcause & MCAUSE_INTERRUPT) ? irq_handlers[code] : exception_handlers[code];
  if (fn == NULL) imcvp_trap_default(f);
  fn(f);
}
