/* Triggers (Sdtrig mcontrol, type 2): CSRs, execute/load/store address match in M and U mode
 * raising the breakpoint exception (mcause 3, mtval = the address, nothing of the instruction
 * done). The trap handler skips the trapping instruction unless a resume label is set. */
#include "isa.h"

    .option norelax

#define T_TYPE2   (2 << 28)
#define T_DMODE   (1 << 27)
#define T_ACTION1 (1 << 12)
#define T_CHAIN   (1 << 11)
#define T_GE      (2 << 7)
#define T_LT      (3 << 7)
#define T_NAPOT   (1 << 7)
#define T_M       (1 << 6)
#define T_U       (1 << 3)
#define T_X       (1 << 2)
#define T_ST      (1 << 1)
#define T_LD      (1 << 0)
#define N_TRIG    4

/* Disable every trigger and select trigger 0. Clobbers t0. */
.macro TRIG_OFF
    li      t0, N_TRIG - 1
.Ltoff\@:
    csrw    tselect, t0
    csrw    tdata1, zero
    csrw    tdata2, zero
    addi    t0, t0, -1
    bgez    t0, .Ltoff\@
    csrw    tselect, zero
.endm

.macro PMP_ALLOW_ALL_T
    li      t0, -1
    csrw    pmpaddr3, t0
    li      t0, (0x1f << 24)
    csrw    pmpcfg0, t0
.endm

    .data
    .balign 16
trig_data:  .word 0x11223344, 0x55667788, 0, 0

TEST_FUNC test_trig_csr
    TRAP_CLEAR
    TRIG_OFF
    csrr    t1, 0x7a4                /* tinfo */
    CHECK   t1, 0x8004               /* types 2 (mcontrol) and 15 (disabled) */
    li      t1, N_TRIG - 1
    csrw    tselect, t1
    csrr    t1, tselect
    CHECK   t1, N_TRIG - 1
    li      t1, N_TRIG               /* beyond the last trigger: not selected */
    csrw    tselect, t1
    csrr    t1, tselect
    CHECK   t1, N_TRIG - 1
    li      t1, -1
    csrw    tselect, t1
    csrr    t1, tselect
    CHECK   t1, N_TRIG - 1
    li      t1, T_TYPE2 | T_CHAIN | T_M | T_X   /* chain on the last trigger: dropped */
    csrw    tdata1, t1
    csrr    t1, tdata1
    CHECK   t1, T_TYPE2 | T_M | T_X
    csrw    tselect, zero
    li      t1, T_TYPE2 | T_DMODE | T_ACTION1 | T_M | T_X  /* dmode/action 1: debug mode only */
    csrw    tdata1, t1
    csrr    t1, tdata1
    CHECK   t1, T_TYPE2 | T_M | T_X
    li      t1, T_TYPE2 | T_NAPOT | T_U | T_LD | T_CHAIN   /* no NAPOT match (maskmax 0) */
    csrw    tdata1, t1
    csrr    t1, tdata1
    CHECK   t1, T_TYPE2 | T_U | T_LD | T_CHAIN
    li      t1, T_TYPE2 | T_LT | T_M | T_ST
    csrw    tdata1, t1
    csrr    t1, tdata1
    CHECK   t1, T_TYPE2 | T_LT | T_M | T_ST
    li      t1, 0x12345678
    csrw    tdata2, t1
    csrr    t1, tdata2
    CHECK   t1, 0x12345678
    csrw    tdata1, zero             /* type 0: becomes 15, disabled */
    csrr    t1, tdata1
    CHECK   t1, 0xF0000000
    csrr    t1, tdata3
    CHECK   t1, 0
    CHECK_NO_TRAP
    la      a1, 1f
1:  csrr    t1, 0x7a5                /* tcontrol: not implemented, illegal */
    CHECK_TRAP 1, 2, a1
    li      a0, 0
99: TRIG_OFF
    ret

TEST_FUNC test_trig_exec_m
    TRAP_CLEAR
    TRIG_OFF
    csrsi   mstatus, 8               /* MIE = 1: M-mode triggers fire (mie = 0: no irqs) */
    li      a3, 0
    la      a1, 1f
    csrw    tdata2, a1
    li      t1, T_TYPE2 | T_M | T_X
    csrw    tdata1, t1
1:  addi    a3, a3, 1                /* breakpoint before it runs: skipped by the handler */
    CHECK   a3, 0
    CHECK_TRAP 1, 3, a1
    TRAP_FIELD t4, TS_MTVAL
    CHECKR  t4, a1
    csrr    t1, tdata1               /* hit bit */
    CHECK   t1, T_TYPE2 | (1 << 20) | T_M | T_X
    /* U-only trigger: M-mode execution does not fire */
    la      a2, 2f
    csrw    tdata2, a2
    li      t1, T_TYPE2 | T_U | T_X
    csrw    tdata1, t1
2:  addi    a3, a3, 1
    CHECK   a3, 1
    /* M trigger with mstatus.MIE = 0 does not fire (no re-entry into the handler) */
    li      t1, T_TYPE2 | T_M | T_X
    csrw    tdata1, t1
    csrci   mstatus, 8
    la      a2, 3f
    csrw    tdata2, a2
