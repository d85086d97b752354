/* imcvp platform constants: base addresses, sizes and interrupt numbers in one place.
 *
 * The defaults are the imcvp default memory map (docs/memory-map.md), which matches QEMU's
 * `virt` machine for the UART, test finisher, CLINT, PLIC and RAM base. Every value can be
 * overridden with -D on the compiler command line.
 *
 * The IMC tile windows and the DRAM base follow the running platform: IMCVP_TILE_ADDR(i),
 * IMCVP_TILE_BASE, IMCVP_TILE_STRIDE and IMCVP_DRAM_BASE read the device tree that imcvp
 * passes in a1 at reset (imcvp_platform(), below), and fall back to the compiled-in defaults
 * (IMCVP_DEFAULT_*) when there is none (QEMU, a loader that passes a1 = 0). Define
 * IMCVP_STATIC_PLATFORM to make them compile-time constants again. The SDK records its
 * compiled-in addresses in the ELF note .note.imcvp; `imcvp run` warns when they differ from
 * its configuration (docs/firmware-guide.md, "Device tree").
 */
#ifndef IMCVP_PLATFORM_H
#define IMCVP_PLATFORM_H

#ifndef IMCVP_BOOTROM_BASE
#define IMCVP_BOOTROM_BASE 0x00001000u
#endif
#ifndef IMCVP_SIMCTRL_BASE /* QEMU virt: sifive_test finisher at the same address */
#define IMCVP_SIMCTRL_BASE 0x00100000u
#endif
#ifndef IMCVP_CLINT_BASE
#define IMCVP_CLINT_BASE 0x02000000u
#endif
#ifndef IMCVP_PLIC_BASE
#define IMCVP_PLIC_BASE 0x0C000000u
#endif
#ifndef IMCVP_UART0_BASE
#define IMCVP_UART0_BASE 0x10000000u
#endif
/* Fallbacks of the run-time values below (no device tree). */
#ifndef IMCVP_DEFAULT_TILE_BASE
#define IMCVP_DEFAULT_TILE_BASE 0x20000000u
#endif
#ifndef IMCVP_DEFAULT_TILE_STRIDE
#define IMCVP_DEFAULT_TILE_STRIDE 0x00100000u
#endif
#ifndef IMCVP_DEFAULT_DRAM_BASE
#define IMCVP_DEFAULT_DRAM_BASE 0x40000000u
#endif
#ifndef IMCVP_DEFAULT_DRAM_SIZE
#define IMCVP_DEFAULT_DRAM_SIZE 0x10000000u
#endif
#ifndef IMCVP_TCM_BASE
#define IMCVP_TCM_BASE 0x80000000u
#endif
#ifndef IMCVP_TCM_SIZE
#define IMCVP_TCM_SIZE 0x00100000u
#endif

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Most tiles the SDK tracks from the device tree. */
#define IMCVP_DT_MAX_TILES 64u

/* The platform as the device tree describes it (or the defaults). */
typedef struct imcvp_platform_info {
  const void* dtb;    /* the validated device tree, or NULL (defaults in use) */
  uint32_t dram_base; /* node compatible "imcvp,dram" */
  uint32_t dram_size;
  uint32_t tile_base;   /* tile 0's window */
  uint32_t tile_stride; /* tile 1 - tile 0 (the default with fewer than two tiles) */
  uint32_t tile_count;  /* nodes compatible "imcvp,imc-tile"; 0 without a device tree */
  uint32_t timebase_hz; /* /cpus timebase-frequency (IMCVP_MTIME_HZ without one) */
  uint32_t tile_addr[IMCVP_DT_MAX_TILES]; /* by imcvp,index */
  uint32_t tile_irq[IMCVP_DT_MAX_TILES];  /* PLIC source */
} imcvp_platform_info;

/* Reads the device tree on first use (from imcvp_boot_dtb, the a1 value at reset). Never NULL. */
const imcvp_platform_info* imcvp_platform(void);
/* Address of tile i's window: from the device tree, else base + i * stride. */
uintptr_t imcvp_tile_addr(unsigned i);
#endif /* __ASSEMBLER__ */

#if defined(IMCVP_STATIC_PLATFORM) || defined(__ASSEMBLER__)
#ifndef IMCVP_TILE_BASE
#define IMCVP_TILE_BASE IMCVP_DEFAULT_TILE_BASE
#endif
#ifndef IMCVP_TILE_STRIDE
#define IMCVP_TILE_STRIDE IMCVP_DEFAULT_TILE_STRIDE
#endif
#ifndef IMCVP_DRAM_BASE
#define IMCVP_DRAM_BASE IMCVP_DEFAULT_DRAM_BASE
#endif
/* Address of IMC tile i's register block. */
#define IMCVP_TILE_ADDR(i) (IMCVP_TILE_BASE + (unsigned)(i)*IMCVP_TILE_STRIDE)
#elif defined(IMCVP_TILE_BASE) || defined(IMCVP_TILE_STRIDE)
/* Tile map given with -D: compile-time tile addresses. */
#ifndef IMCVP_TILE_BASE
#define IMCVP_TILE_BASE IMCVP_DEFAULT_TILE_BASE
#endif
#ifndef IMCVP_TILE_STRIDE
#define IMCVP_TILE_STRIDE IMCVP_DEFAULT_TILE_STRIDE
#endif
#ifndef IMCVP_DRAM_BASE
#define IMCVP_DRAM_BASE (imcvp_platform()->dram_base)
#endif
#define IMCVP_TILE_ADDR(i) (IMCVP_TILE_BASE + (unsigned)(i)*IMCVP_TILE_STRIDE)
#else
#ifndef IMCVP_TILE_BASE
#define IMCVP_TILE_BASE (imcvp_platform()->tile_base)
#endif
#ifndef IMCVP_TILE_STRIDE
#define IMCVP_TILE_STRIDE (imcvp_platform()->tile_stride)
#endif
#ifndef IMCVP_DRAM_BASE
#define IMCVP_DRAM_BASE (imcvp_platform()->dram_base)
#endif
/* Address of IMC tile i's register block. */
#define IMCVP_TILE_ADDR(i) imcvp_tile_addr((unsigned)(i))
#endif

/* CLINT mtime frequency (QEMU virt: 10 MHz as well). */
#ifndef IMCVP_MTIME_HZ
#define IMCVP_MTIME_HZ 10000000u
#endif

/* UART input clock used to compute the baud divisor (QEMU ignores the divisor). */
#ifndef IMCVP_UART0_CLOCK_HZ
#define IMCVP_UART0_CLOCK_HZ 3686400u
#endif

/* PLIC sources. imcvp: 1 = UART0, 16 + i = IMC tile i. QEMU virt wires UART0 to source 10. */
#ifndef IMCVP_UART0_IRQ
#define IMCVP_UART0_IRQ 1u
#endif
#define IMCVP_TILE_IRQ(i) (16u + (unsigned)(i))
#define IMCVP_QEMU_VIRT_UART0_IRQ 10u

/* Number of PLIC sources the HAL handles in its dispatch table (source 0 is reserved). */
#ifndef IMCVP_PLIC_NUM_SOURCES
#define IMCVP_PLIC_NUM_SOURCES 64u
#endif

#endif /* IMCVP_PLATFORM_H */
