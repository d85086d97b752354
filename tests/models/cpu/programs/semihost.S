#include "prog.inc"
.globl _start
_start:
  li a0, 0x04                   # SYS_WRITE0
  la a1, msg
  call sh
  li a0, 0x01                   # SYS_OPEN ":semihosting-features", "rb"
  la a1, openblk
  call sh
  mv s1, a0                     # handle
  la t0, rdblk
  sw s1, 0(t0)
  li a0, 0x06                   # SYS_READ 5 bytes
  mv a1, t0
  call sh
  mv s2, a0                     # bytes not read: 0
  li a0, 0x20                   # SYS_EXIT_EXTENDED(ApplicationExit, 3)
  la a1, exitblk
  call sh
  EXIT 9                        # not reached
.balign 16
.option push
.option norvc
sh:
  slli x0, x0, 0x1f
  ebreak
  srai x0, x0, 7
  ret
.option pop
msg: .asciz "hello semihosting\n"
feat: .ascii ":semihosting-features"
.balign 4
openblk: .word feat, 1, 21
exitblk: .word 0x20026, 3
rdblk: .word 0, LOG+0x200, 5
