// Bad input is a first-class case (issue 2): every defect is a clear message and a documented
// exit status, never a crash or a hang.
#include <filesystem>
#include <fstream>

#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

TEST(BadInput, MissingFirmware) {
  auto r = run_imcvp({"run", "/nonexistent/fw.elf"});
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_TRUE(contains(r.err, "/nonexistent/fw.elf: cannot open firmware file")) << r.err;
}

TEST(BadInput, ForeignElfX86) {
  auto r = run_imcvp({"run", "/bin/true"});
  EXPECT_EQ(r.code, 65) << r.err;
  EXPECT_TRUE(contains(r.err, "/bin/true: 64-bit ELF for x86-64")) << r.err;
}

TEST(BadInput, NotAnElf) {
  auto r = run_imcvp({"run", std::string(IMCVP_SOURCE_DIR) + "/README.md"});
  EXPECT_EQ(r.code, 65) << r.err;
  EXPECT_TRUE(contains(r.err, "not an ELF file (bad magic)")) << r.err;
}

TEST(BadInput, TruncatedElf) {
  auto bytes = read_text(fw("hello"));
  ASSERT_GT(bytes.size(), 200u);
  auto dir = std::filesystem::temp_directory_path() / ("imcvp-trunc-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  write(dir / "head.elf", bytes.substr(0, 40));
  auto r = run_imcvp({"run", (dir / "head.elf").string()});
  EXPECT_EQ(r.code, 65) << r.err;
  EXPECT_TRUE(contains(r.err, "truncated ELF header")) << r.err;
  write(dir / "half.elf", bytes.substr(0, bytes.size() / 2));
  r = run_imcvp({"run", (dir / "half.elf").string()}, "2");
  EXPECT_EQ(r.code, 65) << r.err;
  EXPECT_TRUE(contains(r.err, "truncated")) << r.err;
}

TEST(BadInput, SegmentOutsideMemory) {
  // A 4 KiB TCM cannot hold hello: the loader names the segment and the memory map.
  auto r = run_imcvp({"run", "--set", "tcm.size_bytes=4096", fw("hello")});
  EXPECT_EQ(r.code, 65) << r.err;
  EXPECT_TRUE(contains(r.err, "outside")) << r.err;
}

TEST(BadInput, MalformedYaml) {
  auto r = run_imcvp({"run", "-c", "bad.yaml", fw("hello")});
  EXPECT_EQ(r.code, 66) << r.err;  // missing config file
  write(r.dir / "bad.yaml", "cpu:\n  clock_mhz: [1, 2\n");
  std::string cmd;
  r = run_imcvp({"run", "-c", (r.dir / "bad.yaml").string(), fw("hello")}, "2");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "bad.yaml:")) << r.err;
  EXPECT_TRUE(contains(r.err, "malformed YAML")) << r.err;
}

TEST(BadInput, UnknownKeyAndBadValue) {
  auto dir = std::filesystem::temp_directory_path() / ("imcvp-cfg-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  write(dir / "typo.yaml", "cpu:\n  clock_mhz: 100\n  clok_mhz: 5\n");
  auto r = run_imcvp({"run", "-c", (dir / "typo.yaml").string(), fw("hello")});
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "typo.yaml:3:3: cpu.clok_mhz: unknown key")) << r.err;
  write(dir / "range.yaml", "cpu:\n  clock_mhz: -5\n");
  r = run_imcvp({"run", "-c", (dir / "range.yaml").string(), fw("hello")}, "2");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "range.yaml:2:14: cpu.clock_mhz: value -5 out of range")) << r.err;
  r = run_imcvp({"run", "--set", "uart0.nosuch=1", fw("hello")}, "3");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "uart0.nosuch: unknown key")) << r.err;
  r = run_imcvp({"run", "--set", "cpu.dmi=perhaps", fw("hello")}, "4");
  EXPECT_EQ(r.code, 78) << r.err;
}

TEST(BadInput, UsageErrors) {
  auto r = run_imcvp({"run", "--max-time", "soon", fw("hello")});
  EXPECT_EQ(r.code, 64) << r.err;
  EXPECT_TRUE(contains(r.err, "--max-time soon")) << r.err;
  r = run_imcvp({"run"}, "2");
  EXPECT_EQ(r.code, 64) << r.err;
  r = run_imcvp({"frobnicate"}, "3");
  EXPECT_EQ(r.code, 64) << r.err;
  r = run_imcvp({"run", "--load", "nofile", fw("hello")}, "4");
  EXPECT_EQ(r.code, 64) << r.err;
}

TEST(BadInput, OutdirNotCreatable) {
  auto r = run_imcvp({"run", "-d", "/proc/imcvp-cannot-exist/out", fw("hello")});
  EXPECT_EQ(r.code, 73) << r.err;
  EXPECT_TRUE(contains(r.err, "cannot create output directory")) << r.err;
}

TEST(BadInput, IllegalInstructionWithoutHandler) {
  auto r = run_imcvp({"run", fw("fault-illegal")});
  EXPECT_EQ(r.code, 81) << r.err;
  EXPECT_TRUE(contains(r.err, "illegal instruction")) << r.err;
  EXPECT_TRUE(contains(r.err, "mcause")) << r.err;
  EXPECT_TRUE(contains(r.err, "0x8000")) << r.err;  // the pc in TCM
  EXPECT_EQ(r.run()["stop_reason"], "fatal-trap");
}

TEST(BadInput, JumpIntoUnmappedMemory) {
  auto r = run_imcvp({"run", fw("fault-jump")});
  EXPECT_EQ(r.code, 81) << r.err;
  EXPECT_TRUE(contains(r.err, "access fault")) << r.err;
}

TEST(BadInput, EndlessLoopStoppedByLimits) {
  auto r = run_imcvp({"run", "--max-insts", "100000", fw("hang")});
  EXPECT_EQ(r.code, 80) << r.err;
  EXPECT_TRUE(contains(r.err, "100000")) << r.err;
  EXPECT_EQ(r.stat("soc.cpu.instructions"), 100000);
  r = run_imcvp({"run", "--max-time", "2ms", fw("hang")}, "2");
  EXPECT_EQ(r.code, 80) << r.err;
  EXPECT_TRUE(contains(r.err, "time limit")) << r.err;
  EXPECT_EQ(r.run()["sim_time_ns"], 2e6);
}

}  // namespace
