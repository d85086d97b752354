// SimCtrl bench: QEMU test-finisher codes, EXIT, hooks, time, PUTC, SEED and the C header.
#include <gtest/gtest.h>

#include "models/common/run_control.h"
#include "models/periph/simctrl.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using imcvp::RunControl;
using imcvp::StopReason;
using imcvp::periph::SimCtrl;
using imcvp::periph::SimCtrlConfig;
using imcvp::test::TestInitiator;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {
class SimCtrlTest : public imcvp::test::ScFixture {};

// Runs a simulation where a thread writes `value` to `offset` at 100 ns; returns the time
// sc_start returned.
sc_time finish_with(uint64_t offset, uint32_t value) {
  SimCtrlConfig c;
  SimCtrl sim("simctrl", c);
  TestInitiator ini("ini");
  ini.socket.bind(sim.socket);
  sc_core::sc_spawn([&] {
    sc_core::wait(100, SC_NS);
    ini.write(offset, value);
    sc_core::wait(1, SC_NS);  // stop takes effect: never reached a second time
    ini.write(SimCtrl::kPutc, 'X');
  });
  sc_core::sc_start(sc_time(1, sc_core::SC_US));
  return sc_core::sc_time_stamp();
}
}  // namespace

TEST_F(SimCtrlTest, FinisherPass) {
  EXPECT_EQ(finish_with(SimCtrl::kFinisher, 0x5555), sc_time(100, SC_NS));
  EXPECT_EQ(RunControl::get().info().reason, StopReason::finisher);
  EXPECT_EQ(RunControl::get().info().exit_code, 0);
}

TEST_F(SimCtrlTest, FinisherFailWithCode) {
  finish_with(SimCtrl::kFinisher, (42u << 16) | 0x3333);
  EXPECT_EQ(RunControl::get().info().reason, StopReason::finisher);
  EXPECT_EQ(RunControl::get().info().exit_code, 42);
}

TEST_F(SimCtrlTest, FinisherResetStops) {
  finish_with(SimCtrl::kFinisher, 0x7777);
  EXPECT_EQ(RunControl::get().info().reason, StopReason::finisher);
  EXPECT_NE(RunControl::get().info().message.find("reset"), std::string::npos);
}

TEST_F(SimCtrlTest, UnknownFinisherValueIsIgnored) {
  EXPECT_EQ(finish_with(SimCtrl::kFinisher, 0x1234), sc_time(1, sc_core::SC_US));
  EXPECT_FALSE(RunControl::get().stop_requested());
}

TEST_F(SimCtrlTest, ExitRegister) {
  finish_with(SimCtrl::kExit, 0x103);
  EXPECT_EQ(RunControl::get().info().exit_code, 3);
  EXPECT_EQ(RunControl::get().info().firmware_code, 0x103);
  EXPECT_NE(RunControl::get().info().message.find("259"), std::string::npos);
}

// Issue 15: a failing firmware never exits 0 (low byte 0 -> exit status 1, full code kept).
TEST_F(SimCtrlTest, FinisherFailWithCode256IsNotAPass) {
  finish_with(SimCtrl::kFinisher, (256u << 16) | 0x3333);
  EXPECT_EQ(RunControl::get().info().exit_code, 1);
  EXPECT_TRUE(RunControl::get().info().firmware_exit);
  EXPECT_EQ(RunControl::get().info().firmware_code, 256);
}

TEST_F(SimCtrlTest, FinisherFailWithCode0IsNotAPass) {
  finish_with(SimCtrl::kFinisher, 0x3333);
  EXPECT_EQ(RunControl::get().info().exit_code, 1);
  EXPECT_EQ(RunControl::get().info().firmware_code, 0);
}

TEST_F(SimCtrlTest, Exit512IsNotAPass) {
  finish_with(SimCtrl::kExit, 512);
  EXPECT_EQ(RunControl::get().info().exit_code, 1);
  EXPECT_EQ(RunControl::get().info().firmware_code, 512);
}

TEST(FirmwareExitStatus, NonzeroCodesNeverGiveZero) {
  using imcvp::firmware_exit_status;
  EXPECT_EQ(firmware_exit_status(0), 0);
  EXPECT_EQ(firmware_exit_status(3), 3);
  EXPECT_EQ(firmware_exit_status(255), 255);
  EXPECT_EQ(firmware_exit_status(256), 1);
  EXPECT_EQ(firmware_exit_status(259), 3);
  EXPECT_EQ(firmware_exit_status(512), 1);
  EXPECT_EQ(firmware_exit_status(0x1'0000'0000ll), 1);
  EXPECT_EQ(firmware_exit_status(-1), 255);
  EXPECT_EQ(firmware_exit_status(-256), 1);
}

