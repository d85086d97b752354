// Instruction-trace hook of Rv32Core (`imcvp run --itrace FILE`). While an observer is set
// and simulated time is inside its window, the core runs one instruction at a time on a slow
// path and reports each one; outside the window (and with no observer) the hot loop is
// unchanged.
//
// Limits: register writes are found by comparing x1..x31 before and after the instruction;
// the memory access is derived from the operands (address = rs1 + imm, data = rs2 for stores,
// the loaded value from rd), so it is reported even when the access faulted (trapped = true);
// an AMO reports its read (the old value, in rd) and its write address; CSR writes are not
// reported.
#pragma once

#include <cstdint>

#include "models/cpu/rv32_decode.h"

namespace imcvp::cpu {

struct InsnRecord {
  uint64_t instret = 0;  // instructions retired before this one
  double time_ns = 0;    // simulated time when it started
  uint32_t pc = 0, raw = 0;
  uint8_t len = 4;  // 0: the fetch faulted (no instruction; trapped with insn_access)
  Decoded d;
  bool trapped = false;  // raised an exception (did not retire); cause/tval below
  uint32_t cause = 0, tval = 0;
  uint32_t next_pc = 0;
  bool machine = true;  // privilege it ran in
  struct RegWrite {
    uint8_t reg;
    uint32_t value;
  };
  RegWrite regs[4];
  uint8_t nregs = 0;
  enum class Mem : uint8_t { none, load, store, amo } mem = Mem::none;
  uint32_t mem_addr = 0;
  uint8_t mem_size = 0;
  uint32_t mem_value = 0;  // stored value (store, AMO operand) or loaded value (load)
};

class InsnObserver {
 public:
  virtual ~InsnObserver() = default;
  virtual void retired(const InsnRecord& r) = 0;
  // An interrupt was taken before the instruction at pc (mcause with the top bit set).
  virtual void interrupt(uint32_t cause, uint32_t pc, double time_ns) = 0;
};

}  // namespace imcvp::cpu
