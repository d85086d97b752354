/* NS16550A UART driver (UART0 at IMCVP_UART0_BASE, byte-wide registers, stride 1).
 *
 * Polled transmit/receive plus the interrupt-enable bits. Transmit waits for LSR.THRE with a
 * bounded spin so a model that never sets THRE cannot hang the firmware.
 */
#ifndef IMCVP_UART_H
#define IMCVP_UART_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

/* Register offsets (DLAB = 0 unless noted). */
#define UART_RBR 0u /* read: receive buffer */
#define UART_THR 0u /* write: transmit holding */
#define UART_DLL 0u /* DLAB = 1: divisor low */
#define UART_IER 1u /* interrupt enable; DLAB = 1: divisor high */
#define UART_DLM 1u
#define UART_IIR 2u /* read: interrupt identification */
#define UART_FCR 2u /* write: FIFO control */
#define UART_LCR 3u
#define UART_MCR 4u
#define UART_LSR 5u
#define UART_MSR 6u
#define UART_SCR 7u

#define UART_IER_ERBFI 0x01u /* receive data available */
#define UART_IER_ETBEI 0x02u /* transmit holding register empty */
#define UART_IIR_NO_INT 0x01u
#define UART_IIR_ID_MASK 0x0Eu
#define UART_IIR_THRE 0x02u
#define UART_IIR_RDA 0x04u
#define UART_LCR_8N1 0x03u
#define UART_LCR_DLAB 0x80u
#define UART_LSR_DR 0x01u
#define UART_LSR_THRE 0x20u
#define UART_LSR_TEMT 0x40u

static inline void imcvp_uart_write_reg(unsigned reg, uint8_t v) {
  imcvp_write8(IMCVP_UART0_BASE + reg, v);
}
static inline uint8_t imcvp_uart_read_reg(unsigned reg) {
  return imcvp_read8(IMCVP_UART0_BASE + reg);
}

/* 8N1, FIFOs on, interrupts off, divisor for `baud` from IMCVP_UART0_CLOCK_HZ. */
void imcvp_uart_init(uint32_t baud);
/* Blocking transmit of one byte. */
void imcvp_uart_putc(char c);
/* Transmit a NUL-terminated string ("\n" is sent as-is). */
void imcvp_uart_puts(const char* s);
/* Transmit v as 8 hex digits (no prefix); usable from trap handlers (no stdio). */
void imcvp_uart_puthex(uint32_t v);
/* Blocking receive of one byte. */
int imcvp_uart_getc(void);
/* Non-blocking receive: the byte, or -1 when no byte is waiting. */
int imcvp_uart_trygetc(void);

#endif /* IMCVP_UART_H */
