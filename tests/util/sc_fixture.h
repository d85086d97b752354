// GoogleTest fixture giving every test a fresh SystemC simulation context, so several
// independent simulations (elaborate, sc_start, tear down) can run in one test binary.
// The previous context is deliberately leaked rather than deleted: deleting a context whose
// modules are still referenced by the test would be unsafe, and the leak is per test.
#pragma once

#include <gtest/gtest.h>
#include <systemc>

#include "models/common/run_control.h"

namespace imcvp::test {

class ScFixture : public ::testing::Test {
 protected:
  void SetUp() override { fresh_context(); }
  void TearDown() override { RunControl::get().reset(); }

  static void fresh_context() {
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
    RunControl::get().reset();
  }
};

}  // namespace imcvp::test
