#include "prog.inc"
.globl _start
_start:
  la t0, vec
  ori t0, t0, 1                 # vectored mode
  csrw mtvec, t0
  li s0, LOG
  li t0, 0x888                  # MSIE | MTIE | MEIE
  csrw mie, t0
  li t1, DEV
  li t2, 7
  sw t2, 4(t1)                  # raise msip, mtip, meip together
  csrsi mstatus, 8              # MIE = 1: all three are taken in priority order
wait:
  li t2, LOG+36
  bne s0, t2, wait
  EXIT 0

.balign 64
.option push
.option norvc
vec:
  j bad       # 0: exceptions
  j bad
  j bad
  j msi       # 3
  j bad
  j bad
  j bad
  j mti       # 7
  j bad
  j bad
  j bad
  j mei       # 11
.option pop
bad:
  EXIT 2
record:       # a3 = bit to clear in the device irq register
  csrr t4, mcause
  sw t4, 0(s0)
  csrr t4, mepc
  sw t4, 4(s0)
  csrr t4, mstatus
  sw t4, 8(s0)
  addi s0, s0, 12
  li t5, DEV
  lw t4, 4(t5)
  not a3, a3
  and t4, t4, a3
  sw t4, 4(t5)
  mret
msi:
  li a3, 1
  j record
mti:
  li a3, 2
  j record
mei:
  li a3, 4
  j record
