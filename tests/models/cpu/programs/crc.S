#include "prog.inc"
# Bit-serial CRC-32 (reflected, poly 0xEDB88320) over a 256-byte buffer filled with i*7+1,
# repeated a1 times; result in s1 (the last pass), loads/stores on every byte.
.globl _start
_start:
  li s2, LOG                    # buffer
  li t0, 0
  li t1, 256
fill:
  slli t2, t0, 3
  sub t2, t2, t0
  addi t2, t2, 1
  add t3, s2, t0
  sb t2, 0(t3)
  addi t0, t0, 1
  bne t0, t1, fill
  li s3, 4                      # passes
pass:
  mv a0, s2
  li a1, 256
  li a2, -1
  li a5, 0xEDB88320
byte:
  lbu a3, 0(a0)
  xor a2, a2, a3
  li a4, 8
bit:
  andi a3, a2, 1
  srli a2, a2, 1
  neg a3, a3
  and a3, a3, a5
  xor a2, a2, a3
  addi a4, a4, -1
  bnez a4, bit
  addi a0, a0, 1
  addi a1, a1, -1
  bnez a1, byte
  not s1, a2
  sw s1, 0x400(s2)
  addi s3, s3, -1
  bnez s3, pass
  EXIT 0
