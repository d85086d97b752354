// CLINT bench: mtime from simulated time (incl. the delay annotation), mtip rising at the
// exact time, no events for an idle timer, mtime writes, 32-bit halves, msip.
#include <gtest/gtest.h>

#include <vector>

#include "models/periph/clint.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using imcvp::periph::Clint;
using imcvp::periph::ClintConfig;
using imcvp::test::TestInitiator;
using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::sc_time;
using sc_core::SC_US;

namespace {

// Records the times of rising edges of a signal.
struct EdgeRecorder : sc_core::sc_module {
  sc_core::sc_in<bool> in{"in"};
  std::vector<sc_time> rises, falls;
  SC_HAS_PROCESS(EdgeRecorder);
  explicit EdgeRecorder(sc_core::sc_module_name n) : sc_module(n) {
    SC_METHOD(on_change);
    sensitive << in;
    dont_initialize();
  }
  void on_change() { (in.read() ? rises : falls).push_back(sc_core::sc_time_stamp()); }
};

struct Bench {
  Clint clint;
  TestInitiator ini{"ini"};
  sc_core::sc_signal<bool> msip{"msip_sig"}, mtip{"mtip_sig"};
  EdgeRecorder rec{"rec"};
  explicit Bench(const ClintConfig& c) : clint("clint", c) {
    ini.socket.bind(clint.socket);
    clint.msip(msip);
    clint.mtip(mtip);
    rec.in(mtip);
  }
};

class ClintTest : public imcvp::test::ScFixture {};

}  // namespace

TEST_F(ClintTest, MtimeFollowsSimulatedTimeAndAnnotation) {
  Bench b(ClintConfig{});  // 10 MHz
  sc_core::sc_start(sc_time(1, SC_US));
  EXPECT_EQ(b.ini.read(Clint::kMtime, 8), 10u);
  EXPECT_EQ(b.ini.read(Clint::kMtime, 4), 10u);
  EXPECT_EQ(b.ini.read(Clint::kMtime + 4, 4), 0u);
  b.ini.delay = sc_time(250, SC_NS);  // a decoupled initiator 250 ns ahead
  EXPECT_EQ(b.ini.read(Clint::kMtime, 8), 12u);
  b.ini.delay = sc_time(299, SC_NS);
  EXPECT_EQ(b.ini.read(Clint::kMtime, 8), 12u);  // ticks are floored
  b.ini.delay = sc_time(300, SC_NS);
  EXPECT_EQ(b.ini.read(Clint::kMtime, 8), 13u);
  // Debug reads see the kernel time.
  uint8_t buf[8] = {};
  EXPECT_EQ(b.ini.debug(tlm::TLM_READ_COMMAND, Clint::kMtime, buf, 8), 8u);
  EXPECT_EQ(buf[0], 10);
}

TEST_F(ClintTest, MtipRisesAtExactTimeWithOneEvent) {
  ClintConfig c;
  c.timebase_hz = 3'000'000;  // ticks do not fall on whole nanoseconds
  Bench b(c);
  sc_core::sc_start(sc_time(1, SC_US));
  EXPECT_FALSE(b.mtip.read());                   // mtimecmp resets to all ones
  EXPECT_FALSE(sc_core::sc_pending_activity());  // idle timer: no events at all
  b.ini.write(Clint::kMtimecmp, 7, 8);  // 7 / 3 MHz = 2333333.33 ps -> first tick at 2333334 ps
  imcvp::test::settle();
  EXPECT_EQ(sc_core::sc_time_to_pending_activity(), sc_time(2'333'334, SC_PS) - sc_time(1, SC_US));
  sc_core::sc_start(sc_time(10, SC_US));
  ASSERT_EQ(b.rec.rises.size(), 1u);
  EXPECT_EQ(b.rec.rises[0], sc_time(2'333'334, SC_PS));
  EXPECT_TRUE(b.mtip.read());
  EXPECT_FALSE(sc_core::sc_pending_activity());
  // Raising mtimecmp lowers mtip at once.
  b.ini.write(Clint::kMtimecmp, 1000, 8);
  imcvp::test::settle();
  EXPECT_FALSE(b.mtip.read());
  // Rescheduling replaces the earlier event: mtip rises only at the new time.
  b.ini.write(Clint::kMtimecmp, 60, 8);  // 20 us
  sc_core::sc_start(sc_time(100, SC_US));
  ASSERT_EQ(b.rec.rises.size(), 2u);
  EXPECT_EQ(b.rec.rises[1], sc_time(20, SC_US));
}

TEST_F(ClintTest, MtimecmpHalvesAndPastCompare) {
  Bench b(ClintConfig{});
  sc_core::sc_start(sc_time(1, SC_US));
  EXPECT_EQ(b.ini.read(Clint::kMtimecmp, 8), ~0ull);
  b.ini.write(Clint::kMtimecmp + 4, 0, 4);  // high half first (the usual idiom)
  EXPECT_EQ(b.ini.read(Clint::kMtimecmp, 8), 0xffff'ffffull);
  b.ini.write(Clint::kMtimecmp, 5, 4);  // already in the past: mtip now
  imcvp::test::settle();
  EXPECT_TRUE(b.mtip.read());
  ASSERT_EQ(b.rec.rises.size(), 1u);
  EXPECT_EQ(b.rec.rises[0], sc_time(1, SC_US));
}

TEST_F(ClintTest, MtimeWritable) {
  Bench b(ClintConfig{});
  sc_core::sc_start(sc_time(1, SC_US));
  b.ini.write(Clint::kMtime, 1000, 8);
  EXPECT_EQ(b.ini.read(Clint::kMtime, 8), 1000u);
  b.ini.write(Clint::kMtimecmp, 1005, 8);  // 0.5 us later
  sc_core::sc_start(sc_time(1, SC_US));
  EXPECT_EQ(b.ini.read(Clint::kMtime, 8), 1010u);
  ASSERT_EQ(b.rec.rises.size(), 1u);
  EXPECT_EQ(b.rec.rises[0], sc_time(1500, SC_NS));
  // Writing the high half only keeps the current low half.
  b.ini.write(Clint::kMtime + 4, 1, 4);
  EXPECT_EQ(b.ini.read(Clint::kMtime, 8), (1ull << 32) + 1010);
  imcvp::test::settle();
  EXPECT_TRUE(b.mtip.read());
  // Moving mtime backwards lowers mtip.
  b.ini.write(Clint::kMtime, 0, 8);
  imcvp::test::settle();
  EXPECT_FALSE(b.mtip.read());
}

TEST_F(ClintTest, MsipAndBadAccesses) {
  Bench b(ClintConfig{});
  imcvp::test::settle();
  EXPECT_EQ(b.ini.write(Clint::kMsip, 0xffff'ffff), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.ini.read(Clint::kMsip), 1u);  // only bit 0 exists
  imcvp::test::settle();
  EXPECT_TRUE(b.msip.read());
  b.ini.write(Clint::kMsip, 0);
  imcvp::test::settle();
  EXPECT_FALSE(b.msip.read());
  tlm::tlm_response_status st;
  b.ini.read(0x8, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.ini.read(Clint::kMtime + 2, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
}
