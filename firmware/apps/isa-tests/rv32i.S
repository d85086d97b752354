/* RV32I base instructions: x0, ALU, branches, jumps, loads/stores, fence.i. */
#include "isa.h"

    .option norelax

/* ---- x0 is hard-wired to zero ---- */
TEST_FUNC test_x0
    li      t1, 123
    addi    x0, x0, 5
    mv      t0, x0
    CHECK   t0, 0
    lui     x0, 0x12345
    add     t0, x0, x0
    CHECK   t0, 0
    add     x0, t1, t1
    or      t0, x0, zero
    CHECK   t0, 0
    la      t2, rv32i_data
    lw      x0, 0(t2)
    mv      t0, x0
    CHECK   t0, 0
    jal     x0, 1f
1:  csrr    x0, mscratch         /* read-only use of x0 as destination */
    mv      t0, x0
    CHECK   t0, 0
    li      a0, 0
99: ret

/* ---- register-immediate ALU ---- */
TEST_FUNC test_alu_imm
    li      t0, 0x7fffffff
    addi    t1, t0, 1            /* wraps */
    CHECK   t1, 0x80000000
    addi    t1, t0, -2048
    CHECK   t1, 0x7ffff7ff
    li      t0, -5
    slti    t1, t0, -4
    CHECK   t1, 1
    slti    t1, t0, -5
    CHECK   t1, 0
    sltiu   t1, t0, 3            /* 0xfffffffb < 3 unsigned: no */
    CHECK   t1, 0
    li      t0, 5
    sltiu   t1, t0, -1           /* imm sign-extended to 0xffffffff, compared unsigned */
    CHECK   t1, 1
    sltiu   t1, zero, 1          /* seqz */
    CHECK   t1, 1
    li      t0, 0x0f0f0f0f
    xori    t1, t0, -1
    CHECK   t1, 0xf0f0f0f0
    xori    t1, t0, 0x0ff
    CHECK   t1, 0x0f0f0ff0
    ori     t1, t0, -2048        /* 0xfffff800 */
    CHECK   t1, 0xffffff0f
    andi    t1, t0, -16
    CHECK   t1, 0x0f0f0f00
    andi    t1, t0, 0x7ff
    CHECK   t1, 0x70f
    li      t0, 0x80000001
    slli    t1, t0, 1
    CHECK   t1, 2
    slli    t1, t0, 31
    CHECK   t1, 0x80000000
    srli    t1, t0, 31
    CHECK   t1, 1
    srli    t1, t0, 0
    CHECK   t1, 0x80000001
    srai    t1, t0, 31
    CHECK   t1, 0xffffffff
    srai    t1, t0, 4
    CHECK   t1, 0xf8000000
    lui     t1, 0xfffff
    CHECK   t1, 0xfffff000
    lui     t1, 0x80000
    CHECK   t1, 0x80000000
1:  auipc   t1, 0
    la      t2, 1b
    CHECKR  t1, t2
2:  auipc   t1, 0x1
    la      t2, 2b
    li      t3, 0x1000
    add     t2, t2, t3
    CHECKR  t1, t2
    li      a0, 0
99: ret

/* ---- register-register ALU, shift amounts are masked to 5 bits ---- */
TEST_FUNC test_alu_reg
    li      t0, 0x7fffffff
    li      t1, 1
    add     t2, t0, t1
    CHECK   t2, 0x80000000
    sub     t2, zero, t1
    CHECK   t2, 0xffffffff
    sub     t2, t1, t0
    CHECK   t2, 0x80000002
    li      t0, 0x80000001
    li      t1, 32               /* masked to 0 */
    sll     t2, t0, t1
    CHECK   t2, 0x80000001
    srl     t2, t0, t1
    CHECK   t2, 0x80000001
    sra     t2, t0, t1
    CHECK   t2, 0x80000001
    li      t1, 33               /* masked to 1 */
    sll     t2, t0, t1
    CHECK   t2, 2
    srl     t2, t0, t1
    CHECK   t2, 0x40000000
    sra     t2, t0, t1
    CHECK   t2, 0xc0000000
    li      t1, -1               /* masked to 31 */
    sll     t2, t0, t1
    CHECK   t2, 0x80000000
    srl     t2, t0, t1
    CHECK   t2, 1
    sra     t2, t0, t1
    CHECK   t2, 0xffffffff
    li      t0, -1
    li      t1, 1
    slt     t2, t0, t1
    CHECK   t2, 1
    sltu    t2, t0, t1
    CHECK   t2, 0
    slt     t2, t1, t0
    CHECK   t2, 0
    sltu    t2, t1, t0
    CHECK   t2, 1
    sltu    t2, zero, t1         /* snez */
    CHECK   t2, 1
    slt     t2, t1, t1
    CHECK   t2, 0
    li      t0, 0xff00ff00
    li      t1, 0x0ff00ff0
    xor     t2, t0, t1
    CHECK   t2, 0xf0f0f0f0
    or      t2, t0, t1
    CHECK   t2, 0xfff0fff0
    and     t2, t0, t1
    CHECK   t2, 0x0f000f00
    /* rd == rs1 == rs2 */
    li      t2, 3
    add     t2, t2, t2
    CHECK   t2, 6
    li      a0, 0
99: ret

/* ---- conditional branches (taken and not taken, signed vs unsigned) ---- */
.macro BR_TAKEN br, a, b
    li      t0, \a
    li      t1, \b
    li      t2, 0
    \br     t0, t1, 1f
    li      t2, 1                /* must be skipped */
1:  CHECK   t2, 0
.endm
.macro BR_NOT br, a, b
    li      t0, \a
    li      t1, \b
    li      t2, 0
    \br     t0, t1, 1f
    li      t2, 1
