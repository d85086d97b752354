/**
 * @file imcvp/platform.h
 * @brief Platform constants and run-time discovery: base addresses, sizes and interrupt
 * numbers in one place.
 *
 * The defaults are the imcvp default memory map (docs/memory-map.md), which matches QEMU's
 * `virt` machine for the UART, test finisher, CLINT, PLIC and RAM base. Every value can be
 * overridden with -D on the compiler command line.
 *
 * The devices follow the running platform: IMCVP_UART0_BASE, IMCVP_CLINT_BASE,
 * IMCVP_PLIC_BASE, IMCVP_SIMCTRL_BASE, IMCVP_TILE_ADDR(i), IMCVP_TILE_BASE, IMCVP_TILE_STRIDE
 * and IMCVP_DRAM_BASE are read from the device tree that imcvp passes in a1 at reset
 * (imcvp_platform(): crt0 reads it before main), and fall back to the compiled-in defaults
 * (IMCVP_DEFAULT_*) when there is none or it lacks the device (QEMU virt passes its own tree,
 * with the same addresses; a loader that passes a1 = 0 gets the defaults). Defining one of
 * them with -D makes that one a compile-time constant; IMCVP_STATIC_PLATFORM makes all of them
 * constants (and the assembler always sees constants). The TCM base and size stay compiled in:
 * the linker script places the program there.
 *
 * The SDK records the addresses it has compiled in, and which ones it reads from the device
 * tree, in the ELF note .note.imcvp; `imcvp run` stops with an error naming each compiled-in
 * address that differs from its configuration (docs/firmware-guide.md, "Device tree").
 *
 * Example:
 * @code
 * const imcvp_platform_info* p = imcvp_platform();
 * printf("%u tiles, DRAM at 0x%08lx, UART at 0x%08lx\n", (unsigned)p->tile_count,
 *        (unsigned long)p->dram_base, (unsigned long)IMCVP_UART0_BASE);
 * @endcode
 */
#ifndef IMCVP_PLATFORM_H
#define IMCVP_PLATFORM_H

/** Boot ROM base (the reset stub and the device tree); compiled in. */
#ifndef IMCVP_BOOTROM_BASE
#define IMCVP_BOOTROM_BASE 0x00001000u
#endif
/** Fallback of IMCVP_SIMCTRL_BASE (QEMU virt: the sifive_test finisher at the same address).
 */
#ifndef IMCVP_DEFAULT_SIMCTRL_BASE
#define IMCVP_DEFAULT_SIMCTRL_BASE 0x00100000u
#endif
/** Fallback of IMCVP_CLINT_BASE (QEMU virt's CLINT). */
#ifndef IMCVP_DEFAULT_CLINT_BASE
#define IMCVP_DEFAULT_CLINT_BASE 0x02000000u
#endif
/** Fallback of IMCVP_PLIC_BASE (QEMU virt's PLIC). */
#ifndef IMCVP_DEFAULT_PLIC_BASE
#define IMCVP_DEFAULT_PLIC_BASE 0x0C000000u
#endif
/** Fallback of IMCVP_UART0_BASE (QEMU virt's UART0). */
#ifndef IMCVP_DEFAULT_UART0_BASE
#define IMCVP_DEFAULT_UART0_BASE 0x10000000u
#endif
/** Fallback of IMCVP_TILE_BASE (no device tree, or no tile in it). */
#ifndef IMCVP_DEFAULT_TILE_BASE
#define IMCVP_DEFAULT_TILE_BASE 0x20000000u
#endif
/** Fallback of IMCVP_TILE_STRIDE (fewer than two tiles in the device tree). */
#ifndef IMCVP_DEFAULT_TILE_STRIDE
#define IMCVP_DEFAULT_TILE_STRIDE 0x00100000u
#endif
/** Fallback of IMCVP_DRAM_BASE (no node compatible "imcvp,dram"). */
#ifndef IMCVP_DEFAULT_DRAM_BASE
#define IMCVP_DEFAULT_DRAM_BASE 0x40000000u
#endif
/** Fallback of imcvp_platform_info::dram_size. */
#ifndef IMCVP_DEFAULT_DRAM_SIZE
#define IMCVP_DEFAULT_DRAM_SIZE 0x10000000u
#endif
/** TCM base: compiled in (link.ld places code, data and stack there; in the platform note). */
#ifndef IMCVP_TCM_BASE
#define IMCVP_TCM_BASE 0x80000000u
#endif
/** TCM size: compiled in (the stack top is IMCVP_TCM_BASE + IMCVP_TCM_SIZE). */
#ifndef IMCVP_TCM_SIZE
#define IMCVP_TCM_SIZE 0x00100000u
#endif

