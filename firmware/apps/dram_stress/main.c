/* dram_stress: every IMC tile streams blocks between DRAM and its input buffer by DMA, all
 * tiles at once, and the app reports the aggregate DRAM bandwidth the SoC sustains. Compare
 * memory-controller counts, placements and interleave granules, e.g.
 *   for n in 1 2 4; do imcvp run -c configs/soc/dram-stress.yaml --set dram.controllers=$n \
 *       build/firmware/bin/dram_stress.elf; done
 * Phase 1 (ROI 1): every tile writes its block to its own DRAM region (DMA_OUT), all at once.
 * Phase 2 (ROI 2): ROUNDS rounds; in round r tile i reads tile (i + r + 1)'s region (DMA_IN),
 * all at once, so every tile's stream crosses the network. The data is checked at the end.
 * Exit 0 when all data arrived intact. */
#include <stdint.h>
#include <stdio.h>

#include "imcvp/imc.h"
#include "imcvp/platform.h"
#include "imcvp/simctrl.h"

#define BLOCK 16384u /* bytes per tile per transfer (the IN buffer holds 64 KiB) */
#define ROUNDS 4u
#define REGION 0x100000u /* DRAM bytes between two tiles' regions */

static uint32_t word(unsigned owner, unsigned i) {
  return (0x9e3779b9u * (owner + 1)) ^ (i * 0x85ebca6bu);
}

static uint32_t region(unsigned tile) {
  return IMCVP_DRAM_BASE + 0x200000u + tile * REGION;
}

static void dma(const imc_tile* t, enum imc_op op, uint32_t global) {
  imc_write(t, IMC_DMA_LOCAL_OFFSET, IMC_BUF_IN);
  imc_write(t, op == IMC_OP_DMA_IN ? IMC_SRC_ADDR_OFFSET : IMC_DST_ADDR_OFFSET, global);
  imc_write(t, IMC_DMA_LEN_OFFSET, BLOCK);
  imc_start(t, op);
}

static unsigned check(const imc_tile* t, unsigned owner) {
  unsigned bad = 0;
  for (unsigned i = 0; i < BLOCK / 4; i += 127) /* a sample of the block */
    bad += imcvp_read32(t->base + IMC_BUF_IN + 4 * i) != word(owner, i);
  return bad;
}

static unsigned long mbps(uint64_t bytes, uint64_t ns) {
  return ns ? (unsigned long)(bytes * 1000 / ns) : 0;
}

int main(void) {
  unsigned n = imc_count();
  if (n < 1) {
    printf("dram_stress: needs at least one tile\n");
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

  imcvp_roi_begin(1);
  uint64_t t0 = imcvp_sim_time_ns();
  for (unsigned i = 0; i < n; ++i) dma(&t[i], IMC_OP_DMA_OUT, region(i));
  for (unsigned i = 0; i < n; ++i) errors += imc_wait(&t[i]) != IMC_OK;
  uint64_t t1 = imcvp_sim_time_ns();
  imcvp_roi_end(1);

  imcvp_roi_begin(2);
  for (unsigned r = 0; r < ROUNDS; ++r) {
    for (unsigned i = 0; i < n; ++i) dma(&t[i], IMC_OP_DMA_IN, region((i + r + 1) % n));
    for (unsigned i = 0; i < n; ++i) errors += imc_wait(&t[i]) != IMC_OK;
  }
  uint64_t t2 = imcvp_sim_time_ns();
  imcvp_roi_end(2);
  for (unsigned i = 0; i < n; ++i) errors += check(&t[i], (i + ROUNDS) % n);

  uint64_t wr = (uint64_t)n * BLOCK, rd = (uint64_t)n * BLOCK * ROUNDS;
  printf("dram_stress: %u tiles, %u-byte blocks\n", n, BLOCK);
  printf("  write: %lu bytes in %lu ns: %lu MB/s\n", (unsigned long)wr, (unsigned long)(t1 - t0),
         mbps(wr, t1 - t0));
  printf("  read:  %lu bytes in %lu ns: %lu MB/s\n", (unsigned long)rd, (unsigned long)(t2 - t1),
         mbps(rd, t2 - t1));
  imcvp_report("read_mb_per_s", (uint32_t)mbps(rd, t2 - t1));
  imcvp_report("write_mb_per_s", (uint32_t)mbps(wr, t1 - t0));
  printf("dram_stress: %u errors\n", errors);
  return errors ? 1 : 0;
}
