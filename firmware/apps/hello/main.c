/* hello: prints a greeting and a few computed values with printf, exits 0.
 * Runs unchanged on imcvp and on QEMU virt. */
#include <stdio.h>

#include "imcvp/csr.h"

static char misa_letters(uint32_t misa, char* out) {
  char* p = out;
  for (int i = 0; i < 26; ++i) {
    if (misa & (1u << i)) *p++ = (char)('a' + i);
  }
  *p = '\0';
  return (char)(p - out);
}

int main(void) {
  uint32_t misa = csr_read(misa);
  char ext[27];
  misa_letters(misa, ext);
  unsigned sum = 0;
  for (unsigned i = 1; i <= 100; ++i) sum += i;

  printf("Hello from imcvp!\n");
  printf("mhartid=%lu misa=0x%08lx (rv%d%s)\n", (unsigned long)csr_read(mhartid),
         (unsigned long)misa, (misa >> 30) == 1 ? 32 : 64, ext);
  printf("sum(1..100)=%u\n", sum);
  return sum == 5050 ? 0 : 1;
}
