#include "prog.inc"
# Sums a table twice with a DMI invalidation in between (the target revokes all pointers);
# the second pass must see the value the host wrote behind the core's back meanwhile.
.globl _start
_start:
  li s2, LOG
  li t0, 0
  li t1, 64
fill:
  slli t2, t0, 2
  add t2, t2, s2
  sw t0, 0(t2)
  addi t0, t0, 1
  bne t0, t1, fill
  call sum
  mv s3, a0                     # 0 + 1 + ... + 63 = 2016
  li t1, DEV
  sw zero, 0x14(t1)             # invalidate DMI
  call sum
  mv s4, a0
  EXIT 0
sum:
  li a0, 0
  li t0, 0
  li t1, 64
1:
  slli t2, t0, 2
  add t2, t2, s2
  lw t3, 0(t2)
  add a0, a0, t3
  addi t0, t0, 1
  bne t0, t1, 1b
  ret
