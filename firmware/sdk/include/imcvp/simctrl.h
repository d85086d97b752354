/**
 * @file imcvp/simctrl.h
 * @brief Simulation control block at IMCVP_SIMCTRL_BASE (from the device tree): exit, regions
 * of interest, statistics, simulated time, named results.
 *
 * @verbatim
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
 @endverbatim
 *
 * On QEMU only the finisher exists: the other registers must not be used by firmware that
 * should also run there. imcvp_exit() uses only the finisher, so one binary exits cleanly on
 * both simulators.
 *
 * @code
 * imcvp_roi_begin(1);
 * run_inference();
 * imcvp_roi_end(1);
 * imcvp_report("correct", 97);
 * imcvp_exit(0);
 * @endcode
 */
#ifndef IMCVP_SIMCTRL_H
#define IMCVP_SIMCTRL_H

#include <stdint.h>

#include "imcvp/mmio.h"
#include "imcvp/platform.h"

/** @name Register addresses (offsets in the table above) */
/** @{ */
#define SIMCTRL_FINISHER \
  (IMCVP_SIMCTRL_BASE + 0x00u)                    /**< 0x00 test finisher (QEMU virt compatible) */
#define SIMCTRL_EXIT (IMCVP_SIMCTRL_BASE + 0x04u) /**< 0x04 exit with the written code */
#define SIMCTRL_ROI_BEGIN (IMCVP_SIMCTRL_BASE + 0x08u)   /**< 0x08 region of interest begins */
#define SIMCTRL_ROI_END (IMCVP_SIMCTRL_BASE + 0x0Cu)     /**< 0x0C region of interest ends */
#define SIMCTRL_STATS_RESET (IMCVP_SIMCTRL_BASE + 0x10u) /**< 0x10 reset all statistics */
#define SIMCTRL_STATS_DUMP (IMCVP_SIMCTRL_BASE + 0x14u)  /**< 0x14 dump statistics with a tag */
#define SIMCTRL_TIME_NS_LO \
  (IMCVP_SIMCTRL_BASE + 0x18u) /**< 0x18 simulated ns, low word (latches the high word) */
#define SIMCTRL_TIME_NS_HI (IMCVP_SIMCTRL_BASE + 0x1Cu) /**< 0x1C simulated ns, high word */
#define SIMCTRL_PUTC (IMCVP_SIMCTRL_BASE + 0x20u)       /**< 0x20 character to the console */
#define SIMCTRL_SEED (IMCVP_SIMCTRL_BASE + 0x24u)       /**< 0x24 the run's --seed */
#define SIMCTRL_REPORT_VALUE \
  (IMCVP_SIMCTRL_BASE + 0x28u) /**< 0x28 record a value under REPORT_NAME */
#define SIMCTRL_REPORT_NAME (IMCVP_SIMCTRL_BASE + 0x30u) /**< 0x30..0x4C name of the next value */
/** @} */

#define SIMCTRL_FINISHER_PASS 0x5555u /**< finisher value: pass (exit 0) */
#define SIMCTRL_FINISHER_FAIL 0x3333u /**< finisher value: fail, code in bits 31:16 */

/**
 * @brief The finisher value for an exit code.
 * @param code exit code: 0 = pass; 1..0xFFFF = fail with that code (taken modulo 2^16)
 * @return 0x5555, or (code << 16) | 0x3333
 * @blocking no
 * @errors none
 *
 * Example: `imcvp_write32(SIMCTRL_FINISHER, imcvp_finisher_value(3));` (what imcvp_exit(3) does)
 */
static inline uint32_t imcvp_finisher_value(int code) {
  uint32_t c = (uint32_t)code & 0xFFFFu;
  return c == 0 ? SIMCTRL_FINISHER_PASS : ((c << 16) | SIMCTRL_FINISHER_FAIL);
}

/**
 * @brief Ends the simulation with `code` through the finisher (works on imcvp and QEMU).
 *
 * Codes are taken modulo 2^16; a nonzero code whose low 16 bits are 0 would read as "pass",
 * so it is mapped to 0xFFFF. The process exit status of imcvp is docs/cli.md's.
 * @param code exit code
 * @blocking does not return; spins on WFI if no finisher answered (a platform without one)
 * @errors none
 *
 * Example: `if (errors) imcvp_exit(1);`
 */
