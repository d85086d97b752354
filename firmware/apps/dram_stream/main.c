/* dram_stream: writes a pattern over a DRAM buffer, reads it back sequentially and with a large
 * stride, checks every word, and prints the cycles per access of each phase (row hits vs row
 * conflicts show up in the timed DRAM model). Each phase is a region of interest (ids 1..3).
 * Exit 0 when the data is intact. imcvp only (QEMU's virt has no RAM at the DRAM base). */
#include <stdint.h>
#include <stdio.h>

#include "imcvp/csr.h"
#include "imcvp/platform.h"
#include "imcvp/simctrl.h"

#define WORDS 4096u         /* 16 KiB: two DDR4 rows' worth of columns per bank group */
#define STRIDE_WORDS 16384u /* 64 KiB stride: a new row on every access */

static uint32_t pattern(uint32_t i) {
  return i * 2654435761u ^ 0x5a5a5a5au;
}

int main(void) {
  /* The DRAM window from the device tree (imcvp/platform.h). */
  volatile uint32_t* const dram = (volatile uint32_t*)(uintptr_t)IMCVP_DRAM_BASE;
  uint32_t errors = 0;
  uint64_t t0 = csr_read(mcycle);
  imcvp_roi_begin(1);
  for (uint32_t i = 0; i < WORDS; ++i) dram[i] = pattern(i);
  imcvp_roi_end(1);
  uint64_t t1 = csr_read(mcycle);
  imcvp_roi_begin(2);
  for (uint32_t i = 0; i < WORDS; ++i) errors += dram[i] != pattern(i);
  imcvp_roi_end(2);
  uint64_t t2 = csr_read(mcycle);
  imcvp_roi_begin(3);
  for (uint32_t i = 0; i < 256; ++i) dram[i * STRIDE_WORDS] = i;
  for (uint32_t i = 0; i < 256; ++i) errors += dram[i * STRIDE_WORDS] != i;
  imcvp_roi_end(3);
  uint64_t t3 = csr_read(mcycle);
  printf(
      "dram_stream: write %lu cycles/word, sequential read %lu cycles/word, "
      "strided %lu cycles/access\n",
      (unsigned long)((t1 - t0) / WORDS), (unsigned long)((t2 - t1) / WORDS),
      (unsigned long)((t3 - t2) / 512));
  printf("dram_stream: %lu errors\n", (unsigned long)errors);
  return errors == 0 ? 0 : 1;
}
