#include "prog.inc"
.globl _start
_start:
  call target
  mv s1, a0                     # 1
  la t0, target
  li t1, 0x00500513             # addi a0, x0, 5
  sw t1, 0(t0)
  fence.i
  call target
  mv s2, a0                     # 5
  la t0, patch
  li t1, 0x00700593             # addi a1, x0, 7
  sw t1, 0(t0)                  # patches the next instruction in this very block
.option push
.option norvc
patch:
  addi a1, x0, 3
.option pop
  EXIT 0
.option push
.option norvc
target:
  addi a0, x0, 1
  ret
.option pop
