/* imcvp SDK start-up code.
 *
 * Why not picolibc's crt0: it leaves mtvec unset (a trap would jump to address 0 and loop)
 * and its _exit differs per oslib. This crt0 installs the SDK trap entry first, so a fault
 * during start-up is reported, and ends through exit() -> _exit(), which the SDK's UART stdio
 * object maps to the test finisher (or libsemihost maps to SYS_EXIT).
 *
 * Steps: park harts other than 0, set gp/sp/tp, install mtvec, mask interrupts, copy .data
 * if its load address differs, zero .tbss/.bss, keep a1 (the device tree's address) in
 * imcvp_boot_dtb, read the platform from it (imcvp_platform()), run constructors, call
 * main(0, NULL), then exit(main's return value).
 */
    .section .text.init.enter, "ax", @progbits
    .global _start
    .type _start, @function
_start:
    .cfi_startproc
    .cfi_undefined ra
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    csrr    t0, mhartid
    bnez    t0, .Lpark
    mv      s1, a1              /* the device tree (imcvp, QEMU virt) or 0 */
    la      sp, __stack
    la      tp, __tls_base
    la      t0, imcvp_trap_entry
    csrw    mtvec, t0
    csrw    mie, zero
    csrci   mstatus, 8

    /* .data (and .tdata) copy: a no-op when the ELF loads them in place, as in TCM. */
    la      a0, __data_start
    la      a1, __data_source
    la      a2, __data_end
    beq     a0, a1, 2f
1:  bgeu    a0, a2, 2f
    lw      t0, 0(a1)
    sw      t0, 0(a0)
    addi    a0, a0, 4
    addi    a1, a1, 4
    j       1b
2:
    /* Zero .tbss and .bss (word-aligned by the linker script). */
    la      a0, __bss_start
    la      a1, __bss_end
3:  bgeu    a0, a1, 4f
    sw      zero, 0(a0)
    addi    a0, a0, 4
    j       3b
4:
    la      t0, imcvp_boot_dtb
    sw      s1, 0(t0)
    call    imcvp_platform      /* device addresses from the tree, before any constructor */
    call    __libc_init_array
    li      a0, 0
    li      a1, 0
    call    main
    call    exit
    /* exit() does not return; stay put if it ever does. */
5:  wfi
    j       5b

.Lpark:
    wfi
    j       .Lpark
    .cfi_endproc
    .size _start, . - _start
