/* Simulation control block at IMCVP_SIMCTRL_BASE.
 *
 *   0x00 FINISHER    write 0x5555 = pass, (code << 16) | 0x3333 = fail with code (QEMU
 *                    virt sifive_test compatible)
 *   0x04 EXIT        write: exit with this code                       (imcvp only)
 *   0x08 ROI_BEGIN   write: region-of-interest id begins               (imcvp only)
 *   0x0C ROI_END     write: region-of-interest id ends                 (imcvp only)
 *   0x10 STATS_RESET write: reset all statistics                       (imcvp only)
 *   0x14 STATS_DUMP  write: dump statistics with this tag              (imcvp only)
 *   0x18 TIME_NS_LO  read: simulated time in ns, low word              (imcvp only)
 *   0x1C TIME_NS_HI  read: high word                                   (imcvp only)
 *   0x20 PUTC        write: character to the simulator's console       (imcvp only)
 *   0x24 SEED        read: the run's --seed value                      (imcvp only)
 *   0x28 REPORT_VALUE write: record a value under REPORT_NAME           (imcvp only)
 *   0x30 REPORT_NAME0..7 (to 0x4C): name of the next value, 32 ASCII bytes (imcvp only)
 *
 * On QEMU only the finisher exists: the other registers must not be used by firmware that
 * should also run there. imcvp_exit() uses only the finisher, so one binary exits cleanly on
 * both simulators.
 */
#ifndef IMCVP_SIMCTRL_H
#define IMCVP_SIMCTRL_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

#define SIMCTRL_FINISHER (IMCVP_SIMCTRL_BASE + 0x00u)
#define SIMCTRL_EXIT (IMCVP_SIMCTRL_BASE + 0x04u)
#define SIMCTRL_ROI_BEGIN (IMCVP_SIMCTRL_BASE + 0x08u)
#define SIMCTRL_ROI_END (IMCVP_SIMCTRL_BASE + 0x0Cu)
#define SIMCTRL_STATS_RESET (IMCVP_SIMCTRL_BASE + 0x10u)
#define SIMCTRL_STATS_DUMP (IMCVP_SIMCTRL_BASE + 0x14u)
#define SIMCTRL_TIME_NS_LO (IMCVP_SIMCTRL_BASE + 0x18u)
#define SIMCTRL_TIME_NS_HI (IMCVP_SIMCTRL_BASE + 0x1Cu)
#define SIMCTRL_PUTC (IMCVP_SIMCTRL_BASE + 0x20u)
#define SIMCTRL_SEED (IMCVP_SIMCTRL_BASE + 0x24u)
#define SIMCTRL_REPORT_VALUE (IMCVP_SIMCTRL_BASE + 0x28u)
#define SIMCTRL_REPORT_NAME (IMCVP_SIMCTRL_BASE + 0x30u)

#define SIMCTRL_FINISHER_PASS 0x5555u
#define SIMCTRL_FINISHER_FAIL 0x3333u

/* Finisher value for exit code `code` (0 = pass; 1..0xFFFF = fail with that code). */
static inline uint32_t imcvp_finisher_value(int code) {
  uint32_t c = (uint32_t)code & 0xFFFFu;
  return c == 0 ? SIMCTRL_FINISHER_PASS : ((c << 16) | SIMCTRL_FINISHER_FAIL);
}

/* Ends the simulation with `code` through the finisher (works on imcvp and QEMU). Spins on
 * WFI if no finisher answered (e.g. a platform without one). Codes are taken modulo 2^16; a
 * nonzero code whose low 16 bits are 0 would read as "pass", so it is mapped to 0xFFFF. */
__attribute__((noreturn)) void imcvp_exit(int code);

/* imcvp-only extensions. */
static inline void imcvp_roi_begin(uint32_t id) {
  imcvp_write32(SIMCTRL_ROI_BEGIN, id);
}
static inline void imcvp_roi_end(uint32_t id) {
  imcvp_write32(SIMCTRL_ROI_END, id);
}
static inline void imcvp_stats_reset(void) {
  imcvp_write32(SIMCTRL_STATS_RESET, 1u);
}
static inline void imcvp_stats_dump(uint32_t tag) {
  imcvp_write32(SIMCTRL_STATS_DUMP, tag);
}
static inline void imcvp_sim_putc(char c) {
  imcvp_write32(SIMCTRL_PUTC, (uint8_t)c);
}
static inline uint32_t imcvp_sim_seed(void) {
  return imcvp_read32(SIMCTRL_SEED);
}
/* Records a named result (up to 32 characters: letters, digits, '_') in the run's stats.json as
 * firmware.<name> and in the summary, e.g. imcvp_report("correct", 97). The last report of a
 * name wins. imcvp only (QEMU ignores it). */
static inline void imcvp_report(const char* name, int32_t value) {
  uint32_t w[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (unsigned i = 0; i < 32 && name[i]; ++i)
    w[i / 4] |= (uint32_t)(uint8_t)name[i] << (8 * (i % 4));
  for (unsigned i = 0; i < 8; ++i) imcvp_write32(SIMCTRL_REPORT_NAME + 4 * i, w[i]);
  imcvp_write32(SIMCTRL_REPORT_VALUE, (uint32_t)value);
}
/* Simulated time in ns. Reading TIME_NS_LO latches the high half, so LO then HI is atomic. */
static inline uint64_t imcvp_sim_time_ns(void) {
  uint32_t lo = imcvp_read32(SIMCTRL_TIME_NS_LO);
  uint32_t hi = imcvp_read32(SIMCTRL_TIME_NS_HI);
  return ((uint64_t)hi << 32) | lo;
}

#endif /* IMCVP_SIMCTRL_H */
