// ELF loader: a valid in-memory image, then every kind of defect named in issue 2.
#include <elf.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/common/run_control.h"
#include "platform/elf_loader.h"

using namespace imcvp::platform;

namespace {

// A minimal static RV32 executable: ELF header, one PT_LOAD at 0x80000000 with 8 bytes, a
// symbol table with "tohost" and "main".
std::vector<uint8_t> make_elf() {
  std::vector<uint8_t> b(0x200, 0);
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_RISCV;
  eh.e_version = EV_CURRENT;
  eh.e_entry = 0x80000000;
  eh.e_phoff = sizeof(Elf32_Ehdr);
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = 1;
  eh.e_shentsize = sizeof(Elf32_Shdr);
  eh.e_flags = EF_RISCV_RVC;
  Elf32_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = 0x100;
  ph.p_vaddr = ph.p_paddr = 0x80000000;
  ph.p_filesz = 8;
  ph.p_memsz = 16;
  ph.p_flags = PF_R | PF_X;
  uint32_t code[2] = {0x00000013, 0x0000006f};  // nop; j .
  std::memcpy(b.data() + 0x100, code, 8);
  // Symbols at 0x120, strings at 0x160, section headers at 0x180 (null, symtab, strtab).
  const char strs[] = "\0tohost\0main\0";
  std::memcpy(b.data() + 0x160, strs, sizeof strs);
  Elf32_Sym syms[3]{};
  syms[1].st_name = 1;
  syms[1].st_value = 0x80001000;
  syms[1].st_info = ELF32_ST_INFO(STB_GLOBAL, STT_OBJECT);
  syms[1].st_shndx = 1;
  syms[2].st_name = 8;
  syms[2].st_value = 0x80000000;
  syms[2].st_size = 8;
  syms[2].st_info = ELF32_ST_INFO(STB_GLOBAL, STT_FUNC);
  syms[2].st_shndx = 1;
  std::memcpy(b.data() + 0x120, syms, sizeof syms);
  Elf32_Shdr sh[3]{};
  sh[1].sh_type = SHT_SYMTAB;
  sh[1].sh_offset = 0x120;
  sh[1].sh_size = sizeof syms;
  sh[1].sh_link = 2;
  sh[1].sh_entsize = sizeof(Elf32_Sym);
  sh[2].sh_type = SHT_STRTAB;
  sh[2].sh_offset = 0x160;
  sh[2].sh_size = sizeof strs;
  eh.e_shoff = 0x180;
  eh.e_shnum = 3;
  std::memcpy(b.data(), &eh, sizeof eh);
  std::memcpy(b.data() + eh.e_phoff, &ph, sizeof ph);
  std::memcpy(b.data() + 0x180, sh, sizeof sh);
  return b;
}

template <class T>
void poke(std::vector<uint8_t>& b, std::size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

std::string error_of(const std::vector<uint8_t>& b) {
  try {
    parse_elf(b, "fw.elf");
  } catch (const ElfError& e) {
    EXPECT_EQ(e.code, imcvp::exit_code::bad_firmware);
    return e.what();
  }
  return "";
}

TEST(ElfLoader, ParsesAValidImage) {
  auto img = parse_elf(make_elf(), "fw.elf");
  EXPECT_EQ(img.entry, 0x80000000u);
  ASSERT_EQ(img.segments.size(), 1u);
  EXPECT_EQ(img.segments[0].memsz, 16u);
  EXPECT_EQ(img.segments[0].data.size(), 8u);
  EXPECT_EQ(img.symbol("tohost").value(), 0x80001000u);
  EXPECT_FALSE(img.symbol("nothere").has_value());
  EXPECT_EQ(img.describe(0x80000004), "main+0x4");
  EXPECT_EQ(img.describe(0x80000010), "");
}

TEST(ElfLoader, RejectsForeignAndCorruptFiles) {
  auto b = make_elf();
  EXPECT_EQ(error_of({'h', 'e', 'l', 'l', 'o'}), "fw.elf: not an ELF file (bad magic)");
  auto x = b;
  x[EI_CLASS] = ELFCLASS64;
  poke<uint16_t>(x, 18, EM_X86_64);
  EXPECT_NE(error_of(x).find("64-bit ELF for x86-64"), std::string::npos) << error_of(x);
  x = b;
  x[EI_CLASS] = ELFCLASS64;
  EXPECT_NE(error_of(x).find("RV64"), std::string::npos);
  x = b;
  poke<uint16_t>(x, offsetof(Elf32_Ehdr, e_machine), EM_ARM);
  EXPECT_EQ(error_of(x), "fw.elf: ELF is for ARM, not RISC-V (EM_RISCV)");
  x = b;
  x[EI_DATA] = ELFDATA2MSB;
  EXPECT_NE(error_of(x).find("big-endian"), std::string::npos);
  x.assign(b.begin(), b.begin() + 30);
  EXPECT_EQ(error_of(x), "fw.elf: truncated ELF header");
  x = b;
  poke<uint16_t>(x, offsetof(Elf32_Ehdr, e_type), ET_REL);
  EXPECT_NE(error_of(x).find("relocatable"), std::string::npos);
  x = b;
  poke<uint32_t>(x, offsetof(Elf32_Ehdr, e_flags), EF_RISCV_FLOAT_ABI_DOUBLE);
  EXPECT_NE(error_of(x).find("hard-float"), std::string::npos);
  x = b;
  poke<uint32_t>(x, offsetof(Elf32_Ehdr, e_phoff), 0x1f0);
  EXPECT_NE(error_of(x).find("program headers extend past the end"), std::string::npos);
  x = b;
  poke<uint32_t>(x, sizeof(Elf32_Ehdr) + offsetof(Elf32_Phdr, p_filesz), 0x1000);
  poke<uint32_t>(x, sizeof(Elf32_Ehdr) + offsetof(Elf32_Phdr, p_memsz), 0x1000);
  EXPECT_NE(error_of(x).find("segment 0 (paddr 0x80000000): truncated"), std::string::npos)
      << error_of(x);
  x = b;
  poke<uint32_t>(x, sizeof(Elf32_Ehdr) + offsetof(Elf32_Phdr, p_memsz), 4);
  EXPECT_NE(error_of(x).find("file size exceeds memory size"), std::string::npos);
  x = b;
  poke<uint32_t>(x, sizeof(Elf32_Ehdr) + offsetof(Elf32_Phdr, p_paddr), 0xfffffff8);
  EXPECT_NE(error_of(x).find("wraps"), std::string::npos);
  x = b;
  poke<uint32_t>(x, offsetof(Elf32_Ehdr, e_shoff), 0x1f0);
  EXPECT_NE(error_of(x).find("section headers extend past the end"), std::string::npos);
  x = b;
  poke<uint32_t>(x, sizeof(Elf32_Ehdr) + offsetof(Elf32_Phdr, p_type), PT_NOTE);
  EXPECT_EQ(error_of(x), "fw.elf: no loadable (PT_LOAD) segments");
}

TEST(ElfLoader, MissingFileAndRealHostBinary) {
  try {
    load_elf("/nonexistent/fw.elf");
    FAIL();
  } catch (const ElfError& e) {
    EXPECT_EQ(e.code, imcvp::exit_code::no_input);
    EXPECT_EQ(std::string(e.what()), "/nonexistent/fw.elf: cannot open firmware file");
  }
  // A real foreign executable: this test binary itself (x86-64 on this machine).
  try {
    load_elf("/proc/self/exe");
    FAIL();
  } catch (const ElfError& e) {
    EXPECT_EQ(e.code, imcvp::exit_code::bad_firmware);
    EXPECT_NE(std::string(e.what()).find("64-bit ELF"), std::string::npos) << e.what();
  }
}

// Issue 15 item 9: a later PT_LOAD (e.g. .bss) overlapping an earlier one silently overwrote
// it. The second segment here overlaps the first's last 8 bytes (memsz 16 from 0x80000000).
TEST(ElfLoader, RefusesOverlappingSegments) {
  auto b = make_elf();
  Elf32_Phdr ph[2]{};
  std::memcpy(&ph[0], b.data() + sizeof(Elf32_Ehdr), sizeof(Elf32_Phdr));
  ph[1] = ph[0];
  ph[1].p_vaddr = ph[1].p_paddr = 0x80000008;
  ph[1].p_filesz = 0;
  ph[1].p_memsz = 0x20;
  ph[1].p_flags = PF_R | PF_W;
  // Two program headers right after the ELF header (free up to the code at 0x100).
  const std::size_t phoff = sizeof(Elf32_Ehdr);
  std::memcpy(b.data() + phoff, ph, sizeof ph);
  poke<uint16_t>(b, offsetof(Elf32_Ehdr, e_phnum), 2);
  EXPECT_EQ(error_of(b),
            "fw.elf: PT_LOAD segments overlap: [0x80000000, 0x80000010) and [0x80000008, "
            "0x80000028) (physical addresses); each byte of memory must come from one segment");
  // Listed in the other order, and one inside the other: still found.
  std::swap(ph[0], ph[1]);
  ph[0].p_paddr = 0x80000004;
  ph[0].p_memsz = 4;
  std::memcpy(b.data() + phoff, ph, sizeof ph);
  EXPECT_NE(error_of(b).find("overlap: [0x80000000, 0x80000010) and [0x80000004, 0x80000008)"),
            std::string::npos)
      << error_of(b);
  // Adjacent segments are fine.
  ph[0].p_paddr = 0x80000010;
  ph[0].p_memsz = 0x10;
  std::memcpy(b.data() + phoff, ph, sizeof ph);
  EXPECT_EQ(parse_elf(b, "fw.elf").segments.size(), 2u);
}

// Issue 15 items 6 and 7: a directory was an internal error (70); /dev/zero was read forever.
TEST(ElfLoader, RefusesNonRegularAndOversizedFiles) {
  auto code_and_msg = [](const std::string& path) {
    try {
      load_elf(path);
    } catch (const ElfError& e) {
      return std::make_pair(e.code, std::string(e.what()));
    }
    return std::make_pair(0, std::string());
  };
  auto [c1, m1] = code_and_msg("/tmp");
  EXPECT_EQ(c1, imcvp::exit_code::no_input);
  EXPECT_EQ(m1, "/tmp: is a directory, not a firmware file");
  auto [c2, m2] = code_and_msg("/dev/zero");
  EXPECT_EQ(c2, imcvp::exit_code::no_input);
  EXPECT_NE(m2.find("not a regular file"), std::string::npos) << m2;
  // A sparse file larger than any ELF32 is refused from its size alone (nothing is read).
  auto big = std::filesystem::temp_directory_path() /
             ("imcvp-elf-big-" + std::to_string(getpid()) + ".elf");
  {
    std::ofstream f(big, std::ios::binary);
    f << "\x7f"
         "ELF";
  }
  std::filesystem::resize_file(big, kMaxElfBytes + 1);
  auto [c3, m3] = code_and_msg(big.string());
  std::filesystem::remove(big);
  EXPECT_EQ(c3, imcvp::exit_code::bad_firmware);
  EXPECT_NE(m3.find("larger than any RV32 ELF can be"), std::string::npos) << m3;
}

}  // namespace
