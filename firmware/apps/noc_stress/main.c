/* noc_stress: every IMC tile DMAs a block from its input buffer into every other tile's
 * weight-staging buffer, first one pair at a time (unloaded latency per pair), then all tiles at
 * once in rounds (tile i -> tile (i+k) mod n for k = 1..n-1: contention). Prints the achieved
 * bandwidth of each phase; the data is checked at the destination. Run it on different
 * configs/soc/noc-stress-*.yaml to compare topologies. Exit 0 when all data arrived intact. */
#include <stdint.h>
#include <stdio.h>

#include "imcvp/imc.h"
#include "imcvp/platform.h"
#include "imcvp/simctrl.h"

#define BLOCK 4096u

static uint32_t word(unsigned src, unsigned i) {
  return 0x9e3779b9u * (src + 1) ^ i;
}

static void start_copy(const imc_tile* src, const imc_tile* dst) {
  imc_write(src, IMC_DMA_LOCAL_OFFSET, IMC_BUF_IN);
  imc_write(src, IMC_DST_ADDR_OFFSET, (uint32_t)(dst->base + IMC_BUF_WBUF));
  imc_write(src, IMC_DMA_LEN_OFFSET, BLOCK);
  imc_start(src, IMC_OP_DMA_OUT);
}

static unsigned check(const imc_tile* dst, unsigned src_index) {
  unsigned bad = 0;
  for (unsigned i = 0; i < BLOCK / 4; i += 61)  // a sample of the block
    bad += imcvp_read32(dst->base + IMC_BUF_WBUF + 4 * i) != word(src_index, i);
  return bad;
}

int main(void) {
  unsigned n = imc_count();
  if (n < 2) {
    printf("noc_stress: needs at least 2 tiles (found %u)\n", n);
    return 2;
  }
  if (n > IMC_MAX_TILES) n = IMC_MAX_TILES;
  static imc_tile t[IMC_MAX_TILES];
  for (unsigned i = 0; i < n; ++i) {
    imc_open(&t[i], i);
    for (unsigned w = 0; w < BLOCK / 4; ++w)
      imcvp_write32(t[i].base + IMC_BUF_IN + 4 * w, word(i, w));
  }
  unsigned errors = 0;

  /* Phase 1: one transfer at a time. */
  imcvp_roi_begin(1);
  uint64_t t0 = imcvp_sim_time_ns();
  for (unsigned s = 0; s < n; ++s)
    for (unsigned d = 0; d < n; ++d) {
      if (s == d) continue;
      start_copy(&t[s], &t[d]);
      errors += imc_wait(&t[s]) != IMC_OK;
      errors += check(&t[d], s);
    }
  uint64_t t1 = imcvp_sim_time_ns();
  imcvp_roi_end(1);
  uint64_t bytes1 = (uint64_t)n * (n - 1) * BLOCK;

  /* Phase 2: all tiles at once, n-1 rounds. */
  imcvp_roi_begin(2);
  for (unsigned k = 1; k < n; ++k) {
    for (unsigned s = 0; s < n; ++s) start_copy(&t[s], &t[(s + k) % n]);
    for (unsigned s = 0; s < n; ++s) errors += imc_wait(&t[s]) != IMC_OK;
    for (unsigned s = 0; s < n; ++s) errors += check(&t[(s + k) % n], s);
  }
  uint64_t t2 = imcvp_sim_time_ns();
  imcvp_roi_end(2);

  printf("noc_stress: %u tiles, %u-byte blocks\n", n, BLOCK);
  printf("  one at a time: %lu transfers in %lu ns: %lu MB/s\n", (unsigned long)(n * (n - 1)),
         (unsigned long)(t1 - t0), (unsigned long)(bytes1 * 1000 / (t1 - t0)));
  printf("  all at once:   %lu transfers in %lu ns: %lu MB/s aggregate\n",
         (unsigned long)(n * (n - 1)), (unsigned long)(t2 - t1),
         (unsigned long)(bytes1 * 1000 / (t2 - t1)));
  printf("noc_stress: %u errors\n", errors);
  return errors ? 1 : 0;
}
