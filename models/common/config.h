// Configuration binding: every model declares its parameters once, in a plain struct with
// in-class defaults and a visit() template; visitors read YAML into it (rejecting unknown keys
// and bad values with file:line:col), write it back out, and list every parameter.
//
//   struct UartConfig {
//     uint64_t base = 0x1000'0000;
//     std::string tx = "stdout";
//     template <class V> void visit(V& v) {
//       v.param("base", base, "Base address of the register block", "address");
//       v.param("tx", tx, "Where transmitted bytes go: stdout, stderr, none or a file path");
//     }
//   };
//
// Units live in the key name (latency_ns, energy_pj) and in the unit string. The unit
// "address" makes the writer print the value in hex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace imcvp::config {

// All configuration problems are reported as this exception; what() is the full
// "file:line:col: key.path: message" text.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A choice key as an enum behind a name table (table order = enum order; the idiom of
// models/imc/tile_config.h): visit() lists the table's names in choice(), the model resolves the
// name once. Returns std::nullopt for a name outside the table, which only a config built in
// code (not read by visit()) can hold.
template <class E, std::size_t N>
std::optional<E> find_choice(const std::string& name, const char* const (&names)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

// Inclusive numeric range for a parameter.
struct Limits {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
};

// Where a YAML node came from, for messages.
std::string where(const std::string& file, const YAML::Node& n);

// Typed conversion from YAML scalars. Integers accept decimal, 0x hex, 0b binary and '_'
// separators. Each returns an empty string on success, or what is wrong.
std::string convert(const YAML::Node& n, bool& out);
std::string convert(const YAML::Node& n, int32_t& out);
std::string convert(const YAML::Node& n, uint32_t& out);
std::string convert(const YAML::Node& n, int64_t& out);
std::string convert(const YAML::Node& n, uint64_t& out);
std::string convert(const YAML::Node& n, double& out);
std::string convert(const YAML::Node& n, std::string& out);

// Formatting of values for the writer and lister.
std::string format_value(bool v, const char* unit);
std::string format_value(int32_t v, const char* unit);
std::string format_value(uint32_t v, const char* unit);
std::string format_value(int64_t v, const char* unit);
std::string format_value(uint64_t v, const char* unit);
std::string format_value(double v, const char* unit);
std::string format_value(const std::string& v, const char* unit);

inline double as_double(bool v) {
  return v;
}
template <class T>
double as_double(const T& v) {
  if constexpr (std::is_arithmetic_v<T>)
    return static_cast<double>(v);
  else
    return 0.0;
}

// ---------------------------------------------------------------------------------------------
// Reader: applies one YAML mapping to a struct. Keys absent from the YAML keep their current
// value, so several files (and --set overrides) can be applied in order, later winning.
class Reader {
 public:
  Reader(YAML::Node node, std::string file, std::string path)
      : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}

  template <class T>
  void param(const char* key, T& ref, const char* desc, const char* unit = "", Limits lim = {}) {
    (void)desc;
    auto found = take(key);
    if (!found) return;
    YAML::Node n = *found;
    T tmp{};
    std::string err = convert(n, tmp);
    if (err.empty() && std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      double d = as_double(tmp);
      if (d < lim.min || d > lim.max) {
        std::ostringstream os;
        os << "value " << format_value(tmp, unit) << " out of range [" << lim.min << ", " << lim.max
           << "]";
        err = os.str();
      }
    }
    if (!err.empty()) fail(n, key, err);
    ref = tmp;
  }

  void choice(const char* key, std::string& ref, std::initializer_list<const char*> choices,
              const char* desc) {
    (void)desc;
    auto found = take(key);
    if (!found) return;
    YAML::Node n = *found;
    std::string tmp;
    std::string err = convert(n, tmp);
    if (err.empty()) {
      bool ok = false;
      for (const char* c : choices) ok = ok || tmp == c;
      if (!ok) {
        err = "'" + tmp + "' is not one of:";
        for (const char* c : choices) err += std::string(" ") + c;
      }
    }
    if (!err.empty()) fail(n, key, err);
    ref = tmp;
  }

  template <class S>
  void section(const char* key, S& sub, const char* desc = "") {
    (void)desc;
    auto found = take(key);
    if (!found) return;
    YAML::Node n = *found;
    if (!n.IsMap()) fail(n, key, "expected a mapping");
    Reader r(n, file_, join(key));
    sub.visit(r);
    r.finish();
  }

  // A list of structs: the YAML list replaces the whole vector; each element starts from
  // a default-constructed S.
  template <class S>
  void list(const char* key, std::vector<S>& vec, const char* desc = "") {
    (void)desc;
    auto found = take(key);
    if (!found) return;
    YAML::Node n = *found;
    if (n.IsMap()) {
      // --set key[i].sub=value or key[*].sub=value (set_to_node: {key: {"[i]": {sub: value}}}):
      // update existing elements in place instead of replacing the list.
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string k = it->first.as<std::string>();
        if (k.size() < 3 || k.front() != '[' || k.back() != ']') fail(n, key, "expected a list");
        const std::string idx = k.substr(1, k.size() - 2);
        std::size_t first = 0, last = vec.size();
        if (idx != "*") {
          std::size_t i = 0;
          for (char ch : idx) {
            if (ch < '0' || ch > '9' || i > 100000000)
              fail(it->first, (std::string(key) + k).c_str(), "index must be a number or *");
            i = i * 10 + std::size_t(ch - '0');
          }
          if (i >= vec.size())
            fail(it->first, (std::string(key) + k).c_str(),
                 "index " + idx + " out of range: the list has " + std::to_string(vec.size()) +
                     " entries");
          first = i;
          last = i + 1;
        }
        for (std::size_t i = first; i < last; ++i) {
          const std::string ek = std::string(key) + "[" + std::to_string(i) + "]";
          if (!it->second.IsMap()) fail(it->second, ek.c_str(), "expected a mapping");
          Reader r(it->second, file_, join(key) + "[" + std::to_string(i) + "]");
          vec[i].visit(r);
          r.finish();
        }
      }
      return;
    }
    if (!n.IsSequence()) fail(n, key, "expected a list");
    std::vector<S> out;
    for (std::size_t i = 0; i < n.size(); ++i) {
      S s{};
      YAML::Node e = n[i];
      if (!e.IsMap())
        fail(e, (std::string(key) + "[" + std::to_string(i) + "]").c_str(), "expected a mapping");
      Reader r(e, file_, join(key) + "[" + std::to_string(i) + "]");
      s.visit(r);
      r.finish();
      out.push_back(std::move(s));
    }
    vec = std::move(out);
  }

  // Cross-key check, called by a visit() after the keys it involves: when !ok and this mapping
  // sets `key` ("k", or "section.k" for a key of a sub-mapping), fails at that value with
  // file:line:col. A combination this mapping does not set is left to the consumer's check.
  void check(const char* key, bool ok, const std::string& msg) const;

  // Throws for any key of this mapping that no param()/section() consumed.
  void finish();

  [[noreturn]] void fail(const YAML::Node& n, const char* key, const std::string& msg) const;

 private:
  std::optional<YAML::Node> take(const char* key);
  std::string join(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  YAML::Node node_;
  std::string file_;
  std::string path_;
  std::vector<std::string> seen_;
};

