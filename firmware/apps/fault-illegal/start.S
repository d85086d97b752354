/* Bad firmware for the simulator's tests: an illegal instruction with no trap handler
 * (mtvec keeps its reset value; nothing is set up). */
    .section .text.init.enter, "ax", @progbits
    .global _start
_start:
    .option norvc
    nop
    unimp                         /* 0xc0001073: csrrw x0, cycle, x0 */
1:  j       1b
