/* exit(EXIT_CODE) through semihosting SYS_EXIT_EXTENDED (picolibc --oslib=semihost). */
#include <stdlib.h>

int main(void) {
  exit(EXIT_CODE);
}
