/* riscv-tests style program: computes four words into begin_signature..end_signature, then
 * writes tohost = 1 (pass) and spins. For imcvp's tohost support; QEMU does not stop on it.
 * Expected signature: 0x00000007 0x0000002a 0x21524110 0x0000000e */
#ifndef TOHOST_VALUE
#define TOHOST_VALUE 1
#endif
    .section .text.init.enter, "ax", @progbits
    .global _start
_start:
    la      a0, begin_signature
    li      t0, 3
    li      t1, 4
    add     t2, t0, t1
    sw      t2, 0(a0)             /* 7 */
    li      t0, 6
    li      t1, 7
    mul     t2, t0, t1
    sw      t2, 4(a0)             /* 42 */
    li      t0, 0xdeadbeef
    not     t2, t0
    sw      t2, 8(a0)             /* 0x21524110 */
    li      t0, 100
    li      t1, 7
    div     t2, t0, t1
    sw      t2, 12(a0)            /* 14 */
    fence
    li      t0, TOHOST_VALUE      /* (test number << 1) | 1; 1 = pass */
    la      t1, tohost
    sw      zero, 4(t1)
    sw      t0, 0(t1)
1:  j       1b

    .section .tohost, "aw", @progbits
    .balign 64
    .global tohost
tohost:
    .dword 0
    .balign 64
    .global fromhost
fromhost:
    .dword 0

    .data
    .balign 16
    .global begin_signature
begin_signature:
    .word 0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef
    .global end_signature
end_signature:
