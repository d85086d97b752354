// Instruction trace (`imcvp run --itrace FILE`) and the RV32 disassembler it uses.
//
// One line per instruction, in execution order:
//   INSTRET TIME_NS PRIV PC INSN  DISASSEMBLY[ ; EFFECT]...
// e.g.
//   3 5.000 M 0x0000100c 0x0182a283  lw t0,24(t0) ; t0=0x80000000 ; load [0x00001018] 4 = ...
//   4 9.000 M 0x00001010 0x00028067  jalr zero,0(t0)
// Effects: register writes (xN=value, by ABI name), the memory access (load/store/amo
// [address] size = value), and for an instruction that raised an exception
// "trap <cause> tval=...". Interrupts taken between instructions get a line of their own
// starting with "#" ("# interrupt machine timer interrupt at pc=...").
// The disassembly follows GNU objdump's -M no-aliases style (ABI register names, decimal
// immediates, hex lui/auipc immediates, absolute branch/jump targets); compressed
// instructions print as their 32-bit expansion.
//
// Limits: see models/cpu/rv32_itrace.h (CSR writes are not listed).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "models/cpu/rv32_decode.h"
#include "models/cpu/rv32_itrace.h"

namespace imcvp::platform {

// ABI name of x0..x31 ("zero", "ra", "sp", ...).
const char* reg_name(unsigned r);
// Name of a CSR number ("mstatus", ...) or its hex number.
std::string csr_name(uint32_t num);
// Disassembly of one decoded instruction at pc.
std::string disassemble(const cpu::Decoded& d, uint32_t pc);

class InsnTraceWriter : public cpu::InsnObserver {
 public:
  // Opens path for writing; throws std::runtime_error if it cannot.
  explicit InsnTraceWriter(const std::string& path);
  ~InsnTraceWriter() override;
  InsnTraceWriter(const InsnTraceWriter&) = delete;
  InsnTraceWriter& operator=(const InsnTraceWriter&) = delete;

  void retired(const cpu::InsnRecord& r) override;
  void interrupt(uint32_t cause, uint32_t pc, double time_ns) override;
  // Flushes and closes; throws std::runtime_error if anything failed to be written.
  void close();
  uint64_t lines() const { return lines_; }

 private:
  std::FILE* f_ = nullptr;
  std::string path_;
  std::string line_;                                  // reused line buffer
  std::unordered_map<uint64_t, std::string> disasm_;  // (pc << 32 | word) -> text
  uint64_t lines_ = 0;
  bool failed_ = false;
};

}  // namespace imcvp::platform
