#include "models/common/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace imcvp::stats {

const char* energy_kind_name(EnergyKind k) {
  switch (k) {
    case EnergyKind::none:
      return "none";
    case EnergyKind::core:
      return "core";
    case EnergyKind::host_bus:
      return "host_bus";
    case EnergyKind::noc_router:
      return "noc_router";
    case EnergyKind::noc_link:
      return "noc_link";
    case EnergyKind::dram:
      return "dram";
    case EnergyKind::imc_array:
      return "imc_array";
    case EnergyKind::dac:
      return "dac";
    case EnergyKind::adc:
      return "adc";
    case EnergyKind::digital_periphery:
      return "digital_periphery";
    case EnergyKind::buffers:
      return "buffers";
    case EnergyKind::programming:
      return "programming";
    case EnergyKind::imc_leakage:
      return "imc_leakage";
    case EnergyKind::host_memory:
      return "host_memory";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
Histogram::Histogram(double lo, double bin_width, std::size_t bins)
    : lo_(lo), width_(bin_width > 0 ? bin_width : 1.0), bins_(bins ? bins : 1, 0) {}

void Histogram::sample(double v, uint64_t n) {
  if (n == 0) return;
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  count_ += n;
  sum_ += v * static_cast<double>(n);
  if (v < lo_) {
    under_ += n;
    return;
  }
  double idx = std::floor((v - lo_) / width_);
  if (idx >= static_cast<double>(bins_.size()))
    over_ += n;
  else
    bins_[static_cast<std::size_t>(idx)] += n;
}

void Histogram::reset() {
  std::fill(bins_.begin(), bins_.end(), 0);
  under_ = over_ = count_ = 0;
  sum_ = min_ = max_ = 0.0;
}

double Histogram::percentile(double p) const {
  if (count_ == 0) return 0.0;
  p = std::clamp(p, 0.0, 100.0);
  double rank = p / 100.0 * static_cast<double>(count_);
  double acc = static_cast<double>(under_);
  if (rank <= acc) return min_;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    double c = static_cast<double>(bins_[i]);
    if (c > 0 && rank <= acc + c) {
      double lo = lo_ + width_ * static_cast<double>(i);
      double v = lo + width_ * (rank - acc) / c;
      return std::clamp(v, min_, max_);
    }
    acc += c;
  }
  return max_;
}

nlohmann::ordered_json Histogram::to_json() const {
  nlohmann::ordered_json j;
  j["count"] = count_;
  j["mean"] = mean();
  j["min"] = min();
  j["max"] = max();
  j["p50"] = percentile(50);
  j["p99"] = percentile(99);
  j["bin_lo"] = lo_;
  j["bin_width"] = width_;
  j["underflow"] = under_;
  j["overflow"] = over_;
  // Trailing empty bins are trimmed to keep files small.
  std::size_t last = bins_.size();
  while (last > 0 && bins_[last - 1] == 0) --last;
  j["bins"] = std::vector<uint64_t>(bins_.begin(), bins_.begin() + static_cast<long>(last));
  return j;
}

// ---------------------------------------------------------------------------------------------
double Group::Entry::number() const {
  switch (type) {
    case Type::counter:
      return static_cast<double>(*u64);
    case Type::value:
      return *f64;
    case Type::formula:
    case Type::constant:
      return fn();
    case Type::histogram:
      return hist->mean();
  }
  return 0.0;
}

namespace {
Group::Entry make(Group::Entry::Type t, const std::string& name, const char* unit, const char* desc,
                  EnergyKind kind = EnergyKind::none) {
  Group::Entry e;
  e.type = t;
  e.name = name;
  e.unit = unit ? unit : "";
  e.desc = desc ? desc : "";
  e.kind = kind;
  return e;
}
}  // namespace

Group::Group(std::string path) : path_(std::move(path)) {
  Registry::get().add(this);
}
Group::~Group() {
  Registry::get().remove(this);
}

void Group::counter(const std::string& name, uint64_t& ref, const char* unit, const char* desc) {
  Entry e = make(Entry::Type::counter, name, unit, desc);
  e.u64 = &ref;
  entries_.push_back(std::move(e));
}
void Group::value(const std::string& name, double& ref, const char* unit, const char* desc,
                  EnergyKind kind, bool is_static) {
  Entry e = make(Entry::Type::value, name, unit, desc, kind);
  e.is_static = is_static;
  e.f64 = &ref;
  entries_.push_back(std::move(e));
}
void Group::formula(const std::string& name, std::function<double()> f, const char* unit,
                    const char* desc, EnergyKind kind, bool is_static) {
  Entry e = make(Entry::Type::formula, name, unit, desc, kind);
  e.is_static = is_static;
  e.fn = std::move(f);
  entries_.push_back(std::move(e));
}
void Group::constant(const std::string& name, std::function<double()> f, const char* unit,
                     const char* desc) {
  Entry e = make(Entry::Type::constant, name, unit, desc);
  e.fn = std::move(f);
  entries_.push_back(std::move(e));
}
void Group::histogram(const std::string& name, Histogram& h, const char* unit, const char* desc) {
  Entry e = make(Entry::Type::histogram, name, unit, desc);
  e.hist = &h;
  entries_.push_back(std::move(e));
}

void Group::reset() {
  sync();
  for (auto& e : entries_) {
    if (e.type == Entry::Type::counter) *e.u64 = 0;
    if (e.type == Entry::Type::value) *e.f64 = 0.0;
    if (e.type == Entry::Type::histogram) e.hist->reset();
  }
  for (auto& h : reset_hooks_) h();
}

void Group::sync() {
  for (auto& h : sync_hooks_) h();
}

// ---------------------------------------------------------------------------------------------
Registry& Registry::get() {
  static Registry r;
  return r;
}

void Registry::add(Group* g) {
  for (auto* o : groups_)
    if (o->path() == g->path())
      throw std::logic_error("stats: two live groups named '" + g->path() + "'");
  groups_.push_back(g);
}

void Registry::remove(Group* g) {
  groups_.erase(std::remove(groups_.begin(), groups_.end(), g), groups_.end());
}

const Group* Registry::find(const std::string& path) const {
  for (auto* g : groups_)
    if (g->path() == path) return g;
  return nullptr;
}

std::vector<Group*> Registry::groups() const {
  auto v = groups_;
  std::sort(v.begin(), v.end(), [](Group* a, Group* b) { return a->path() < b->path(); });
  return v;
}

void Registry::sync_all() {
  for (auto* g : groups()) g->sync();
}
void Registry::reset_all() {
  for (auto* g : groups()) g->reset();
}

std::vector<double> Registry::energy_breakdown() const {
  std::vector<double> e(kNumEnergyKinds, 0.0);
  for (auto* g : groups())
    for (const auto& en : g->entries())
      if (en.kind != EnergyKind::none) e[static_cast<int>(en.kind)] += en.number();
  return e;
}

double Registry::energy_static() const {
  double s = 0;
  for (auto* g : groups())
    for (const auto& en : g->entries())
      if (en.kind != EnergyKind::none && en.is_static) s += en.number();
  return s;
}

namespace {
// The stats tree before it becomes JSON: children are indexed by name, so building it is
// linear in the number of entries (nlohmann's ordered_json looks keys up linearly, which made a
// 64x64 NoC's thousands of router groups quadratic). Same semantics as nested operator[] on
// ordered_json: assigning a leaf replaces the node; children added later follow its keys.
struct TreeNode {
  nlohmann::ordered_json leaf;  // null, or the entry's object
  std::vector<std::pair<std::string, std::unique_ptr<TreeNode>>> kids;
  std::unordered_map<std::string, std::size_t> index;
  TreeNode& child(const std::string& name) {
    auto [it, added] = index.emplace(name, kids.size());
    if (added) kids.emplace_back(name, std::make_unique<TreeNode>());
    return *kids[it->second].second;
  }
  void assign(nlohmann::ordered_json j) {
    leaf = std::move(j);
    kids.clear();
    index.clear();
  }
  nlohmann::ordered_json to_json() {
    nlohmann::ordered_json j = leaf.is_null() ? nlohmann::ordered_json::object() : std::move(leaf);
    auto& obj = j.get_ref<nlohmann::ordered_json::object_t&>();
    // ordered_map is a vector of pairs: append without its linear duplicate search (the names
    // here are unique by construction).
    using Vec = std::vector<std::pair<const std::string, nlohmann::ordered_json>>;
    auto& vec = static_cast<Vec&>(obj);
    vec.reserve(vec.size() + kids.size());
    for (auto& [name, node] : kids) vec.emplace_back(name, node->to_json());
    return j;
  }
};

TreeNode& node_at(TreeNode& root, const std::string& path) {
  TreeNode* n = &root;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto dot = path.find('.', start);
    n = &n->child(path.substr(start, dot == std::string::npos ? dot : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *n;
}

nlohmann::ordered_json entry_json(const Group::Entry& e) {
  nlohmann::ordered_json j;
  if (e.type == Group::Entry::Type::histogram) {
    j = e.hist->to_json();
  } else if (e.type == Group::Entry::Type::counter) {
    j["value"] = *e.u64;
  } else {
    double v = e.number();
    j["value"] = std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
  }
  j["unit"] = e.unit;
  j["desc"] = e.desc;
  return j;
}

std::string fmt_number(double v) {
  if (!std::isfinite(v)) return "nan";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

nlohmann::ordered_json Registry::to_json() {
  sync_all();
  // Entry names may be dotted ("interrupts.timer"): they nest like group paths, so the JSON
  // tree and the dotted names of stats.txt agree.
  TreeNode tree;
  for (auto* g : groups())
    for (const auto& e : g->entries())
      node_at(tree, g->path() + "." + e.name).assign(entry_json(e));
  nlohmann::ordered_json root = tree.to_json();
  auto breakdown = energy_breakdown();
  nlohmann::ordered_json en;
  double total = 0;
  for (int k = 1; k < kNumEnergyKinds; ++k) {
    en[energy_kind_name(static_cast<EnergyKind>(k))] = {
        {"value", breakdown[k]}, {"unit", "pJ"}, {"desc", "Energy of this component kind"}};
    total += breakdown[k];
  }
  const double st = energy_static();
  en["dynamic"] = {
      {"value", total - st}, {"unit", "pJ"}, {"desc", "Dynamic energy (total without static)"}};
  en["static"] = {{"value", st},
                  {"unit", "pJ"},
                  {"desc", "Static energy: leakage, DRAM background and refresh"}};
  en["total"] = {{"value", total}, {"unit", "pJ"}, {"desc", "Total energy"}};
  root["energy"] = en;
  return root;
}

std::string Registry::to_text() {
  sync_all();
  std::ostringstream os;
  auto line = [&](const std::string& name, const std::string& value, const std::string& desc,
                  const std::string& unit) {
    os << name;
    for (std::size_t i = name.size(); i < 48; ++i) os << ' ';
    os << ' ' << value;
    for (std::size_t i = value.size(); i < 20; ++i) os << ' ';
    os << " # " << desc << " (" << unit << ")\n";
  };
  for (auto* g : groups()) {
    for (const auto& e : g->entries()) {
      std::string name = g->path() + "." + e.name;
      if (e.type == Group::Entry::Type::histogram) {
        const Histogram& h = *e.hist;
        line(name + ".count", fmt_number(static_cast<double>(h.count())), e.desc, "count");
        line(name + ".mean", fmt_number(h.mean()), e.desc, e.unit);
        line(name + ".p50", fmt_number(h.percentile(50)), e.desc, e.unit);
        line(name + ".p99", fmt_number(h.percentile(99)), e.desc, e.unit);
        line(name + ".max", fmt_number(h.max()), e.desc, e.unit);
      } else if (e.type == Group::Entry::Type::counter) {
        line(name, std::to_string(*e.u64), e.desc, e.unit);
      } else {
        line(name, fmt_number(e.number()), e.desc, e.unit);
      }
    }
  }
  auto breakdown = energy_breakdown();
  double total = 0;
  for (int k = 1; k < kNumEnergyKinds; ++k) {
    line(std::string("energy.") + energy_kind_name(static_cast<EnergyKind>(k)),
         fmt_number(breakdown[k]), "Energy of this component kind", "pJ");
    total += breakdown[k];
  }
  const double st = energy_static();
  line("energy.dynamic", fmt_number(total - st), "Dynamic energy (total without static)", "pJ");
  line("energy.static", fmt_number(st), "Static energy: leakage, DRAM background and refresh",
       "pJ");
  line("energy.total", fmt_number(total), "Total energy", "pJ");
  return os.str();
}

std::string dump_json(const nlohmann::ordered_json& j) {
  return j.dump(2) + "\n";
}

}  // namespace imcvp::stats
