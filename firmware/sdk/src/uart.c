/* NS16550A polled driver. */
#include "imcvp/uart.h"

// Bounded wait for THRE: a model that never reports THRE costs time, not a hang.
#define UART_TX_SPIN_LIMIT 100000u

void imcvp_uart_init(uint32_t baud) {
  uint32_t div = baud ? (IMCVP_UART0_CLOCK_HZ + 8u * baud) / (16u * baud) : 1u;
  if (div == 0) div = 1;
  imcvp_uart_write_reg(UART_IER, 0);
  imcvp_uart_write_reg(UART_LCR, UART_LCR_DLAB);
  imcvp_uart_write_reg(UART_DLL, (uint8_t)(div & 0xFFu));
  imcvp_uart_write_reg(UART_DLM, (uint8_t)((div >> 8) & 0xFFu));
  imcvp_uart_write_reg(UART_LCR, UART_LCR_8N1);
  imcvp_uart_write_reg(UART_FCR, 0x07u); /* enable and reset both FIFOs */
}

void imcvp_uart_putc(char c) {
  for (uint32_t i = 0; i < UART_TX_SPIN_LIMIT; ++i) {
    if (imcvp_uart_read_reg(UART_LSR) & UART_LSR_THRE) break;
  }
  imcvp_uart_write_reg(UART_THR, (uint8_t)c);
}

void imcvp_uart_puts(const char* s) {
  while (*s) imcvp_uart_putc(*s++);
}

void imcvp_uart_puthex(uint32_t v) {
  for (int shift = 28; shift >= 0; shift -= 4) {
    uint32_t d = (v >> shift) & 0xFu;
    imcvp_uart_putc((char)(d < 10 ? '0' + d : 'a' + d - 10));
  }
}

int imcvp_uart_trygetc(void) {
  if (imcvp_uart_read_reg(UART_LSR) & UART_LSR_DR) return imcvp_uart_read_reg(UART_RBR);
  return -1;
}

int imcvp_uart_getc(void) {
  int c;
  while ((c = imcvp_uart_trygetc()) < 0) {
  }
  return c;
}
