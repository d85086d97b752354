/* CSR access macros and machine-mode bit definitions (RISC-V privileged spec 1.12).
 *
 * csr_read(mstatus), csr_write(mtvec, x), csr_set(mie, bits), csr_clear(mstatus, bits),
 * csr_swap(mscratch, x). The CSR name is pasted into the instruction, so any name or number
 * the assembler knows works (e.g. csr_read(0x340)).
 */
#ifndef IMCVP_CSR_H
#define IMCVP_CSR_H

#include <stdint.h>

#define IMCVP_STR_(x) #x
#define IMCVP_STR(x) IMCVP_STR_(x)

#define csr_read(csr)                                            \
  ({                                                             \
    uint32_t csr_v_;                                             \
    __asm__ volatile("csrr %0, " IMCVP_STR(csr) : "=r"(csr_v_)); \
    csr_v_;                                                      \
  })

#define csr_write(csr, val) \
  __asm__ volatile("csrw " IMCVP_STR(csr) ", %0" ::"rK"((uint32_t)(val)) : "memory")

#define csr_set(csr, bits) \
  __asm__ volatile("csrs " IMCVP_STR(csr) ", %0" ::"rK"((uint32_t)(bits)) : "memory")

#define csr_clear(csr, bits) \
  __asm__ volatile("csrc " IMCVP_STR(csr) ", %0" ::"rK"((uint32_t)(bits)) : "memory")

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
#define MSTATUS_MIE (1u << 3)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3u << MSTATUS_MPP_SHIFT)
#define MSTATUS_MPP_U (0u << MSTATUS_MPP_SHIFT)
#define MSTATUS_MPP_M (3u << MSTATUS_MPP_SHIFT)
#define MSTATUS_MPRV (1u << 17)
#define MSTATUS_TW (1u << 21)

/* mie / mip bits (interrupt numbers are the mcause codes) */
#define IRQ_M_SOFT 3u
#define IRQ_M_TIMER 7u
#define IRQ_M_EXT 11u
#define MIE_MSIE (1u << IRQ_M_SOFT)
#define MIE_MTIE (1u << IRQ_M_TIMER)
#define MIE_MEIE (1u << IRQ_M_EXT)
#define MIP_MSIP MIE_MSIE
#define MIP_MTIP MIE_MTIE
#define MIP_MEIP MIE_MEIE

/* mcause */
#define MCAUSE_INTERRUPT 0x80000000u
#define CAUSE_MISALIGNED_FETCH 0u
#define CAUSE_FETCH_ACCESS 1u
#define CAUSE_ILLEGAL_INSTRUCTION 2u
#define CAUSE_BREAKPOINT 3u
#define CAUSE_MISALIGNED_LOAD 4u
#define CAUSE_LOAD_ACCESS 5u
#define CAUSE_MISALIGNED_STORE 6u
#define CAUSE_STORE_ACCESS 7u
#define CAUSE_USER_ECALL 8u
#define CAUSE_MACHINE_ECALL 11u

/* mtvec modes */
#define MTVEC_MODE_DIRECT 0u
#define MTVEC_MODE_VECTORED 1u

/* misa extension bits */
#define MISA_EXT(c) (1u << ((c) - 'A'))

/* PMP configuration byte fields */
#define PMP_R 0x01u
#define PMP_W 0x02u
#define PMP_X 0x04u
#define PMP_A_OFF 0x00u
#define PMP_A_TOR 0x08u
#define PMP_A_NA4 0x10u
#define PMP_A_NAPOT 0x18u
#define PMP_L 0x80u
/* pmpaddr value for a NAPOT region of size bytes (power of two, >= 8) at base (aligned). */
#define PMP_NAPOT_ADDR(base, size) ((((uint32_t)(base)) >> 2) | ((((uint32_t)(size)) >> 3) - 1u))

static inline uint32_t imcvp_hartid(void) {
  return csr_read(mhartid);
}

/* 64-bit cycle/instret counters (hi/lo/hi read so a carry between the reads is handled). */
static inline uint64_t imcvp_rdcycle64(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = csr_read(mcycleh);
    lo = csr_read(mcycle);
    hi2 = csr_read(mcycleh);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

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
