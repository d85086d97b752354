#include "platform/recorder.h"

#include "models/common/run_control.h"
#include "models/common/stats.h"

namespace imcvp::platform {

namespace {
struct Flat {
  double value;
  std::string unit;
};
// Every scalar that accumulates (counters, values, formulas) by full path; constants and
// histograms are left out (they do not difference meaningfully).
std::map<std::string, Flat> flatten() {
  auto& reg = stats::Registry::get();
  reg.sync_all();
  std::map<std::string, Flat> out;
  for (auto* g : reg.groups())
    for (const auto& e : g->entries()) {
      using T = stats::Group::Entry::Type;
      if (e.type == T::constant || e.type == T::histogram) continue;
      out[g->path() + "." + e.name] = {e.number(), e.unit};
    }
  auto e = reg.energy_breakdown();
  double total = 0;
  for (int k = 1; k < stats::kNumEnergyKinds; ++k) {
    out[std::string("energy.") + stats::energy_kind_name(static_cast<stats::EnergyKind>(k))] = {
        e[k], "pJ"};
    total += e[k];
  }
  const double st = reg.energy_static();
  out["energy.dynamic"] = {total - st, "pJ"};
  out["energy.static"] = {st, "pJ"};
  out["energy.total"] = {total, "pJ"};
  return out;
}
}  // namespace

void StatsRecorder::install() {
  auto& rc = RunControl::get();
  rc.on_stats_reset = [] { stats::Registry::get().reset_all(); };
  rc.on_stats_dump = [this](uint32_t tag, double t) { dump(tag, t); };
  rc.on_roi = [this](uint32_t id, bool begin, double t) { roi(id, begin, t); };
  rc.on_report = [this](const std::string& n, int32_t v, double t) { report(n, v, t); };
}

void StatsRecorder::roi(uint32_t id, bool begin, double time_ns) {
  if (begin) {
    Open o{time_ns, {}};
    for (auto& [k, v] : flatten()) o.values[k] = v.value;
    open_[id] = std::move(o);  // a second begin restarts the region
    return;
  }
  auto it = open_.find(id);
  if (it == open_.end()) {
    ++unmatched_ends_;
    return;
  }
  nlohmann::ordered_json r;
  r["id"] = id;
  r["begin_ns"] = it->second.time_ns;
  r["end_ns"] = time_ns;
  r["duration_ns"] = time_ns - it->second.time_ns;
  nlohmann::ordered_json d = nlohmann::ordered_json::object();
  for (auto& [k, v] : flatten()) {
    auto b = it->second.values.find(k);
    double delta = v.value - (b == it->second.values.end() ? 0.0 : b->second);
    if (delta != 0.0) d[k] = {{"value", delta}, {"unit", v.unit}};
  }
  r["delta"] = d;
  rois_.push_back(std::move(r));
  open_.erase(it);
}

void StatsRecorder::dump(uint32_t tag, double time_ns) {
  nlohmann::ordered_json d;
  d["tag"] = tag;
  d["time_ns"] = time_ns;
  d["stats"] = stats::Registry::get().to_json();
  dumps_.push_back(std::move(d));
}

void StatsRecorder::report(const std::string& name, int32_t value, double time_ns) {
  reports_[name] = {value, time_ns};  // the last report of a name wins
}

void StatsRecorder::add_to(nlohmann::ordered_json& stats) const {
  for (const auto& [name, v] : reports_)
    stats["firmware"][name] = {{"value", v.first},
                               {"unit", ""},
                               {"desc", "Reported by the firmware (sim-control REPORT_VALUE)"},
                               {"time_ns", v.second}};
  if (!rois_.empty()) stats["roi"] = rois_;
  if (!dumps_.empty()) stats["dumps"] = dumps_;
}

std::vector<std::string> StatsRecorder::warnings() const {
  std::vector<std::string> w;
  for (auto& [id, o] : open_)
    w.push_back("region of interest " + std::to_string(id) + " began but never ended");
  if (unmatched_ends_)
    w.push_back(std::to_string(unmatched_ends_) + " ROI end marker(s) without a begin");
  return w;
}

}  // namespace imcvp::platform
