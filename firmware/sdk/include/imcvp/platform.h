/* imcvp platform constants: base addresses, sizes and interrupt numbers in one place.
 *
 * Every value can be overridden with -D on the compiler command line (e.g. when the simulator
 * is configured with a different memory map). The defaults are the imcvp default memory map
 * (docs/memory-map.md), which matches QEMU's `virt` machine for the UART, test finisher, CLINT,
 * PLIC and RAM base.
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
#ifndef IMCVP_TILE_BASE
#define IMCVP_TILE_BASE 0x20000000u
#endif
#ifndef IMCVP_TILE_STRIDE
#define IMCVP_TILE_STRIDE 0x00100000u
#endif
#ifndef IMCVP_DRAM_BASE
#define IMCVP_DRAM_BASE 0x40000000u
#endif
#ifndef IMCVP_TCM_BASE
#define IMCVP_TCM_BASE 0x80000000u
#endif
#ifndef IMCVP_TCM_SIZE
#define IMCVP_TCM_SIZE 0x00100000u
#endif

/* Address of IMC tile i's register block. */
#define IMCVP_TILE_ADDR(i) (IMCVP_TILE_BASE + (unsigned)(i)*IMCVP_TILE_STRIDE)

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
