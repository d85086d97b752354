// bench_iss: host MIPS of Rv32Core on a CPU-bound integer loop (bit-serial CRC-32, the inner
// loop as GCC compiles it) with a DMI memory. Build in Release to measure:
//   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build-rel bench_iss
//   build-rel/tests/bench/bench_iss [passes=1024] [--no-dmi]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <systemc>

#include "models/common/run_control.h"
#include "tests/models/cpu/cpu_bench.h"

namespace {
uint32_t crc_ref(uint32_t passes) {
  static uint8_t buf[4096];
  uint32_t s = 12345;
  for (int i = 0; i < 4096; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    buf[i] = static_cast<uint8_t>(s);
  }
  uint32_t c = 0xffffffffu;
  for (uint32_t p = 0; p < passes; ++p)
    for (int i = 0; i < 4096; ++i) {
      c ^= buf[i];
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
  return ~c;
}
}  // namespace

int sc_main(int argc, char** argv) {
  uint32_t passes = 1024;
  bool dmi = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-dmi") == 0)
      dmi = false;
    else
      passes = static_cast<uint32_t>(std::strtoul(argv[i], nullptr, 0));
  }
  if (passes == 0) passes = 1;
  imcvp::cpu::CpuConfig cfg;
  cfg.dmi = dmi;
  cfg.quantum_ns = 1000000;  // 1 ms
  imcvp::test::CoreBench tb(cfg);
  if (!tb.bench.load(BENCH_PROG)) {
    std::fprintf(stderr, "bench_iss: cannot load %s\n", BENCH_PROG);
    return 1;
  }
  tb.bench.set_word(0x80000ff0u, passes);
  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const auto t1 = std::chrono::steady_clock::now();
  const double s = std::chrono::duration<double>(t1 - t0).count();
  const auto& info = imcvp::RunControl::get().info();
  const uint32_t got = tb.bench.word(0x80000ff4u), want = crc_ref(passes);
  const uint64_t n = tb.core.instret();
  std::printf("bench_iss: crc32 passes=%u dmi=%d instructions=%llu cycles=%llu\n", passes, dmi,
              static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(tb.core.cycles()));
  std::printf("bench_iss: crc=0x%08x (%s) stop=%s wall=%.3f s  MIPS=%.1f\n", got,
              got == want ? "ok" : "MISMATCH", imcvp::stop_reason_name(info.reason), s,
              double(n) / s / 1e6);
  return got == want ? 0 : 2;
}
