/**
 * @file imcvp/csr.h
 * @brief CSR access macros and machine-mode bit definitions (RISC-V privileged spec 1.12).
 *
 * The CSR name is pasted into the instruction, so any name or number the assembler knows
 * works (e.g. csr_read(0x340)). Accessing a CSR the hart does not have raises an illegal
 * instruction exception (mcause 2).
 *
 * @code
 * uint32_t cause = csr_read(mcause);
 * csr_set(mie, MIE_MTIE);
 * csr_clear(mstatus, MSTATUS_MIE);
 * uint32_t old = csr_swap(mscratch, 0);
 * @endcode
 */
#ifndef IMCVP_CSR_H
#define IMCVP_CSR_H

#include <stdint.h>

/** @cond INTERNAL */
#define IMCVP_STR_(x) #x
#define IMCVP_STR(x) IMCVP_STR_(x)
/** @endcond */

/**
 * @brief Reads a CSR (csrr).
 * @param csr CSR name or number, e.g. mstatus
 * @return its 32-bit value (a statement expression)
 * Blocking: no. Errors: an illegal instruction exception for a CSR the hart does not have.
 * Example: `uint32_t s = csr_read(mstatus);`
 */
#define csr_read(csr)                                            \
  ({                                                             \
    uint32_t csr_v_;                                             \
    __asm__ volatile("csrr %0, " IMCVP_STR(csr) : "=r"(csr_v_)); \
    csr_v_;                                                      \
  })

/**
 * @brief Writes a CSR (csrw).
 * @param csr CSR name or number
 * @param val new value
 * Blocking: no. Errors: an illegal instruction exception for a missing or read-only CSR.
 * Example: `csr_write(mtvec, (uint32_t)&my_entry);`
 */
#define csr_write(csr, val) \
  __asm__ volatile("csrw " IMCVP_STR(csr) ", %0" ::"rK"((uint32_t)(val)) : "memory")

/**
 * @brief Sets bits of a CSR (csrs).
 * @param csr CSR name or number
 * @param bits bits to set
 * Blocking: no. Errors: as csr_write().
 * Example: `csr_set(mie, MIE_MEIE);`
 */
#define csr_set(csr, bits) \
  __asm__ volatile("csrs " IMCVP_STR(csr) ", %0" ::"rK"((uint32_t)(bits)) : "memory")

/**
 * @brief Clears bits of a CSR (csrc).
 * @param csr CSR name or number
 * @param bits bits to clear
 * Blocking: no. Errors: as csr_write().
 * Example: `csr_clear(mstatus, MSTATUS_MIE);`
 */
#define csr_clear(csr, bits) \
  __asm__ volatile("csrc " IMCVP_STR(csr) ", %0" ::"rK"((uint32_t)(bits)) : "memory")

/**
 * @brief Writes a CSR and returns its old value (csrrw).
 * @param csr CSR name or number
 * @param val new value
 * @return the old value (a statement expression)
 * Blocking: no. Errors: as csr_write().
 * Example: `uint32_t old = csr_swap(mscratch, 0);`
 */
#define csr_swap(csr, val)                              \
  ({                                                    \
    uint32_t csr_v_;                                    \
    __asm__ volatile("csrrw %0, " IMCVP_STR(csr) ", %1" \
                     : "=r"(csr_v_)                     \
                     : "rK"((uint32_t)(val))            \
                     : "memory");                       \
    csr_v_;                                             \
  })

/* mstatus */
#define MSTATUS_MIE (1u << 3)                   /**< machine interrupt enable */
#define MSTATUS_MPIE (1u << 7)                  /**< MIE before the trap */
#define MSTATUS_MPP_SHIFT 11                    /**< position of MPP */
#define MSTATUS_MPP (3u << MSTATUS_MPP_SHIFT)   /**< previous privilege mode field */
#define MSTATUS_MPP_U (0u << MSTATUS_MPP_SHIFT) /**< MPP = U-mode */
#define MSTATUS_MPP_M (3u << MSTATUS_MPP_SHIFT) /**< MPP = M-mode */
#define MSTATUS_MPRV (1u << 17)                 /**< modify privilege of loads/stores */
#define MSTATUS_TW (1u << 21)                   /**< timeout wait: WFI traps in U-mode */

