/* Platform discovery from the device tree (imcvp/platform.h) and the SDK's platform note. */
/* Tile windows given at compile time (checked before platform.h defines the run-time ones). */
#if defined(IMCVP_STATIC_PLATFORM) || defined(IMCVP_TILE_BASE) || defined(IMCVP_TILE_STRIDE)
#define NOTE_F_TILES 0u
#else
#define NOTE_F_TILES 1u
#endif
#include "imcvp/platform.h"

#include <string.h>

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

/* One pass over the structure block (devicetree spec v0.4, chapter 5) collecting every node
 * the SDK uses; property names are compared by their strings-block offset (looked up once).
 * imcvp's tree with two tiles (2.5 KB) costs ~14,000 instructions (~35 us of simulated time
 * at the default clock), once, in crt0. */
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u

enum { K_NONE, K_DRAM, K_TILE, K_SIMCTRL, K_CLINT, K_PLIC, K_UART, K_CPUS, K_COUNT };
static const char* const kind_compat[K_COUNT] = {
    0, "imcvp,dram", "imcvp,imc-tile", "sifive,test0", "riscv,clint0", "riscv,plic0", "ns16550a",
    0 /* K_CPUS: the node /cpus, by name */};
enum { P_COMPAT, P_REG, P_ADDR_CELLS, P_SIZE_CELLS, P_INTERRUPTS, P_INDEX, P_TIMEBASE, P_COUNT };
static const char* const prop_names[P_COUNT] = {"compatible",        "reg",        "#address-cells",
                                                "#size-cells",       "interrupts", "imcvp,index",
                                                "timebase-frequency"};