3:  addi    a3, a3, 1
    CHECK   a3, 2
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 1
    /* address range [4f, 5f): chained >= / <, every instruction in it traps */
    csrsi   mstatus, 8
    la      t1, 4f
    csrw    tdata2, t1
    li      t1, T_TYPE2 | T_CHAIN | T_GE | T_M | T_X
    csrw    tdata1, t1
    li      t1, 1
    csrw    tselect, t1
    la      t1, 5f
    csrw    tdata2, t1
    li      t1, T_TYPE2 | T_LT | T_M | T_X
    csrw    tdata1, t1
    .balign 4
4:  addi    a3, a3, 1
    c.addi  a3, 1
    addi    a3, a3, 1
5:  csrci   mstatus, 8
    CHECK   a3, 2
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 4
    li      a0, 0
99: TRIG_OFF
    ret

TEST_FUNC test_trig_ldst_m
    TRAP_CLEAR
    TRIG_OFF
    csrsi   mstatus, 8
    la      a1, trig_data
    /* trigger 0: loads of trig_data+4 (any accessed byte) */
    addi    t1, a1, 4
    csrw    tdata2, t1
    li      t1, T_TYPE2 | T_M | T_LD
    csrw    tdata1, t1
    li      a3, 0x55
    lw      a3, 4(a1)                /* trap, a3 unchanged */
    CHECK   a3, 0x55
    TRAP_FIELD t4, TS_MTVAL
    addi    t3, a1, 4
    CHECKR  t4, t3
    TRAP_FIELD t4, TS_MCAUSE
    CHECK   t4, 3
    lw      a3, 0(a1)                /* other word: no trap */
    CHECK   a3, 0x11223344
    lbu     a3, 7(a1)                /* another byte of the word: no trap */
    CHECK   a3, 0x55
    sw      zero, 4(a1)              /* a store: no trap */
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 1
    /* trigger 1: stores to trig_data+10 (inside the halfword/word written) */
    li      t1, 1
    csrw    tselect, t1
    addi    t1, a1, 10
    csrw    tdata2, t1
    li      t1, T_TYPE2 | T_M | T_ST
    csrw    tdata1, t1
    li      t2, 0x7777
    sh      t2, 10(a1)               /* trap, nothing written */
    sw      t2, 8(a1)                /* trap: bytes 8..11 include 10 */
    lw      a3, 8(a1)
    CHECK   a3, 0
    TRAP_FIELD t4, TS_MTVAL
    addi    t3, a1, 8
    CHECKR  t4, t3
    sb      t2, 11(a1)               /* byte 11: no trap */
    lbu     a3, 11(a1)
    CHECK   a3, 0x77
    addi    t3, a1, 8
    amoadd.w a3, t2, (t3)            /* AMO: a store too, trapped */
    lw      a3, 8(a1)
    CHECK   a3, 0x77000000
    lw      a3, 4(a1)                /* trigger 0 still fires */
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 5
    li      a0, 0
99: TRIG_OFF
    ret

TEST_FUNC test_trig_umode
    PMP_ALLOW_ALL_T
    TRAP_CLEAR
    TRIG_OFF
    TRAP_RESUME 5f, 8                /* the final ecall from U comes back here */
    la      a1, trig_data
    la      a2, 1f
    csrw    tdata2, a2               /* trigger 0: execute 1f in U */
    li      t1, T_TYPE2 | T_U | T_X
    csrw    tdata1, t1
    li      t1, 1
    csrw    tselect, t1
    csrw    tdata2, a1               /* trigger 1: load of trig_data in U */
    li      t1, T_TYPE2 | T_U | T_LD
    csrw    tdata1, t1
    li      t1, 2
    csrw    tselect, t1
    la      t2, 3f
    csrw    tdata2, t2               /* trigger 2: execute 3f, M only: not in U */
    li      t1, T_TYPE2 | T_M | T_X
    csrw    tdata1, t1
    li      a3, 0
    li      a4, 0x55
    li      a5, 0
    csrci   mstatus, 8               /* MIE = 0 does not matter in U-mode */
    li      t0, 0x1800
    csrc    mstatus, t0
    la      t0, 0f
    csrw    mepc, t0
    mret
0:  nop
1:  addi    a3, a3, 1                /* trap, skipped */
    la      t0, isa_trap_state
    lw      a6, TS_MTVAL(t0)
    lw      a4, 0(a1)                /* trap, skipped: a4 stays 0x55 */
    lw      a7, TS_MTVAL(t0)
    lw      t3, TS_MCAUSE(t0)
3:  addi    a5, a5, 1                /* M-only trigger: runs */
    csrr    t1, tselect              /* M-level CSR from U: illegal */
    ecall
    li      a0, 100
    j       99f
5:  CHECK   a3, 0
    CHECK   a4, 0x55
    CHECK   a5, 1
    CHECKR  a6, a2
    CHECKR  a7, a1
    CHECK   t3, 3
    TRAP_FIELD t4, TS_COUNT
    CHECK   t4, 4
    li      a0, 0
99: TRIG_OFF
    ret
