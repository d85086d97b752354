#include "models/common/log.h"

#include <cstdio>

namespace imcvp::log {

namespace {
Level g_level = Level::warn;
}

Level level() {
  return g_level;
}
void set_level(Level l) {
  g_level = l;
}

void write(Level l, const std::string& who, const std::string& msg) {
  const char* tag = l == Level::warn ? "warning: " : "";
  std::fflush(stdout);  // keep firmware output and our messages in order on a terminal
  std::fprintf(stderr, "imcvp: %s%s%s%s\n", tag, who.c_str(), who.empty() ? "" : ": ", msg.c_str());
}

std::string hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace imcvp::log
