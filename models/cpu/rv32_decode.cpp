#include "models/cpu/rv32_decode.h"

namespace imcvp::cpu {

namespace {
inline uint32_t bits(uint32_t v, int hi, int lo) {
  return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}
inline int32_t sext(uint32_t v, int nbits) {
  return static_cast<int32_t>(v << (32 - nbits)) >> (32 - nbits);
}
// 32-bit encoders used by the compressed expansion.
uint32_t enc_i(uint32_t op, uint32_t f3, uint32_t rd, uint32_t rs1, int32_t imm) {
  return (static_cast<uint32_t>(imm) & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
uint32_t enc_r(uint32_t op, uint32_t f3, uint32_t f7, uint32_t rd, uint32_t rs1, uint32_t rs2) {
  return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
uint32_t enc_s(uint32_t op, uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t imm) {
  uint32_t u = static_cast<uint32_t>(imm);
  return bits(u, 11, 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | bits(u, 4, 0) << 7 | op;
}
uint32_t enc_b(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t imm) {
  uint32_t u = static_cast<uint32_t>(imm);
  return bits(u, 12, 12) << 31 | bits(u, 10, 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
         bits(u, 4, 1) << 8 | bits(u, 11, 11) << 7 | 0x63;
}
uint32_t enc_j(uint32_t rd, int32_t imm) {
  uint32_t u = static_cast<uint32_t>(imm);
  return bits(u, 20, 20) << 31 | bits(u, 10, 1) << 21 | bits(u, 11, 11) << 20 |
         bits(u, 19, 12) << 12 | rd << 7 | 0x6f;
}
uint32_t enc_u(uint32_t op, uint32_t rd, uint32_t imm20) {
  return imm20 << 12 | rd << 7 | op;
}
}  // namespace

uint32_t expand_compressed(uint16_t c16) {
  const uint32_t c = c16;
  const uint32_t f3 = bits(c, 15, 13);
  const uint32_t rdp = bits(c, 4, 2) + 8, rs1p = bits(c, 9, 7) + 8;
  const uint32_t rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
  const int32_t imm6 = sext(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6);
  switch (c & 3) {
    case 0:
      switch (f3) {
        case 0: {  // c.addi4spn
          uint32_t nz =
              bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 3;
          if (nz == 0) return 0;
          return enc_i(0x13, 0, rdp, 2, static_cast<int32_t>(nz));
        }
        case 2: {  // c.lw
          uint32_t off = bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 6;
          return enc_i(0x03, 2, rdp, rs1p, static_cast<int32_t>(off));
        }
        case 6: {  // c.sw
          uint32_t off = bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 6;
          return enc_s(0x23, 2, rs1p, rdp, static_cast<int32_t>(off));
        }
        default:  // c.fld/c.flw/c.fsd/c.fsw (no F/D) and the reserved slot
          return 0;
      }
    case 1:
      switch (f3) {
        case 0:  // c.addi / c.nop (and HINTs)
          return enc_i(0x13, 0, rd, rd, imm6);
        case 1: {  // c.jal (RV32)
          int32_t off = sext(bits(c, 12, 12) << 11 | bits(c, 11, 11) << 4 | bits(c, 10, 9) << 8 |
                                 bits(c, 8, 8) << 10 | bits(c, 7, 7) << 6 | bits(c, 6, 6) << 7 |
                                 bits(c, 5, 3) << 1 | bits(c, 2, 2) << 5,
                             12);
          return enc_j(1, off);
        }
        case 2:  // c.li
          return enc_i(0x13, 0, rd, 0, imm6);
        case 3:
          if (rd == 2) {  // c.addi16sp
            int32_t nz = sext(bits(c, 12, 12) << 9 | bits(c, 6, 6) << 4 | bits(c, 5, 5) << 6 |
                                  bits(c, 4, 3) << 7 | bits(c, 2, 2) << 5,
                              10);
            if (nz == 0) return 0;
            return enc_i(0x13, 0, 2, 2, nz);
          } else {  // c.lui
            if (imm6 == 0) return 0;
            return enc_u(0x37, rd, static_cast<uint32_t>(imm6) & 0xfffff);
          }
        case 4: {
          uint32_t sub = bits(c, 11, 10);
          if (sub == 0 || sub == 1) {       // c.srli / c.srai
            if (bits(c, 12, 12)) return 0;  // shamt[5] = 1 is reserved on RV32
            return enc_r(0x13, 5, sub == 1 ? 0x20 : 0, rs1p, rs1p, rs2);
          }
          if (sub == 2) return enc_i(0x13, 7, rs1p, rs1p, imm6);  // c.andi
          if (bits(c, 12, 12)) return 0;                          // c.subw/c.addw: RV64 only
          switch (bits(c, 6, 5)) {
            case 0:
              return enc_r(0x33, 0, 0x20, rs1p, rs1p, rdp);  // c.sub
            case 1:
              return enc_r(0x33, 4, 0, rs1p, rs1p, rdp);  // c.xor
            case 2:
              return enc_r(0x33, 6, 0, rs1p, rs1p, rdp);  // c.or
            default:
              return enc_r(0x33, 7, 0, rs1p, rs1p, rdp);  // c.and
          }
        }
        case 5: {  // c.j
          int32_t off = sext(bits(c, 12, 12) << 11 | bits(c, 11, 11) << 4 | bits(c, 10, 9) << 8 |
                                 bits(c, 8, 8) << 10 | bits(c, 7, 7) << 6 | bits(c, 6, 6) << 7 |
                                 bits(c, 5, 3) << 1 | bits(c, 2, 2) << 5,
                             12);
          return enc_j(0, off);
        }
        default: {  // c.beqz / c.bnez
          int32_t off = sext(bits(c, 12, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 |
                                 bits(c, 4, 3) << 1 | bits(c, 2, 2) << 5,
                             9);
          return enc_b(f3 == 6 ? 0 : 1, rs1p, 0, off);
        }
      }
    case 2:
      switch (f3) {
        case 0:  // c.slli
          if (bits(c, 12, 12)) return 0;
          return enc_r(0x13, 1, 0, rd, rd, rs2);
        case 2: {  // c.lwsp
          if (rd == 0) return 0;
          uint32_t off = bits(c, 12, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6;
          return enc_i(0x03, 2, rd, 2, static_cast<int32_t>(off));
        }
        case 4:
          if (!bits(c, 12, 12)) {
            if (rs2 == 0) {  // c.jr
              if (rd == 0) return 0;
              return enc_i(0x67, 0, 0, rd, 0);
            }
            return enc_r(0x33, 0, 0, rd, 0, rs2);  // c.mv
          }
          if (rs2 == 0) {
            if (rd == 0) return 0x00100073;   // c.ebreak
            return enc_i(0x67, 0, 1, rd, 0);  // c.jalr
          }
          return enc_r(0x33, 0, 0, rd, rd, rs2);  // c.add
        case 6: {                                 // c.swsp
          uint32_t off = bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6;
          return enc_s(0x23, 2, 2, rs2, static_cast<int32_t>(off));
        }
        default:  // c.fldsp/c.flwsp/c.fsdsp/c.fswsp
          return 0;
      }
    default:
      return 0;  // not a compressed instruction
  }
}

Decoded decode32(uint32_t i) {
  Decoded d;
  d.raw = i;
  d.len = 4;
  const uint32_t op = i & 0x7f, f3 = bits(i, 14, 12), f7 = bits(i, 31, 25);
  d.rd = static_cast<uint8_t>(bits(i, 11, 7));
  d.rs1 = static_cast<uint8_t>(bits(i, 19, 15));
  d.rs2 = static_cast<uint8_t>(bits(i, 24, 20));
  const int32_t imm_i = static_cast<int32_t>(i) >> 20;
  const int32_t imm_s = sext(bits(i, 31, 25) << 5 | bits(i, 11, 7), 12);
  const int32_t imm_b = sext(
      bits(i, 31, 31) << 12 | bits(i, 7, 7) << 11 | bits(i, 30, 25) << 5 | bits(i, 11, 8) << 1, 13);
  const int32_t imm_j = sext(
      bits(i, 31, 31) << 20 | bits(i, 19, 12) << 12 | bits(i, 20, 20) << 11 | bits(i, 30, 21) << 1,
      21);
  auto set = [&](Kind k, int32_t imm) {
    d.kind = k;
    d.imm = imm;
    return d;
  };
  auto illegal = [&]() {
    Decoded x;
    x.raw = i;
    x.len = 4;
    return x;
  };
  if ((i & 3) != 3) return illegal();
  switch (op) {
    case 0x37:
      return set(Kind::LUI, static_cast<int32_t>(i & 0xfffff000u));
    case 0x17:
      return set(Kind::AUIPC, static_cast<int32_t>(i & 0xfffff000u));
    case 0x6f:
      return set(Kind::JAL, imm_j);
    case 0x67:
      if (f3 != 0) return illegal();
      return set(Kind::JALR, imm_i);
    case 0x63: {
      static const Kind k[8] = {Kind::BEQ, Kind::BNE, Kind::ILLEGAL, Kind::ILLEGAL,
                                Kind::BLT, Kind::BGE, Kind::BLTU,    Kind::BGEU};
      if (k[f3] == Kind::ILLEGAL) return illegal();
      return set(k[f3], imm_b);
    }
    case 0x03: {
      static const Kind k[8] = {Kind::LB,  Kind::LH,  Kind::LW,      Kind::ILLEGAL,
                                Kind::LBU, Kind::LHU, Kind::ILLEGAL, Kind::ILLEGAL};
      if (k[f3] == Kind::ILLEGAL) return illegal();
      return set(k[f3], imm_i);
    }
    case 0x23: {
      if (f3 > 2) return illegal();
      static const Kind k[3] = {Kind::SB, Kind::SH, Kind::SW};
      return set(k[f3], imm_s);
    }
    case 0x13:
      switch (f3) {
        case 0:
          return set(Kind::ADDI, imm_i);
        case 2:
          return set(Kind::SLTI, imm_i);
        case 3:
          return set(Kind::SLTIU, imm_i);
        case 4:
          return set(Kind::XORI, imm_i);
        case 6:
          return set(Kind::ORI, imm_i);
        case 7:
          return set(Kind::ANDI, imm_i);
        case 1:
          if (f7 != 0) return illegal();
          return set(Kind::SLLI, d.rs2);
        default:
          if (f7 == 0) return set(Kind::SRLI, d.rs2);
          if (f7 == 0x20) return set(Kind::SRAI, d.rs2);
          return illegal();
      }
    case 0x33:
      if (f7 == 0) {
        static const Kind k[8] = {Kind::ADD, Kind::SLL, Kind::SLT, Kind::SLTU,
                                  Kind::XOR, Kind::SRL, Kind::OR,  Kind::AND};
        return set(k[f3], 0);
      }
      if (f7 == 0x20) {
        if (f3 == 0) return set(Kind::SUB, 0);
        if (f3 == 5) return set(Kind::SRA, 0);
        return illegal();
      }
      if (f7 == 1) {
        static const Kind k[8] = {Kind::MUL, Kind::MULH, Kind::MULHSU, Kind::MULHU,
                                  Kind::DIV, Kind::DIVU, Kind::REM,    Kind::REMU};
        return set(k[f3], 0);
      }
      return illegal();
    case 0x2f: {  // A extension (aq/rl bits ignored: one hart, LT ordering)
      if (f3 != 2) return illegal();
      switch (f7 >> 2) {
        case 0x02:
          if (d.rs2 != 0) return illegal();
          return set(Kind::LR, 0);
        case 0x03:
          return set(Kind::SC, 0);
        case 0x01:
          return set(Kind::AMOSWAP, 0);
        case 0x00:
          return set(Kind::AMOADD, 0);
        case 0x04:
          return set(Kind::AMOXOR, 0);
        case 0x0c:
          return set(Kind::AMOAND, 0);
        case 0x08:
          return set(Kind::AMOOR, 0);
        case 0x10:
          return set(Kind::AMOMIN, 0);
        case 0x14:
          return set(Kind::AMOMAX, 0);
        case 0x18:
          return set(Kind::AMOMINU, 0);
        case 0x1c:
          return set(Kind::AMOMAXU, 0);
        default:
          return illegal();
      }
    }
    case 0x0f:
      if (f3 == 0) return set(Kind::FENCE, 0);  // incl. fence.tso/pause: ordering no-ops here
      if (f3 == 1) return set(Kind::FENCE_I, 0);
      return illegal();
    case 0x73: {
      const uint32_t csr = bits(i, 31, 20);
      switch (f3) {
        case 0:
          if (d.rd != 0 || d.rs1 != 0) return illegal();
          if (i == 0x00000073) return set(Kind::ECALL, 0);
          if (i == 0x00100073) return set(Kind::EBREAK, 0);
          if (i == 0x30200073) return set(Kind::MRET, 0);
          if (i == 0x10500073) return set(Kind::WFI, 0);
          return illegal();
        case 1:
          return set(Kind::CSRRW, static_cast<int32_t>(csr));
        case 2:
          return set(Kind::CSRRS, static_cast<int32_t>(csr));
        case 3:
          return set(Kind::CSRRC, static_cast<int32_t>(csr));
        case 5:
          return set(Kind::CSRRWI, static_cast<int32_t>(csr));
        case 6:
          return set(Kind::CSRRSI, static_cast<int32_t>(csr));
        case 7:
          return set(Kind::CSRRCI, static_cast<int32_t>(csr));
        default:
          return illegal();
      }
    }
    default:
      return illegal();
  }
}

Decoded decode(uint16_t lo, uint16_t hi) {
  if (!is_compressed(lo)) return decode32(static_cast<uint32_t>(hi) << 16 | lo);
  uint32_t x = expand_compressed(lo);
  Decoded d;
  if (x != 0) d = decode32(x);
  d.len = 2;
  d.raw = lo;
  return d;
}

bool ends_block(Kind k) {
  switch (k) {
    case Kind::JAL:
    case Kind::JALR:
    case Kind::BEQ:
    case Kind::BNE:
    case Kind::BLT:
    case Kind::BGE:
    case Kind::BLTU:
    case Kind::BGEU:
    case Kind::FENCE_I:
    case Kind::ECALL:
    case Kind::EBREAK:
    case Kind::MRET:
    case Kind::WFI:
    case Kind::CSRRW:
    case Kind::CSRRS:
    case Kind::CSRRC:
    case Kind::CSRRWI:
    case Kind::CSRRSI:
    case Kind::CSRRCI:
    case Kind::ILLEGAL:
    case Kind::BLOCK_END:
      return true;
    default:
      return false;
  }
}

const char* kind_name(Kind k) {
  static const char* const n[] = {
      "illegal",   "nop",       "lui",      "auipc",    "jal",     "jalr",     "beq",
      "bne",       "blt",       "bge",      "bltu",     "bgeu",    "lb",       "lh",
      "lw",        "lbu",       "lhu",      "sb",       "sh",      "sw",       "addi",
      "slti",      "sltiu",     "xori",     "ori",      "andi",    "slli",     "srli",
      "srai",      "add",       "sub",      "sll",      "slt",     "sltu",     "xor",
      "srl",       "sra",       "or",       "and",      "mul",     "mulh",     "mulhsu",
      "mulhu",     "div",       "divu",     "rem",      "remu",    "lr.w",     "sc.w",
      "amoswap.w", "amoadd.w",  "amoxor.w", "amoand.w", "amoor.w", "amomin.w", "amomax.w",
      "amominu.w", "amomaxu.w", "fence",    "fence.i",  "ecall",   "ebreak",   "mret",
      "wfi",       "csrrw",     "csrrs",    "csrrc",    "csrrwi",  "csrrsi",   "csrrci",
      "block_end"};
  static_assert(sizeof(n) / sizeof(n[0]) == static_cast<int>(Kind::COUNT_), "names");
  return n[static_cast<int>(k)];
}

}  // namespace imcvp::cpu