// ---------------------------------------------------------------------------------------------
// Writer: emits the resolved struct as YAML, each key commented with its description and unit.
class Writer {
 public:
  explicit Writer(YAML::Emitter& out) : out_(out) {}
  template <class T>
  void param(const char* key, T& ref, const char* desc, const char* unit = "", Limits = {}) {
    emit(key, format_value(ref, unit), desc, unit, std::is_same_v<T, std::string>);
  }
  void choice(const char* key, std::string& ref, std::initializer_list<const char*>,
              const char* desc) {
    emit(key, ref, desc, "", true);
  }
  void check(const char*, bool, const std::string&) const {}
  template <class S>
  void section(const char* key, S& sub, const char* desc = "") {
    out_ << YAML::Key << key;
    if (desc && *desc) out_ << YAML::Comment(desc);
    out_ << YAML::Value << YAML::BeginMap;
    sub.visit(*this);
    out_ << YAML::EndMap;
  }
  template <class S>
  void list(const char* key, std::vector<S>& vec, const char* desc = "") {
    out_ << YAML::Key << key;
    if (desc && *desc) out_ << YAML::Comment(desc);
    out_ << YAML::Value << YAML::BeginSeq;
    for (auto& s : vec) {
      out_ << YAML::BeginMap;
      s.visit(*this);
      out_ << YAML::EndMap;
    }
    out_ << YAML::EndSeq;
  }

