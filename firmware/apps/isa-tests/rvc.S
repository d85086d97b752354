/* C extension: every RV32C instruction (explicit c.* mnemonics, checked at assembly time to
 * be 2 bytes), and 4-byte instructions at 2-byte-aligned addresses (incl. across a page). */
#include "isa.h"

    .option norelax
    .option rvc

/* C16 insn: assemble insn and fail the build unless it is 2 bytes long. */
.macro C16 insn:vararg
.Lcs\@: \insn
.Lce\@:
    .if (.Lce\@ - .Lcs\@) != 2
    .error "not a 16-bit instruction"
    .endif
.endm

/* Branches and jumps to labels: their size is only final at the end of assembly, so it can't
 * be checked with .if; explicit c.* mnemonics never expand (out of range is an error). */
.macro C16J insn:vararg
    \insn
.endm

TEST_FUNC test_rvc
    addi    sp, sp, -32
    sw      s0, 0(sp)
    sw      s1, 4(sp)
    sw      ra, 8(sp)
    /* c.addi4spn / c.lw / c.sw (rd', rs1' in x8..x15) */
    C16     c.addi4spn s0, sp, 16
    addi    t0, sp, 16
    CHECKR  s0, t0
    li      a1, 0x5a5a1234
    C16     c.sw a1, 4(s0)
    lw      t0, 20(sp)
    CHECK   t0, 0x5a5a1234
    C16     c.lw a2, 4(s0)
    CHECK   a2, 0x5a5a1234
    /* c.lwsp / c.swsp */
    li      a3, 0x76543210
    C16     c.swsp a3, 24(sp)
    C16     c.lwsp a4, 24(sp)
    CHECK   a4, 0x76543210
    /* c.nop, c.li, c.addi, c.lui */
    li      a5, 7
    C16     c.nop
    CHECK   a5, 7
    C16     c.li a5, -32
    CHECK   a5, 0xffffffe0
    C16     c.li a5, 31
    CHECK   a5, 31
    C16     c.addi a5, -5
    CHECK   a5, 26
    C16     c.addi a5, 31
    CHECK   a5, 57
    C16     c.lui a5, 1
    CHECK   a5, 0x1000
    C16     c.lui a5, 0xfffff
    CHECK   a5, 0xfffff000
    C16     c.lui a5, 0x1f
    CHECK   a5, 0x1f000
    C16     c.lui a5, 0xfffe0
    CHECK   a5, 0xfffe0000
    /* c.addi16sp */
    mv      t1, sp
    C16     c.addi16sp sp, -64
    mv      a0, sp
    C16     c.addi16sp sp, 496
    mv      a1, sp
    C16     c.addi16sp sp, -432
    mv      a2, sp
    mv      sp, t1               /* checks below must see the original sp */
    addi    t0, t1, -64
    CHECKR  a0, t0
    addi    t0, t1, 432
    CHECKR  a1, t0
    CHECKR  a2, t1
    /* c.srli / c.srai / c.andi / c.slli */
    li      a0, 0x80000010
    C16     c.srli a0, 4
    CHECK   a0, 0x08000001
    li      a0, 0x80000010
    C16     c.srai a0, 4
    CHECK   a0, 0xf8000001
    C16     c.srai a0, 31
    CHECK   a0, 0xffffffff
    C16     c.andi a0, -2
    CHECK   a0, 0xfffffffe
    C16     c.andi a0, 0x15
    CHECK   a0, 0x14
    li      a0, 3
    C16     c.slli a0, 31
    CHECK   a0, 0x80000000
    /* c.sub / c.xor / c.or / c.and (rd', rs2') */
    li      a0, 0xff00ff00
    li      a1, 0x0ff00ff0
    mv      a2, a0
    C16     c.sub a2, a1
    CHECK   a2, 0xef10ef10
    mv      a2, a0
    C16     c.xor a2, a1
    CHECK   a2, 0xf0f0f0f0
    mv      a2, a0
    C16     c.or a2, a1
    CHECK   a2, 0xfff0fff0
    mv      a2, a0
    C16     c.and a2, a1
    CHECK   a2, 0x0f000f00
    /* c.mv / c.add (full register set) */
    li      t1, 1234
    C16     c.mv t2, t1
    CHECK   t2, 1234
    C16     c.add t2, t1
    CHECK   t2, 2468
    /* c.j / c.beqz / c.bnez */
    li      a0, 0
    C16J    c.j 1f
    li      a0, 1
1:  CHECK   a0, 0
    li      s1, 0
    li      a0, 0
    C16J    c.beqz s1, 2f
    li      a0, 1
2:  CHECK   a0, 0
    li      s1, 5
    C16J    c.beqz s1, 3f        /* not taken */
    li      a0, 2
3:  CHECK   a0, 2
    li      a0, 0
    C16J    c.bnez s1, 4f
    li      a0, 3
4:  CHECK   a0, 0
    li      s1, 0
    C16J    c.bnez s1, 5f        /* not taken */
    li      a0, 4
5:  CHECK   a0, 4
    /* c.jal (RV32 only: links into ra, pc + 2) / c.jr / c.jalr */
    C16J    c.jal 6f
7:  j       8f
6:  la      t0, 7b
    CHECKR  ra, t0
    C16     c.jr ra
8:  la      t1, 9f
    C16     c.jalr t1
10: j       11f
9:  la      t0, 10b
    CHECKR  ra, t0
    ret
11: /* c.ebreak: breakpoint trap, mepc at the 2-byte instruction */
    TRAP_CLEAR
    la      t1, 12f
12: C16     c.ebreak
    CHECK_TRAP 1, 3, t1
    li      a0, 0
99: lw      s0, 0(sp)
    lw      s1, 4(sp)
    lw      ra, 8(sp)
    addi    sp, sp, 32
    ret

/* 4-byte instructions at addresses that are 2 mod 4, reached sequentially and by jumps,
 * including one that straddles a 4 KiB page boundary. */
TEST_FUNC test_rvc_align
    mv      a7, ra
    li      a0, 0
    .balign 4
    C16     c.nop
1:  .option push
    .option norvc
    addi    a0, a0, 7            /* at 2 mod 4 */
    .option pop
    CHECK   a0, 7
    la      t0, 1b
    andi    t0, t0, 3
    CHECK   t0, 2
    la      t0, 2f
    andi    t1, t0, 3
    CHECK   t1, 2
    li      a0, 0
    jalr    ra, 0(t0)            /* jump to a 2 mod 4 target */
    CHECK   a0, 9
    la      t0, rvc_page_cross
    li      a0, 0
    jalr    ra, 0(t0)
    CHECK   a0, 0x123
    mv      ra, a7
    li      a0, 0
99: mv      ra, a7
    ret
    .balign 4
    C16     c.nop
2:  .option push
    .option norvc
    addi    a0, a0, 9
    .option pop
    ret

    .section .text.rvc_page, "ax", @progbits
    .balign 4096
    .space 4096 - 6
rvc_page_cross:
    C16     c.nop                /* at page end - 6 */
    C16     c.nop                /* at page end - 4 */
    .option push
    .option norvc
    addi    a0, a0, 0x123        /* page end - 2 .. page end + 2 */
    .option pop
    ret
