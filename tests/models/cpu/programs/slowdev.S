#include "prog.inc"
.globl _start
_start:
  li t1, DEV
  csrr s1, mcycle
  lw a0, 0x18(t1)               # the target waits 100 ns inside b_transport
  csrr s2, mcycle
  csrr s3, time
  EXIT 0
