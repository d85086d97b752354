// Statistics registry (the DRAMSys StatProvider idea with gem5-style units).
//
// A model owns its counters as plain members (no overhead on the hot path) and registers
// references to them in a stats::Group named after the model (usually sc_module::name()).
// A dump walks all live groups in path order, so output is deterministic. Formula stats
// (bandwidth, IPC, pJ/op) are evaluated at dump time. Every energy figure is in pJ and
// carries an EnergyKind so one breakdown by component kind can be rolled up.
//
//   class Uart : public sc_module {
//     uint64_t tx_bytes_ = 0;
//     stats::Group stats_{name()};
//     Uart(...) { stats_.counter("tx_bytes", tx_bytes_, "bytes", "Bytes transmitted"); }
//   };
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace imcvp::stats {

// Component kinds of the energy breakdown (docs/stats-reference.md, `energy.<kind>`).
enum class EnergyKind {
  none,
  core,
  host_bus,
  noc_router,
  noc_link,
  dram,
  imc_array,
  dac,
  adc,
  digital_periphery,
  buffers,
  programming,
  imc_leakage,  // static power of the tiles (docs/imc-model.md, "Static power")
  host_memory,  // host SRAMs (TCM, boot ROM): leakage
};
const char* energy_kind_name(EnergyKind k);
constexpr int kNumEnergyKinds = static_cast<int>(EnergyKind::host_memory) + 1;

// Fixed-width-bin histogram with exact count/sum/min/max; percentiles are interpolated inside
// the bin (exact to the bin width). Values beyond the range go to under/overflow bins.
class Histogram {
 public:
  Histogram(double lo = 0.0, double bin_width = 1.0, std::size_t bins = 64);
  void sample(double v, uint64_t n = 1);
  void reset();
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double percentile(double p) const;  // p in [0, 100]
  nlohmann::ordered_json to_json() const;

 private:
  double lo_, width_;
  std::vector<uint64_t> bins_;
  uint64_t under_ = 0, over_ = 0, count_ = 0;
  double sum_ = 0.0, min_ = 0.0, max_ = 0.0;
};

class Group {
 public:
  // path is dotted, e.g. "soc.cpu". Registers itself in the registry; unregisters on
  // destruction. Two live groups with the same path are an internal error.
  explicit Group(std::string path);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const std::string& path() const { return path_; }

  // A monotonically counted integer; reset() sets it to 0.
  void counter(const std::string& name, uint64_t& ref, const char* unit, const char* desc);
  // A real value (e.g. accumulated energy); reset() sets it to 0. is_static marks static
  // (leakage or background) energy, which accrues with time whatever the activity: the
  // breakdown reports it as energy.static beside energy.dynamic.
  void value(const std::string& name, double& ref, const char* unit, const char* desc,
             EnergyKind kind = EnergyKind::none, bool is_static = false);
  // Computed at dump time; not reset. An energy formula (unit pJ) counts in the breakdown.
  void formula(const std::string& name, std::function<double()> f, const char* unit,
               const char* desc, EnergyKind kind = EnergyKind::none, bool is_static = false);
  // A value that is not reset (configuration-derived or a level, e.g. "size_bytes").
  void constant(const std::string& name, std::function<double()> f, const char* unit,
                const char* desc);
  void histogram(const std::string& name, Histogram& h, const char* unit, const char* desc);
  // Extra action on reset (e.g. re-baselining a derived counter).
  void on_reset(std::function<void()> f) { reset_hooks_.push_back(std::move(f)); }
  // Called before every dump (e.g. to flush counters a fast path keeps elsewhere).
  void on_sync(std::function<void()> f) { sync_hooks_.push_back(std::move(f)); }

  struct Entry {
    enum class Type { counter, value, formula, constant, histogram };
    Type type = Type::counter;
    std::string name;
    std::string unit;
    std::string desc;
    EnergyKind kind = EnergyKind::none;
    bool is_static = false;  // static (leakage/background) energy
    uint64_t* u64 = nullptr;
    double* f64 = nullptr;
    std::function<double()> fn;
    Histogram* hist = nullptr;
    double number() const;  // scalar value (histograms: mean)
  };
  const std::vector<Entry>& entries() const { return entries_; }
  void reset();
  void sync();

 private:
  std::string path_;
  std::vector<Entry> entries_;
  std::vector<std::function<void()>> reset_hooks_;
  std::vector<std::function<void()>> sync_hooks_;
};

// All live groups. Single-threaded, like the SystemC kernel.
class Registry {
 public:
  static Registry& get();
  void add(Group* g);
  void remove(Group* g);
  const Group* find(const std::string& path) const;
  // Groups sorted by path.
  std::vector<Group*> groups() const;

  void sync_all();
  void reset_all();
  // Total pJ per energy kind over all groups (kinds with zero included).
  std::vector<double> energy_breakdown() const;
  // Total pJ of the entries marked static (leakage, DRAM background and refresh).
  double energy_static() const;

  // The stats tree: {"soc": {"cpu": {"insts": {"value": 1, "unit": "count", "desc": ...}}}}
  // plus "energy" (breakdown by kind, then dynamic, static and total, pJ). Calls sync_all() first.
  nlohmann::ordered_json to_json();
  // gem5 style: "path.name  value  # desc (unit)" one per line.
  std::string to_text();

 private:
  std::vector<Group*> groups_;
};

// Serialises JSON deterministically (2-space indent, trailing newline).
std::string dump_json(const nlohmann::ordered_json& j);

}  // namespace imcvp::stats
