/* U-mode, PMP and interrupts (vectored mtvec, timer, software interrupt, WFI). */
#include "isa.h"

    .option norelax

#define PMP_CFG_ALL_RWX_ENTRY3 (0x1f << 24) /* entry 3: NAPOT | R | W | X */

/* PMP entry 3 covers everything with RWX (so U-mode may run at all); entries 0..2 off. */
.macro PMP_ALLOW_ALL
    li      t0, -1
    csrw    pmpaddr3, t0
    li      t0, PMP_CFG_ALL_RWX_ENTRY3
    csrw    pmpcfg0, t0
.endm

/* mret into U-mode at label. Clobbers t0. */
.macro ENTER_U label
    li      t0, 0x1800
    csrc    mstatus, t0
    la      t0, \label
    csrw    mepc, t0
    mret
.endm

TEST_FUNC test_umode_ecall
    PMP_ALLOW_ALL
    TRAP_CLEAR
    TRAP_RESUME 2f, 8
    la      a1, 1f
    ENTER_U 1f
1:  ecall                          /* from U: cause 8 */
    li      a0, 100                /* not reached */
    j       99f
2:  CHECK_TRAP 1, 8, a1
    TRAP_FIELD t4, TS_MSTATUS
    li      t3, 0x1800
    and     t4, t4, t3
    CHECK   t4, 0                  /* MPP = U: the trap came from U-mode */
    csrr    t1, mscratch           /* back in M-mode: no trap */
    CHECK_TRAP 1, 8, a1
    li      a0, 0
99: ret

TEST_FUNC test_umode_csr
    PMP_ALLOW_ALL
    TRAP_CLEAR
    TRAP_RESUME 5f, 8
    la      a1, 1f
    la      a2, 2f
    la      a3, 3f
    li      a4, 0
    li      a5, 0
    li      a6, 0
    ENTER_U 1f
1:  csrr    t1, mstatus            /* M-mode CSR from U: illegal, skipped */
    la      t0, isa_trap_state
    lw      a4, TS_MEPC(t0)
    lw      a5, TS_MCAUSE(t0)
2:  csrw    mscratch, zero
    lw      a6, TS_MEPC(t0)
3:  mret                           /* privileged instruction from U: illegal */
    lw      a7, TS_MEPC(t0)
    ecall
    li      a0, 100
    j       99f
5:  TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 4
    CHECKR  a4, a1
    CHECK   a5, 2
    CHECKR  a6, a2
    CHECKR  a7, a3
    TRAP_FIELD t4, TS_MCAUSE
    CHECK   t4, 8
    li      a0, 0
99: ret

/* NAPOT region (4 KiB, read-only for U): U loads work, U stores and fetches fault; the next
 * 4 KiB (outside the region) falls through to the all-RWX entry. M-mode is not restricted. */
TEST_FUNC test_pmp_napot
    la      a1, pmp_buf
    li      t1, 0x11
    sw      t1, 0(a1)
    sw      zero, 8(a1)            /* M-mode store into the region: allowed (not locked) */
    li      t2, 4096
    add     a2, a1, t2             /* a2 = first byte after the region */
    li      t1, 0x22
    sw      t1, 0(a2)
    sw      zero, 8(a2)
    srli    t0, a1, 2
    ori     t0, t0, (4096 / 8) - 1
    csrw    pmpaddr0, t0
    csrr    t1, pmpaddr0
    CHECKR  t1, t0
    li      t0, -1
    csrw    pmpaddr3, t0
    li      t0, PMP_CFG_ALL_RWX_ENTRY3 | 0x19   /* entry 0: NAPOT | R */
    csrw    pmpcfg0, t0
    csrr    t1, pmpcfg0
    CHECKR  t1, t0
    TRAP_CLEAR
    TRAP_RESUME 5f, 1
    li      a3, 0
    li      a4, 0
    li      a5, 0
    li      a6, 0
    ENTER_U 1f
1:  lw      a3, 0(a1)              /* allowed: R */
    li      t1, 0x33
    sw      t1, 8(a1)              /* store access fault */
    la      t0, isa_trap_state
    lw      a4, TS_MCAUSE(t0)
    lw      a5, TS_MTVAL(t0)
    lw      a6, 0(a2)              /* outside the region: allowed */
    sw      t1, 8(a2)              /* allowed */
    jr      a1                     /* no X: fetch access fault, resume at 5 in M-mode */
    li      a0, 100
    j       99f