static uint32_t be32(const uint8_t* b) {
  return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* The node being read: its kind and the properties the SDK needs. */
typedef struct {
  int kind, has_reg, has_irq, has_index, has_timebase;
  uint32_t addr, size, irq, index, timebase;
} dt_rec;

/* Big-endian n-cell value that fits 32 bits (else 0). */
static int cells32(const uint8_t* p, uint32_t n, uint32_t* v) {
  for (uint32_t i = 0; i + 1 < n; ++i)
    if (be32(p + 4u * i) != 0) return 0;
  *v = n ? be32(p + 4u * (n - 1)) : 0;
  return 1;
}

static int compat_kind(const char* list, uint32_t len) {
  for (uint32_t i = 0; i < len;) {
    const char* c = list + i;
    for (int k = 1; k < K_CPUS; ++k)
      if (c[0] == kind_compat[k][0] && c[1] == kind_compat[k][1] && strcmp(c, kind_compat[k]) == 0)
        return k;
    i += (uint32_t)strlen(c) + 1u;
  }
  return K_NONE;
}

static void take(imcvp_platform_info* info, const dt_rec* r, int* seen) {
  if (r->kind == K_CPUS && r->has_timebase && r->timebase) info->timebase_hz = r->timebase;
  if (r->kind == K_NONE || r->kind == K_CPUS || !r->has_reg) return;
  if (r->kind == K_TILE) {
    uint32_t idx = r->has_index ? r->index : info->tile_count;
    if (idx >= IMCVP_DT_MAX_TILES) return;
    info->tile_addr[idx] = r->addr;
    info->tile_irq[idx] = r->has_irq ? r->irq : 16u + idx;
    if (idx + 1u > info->tile_count) info->tile_count = idx + 1u;
    return;
  }
  if (seen[r->kind]) return; /* the first node of each kind */
  seen[r->kind] = 1;
  switch (r->kind) {
    case K_DRAM:
      info->dram_base = r->addr;
      info->dram_size = r->size;
      break;
    case K_SIMCTRL:
      info->simctrl_base = r->addr;
      break;
    case K_CLINT:
      info->clint_base = r->addr;
      break;
    case K_PLIC:
      info->plic_base = r->addr;
      break;
    case K_UART:
      info->uart0_base = r->addr;
      if (r->has_irq) info->uart0_irq = r->irq;
      break;
  }
}

static void read_tree(imcvp_platform_info* info, const uint8_t* dtb) {
  const uint8_t* st = dtb + be32(dtb + 8);
  const char* strs = (const char*)dtb + be32(dtb + 12);
  const uint32_t end = be32(dtb + 36), strs_size = be32(dtb + 32);
  uint32_t off_of[P_COUNT];
  for (int p = 0; p < P_COUNT; ++p) off_of[p] = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < strs_size;) { /* each property name's offset, once */
    const char* n = strs + i;
    for (int p = 0; p < P_COUNT; ++p)
      if (n[0] == prop_names[p][0] && n[1] == prop_names[p][1] && off_of[p] == 0xFFFFFFFFu &&
          strcmp(n, prop_names[p]) == 0)
        off_of[p] = i;
    while (strs[i] && i < strs_size) ++i;
    ++i;
  }
  uint8_t acells[16], scells[16]; /* per depth: the cell counts for children */
  int depth = 0, seen[K_COUNT] = {0};
  dt_rec r = {0};
  acells[0] = 2;
  scells[0] = 1;
  for (uint32_t off = 0; off + 4u <= end;) {
    const uint32_t tok = be32(st + off);
    if (tok == FDT_BEGIN_NODE || tok == FDT_END_NODE) {
      take(info, &r, seen); /* a node's properties precede its children */
      memset(&r, 0, sizeof r);
      if (tok == FDT_END_NODE) {
        if (--depth < 0) return;
        off += 4u;
        continue;
      }
      if (++depth >= (int)sizeof acells) return;
      acells[depth] = 2;
      scells[depth] = 1;
      const char* node = (const char*)st + off + 4u;
      if (depth == 2 && strcmp(node, "cpus") == 0) r.kind = K_CPUS;
      off = (off + 4u + (uint32_t)strlen(node) + 1u + 3u) & ~3u;
    } else if (tok == FDT_PROP) {
      const uint32_t len = be32(st + off + 4u), name = be32(st + off + 8u);
      const uint8_t* v = st + off + 12u;
      if (name == off_of[P_COMPAT] && r.kind != K_CPUS) {
        r.kind = compat_kind((const char*)v, len);
      } else if (name == off_of[P_ADDR_CELLS] && len == 4) {
        acells[depth] = (uint8_t)be32(v);
      } else if (name == off_of[P_SIZE_CELLS] && len == 4) {
        scells[depth] = (uint8_t)be32(v);
      } else if (name == off_of[P_REG] && depth >= 1) {
        const uint32_t ac = acells[depth - 1], sc = scells[depth - 1];
        r.has_reg = ac + sc > 0 && 4u * (ac + sc) <= len && cells32(v, ac, &r.addr) &&
                    cells32(v + 4u * ac, sc, &r.size);
      } else if (name == off_of[P_INTERRUPTS] && len == 4) {
        r.irq = be32(v);
        r.has_irq = 1;
      } else if (name == off_of[P_INDEX] && len == 4) {
        r.index = be32(v);
        r.has_index = 1;
      } else if (name == off_of[P_TIMEBASE] && len == 4) {
        r.timebase = be32(v);
        r.has_timebase = 1;
      }
      off = (off + 12u + len + 3u) & ~3u;
    } else if (tok == FDT_NOP) {
      off += 4u;
    } else {
      return; /* FDT_END or garbage */
    }
  }
}

const imcvp_platform_info* imcvp_platform(void) {
  imcvp_platform_info* info = &imcvp_platform_data;
  if (info_ready) return info;
  info_ready = 1;
  info->dtb = imcvp_dt_check((const void*)imcvp_boot_dtb);
  if (!info->dtb) return info;
  read_tree(info, (const uint8_t*)info->dtb);
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
    {IMCVP_PLATFORM_NOTE_VERSION,
     NOTE_F_TILES | NOTE_F_SIMCTRL | NOTE_F_CLINT | NOTE_F_PLIC | NOTE_F_UART0, NOTE_SIMCTRL_ADDR,
     NOTE_CLINT_ADDR, NOTE_PLIC_ADDR, NOTE_UART0_ADDR, NOTE_TILE_BASE, NOTE_TILE_STRIDE,
     NOTE_DRAM_BASE, IMCVP_TCM_BASE, IMCVP_TCM_SIZE, IMCVP_MTIME_HZ}};
