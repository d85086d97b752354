#include "prog.inc"
.globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li s0, LOG
  li t0, 0x20001fff             # NAPOT 0x80000000, 64 KiB
  csrw pmpaddr0, t0
  li t0, 0x2000c000             # NA4 0x80030000
  csrw pmpaddr1, t0
  li t0, 0x111f                 # e0: NAPOT RWX, e1: NA4 R
  csrw pmpcfg0, t0
  li t0, 0x1800
  csrc mstatus, t0              # MPP = U
  la t0, ucode
  csrw mepc, t0
  mret
ucode:
  li t1, 0x80008000
  sw t1, 0(t1)                  # allowed (entry 0)
  lw a1, 0(t1)
  li t1, 0x80030000
  lw a2, 0(t1)                  # allowed (entry 1, R)
U1: sw a2, 0(t1)                # store access fault
  li t1, 0x80040000
U2: lw a3, 0(t1)                # no entry matches: load access fault
U3: csrr a4, mstatus            # M CSR from U: illegal
U4: rdcycle a4                  # mcounteren = 0: illegal
U5: ecall                       # back to M at mcont
mcont:
  li t0, 0x14000                # pmpaddr2 = 0x80050000 >> 2 = 0x20014000
  li t0, 0x20014000
  csrw pmpaddr2, t0
  li t0, 0x910000               # entry 2: NA4, R, locked
  csrs pmpcfg0, t0
  li t1, 0x80050000
M1: sw zero, 0(t1)              # store access fault even in M (locked)
  lw a5, 0(t1)                  # allowed
  csrw pmpcfg0, zero            # entry 2 stays (locked); entries 0/1 cleared
  csrr s1, pmpcfg0
  csrw pmpaddr2, zero           # ignored (locked)
  csrr s2, pmpaddr2
  EXIT 0
.balign 4
handler:
  csrr t4, mcause
  li t6, 8
  bne t4, t6, 3f
  sw t4, 0(s0)                  # ecall from U: record and continue in M at mcont
  addi s0, s0, 12
  la t5, mcont
  csrw mepc, t5
  li t5, 0x1800
  csrs mstatus, t5
  mret
3:
  LOGGING_HANDLER

.org 0x800
expect:
  .word U1, U2, U3, U4, U5, M1
