/* picolibc stdin/stdout/stderr over UART0 and _exit() through the test finisher.
 * Linked into every non-semihosting app (semihosting apps get both from libsemihost). */
#include <stdio.h>

#include "imcvp/simctrl.h"
#include "imcvp/uart.h"

static int stdio_uart_put(char c, FILE* f) {
  (void)f;
  imcvp_uart_putc(c);
  return (unsigned char)c;
}

static int stdio_uart_get(FILE* f) {
  (void)f;
  return imcvp_uart_getc();
}

static FILE imcvp_stdio = FDEV_SETUP_STREAM(stdio_uart_put, stdio_uart_get, NULL, _FDEV_SETUP_RW);

FILE* const stdin = &imcvp_stdio;
FILE* const stdout = &imcvp_stdio;
FILE* const stderr = &imcvp_stdio;

void _exit(int code);
void _exit(int code) {
  imcvp_exit(code);
}