/* mie / mip bits (interrupt numbers are the mcause codes) */
#define IRQ_M_SOFT 3u                /**< machine software interrupt (mcause code) */
#define IRQ_M_TIMER 7u               /**< machine timer interrupt */
#define IRQ_M_EXT 11u                /**< machine external interrupt (PLIC) */
#define MIE_MSIE (1u << IRQ_M_SOFT)  /**< mie: software interrupt enable */
#define MIE_MTIE (1u << IRQ_M_TIMER) /**< mie: timer interrupt enable */
#define MIE_MEIE (1u << IRQ_M_EXT)   /**< mie: external interrupt enable */
#define MIP_MSIP MIE_MSIE            /**< mip: software interrupt pending */
#define MIP_MTIP MIE_MTIE            /**< mip: timer interrupt pending */
#define MIP_MEIP MIE_MEIE            /**< mip: external interrupt pending */

/* mcause */
#define MCAUSE_INTERRUPT 0x80000000u /**< mcause: interrupt bit */
#define CAUSE_MISALIGNED_FETCH 0u    /**< instruction address misaligned */
#define CAUSE_FETCH_ACCESS 1u        /**< instruction access fault */
#define CAUSE_ILLEGAL_INSTRUCTION 2u /**< illegal instruction */
#define CAUSE_BREAKPOINT 3u          /**< breakpoint */
#define CAUSE_MISALIGNED_LOAD 4u     /**< load address misaligned */
#define CAUSE_LOAD_ACCESS 5u         /**< load access fault */
#define CAUSE_MISALIGNED_STORE 6u    /**< store/AMO address misaligned */
#define CAUSE_STORE_ACCESS 7u        /**< store/AMO access fault */
#define CAUSE_USER_ECALL 8u          /**< ecall from U-mode */
#define CAUSE_MACHINE_ECALL 11u      /**< ecall from M-mode */

/* mtvec modes */
#define MTVEC_MODE_DIRECT 0u   /**< mtvec mode: all traps to BASE */
#define MTVEC_MODE_VECTORED 1u /**< mtvec mode: interrupts to BASE + 4 * cause */

/* misa extension bits */
#define MISA_EXT(c) (1u << ((c) - 'A')) /**< misa bit of extension letter c, e.g. MISA_EXT('M') */

/* PMP configuration byte fields */
#define PMP_R 0x01u       /**< pmpcfg: read */
#define PMP_W 0x02u       /**< pmpcfg: write */
#define PMP_X 0x04u       /**< pmpcfg: execute */
#define PMP_A_OFF 0x00u   /**< pmpcfg: region off */
#define PMP_A_TOR 0x08u   /**< pmpcfg: top of range */
#define PMP_A_NA4 0x10u   /**< pmpcfg: naturally aligned 4 bytes */
#define PMP_A_NAPOT 0x18u /**< pmpcfg: naturally aligned power of two */
#define PMP_L 0x80u       /**< pmpcfg: locked (applies to M-mode too) */
/** pmpaddr value for a NAPOT region of `size` bytes (a power of two, >= 8) at `base` (aligned
 * to size). Example: `csr_write(pmpaddr0, PMP_NAPOT_ADDR(0x80000000, 0x100000));` */
#define PMP_NAPOT_ADDR(base, size) ((((uint32_t)(base)) >> 2) | ((((uint32_t)(size)) >> 3) - 1u))

/**
 * @brief The hart's id (mhartid).
 * @return 0 on imcvp (one hart)
 * @blocking no
 * @errors none
 *
 * Example: `if (imcvp_hartid() != 0) for (;;) imcvp_wfi();`
 */
static inline uint32_t imcvp_hartid(void) {
  return csr_read(mhartid);
}

/**
 * @brief The 64-bit cycle counter (mcycle; hi/lo/hi read so a carry between the reads is
 * handled).
 * @return core cycles since reset
 * @blocking no
 * @errors none
 *
 * Example: `uint64_t c0 = imcvp_rdcycle64(); f(); uint64_t cycles = imcvp_rdcycle64() - c0;`
 */
static inline uint64_t imcvp_rdcycle64(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = csr_read(mcycleh);
    lo = csr_read(mcycle);
    hi2 = csr_read(mcycleh);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

/**
 * @brief The 64-bit retired-instruction counter (minstret; hi/lo/hi read).
 * @return instructions retired since reset
 * @blocking no
 * @errors none
 *
 * Example: `uint64_t n0 = imcvp_rdinstret64(); f(); uint64_t insts = imcvp_rdinstret64() - n0;`
 */
static inline uint64_t imcvp_rdinstret64(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = csr_read(minstreth);
    lo = csr_read(minstret);
    hi2 = csr_read(minstreth);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

#endif /* IMCVP_CSR_H */
