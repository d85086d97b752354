#include "platform/elf_loader.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "models/common/log.h"
#include "models/common/run_control.h"

namespace imcvp::platform {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& msg) {
  throw ElfError(path + ": " + msg, exit_code::bad_firmware);
}

const char* machine_name(uint16_t m) {
  switch (m) {
    case EM_386:
      return "x86 (i386)";
    case EM_X86_64:
      return "x86-64";
    case EM_ARM:
      return "ARM";
    case EM_AARCH64:
      return "AArch64";
    case EM_MIPS:
      return "MIPS";
    case EM_PPC:
      return "PowerPC";
    case EM_PPC64:
      return "PowerPC64";
    case EM_RISCV:
      return "RISC-V";
    default:
      return nullptr;
  }
}

template <class T>
T read_at(const std::vector<uint8_t>& b, uint64_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

bool in_file(const std::vector<uint8_t>& b, uint64_t off, uint64_t len) {
  return off <= b.size() && len <= b.size() - off;
}

}  // namespace

std::string ElfImage::describe(uint32_t addr) const {
  auto it = functions.upper_bound(addr);
  if (it == functions.begin()) return "";
  --it;
  uint32_t off = addr - it->first;
  if (it->second.second != 0 && off >= it->second.second) return "";
  std::ostringstream os;
  os << it->second.first;
  if (off) os << "+0x" << std::hex << off;
  return os.str();
}

ElfImage load_elf(const std::string& path) {
  // A regular file, checked before reading: a directory, /dev/zero or a FIFO is refused (the
  // latter two would be read forever), and so is a file larger than any ELF32 can use.
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st))
    throw ElfError(path + ": cannot open firmware file", exit_code::no_input);
  if (std::filesystem::is_directory(st))
    throw ElfError(path + ": is a directory, not a firmware file", exit_code::no_input);
  if (!std::filesystem::is_regular_file(st))
    throw ElfError(path + ": not a regular file (devices, pipes and sockets are refused)",
                   exit_code::no_input);
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec)
    throw ElfError(path + ": cannot read firmware file: " + ec.message(), exit_code::no_input);
  if (size > kMaxElfBytes)
    bad(path, std::to_string(size) + " bytes is larger than any RV32 ELF can be (" +
                  std::to_string(kMaxElfBytes) + " bytes: 32-bit offsets and sizes)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ElfError(path + ": cannot open firmware file", exit_code::no_input);
  std::vector<uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (in.bad() || static_cast<uint64_t>(in.gcount()) != size)
    throw ElfError(path + ": error reading firmware file", exit_code::no_input);
  return parse_elf(bytes, path);
}

