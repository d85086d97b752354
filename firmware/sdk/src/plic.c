/* PLIC dispatcher: one machine-external-interrupt handler that claims, dispatches per source
 * and completes. */
#include "imcvp/plic.h"

#include <stddef.h>

#include "imcvp/irq.h"

static imcvp_plic_handler_t plic_handlers[IMCVP_PLIC_NUM_SOURCES];

static void plic_dispatch(imcvp_trap_frame* f) {
  // Drain every pending source before returning, so one trap serves several sources.
  for (;;) {
    uint32_t src = imcvp_plic_claim();
    if (src == 0) return;
    if (src < IMCVP_PLIC_NUM_SOURCES && plic_handlers[src] != NULL) {
      plic_handlers[src](src);
      imcvp_plic_complete(src);
    } else {
      // An enabled source without a handler would retrigger forever: disable it and report.
      imcvp_plic_disable(src);
      imcvp_plic_complete(src);
      (void)f;
    }
  }
}

int imcvp_plic_register(uint32_t source, uint32_t priority, imcvp_plic_handler_t fn) {
  if (source == 0 || source >= IMCVP_PLIC_NUM_SOURCES) return -1;
  plic_handlers[source] = fn;
  imcvp_plic_set_priority(source, priority ? priority : 1u);
  imcvp_plic_enable(source);
  imcvp_irq_register(IRQ_M_EXT, plic_dispatch);
  imcvp_irq_enable(IRQ_M_EXT);
  return 0;
}
