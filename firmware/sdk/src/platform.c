/* Platform discovery from the device tree (imcvp/platform.h) and the SDK's platform note. */
#include "imcvp/platform.h"

#include "imcvp/devicetree.h"

static imcvp_platform_info info;
static int info_ready;

const imcvp_platform_info* imcvp_platform(void) {
  if (info_ready) return &info;
  info.dram_base = IMCVP_DEFAULT_DRAM_BASE;
  info.dram_size = IMCVP_DEFAULT_DRAM_SIZE;
  info.tile_base = IMCVP_DEFAULT_TILE_BASE;
  info.tile_stride = IMCVP_DEFAULT_TILE_STRIDE;
  info.timebase_hz = IMCVP_MTIME_HZ;
  info.dtb = imcvp_dt_check((const void*)imcvp_boot_dtb);
  if (info.dtb) {
    imcvp_dt_iter it;
    imcvp_dt_node n;
    uint32_t a, sz, v;
    imcvp_dt_iter_init(&it, info.dtb, "imcvp,dram");
    if (imcvp_dt_next(&it, &n) && imcvp_dt_reg(&n, 0, &a, &sz)) {
      info.dram_base = a;
      info.dram_size = sz;
    }
    imcvp_dt_iter_init(&it, info.dtb, "imcvp,imc-tile");
    while (imcvp_dt_next(&it, &n)) {
      if (!imcvp_dt_reg(&n, 0, &a, &sz)) continue;
      uint32_t idx = info.tile_count;
      if (imcvp_dt_u32(&n, "imcvp,index", &v)) idx = v;
      if (idx >= IMCVP_DT_MAX_TILES) continue;
      info.tile_addr[idx] = a;
      info.tile_irq[idx] = imcvp_dt_u32(&n, "interrupts", &v) ? v : 16u + idx;
      if (idx + 1u > info.tile_count) info.tile_count = idx + 1u;
    }
    if (info.tile_count >= 1) info.tile_base = info.tile_addr[0];
    if (info.tile_count >= 2) info.tile_stride = info.tile_addr[1] - info.tile_addr[0];
  }
  info_ready = 1;
  return &info;
}

uintptr_t imcvp_tile_addr(unsigned i) {
  const imcvp_platform_info* p = imcvp_platform();
  if (i < p->tile_count && p->tile_addr[i]) return p->tile_addr[i];
  return p->tile_base + (uintptr_t)i * p->tile_stride;
}

/* The SDK's compiled-in platform, for `imcvp run` to compare with its configuration
 * (platform/devicetree.h: check_platform_note). An ELF note (name "imcvp", type "1LPI") in a
 * non-allocated section: it costs no target memory. Words: version, flags (bit 0: tile
 * windows and DRAM base are read from the device tree), simctrl, clint, plic, uart0, tile base,
 * tile stride, DRAM base, TCM base, TCM size, mtime Hz. */
#ifndef IMCVP_PLATFORM_NOTE_VERSION
#define IMCVP_PLATFORM_NOTE_VERSION 1u
#endif
struct imcvp_note {
  uint32_t namesz, descsz, type;
  char name[8];
  uint32_t desc[12];
};
__attribute__((
    used, aligned(4),
    section(".note.imcvp,\"\",@note#"))) static const struct imcvp_note imcvp_platform_note = {
    6,
    12 * 4,
    0x49504c31u,
    "imcvp",
    {IMCVP_PLATFORM_NOTE_VERSION,
#ifdef IMCVP_STATIC_PLATFORM
     0u,
#else
     1u,
#endif
     IMCVP_SIMCTRL_BASE, IMCVP_CLINT_BASE, IMCVP_PLIC_BASE, IMCVP_UART0_BASE,
     IMCVP_DEFAULT_TILE_BASE, IMCVP_DEFAULT_TILE_STRIDE, IMCVP_DEFAULT_DRAM_BASE, IMCVP_TCM_BASE,
     IMCVP_TCM_SIZE, IMCVP_MTIME_HZ}};
