/* Trap handler and vector table of the ISA self-tests (see isa.h for the protocol). Uses the
 * interrupted sp for its 3 saved registers: tests keep sp valid in every mode. */
#include "isa.h"

    .bss
    .balign 8
    .global isa_trap_state
isa_trap_state:
    .space TS_SIZE
    .global isa_fail_info
isa_fail_info:
    .space 8

    .text
    .balign 4
    .global isa_trap_handler
    .type isa_trap_handler, @function
isa_trap_handler:
    addi    sp, sp, -16
    sw      t0, 0(sp)
    sw      t1, 4(sp)
    sw      t2, 8(sp)
    la      t0, isa_trap_state
    lw      t1, TS_COUNT(t0)
    addi    t1, t1, 1
    sw      t1, TS_COUNT(t0)
    li      t2, TRAP_RUNAWAY_LIMIT
    bgeu    t1, t2, .Lrunaway
    csrr    t1, mcause
    sw      t1, TS_MCAUSE(t0)
    csrr    t2, mepc
    sw      t2, TS_MEPC(t0)
    csrr    t2, mtval
    sw      t2, TS_MTVAL(t0)
    csrr    t2, mstatus
    sw      t2, TS_MSTATUS(t0)
    bltz    t1, .Linterrupt

    /* Exception: resume at a label, or skip the instruction. */
    lw      t2, TS_RESUME(t0)
    beqz    t2, .Lskip
    lw      t2, TS_RESUME_CAUSE(t0)
    li      t1, -1
    beq     t2, t1, .Lresume
    csrr    t1, mcause
    bne     t1, t2, .Lskip
.Lresume:
    lw      t2, TS_RESUME(t0)
    sw      zero, TS_RESUME(t0)
    csrw    mepc, t2
    li      t1, 0x1800          /* MPP = M: resume in M-mode */
    csrs    mstatus, t1
    j       .Lout
.Lskip:
    csrr    t1, mepc
    lhu     t2, 0(t1)
    andi    t2, t2, 3
    addi    t1, t1, 2
    li      t0, 3
    bne     t2, t0, 1f
    addi    t1, t1, 2
1:  csrw    mepc, t1
    j       .Lout

.Linterrupt:
    slli    t1, t1, 1
    srli    t1, t1, 1
    li      t2, 7
    bne     t1, t2, 2f
    li      t1, CLINT_MTIMECMP_ + 4     /* timer: disarm */
    li      t2, -1
    sw      t2, 0(t1)
    sw      t2, -4(t1)
    j       .Lout
2:  li      t2, 3
    bne     t1, t2, 3f
    li      t1, CLINT_MSIP_             /* software: clear msip */
    sw      zero, 0(t1)
    j       .Lout
3:  li      t2, 1                       /* other: mask it */
    sll     t2, t2, t1
    csrc    mie, t2

.Lout:
    lw      t0, 0(sp)
    lw      t1, 4(sp)
    lw      t2, 8(sp)
    addi    sp, sp, 16
    mret

.Lrunaway:
    /* A trap loop (e.g. skipping into more faults): stop the run with a distinct code. */
    li      t0, FINISHER_
    li      t1, (TRAP_RUNAWAY_EXIT << 16) | 0x3333
    sw      t1, 0(t0)
4:  j       4b
    .size isa_trap_handler, . - isa_trap_handler

/* Vectored-mode table: entry i records i in TS_VECTOR, then runs the common handler. Each
 * entry must be exactly 4 bytes (no compressed jump). */
    .balign 256
    .global isa_vectors
    .type isa_vectors, @function
isa_vectors:
    .option push
    .option norvc
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j       .Lvec\n
    .endr
    .option pop
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
.Lvec\n:
    addi    sp, sp, -16
    sw      t0, 0(sp)
    li      t0, 0x100 + \n
    j       .Lvec_common
    .endr
.Lvec_common:
    sw      t1, 4(sp)
    la      t1, isa_trap_state
    sw      t0, TS_VECTOR(t1)
    lw      t1, 4(sp)
    lw      t0, 0(sp)
    addi    sp, sp, 16
    j       isa_trap_handler
    .size isa_vectors, . - isa_vectors
