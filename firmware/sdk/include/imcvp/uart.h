/**
 * @file imcvp/uart.h
 * @brief NS16550A UART driver (UART0 at IMCVP_UART0_BASE, from the device tree; byte-wide
 * registers, stride 1).
 *
 * Polled transmit/receive plus the interrupt-enable bits. Transmit waits for LSR.THRE with a
 * bounded spin so a model that never sets THRE cannot hang the firmware. printf() goes here
 * through the SDK's stdio (default apps).
 *
 * @code
 * imcvp_uart_init(115200);
 * imcvp_uart_puts("ready\n");
 * int c = imcvp_uart_getc();   // blocks until a byte arrives (imcvp: uart0.rx)
 * @endcode
 */
#ifndef IMCVP_UART_H
#define IMCVP_UART_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

/** @name Register offsets (DLAB = 0 unless noted) */
/** @{ */
#define UART_RBR 0u /**< read: receive buffer */
#define UART_THR 0u /**< write: transmit holding */
#define UART_DLL 0u /**< DLAB = 1: divisor low */
#define UART_IER 1u /**< interrupt enable */
#define UART_DLM 1u /**< DLAB = 1: divisor high */
#define UART_IIR 2u /**< read: interrupt identification */
#define UART_FCR 2u /**< write: FIFO control */
#define UART_LCR 3u /**< line control */
#define UART_MCR 4u /**< modem control */
#define UART_LSR 5u /**< line status */
#define UART_MSR 6u /**< modem status */
#define UART_SCR 7u /**< scratch */
/** @} */

/** @name Register bits */
/** @{ */
#define UART_IER_ERBFI 0x01u   /**< IER: receive data available interrupt */
#define UART_IER_ETBEI 0x02u   /**< IER: transmit holding register empty interrupt */
#define UART_IIR_NO_INT 0x01u  /**< IIR: no interrupt pending */
#define UART_IIR_ID_MASK 0x0Eu /**< IIR: interrupt identification field */
#define UART_IIR_THRE 0x02u    /**< IIR id: transmit holding register empty */
#define UART_IIR_RDA 0x04u     /**< IIR id: received data available */
#define UART_LCR_8N1 0x03u     /**< LCR: 8 data bits, no parity, 1 stop bit */
#define UART_LCR_DLAB 0x80u    /**< LCR: divisor latch access */
#define UART_LSR_DR 0x01u      /**< LSR: data ready */
#define UART_LSR_THRE 0x20u    /**< LSR: transmit holding register empty */
#define UART_LSR_TEMT 0x40u    /**< LSR: transmitter empty */
/** @} */

/**
 * @brief Writes a UART0 register.
 * @param reg register offset (UART_*)
 * @param v value
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_uart_write_reg(UART_IER, UART_IER_ERBFI);` (receive interrupt on)
 */
static inline void imcvp_uart_write_reg(unsigned reg, uint8_t v) {
  imcvp_write8(IMCVP_UART0_BASE + reg, v);
}
/**
 * @brief Reads a UART0 register.
 * @param reg register offset (UART_*)
 * @return the value
 * @blocking no
 * @errors none (reading RBR or IIR has the 16550's side effects)
 *
 * Example: `if (imcvp_uart_read_reg(UART_LSR) & UART_LSR_DR) ...`
 */
static inline uint8_t imcvp_uart_read_reg(unsigned reg) {
  return imcvp_read8(IMCVP_UART0_BASE + reg);
}

/**
 * @brief Sets 8N1, FIFOs on, interrupts off and the divisor for `baud` from
 * IMCVP_UART0_CLOCK_HZ.
 * @param baud bit rate (0 is taken as divisor 1)
 * @blocking no
 * @errors none (imcvp and QEMU ignore the divisor: output is not rate-limited)
 *
 * Example: `imcvp_uart_init(115200);`
 */
void imcvp_uart_init(uint32_t baud);
/**
 * @brief Transmits one byte.
 * @param c the byte
 * @blocking yes: waits for LSR.THRE, at most 100000 polls, then writes anyway
 * @errors none
 *
 * Example: `imcvp_uart_putc('\n');`
 */
void imcvp_uart_putc(char c);
/**
 * @brief Transmits a NUL-terminated string ("\n" is sent as-is).
 * @param s the string
 * @blocking yes, per byte as imcvp_uart_putc()
 * @errors none
 *
 * Example: `imcvp_uart_puts("hello\n");`
 */
void imcvp_uart_puts(const char* s);
/**
 * @brief Transmits v as 8 hex digits (no prefix); usable from trap handlers (no stdio).
 * @param v the value
 * @blocking yes, per byte as imcvp_uart_putc()
 * @errors none
 *
 * Example: `imcvp_uart_puthex(csr_read(mcause));`
 */
void imcvp_uart_puthex(uint32_t v);
/**
 * @brief Receives one byte.
 * @return the byte (0..255)
 * @blocking yes: polls LSR.DR until a byte arrives (forever if none does)
 * @errors none
 *
 * Example: `int c = imcvp_uart_getc();`
 */
int imcvp_uart_getc(void);
/**
 * @brief Receives one byte if one is waiting.
 * @return the byte, or -1 when none is waiting
 * @blocking no
 * @errors none
 *
 * Example: `int c; while ((c = imcvp_uart_trygetc()) >= 0) handle(c);`
 */
int imcvp_uart_trygetc(void);

#endif /* IMCVP_UART_H */
