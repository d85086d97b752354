// DRAM engine speed: 100,000 random 64 B reads over the 16 GiB DDR4-2400 device, all issued
// at cycle 0 (the controller is always saturated; the trace of docs/dram-validation.md's
// saturated random case, test::rand_reads(100000, 0, 16 GiB, 1)). Reports requests per second
// of host time. Not a timed test (not run by ctest). Build with CMAKE_BUILD_TYPE=Release:
// debug builds check every command with the timing checker.
//
// Side by side with DRAMsim3 (issue 15 item 11, target >= 3x): time DRAMsim3 on the same
// trace (`/usr/bin/time dramsim3main DDR4_8Gb_x8_2400.ini -t rand_read_100k.trc -c 456878`)
// and pass its user CPU seconds as DRAMSIM3_SECONDS=...; the counter x_dramsim3 is then
// DRAMsim3's time over ours.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <ctime>
#include <random>

#include "models/dram/trace_replay.h"

using namespace imcvp::dram;

namespace {
std::vector<TraceRequest> random_reads(uint64_t n, uint64_t gap, uint64_t capacity) {
  std::mt19937_64 g(1);
  std::vector<TraceRequest> v;
  v.reserve(n);
  for (uint64_t i = 0; i < n; ++i)
    v.push_back({(g() % (capacity / 64)) * 64, false, i * gap, uint32_t(i + 1)});
  return v;
}

void run(benchmark::State& state, uint64_t gap) {
  DramConfig cfg;
  cfg.controller.powerdown_idle_cycles = 0;  // as DRAMsim3, which has no power-down
  auto reqs = random_reads(100000, gap, cfg.capacity_bytes());
  uint64_t cycles = 0;
  double cpu = 0;
  for (auto _ : state) {
    std::clock_t c0 = std::clock();
    DramEngine e(cfg);
    e.enable_self_check(false);
    TraceResult r = replay_trace(e, reqs);
    cycles = r.completion_cycle;
    benchmark::DoNotOptimize(r);
    cpu += double(std::clock() - c0) / CLOCKS_PER_SEC;
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(reqs.size()));
  state.counters["dram_cycles"] = double(cycles);
  if (const char* d = std::getenv("DRAMSIM3_SECONDS"); d && gap == 0 && cpu > 0)
    state.counters["x_dramsim3"] = std::atof(d) / (cpu / double(state.iterations()));
}
}  // namespace

static void BM_RandomReads100k_Saturated(benchmark::State& s) {
  run(s, 0);
}
static void BM_RandomReads100k_Gap200(benchmark::State& s) {
  run(s, 200);
}
BENCHMARK(BM_RandomReads100k_Saturated)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RandomReads100k_Gap200)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