5:  CHECK   a3, 0x11
    CHECK   a4, 7
    addi    t1, a1, 8
    CHECKR  a5, t1
    CHECK   a6, 0x22
    lw      t1, 8(a1)
    CHECK   t1, 0                  /* the faulting store did not happen */
    lw      t1, 8(a2)
    CHECK   t1, 0x33
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 2
    TRAP_FIELD t4, TS_MCAUSE
    CHECK   t4, 1
    TRAP_FIELD t4, TS_MEPC
    CHECKR  t4, a1
    csrw    pmpcfg0, zero
    li      a0, 0
99: csrw    pmpcfg0, zero
    ret

/* TOR region [buf, buf + 256) with no permissions: U accesses inside fault (with the right
 * mtval), accesses just below and at the top bound go through to the all-RWX entry. */
TEST_FUNC test_pmp_tor
    la      a1, pmp_tor_buf
    li      t1, 0x44
    sw      t1, 256(a1)
    sw      t1, -4(a1)
    srli    t0, a1, 2
    csrw    pmpaddr1, t0           /* bottom (entry 1 itself is OFF) */
    addi    t0, a1, 256
    srli    t0, t0, 2
    csrw    pmpaddr2, t0           /* top */
    li      t0, -1
    csrw    pmpaddr3, t0
    li      t0, PMP_CFG_ALL_RWX_ENTRY3 | (0x08 << 16)   /* entry 2: TOR, no R/W/X */
    csrw    pmpcfg0, t0
    TRAP_CLEAR
    TRAP_RESUME 5f, 8
    li      a2, 0
    li      a3, 0
    li      a4, 0
    li      a5, 0
    li      a6, 0
    li      a7, 0
    ENTER_U 1f
1:  lw      a2, -4(a1)             /* below: allowed */
    lw      a3, 256(a1)            /* at the top bound (exclusive): allowed */
    li      a4, 0x5a
    lw      a4, 252(a1)            /* inside: load access fault, a4 unchanged */
    la      t0, isa_trap_state
    lw      a5, TS_MTVAL(t0)
    lw      a6, TS_MCAUSE(t0)
    sw      a2, 0(a1)              /* inside: store access fault */
    lw      a7, TS_MCAUSE(t0)
    ecall
    li      a0, 100
    j       99f
5:  CHECK   a2, 0x44
    CHECK   a3, 0x44
    CHECK   a4, 0x5a
    addi    t1, a1, 252
    CHECKR  a5, t1
    CHECK   a6, 5
    CHECK   a7, 7
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 3
    li      a0, 0
99: csrw    pmpcfg0, zero
    ret

/* A locked entry binds M-mode too and can no longer be changed (until reset): run last. */
TEST_FUNC test_pmp_lock
    la      a1, pmp_lock_buf
    li      t1, 0x77
    sw      t1, 0(a1)
    srli    t0, a1, 2
    ori     t0, t0, (64 / 8) - 1
    mv      a2, t0
    csrw    pmpaddr0, t0
    li      t0, -1
    csrw    pmpaddr3, t0
    li      t0, PMP_CFG_ALL_RWX_ENTRY3 | 0x99   /* entry 0: L | NAPOT | R */
    csrw    pmpcfg0, t0
    lw      t1, 0(a1)              /* M-mode read: allowed */
    CHECK   t1, 0x77
    TRAP_CLEAR
    li      t2, 0x88
    la      t1, 1f
1:  sw      t2, 0(a1)              /* M-mode store: access fault */
    CHECK_TRAP 1, 7, t1
    TRAP_FIELD t4, TS_MTVAL
    CHECKR  t4, a1
    lw      t1, 0(a1)
    CHECK   t1, 0x77
    TRAP_CLEAR                     /* M-mode fetch: no X, access fault */
    TRAP_RESUME 3f, 1
    jr      a1
    li      a0, 100
    j       99f
3:  CHECK_TRAP 1, 1, a1
    csrw    pmpaddr0, zero         /* ignored: locked */
    csrr    t1, pmpaddr0
    CHECKR  t1, a2
    li      t0, 0xff
    csrc    pmpcfg0, t0            /* ignored for the locked byte */
    csrr    t1, pmpcfg0
    andi    t1, t1, 0xff
    CHECK   t1, 0x99
    li      a0, 0
99: ret