ElfImage parse_elf(const std::vector<uint8_t>& b, const std::string& path) {
  if (b.size() < EI_NIDENT || std::memcmp(b.data(), ELFMAG, SELFMAG) != 0)
    bad(path, "not an ELF file (bad magic)");
  if (b[EI_CLASS] == ELFCLASS64) {
    uint16_t m = b.size() >= 20 ? read_at<uint16_t>(b, 18) : 0;
    if (m == EM_RISCV)
      bad(path,
          "64-bit RISC-V ELF (RV64); imcvp's host core is RV32IMAC: build with "
          "-march=rv32imac -mabi=ilp32");
    const char* n = machine_name(m);
    bad(path, std::string("64-bit ELF for ") + (n ? n : "another machine") +
                  "; expected a 32-bit RISC-V (ELFCLASS32, EM_RISCV) executable");
  }
  if (b[EI_CLASS] != ELFCLASS32) bad(path, "unknown ELF class " + std::to_string(b[EI_CLASS]));
  if (b[EI_DATA] != ELFDATA2LSB) bad(path, "big-endian ELF; RISC-V is little-endian");
  if (b.size() < sizeof(Elf32_Ehdr)) bad(path, "truncated ELF header");
  auto eh = read_at<Elf32_Ehdr>(b, 0);
  if (eh.e_machine != EM_RISCV) {
    const char* n = machine_name(eh.e_machine);
    std::string what = n ? n : ("machine " + std::to_string(eh.e_machine));
    bad(path, "ELF is for " + what + ", not RISC-V (EM_RISCV)");
  }
  if (eh.e_type != ET_EXEC)
    bad(path, eh.e_type == ET_REL ? "relocatable object (.o), not a linked executable"
              : eh.e_type == ET_DYN
                  ? "shared object / PIE; link a static executable"
                  : "not an executable ELF (e_type " + std::to_string(eh.e_type) + ")");
  if ((eh.e_flags & EF_RISCV_RVE) != 0) bad(path, "built for RV32E; imcvp implements RV32I");
  if ((eh.e_flags & EF_RISCV_FLOAT_ABI) != EF_RISCV_FLOAT_ABI_SOFT)
    bad(path, "built for a hard-float ABI; imcvp's core has no F/D extension (use -mabi=ilp32)");

  ElfImage img;
  img.path = path;
  img.entry = eh.e_entry;
  img.e_flags = eh.e_flags;

  if (eh.e_phnum == 0) bad(path, "no program headers: nothing to load");
  if (eh.e_phentsize != sizeof(Elf32_Phdr))
    bad(path, "unexpected program header size " + std::to_string(eh.e_phentsize));
  if (!in_file(b, eh.e_phoff, uint64_t(eh.e_phnum) * sizeof(Elf32_Phdr)))
    bad(path, "truncated: program headers extend past the end of the file");
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = read_at<Elf32_Phdr>(b, eh.e_phoff + uint64_t(i) * sizeof(Elf32_Phdr));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    std::ostringstream seg;
    seg << "segment " << i << " (paddr " << log::hex(ph.p_paddr) << ")";
    if (ph.p_filesz > ph.p_memsz) bad(path, seg.str() + ": file size exceeds memory size");
    if (!in_file(b, ph.p_offset, ph.p_filesz))
      bad(path, seg.str() + ": truncated: data extends past the end of the file");
    if (uint64_t(ph.p_paddr) + ph.p_memsz > (1ULL << 32))
      bad(path, seg.str() + ": wraps past the end of the 32-bit address space");
    ElfSegment s;
    s.paddr = ph.p_paddr;
    s.vaddr = ph.p_vaddr;
    s.memsz = ph.p_memsz;
    s.flags = ph.p_flags;
    s.data.assign(b.begin() + ph.p_offset, b.begin() + ph.p_offset + ph.p_filesz);
    img.segments.push_back(std::move(s));
  }
  if (img.segments.empty()) bad(path, "no loadable (PT_LOAD) segments");
  // Overlapping segments would overwrite each other (a later .bss zeroing earlier code).
  std::vector<std::size_t> order(img.segments.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return img.segments[x].paddr < img.segments[y].paddr;
  });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const ElfSegment& a = img.segments[order[k - 1]];
    const ElfSegment& c = img.segments[order[k]];
    const uint64_t a_end = uint64_t(a.paddr) + a.memsz;
    if (c.paddr < a_end) {
      auto range = [](const ElfSegment& s) {
        return "[" + log::hex(s.paddr) + ", " + log::hex(uint64_t(s.paddr) + s.memsz) + ")";
      };
      bad(path, "PT_LOAD segments overlap: " + range(a) + " and " + range(c) +
                    " (physical addresses); each byte of memory must come from one segment");
    }
  }

  // Symbols are optional (a stripped binary is fine); malformed tables are errors.
  if (eh.e_shoff != 0 && eh.e_shnum != 0) {
    if (eh.e_shentsize != sizeof(Elf32_Shdr))
      bad(path, "unexpected section header size " + std::to_string(eh.e_shentsize));
    if (!in_file(b, eh.e_shoff, uint64_t(eh.e_shnum) * sizeof(Elf32_Shdr)))
      bad(path, "truncated: section headers extend past the end of the file");
    for (unsigned i = 0; i < eh.e_shnum; ++i) {
      auto sh = read_at<Elf32_Shdr>(b, eh.e_shoff + uint64_t(i) * sizeof(Elf32_Shdr));
      if (sh.sh_type == SHT_NOTE) {
        if (!in_file(b, sh.sh_offset, sh.sh_size))
          bad(path, "truncated: note section extends past the end of the file");
        // Elf32_Nhdr records: namesz, descsz, type, name and desc each padded to 4 bytes.
        uint64_t off = 0;
        while (off + 12 <= sh.sh_size) {
          auto w = [&](uint64_t o) { return read_at<uint32_t>(b, sh.sh_offset + o); };
          uint64_t namesz = w(off), descsz = w(off + 4);
          uint64_t name_off = off + 12, desc_off = name_off + ((namesz + 3) & ~3ULL);
          uint64_t next = desc_off + ((descsz + 3) & ~3ULL);
          if (next > sh.sh_size) bad(path, "malformed note in section " + std::to_string(i));
          ElfNote n;
          const char* nm = reinterpret_cast<const char*>(b.data() + sh.sh_offset + name_off);
          n.name.assign(nm, strnlen(nm, namesz));
          n.type = w(off + 8);
          n.desc.assign(b.begin() + sh.sh_offset + desc_off,
                        b.begin() + sh.sh_offset + desc_off + descsz);
          img.notes.push_back(std::move(n));
          off = next;
        }
        continue;
      }
      if (sh.sh_type != SHT_SYMTAB) continue;
      if (sh.sh_link >= eh.e_shnum) bad(path, "symbol table links to a missing string table");
      auto str = read_at<Elf32_Shdr>(b, eh.e_shoff + uint64_t(sh.sh_link) * sizeof(Elf32_Shdr));
      if (!in_file(b, sh.sh_offset, sh.sh_size) || !in_file(b, str.sh_offset, str.sh_size))
        bad(path, "truncated: symbol table extends past the end of the file");
      for (uint64_t off = 0; off + sizeof(Elf32_Sym) <= sh.sh_size; off += sizeof(Elf32_Sym)) {
        auto sym = read_at<Elf32_Sym>(b, sh.sh_offset + off);
        if (sym.st_name == 0 || sym.st_name >= str.sh_size) continue;
        const char* s = reinterpret_cast<const char*>(b.data() + str.sh_offset + sym.st_name);
        std::size_t maxlen = str.sh_size - sym.st_name;
        std::string name(s, strnlen(s, maxlen));
        if (name.empty() || sym.st_shndx == SHN_UNDEF) continue;
        int type = ELF32_ST_TYPE(sym.st_info);
        if (type == STT_SECTION || type == STT_FILE) continue;
        // Globals win over locals of the same name.
        if (ELF32_ST_BIND(sym.st_info) != STB_LOCAL || !img.symbols.count(name))
          img.symbols[name] = sym.st_value;
        if (type == STT_FUNC) img.functions[sym.st_value] = {name, sym.st_size};
      }
    }
  }
  return img;
}

}  // namespace imcvp::platform