#ifndef __ASSEMBLER__
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most tiles the SDK tracks from the device tree. */
#define IMCVP_DT_MAX_TILES 64u

/** The platform as the device tree describes it (or the compiled-in defaults). */
typedef struct imcvp_platform_info {
  const void* dtb;       /**< the validated device tree, or NULL (defaults in use) */
  uint32_t dram_base;    /**< node compatible "imcvp,dram" */
  uint32_t dram_size;    /**< its size in bytes */
  uint32_t tile_base;    /**< tile 0's window */
  uint32_t tile_stride;  /**< tile 1 - tile 0 (the default with fewer than two tiles) */
  uint32_t tile_count;   /**< nodes compatible "imcvp,imc-tile"; 0 without a device tree */
  uint32_t timebase_hz;  /**< /cpus timebase-frequency (IMCVP_MTIME_HZ without one) */
  uint32_t simctrl_base; /**< node compatible "sifive,test0" (imcvp sim-control, QEMU test) */
  uint32_t clint_base;   /**< node compatible "riscv,clint0" */
  uint32_t plic_base;    /**< node compatible "riscv,plic0" */
  uint32_t uart0_base;   /**< first node compatible "ns16550a" */
  uint32_t uart0_irq;    /**< its PLIC source ("interrupts"; IMCVP_UART0_IRQ without one) */
  uint32_t tile_addr[IMCVP_DT_MAX_TILES]; /**< tile windows, by imcvp,index */
  uint32_t tile_irq[IMCVP_DT_MAX_TILES];  /**< tile PLIC sources, by imcvp,index */
} imcvp_platform_info;

/**
 * @brief The platform description the SDK uses (filled from the device tree by
 * imcvp_platform()).
 *
 * Statically initialised with the compiled-in defaults, so it is usable even before crt0 read
 * the device tree (e.g. by a trap during start-up). Read it through imcvp_platform() or the
 * IMCVP_*_BASE macros; do not write it.
 */
extern imcvp_platform_info imcvp_platform_data;

/**
 * @brief Returns the platform description, reading the device tree on first use.
 *
 * The first call validates the DTB whose address crt0 kept in imcvp_boot_dtb (a1 at reset)
 * with imcvp_dt_check() and takes from it the DRAM window, every IMC tile (window, PLIC
 * source), the timebase, the sim-control block, CLINT, PLIC and UART0. Values the tree does
 * not give keep their IMCVP_DEFAULT_* fallbacks. The SDK's crt0 calls it before main(), so the
 * devices' addresses are known from the first line of main.
 *
 * @return the description; never NULL.
 * @blocking no (one walk of the DTB, ~14,000 instructions for imcvp's tree with two tiles;
 * later calls return at once)
 * @errors none; an invalid or missing DTB leaves every default in place (dtb is then NULL)
 *
 * Example:
 * @code
 * for (unsigned i = 0; i < imcvp_platform()->tile_count; ++i)
 *   printf("tile %u at 0x%08lx\n", i, (unsigned long)imcvp_tile_addr(i));
 * @endcode
 */
const imcvp_platform_info* imcvp_platform(void);

/**
 * @brief Address of IMC tile i's register window.
 *
 * From the device tree when it lists tile i, else IMCVP_TILE_BASE + i * IMCVP_TILE_STRIDE
 * (so an index past the last tile yields where such a tile would be; check tile_count).
 * @param i tile index (0-based)
 * @return the window's base address
 * @blocking no
 * @errors none
 *
 * Example: `uint32_t id = imcvp_read32(imcvp_tile_addr(1) + IMC_REG_ID);`
 */
uintptr_t imcvp_tile_addr(unsigned i);

#ifdef __cplusplus
}
#endif
#endif /* __ASSEMBLER__ */

/* Devices: discovered (run-time) unless given with -D, IMCVP_STATIC_PLATFORM or in assembler.
 * IMCVP_<DEV>_FROM_DT tells platform.c which ones to mark as discovered in the note. */
