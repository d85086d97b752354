#include "models/common/config.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>

namespace imcvp::config {

std::string where(const std::string& file, const YAML::Node& n) {
  std::ostringstream os;
  os << file;
  if (n && !n.Mark().is_null()) os << ":" << n.Mark().line + 1 << ":" << n.Mark().column + 1;
  return os.str();
}

namespace {

// Parses an integer literal: optional sign, decimal / 0x hex / 0b binary / 0o octal, '_'
// separators. Returns false for anything else (including trailing garbage and overflow).
bool parse_int(std::string s, bool is_signed, int64_t& sv, uint64_t& uv) {
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  if (t.empty()) return false;
  bool neg = false;
  std::size_t i = 0;
  if (t[0] == '+' || t[0] == '-') {
    neg = t[0] == '-';
    i = 1;
  }
  int base = 10;
  if (t.size() > i + 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (t.size() > i + 2 && t[i] == '0' && (t[i + 1] == 'b' || t[i + 1] == 'B')) {
    base = 2;
    i += 2;
  } else if (t.size() > i + 2 && t[i] == '0' && (t[i + 1] == 'o' || t[i + 1] == 'O')) {
    base = 8;
    i += 2;
  }
  if (i >= t.size()) return false;
  for (std::size_t k = i; k < t.size(); ++k)
    if (!std::isxdigit(static_cast<unsigned char>(t[k]))) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long mag = std::strtoull(t.c_str() + i, &end, base);
  if (errno == ERANGE || *end != '\0') return false;
  if (is_signed) {
    if (neg) {
      if (mag > static_cast<unsigned long long>(INT64_MAX) + 1ULL) return false;
      sv = static_cast<int64_t>(0 - mag);
    } else {
      if (mag > static_cast<unsigned long long>(INT64_MAX)) return false;
      sv = static_cast<int64_t>(mag);
    }
  } else {
    if (neg && mag != 0) return false;
    uv = mag;
  }
  return true;
}

std::string scalar_of(const YAML::Node& n, std::string& out) {
  if (!n.IsScalar()) return "expected a scalar value";
  out = n.Scalar();
  return "";
}

template <class T>
std::string convert_signed(const YAML::Node& n, T& out, const char* what) {
  std::string s;
  if (auto e = scalar_of(n, s); !e.empty()) return e;
  int64_t v = 0;
  uint64_t u = 0;
  if (!parse_int(s, true, v, u) || v < std::numeric_limits<T>::min() ||
      v > std::numeric_limits<T>::max())
    return "'" + s + "' is not a valid " + what;
  out = static_cast<T>(v);
  return "";
}

template <class T>
std::string convert_unsigned(const YAML::Node& n, T& out, const char* what) {
  std::string s;
  if (auto e = scalar_of(n, s); !e.empty()) return e;
  int64_t v = 0;
  uint64_t u = 0;
  if (!parse_int(s, false, v, u) || u > std::numeric_limits<T>::max())
    return "'" + s + "' is not a valid " + what;
  out = static_cast<T>(u);
  return "";
}

}  // namespace

std::string convert(const YAML::Node& n, bool& out) {
  std::string s;
  if (auto e = scalar_of(n, s); !e.empty()) return e;
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "off") {
    out = false;
  } else {
    return "'" + s + "' is not a boolean (true/false)";
  }
  return "";
}
std::string convert(const YAML::Node& n, int32_t& out) {
  return convert_signed(n, out, "32-bit integer");
}
std::string convert(const YAML::Node& n, int64_t& out) {
  return convert_signed(n, out, "64-bit integer");
}
std::string convert(const YAML::Node& n, uint32_t& out) {
  return convert_unsigned(n, out, "unsigned 32-bit integer");
}
std::string convert(const YAML::Node& n, uint64_t& out) {
  return convert_unsigned(n, out, "unsigned 64-bit integer");
}
std::string convert(const YAML::Node& n, double& out) {
  std::string s;
  if (auto e = scalar_of(n, s); !e.empty()) return e;
  int64_t iv = 0;
  uint64_t uv = 0;
  if (parse_int(s, true, iv, uv)) {  // hex etc. also accepted for reals
    out = static_cast<double>(iv);
    return "";
  }
  errno = 0;
  char* end = nullptr;
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  double d = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(d))
    return "'" + s + "' is not a valid number";
  out = d;
  return "";
}
std::string convert(const YAML::Node& n, std::string& out) {
  return scalar_of(n, out);
}

std::string format_value(bool v, const char*) {
  return v ? "true" : "false";
}
std::string format_value(const std::string& v, const char*) {
  return v;
}
std::string format_value(double v, const char*) {
  std::ostringstream os;
  os << std::setprecision(15) << v;
  return os.str();
}
namespace {
template <class T>
std::string format_int(T v, const char* unit) {
  std::ostringstream os;
  if (unit && std::string(unit) == "address")
    os << "0x" << std::hex << static_cast<uint64_t>(v);
  else
    os << v;
  return os.str();
}
}  // namespace
std::string format_value(int32_t v, const char* unit) {
  return format_int(v, unit);
}
std::string format_value(uint32_t v, const char* unit) {
  return format_int(v, unit);
}
std::string format_value(int64_t v, const char* unit) {
  return format_int(v, unit);
}
std::string format_value(uint64_t v, const char* unit) {
  return format_int(v, unit);
}

std::optional<YAML::Node> Reader::take(const char* key) {
  if (!node_.IsMap()) return std::nullopt;
  // Iterate rather than operator[] so a missing key is not inserted and keys keep marks.
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      seen_.push_back(key);
      return it->second;
    }
  }
  return std::nullopt;
}

