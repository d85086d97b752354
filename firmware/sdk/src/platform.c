/* Platform discovery from the device tree (imcvp/platform.h) and the SDK's platform note. */
/* Tile windows given at compile time (checked before platform.h defines the run-time ones). */
#if defined(IMCVP_STATIC_PLATFORM) || defined(IMCVP_TILE_BASE) || defined(IMCVP_TILE_STRIDE)
#define NOTE_F_TILES 0u
#else
#define NOTE_F_TILES 1u
#endif
#include "imcvp/platform.h"

#include "imcvp/devicetree.h"

imcvp_platform_info imcvp_platform_data = {
    .dtb = 0,
    .dram_base = IMCVP_DEFAULT_DRAM_BASE,
    .dram_size = IMCVP_DEFAULT_DRAM_SIZE,
    .tile_base = IMCVP_DEFAULT_TILE_BASE,
    .tile_stride = IMCVP_DEFAULT_TILE_STRIDE,
    .tile_count = 0,
    .timebase_hz = IMCVP_MTIME_HZ,
    .simctrl_base = IMCVP_DEFAULT_SIMCTRL_BASE,
    .clint_base = IMCVP_DEFAULT_CLINT_BASE,
    .plic_base = IMCVP_DEFAULT_PLIC_BASE,
    .uart0_base = IMCVP_DEFAULT_UART0_BASE,
    .uart0_irq = IMCVP_UART0_IRQ,
};
static int info_ready;

/* Window of the first node compatible with `compat`; leaves *base alone if there is none. */
static void find_base(const void* dtb, const char* compat, uint32_t* base, uint32_t* irq) {
  imcvp_dt_iter it;
  imcvp_dt_node n;
  uint32_t a, sz, v;
  imcvp_dt_iter_init(&it, dtb, compat);
  if (!imcvp_dt_next(&it, &n) || !imcvp_dt_reg(&n, 0, &a, &sz)) return;
  *base = a;
  if (irq && imcvp_dt_u32(&n, "interrupts", &v)) *irq = v;
}

const imcvp_platform_info* imcvp_platform(void) {
  imcvp_platform_info* info = &imcvp_platform_data;
  if (info_ready) return info;
  info_ready = 1;
  info->dtb = imcvp_dt_check((const void*)imcvp_boot_dtb);
  if (!info->dtb) return info;
  const void* dtb = info->dtb;
  imcvp_dt_iter it;
  imcvp_dt_node n;
  uint32_t a, sz, v;
  imcvp_dt_iter_init(&it, dtb, "imcvp,dram");
  if (imcvp_dt_next(&it, &n) && imcvp_dt_reg(&n, 0, &a, &sz)) {
    info->dram_base = a;
    info->dram_size = sz;
  }
  /* Standard compatible strings, so QEMU virt's tree (same addresses) reads the same way. */
  find_base(dtb, "sifive,test0", &info->simctrl_base, 0);
  find_base(dtb, "riscv,clint0", &info->clint_base, 0);
  find_base(dtb, "riscv,plic0", &info->plic_base, 0);
  find_base(dtb, "ns16550a", &info->uart0_base, &info->uart0_irq);
  imcvp_dt_iter_init(&it, dtb, "imcvp,imc-tile");
  while (imcvp_dt_next(&it, &n)) {
    if (!imcvp_dt_reg(&n, 0, &a, &sz)) continue;
    uint32_t idx = info->tile_count;
    if (imcvp_dt_u32(&n, "imcvp,index", &v)) idx = v;
    if (idx >= IMCVP_DT_MAX_TILES) continue;
    info->tile_addr[idx] = a;
    info->tile_irq[idx] = imcvp_dt_u32(&n, "interrupts", &v) ? v : 16u + idx;
    if (idx + 1u > info->tile_count) info->tile_count = idx + 1u;
  }
  if (info->tile_count >= 1) info->tile_base = info->tile_addr[0];
  if (info->tile_count >= 2) info->tile_stride = info->tile_addr[1] - info->tile_addr[0];
  return info;
}

