// Validation against DRAMsim3 (tests/unit/dram/dramsim3/results.csv) with the same
// DDR4-2400 configuration: unloaded latencies within 2 cycles, saturating sequential bandwidth
// within 5 %, energy per bit within 15 % (docs/dram-validation.md).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "models/common/config.h"
#include "models/dram/trace_replay.h"
#include "tests/unit/dram/traces.h"

using namespace imcvp;
using namespace imcvp::dram;

namespace {
using Row = std::map<std::string, std::string>;

std::map<std::string, Row> read_results() {
  std::ifstream in(std::string(IMCVP_SOURCE_DIR) + "/tests/unit/dram/dramsim3/results.csv");
  std::map<std::string, Row> out;
  std::string line;
  std::vector<std::string> head;
  auto split = [](const std::string& s) {
    std::vector<std::string> v;
    std::stringstream ss(s);
    std::string f;
    while (std::getline(ss, f, ',')) v.push_back(f);
    if (!v.empty() && !v.back().empty() && v.back().back() == '\r') v.back().pop_back();  // CRLF
    return v;
  };
  if (!std::getline(in, line)) return out;
  head = split(line);
  while (std::getline(in, line)) {
    auto f = split(line);
    Row r;
    for (std::size_t i = 0; i < f.size() && i < head.size(); ++i) r[head[i]] = f[i];
    out[r["run"]] = r;
  }
  return out;
}

double num(const Row& r, const char* k) {
  return std::stod(r.at(k));
}

// The ddr4-2400 preset as DRAMsim3 runs it: DRAMsim3 has no CKE power-down (its controller
// only knows self-refresh, enable_self_refresh = false by default), so power-down is off here
// while the preset's default (a real controller's) is on.
DramConfig dramsim3_config() {
  DramConfig cfg;
  config::apply_file(cfg, find_preset("ddr4-2400"));
  cfg.controller.powerdown_idle_cycles = 0;
  return cfg;
}

TraceResult run(const std::vector<TraceRequest>& reqs) {
  DramConfig cfg = dramsim3_config();
  DramEngine e(cfg);
  return replay_trace(e, reqs);
}

class DramValidation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ref_ = new std::map<std::string, Row>(read_results()); }
  static std::map<std::string, Row>* ref_;
  const Row& ref(const char* run) {
    EXPECT_TRUE(ref_->count(run)) << "results.csv lacks " << run;
    return ref_->at(run);
  }
};
std::map<std::string, Row>* DramValidation::ref_ = nullptr;
}  // namespace

TEST_F(DramValidation, UnloadedSequentialLatencyWithinTwoCycles) {
  const Row& r = ref("driver_seq_read_10k_gap200");
  TraceResult m = run(test::seq_reads(10000, 200));
  // Row hit (p50 and min) and the average, which mixes hits, misses and refresh stalls.
  EXPECT_NEAR(double(m.read_latency_min), num(r, "min_cyc"), 2);
  EXPECT_NEAR(double(m.read_latency_p50), num(r, "p50_cyc"), 2);
  EXPECT_NEAR(m.read_latency_avg, num(r, "avg_rd_lat_cyc"), 2);
  EXPECT_NEAR(double(m.read_latency_p99), num(r, "p99_cyc"), 0.05 * num(r, "p99_cyc"));
  EXPECT_EQ(m.refreshes, num(r, "refs"));
  EXPECT_NEAR(double(m.row_hits), num(r, "row_hits"), 0.01 * num(r, "row_hits"));
  EXPECT_NEAR(m.avg_power_mw, num(r, "avg_power_mW"), 0.15 * num(r, "avg_power_mW"));
}

TEST_F(DramValidation, UnloadedRandomLatencyWithinTwoCycles) {
  const Row& r = ref("driver_rand_read_10k_gap200");
  DramConfig cfg;
  TraceResult m = run(test::rand_reads(10000, 200, cfg.capacity_bytes()));
  // Closed bank (min) and row conflict (p50: most random reads hit another open row).
  EXPECT_NEAR(double(m.read_latency_min), num(r, "min_cyc"), 2);
  EXPECT_NEAR(double(m.read_latency_p50), num(r, "p50_cyc"), 2);
  EXPECT_NEAR(m.read_latency_avg, num(r, "avg_rd_lat_cyc"), 2);
  EXPECT_EQ(m.activates, num(r, "acts"));
  EXPECT_EQ(m.refreshes, num(r, "refs"));
  EXPECT_NEAR(m.avg_power_mw, num(r, "avg_power_mW"), 0.15 * num(r, "avg_power_mW"));
}

