#include "platform/itrace.h"

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstring>
#include <stdexcept>

#include "models/cpu/rv32_hart.h"

namespace imcvp::platform {

using cpu::Kind;

const char* reg_name(unsigned r) {
  static const char* const names[32] = {"zero", "ra", "sp",  "gp",  "tp", "t0", "t1", "t2",
                                        "s0",   "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
                                        "a6",   "a7", "s2",  "s3",  "s4", "s5", "s6", "s7",
                                        "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  return r < 32 ? names[r] : "?";
}

std::string csr_name(uint32_t num) {
  struct Entry {
    uint32_t num;
    const char* name;
  };
  static const Entry table[] = {
      {0xC00, "cycle"},         {0xC01, "time"},      {0xC02, "instret"},    {0xC80, "cycleh"},
      {0xC81, "timeh"},         {0xC82, "instreth"},  {0x300, "mstatus"},    {0x301, "misa"},
      {0x302, "medeleg"},       {0x303, "mideleg"},   {0x304, "mie"},        {0x305, "mtvec"},
      {0x306, "mcounteren"},    {0x30A, "menvcfg"},   {0x310, "mstatush"},   {0x31A, "menvcfgh"},
      {0x320, "mcountinhibit"}, {0x340, "mscratch"},  {0x341, "mepc"},       {0x342, "mcause"},
      {0x343, "mtval"},         {0x344, "mip"},       {0xB00, "mcycle"},     {0xB02, "minstret"},
      {0xB80, "mcycleh"},       {0xB82, "minstreth"}, {0xF11, "mvendorid"},  {0xF12, "marchid"},
      {0xF13, "mimpid"},        {0xF14, "mhartid"},   {0xF15, "mconfigptr"},
  };
  for (const auto& e : table)
    if (e.num == num) return e.name;
  if (num >= 0x3A0 && num <= 0x3AF) return "pmpcfg" + std::to_string(num - 0x3A0);
  if (num >= 0x3B0 && num <= 0x3EF) return "pmpaddr" + std::to_string(num - 0x3B0);
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", num);
  return b;
}

namespace {
std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char b[128];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(b, sizeof b, f, ap);
  va_end(ap);
  return b;
}

const char* mnemonic(Kind k) {
  switch (k) {
    // clang-format off
    case Kind::ILLEGAL: return "illegal"; case Kind::NOP: return "nop";
    case Kind::LUI: return "lui"; case Kind::AUIPC: return "auipc";
    case Kind::JAL: return "jal"; case Kind::JALR: return "jalr";
    case Kind::BEQ: return "beq"; case Kind::BNE: return "bne"; case Kind::BLT: return "blt";
    case Kind::BGE: return "bge"; case Kind::BLTU: return "bltu"; case Kind::BGEU: return "bgeu";
    case Kind::LB: return "lb"; case Kind::LH: return "lh"; case Kind::LW: return "lw";
    case Kind::LBU: return "lbu"; case Kind::LHU: return "lhu";
    case Kind::SB: return "sb"; case Kind::SH: return "sh"; case Kind::SW: return "sw";
    case Kind::ADDI: return "addi"; case Kind::SLTI: return "slti"; case Kind::SLTIU: return "sltiu";
    case Kind::XORI: return "xori"; case Kind::ORI: return "ori"; case Kind::ANDI: return "andi";
    case Kind::SLLI: return "slli"; case Kind::SRLI: return "srli"; case Kind::SRAI: return "srai";
    case Kind::ADD: return "add"; case Kind::SUB: return "sub"; case Kind::SLL: return "sll";
    case Kind::SLT: return "slt"; case Kind::SLTU: return "sltu"; case Kind::XOR: return "xor";
    case Kind::SRL: return "srl"; case Kind::SRA: return "sra"; case Kind::OR: return "or";
    case Kind::AND: return "and";
    case Kind::MUL: return "mul"; case Kind::MULH: return "mulh"; case Kind::MULHSU: return "mulhsu";
    case Kind::MULHU: return "mulhu"; case Kind::DIV: return "div"; case Kind::DIVU: return "divu";
    case Kind::REM: return "rem"; case Kind::REMU: return "remu";
    case Kind::LR: return "lr.w"; case Kind::SC: return "sc.w";
    case Kind::AMOSWAP: return "amoswap.w"; case Kind::AMOADD: return "amoadd.w";
    case Kind::AMOXOR: return "amoxor.w"; case Kind::AMOAND: return "amoand.w";
    case Kind::AMOOR: return "amoor.w"; case Kind::AMOMIN: return "amomin.w";
    case Kind::AMOMAX: return "amomax.w"; case Kind::AMOMINU: return "amominu.w";
    case Kind::AMOMAXU: return "amomaxu.w";
    case Kind::FENCE: return "fence"; case Kind::FENCE_I: return "fence.i";
    case Kind::ECALL: return "ecall"; case Kind::EBREAK: return "ebreak";
    case Kind::MRET: return "mret"; case Kind::WFI: return "wfi";
    case Kind::CSRRW: return "csrrw"; case Kind::CSRRS: return "csrrs";
    case Kind::CSRRC: return "csrrc"; case Kind::CSRRWI: return "csrrwi";
    case Kind::CSRRSI: return "csrrsi"; case Kind::CSRRCI: return "csrrci";
    default: return "?";
      // clang-format on
  }
}

std::string fence_set(uint32_t bits) {
  std::string s;
  if (bits & 8) s += 'i';
  if (bits & 4) s += 'o';
  if (bits & 2) s += 'r';
  if (bits & 1) s += 'w';
  return s.empty() ? "0" : s;
}
}  // namespace

std::string disassemble(const cpu::Decoded& d, uint32_t pc) {
  const char* m = mnemonic(d.kind);
  const char* rd = reg_name(d.rd);
  const char* rs1 = reg_name(d.rs1);
  const char* rs2 = reg_name(d.rs2);
  const int32_t imm = d.imm;
  const auto target = static_cast<uint32_t>(pc + static_cast<uint32_t>(imm));
  switch (d.kind) {
    case Kind::ILLEGAL:
      return fmt("illegal 0x%0*x", d.len == 2 ? 4 : 8, d.raw);
    case Kind::NOP:
    case Kind::ECALL:
    case Kind::EBREAK:
    case Kind::MRET:
    case Kind::WFI:
    case Kind::FENCE_I:
      return m;
    case Kind::FENCE:
      if (d.len == 4)
        return fmt("fence %s,%s", fence_set(d.raw >> 24 & 15).c_str(),
                   fence_set(d.raw >> 20 & 15).c_str());
      return m;
    case Kind::LUI:
    case Kind::AUIPC:
      return fmt("%s %s,0x%x", m, rd, static_cast<uint32_t>(imm) >> 12);
    case Kind::JAL:
      return fmt("%s %s,0x%08x", m, rd, target);
    case Kind::JALR:
      return fmt("%s %s,%d(%s)", m, rd, imm, rs1);
    case Kind::BEQ:
    case Kind::BNE:
    case Kind::BLT:
    case Kind::BGE:
    case Kind::BLTU:
    case Kind::BGEU:
      return fmt("%s %s,%s,0x%08x", m, rs1, rs2, target);
    case Kind::LB:
    case Kind::LH:
    case Kind::LW:
    case Kind::LBU:
    case Kind::LHU:
      return fmt("%s %s,%d(%s)", m, rd, imm, rs1);
    case Kind::SB:
    case Kind::SH:
    case Kind::SW:
      return fmt("%s %s,%d(%s)", m, rs2, imm, rs1);
    case Kind::ADDI:
    case Kind::SLTI:
    case Kind::SLTIU:
    case Kind::XORI:
    case Kind::ORI:
    case Kind::ANDI:
      return fmt("%s %s,%s,%d", m, rd, rs1, imm);
    case Kind::SLLI:
    case Kind::SRLI:
    case Kind::SRAI:
      return fmt("%s %s,%s,0x%x", m, rd, rs1, static_cast<uint32_t>(imm) & 31);
    case Kind::LR: {
      std::string s = m;
      if (d.len == 4 && (d.raw >> 26 & 1)) s += ".aq";
      if (d.len == 4 && (d.raw >> 25 & 1)) s += ".rl";
      return fmt("%s %s,(%s)", s.c_str(), rd, rs1);
    }
    case Kind::SC:
    case Kind::AMOSWAP:
    case Kind::AMOADD:
    case Kind::AMOXOR:
    case Kind::AMOAND:
    case Kind::AMOOR:
    case Kind::AMOMIN:
    case Kind::AMOMAX:
    case Kind::AMOMINU:
    case Kind::AMOMAXU: {
      std::string s = m;
      if (d.len == 4 && (d.raw >> 26 & 1)) s += ".aq";
      if (d.len == 4 && (d.raw >> 25 & 1)) s += ".rl";
      return fmt("%s %s,%s,(%s)", s.c_str(), rd, rs2, rs1);
    }
    case Kind::CSRRW:
    case Kind::CSRRS:
    case Kind::CSRRC:
      return fmt("%s %s,%s,%s", m, rd, csr_name(static_cast<uint32_t>(imm) & 0xfff).c_str(), rs1);
    case Kind::CSRRWI:
    case Kind::CSRRSI:
    case Kind::CSRRCI:
      return fmt("%s %s,%s,%u", m, rd, csr_name(static_cast<uint32_t>(imm) & 0xfff).c_str(),
                 unsigned{d.rs1});
    default:  // register-register ALU and M extension
      return fmt("%s %s,%s,%s", m, rd, rs1, rs2);
  }
}

// ---- the trace file ----

InsnTraceWriter::InsnTraceWriter(const std::string& path) : path_(path) {
  f_ = std::fopen(path.c_str(), "w");
  if (!f_)
    throw std::runtime_error(path + ": cannot write the instruction trace (" +
                             std::strerror(errno) + ")");
  std::fprintf(f_,
               "# imcvp instruction trace: instret time_ns priv pc insn disassembly"
               " [; effect]...\n");
}

InsnTraceWriter::~InsnTraceWriter() {
  if (f_) std::fclose(f_);
}

namespace {
// Fast fixed-format appenders (the trace writes millions of lines; printf dominated).
void put_hex(std::string& o, uint32_t v, int digits) {
  static const char kDigits[] = "0123456789abcdef";
  o += "0x";
  for (int i = digits - 1; i >= 0; --i) o += kDigits[(v >> (4 * i)) & 15];
}
void put_dec(std::string& o, uint64_t v) {
  char b[24];
  int n = 0;
  do {
    b[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) o += b[--n];
}
}  // namespace

void InsnTraceWriter::retired(const cpu::InsnRecord& r) {
  if (!f_) return;
  std::string& line = line_;
  line.clear();
  put_dec(line, r.instret);
  line += ' ';
  // ns with 3 decimals from the exact picosecond count.
  const auto ps = static_cast<uint64_t>(std::llround(r.time_ns * 1000.0));
  put_dec(line, ps / 1000);
  line += '.';
  const auto frac = static_cast<unsigned>(ps % 1000);
  line += static_cast<char>('0' + frac / 100);
  line += static_cast<char>('0' + frac / 10 % 10);
  line += static_cast<char>('0' + frac % 10);
  line += r.machine ? " M " : " U ";
  put_hex(line, r.pc, 8);
  line += ' ';
  if (r.len == 0) {
    line += "-           (fetch failed)";
  } else {
    if (r.len == 2) {
      put_hex(line, r.raw & 0xffff, 4);
      line += "      ";
    } else {
      put_hex(line, r.raw, 8);
      line += "  ";
    }
    // Loops execute the same instructions over and over: disassemble each (pc, word) once.
    const uint64_t key = uint64_t{r.pc} << 32 | r.raw;
    auto it = disasm_.find(key);
    if (it == disasm_.end()) {
      if (disasm_.size() > (1u << 20)) disasm_.clear();  // bound the cache (self-modifying code)
      it = disasm_.emplace(key, disassemble(r.d, r.pc)).first;
    }
    line += it->second;
  }
  for (unsigned i = 0; i < r.nregs; ++i) {
    line += " ; ";
    line += reg_name(r.regs[i].reg);
    line += '=';
    put_hex(line, r.regs[i].value, 8);
  }
  if (r.mem != cpu::InsnRecord::Mem::none && !r.trapped) {  // a faulting access did not happen
    line += r.mem == cpu::InsnRecord::Mem::load    ? " ; load ["
            : r.mem == cpu::InsnRecord::Mem::store ? " ; store ["
                                                   : " ; amo [";
    put_hex(line, r.mem_addr, 8);
    line += "] ";
    put_dec(line, r.mem_size);
    line += " = ";
    put_hex(line, r.mem_value, 2 * r.mem_size);
  }
  if (r.trapped) {
    line += " ; trap ";
    line += cpu::cause_name(r.cause);
    line += " tval=";
    put_hex(line, r.tval, 8);
  }
  line += '\n';
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size()) failed_ = true;
  ++lines_;
}

void InsnTraceWriter::interrupt(uint32_t cause, uint32_t pc, double time_ns) {
  if (!f_) return;
  if (std::fprintf(f_, "# interrupt %s at pc=0x%08x time_ns=%.3f\n", cpu::cause_name(cause), pc,
                   time_ns) < 0)
    failed_ = true;
}

void InsnTraceWriter::close() {
  if (!f_) return;
  const bool bad = std::fclose(f_) != 0 || failed_;
  f_ = nullptr;
  if (bad) throw std::runtime_error(path_ + ": writing the instruction trace failed");
}

}  // namespace imcvp::platform
