#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "models/cpu/rv32_decode.h"

namespace imcvp::cpu {
namespace {

#ifdef RVC_PAIRS_BIN
TEST(Decode, EveryCompressedFormExpandsLikeTheAssembler) {
  std::ifstream f(RVC_PAIRS_BIN, std::ios::binary);
  ASSERT_TRUE(f) << RVC_PAIRS_BIN;
  std::vector<uint8_t> d((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_EQ(d.size() % 6, 0u);
  ASSERT_GE(d.size() / 6, 60u);
  for (size_t i = 0; i + 6 <= d.size(); i += 6) {
    uint16_t c;
    uint32_t e;
    std::memcpy(&c, &d[i], 2);
    std::memcpy(&e, &d[i + 2], 4);
    ASSERT_TRUE(is_compressed(c)) << "pair " << i / 6;
    EXPECT_EQ(expand_compressed(c), e)
        << std::hex << "pair " << std::dec << i / 6 << ": c=0x" << std::hex << c;
    // The decoded form of the compressed instruction matches the 32-bit one except length/raw.
    Decoded dc = decode(c, 0), de = decode32(e);
    EXPECT_EQ(dc.kind, de.kind);
    EXPECT_EQ(dc.imm, de.imm);
    EXPECT_EQ(dc.len, 2);
    EXPECT_EQ(dc.raw, c);
  }
}
#endif

TEST(Decode, ReservedAndFloatingPointCompressedFormsAreIllegal) {
  const uint16_t illegal[] = {
      0x0000,  // all zero
      0x0004,  // c.addi4spn nzuimm = 0
      0x2000,  // c.fld
      0x6000,  // c.flw
      0x8000,  // reserved
      0xA000,  // c.fsd
      0xE000,  // c.fsw
      0x6101,  // c.addi16sp imm = 0
      0x6281,  // c.lui imm = 0
      0x9001,  // c.srli shamt[5] = 1
      0x9401,  // c.srai shamt[5] = 1
      0x9c01,  // c.subw (RV64)
      0x9c21,  // c.addw (RV64)
      0x1002,  // c.slli shamt[5] = 1
      0x2002,  // c.fldsp
      0x4002,  // c.lwsp rd = 0
      0x6002,  // c.flwsp
      0x8002,  // c.jr rs1 = 0
      0xA002,  // c.fsdsp
      0xE002,  // c.fswsp
  };
  for (uint16_t c : illegal) {
    EXPECT_EQ(expand_compressed(c), 0u) << std::hex << c;
    Decoded d = decode(c, 0);
    EXPECT_EQ(d.kind, Kind::ILLEGAL) << std::hex << c;
    EXPECT_EQ(d.raw, c);
    EXPECT_EQ(d.len, 2);
  }
}

TEST(Decode, BaseInstructions) {
  struct Case {
    uint32_t w;
    Kind k;
    uint8_t rd, rs1, rs2;
    int32_t imm;
  };
  const Case cases[] = {
      {0x12345537, Kind::LUI, 10, 0, 0, 0x12345000},                         // lui a0, 0x12345
      {0xfffff097, Kind::AUIPC, 1, 0, 0, static_cast<int32_t>(0xfffff000)},  // auipc ra, -1
      {0x800000ef, Kind::JAL, 1, 0, 0, -1048576},                            // jal ra, -1 MiB
      {0x7ffff06f, Kind::JAL, 0, 0, 0, 1048574},                             // j +1 MiB - 2
      {0xffc50067, Kind::JALR, 0, 10, 0, -4},                                // jalr x0, -4(a0)
      {0xfeb50ee3, Kind::BEQ, 0, 10, 11, -4},                                // beq a0, a1, -4
      {0x7eb57fe3, Kind::BGEU, 0, 10, 11, 4094},                             // bgeu a0, a1, 4094
      {0x80052503, Kind::LW, 10, 10, 0, -2048},                              // lw a0, -2048(a0)
      {0x7eb52fa3, Kind::SW, 0, 10, 11, 2047},                               // sw a1, 2047(a0)
      {0x41f55513, Kind::SRAI, 10, 10, 31, 31},                              // srai a0, a0, 31
      {0x02b54533, Kind::DIV, 10, 10, 11, 0},                                // div a0, a0, a1
      {0x02b53533, Kind::MULHU, 10, 10, 11, 0},                              // mulhu a0, a0, a1
      {0x100525af, Kind::LR, 11, 10, 0, 0},                                  // lr.w a1, (a0)
      {0x18b5262f, Kind::SC, 12, 10, 11, 0},                                 // sc.w a2, a1, (a0)
      {0xe0b5262f, Kind::AMOMAXU, 12, 10, 11, 0},  // amomaxu.w a2, a1, (a0)
      {0x0ff0000f, Kind::FENCE, 0, 0, 15, 0},      // fence
      {0x0000100f, Kind::FENCE_I, 0, 0, 0, 0},     // fence.i
      {0x30200073, Kind::MRET, 0, 0, 2, 0},        // mret
      {0x10500073, Kind::WFI, 0, 0, 5, 0},         // wfi
      {0x34202573, Kind::CSRRS, 10, 0, 2, 0x342},  // csrr a0, mcause
      {0x3002d073, Kind::CSRRWI, 0, 5, 0, 0x300},  // csrwi mstatus, 5
  };
  for (const Case& c : cases) {
    Decoded d = decode32(c.w);
    EXPECT_EQ(d.kind, c.k) << std::hex << c.w << " " << kind_name(d.kind);
    EXPECT_EQ(d.imm, c.imm) << std::hex << c.w;
    // Only the fields the format defines (others hold raw instruction bits).
    const bool has_rd = c.k != Kind::BEQ && c.k != Kind::BGEU && c.k != Kind::SW &&
                        c.k != Kind::FENCE && c.k != Kind::MRET && c.k != Kind::WFI;
    const bool has_rs1 = c.k != Kind::LUI && c.k != Kind::AUIPC && c.k != Kind::JAL &&
                         c.k != Kind::FENCE && c.k != Kind::MRET && c.k != Kind::WFI;
    if (has_rd) {
      EXPECT_EQ(d.rd, c.rd) << std::hex << c.w;
    }
    if (has_rs1) {
      EXPECT_EQ(d.rs1, c.rs1) << std::hex << c.w;
    }
    EXPECT_EQ(d.len, 4);
    EXPECT_FALSE(is_compressed(static_cast<uint16_t>(c.w)));
  }
}

TEST(Decode, IllegalBaseEncodings) {
  const uint32_t illegal[] = {
      0x00000000, 0xffffffff,
      0x40001033,  // sll with funct7 = 0x20
      0x02001013,  // slli with shamt[5] = 1 (RV64 only)
      0x00003003,  // ld (RV64)
      0x00003023,  // sd
      0x00002067,  // jalr funct3 != 0
      0x00002063,  // branch funct3 = 2
      0x00000053,  // F extension
      0x0000302f,  // amo .d
      0x10b5252f,  // lr.w with rs2 != 0
      0x00100173,  // ebreak with rd != 0 -> not ebreak
      0x10200073,  // sret (no S-mode)
      0x0000200f,  // misc-mem funct3 = 2
  };
  for (uint32_t w : illegal) EXPECT_EQ(decode32(w).kind, Kind::ILLEGAL) << std::hex << w;
}

TEST(Decode, BlockEnders) {
  EXPECT_TRUE(ends_block(Kind::JAL));
  EXPECT_TRUE(ends_block(Kind::BNE));
  EXPECT_TRUE(ends_block(Kind::CSRRS));
  EXPECT_TRUE(ends_block(Kind::FENCE_I));
  EXPECT_TRUE(ends_block(Kind::ILLEGAL));
  EXPECT_FALSE(ends_block(Kind::LW));
  EXPECT_FALSE(ends_block(Kind::AMOADD));
  EXPECT_FALSE(ends_block(Kind::FENCE));
  EXPECT_STREQ(kind_name(Kind::AMOMAXU), "amomaxu.w");
}

}  // namespace
}  // namespace imcvp::cpu