uintptr_t imcvp_tile_addr(unsigned i) {
  const imcvp_platform_info* p = imcvp_platform();
  if (i < p->tile_count && p->tile_addr[i]) return p->tile_addr[i];
  return p->tile_base + (uintptr_t)i * p->tile_stride;
}

/* The SDK's compiled-in platform, for `imcvp run` to compare with its configuration
 * (platform/devicetree.h: check_platform_note). An ELF note (name "imcvp", type "1LPI") in a
 * non-allocated section: it costs no target memory. Words: version, flags, simctrl, clint,
 * plic, uart0, tile base, tile stride, DRAM base, TCM base, TCM size, mtime Hz. Flags say
 * which addresses the SDK reads from the device tree (then the word is only the fallback):
 * bit 0 tile windows and DRAM base, bit 1 sim-control, bit 2 CLINT, bit 3 PLIC, bit 4 UART0.
 * Adding a flag keeps the version: an older imcvp compares the word, which is the fallback. */
#ifndef IMCVP_PLATFORM_NOTE_VERSION
#define IMCVP_PLATFORM_NOTE_VERSION 1u
#endif
#ifdef IMCVP_SIMCTRL_FROM_DT
#define NOTE_SIMCTRL_ADDR IMCVP_DEFAULT_SIMCTRL_BASE
#define NOTE_F_SIMCTRL 2u
#else
#define NOTE_SIMCTRL_ADDR IMCVP_SIMCTRL_BASE
#define NOTE_F_SIMCTRL 0u
#endif
#ifdef IMCVP_CLINT_FROM_DT
#define NOTE_CLINT_ADDR IMCVP_DEFAULT_CLINT_BASE
#define NOTE_F_CLINT 4u
#else
#define NOTE_CLINT_ADDR IMCVP_CLINT_BASE
#define NOTE_F_CLINT 0u
#endif
#ifdef IMCVP_PLIC_FROM_DT
#define NOTE_PLIC_ADDR IMCVP_DEFAULT_PLIC_BASE
#define NOTE_F_PLIC 8u
#else
#define NOTE_PLIC_ADDR IMCVP_PLIC_BASE
#define NOTE_F_PLIC 0u
#endif
#ifdef IMCVP_UART0_FROM_DT
#define NOTE_UART0_ADDR IMCVP_DEFAULT_UART0_BASE
#define NOTE_F_UART0 16u
#else
#define NOTE_UART0_ADDR IMCVP_UART0_BASE
#define NOTE_F_UART0 0u
#endif
#if NOTE_F_TILES
#define NOTE_TILE_BASE IMCVP_DEFAULT_TILE_BASE
#define NOTE_TILE_STRIDE IMCVP_DEFAULT_TILE_STRIDE
#else
#define NOTE_TILE_BASE IMCVP_TILE_BASE
#define NOTE_TILE_STRIDE IMCVP_TILE_STRIDE
#endif
#ifdef IMCVP_STATIC_PLATFORM
#define NOTE_DRAM_BASE IMCVP_DRAM_BASE
#else
#define NOTE_DRAM_BASE IMCVP_DEFAULT_DRAM_BASE
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
    {IMCVP_PLATFORM_NOTE_VERSION, NOTE_F_TILES | NOTE_F_SIMCTRL | NOTE_F_CLINT | NOTE_F_PLIC |
                                      NOTE_F_UART0,
     NOTE_SIMCTRL_ADDR, NOTE_CLINT_ADDR, NOTE_PLIC_ADDR, NOTE_UART0_ADDR, NOTE_TILE_BASE,
     NOTE_TILE_STRIDE, NOTE_DRAM_BASE, IMCVP_TCM_BASE, IMCVP_TCM_SIZE,
     IMCVP_MTIME_HZ}};
