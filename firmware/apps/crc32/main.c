/* crc32: CPU-bound benchmark. Bit-serial CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320; no
 * table) over a 4 KiB pseudo-random buffer, chained over `crc32_iterations` passes, i.e. the
 * CRC of the buffer repeated that many times.
 *
 * Self-checks: CRC-32("123456789") == 0xCBF43926 first; then the result against
 * CRC32_EXPECTED (computed on the host with Python's zlib.crc32, see CMakeLists.txt) when the
 * iteration count is the built-in one, else against a table-driven CRC of the same data (an
 * independent algorithm). Prints instructions/cycles of the timed region (minstret/mcycle) and
 * marks it as region of interest 1 (imcvp sim-control; QEMU ignores those writes).
 * Exit 0 on a match.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "imcvp/csr.h"
#include "imcvp/simctrl.h"

#ifndef CRC32_ITERATIONS
#define CRC32_ITERATIONS 4096u
#endif
#define CRC32_BUF_SIZE 4096u

/* Run length: change this word in the loaded image (debugger, loader) for other lengths. */
volatile uint32_t crc32_iterations = CRC32_ITERATIONS;

static uint8_t buf[CRC32_BUF_SIZE];

static uint32_t crc32_bitwise(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  while (n--) {
    crc ^= *p++;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

static uint32_t table[256];

static uint32_t crc32_table(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  while (n--) crc = table[(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

static void build_table(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    table[i] = c;
  }
}

int main(void) {
  static const uint8_t check[] = "123456789";
  uint32_t c = crc32_bitwise(0, check, 9);
  if (c != 0xCBF43926u) {
    printf("crc32: self-check FAILED: crc32(\"123456789\") = 0x%08lx, expected 0xcbf43926\n",
           (unsigned long)c);
    return 2;
  }

  uint32_t x = 12345u;  // LCG (Numerical Recipes constants): reproducible data
  for (uint32_t i = 0; i < CRC32_BUF_SIZE; ++i) {
    x = x * 1664525u + 1013904223u;
    buf[i] = (uint8_t)(x >> 24);
  }

  const uint32_t iters = crc32_iterations;
  printf("crc32: %lu x %u bytes\n", (unsigned long)iters, CRC32_BUF_SIZE);
  imcvp_roi_begin(1);
  uint64_t i0 = imcvp_rdinstret64(), c0 = imcvp_rdcycle64();
  uint32_t crc = 0;
  for (uint32_t it = 0; it < iters; ++it) crc = crc32_bitwise(crc, buf, CRC32_BUF_SIZE);
  uint64_t i1 = imcvp_rdinstret64(), c1 = imcvp_rdcycle64();
  imcvp_roi_end(1);
  printf("crc32: result 0x%08lx (instructions %llu, cycles %llu)\n", (unsigned long)crc,
         (unsigned long long)(i1 - i0), (unsigned long long)(c1 - c0));

  uint32_t expected;
#ifdef CRC32_EXPECTED
  if (iters == CRC32_ITERATIONS) {
    expected = CRC32_EXPECTED;
  } else
#endif
  {
    build_table();
    expected = 0;
    for (uint32_t it = 0; it < iters; ++it) expected = crc32_table(expected, buf, CRC32_BUF_SIZE);
  }
  if (crc != expected) {
    printf("crc32: MISMATCH, expected 0x%08lx\n", (unsigned long)expected);
    return 1;
  }
  printf("crc32: OK\n");
  imcvp_report("crc", (int32_t)crc); /* stats.json: firmware.crc */
  imcvp_report("iterations", (int32_t)iters);
  return 0;
}
