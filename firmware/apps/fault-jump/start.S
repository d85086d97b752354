/* Bad firmware for the simulator's tests: jumps to unmapped address 0x0 with no trap
 * handler (instruction access fault at 0, then whatever mtvec's reset value leads to). */
    .section .text.init.enter, "ax", @progbits
    .global _start
_start:
    li      t0, 0
    jr      t0
