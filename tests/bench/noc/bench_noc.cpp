// NoC engine speed: 8x8 mesh with BookSim2's IQ router settings (16 VCs x 8 flits, 1-cycle
// stages, XY), uniform traffic at 0.3 flits/node/cycle, 1-flit packets. Prints simulated
// network cycles per second, router-cycles per second (router evaluations: one router in one
// cycle) and flit-hops per second. BookSim2 (commit 28f43299, -O3) ran the same network at
// ~1,880 network cycles/s side by side on the 2-core development machine (docs/noc-validation.md)
// on this configuration (shared/NOTES.md); the target is >= 2x. Build with
// -DCMAKE_BUILD_TYPE=Release.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "models/noc/traffic.h"

using namespace imcvp::noc;

int main(int argc, char** argv) {
  NocConfig c;
  c.size_x = c.size_y = 8;
  c.router.vcs = 16;
  c.router.buffer_depth_flits = 8;
  c.router.vnets = 1;
  c.router.arbitration = "round_robin";  // BookSim's priority = none (configs/noc/booksim-iq.yaml)
  TrafficConfig t;
  t.injection_rate = argc > 1 ? std::atof(argv[1]) : 0.3;
  t.packet_flits = argc > 2 ? uint32_t(std::atoi(argv[2])) : 1;
  t.warmup_cycles = 0;
  t.measure_cycles = argc > 3 ? uint64_t(std::atoll(argv[3])) : 100000;
  t.drain_cycles = 10000;
  auto t0 = std::chrono::steady_clock::now();
  TrafficResult r = run_traffic(c, t);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("8x8 mesh, uniform, %.2f flits/node/cycle, %u-flit packets: %llu cycles in %.3f s\n",
              t.injection_rate, t.packet_flits, static_cast<unsigned long long>(r.cycles), s);
  std::printf("  network cycles/s  %12.0f   (BookSim2 ~1,880 side by side; %.1fx)\n", r.cycles / s,
              r.cycles / s / 1880.0);
  std::printf("  router-cycles/s   %12.0f   (64 routers x cycles/s = %.0f)\n", r.router_cycles / s,
              64 * r.cycles / s);
  std::printf("  flit-hops/s       %12.0f\n", r.flit_hops / s);
  std::printf("  avg latency %.2f cycles, accepted %.4f flits/node/cycle\n", r.avg_packet_latency,
              r.accepted);
  return 0;
}
