// RV32IMAC + Zicsr + Zifencei instruction decoder (pure functions, no SystemC).
//
// Limits: no F/D (their compressed forms are illegal); RV32C HINTs decode as NOPs.
#pragma once

#include <cstdint>

namespace imcvp::cpu {

enum class Kind : uint8_t {
  // clang-format off
  ILLEGAL, NOP, LUI, AUIPC, JAL, JALR,
  BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LBU, LHU, SB, SH, SW,
  ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU,
  LR, SC, AMOSWAP, AMOADD, AMOXOR, AMOAND, AMOOR, AMOMIN, AMOMAX, AMOMINU, AMOMAXU,
  FENCE, FENCE_I, ECALL, EBREAK, MRET, WFI,
  CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI,
  BLOCK_END,  // internal: end of a decoded block (falls through to op.pc)
  COUNT_
  // clang-format on
};
const char* kind_name(Kind k);

struct Decoded {
  Kind kind = Kind::ILLEGAL;
  uint8_t rd = 0, rs1 = 0, rs2 = 0;
  int32_t imm = 0;   // immediate; CSR number for CSR ops; zimm in rs1 for CSR*I
  uint8_t len = 4;   // 2 or 4 bytes
  uint32_t raw = 0;  // instruction bits as fetched (16 bits for compressed): mtval if illegal
};

// Expands a 16-bit compressed instruction to its 32-bit equivalent; 0 if illegal/reserved.
// HINTs expand to their (architecturally no-op) base form, e.g. c.li x0, 5 -> addi x0, x0, 5.
uint32_t expand_compressed(uint16_t c);
// Decodes a 32-bit instruction.
Decoded decode32(uint32_t insn);
// Decodes an instruction whose first parcel is `lo` (and second `hi` if 32-bit).
inline bool is_compressed(uint16_t lo) {
  return (lo & 3) != 3;
}
Decoded decode(uint16_t lo, uint16_t hi);

// Does the instruction end a decoded block (control flow or anything with side effects on
// the privileged state)?
bool ends_block(Kind k);

}  // namespace imcvp::cpu