 private:
  void emit(const char* key, const std::string& value, const char* desc, const char* unit,
            bool quote);
  YAML::Emitter& out_;
};

// ---------------------------------------------------------------------------------------------
// Lister: one row per parameter (key path, default, unit, description) for --list-params and
// the generated config reference.
struct ParamRow {
  std::string key, value, unit, desc;
};
class Lister {
 public:
  explicit Lister(std::vector<ParamRow>& rows, std::string path = "")
      : rows_(rows), path_(std::move(path)) {}
  template <class T>
  void param(const char* key, T& ref, const char* desc, const char* unit = "", Limits lim = {}) {
    std::string d = desc;
    if (lim.min != -std::numeric_limits<double>::infinity() ||
        lim.max != std::numeric_limits<double>::infinity()) {
      std::ostringstream os;
      os << " [" << lim.min << " .. " << lim.max << "]";
      d += os.str();
    }
    rows_.push_back({join(key), format_value(ref, unit), unit, d});
  }
  void choice(const char* key, std::string& ref, std::initializer_list<const char*> choices,
              const char* desc) {
    std::string d = std::string(desc) + " {";
    bool first = true;
    for (const char* c : choices) {
      d += (first ? "" : "|") + std::string(c);
      first = false;
    }
    rows_.push_back({join(key), ref, "", d + "}"});
  }
  void check(const char*, bool, const std::string&) const {}
  template <class S>
  void section(const char* key, S& sub, const char* = "") {
    Lister l(rows_, join(key));
    sub.visit(l);
  }
  template <class S>
  void list(const char* key, std::vector<S>& vec, const char* desc = "") {
    rows_.push_back({join(key), "[" + std::to_string(vec.size()) + " entries]", "list", desc});
    S s{};
    Lister l(rows_, join(key) + "[]");
    s.visit(l);
  }

 private:
  std::string join(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  std::vector<ParamRow>& rows_;
  std::string path_;
};

// ---------------------------------------------------------------------------------------------
// Entry points.

// Parses a YAML file (or throws ConfigError with file:line:col) and applies it to root.
template <class Root>
void apply_file(Root& root, const std::string& file);
// Applies a YAML text (e.g. a test's inline config); name is used in messages.
template <class Root>
void apply_text(Root& root, const std::string& text, const std::string& name);
// Applies "key.path=value"; value is parsed as a YAML scalar/flow node.
template <class Root>
void apply_set(Root& root, const std::string& assignment);

// Config files larger than this are refused before reading (no legitimate one comes close).
constexpr uint64_t kMaxConfigBytes = 64ULL << 20;
// "" if file is a regular file of at most max_bytes, else what is wrong ("FILE: ...").
std::string check_input_file(const std::string& file, uint64_t max_bytes);
// Throws ConfigError for a missing, non-regular or oversized file, malformed YAML and duplicate
// keys (both locations named).
YAML::Node load_file(const std::string& file);
YAML::Node load_text(const std::string& text, const std::string& name);
YAML::Node set_to_node(const std::string& assignment);

template <class Root>
void apply_node(Root& root, const YAML::Node& doc, const std::string& name) {
  if (!doc || doc.IsNull()) return;  // empty file: nothing to apply
  if (!doc.IsMap()) throw ConfigError(where(name, doc) + ": top level must be a mapping");
  Reader r(doc, name, "");
  root.visit(r);
  r.finish();
}
template <class Root>
void apply_file(Root& root, const std::string& file) {
  apply_node(root, load_file(file), file);
}
template <class Root>
void apply_text(Root& root, const std::string& text, const std::string& name) {
  apply_node(root, load_text(text, name), name);
}
template <class Root>
void apply_set(Root& root, const std::string& assignment) {
  apply_node(root, set_to_node(assignment), "--set " + assignment);
}

template <class Root>
std::string to_yaml(Root& root) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  Writer w(out);
  root.visit(w);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

template <class Root>
std::vector<ParamRow> list_params(Root& root) {
  std::vector<ParamRow> rows;
  Lister l(rows);
  root.visit(l);
  return rows;
}

}  // namespace imcvp::config
