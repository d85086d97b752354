// Run outputs (issue 15): checked before the run (writable outdir, no collisions with other
// output files), stale ones removed, and SIGINT/SIGTERM end a run with complete outputs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/firmware/harness.h"

using namespace imcvp::test;
namespace fs = std::filesystem;

namespace {

TEST(Outputs, UnwritableOutdirFailsBeforeRunning) {
  auto r = run_imcvp({"run", "-d", "/proc", fw("hello")});
  EXPECT_EQ(r.code, 73) << r.err;
  EXPECT_TRUE(contains(r.err, "not writable")) << r.err;
  EXPECT_FALSE(contains(r.out, "Hello")) << "the firmware must not have run\n" << r.out;
}

TEST(Outputs, StaleOutputsAreRemovedBeforeTheRun) {
  const fs::path out =
      fs::temp_directory_path() / ("imcvp-test-" + std::to_string(getpid())) / "stale-out";
  fs::remove_all(out);
  fs::create_directories(out);
  for (const char* n : {"stats.json", "stats.txt", "config.yaml", "run.json"})
    std::ofstream(out / n) << "{\"stale\": true}";
  // A run that fails after the outdir is prepared (a --load file is missing) leaves no output
  // that could pass for its own.
  auto r =
      run_imcvp({"run", "-d", out.string(), "--load", "/nonexistent.bin@0x80010000", fw("hello")});
  EXPECT_EQ(r.code, 66) << r.err;
  for (const char* n : {"stats.json", "stats.txt", "config.yaml", "run.json"})
    EXPECT_FALSE(fs::exists(out / n)) << n;
  fs::remove_all(out);
}

TEST(Outputs, CollidingOutputPathsAreRefused) {
  struct Case {
    std::vector<std::string> args;
    int code;
  };
  const std::vector<Case> cases = {
      {{"--itrace", "out/stats.json"}, 64},
      {{"--itrace", "./out/../out/run.json"}, 64},
      {{"--signature", "out/config.yaml"}, 64},
      {{"--vcd", "out/stats"}, 0},  // writes out/stats.vcd: no collision
      {{"--itrace", "same.txt", "--signature", "same.txt"}, 64},
      {{"--set", "uart0.tx=out/stats.txt"}, 78},
  };
  int i = 0;
  for (const auto& c : cases) {
    std::vector<std::string> args = {"run", "-d", "out"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    if (c.code) {  // a refused run must not start: if it did, it would end with 80
      args.push_back("--max-time");
      args.push_back("1ms");
    }
    args.push_back(fw(c.code == 0 ? "hello" : "hang"));
    auto r = run_imcvp(args, std::to_string(i++));
    EXPECT_EQ(r.code, c.code) << c.args[0] << " " << c.args[1] << "\n" << r.err;
    if (c.code) {
      EXPECT_TRUE(contains(r.err, "choose another file")) << r.err;
    }
  }
}

// Starts imcvp on the endless `hang` firmware, sends `sig` once it runs, returns the status.
RunResult interrupt_run(int sig, const std::string& tag) {
  RunResult r;
  r.dir =
      fs::temp_directory_path() / ("imcvp-test-" + std::to_string(getpid())) / ("signal-" + tag);
  fs::remove_all(r.dir);
  fs::create_directories(r.dir);
  const std::string out = (r.dir / "out").string(), so = (r.dir / "stdout.txt").string(),
                    se = (r.dir / "stderr.txt").string(), elf = fw("hang");
  pid_t pid = fork();
  if (pid == 0) {
    freopen(so.c_str(), "w", stdout);
    freopen(se.c_str(), "w", stderr);
    execl(IMCVP_BIN, IMCVP_BIN, "run", "-d", out.c_str(), elf.c_str(), (char*)nullptr);
    _exit(127);
  }
  // Wait until the run is simulating (the outdir is prepared just before), then a bit more.
  for (int i = 0; i < 200 && !fs::exists(r.dir / "out"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, sig);
  int st = 0;
  waitpid(pid, &st, 0);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_text(so);
  r.err = read_text(se);
  return r;
}

TEST(Outputs, SigintStopsTheRunWithCompleteOutputs) {
  auto r = interrupt_run(SIGINT, "int");
  EXPECT_EQ(r.code, 130) << r.err;
  ASSERT_TRUE(fs::exists(r.dir / "out/run.json")) << r.err;
  auto run = r.run();
  EXPECT_EQ(run["stop_reason"], "signal");
  EXPECT_EQ(run["exit_code"], 130);
  EXPECT_GT(run["instructions"].get<double>(), 1000);
  EXPECT_GT(r.stat("soc.cpu.instructions"), 1000);  // stats.json complete and parseable
  EXPECT_TRUE(fs::exists(r.dir / "out/config.yaml"));
  EXPECT_TRUE(contains(r.err, "stopped by SIGINT")) << r.err;
  EXPECT_TRUE(contains(r.out, "imcvp summary")) << r.out;
}

TEST(Outputs, SigtermStopsTheRunWithCompleteOutputs) {
  auto r = interrupt_run(SIGTERM, "term");
  EXPECT_EQ(r.code, 143) << r.err;
  ASSERT_TRUE(fs::exists(r.dir / "out/run.json")) << r.err;
  EXPECT_EQ(r.run()["stop_reason"], "signal");
}

}  // namespace
