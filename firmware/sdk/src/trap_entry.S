/* Trap entry for mtvec (direct mode): saves x1..x31 and mepc/mcause/mtval/mstatus in an
 * imcvp_trap_frame (irq.h) on the current stack, calls imcvp_trap_dispatch(frame), then
 * writes mepc/mstatus back from the frame and restores the registers (a handler may change
 * them, except sp, which is restored by arithmetic).
 *
 * Call-frame information (.debug_frame) describes the frame as a signal frame whose return
 * address is the saved mepc (DWARF register 4096 + 0x341, GDB's numbering of CSRs) and whose
 * CFA is the interrupted sp, with every saved register, so GDB's `bt` in a handler walks
 * through the trap into the interrupted code (tests/firmware/test_gdb.cpp). */
#define FRAME_SIZE 144
#define F_MEPC 128
#define F_MCAUSE 132
#define F_MTVAL 136
#define F_MSTATUS 140
#define DWARF_MEPC 4929 /* 4096 + CSR 0x341 */

    .cfi_sections .debug_frame

    .section .text.imcvp_trap_entry, "ax", @progbits
    .balign 4
    .global imcvp_trap_entry
    .type imcvp_trap_entry, @function
imcvp_trap_entry:
    .cfi_startproc
    .cfi_signal_frame
    .cfi_return_column DWARF_MEPC
    .cfi_register DWARF_MEPC, DWARF_MEPC
    addi    sp, sp, -FRAME_SIZE
    .cfi_def_cfa_offset FRAME_SIZE
    sw      x1, 4(sp)
    .cfi_offset x1, 4 - FRAME_SIZE
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sw      x\n, (4*\n)(sp)
    .cfi_offset x\n, 4*\n - FRAME_SIZE
    .endr
    addi    t0, sp, FRAME_SIZE
    sw      t0, 8(sp)
    sw      zero, 0(sp)
    csrr    t0, mepc
    sw      t0, F_MEPC(sp)
    .cfi_offset DWARF_MEPC, F_MEPC - FRAME_SIZE
    csrr    t0, mcause
    sw      t0, F_MCAUSE(sp)
    csrr    t0, mtval
    sw      t0, F_MTVAL(sp)
    csrr    t0, mstatus
    sw      t0, F_MSTATUS(sp)

    mv      a0, sp
    call    imcvp_trap_dispatch

    lw      t0, F_MEPC(sp)
    csrw    mepc, t0
    lw      t0, F_MSTATUS(sp)
    csrw    mstatus, t0
    lw      x1, 4(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    lw      x\n, (4*\n)(sp)
    .endr
    addi    sp, sp, FRAME_SIZE
    mret
    .cfi_endproc
    .size imcvp_trap_entry, . - imcvp_trap_entry