TEST_F(DramValidation, SaturatingSequentialBandwidthWithinFivePercent) {
  const Row& r = ref("driver_seq_read_100k");
  TraceResult m = run(test::seq_reads(100000, 0));
  EXPECT_NEAR(m.bandwidth_gbps, num(r, "bandwidth_GBps"), 0.05 * num(r, "bandwidth_GBps"));
  EXPECT_NEAR(double(m.completion_cycle), num(r, "completion_cycles"),
              0.05 * num(r, "completion_cycles"));
  EXPECT_NEAR(m.peak_gbps, num(r, "peak_GBps"), 0.01);
  EXPECT_EQ(m.refreshes, num(r, "refs"));
  // Energy per bit within 15 %: README gives 13.75 pJ/bit (read 5.73, refresh 1.49,
  // background 6.48); results.csv gives the average power.
  double ref_pj_bit =
      num(r, "avg_power_mW") * num(r, "completion_cycles") * 0.83 / (num(r, "requests") * 512.0);
  EXPECT_NEAR(ref_pj_bit, 13.75, 0.05);  // the reference is self-consistent
  EXPECT_NEAR(m.pj_per_bit(m.e_total_pj), ref_pj_bit, 0.15 * ref_pj_bit);
  EXPECT_NEAR(m.pj_per_bit(m.e_rd_pj), 5.73, 0.15 * 5.73);
  EXPECT_NEAR(m.pj_per_bit(m.e_ref_pj), 1.49, 0.15 * 1.49);
  EXPECT_NEAR(m.pj_per_bit(m.e_background_pj), 6.48, 0.15 * 6.48);
  EXPECT_NEAR(m.read_latency_avg, num(r, "avg_rd_lat_cyc"), 0.05 * num(r, "avg_rd_lat_cyc"));
}

// Issue 15 item 11: 100,000 random reads all at cycle 0 keep the controller saturated; the
// transaction queue (32) stays full and the per-bank command queues (8) fill only for the
// banks the queued transactions target. Bandwidth and mean latency then depend on how the bank
// queues share the command bus: DRAMsim3 rotates over them (controller.arbitration
// round_robin). With the previous oldest-first arbitration imcvp gave ~18.4 GB/s and ~980
// cycles (twice the requests in flight).
TEST_F(DramValidation, SaturatedRandomBandwidthWithin3PercentLatencyWithin10Percent) {
  const Row& r = ref("driver_rand_read_100k");
  DramConfig cfg;
  TraceResult m = run(test::rand_reads(100000, 0, cfg.capacity_bytes()));
  EXPECT_NEAR(m.bandwidth_gbps, num(r, "bandwidth_GBps"), 0.03 * num(r, "bandwidth_GBps"));
  EXPECT_NEAR(m.read_latency_avg, num(r, "avg_rd_lat_cyc"), 0.10 * num(r, "avg_rd_lat_cyc"));
  EXPECT_NEAR(double(m.read_latency_p50), num(r, "p50_cyc"), 0.10 * num(r, "p50_cyc"));
  EXPECT_NEAR(double(m.activates), num(r, "acts"), 0.01 * num(r, "acts"));
  EXPECT_NEAR(double(m.refreshes), num(r, "refs"), 2);
  EXPECT_NEAR(m.avg_power_mw, num(r, "avg_power_mW"), 0.15 * num(r, "avg_power_mW"));
}

// The old arbitration stays available and is what made the difference (so the test above
// pins the queue model, not luck): oldest-first overshoots DRAMsim3's bandwidth by > 3 %.
TEST_F(DramValidation, OldestFirstArbitrationOvershootsTheSaturatedRandomBandwidth) {
  const Row& r = ref("driver_rand_read_100k");
  DramConfig cfg = dramsim3_config();
  cfg.controller.arbitration = "oldest";
  DramEngine e(cfg);
  TraceResult m = replay_trace(e, test::rand_reads(100000, 0, cfg.capacity_bytes()));
  EXPECT_GT(m.bandwidth_gbps, 1.03 * num(r, "bandwidth_GBps"));
  EXPECT_GT(m.read_latency_avg, 1.5 * num(r, "avg_rd_lat_cyc"));
}
