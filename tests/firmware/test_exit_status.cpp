// A failing firmware never exits 0 (issue 15): every exit mechanism with a nonzero code whose
// low 8 bits are 0 gives process exit status 1; run.json and the summary keep the full code.
#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

struct Case {
  const char* app;
  int status;          // process exit status
  int64_t code;        // run.json exit_code
  const char* reason;  // run.json stop_reason
};

void check(const RunResult& r, const Case& c) {
  EXPECT_EQ(r.code, c.status) << c.app << "\n" << r.out << r.err;
  auto run = r.run();
  EXPECT_EQ(run["exit_code"].get<int64_t>(), c.code) << c.app;
  EXPECT_EQ(run["exit_status"].get<int>(), c.status) << c.app;
  EXPECT_EQ(run["stop_reason"], c.reason) << c.app;
  EXPECT_TRUE(contains(r.out, "exit                         " + std::to_string(c.code) + " ("))
      << c.app << ": the summary shows the full code\n"
      << r.out;
}

TEST(ExitStatus, FinisherFailWithCode256IsNotZero) {
  check(run_imcvp({"run", fw("exit-finisher-fail256")}),
        {"exit-finisher-fail256", 1, 256, "finisher"});
}

TEST(ExitStatus, FinisherFailWithCode0IsNotZero) {
  check(run_imcvp({"run", fw("exit-finisher-fail0")}), {"exit-finisher-fail0", 1, 0, "finisher"});
}

TEST(ExitStatus, FinisherFailKeepsANonzeroLowByte) {
  check(run_imcvp({"run", fw("exit-finisher-fail259")}),
        {"exit-finisher-fail259", 3, 259, "finisher"});
}

TEST(ExitStatus, SimCtrlExit512IsNotZero) {
  auto r = run_imcvp({"run", fw("exit-simctrl-512")});
  check(r, {"exit-simctrl-512", 1, 512, "finisher"});
  EXPECT_TRUE(contains(r.out, "process exit status 1")) << r.out;
}

TEST(ExitStatus, SemihostingExit256IsNotZero) {
  check(run_imcvp({"run", fw("exit-semihost-256")}),
        {"exit-semihost-256", 1, 256, "semihost-exit"});
}

TEST(ExitStatus, PassIsZero) {
  auto r = run_imcvp({"run", fw("hello")});
  check(r, {"hello", 0, 0, "finisher"});
  EXPECT_FALSE(contains(r.out, "process exit status")) << r.out;
}

}  // namespace
