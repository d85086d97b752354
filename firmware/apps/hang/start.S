/* Bad firmware for the simulator's tests: never exits (a tight loop, no WFI); the run must
 * end through --max-time / --max-insts. */
    .section .text.init.enter, "ax", @progbits
    .global _start
_start:
1:  j       1b
