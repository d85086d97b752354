#include "prog.inc"
.globl _start
_start:
  addi a0, x0, 1
  .word 0x40001033              # illegal; mtvec = 0 (reset value) is unmapped
  EXIT 0