#if defined(IMCVP_STATIC_PLATFORM) || defined(__ASSEMBLER__)
/** @cond INTERNAL */
#define IMCVP_DEVICES_STATIC 1
/** @endcond */
#endif
#if !defined(IMCVP_SIMCTRL_BASE) && !defined(IMCVP_DEVICES_STATIC)
/** @cond INTERNAL */
#define IMCVP_SIMCTRL_FROM_DT 1
/** @endcond */
/** Sim-control block (test finisher; imcvp/simctrl.h): from the device tree. */
#define IMCVP_SIMCTRL_BASE (imcvp_platform_data.simctrl_base)
#endif
#if !defined(IMCVP_CLINT_BASE) && !defined(IMCVP_DEVICES_STATIC)
/** @cond INTERNAL */
#define IMCVP_CLINT_FROM_DT 1
/** @endcond */
/** CLINT (imcvp/clint.h): from the device tree. */
#define IMCVP_CLINT_BASE (imcvp_platform_data.clint_base)
#endif
#if !defined(IMCVP_PLIC_BASE) && !defined(IMCVP_DEVICES_STATIC)
/** @cond INTERNAL */
#define IMCVP_PLIC_FROM_DT 1
/** @endcond */
/** PLIC (imcvp/plic.h): from the device tree. */
#define IMCVP_PLIC_BASE (imcvp_platform_data.plic_base)
#endif
#if !defined(IMCVP_UART0_BASE) && !defined(IMCVP_DEVICES_STATIC)
/** @cond INTERNAL */
#define IMCVP_UART0_FROM_DT 1
/** @endcond */
/** UART0 (imcvp/uart.h): from the device tree. */
#define IMCVP_UART0_BASE (imcvp_platform_data.uart0_base)
#endif
#ifndef IMCVP_SIMCTRL_BASE
#define IMCVP_SIMCTRL_BASE IMCVP_DEFAULT_SIMCTRL_BASE
#endif
#ifndef IMCVP_CLINT_BASE
#define IMCVP_CLINT_BASE IMCVP_DEFAULT_CLINT_BASE
#endif
#ifndef IMCVP_PLIC_BASE
#define IMCVP_PLIC_BASE IMCVP_DEFAULT_PLIC_BASE
#endif
#ifndef IMCVP_UART0_BASE
#define IMCVP_UART0_BASE IMCVP_DEFAULT_UART0_BASE
#endif

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
/** Tile 0's window: from the device tree. */
#ifndef IMCVP_TILE_BASE
#define IMCVP_TILE_BASE (imcvp_platform()->tile_base)
#endif
/** Distance between tile windows: from the device tree. */
#ifndef IMCVP_TILE_STRIDE
#define IMCVP_TILE_STRIDE (imcvp_platform()->tile_stride)
#endif
/** DRAM window base: from the device tree. */
#ifndef IMCVP_DRAM_BASE
#define IMCVP_DRAM_BASE (imcvp_platform()->dram_base)
#endif
/** Address of IMC tile i's register block (imcvp_tile_addr()). */
#define IMCVP_TILE_ADDR(i) imcvp_tile_addr((unsigned)(i))
#endif

/** CLINT mtime frequency in Hz (QEMU virt: 10 MHz as well); compiled in (platform note). */
#ifndef IMCVP_MTIME_HZ
#define IMCVP_MTIME_HZ 10000000u
#endif

/** UART input clock used to compute the baud divisor (QEMU ignores the divisor). */
#ifndef IMCVP_UART0_CLOCK_HZ
#define IMCVP_UART0_CLOCK_HZ 3686400u
#endif

/** PLIC source of UART0 on imcvp (imcvp_platform_info::uart0_irq has the discovered one). */
#ifndef IMCVP_UART0_IRQ
#define IMCVP_UART0_IRQ 1u
#endif
/** PLIC source of IMC tile i on imcvp (imcvp_platform_info::tile_irq has the discovered one).
 */
#define IMCVP_TILE_IRQ(i) (16u + (unsigned)(i))
/** PLIC source of UART0 on QEMU virt. */
#define IMCVP_QEMU_VIRT_UART0_IRQ 10u

/** Number of PLIC sources the HAL handles in its dispatch table (source 0 is reserved). */
#ifndef IMCVP_PLIC_NUM_SOURCES
#define IMCVP_PLIC_NUM_SOURCES 64u
#endif

#endif /* IMCVP_PLATFORM_H */
