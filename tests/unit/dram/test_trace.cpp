// Trace parsing: the DRAMsim3 format, and clear errors with line numbers.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "models/dram/trace_replay.h"

using namespace imcvp::dram;

namespace {
std::string error_of(const std::string& text) {
  std::istringstream in(text);
  try {
    parse_trace(in, "t.trc");
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(DramTrace, ParsesTheDramsim3Format) {
  std::istringstream in(
      "0x1f40 READ 0\n"
      "\n"
      "# a comment\n"
      "ABC0 write 12   # trailing comment\n"
      "0X10 Read 12\n");
  auto v = parse_trace(in, "t");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].addr, 0x1f40u);
  EXPECT_FALSE(v[0].is_write);
  EXPECT_EQ(v[1].addr, 0xabc0u);
  EXPECT_TRUE(v[1].is_write);
  EXPECT_EQ(v[1].cycle, 12u);
  EXPECT_EQ(v[1].line, 4u);
  EXPECT_EQ(v[2].addr, 0x10u);
}

TEST(DramTrace, MalformedLinesNameTheLine) {
  EXPECT_EQ(error_of("0x0 READ 0\nzz READ 1\n"),
            "t.trc:2: bad address 'zz' (expected hex, e.g. 0x1f40)");
  EXPECT_EQ(error_of("0x0 FETCH 1\n"), "t.trc:1: bad operation 'FETCH' (expected READ or WRITE)");
  EXPECT_EQ(error_of("\n\n0x0 READ\n"), "t.trc:3: missing issue cycle");
  EXPECT_EQ(error_of("0x0\n"), "t.trc:1: missing READ|WRITE after the address");
  EXPECT_EQ(error_of("0x0 READ -4\n"), "t.trc:1: bad issue cycle '-4' (expected a decimal number)");
  EXPECT_EQ(error_of("0x0 READ 4 5\n"), "t.trc:1: unexpected '5' after the cycle");
  EXPECT_EQ(error_of("0x11112222333344445 READ 4\n").substr(0, 20), "t.trc:1: bad address");
}

TEST(DramTrace, AddressBeyondCapacityIsAnError) {
  DramConfig cfg;
  std::istringstream in("0x0 READ 0\n0x400000000 READ 1\n");
  auto v = parse_trace(in, "t");
  try {
    check_trace(v, cfg.capacity_bytes(), "t");
    FAIL() << "accepted";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "t:2: address 0x400000000 beyond the DRAM capacity (0x400000000 bytes)");
  }
}

TEST(DramTrace, OutputFormatsCarryTheNumbers) {
  DramConfig cfg;
  DramEngine e(cfg);
  std::vector<TraceRequest> v = {{0, false, 0, 1}, {64, false, 0, 2}, {128, true, 5, 3}};
  TraceResult r = replay_trace(e, v);
  EXPECT_EQ(r.requests, 3u);
  EXPECT_EQ(r.reads, 2u);
  EXPECT_EQ(r.writes, 1u);
  EXPECT_NE(format_text(r).find("requests          3 (reads 2, writes 1)"), std::string::npos);
  std::string csv = format_csv(r);
  EXPECT_EQ(csv.substr(0, 29), "requests,reads,writes,complet");
  EXPECT_NE(format_json(r).find("\"row_hits\": 2"), std::string::npos);
}

// Issue 15 item 6: trace cycles are bounded (10^15) with the line named, and a trace with a
// 10^13-cycle gap replays at once (idle time skipped in closed form, refreshes counted).
TEST(DramTrace, HugeIssueCycleIsBoundedAndLongGapsAreFast) {
  std::istringstream bad("0x40 READ 0\n0x80 READ 1000000000000001\n");
  try {
    parse_trace(bad, "t.trc");
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_NE(std::string(e.what()).find("t.trc:2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("limit"), std::string::npos) << e.what();
  }
  std::istringstream ok("0x40 READ 0\n0x80 READ 10000000000000\n");
  auto reqs = parse_trace(ok, "t.trc");
  DramConfig cfg;
  DramEngine e(cfg);
  auto t0 = std::chrono::steady_clock::now();
  TraceResult r = replay_trace(e, reqs);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 5.0);  // was ~1,000 s stepping every refresh
  // A closed bank (40 cycles) after power-down: plus the exit, tXP - 1 (DramPowerDown tests).
  EXPECT_EQ(r.completion_cycle, 10000000000000ULL + 40 + cfg.timing.txp - 1);
  EXPECT_NEAR(double(r.refreshes), 2e13 / cfg.timing.trefi, 2.0);
}
