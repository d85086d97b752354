// NoC engine speed: a KxK mesh with BookSim2's IQ router settings (16 VCs x 8 flits, 1-cycle
// stages, XY, round-robin priority), uniform traffic, 1-flit packets, no warm-up.
//
//   bench_noc [RATE [PACKET_FLITS [CYCLES [K]]]]     defaults: 0.3 1 100000 8
//   BOOKSIM2=/tmp/booksim2/src/booksim bench_noc 0.1 1 2000 32
//
// Prints simulated network cycles per second and flit-hops (router traversals) per second, per
// wall-clock and per CPU second (the machine is shared: CPU seconds are the steadier figure),
// and the peak resident memory. With BOOKSIM2 set to a BookSim2 binary (built outside the
// repository, e.g. commit 28f43299 with its own Makefile) it then runs BookSim2 on the same
// network, router and traffic (`booksim CFG k=K injection_rate=RATE packet_size=L
// warmup_periods=0 sample_period=CYCLES max_samples=1`) and prints both side by side. BookSim2
// does not count flit-hops; its figure is its cycle rate times imcvp's flit-hops per cycle (the
// same workload; both report the same latency and accepted rate). Results: docs/noc-validation.md.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "models/noc/traffic.h"

using namespace imcvp::noc;

namespace {

double cpu_seconds(const rusage& ru) {
  return double(ru.ru_utime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec) +
         double(ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_stime.tv_usec);
}

// BookSim2's latency-mode run of `cycles` cycles; returns false when it could not run.
bool run_booksim(const char* bin, uint32_t k, double rate, uint32_t flits, uint64_t cycles,
                 double& wall, double& cpu, long& rss_kib, std::string& latency) {
  const std::string dir = "/tmp/bench_noc_booksim." + std::to_string(getpid());
  const std::string cfg = dir + ".cfg", log = dir + ".log";
  {
    // shared/reference/booksim/mesh_base.cfg: everything else is BookSim's compiled-in default.
    std::ofstream f(cfg);
    f << "topology = mesh;\nk = 8;\nn = 2;\nrouting_function = dim_order;\ntraffic = uniform;\n"
         "packet_size = 1;\ninjection_rate_uses_flits = 1;\ninjection_rate = 0.1;\n"
         "sim_type = latency;\n";
  }
  const std::string args[] = {"k=" + std::to_string(k),
                              "injection_rate=" + std::to_string(rate),
                              "packet_size=" + std::to_string(flits),
                              "warmup_periods=0",
                              "sample_period=" + std::to_string(cycles),
                              "max_samples=1"};
  std::fflush(stdout);  // the child must not inherit (and print again) buffered output
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    if (!std::freopen(log.c_str(), "w", stdout)) _exit(127);
    execl(bin, bin, cfg.c_str(), args[0].c_str(), args[1].c_str(), args[2].c_str(), args[3].c_str(),
          args[4].c_str(), args[5].c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid) return false;
  wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  cpu = cpu_seconds(ru);
  rss_kib = ru.ru_maxrss;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Packet latency average = ", 0) == 0) latency = line.substr(25);
  std::remove(cfg.c_str());
  std::remove(log.c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && !latency.empty();
}

}  // namespace

int main(int argc, char** argv) {
  NocConfig c;
  const uint32_t k = argc > 4 ? uint32_t(std::atoi(argv[4])) : 8;
  c.size_x = c.size_y = k;
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
  rusage r0{}, r1{};
  getrusage(RUSAGE_SELF, &r0);
  auto t0 = std::chrono::steady_clock::now();
  TrafficResult r = run_traffic(c, t);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  getrusage(RUSAGE_SELF, &r1);
  const double cpu = cpu_seconds(r1) - cpu_seconds(r0);
  const double hops_per_cycle = double(r.flit_hops) / double(r.cycles);
  std::printf("%ux%u mesh, uniform, %.2f flits/node/cycle, %u-flit packets\n", k, k,
              t.injection_rate, t.packet_flits);
  std::printf("imcvp:    %llu cycles in %.3f s (%.3f s CPU), max RSS %ld KiB\n",
              static_cast<unsigned long long>(r.cycles), s, cpu, r1.ru_maxrss);
  std::printf("  network cycles/s  %10.0f wall  %10.0f CPU\n", r.cycles / s, r.cycles / cpu);
  std::printf("  flit-hops/s       %10.0f wall  %10.0f CPU   (%.1f flit-hops/cycle)\n",
              r.flit_hops / s, r.flit_hops / cpu, hops_per_cycle);
  std::printf("  router-cycles/s   %10.0f wall   (%u routers x cycles/s = %.0f)\n",
              r.router_cycles / s, k * k, double(k) * k * r.cycles / s);
  std::printf("  avg latency %.2f cycles, accepted %.4f flits/node/cycle\n", r.avg_packet_latency,
              r.accepted);
  const char* bin = std::getenv("BOOKSIM2");
  if (!bin || !*bin) return 0;
  double bw = 0, bc = 0;
  long brss = 0;
  std::string blat;
  if (!run_booksim(bin, k, t.injection_rate, t.packet_flits, t.measure_cycles, bw, bc, brss,
                   blat)) {
    std::fprintf(stderr, "bench_noc: BookSim2 (%s) did not run\n", bin);
    return 1;
  }
  const double bcycles = double(t.measure_cycles);
  std::printf("BookSim2: %.0f cycles in %.3f s (%.3f s CPU), max RSS %ld KiB, latency %s\n",
              bcycles, bw, bc, brss, blat.c_str());
  std::printf("  network cycles/s  %10.0f wall  %10.0f CPU\n", bcycles / bw, bcycles / bc);
  std::printf("  flit-hops/s       %10.0f wall  %10.0f CPU   (imcvp's flit-hops/cycle)\n",
              bcycles * hops_per_cycle / bw, bcycles * hops_per_cycle / bc);
  std::printf("imcvp / BookSim2: %.1fx (wall), %.1fx (CPU)\n", (r.cycles / s) / (bcycles / bw),
              (r.cycles / cpu) / (bcycles / bc));
  return 0;
}
