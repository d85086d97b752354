/* Synchronous traps (ecall, ebreak, illegal instruction, misaligned and access faults), CSR
 * access rules, counters and the mstatus trap stack, all in M-mode. */
#include "isa.h"

    .option norelax

/* Continue if reg == 0 or reg == reg2. */
.macro CHECK_ZERO_OR reg, reg2
    beqz    \reg, .Lzo\@
    CHECKR  \reg, \reg2
.Lzo\@:
.endm

/* Continue if lo <= reg - base < lo + 2, i.e. reg is `base` or `base + 1`. */
.macro CHECK_CAUSE_PAIR reg, base
    addi    \reg, \reg, -\base
    li      t3, 2
    CHECK_BR bltu, \reg, t3
.endm

TEST_FUNC test_ecall
    TRAP_CLEAR
    la      t1, 1f
1:  ecall
    CHECK_TRAP 1, 11, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECK   t4, 0
    li      a0, 0
99: ret

TEST_FUNC test_ebreak
    .option push
    .option norvc
    TRAP_CLEAR
    la      t1, 1f
1:  ebreak                        /* 4-byte form */
    .option pop
    CHECK_TRAP 1, 3, t1
    TRAP_FIELD t4, TS_MTVAL       /* 0 or the pc */
    CHECK_ZERO_OR t4, t1
    li      a0, 0
99: ret

TEST_FUNC test_illegal
    TRAP_CLEAR
    la      t1, 1f
1:  .word   0xc0001073            /* unimp: csrrw x0, cycle, x0 (write to read-only CSR) */
    CHECK_TRAP 1, 2, t1
    TRAP_FIELD t4, TS_MTVAL       /* 0 or the instruction bits */
    li      t2, 0xc0001073
    CHECK_ZERO_OR t4, t2
    TRAP_CLEAR
    la      t1, 2f
2:  .hword  0x0000                /* c.unimp: all-zero 16-bit is defined illegal */
    CHECK_TRAP 1, 2, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECK   t4, 0
    TRAP_CLEAR
    la      t1, 3f
3:  csrw    mvendorid, t1         /* read-only CSR */
    CHECK_TRAP 1, 2, t1
    TRAP_CLEAR
    la      t1, 4f
4:  .word   0x00003003            /* ld x0, 0(x0): RV64 only */
    CHECK_TRAP 1, 2, t1
    TRAP_CLEAR
    la      t1, 5f
5:  .word   0x0000007b            /* reserved major opcode (custom-3) */
    CHECK_TRAP 1, 2, t1
    li      a0, 0
99: ret

/* Misaligned loads/stores may trap (cause 4/5 loads, 6/7 stores, mtval = address) or be
 * performed correctly (QEMU emulates them); both are accepted, nothing else. */
.macro MISALIGNED_LOAD op, off, exp
    la      a1, misaligned_buf
    li      t1, 0x44332211
    sw      t1, 0(a1)
    li      t1, 0x88776655
    sw      t1, 4(a1)
    li      t1, 0xccbbaa99
    sw      t1, 8(a1)
    TRAP_CLEAR
    li      t2, 0xdeadbeef
    addi    a2, a1, \off
    la      t1, 1f
1:  \op     t2, 0(a2)
    TRAP_FIELD t4, TS_COUNT
    beqz    t4, 2f
    CHECK   t4, 1
    TRAP_FIELD t4, TS_MEPC
    CHECKR  t4, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECKR  t4, a2
    TRAP_FIELD t4, TS_MCAUSE
    CHECK_CAUSE_PAIR t4, 4
    j       3f
2:  CHECK   t2, \exp
3:
.endm

.macro MISALIGNED_STORE op, off, val, exp0, exp1
    la      a1, misaligned_buf
    li      t1, 0x44332211
    sw      t1, 0(a1)
    li      t1, 0x88776655
    sw      t1, 4(a1)
    TRAP_CLEAR
    li      t2, \val
    addi    a2, a1, \off
    la      t1, 1f
1:  \op     t2, 0(a2)
    TRAP_FIELD t4, TS_COUNT
    beqz    t4, 2f
    CHECK   t4, 1
    TRAP_FIELD t4, TS_MEPC
    CHECKR  t4, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECKR  t4, a2
    TRAP_FIELD t4, TS_MCAUSE
    CHECK_CAUSE_PAIR t4, 6
    j       3f
