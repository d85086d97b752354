// DRAM engine speed: 100,000 random 64 B reads over the 16 GiB DDR4-2400 device, all issued
// at cycle 0 (the controller is always saturated), as DRAMsim3 is measured on this machine
// (~1 s, it ticks every DRAM cycle). Reports requests per second of host time. Build with
// CMAKE_BUILD_TYPE=Release: debug builds check every command with the timing checker.
#include <benchmark/benchmark.h>

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
  auto reqs = random_reads(100000, gap, cfg.capacity_bytes());
  uint64_t cycles = 0;
  for (auto _ : state) {
    DramEngine e(cfg);
    e.enable_self_check(false);
    TraceResult r = replay_trace(e, reqs);
    cycles = r.completion_cycle;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(reqs.size()));
  state.counters["dram_cycles"] = double(cycles);
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
