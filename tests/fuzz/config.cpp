// libFuzzer harness: the YAML configuration loader (models/common/config.*) on the whole
// platform's configuration (platform/platform_config.h), as `imcvp run -c FILE` and `--set`
// use it. Any text must apply or throw ConfigError ("file:line:col: key: message"); anything
// else is a finding. An accepted configuration must survive the writer (`config.yaml` of a
// run): its YAML reloads into the same configuration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "models/common/config.h"
#include "platform/platform_config.h"

using namespace imcvp;

namespace {
void roundtrip(platform::PlatformConfig& cfg) {
  const std::string y1 = config::to_yaml(cfg);
  platform::PlatformConfig again;
  try {
    config::apply_text(again, y1, "config.yaml");
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "written config does not reload: %s\n---\n%s", e.what(), y1.c_str());
    std::abort();
  }
  const std::string y2 = config::to_yaml(again);
  if (y1 != y2) {
    std::fprintf(stderr, "written config changes on reload:\n---\n%s---\n%s", y1.c_str(),
                 y2.c_str());
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  {
    platform::PlatformConfig cfg;
    try {
      config::apply_text(cfg, text, "fuzz.yaml");
    } catch (const config::ConfigError& e) {
      if (std::strncmp(e.what(), "fuzz.yaml", 9) != 0) std::abort();
      goto sets;
    }
    roundtrip(cfg);
  }
sets:
  // The same text as --set assignments, one per line (at most 8).
  {
    platform::PlatformConfig cfg;
    size_t start = 0;
    bool ok = true;
    for (int n = 0; n < 8 && start < text.size() && ok; ++n) {
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      try {
        config::apply_set(cfg, text.substr(start, nl - start));
      } catch (const config::ConfigError& e) {
        if (std::strncmp(e.what(), "--set ", 6) != 0) std::abort();
        ok = false;
      }
      start = nl + 1;
    }
    if (ok) roundtrip(cfg);
  }
  return 0;
}