2:  lw      t3, 0(a1)
    CHECK   t3, \exp0
    lw      t3, 4(a1)
    CHECK   t3, \exp1
3:
.endm

TEST_FUNC test_misaligned
    MISALIGNED_LOAD lw, 1, 0x55443322
    MISALIGNED_LOAD lw, 2, 0x66554433
    MISALIGNED_LOAD lw, 3, 0x77665544
    MISALIGNED_LOAD lh, 1, 0x3322
    MISALIGNED_LOAD lh, 3, 0x5544
    MISALIGNED_LOAD lh, 5, 0x7766
    MISALIGNED_LOAD lh, 7, 0xffff9988
    MISALIGNED_LOAD lhu, 7, 0x9988
    MISALIGNED_STORE sw, 2, 0xaabbccdd, 0xccdd2211, 0x8877aabb
    MISALIGNED_STORE sw, 1, 0xaabbccdd, 0xbbccdd11, 0x887766aa
    MISALIGNED_STORE sh, 1, 0x1234, 0x44123411, 0x88776655
    MISALIGNED_STORE sh, 3, 0x1234, 0x34332211, 0x88776612
    li      a0, 0
99: ret

/* Loads, stores and fetches at unmapped addresses (0x0 is unmapped on imcvp and QEMU virt). */
TEST_FUNC test_access_fault
    mv      a7, ra
    TRAP_CLEAR
    li      t2, 0x5a5a5a5a
    la      t1, 1f
1:  lw      t2, 0(zero)
    CHECK_TRAP 1, 5, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECK   t4, 0
    CHECK   t2, 0x5a5a5a5a         /* destination not written */
    TRAP_CLEAR
    li      a1, 0x8
    la      t1, 2f
2:  lbu     t2, 0(a1)
    CHECK_TRAP 1, 5, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECKR  t4, a1
    TRAP_CLEAR
    li      a1, 0x10
    la      t1, 3f
3:  sw      t1, 0(a1)
    CHECK_TRAP 1, 7, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECKR  t4, a1
    TRAP_CLEAR
    li      a1, 0x22
    la      t1, 4f
4:  sh      t1, 0(a1)
    CHECK_TRAP 1, 7, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECKR  t4, a1
    /* instruction fetch from 0x0: cause 1, mepc = 0; resume at 6: */
    TRAP_CLEAR
    TRAP_RESUME 6f, 1
    li      a1, 0
5:  jalr    ra, 0(a1)
    j       98f                   /* not reached */
6:  CHECK_TRAP 1, 1, a1
    TRAP_FIELD t4, TS_MTVAL
    CHECK   t4, 0
    mv      ra, a7
    li      a0, 0
    ret
98: li      a0, 100
99: mv      ra, a7
    ret

TEST_FUNC test_csr
    /* mscratch: all bits read/write, every CSR instruction form */
    li      t0, -1
    csrw    mscratch, t0
    csrr    t1, mscratch
    CHECK   t1, 0xffffffff
    csrrw   t1, mscratch, zero
    CHECK   t1, 0xffffffff
    csrr    t1, mscratch
    CHECK   t1, 0
    li      t0, 5
    csrrs   t1, mscratch, t0
    CHECK   t1, 0
    li      t0, 1
    csrrc   t1, mscratch, t0
    CHECK   t1, 5
    csrrwi  t1, mscratch, 31
    CHECK   t1, 4
    csrrsi  t1, mscratch, 0x10
    CHECK   t1, 31
    csrrci  t1, mscratch, 0x1b
    CHECK   t1, 31
    csrrs   t1, mscratch, zero    /* read only */
    CHECK   t1, 4
    csrrci  t1, mscratch, 0       /* read only */
    CHECK   t1, 4
    li      t0, 0xa5a5a5a5
    csrrw   t0, mscratch, t0      /* rd == rs1: old value out, new value in */
    CHECK   t0, 4
    csrr    t1, mscratch
    CHECK   t1, 0xa5a5a5a5
    /* mepc: bit 1 writable with C. The spec says bit 0 always reads 0; QEMU 7.2 returns it
     * (and masks it on mret), so only bits 31..1 are checked. */
    li      t0, -1
    csrw    mepc, t0
    csrr    t1, mepc
    andi    t1, t1, -2
    CHECK   t1, 0xfffffffe
    li      t0, 0x80000002
    csrw    mepc, t0
    csrr    t1, mepc
    CHECK   t1, 0x80000002
    /* mtvec: direct and vectored */
    csrr    a1, mtvec
    la      t0, isa_vectors
    ori     t0, t0, 1
    csrw    mtvec, t0
    csrr    t1, mtvec
    csrw    mtvec, a1
    CHECKR  t1, t0
    la      t0, isa_trap_handler
    csrr    t1, mtvec
    CHECKR  t1, t0
    /* misa: RV32 with I, M, A, C, U */
    csrr    t0, misa
    srli    t1, t0, 30
    CHECK   t1, 1
    li      t2, (1 << 8) | (1 << 12) | (1 << 0) | (1 << 2) | (1 << 20)
    and     t1, t0, t2
    CHECKR  t1, t2
    csrr    t0, mhartid
    CHECK   t0, 0
    csrr    t0, mvendorid         /* must exist (may be 0) */
    csrr    t0, marchid
    csrr    t0, mimpid
    /* mstatus.MPP holds M and U; MIE toggles */
    li      t0, 0x1800
    csrs    mstatus, t0
    csrr    t1, mstatus
    and     t1, t1, t0
    CHECK   t1, 0x1800
    csrc    mstatus, t0
    csrr    t1, mstatus
    and     t1, t1, t0
    CHECK   t1, 0
    csrw    mie, zero
    csrsi   mstatus, 8
    csrr    t1, mstatus
    andi    t1, t1, 8
    CHECK   t1, 8
    csrci   mstatus, 8
    csrr    t1, mstatus
    andi    t1, t1, 8
    CHECK   t1, 0
    /* mie: MSIE, MTIE, MEIE writable */
    li      t0, 0x888
    csrw    mie, t0
    csrr    t1, mie
    csrw    mie, zero
    and     t1, t1, t0
    CHECK   t1, 0x888
    li      a0, 0
