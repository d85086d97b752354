/* gdb_demo: a program to debug (docs/debugging.md walks through a session with it).
 *
 * - `compute` is a function to break at;
 * - `answer` is a global to read and change from GDB; the exit code is `answer & 63`
 *   (41 when nobody changes it);
 * - `counter` is a global to watch: `bump` writes it three times.
 * Runs unchanged on imcvp and on QEMU virt. */
#include <stdio.h>

volatile int answer = 41;
volatile unsigned counter = 0;

__attribute__((noinline)) int compute(int x) {
  int doubled = x * 2;
  int result = doubled + 1;
  return result;
}

__attribute__((noinline)) void bump(unsigned by) {
  counter = counter + by;
}

int main(void) {
  int r = compute(answer);
  for (unsigned i = 1; i <= 3; ++i) bump(i);
  printf("gdb_demo: answer=%d compute=%d counter=%u\n", answer, r, counter);
  return answer & 63;
}
