#include "prog.inc"
.globl _start
_start:
  csrr a0, minstret
  addi x0, x0, 0
  addi x0, x0, 0
  addi x0, x0, 0
  csrr a1, minstret             # a1 - a0 = 4
  li t0, 100
  csrw minstret, t0
  csrr a2, minstret             # 100
  csrr a3, instret              # 101
  li t0, 5
  csrw mcountinhibit, t0        # inhibit CY and IR
  csrr a4, minstret
  addi x0, x0, 0
  csrr a5, minstret             # = a4
  csrr s1, mcycle
  addi x0, x0, 0
  csrr s2, mcycle               # = s1
  csrw mcountinhibit, zero
  csrr s3, misa
  csrr s4, mhartid
  li t0, 0xffffffff
  csrw mtvec, t0
  csrr s5, mtvec                # 0xfffffffd (mode 1 kept, reserved mode bit cleared)
  li t0, 0x1800
  csrc mstatus, t0
  li t0, 0x1000
  csrs mstatus, t0              # MPP = 2 (S) is not supported: WARL -> U
  csrr s6, mstatus
  csrr s7, mip
  EXIT 0