99: ret

/* minstret counts retired instructions exactly; minstreth carries; mcycle advances. */
TEST_FUNC test_counters
    csrr    a1, minstret
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    nop
    csrr    a2, minstret
    sub     t1, a2, a1
    CHECK   t1, 11                /* the first csrr plus 10 nops */
    csrr    a1, minstret
    li      t0, 100
1:  addi    t0, t0, -1
    bnez    t0, 1b
    csrr    a2, minstret
    rdinstret a3                  /* user alias readable in M-mode */
    sub     t1, a2, a1
    CHECK   t1, 202               /* csrr + li + 100 * (addi + bnez) */
    sub     t1, a3, a2
    CHECK   t1, 1
    /* minstret/minstreth are writable and keep counting from the written value. (The carry
     * from minstret into minstreth is not checked: QEMU 7.2 computes the halves separately.) */
    li      t0, 5
    csrw    minstreth, t0
    li      t0, 1000
    csrw    minstret, t0
    .rept 30
    nop
    .endr
    csrr    t1, minstret
    csrr    t2, minstreth
    CHECK   t2, 5
    li      t2, 1000
    CHECK_BR bgeu, t1, t2
    li      t2, 1040
    CHECK_BR bltu, t1, t2
    /* mcycle advances over a loop */
    csrr    a1, mcycle
    li      t0, 100
2:  addi    t0, t0, -1
    bnez    t0, 2b
    csrr    a2, mcycle
    CHECK_BR bne, a1, a2
    rdcycle a3
    csrr    a4, mcycleh
    li      a0, 0
99: ret

/* Trap entry pushes MIE into MPIE and the privilege into MPP; mret pops them and sets MPP to
 * the least-privileged mode (U). */
TEST_FUNC test_mstatus_stack
    csrw    mie, zero
    li      t0, 0x1800
    csrs    mstatus, t0
    csrsi   mstatus, 8            /* MIE = 1, no interrupt enabled in mie */
    TRAP_CLEAR
    ecall
    csrr    t1, mstatus
    csrci   mstatus, 8
    TRAP_FIELD t4, TS_MSTATUS     /* as seen in the handler */
    andi    t2, t4, 0x88
    CHECK   t2, 0x80              /* MIE = 0, MPIE = 1 */
    li      t3, 0x1800
    and     t2, t4, t3
    CHECK   t2, 0x1800            /* MPP = M */
    andi    t2, t1, 0x88
    CHECK   t2, 0x88              /* after mret: MIE = 1, MPIE = 1 */
    and     t2, t1, t3
    CHECK   t2, 0                 /* after mret: MPP = U */
    li      a0, 0
99: ret

    .bss
    .balign 16
misaligned_buf:
    .space 16
