// Minimal logging to stderr with a global verbosity (-q / -v). Messages name their source.
#pragma once

#include <iostream>
#include <sstream>
#include <string>

namespace imcvp::log {

enum class Level { quiet = 0, warn = 1, info = 2, debug = 3 };
Level level();
void set_level(Level l);

void write(Level l, const std::string& who, const std::string& msg);

template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
template <class... Args>
void warn(const std::string& who, Args&&... args) {
  if (level() >= Level::warn) write(Level::warn, who, cat(std::forward<Args>(args)...));
}
template <class... Args>
void info(const std::string& who, Args&&... args) {
  if (level() >= Level::info) write(Level::info, who, cat(std::forward<Args>(args)...));
}
template <class... Args>
void debug(const std::string& who, Args&&... args) {
  if (level() >= Level::debug) write(Level::debug, who, cat(std::forward<Args>(args)...));
}

// 0x-prefixed, zero-padded hex for addresses and instruction words.
std::string hex(uint64_t v, int digits = 8);

}  // namespace imcvp::log
