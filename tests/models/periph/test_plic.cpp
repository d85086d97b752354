// PLIC bench: priorities, threshold, claim/complete, level-triggered gateways, ties,
// enables, pending bits and tie-off of unbound inputs.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "models/periph/plic.h"
#include "tests/models/periph/test_initiator.h"
#include "tests/util/sc_fixture.h"

using imcvp::periph::Plic;
using imcvp::periph::PlicConfig;
using imcvp::test::TestInitiator;

namespace {

struct Bench {
  Plic plic;
  TestInitiator ini{"ini"};
  sc_core::sc_signal<bool> meip{"meip_sig"};
  std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> lines;  // sources 1..8 driven
  explicit Bench(const PlicConfig& c = {}) : plic("plic", c) {
    ini.socket.bind(plic.socket);
    plic.meip(meip);
    for (unsigned i = 0; i <= 8; ++i) {
      lines.push_back(
          std::make_unique<sc_core::sc_signal<bool>>(sc_core::sc_gen_unique_name("line")));
      if (i > 0) plic.irq_in[i](*lines.back());
    }
  }
  void set(unsigned src, bool v) {
    lines[src]->write(v);
    imcvp::test::settle();
  }
  void settle() { imcvp::test::settle(); }
  uint64_t claim() { return ini.read(Plic::kClaim); }
  void complete(uint64_t id) { ini.write(Plic::kClaim, id); }
};

class PlicTest : public imcvp::test::ScFixture {};

}  // namespace

TEST_F(PlicTest, PriorityOrderClaimComplete) {
  Bench b;
  b.settle();
  b.ini.write(Plic::kPriority + 4 * 1, 3);
  b.ini.write(Plic::kPriority + 4 * 5, 5);
  b.ini.write(Plic::kEnable, (1u << 1) | (1u << 5));
  b.set(1, true);
  b.set(5, true);
  EXPECT_TRUE(b.meip.read());
  EXPECT_EQ(b.ini.read(Plic::kPending), (1u << 1) | (1u << 5));
  EXPECT_EQ(b.claim(), 5u);
  EXPECT_EQ(b.claim(), 1u);
  EXPECT_EQ(b.claim(), 0u);  // nothing left: claimed sources are masked
  b.settle();
  EXPECT_FALSE(b.meip.read());
  EXPECT_EQ(b.ini.read(Plic::kPending), 0u);
  // Completing 5 while its line is still high makes it pending again (level-triggered).
  b.complete(5);
  b.settle();
  EXPECT_TRUE(b.meip.read());
  EXPECT_EQ(b.claim(), 5u);
  // Completion with the line low: nothing pending.
  b.set(5, false);
  b.complete(5);
  b.set(1, false);
  b.complete(1);
  b.settle();
  EXPECT_FALSE(b.meip.read());
  EXPECT_EQ(b.claim(), 0u);
}

TEST_F(PlicTest, ThresholdAndTies) {
  Bench b;
  b.settle();
  b.ini.write(Plic::kPriority + 4 * 2, 4);
  b.ini.write(Plic::kPriority + 4 * 3, 4);
  b.ini.write(Plic::kEnable, 0xff);
  b.ini.write(Plic::kThreshold, 4);
  b.set(3, true);
  b.set(2, true);
  EXPECT_FALSE(b.meip.read());  // priority must exceed the threshold
  EXPECT_EQ(b.claim(), 0u);
  b.ini.write(Plic::kThreshold, 3);
  b.settle();
  EXPECT_TRUE(b.meip.read());
  EXPECT_EQ(b.claim(), 2u);  // equal priority: lowest id first
  EXPECT_EQ(b.claim(), 3u);
  // Priority 0 never interrupts.
  b.ini.write(Plic::kThreshold, 0);
  b.set(4, true);
  EXPECT_FALSE(b.meip.read());
}

TEST_F(PlicTest, GatewayFollowsLevelAndEnables) {
  Bench b;
  b.settle();
  b.ini.write(Plic::kPriority + 4 * 7, 1);
  b.set(7, true);
  EXPECT_TRUE(b.plic.pending(7));
  EXPECT_FALSE(b.meip.read());  // not enabled
  b.ini.write(Plic::kEnable, 1u << 7);
  b.settle();
  EXPECT_TRUE(b.meip.read());
  b.set(7, false);  // line dropped before the claim (QEMU semantics: no longer pending)
  EXPECT_FALSE(b.plic.pending(7));
  EXPECT_FALSE(b.meip.read());
  // Completion of a source that was never claimed, or is disabled, is ignored.
  b.set(7, true);
  EXPECT_EQ(b.claim(), 7u);
  b.ini.write(Plic::kEnable, 0);
  b.complete(7);
  b.ini.write(Plic::kEnable, 1u << 7);
  b.settle();
  EXPECT_FALSE(b.meip.read());  // still claimed
  b.complete(7);
  b.settle();
  EXPECT_TRUE(b.meip.read());
}

TEST_F(PlicTest, RegisterMasksAndErrors) {
  PlicConfig c;
  c.num_sources = 40;  // two enable words, the second partly valid
  Bench b(c);
  b.settle();
  b.ini.write(Plic::kPriority + 4, 0xffff'ffff);
  EXPECT_EQ(b.ini.read(Plic::kPriority + 4), 7u);  // 3 priority bits
  b.ini.write(Plic::kPriority, 5);
  EXPECT_EQ(b.ini.read(Plic::kPriority), 0u);  // source 0 does not exist
  b.ini.write(Plic::kEnable, 0xffff'ffff);
  EXPECT_EQ(b.ini.read(Plic::kEnable), 0xffff'fffeu);
  b.ini.write(Plic::kEnable + 4, 0xffff'ffff);
  EXPECT_EQ(b.ini.read(Plic::kEnable + 4), 0xffu);  // sources 32..39
  b.ini.write(Plic::kThreshold, 0xff);
  EXPECT_EQ(b.ini.read(Plic::kThreshold), 7u);
  tlm::tlm_response_status st;
  b.ini.read(Plic::kPriority + 4 * 40, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.ini.read(Plic::kEnable + 8, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  b.ini.read(0x200008, 4, &st);
  EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.ini.write(Plic::kPending, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
  // A debug read of CLAIM does not claim.
  b.ini.write(Plic::kThreshold, 0);
  b.ini.write(Plic::kPriority + 4 * 2, 1);
  b.set(2, true);
  uint8_t buf[4] = {};
  EXPECT_EQ(b.ini.debug(tlm::TLM_READ_COMMAND, Plic::kClaim, buf, 4), 4u);
  EXPECT_EQ(buf[0], 2);
  EXPECT_TRUE(b.plic.pending(2));
  EXPECT_EQ(b.claim(), 2u);
}

TEST_F(PlicTest, BadConfigRejected) {
  PlicConfig c;
  c.num_sources = 1;
  EXPECT_THROW(Plic("p1", c), std::invalid_argument);
  c.num_sources = 2000;
  EXPECT_THROW(Plic("p2", c), std::invalid_argument);
  c.num_sources = 8;
  c.priority_bits = 0;
  EXPECT_THROW(Plic("p3", c), std::invalid_argument);
}
