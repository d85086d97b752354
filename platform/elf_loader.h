// ELF loader for RV32 firmware. Parses and validates the whole file up front (magic, class,
// endianness, machine, segment and section bounds) so every defect is one clear message naming
// the file; loading into memory is done by the SoC through debug transport.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace imcvp::platform {

struct ElfError : std::runtime_error {
  ElfError(const std::string& msg, int exit_code) : std::runtime_error(msg), code(exit_code) {}
  int code;  // exit_code::no_input or exit_code::bad_firmware
};

struct ElfSegment {
  uint32_t paddr = 0;
  uint32_t vaddr = 0;
  uint32_t memsz = 0;
  uint32_t flags = 0;         // PF_R/PF_W/PF_X
  std::vector<uint8_t> data;  // file contents (filesz bytes); the rest up to memsz is zero
};

// An ELF note (SHT_NOTE section), e.g. the SDK's platform note .note.imcvp.
struct ElfNote {
  std::string name;
  uint32_t type = 0;
  std::vector<uint8_t> desc;
};

struct ElfImage {
  std::string path;
  uint32_t entry = 0;
  uint32_t e_flags = 0;
  std::vector<ElfSegment> segments;         // PT_LOAD segments with memsz > 0
  std::map<std::string, uint32_t> symbols;  // global and local symbols with a name
  std::vector<ElfNote> notes;               // notes of every SHT_NOTE section
  std::optional<uint32_t> symbol(const std::string& name) const {
    auto it = symbols.find(name);
    if (it == symbols.end()) return std::nullopt;
    return it->second;
  }
  // Name of the function symbol containing addr, for reports ("main+0x12"), or "".
  std::string describe(uint32_t addr) const;
  std::map<uint32_t, std::pair<std::string, uint32_t>> functions;  // addr -> (name, size)
};

// Largest file load_elf reads: ELF32 offsets and sizes are 32-bit, so nothing past
// 2^32 + 2^32 bytes can be referenced; a bigger file is refused before reading (exit 65).
constexpr uint64_t kMaxElfBytes = 1ULL << 33;

// Throws ElfError on any defect. Only regular files are read (a directory, a device or a FIFO
// is exit 66).
ElfImage load_elf(const std::string& path);
ElfImage parse_elf(const std::vector<uint8_t>& bytes, const std::string& path);

}  // namespace imcvp::platform
