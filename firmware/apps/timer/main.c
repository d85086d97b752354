/* timer: interrupt demo and self-check.
 *  1. machine timer: programs mtimecmp for TIMER_TICKS periodic ticks of TIMER_PERIOD_TICKS,
 *     sleeps in WFI, counts ticks in the handler and prints the mtime elapsed per tick;
 *  2. machine software interrupt: raises CLINT msip, the handler clears it;
 *  3. external interrupt: UART0 "transmitter empty" (IER.ETBEI) through the PLIC; the handler
 *     reads IIR and disables ETBEI. imcvp wires UART0 to PLIC source 1, QEMU virt to 10: both
 *     are enabled, whichever fires counts.
 * Exits 0 when every expectation holds, otherwise the number of the failed step.
 */
#include <stdint.h>
#include <stdio.h>

#include "imcvp/clint.h"
#include "imcvp/irq.h"
#include "imcvp/plic.h"
#include "imcvp/uart.h"

#define TIMER_TICKS 10u
#define TIMER_PERIOD_TICKS (IMCVP_MTIME_HZ / 1000u) /* 1 ms */
/* Give up on an interrupt after this many mtime ticks (50 ms) instead of hanging. */
#define WAIT_LIMIT_TICKS (IMCVP_MTIME_HZ / 20u)

static volatile uint32_t timer_count;
static volatile uint64_t timer_deadline;
static volatile uint64_t timer_seen[TIMER_TICKS];
static volatile uint32_t soft_count;
static volatile uint32_t uart_count;
static volatile uint32_t uart_source;

static void on_timer(imcvp_trap_frame* f) {
  (void)f;
  uint32_t n = timer_count;
  if (n < TIMER_TICKS) timer_seen[n] = imcvp_mtime();
  timer_count = n + 1;
  if (n + 1 < TIMER_TICKS) {
    timer_deadline += TIMER_PERIOD_TICKS;
    imcvp_set_mtimecmp(timer_deadline);
  } else {
    imcvp_timer_disarm();
  }
}

static void on_soft(imcvp_trap_frame* f) {
  (void)f;
  imcvp_set_msip(0);
  ++soft_count;
}

static void on_uart(uint32_t source) {
  (void)imcvp_uart_read_reg(UART_IIR); /* reading IIR acknowledges THRE */
  imcvp_uart_write_reg(UART_IER, 0);
  uart_source = source;
  ++uart_count;
}

/* Poll until *counter reaches want or WAIT_LIMIT_TICKS pass; returns 1 on success. */
static int wait_for(volatile uint32_t* counter, uint32_t want) {
  uint64_t start = imcvp_mtime();
  while (*counter < want) {
    if (imcvp_mtime() - start > WAIT_LIMIT_TICKS) return 0;
  }
  return 1;
}

int main(void) {
  int failed = 0;

  /* 1. timer ticks */
  imcvp_irq_register(IRQ_M_TIMER, on_timer);
  uint64_t start = imcvp_mtime();
  timer_deadline = start + TIMER_PERIOD_TICKS;
  imcvp_set_mtimecmp(timer_deadline);
  imcvp_irq_enable(IRQ_M_TIMER);
  imcvp_irq_enable_global();
  while (timer_count < TIMER_TICKS) {
    imcvp_wfi();
    if (imcvp_mtime() - start > (uint64_t)TIMER_TICKS * TIMER_PERIOD_TICKS + WAIT_LIMIT_TICKS)
      break;
  }
  imcvp_irq_disable(IRQ_M_TIMER);
  printf("timer: %lu ticks of %lu mtime ticks (%lu us)\n", (unsigned long)timer_count,
         (unsigned long)TIMER_PERIOD_TICKS,
         (unsigned long)(TIMER_PERIOD_TICKS / (IMCVP_MTIME_HZ / 1000000u)));
  uint64_t prev = start;
  int late = 0;
  for (uint32_t i = 0; i < timer_count && i < TIMER_TICKS; ++i) {
    uint64_t due = start + (uint64_t)(i + 1) * TIMER_PERIOD_TICKS;
    printf("  tick %2lu: +%lu mtime ticks since previous, %lu after its deadline\n",
           (unsigned long)(i + 1), (unsigned long)(timer_seen[i] - prev),
           (unsigned long)(timer_seen[i] - due));
    if (timer_seen[i] < due) late = 1; /* a tick before its deadline is a bug */
    prev = timer_seen[i];
  }
  if (timer_count != TIMER_TICKS || late) {
    printf("timer: FAILED (%lu ticks, early tick: %d)\n", (unsigned long)timer_count, late);
    failed = failed ? failed : 1;
  }

  /* 2. software interrupt */
  imcvp_irq_register(IRQ_M_SOFT, on_soft);
  imcvp_irq_enable(IRQ_M_SOFT);
  imcvp_set_msip(1);
  if (!wait_for(&soft_count, 1) || imcvp_get_msip() != 0) {
    printf("msip: FAILED (count %lu)\n", (unsigned long)soft_count);
    failed = failed ? failed : 2;
  } else {
    printf("msip: software interrupt taken and cleared\n");
  }
  imcvp_irq_disable(IRQ_M_SOFT);

  /* 3. UART THRE interrupt via the PLIC */
  imcvp_plic_set_threshold(0);
  imcvp_plic_register(IMCVP_UART0_IRQ, 1, on_uart);
  if (IMCVP_QEMU_VIRT_UART0_IRQ != IMCVP_UART0_IRQ)
    imcvp_plic_register(IMCVP_QEMU_VIRT_UART0_IRQ, 1, on_uart);
  imcvp_uart_write_reg(UART_IER, UART_IER_ETBEI);
  if (!wait_for(&uart_count, 1)) {
    printf("uart irq: FAILED (no interrupt)\n");
    failed = failed ? failed : 3;
  } else {
    printf("uart irq: THRE interrupt from PLIC source %lu\n", (unsigned long)uart_source);
  }
  imcvp_irq_disable(IRQ_M_EXT);
  imcvp_irq_disable_global();

  printf("timer demo: %s\n", failed ? "FAILED" : "all interrupts OK");
  return failed;
}
