/* hello-semihost: printf and exit(3) through RISC-V semihosting (picolibc --oslib=semihost).
 * The run must end with exit code 3 (QEMU: -semihosting-config enable=on,target=native). */
#include <stdio.h>
#include <stdlib.h>

#include "imcvp/csr.h"

int main(void) {
  unsigned sum = 0;
  for (unsigned i = 1; i <= 10; ++i) sum += i * i;
  printf("Hello from imcvp via semihosting!\n");
  printf("mhartid=%lu sum(i^2, 1..10)=%u\n", (unsigned long)csr_read(mhartid), sum);
  exit(sum == 385 ? 3 : 1);
}
