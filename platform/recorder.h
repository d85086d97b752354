// Region-of-interest and stats-dump recorder (gem5's m5 resetstats/dumpstats idea), driven by
// firmware through sim-control (ROI_BEGIN/ROI_END/STATS_DUMP). An ROI records the change of
// every counter between its begin and end markers; a dump records the whole tree at that
// moment. Both end up in stats.json ("roi", "dumps").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace imcvp::platform {

class StatsRecorder {
 public:
  // Sets the RunControl hooks (stats reset, dump, ROI).
  void install();
  void roi(uint32_t id, bool begin, double time_ns);
  void dump(uint32_t tag, double time_ns);
  void report(const std::string& name, int32_t value, double time_ns);
  // Adds "roi" and "dumps" to the stats tree when there are any.
  void add_to(nlohmann::ordered_json& stats) const;
  const std::vector<nlohmann::ordered_json>& rois() const { return rois_; }
  std::vector<std::string> warnings() const;

 private:
  struct Open {
    double time_ns;
    std::map<std::string, double> values;
  };
  std::map<uint32_t, Open> open_;
  std::vector<nlohmann::ordered_json> rois_, dumps_;
  std::map<std::string, std::pair<int32_t, double>> reports_;  // name -> (last value, time)
  uint64_t unmatched_ends_ = 0;
};

}  // namespace imcvp::platform
