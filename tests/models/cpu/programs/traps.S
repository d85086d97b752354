#include "prog.inc"
.globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li s0, LOG
  li t1, 0x80020001
  li t3, 0x30000000
  li s2, 0x1000
L1: .word 0x40001033            # illegal 32-bit (SLL with funct7=0x20)
L2: .half 0x0000                # illegal compressed (all zero)
L3: ecall
.option push
.option norvc
L4: ebreak
.option pop
L5: c.ebreak
L6: lw t2, 0(t1)                # load misaligned
L7: sw t2, 2(t1)                # store misaligned
L8: lw t2, 0(t3)                # load access fault (unmapped)
L9: sw t2, 0(t3)                # store access fault (unmapped)
L10: sw t2, 0(s2)               # store access fault (read-only ROM)
L11: amoadd.w t2, t2, (t1)      # AMO misaligned -> store/AMO misaligned
L12: lr.w t2, (t1)              # LR misaligned -> load misaligned
L13: jalr ra, 0(t3)             # instruction access fault at 0x30000000
L14: csrw mhartid, t1           # write to a read-only CSR -> illegal
L15: csrr t2, 0x7c0             # non-existent CSR -> illegal
L16: lh t2, 0(t1)               # halfword misaligned
  EXIT 0
.balign 4
handler:
  LOGGING_HANDLER

.org 0x800
expect:
  .word L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L12, L13, L14, L15, L16
