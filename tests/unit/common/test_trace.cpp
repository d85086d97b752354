// Unit tests of the tracer's rate counters (models/common/trace.h): bucketed sums, spans spread
// over buckets, long spans kept in closed form, the time window and the memory guard.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "models/common/trace.h"

namespace imcvp::trace {
namespace {

struct Sample {
  double ts_us, value;
};

// The counter samples of series `name`, in file order (sorted by time).
std::vector<Sample> samples(const std::string& name) {
  const auto j = nlohmann::json::parse(Tracer::get().to_json());
  std::vector<Sample> out;
  for (const auto& e : j["traceEvents"])
    if (e.value("ph", "") == "C" && e.value("name", "") == name)
      out.push_back({e["ts"].get<double>(), e["args"]["value"].get<double>()});
  return out;
}

// Integral of a piecewise-constant counter, in the rate's unit x ns (value holds until the
// next sample).
double integral_ns(const std::vector<Sample>& s) {
  double sum = 0;
  for (std::size_t i = 0; i + 1 < s.size(); ++i)
    sum += s[i].value * (s[i + 1].ts_us - s[i].ts_us) * 1000.0;
  return sum;
}

class TracerRate : public ::testing::Test {
 protected:
  void SetUp() override {
    Settings s;
    s.mask = kDram;
    s.counter_interval_ns = 100;
    Tracer::get().configure(s);
  }
  void TearDown() override { Tracer::get().reset(); }
};

TEST_F(TracerRate, ShortSpanIsSpreadOverItsBuckets) {
  auto& t = Tracer::get();
  const int r = t.rate(kDram, "power");
  t.rate_add_span(r, 50, 200, 400);  // 2 per ns over [50, 250)
  // Buckets of 100 ns: [0,100) holds 100 pJ (1 pJ/ns on average), [100,200) 200 (2/ns),
  // [200,300) 100 (1/ns), then the rate falls to 0.
  const auto s = samples("power");
  std::vector<double> values, times;
  for (const auto& x : s) {
    values.push_back(x.value);
    times.push_back(x.ts_us);
  }
  EXPECT_EQ(times, (std::vector<double>{0.0, 0.1, 0.2, 0.3}));
  EXPECT_EQ(values, (std::vector<double>{1.0, 2.0, 1.0, 0.0}));
}

// Regression: a span over more than 10^5 buckets used to put everything after its first
// bucket into the second one (a spike, then nothing); it now reads as a constant rate over its
// whole length and costs one stored entry.
TEST_F(TracerRate, LongSpanIsAConstantRateOverItsWholeLength) {
  auto& t = Tracer::get();
  const int r = t.rate(kDram, "background");
  const double ts = 1234.5, dur = 1e9, amount = 3e9;  // 3 per ns for 1 s = 10^7 buckets
  t.rate_add_span(r, ts, dur, amount);
  const auto s = samples("background");
  ASSERT_GE(s.size(), 3u);
  ASSERT_LE(s.size(), 5u) << "head, the closed-form body, tail, end";
  EXPECT_DOUBLE_EQ(s.back().value, 0.0);
  EXPECT_NEAR(s.back().ts_us, (ts + dur) / 1000.0, 0.1) << "ends where the span ends";
  bool body = false;
  for (std::size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i + 1].ts_us - s[i].ts_us > 1e5) {
      body = true;
      EXPECT_DOUBLE_EQ(s[i].value, 3.0) << "the body's rate";
    }
  EXPECT_TRUE(body);
  EXPECT_NEAR(integral_ns(s), amount, amount * 1e-12) << "integrates to the amount";
  EXPECT_EQ(t.events(), 0u);
}

TEST_F(TracerRate, SpansAndSinglesAddUp) {
  auto& t = Tracer::get();
  const int r = t.rate(kDram, "p");
  t.rate_add_span(r, 0, 100000, 100000);      // 1 per ns over 1000 buckets (closed form)
  t.rate_add(r, 50050, 500);                  // +5 per ns in bucket 500
  t.rate_add_span(r, 20000, 100000, 200000);  // +2 per ns from 20 us, overlapping
  const auto s = samples("p");
  auto at = [&](double us) {
    double v = 0;
    for (const auto& x : s)
      if (x.ts_us <= us) v = x.value;
    return v;
  };
  EXPECT_DOUBLE_EQ(at(10), 1.0);
  EXPECT_DOUBLE_EQ(at(30), 3.0);
  EXPECT_DOUBLE_EQ(at(50.0), 8.0);
  EXPECT_DOUBLE_EQ(at(50.1), 3.0);
  EXPECT_DOUBLE_EQ(at(110), 2.0);
  EXPECT_DOUBLE_EQ(at(120), 0.0);
  EXPECT_NEAR(integral_ns(s), 100000 + 500 + 200000, 1e-6);
}

TEST_F(TracerRate, LongSpanIsClippedToTheWindow) {
  Settings s;
  s.mask = kDram;
  s.counter_interval_ns = 100;
  s.window_start_ns = 50000;
  s.window_end_ns = 80000;
  Tracer::get().configure(s);
  auto& t = Tracer::get();
  const int r = t.rate(kDram, "w");
  t.rate_add_span(r, 0, 1e6, 1e6);  // 1 per ns over 10^4 buckets
  const auto v = samples("w");
  ASSERT_FALSE(v.empty());
  EXPECT_GE(v.front().ts_us, 50.0);
  EXPECT_LE(v.back().ts_us, 80.2);
  EXPECT_NEAR(integral_ns(v), 30000, 200) << "only the window's part";
}

TEST_F(TracerRate, LongSpansCountAgainstTheMemoryGuard) {
  Settings s;
  s.mask = kDram;
  s.counter_interval_ns = 100;
  s.max_events = 4;
  Tracer::get().configure(s);
  auto& t = Tracer::get();
  const int r = t.rate(kDram, "g");
  for (int i = 0; i < 4; ++i) t.rate_add_span(r, 1e6 * i + 50, 1e6, 1);  // 3 entries each
  EXPECT_GT(t.dropped(), 0u);
}

}  // namespace
}  // namespace imcvp::trace
