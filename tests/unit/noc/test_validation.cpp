// Validation against BookSim2 (tests/unit/noc/booksim/: copies of shared/reference/booksim):
// 4x4 mesh, BookSim's IQ router settings (configs/noc/booksim-iq.yaml), uniform and
// bit-complement traffic, 1- and 4-flit packets. Checks zero-load latency (within 5%), the
// saturation knee where latency reaches 3x zero-load (within 10%) and that accepted throughput
// holds past saturation as BookSim's does.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "models/common/config.h"
#include "models/noc/traffic.h"

using namespace imcvp::noc;

namespace {

struct RefPoint {
  double offered, pkt_lat, acc;
  bool latency_run;
};

std::vector<RefPoint> load_ref(const std::string& pattern, int ps) {
  std::string path =
      std::string(BOOKSIM_REF_DIR) + "/mesh4x4_" + pattern + "_ps" + std::to_string(ps) + ".csv";
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  std::vector<RefPoint> out;
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    // k,traffic,packet_size,offered,sim_type,status(quoted, may hold commas),pkt_lat,...,acc_flit
    std::vector<std::string> col;
    std::string cur;
    bool q = false;
    for (char ch : line) {
      if (ch == '"')
        q = !q;
      else if (ch == ',' && !q) {
        col.push_back(cur);
        cur.clear();
      } else
        cur += ch;
    }
    col.push_back(cur);
    RefPoint p{};
    p.offered = std::stod(col[3]);
    p.latency_run = col[4] == "latency" && !col[6].empty();
    p.pkt_lat = p.latency_run ? std::stod(col[6]) : 0;
    p.acc = std::stod(col[10]);
    out.push_back(p);
  }
  return out;
}

// Offered load where latency first reaches 3x the zero-load value (linear interpolation).
double ref_knee(const std::vector<RefPoint>& ref) {
  double zl = ref.front().pkt_lat;
  for (size_t i = 1; i < ref.size(); ++i)
    if (ref[i].latency_run && ref[i].pkt_lat >= 3 * zl) {
      const auto& a = ref[i - 1];
      const auto& b = ref[i];
      return a.offered + (b.offered - a.offered) * (3 * zl - a.pkt_lat) / (b.pkt_lat - a.pkt_lat);
    }
  return NAN;
}

// The preset has a top-level `noc:` section, as the platform config does.
struct Root {
  NocConfig noc;
  template <class V>
  void visit(V& v) {
    v.section("noc", noc);
  }
};

NocConfig booksim_config() {
  Root r;
  imcvp::config::apply_file(r, std::string(BOOKSIM_CONFIG));
  return r.noc;
}

TrafficConfig traffic(const std::string& pattern, int ps, double rate) {
  TrafficConfig t;
  t.pattern = pattern;
  t.packet_flits = uint32_t(ps);
  t.injection_rate = rate;
  t.warmup_cycles = 1000;
  t.measure_cycles = 4000;
  t.drain_cycles = 6000;
  t.seed = 1;
  return t;
}

struct Case {
  const char* pattern;
  int ps;
};

class BookSimValidation : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(BookSimValidation, ZeroLoadKneeAndPostSaturation) {
  const Case k = GetParam();
  auto ref = load_ref(k.pattern, k.ps);
  ASSERT_GT(ref.size(), 10u);
  NocConfig c = booksim_config();

  // Zero-load latency at BookSim's lowest load.
  auto low = run_traffic(c, traffic(k.pattern, k.ps, ref.front().offered));
  double zl_ref = ref.front().pkt_lat, zl = low.avg_packet_latency;
  EXPECT_NEAR(zl / zl_ref, 1.0, 0.05) << "zero-load ours " << zl << " BookSim " << zl_ref;

  // Knee: sweep from 80% of BookSim's knee in steps of 0.01 until latency passes 3x zero-load.
  double kref = ref_knee(ref);
  ASSERT_FALSE(std::isnan(kref));
  double prev_r = 0, prev_l = zl, knee = NAN, acc_knee = 0;
  for (double r = std::floor(kref * 80) / 100; r < kref * 1.3; r += 0.01) {
    auto res = run_traffic(c, traffic(k.pattern, k.ps, r));
    if (res.avg_packet_latency >= 3 * zl) {
      knee = prev_r + (r - prev_r) * (3 * zl - prev_l) / (res.avg_packet_latency - prev_l);
      acc_knee = res.accepted;
      break;
    }
    prev_r = r;
    prev_l = res.avg_packet_latency;
  }
  ASSERT_FALSE(std::isnan(knee)) << "no knee found below " << kref * 1.3;
  EXPECT_NEAR(knee / kref, 1.0, 0.10) << "knee ours " << knee << " BookSim " << kref;
  std::printf("[validation] %s ps%d: zero-load %.2f (BookSim %.2f), knee %.3f (BookSim %.3f)\n",
              k.pattern, k.ps, zl, zl_ref, knee, kref);

  // Past saturation accepted throughput stays at the saturation plateau (BookSim's
  // throughput-mode row), it does not collapse.
  double sat_ref = ref.back().acc;
  auto over = run_traffic(c, traffic(k.pattern, k.ps, kref * 1.2));
  EXPECT_NEAR(over.accepted / sat_ref, 1.0, 0.10)
      << "accepted at " << kref * 1.2 << ": ours " << over.accepted << " BookSim " << sat_ref;
  EXPECT_GT(over.accepted, 0.9 * acc_knee);
}

INSTANTIATE_TEST_SUITE_P(Mesh4x4, BookSimValidation,
                         ::testing::Values(Case{"uniform", 1}, Case{"uniform", 4},
                                           Case{"bitcomp", 1}, Case{"bitcomp", 4}),
                         [](const auto& info) {
                           return std::string(info.param.pattern) + "_ps" +
                                  std::to_string(info.param.ps);
                         });
