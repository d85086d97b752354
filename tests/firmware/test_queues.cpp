// Tile command queues on the whole platform: the pipeline app (three tiles as a queue pipeline
// vs the host-driven register path) on mesh, torus and bus interconnects, and queue_faults
// (malformed descriptors end in a STATUS word, a Q_ERROR interrupt and a log line naming tile,
// queue index and field).
#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

std::string config(const std::string& name) {
  return std::string(IMCVP_SOURCE_DIR) + "/configs/soc/" + name + ".yaml";
}

class Pipeline : public ::testing::TestWithParam<const char*> {};

TEST_P(Pipeline, MeetsSpeedupAndHostInstructionTargets) {
  const std::string ic = GetParam();
  auto r = run_imcvp({"run", "-c", config("pipeline-" + ic), fw("pipeline")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "pipeline: bit-exact: OK")) << r.out;
  EXPECT_EQ(r.stat("firmware.pipeline_ok"), 1);
  // Issue 12: >= 2.5x faster than the host-driven run, < 1/10 of its host instructions.
  EXPECT_GE(r.stat("firmware.speedup_x100"), 250) << r.out;
  // Host instructions per input include building the queue programs (one LOOP per tile).
  const double pipe = r.stat("firmware.host_instructions_per_input"),
               base = r.stat("firmware.host_instructions_per_input_base");
  EXPECT_GT(pipe, 0);
  EXPECT_LT(pipe * 10, base) << r.out;
  EXPECT_LE(r.stat("firmware.host_instructions_build"), pipe);
  // 32 inputs: tile 0 LOAD/MVM/WAIT/SEND, tiles 1-2 five descriptors per input, + the LOOP.
  EXPECT_EQ(r.stat("soc.tile0.queue.descriptors"), 4 * 32 + 1);
  EXPECT_EQ(r.stat("soc.tile1.queue.descriptors"), 5 * 32 + 1);
  EXPECT_EQ(r.stat("soc.tile2.queue.descriptors"), 5 * 32 + 1);
  for (int t = 0; t < 3; ++t)
    EXPECT_EQ(r.stat("soc.tile" + std::to_string(t) + ".queue.ops.loop"), 1) << t;
  for (int t = 0; t < 3; ++t) {
    const std::string p = "soc.tile" + std::to_string(t) + ".queue.";
    EXPECT_EQ(r.stat(p + "ops.mvm"), 32) << p;
    EXPECT_GT(r.stat(p + "ops.send"), 0) << p;
    EXPECT_EQ(r.stat(p + "errors"), 0) << p;
    EXPECT_EQ(r.stat("soc.tile" + std::to_string(t) + ".errors"), 0) << t;
  }
  EXPECT_EQ(r.stat("soc.tile0.queue.ops.load"), 32);
  EXPECT_EQ(r.stat("soc.tile2.queue.ops.store"), 32);
  EXPECT_EQ(r.stat("soc.tile2.queue.vec.requant"), 32);
  EXPECT_EQ(r.stat("soc.tile1.queue.send_bytes"), 32 * 128);
  // One external interrupt for the whole pipelined batch (tile 2's Q_EMPTY).
  EXPECT_EQ(r.stat("soc.cpu.interrupts.external"), 1);
  if (ic == "bus")
    EXPECT_EQ(r.stat("soc.noc.transactions"), -1) << "no NoC on the bus interconnect";
  else
    EXPECT_GT(r.stat("soc.noc.transactions"), 0);
}

INSTANTIATE_TEST_SUITE_P(Interconnects, Pipeline, ::testing::Values("mesh", "torus", "bus"));

TEST(QueueFaults, MalformedDescriptorsEndInStatusIrqAndLog) {
  auto r = run_imcvp({"run", "-c", config("pipeline-mesh"), fw("queue_faults")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.stat("firmware.faults_ok"), 4) << r.out;
  EXPECT_EQ(r.stat("firmware.faults_irqs"), 4) << r.out;
  EXPECT_EQ(r.stat("firmware.ring_wrap_ok"), 1) << r.out;
  const std::string log = r.out + r.err;
  // The model's log names tile, queue index and field of each failing descriptor.
  EXPECT_TRUE(contains(log, "tile0: queue[1]: ?: word 0: bad_op")) << log;
  EXPECT_TRUE(contains(log, "tile1: queue[20]: send: word 3: bad_tile")) << log;
  EXPECT_TRUE(contains(log, "tile2: queue[0]: load: word 1: dma")) << log;
  EXPECT_TRUE(contains(log, "tile0: queue[2]: wait: word 1: deadlock")) << log;
  EXPECT_TRUE(contains(log, "queue deadlock")) << log;
  // The firmware decoded the same from Q_STATUS, Q_ERR_INDEX and the STATUS words.
  EXPECT_TRUE(contains(r.out,
                       "tile0 queue[1]: unknown: word 0: bad_op (info 0x3f, STATUS "
                       "0x00000201)"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "tile1 queue[20]: send: word 3: bad_tile")) << r.out;
  EXPECT_TRUE(contains(r.out, "tile2 queue[0]: load: word 1: dma (info 0x70000000")) << r.out;
  EXPECT_TRUE(contains(r.out, "tile0 queue[2]: wait: word 1: deadlock")) << r.out;
  EXPECT_EQ(r.stat("soc.tile0.queue.errors"), 2);
  EXPECT_EQ(r.stat("soc.tile1.queue.errors"), 1);
  EXPECT_EQ(r.stat("soc.tile2.queue.errors"), 1);
  EXPECT_EQ(r.stat("soc.tile0.errors_by_code.bad_op"), 1);
  EXPECT_EQ(r.stat("soc.tile0.errors_by_code.deadlock"), 1);
  EXPECT_EQ(r.stat("soc.tile1.errors_by_code.bad_tile"), 1);
  EXPECT_EQ(r.stat("soc.tile2.errors_by_code.dma"), 1);
}

}  // namespace
