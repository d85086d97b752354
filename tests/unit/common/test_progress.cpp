// Unit tests of RunControl's progress reports (`--progress`, models/common/run_control.h): a
// report is due every interval of wall time, printed only at a safe point (poll_progress) by
// the simulation thread, in either line or status-line form, and stop_progress ends it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "models/common/run_control.h"

namespace imcvp {
namespace {

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char b[256];
  std::size_t n;
  while ((n = std::fread(b, 1, sizeof b, f)) > 0) s.append(b, n);
  return s;
}

// Polls like the core does at its quantum syncs, for `seconds` of wall time.
int poll_for(double seconds) {
  int polls = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (RunControl::attention_pending()) RunControl::get().poll_progress();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++polls;
  }
  return polls;
}

TEST(Progress, LinesAreDueEveryIntervalAndPrintedOnlyAtSafePoints) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  int calls = 0;
  auto& rc = RunControl::get();
  rc.start_progress(
      0.02, 0.02, false, [&] { return "tick " + std::to_string(++calls); }, f);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(calls, 0) << "nothing is printed between safe points";
  EXPECT_TRUE(RunControl::progress_due());
  poll_for(0.25);
  rc.stop_progress();
  EXPECT_FALSE(RunControl::progress_due());
  const std::string out = read_all(f);
  std::fclose(f);
  EXPECT_GE(calls, 3) << out;
  EXPECT_LE(calls, 16) << "at most one line per interval";
  EXPECT_EQ(out.rfind("tick 1\ntick 2\n", 0), 0u) << out;
  EXPECT_EQ(out.back(), '\n');
  const int before = calls;
  poll_for(0.05);
  EXPECT_EQ(calls, before) << "stopped: no more reports";
}

TEST(Progress, StatusLineIsRewrittenInPlaceAndEndedByStop) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  auto& rc = RunControl::get();
  rc.start_progress(
      0.02, 0.02, true, [] { return std::string("status"); }, f);
  poll_for(0.1);
  rc.stop_progress();
  const std::string out = read_all(f);
  std::fclose(f);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.rfind("\rstatus\033[K", 0), 0u) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "one newline, at the end";
}

TEST(Progress, FirstReportWaitsForFirstDelayAndZeroIntervalIsOff) {
  std::FILE* f = std::tmpfile();
  auto& rc = RunControl::get();
  int calls = 0;
  rc.start_progress(
      0.01, 10.0, false, [&] { return std::to_string(++calls); }, f);
  poll_for(0.1);
  rc.stop_progress();
  EXPECT_EQ(calls, 0) << "a short run prints nothing";
  rc.start_progress(
      0, 0, false, [&] { return std::to_string(++calls); }, f);
  poll_for(0.05);
  rc.stop_progress();
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(read_all(f).empty());
  std::fclose(f);
}

}  // namespace
}  // namespace imcvp