__attribute__((noreturn)) void imcvp_exit(int code);

/**
 * @brief Marks the start of region of interest `id` (imcvp only; stats.json "roi").
 * @param id region id (regions may nest or repeat)
 * @blocking no
 * @errors none (QEMU ignores it)
 *
 * Example: `imcvp_roi_begin(1); layer(); imcvp_roi_end(1);`
 */
static inline void imcvp_roi_begin(uint32_t id) {
  imcvp_write32(SIMCTRL_ROI_BEGIN, id);
}
/**
 * @brief Marks the end of region of interest `id` (imcvp only).
 * @param id the id given to imcvp_roi_begin()
 * @blocking no
 * @errors an end without a begin is reported by imcvp as a warning
 *
 * Example: `imcvp_roi_end(1);`
 */
static inline void imcvp_roi_end(uint32_t id) {
  imcvp_write32(SIMCTRL_ROI_END, id);
}
/**
 * @brief Resets every statistic (imcvp only), e.g. after warm-up.
 * @blocking no
 * @errors none (QEMU ignores it)
 *
 * Example: `warm_up(); imcvp_stats_reset(); measure();`
 */
static inline void imcvp_stats_reset(void) {
  imcvp_write32(SIMCTRL_STATS_RESET, 1u);
}
/**
 * @brief Dumps the statistics now into stats.json "dumps" with a tag (imcvp only).
 * @param tag a number to tell dumps apart
 * @blocking no (the simulator writes it; no simulated time passes)
 * @errors none (QEMU ignores it)
 *
 * Example: `for (int i = 0; i < 4; ++i) { phase(i); imcvp_stats_dump(i); }`
 */
static inline void imcvp_stats_dump(uint32_t tag) {
  imcvp_write32(SIMCTRL_STATS_DUMP, tag);
}
/**
 * @brief Writes a character to the simulator's console, bypassing the UART (imcvp only).
 * @param c the character
 * @blocking no
 * @errors none (QEMU ignores it)
 *
 * Example: `imcvp_sim_putc('!');`
 */
static inline void imcvp_sim_putc(char c) {
  imcvp_write32(SIMCTRL_PUTC, (uint8_t)c);
}
/**
 * @brief The run's --seed value (imcvp only).
 * @return the seed (0 on QEMU)
 * @blocking no
 * @errors none
 *
 * Example: `srand(imcvp_sim_seed());`
 */
static inline uint32_t imcvp_sim_seed(void) {
  return imcvp_read32(SIMCTRL_SEED);
}
/**
 * @brief Records a named result in the run's stats.json as firmware.NAME and in the summary.
 *
 * The last report of a name wins. Names ending in _x100 are shown in hundredths by the report.
 * @param name up to 32 characters: letters, digits, '_'
 * @param value the result
 * @blocking no
 * @errors a bad name is reported by imcvp as a warning and dropped; QEMU ignores it
 *
 * Example: `imcvp_report("correct", 97);`
 */
static inline void imcvp_report(const char* name, int32_t value) {
  uint32_t w[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (unsigned i = 0; i < 32 && name[i]; ++i)
    w[i / 4] |= (uint32_t)(uint8_t)name[i] << (8 * (i % 4));
  for (unsigned i = 0; i < 8; ++i) imcvp_write32(SIMCTRL_REPORT_NAME + 4 * i, w[i]);
  imcvp_write32(SIMCTRL_REPORT_VALUE, (uint32_t)value);
}
/**
 * @brief Simulated time in ns (imcvp only).
 *
 * Reading TIME_NS_LO latches the high half, so LO then HI is atomic.
 * @return simulated ns since reset (0 on QEMU)
 * @blocking no
 * @errors none
 *
 * Example: `uint64_t t0 = imcvp_sim_time_ns(); f(); printf("%llu ns", imcvp_sim_time_ns() - t0);`
 */
static inline uint64_t imcvp_sim_time_ns(void) {
  uint32_t lo = imcvp_read32(SIMCTRL_TIME_NS_LO);
  uint32_t hi = imcvp_read32(SIMCTRL_TIME_NS_HI);
  return ((uint64_t)hi << 32) | lo;
}

#endif /* IMCVP_SIMCTRL_H */
