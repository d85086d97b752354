#include "prog.inc"
.globl _start
_start:
  li t0, LOG+0x300
  li t1, 0x1234
  sw t1, 4(t0)                  # next to the watched word: no callback
  sw t1, -4(t0)
  sb t1, 2(t0)                  # overlaps: callback (addr+2, 0x34)
  addi a0, x0, 1
  li t1, 0xabcd
  sw t1, 0(t0)                  # callback requests a stop here
  addi a0, x0, 2
  EXIT 0
