/* Shared definitions for the ISA self-tests (included by the .S files and by main.c).
 *
 * Test functions: int test_x(void) returning 0 on pass or the number of the failing check.
 * They may clobber caller-saved registers (a*, t*) and must preserve the rest. In assembly:
 *
 *   TEST_FUNC test_foo
 *     ...
 *     CHECK  a1, 42        // a1 == 42, else return the check number (t5/t6 are scratch)
 *     CHECKR a1, a2        // a1 == a2
 *     li a0, 0
 *   99: ret               // every check jumps to the next "99:" label on failure
 *
 * The trap handler (trap.S) records the last trap in isa_trap_state and then either resumes
 * at isa_trap_state.resume (in M-mode) if it is set and the cause matches resume_cause
 * (-1 = any exception), or skips the trapping instruction (2 or 4 bytes). Interrupts are
 * recorded and their source is silenced (timer disarmed, msip cleared, other mie bits cleared).
 */
#ifndef ISA_H
#define ISA_H

/* isa_trap_state layout (words) */
#define TS_COUNT 0
#define TS_MCAUSE 4
#define TS_MEPC 8
#define TS_MTVAL 12
#define TS_MSTATUS 16
#define TS_RESUME 20
#define TS_RESUME_CAUSE 24
#define TS_VECTOR 28
#define TS_SIZE 32

/* isa_fail_info: actual, expected of the failing check */
#define TRAP_RUNAWAY_LIMIT 64
#define TRAP_RUNAWAY_EXIT 250

#define CLINT_BASE_ 0x02000000
#define CLINT_MSIP_ (CLINT_BASE_ + 0x0)
#define CLINT_MTIMECMP_ (CLINT_BASE_ + 0x4000)
#define CLINT_MTIME_ (CLINT_BASE_ + 0xBFF8)
#define FINISHER_ 0x00100000

#ifdef __ASSEMBLER__
/* clang-format off */
.macro TEST_FUNC name
  .text
  .balign 4
  .global \name
  .type \name, @function
\name:
  .set chk, 0
.endm

.macro CHECK reg, exp
  .set chk, chk + 1
  li t6, \exp
  beq \reg, t6, .Lok\@
  la t5, isa_fail_info
  sw \reg, 0(t5)
  sw t6, 4(t5)
  li a0, chk
  j 99f
.Lok\@:
.endm

.macro CHECKR reg, reg2
  .set chk, chk + 1
  beq \reg, \reg2, .Lok\@
  la t5, isa_fail_info
  sw \reg, 0(t5)
  sw \reg2, 4(t5)
  li a0, chk
  j 99f
.Lok\@:
.endm

/* Fail unless the condition branch holds: CHECK_BR bltu, a1, a2 (continues if a1 < a2). */
.macro CHECK_BR br, ra_, rb_
  .set chk, chk + 1
  \br \ra_, \rb_, .Lok\@
  la t5, isa_fail_info
  sw \ra_, 0(t5)
  sw \rb_, 4(t5)
  li a0, chk
  j 99f
.Lok\@:
.endm

/* Reset the trap record (count, resume). Clobbers t0. */
.macro TRAP_CLEAR
  la t0, isa_trap_state
  sw zero, TS_COUNT(t0)
  sw zero, TS_MCAUSE(t0)
  sw zero, TS_MEPC(t0)
  sw zero, TS_MTVAL(t0)
  sw zero, TS_RESUME(t0)
  sw zero, TS_VECTOR(t0)
.endm

/* Resume at label (M-mode) on the next trap with cause `cause` (-1: any exception). Clobbers
 * t0, t6. */
.macro TRAP_RESUME label, cause
  la t0, isa_trap_state
  la t6, \label
  sw t6, TS_RESUME(t0)
  li t6, \cause
  sw t6, TS_RESUME_CAUSE(t0)
.endm

/* reg = isa_trap_state field */
.macro TRAP_FIELD reg, off
  la \reg, isa_trap_state
  lw \reg, \off(\reg)
.endm

/* Expect exactly `count` traps, the last with mcause `cause` at mepc == epc_reg. Clobbers
 * t3, t4. */
.macro CHECK_TRAP count, cause, epc_reg
  TRAP_FIELD t4, TS_COUNT
  CHECK t4, \count
  TRAP_FIELD t4, TS_MCAUSE
  CHECK t4, \cause
  TRAP_FIELD t4, TS_MEPC
  CHECKR t4, \epc_reg
.endm

.macro CHECK_NO_TRAP
  TRAP_FIELD t4, TS_COUNT
  CHECK t4, 0
.endm
/* clang-format on */
#else
#include <stdint.h>
extern volatile uint32_t isa_trap_state[TS_SIZE / 4];
extern volatile uint32_t isa_fail_info[2];
void isa_trap_handler(void);
void isa_vectors(void);
#endif

#endif /* ISA_H */
