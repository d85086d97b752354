// libFuzzer harness: the ELF loader (platform/elf_loader.*). Any input must either parse or
// throw ElfError (its documented contract); anything else (another exception, a sanitizer
// report, a huge allocation) is a finding. A parsed image must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "models/common/log.h"
#include "platform/elf_loader.h"

using namespace imcvp;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  log::set_level(log::Level::quiet);  // the loader warns about odd but loadable files
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  platform::ElfImage img;
  try {
    img = platform::parse_elf(bytes, "fuzz.elf");
  } catch (const platform::ElfError& e) {
    if (e.code == 0) std::abort();  // an error must carry a failure exit code
    return 0;
  }
  for (const auto& s : img.segments) {
    if (s.memsz == 0 || s.data.size() > s.memsz) std::abort();  // loaded memsz > 0, filesz <= memsz
    if (s.data.size() > size) std::abort();                     // data came from the file
  }
  // Symbol lookup and pc descriptions, as the trap reports use them.
  (void)img.describe(img.entry);
  for (const auto& [addr, fn] : img.functions) {
    (void)img.describe(addr);
    (void)img.describe(addr + fn.second);
  }
  for (const auto& [name, addr] : img.symbols)
    if (img.symbol(name) != addr) std::abort();
  return 0;
}
