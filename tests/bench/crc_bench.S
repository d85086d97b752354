# bench_iss workload: bit-serial CRC-32 over a 4 KiB buffer, the inner loop exactly as GCC 12
# -O2 compiles the usual C (firmware/apps/crc32), chained over the pass count stored at
# 0x80000ff0 by the harness. Result in memory at 0x80000ff4, then exit through the bench device.
.equ DEV, 0x10000000
.equ BUF, 0x80010000
.globl _start
_start:
  li s2, BUF
  li t0, 0
  li t1, 4096
  li t2, 12345
fill:                          # xorshift-ish bytes
  slli t3, t2, 13
  xor t2, t2, t3
  srli t3, t2, 17
  xor t2, t2, t3
  slli t3, t2, 5
  xor t2, t2, t3
  add t3, s2, t0
  sb t2, 0(t3)
  addi t0, t0, 1
  bne t0, t1, fill
  li t0, 0x80000ff0
  lw s3, 0(t0)                 # passes
  li a4, -1
  li a2, 0xEDB88320
pass:
  mv a0, s2
  add a1, s2, t1
byte:
  lbu a5, 0(a0)
  li a3, 8
  xor a4, a4, a5
bit:
  andi a5, a4, 1
  neg a5, a5
  srli a4, a4, 1
  and a5, a5, a2
  addi a3, a3, -1
  xor a4, a4, a5
  bne a3, zero, bit
  addi a0, a0, 1
  bne a0, a1, byte
  addi s3, s3, -1
  bnez s3, pass
  not a4, a4
  li t0, 0x80000ff4
  sw a4, 0(t0)
  li t6, DEV
  sw zero, 0(t6)
1: j 1b