/* Vectored mtvec: exceptions use the base, the timer interrupt uses entry 7. */
TEST_FUNC test_vectored_timer
    csrw    mie, zero
    csrr    a6, mtvec
    la      t0, isa_vectors
    ori     t0, t0, 1
    csrw    mtvec, t0
    TRAP_CLEAR
    ecall
    TRAP_FIELD t4, TS_VECTOR
    CHECK   t4, 0x100
    TRAP_FIELD t4, TS_MCAUSE
    CHECK   t4, 11
    TRAP_CLEAR
    /* mtimecmp = mtime + 200 (20 us at 10 MHz) */
    li      t0, CLINT_MTIME_
    lw      t1, 0(t0)
    lw      t2, 4(t0)
    addi    t3, t1, 200
    sltu    t4, t3, t1
    add     t2, t2, t4
    li      t0, CLINT_MTIMECMP_
    li      t4, -1
    sw      t4, 4(t0)
    sw      t3, 0(t0)
    sw      t2, 4(t0)
    li      t0, 0x80
    csrs    mie, t0
    li      a1, 5000000            /* bounded wait */
    la      a2, 1f
    csrsi   mstatus, 8
1:  TRAP_FIELD t4, TS_COUNT
    bnez    t4, 2f
    addi    a1, a1, -1
    bnez    a1, 1b
2:  la      a3, 2b
    csrci   mstatus, 8
    csrw    mie, zero
    csrw    mtvec, a6
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 1
    TRAP_FIELD t4, TS_MCAUSE
    CHECK   t4, 0x80000007
    TRAP_FIELD t4, TS_VECTOR
    CHECK   t4, 0x107
    TRAP_FIELD t4, TS_MEPC          /* interrupted inside the wait loop */
    CHECK_BR bgeu, t4, a2
    CHECK_BR bltu, t4, a3
    csrr    t1, mip                 /* handler disarmed the timer */
    andi    t1, t1, 0x80
    CHECK   t1, 0
    li      a0, 0
99: csrw    mtvec, a6
    ret

/* Machine software interrupt through CLINT msip. */
TEST_FUNC test_msip
    csrw    mie, zero
    li      t0, CLINT_MSIP_
    li      t1, 1
    sw      t1, 0(t0)
    csrr    t2, mip                 /* pending, not taken (mie = 0) */
    andi    t2, t2, 8
    CHECK   t2, 8
    sw      zero, 0(t0)
    csrr    t2, mip
    andi    t2, t2, 8
    CHECK   t2, 0
    TRAP_CLEAR
    csrsi   mie, 8
    csrsi   mstatus, 8
    li      t0, CLINT_MSIP_
    li      t1, 1
    sw      t1, 0(t0)
    li      a1, 100000
1:  TRAP_FIELD t4, TS_COUNT
    bnez    t4, 2f
    addi    a1, a1, -1
    bnez    a1, 1b
2:  csrci   mstatus, 8
    csrw    mie, zero
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 1
    TRAP_FIELD t4, TS_MCAUSE
    CHECK   t4, 0x80000003
    li      t0, CLINT_MSIP_
    lw      t1, 0(t0)
    CHECK   t1, 0
    li      a0, 0
99: ret

/* WFI wakes up on a pending enabled interrupt even with mstatus.MIE = 0, and no trap is
 * taken. */
TEST_FUNC test_wfi
    csrci   mstatus, 8
    li      t0, 0x80
    csrw    mie, t0
    TRAP_CLEAR
    li      t0, CLINT_MTIME_
    lw      t1, 0(t0)
    lw      t2, 4(t0)
    addi    t3, t1, 100
    sltu    t4, t3, t1
    add     t2, t2, t4
    li      t0, CLINT_MTIMECMP_
    li      t4, -1
    sw      t4, 4(t0)
    sw      t3, 0(t0)
    sw      t2, 4(t0)
    li      a1, 100000             /* wfi may return early: bounded re-wait */
1:  wfi
    csrr    t1, mip
    andi    t1, t1, 0x80
    bnez    t1, 2f
    addi    a1, a1, -1
    bnez    a1, 1b
2:  CHECK   t1, 0x80
    CHECK_NO_TRAP
    li      t0, CLINT_MTIMECMP_     /* disarm: MTIP clears */
    li      t4, -1
    sw      t4, 4(t0)
    sw      t4, 0(t0)
    csrr    t1, mip
    andi    t1, t1, 0x80
    CHECK   t1, 0
    li      a0, 0
99: csrw    mie, zero
    ret

    .bss
    .balign 4096
pmp_buf:
    .space 8192
    .balign 256
    .space 256
pmp_tor_buf:
    .space 512
    .balign 64
pmp_lock_buf:
    .space 64