TEST_F(SimCtrlTest, HooksTimeConsoleAndSeed) {
  SimCtrlConfig c;
  c.seed = 0x1234'5678'9abcull;
  SimCtrl sim("simctrl", c);
  TestInitiator ini("ini");
  ini.socket.bind(sim.socket);
  std::vector<std::pair<uint32_t, bool>> rois;
  int resets = 0;
  std::vector<uint32_t> dumps;
  RunControl::get().on_roi = [&](uint32_t id, bool b, double) { rois.emplace_back(id, b); };
  RunControl::get().on_stats_reset = [&] { ++resets; };
  RunControl::get().on_stats_dump = [&](uint32_t tag, double) { dumps.push_back(tag); };
  sc_core::sc_start(sc_time(5, sc_core::SC_SEC));  // 5e9 ns: more than 32 bits
  ini.write(SimCtrl::kRoiBegin, 7);
  ini.write(SimCtrl::kRoiEnd, 7);
  ini.write(SimCtrl::kStatsReset, 0);
  ini.write(SimCtrl::kStatsDump, 99);
  ASSERT_EQ(rois.size(), 2u);
  EXPECT_EQ(rois[0], std::make_pair(7u, true));
  EXPECT_EQ(rois[1], std::make_pair(7u, false));
  EXPECT_EQ(resets, 1);
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_EQ(dumps[0], 99u);
  ini.delay = sc_time(250, SC_NS);  // time includes the annotation
  uint64_t lo = ini.read(SimCtrl::kTimeNsLo);
  uint64_t hi = ini.read(SimCtrl::kTimeNsHi);
  EXPECT_EQ((hi << 32) | lo, 5'000'000'250ull);
  for (char ch : std::string("ok\n")) ini.write(SimCtrl::kPutc, uint8_t(ch));
  EXPECT_EQ(sim.putc_log(), "ok\n");
  EXPECT_EQ(ini.read(SimCtrl::kSeed), 0x56789abcu);
  EXPECT_EQ(ini.read(SimCtrl::kFinisher), 0u);  // write-only
  // Bad accesses are errors, not crashes; debug writes do not end the run.
  tlm::tlm_response_status st;
  ini.read(0x50, 4, &st);  // after REPORT_NAME7
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  // A named report: "acc_pct" (NUL-padded) then the value; odd characters become '_'.
  std::string got;
  int32_t got_v = 0;
  RunControl::get().on_report = [&](const std::string& n, int32_t v, double) {
    got = n;
    got_v = v;
  };
  EXPECT_EQ(ini.write(SimCtrl::kReportName, 0x5f636361), tlm::TLM_OK_RESPONSE);      // "acc_"
  EXPECT_EQ(ini.write(SimCtrl::kReportName + 4, 0x00742d70), tlm::TLM_OK_RESPONSE);  // "p-t\0"
  EXPECT_EQ(ini.write(SimCtrl::kReportValue, 0xfffffff6u), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(got, "acc_p_t");
  EXPECT_EQ(got_v, -10);
  // Names use all 32 characters of REPORT_NAME0..7 (no NUL needed at the end).
  const std::string long_name = "host_instructions_per_input_base";
  ASSERT_EQ(long_name.size(), 32u);
  for (unsigned w = 0; w < 8; ++w) {
    uint32_t v = 0;
    for (unsigned k = 0; k < 4; ++k) v |= uint32_t(uint8_t(long_name[4 * w + k])) << (8 * k);
    EXPECT_EQ(ini.write(SimCtrl::kReportName + 4 * w, v), tlm::TLM_OK_RESPONSE);
  }
  EXPECT_EQ(ini.write(SimCtrl::kReportValue, 99), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(got, long_name);
  EXPECT_EQ(got_v, 99);
  EXPECT_EQ(ini.write(SimCtrl::kSeed, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
  uint32_t pass = 0x5555;
  EXPECT_EQ(ini.debug(tlm::TLM_WRITE_COMMAND, 0, reinterpret_cast<uint8_t*>(&pass), 4), 4u);
  EXPECT_FALSE(RunControl::get().stop_requested());
  // Without hooks, the extension registers are harmless.
  RunControl::get().reset();
  EXPECT_EQ(ini.write(SimCtrl::kStatsDump, 1), tlm::TLM_OK_RESPONSE);
}

TEST_F(SimCtrlTest, CHeaderMatchesDocumentedOffsets) {
  SimCtrl sim("simctrl", SimCtrlConfig{});
  std::string h = sim.regs().c_header("imcvp_simctrl");
  for (const char* line :
       {"#define IMCVP_SIMCTRL_FINISHER_OFFSET 0x0u", "#define IMCVP_SIMCTRL_EXIT_OFFSET 0x4u",
        "#define IMCVP_SIMCTRL_ROI_BEGIN_OFFSET 0x8u", "#define IMCVP_SIMCTRL_ROI_END_OFFSET 0xcu",
        "#define IMCVP_SIMCTRL_STATS_RESET_OFFSET 0x10u",
        "#define IMCVP_SIMCTRL_STATS_DUMP_OFFSET 0x14u",
        "#define IMCVP_SIMCTRL_TIME_NS_LO_OFFSET 0x18u",
        "#define IMCVP_SIMCTRL_TIME_NS_HI_OFFSET 0x1cu", "#define IMCVP_SIMCTRL_PUTC_OFFSET 0x20u",
        "#define IMCVP_SIMCTRL_SEED_OFFSET 0x24u"})
    EXPECT_NE(h.find(line), std::string::npos) << line;
}
