#include "prog.inc"
.globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li s0, LOG
  li t0, LOG+0x100
  li t1, 5
  sw t1, 0(t0)
  lr.w a0, (t0)
  addi a0, a0, 1
  sc.w a1, a0, (t0)             # succeeds: a1 = 0, mem = 6
  lr.w a2, (t0)
  sw zero, 0(t0)                # store to the reserved word clears the reservation
  sc.w a3, a2, (t0)             # fails: a3 = 1, mem = 0
  sc.w a4, a2, (t0)             # no reservation: a4 = 1
  lr.w a5, (t0)
  ecall                         # a trap clears the reservation
  sc.w a6, a5, (t0)             # fails: a6 = 1
  lr.w s1, (t0)
  sw t1, 4(t0)                  # store elsewhere keeps it
  sc.w s2, t1, (t0)             # succeeds: s2 = 0, mem = 5
  li t2, 10
  amoadd.w s3, t2, (t0)         # s3 = 5, mem = 15
  li t2, -3
  amomin.w s4, t2, (t0)         # s4 = 15, mem = -3
  li t2, 7
  amomaxu.w s5, t2, (t0)        # s5 = -3, mem = 0xfffffffd (unsigned max)
  amoswap.w s6, t2, (t0)        # s6 = 0xfffffffd, mem = 7
  li t2, 0xc
  amoor.w s7, t2, (t0)          # s7 = 7, mem = 0xf
  lw s8, 0(t0)
  EXIT 0
.balign 4
handler:
  LOGGING_HANDLER