void Reader::finish() {
  if (!node_.IsMap()) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
    bool known = false;
    for (const auto& s : seen_) known = known || s == k;
    if (!known) {
      std::string path = path_.empty() ? k : path_ + "." + k;
      throw ConfigError(where(file_, it->first) + ": " + path + ": unknown key");
    }
  }
}

namespace {
// The value at "a.b.c" below mapping n, without operator[] (which would insert keys) and
// without Node assignment (which rebinds the shared tree).
std::optional<YAML::Node> find_path(const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) return std::nullopt;
  const std::size_t dot = path.find('.');
  const std::string part = path.substr(0, dot);
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar() != part) continue;
    if (dot == std::string::npos) return it->second;
    return find_path(it->second, path.substr(dot + 1));
  }
  return std::nullopt;
}
}  // namespace

void Reader::check(const char* key, bool ok, const std::string& msg) const {
  if (ok) return;
  if (auto n = find_path(node_, key)) fail(*n, key, msg);
}

void Reader::fail(const YAML::Node& n, const char* key, const std::string& msg) const {
  throw ConfigError(where(file_, n) + ": " + join(key) + ": " + msg);
}

void Writer::emit(const char* key, const std::string& value, const char* desc, const char* unit,
                  bool quote) {
  out_ << YAML::Key << key << YAML::Value;
  if (quote)
    out_ << YAML::DoubleQuoted << value;
  else
    out_ << value;
  std::string c = desc ? desc : "";
  if (unit && *unit && std::string(unit) != "address") c += " (" + std::string(unit) + ")";
  if (!c.empty()) out_ << YAML::Comment(c);
}

std::string check_input_file(const std::string& file, uint64_t max_bytes) {
  std::error_code ec;
  auto st = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(st)) return file + ": no such file";
  if (std::filesystem::is_directory(st)) return file + ": is a directory, not a file";
  if (!std::filesystem::is_regular_file(st))
    return file + ": not a regular file (devices, pipes and sockets are refused)";
  auto size = std::filesystem::file_size(file, ec);
  if (ec) return file + ": cannot read: " + ec.message();
  if (size > max_bytes)
    return file + ": " + std::to_string(size) + " bytes is larger than the largest accepted (" +
           std::to_string(max_bytes) + " bytes)";
  return "";
}

YAML::Node load_file(const std::string& file) {
  // Regular files of bounded size only: -c /dev/zero would otherwise read forever.
  if (std::string err = check_input_file(file, kMaxConfigBytes); !err.empty())
    throw ConfigError(err);
  std::ifstream in(file);
  if (!in) throw ConfigError(file + ": cannot open config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_text(ss.str(), file);
}

namespace {

// yaml-cpp keeps both entries of a duplicated key and lookups find the first: a second
// `cpu:` section would be ignored, unknown keys and all. Refuse duplicates, naming both places.
// Collections reached again through an alias (same mark) are walked once.
void check_duplicates(const YAML::Node& n, const std::string& name, const std::string& path,
                      std::set<int>& seen) {
  if (!n.IsSequence() && !n.IsMap()) return;
  if (!n.Mark().is_null() && !seen.insert(n.Mark().pos).second) return;
  if (n.IsSequence()) {
    std::size_t i = 0;
    for (const auto& e : n) check_duplicates(e, name, path + "[" + std::to_string(i++) + "]", seen);
    return;
  }
  std::map<std::string, YAML::Node> keys;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string k = it->first.Scalar();
    const std::string p = path.empty() ? k : path + "." + k;
    auto [first, fresh] = keys.emplace(k, it->first);
    if (!fresh)
      throw ConfigError(where(name, it->first) + ": " + p + ": duplicate key (first at " +
                        where(name, first->second) + ")");
    check_duplicates(it->second, name, p, seen);
  }
}

}  // namespace

YAML::Node load_text(const std::string& text, const std::string& name) {
  try {
    YAML::Node doc = YAML::Load(text);
    std::set<int> seen;
    check_duplicates(doc, name, "", seen);
    return doc;
  } catch (const YAML::ParserException& e) {
    std::ostringstream os;
    os << name << ":" << e.mark.line + 1 << ":" << e.mark.column + 1
       << ": malformed YAML: " << e.msg;
    throw ConfigError(os.str());
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ": malformed YAML: " + e.msg);
  }
}

YAML::Node set_to_node(const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set " + assignment + ": expected key.path=value");
  std::string path = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  YAML::Node leaf;
  try {
    leaf = value.empty() ? YAML::Node(std::string()) : YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw ConfigError("--set " + assignment + ": malformed value: " + e.msg);
  }
  // Build the nested mapping from the dotted path, innermost first.
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (const auto& p : parts)
    if (p.empty()) throw ConfigError("--set " + assignment + ": empty key in path '" + path + "'");
  YAML::Node node = leaf;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    // "tiles[0]" / "tiles[*]": one element of a list, or every element ({tiles: {"[0]": ..}},
    // Reader::list updates the elements in place).
    std::string key = *it;
    const auto br = key.find('[');
    if (br != std::string::npos) {
      if (br == 0 || key.back() != ']' || key.find('[', br + 1) != std::string::npos)
        throw ConfigError("--set " + assignment + ": malformed list index in '" + key +
                          "' (expected name[i] or name[*])");
      YAML::Node idx(YAML::NodeType::Map);
      idx[key.substr(br)] = node;
      node = idx;
      key = key.substr(0, br);
    }
    YAML::Node m(YAML::NodeType::Map);
    m[key] = node;
    node = m;
  }
  return node;
}

}  // namespace imcvp::config
