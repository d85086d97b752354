#include "prog.inc"
.globl _start
_start:
  li t0, 0x80                   # MTIE only; MIE stays 0: WFI still wakes up
  csrw mie, t0
  csrr s1, time
  li t1, DEV
  li t2, 5000
  sw t2, 8(t1)                  # mtip in 5 us
  wfi
  csrr s2, time
  csrr s3, mip
  EXIT 0
