# Debugger hooks (test_debug.cpp): a loop with a mid-block breakpoint target, a store and a
# load to watch, an ecall to step into. Fixed addresses (.org, no RVC) so the test knows them.
#include "prog.inc"
.option norvc
.globl _start
_start:
  li a0, 0
  li a1, 0
  la t1, handler
  csrw mtvec, t1
  j loop
.org 0x40
loop:                       # 0x80000040
  addi a0, a0, 1
  addi a1, a1, 2
mid:                        # 0x80000048: breakpoint target in the middle of the block
  addi a1, a1, 3
  addi t0, x0, 100
  blt a0, t0, loop          # 0x80000050
.org 0x80
  lui t0, 0x80010           # 0x80000080: t0 = LOG
  addi t0, t0, 0
  sw a0, 0(t0)              # 0x80000088: write watch target
  lw a2, 4(t0)              # 0x8000008c: read watch target
  addi a3, x0, 7            # 0x80000090
  ecall                     # 0x80000094: a step lands in the handler
  addi a4, x0, 9            # 0x80000098
  EXIT 0
.org 0x100
handler:                    # 0x80000100
  csrr t2, mepc
  addi t2, t2, 4
  csrw mepc, t2
  mret
