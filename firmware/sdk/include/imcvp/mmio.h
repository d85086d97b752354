/**
 * @file imcvp/mmio.h
 * @brief Volatile MMIO accessors.
 *
 * Device registers are always accessed with these so the compiler neither merges nor reorders
 * the accesses. Each is one load or store of the given width (a bus transaction on imcvp); an
 * address without a device behind it raises a load/store access fault (mcause 5/7).
 */
#ifndef IMCVP_MMIO_H
#define IMCVP_MMIO_H

#include <stdint.h>

/**
 * @brief Writes a 32-bit register.
 * @param addr register address (4-byte aligned)
 * @param v value
 * @blocking no (one store; the bus may stall the core for the device's latency)
 * @errors a store access fault if nothing answers at addr
 *
 * Example: `imcvp_write32(IMCVP_CLINT_BASE, 1);` (raise msip)
 */
static inline void imcvp_write32(uintptr_t addr, uint32_t v) {
  *(volatile uint32_t*)addr = v;
}
/**
 * @brief Reads a 32-bit register.
 * @param addr register address (4-byte aligned)
 * @return the value read
 * @blocking no (one load)
 * @errors a load access fault if nothing answers at addr
 *
 * Example: `uint32_t id = imcvp_read32(imcvp_tile_addr(0));`
 */
static inline uint32_t imcvp_read32(uintptr_t addr) {
  return *(volatile uint32_t*)addr;
}
/**
 * @brief Writes an 8-bit register.
 * @param addr register address
 * @param v value
 * @blocking no (one store)
 * @errors a store access fault if nothing answers at addr
 *
 * Example: `imcvp_write8(IMCVP_UART0_BASE + UART_THR, 'x');`
 */
static inline void imcvp_write8(uintptr_t addr, uint8_t v) {
  *(volatile uint8_t*)addr = v;
}
/**
 * @brief Reads an 8-bit register.
 * @param addr register address
 * @return the value read
 * @blocking no (one load)
 * @errors a load access fault if nothing answers at addr
 *
 * Example: `uint8_t lsr = imcvp_read8(IMCVP_UART0_BASE + UART_LSR);`
 */
static inline uint8_t imcvp_read8(uintptr_t addr) {
  return *(volatile uint8_t*)addr;
}

#endif /* IMCVP_MMIO_H */