1:  CHECK   t2, 1
.endm

TEST_FUNC test_branch
    BR_TAKEN beq, 5, 5
    BR_NOT   beq, 5, 6
    BR_TAKEN bne, 5, 6
    BR_NOT   bne, -1, -1
    BR_TAKEN blt, -1, 1
    BR_NOT   blt, 1, -1
    BR_NOT   blt, 7, 7
    BR_TAKEN bge, 1, -1
    BR_TAKEN bge, 7, 7
    BR_NOT   bge, -1, 1
    BR_TAKEN bltu, 1, -1
    BR_NOT   bltu, -1, 1
    BR_NOT   bltu, 7, 7
    BR_TAKEN bgeu, -1, 1
    BR_TAKEN bgeu, 0, 0
    BR_NOT   bgeu, 1, -1
    BR_TAKEN blt, 0x80000000, 0x7fffffff
    BR_TAKEN bltu, 0x7fffffff, 0x80000000
    /* backward branch loop: 10 iterations */
    li      t0, 10
    li      t1, 0
2:  addi    t1, t1, 1
    addi    t0, t0, -1
    bnez    t0, 2b
    CHECK   t1, 10
    li      a0, 0
99: ret

/* ---- jal / jalr: link values, offsets, LSB of the target cleared ---- */
TEST_FUNC test_jump
    .option push
    .option norvc
    mv      a7, ra
    li      t2, 0
    jal     t0, 1f
2:  li      t2, 1                /* skipped */
1:  la      t1, 2b
    CHECKR  t0, t1               /* link = address after jal */
    CHECK   t2, 0
    la      t1, 3f
    jalr    t0, 0(t1)
4:  j       5f
3:  la      t1, 4b
    CHECKR  t0, t1
    jr      t0                   /* back to 4: then 5: */
5:  la      t1, 6f - 4
    jalr    t0, 4(t1)            /* positive offset */
    li      t2, 2                /* link target */
    j       7f
6:  jr      t0
7:  CHECK   t2, 2
    la      t1, 8f + 1           /* odd target: bit 0 is cleared */
    li      t2, 0
    jalr    t0, 0(t1)
    li      t2, 3                /* link target for the return */
    j       9f
8:  jr      t0
9:  CHECK   t2, 3
    la      t1, 10f
    jalr    t1, 0(t1)            /* rd == rs1: target from the old value */
11: j       12f
10: la      t2, 11b
    CHECKR  t1, t2
12: jal     ra, 13f              /* call/return */
    j       14f
13: ret
14: mv      ra, a7
    li      a0, 0
    .option pop
99: ret

/* ---- loads and stores: sign/zero extension, byte lanes, offsets ---- */
TEST_FUNC test_load_store
    la      t0, rv32i_data       /* 0x80 0x7f 0x00 0x80 | 0xfe 0xff 0x34 0x12 */
    lb      t1, 0(t0)
    CHECK   t1, 0xffffff80
    lbu     t1, 0(t0)
    CHECK   t1, 0x80
    lb      t1, 1(t0)
    CHECK   t1, 0x7f
    lh      t1, 2(t0)
    CHECK   t1, 0xffff8000
    lhu     t1, 2(t0)
    CHECK   t1, 0x8000
    lh      t1, 6(t0)
    CHECK   t1, 0x1234
    lw      t1, 0(t0)
    CHECK   t1, 0x80007f80
    lw      t1, 4(t0)
    CHECK   t1, 0x1234fffe
    addi    t2, t0, 8
    lw      t1, -4(t2)           /* negative offset */
    CHECK   t1, 0x1234fffe
    la      t0, rv32i_scratch
    li      t1, -1
    sw      t1, 0(t0)
    sw      t1, 4(t0)
    li      t1, 0x12345678
    sb      t1, 1(t0)            /* only byte 1 changes */
    lw      t2, 0(t0)
    CHECK   t2, 0xffff78ff
    sh      t1, 6(t0)            /* only bytes 6..7 change */
    lw      t2, 4(t0)
    CHECK   t2, 0x5678ffff
    sw      t1, 0(t0)
    lbu     t2, 3(t0)            /* little endian */
    CHECK   t2, 0x12
    addi    t2, t0, 2047
    sw      t1, -2047(t2)        /* 12-bit signed offset extremes */
    lw      t2, 0(t0)
    CHECK   t2, 0x12345678
    li      a0, 0
99: ret

/* ---- fence / fence.i: modified code must run after fence.i ---- */
TEST_FUNC test_fence_i
    mv      a7, ra
    la      t0, rv32i_code
    li      t1, 0x00100513       /* addi a0, x0, 1 */
    sw      t1, 0(t0)
    li      t1, 0x00008067       /* jalr x0, 0(ra) */
    sw      t1, 4(t0)
    fence.i
    jalr    ra, 0(t0)
    mv      t3, a0
    CHECK   t3, 1
    la      t0, rv32i_code
    li      t1, 0x02a00513       /* addi a0, x0, 42 */
    sw      t1, 0(t0)
    fence   rw, rw
    fence.i
    jalr    ra, 0(t0)
    mv      t3, a0
    CHECK   t3, 42
    fence
    fence   w, r
    mv      ra, a7
    li      a0, 0
99: mv      ra, a7
    ret

    .data
    .balign 4
rv32i_data:
    .byte 0x80, 0x7f, 0x00, 0x80, 0xfe, 0xff, 0x34, 0x12
    .bss
    .balign 16
rv32i_scratch:
    .space 2048 + 16
    .balign 16
rv32i_code:
    .space 16
