/* Volatile MMIO accessors. Device registers are always accessed with these so the compiler
 * neither merges nor reorders the accesses. */
#ifndef IMCVP_MMIO_H
#define IMCVP_MMIO_H

#include <stdint.h>

static inline void imcvp_write32(uintptr_t addr, uint32_t v) {
  *(volatile uint32_t*)addr = v;
}
static inline uint32_t imcvp_read32(uintptr_t addr) {
  return *(volatile uint32_t*)addr;
}
static inline void imcvp_write8(uintptr_t addr, uint8_t v) {
  *(volatile uint8_t*)addr = v;
}
static inline uint8_t imcvp_read8(uintptr_t addr) {
  return *(volatile uint8_t*)addr;
}

#endif /* IMCVP_MMIO_H */
