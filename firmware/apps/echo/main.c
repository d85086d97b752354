/* echo: reads lines from the UART (imcvp: --set uart0.rx=stdin or a file) and prints each
 * back upper-cased with its length, until a line "quit" or end of input (EOF shows up as
 * no data: the app stops after ~1 ms of simulated silence). Exit code = number of lines. */
#include <stdio.h>

#include "imcvp/clint.h"
#include "imcvp/uart.h"

static int getc_timeout(uint64_t ticks) {
  uint64_t until = imcvp_mtime() + ticks;
  while (imcvp_mtime() < until) {
    int c = imcvp_uart_trygetc();
    if (c >= 0) return c;
  }
  return -1;
}

int main(void) {
  char line[128];
  int lines = 0;
  for (;;) {
    unsigned n = 0;
    int c;
    while ((c = getc_timeout(10000)) >= 0 && c != '\n') {  // 10000 ticks = 1 ms at 10 MHz
      if (n + 1 < sizeof line) line[n++] = (char)c;
    }
    line[n] = '\0';
    if (c < 0 && n == 0) break;
    if (n == 4 && line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't') break;
    for (unsigned i = 0; i < n; ++i)
      if (line[i] >= 'a' && line[i] <= 'z') line[i] = (char)(line[i] - 'a' + 'A');
    printf("%u: %s\n", n, line);
    ++lines;
    if (c < 0) break;
  }
  printf("echo: %d lines\n", lines);
  return lines;
}
