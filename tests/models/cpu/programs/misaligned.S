#include "prog.inc"
.globl _start
_start:
  li t0, LOG+1
  li t1, 0x11223344
  sw t1, 0(t0)                  # misaligned word store
  lw a0, 0(t0)                  # 0x11223344
  lh a1, 2(t0)                  # bytes 0x22 0x11 -> 0x1122
  li t1, 0x80ff
  sh t1, 4(t0)
  lh a2, 4(t0)                  # 0xffff80ff
  lhu a3, 4(t0)                 # 0x000080ff
  lw a4, -1(t0)                 # aligned: 0x22334400
  EXIT 0
