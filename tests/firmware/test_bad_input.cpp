// Bad input is a first-class case (issue 2): every defect is a clear message and a documented
// exit status, never a crash or a hang.
#include <elf.h>

#include <cstdio>
#include <cstring>
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
  // A 4 KiB TCM cannot hold hello: the loader names the segment and the memory map. (Without
  // --allow-mismatch the platform note's TCM size stops the run first: PlatformNote.*.)
  auto r = run_imcvp({"run", "--allow-mismatch", "--set", "tcm.size_bytes=4096", fw("hello")});
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

// Like run_imcvp, under `timeout` (old code read /dev/zero forever) and optionally a
// virtual-memory limit (KiB), so a too-large allocation fails instead of swapping the host.
RunResult run_bounded(const std::vector<std::string>& args, const std::string& tag,
                      long vmem_kib = 0) {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("imcvp-test-" + std::to_string(getpid())) /
                              (std::string(info->test_suite_name()) + "." + info->name() + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string cmd = "cd " + shell_quote(dir.string()) + " && ";
  if (vmem_kib) cmd += "ulimit -v " + std::to_string(vmem_kib) + " && ";
  cmd += "timeout -s KILL 60 " + shell_quote(IMCVP_BIN);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  if (!args.empty() && args[0] == "run") cmd += " -d out";
  cmd += " < /dev/null > stdout.txt 2> stderr.txt";
  int st = std::system(cmd.c_str());
  RunResult r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_text(dir / "stdout.txt");
  r.err = read_text(dir / "stderr.txt");
  r.dir = dir;
  return r;
}

// Issue 15 item 4: a second `cpu:` section was ignored, unknown keys and all.
TEST(BadInput, DuplicateYamlKeys) {
  auto r = run_imcvp({"run", "--dump-config"});  // for the scratch dir
  write(r.dir / "dup.yaml", "cpu:\n  clock_mhz: 100\nsim:\n  seed: 3\ncpu:\n  clok_mhz: 5\n");
  r = run_imcvp({"run", "-c", (r.dir / "dup.yaml").string(), fw("hello")}, "2");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_TRUE(contains(r.err, "dup.yaml:5:1: cpu: duplicate key (first at "));
  EXPECT_TRUE(contains(r.err, "dup.yaml:1:1)")) << r.err;
}

// Issue 15 item 5: every numeric option parses strictly and names its range.
TEST(BadInput, StrictNumericOptions) {
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string msg;
  };
  const std::string u64 = "[0, 18446744073709551615]";
  const std::vector<Case> cases = {
      {{"run", "--seed", "-1", fw("hello")}, 64, "--seed: '-1' is not an integer in " + u64},
      {{"run", "--seed", "18446744073709551616", fw("hello")},
       64,
       "'18446744073709551616' is not an integer in " + u64},
      {{"run", "--max-insts", "-1", fw("hello")}, 64, "--max-insts: '-1' is not an integer in "},
      {{"run", "--max-insts", "1e3", fw("hello")}, 64, "'1e3' is not an integer in "},
      {{"run", "-c", IMCVP_SOURCE_DIR, fw("hello")}, 66, "is a directory, not a file"},
      {{"run", "--trace=", fw("hello")}, 64, "--trace=: empty value"},
      {{"run", "--load", std::string(IMCVP_SOURCE_DIR) + "/README.md@-1", fw("hello")},
       64,
       "bad address '-1' (expected an address in [0, 0xffffffff])"},
      {{"run", "--load", std::string(IMCVP_SOURCE_DIR) + "/README.md@0x100000000", fw("hello")},
       64,
       "bad address '0x100000000' (expected an address in [0, 0xffffffff])"},
      {{"run", "--progress", "-1", fw("hello")}, 64, "'-1' is not a number in [0, 86400]"},
      {{"run", "--progress", "soon", fw("hello")}, 64, "'soon' is not a number in [0, 86400]"},
      {{"dram-trace", "--progress", "nan", "t.trace"}, 64, "'nan' is not a number in [0, 86400]"},
      {{"traffic", "--injection-rate", "-1"}, 64, "'-1' is not a number in [0, 64]"},
      {{"traffic", "--injection-rate", "nan"}, 64, "'nan' is not a number in [0, 64]"},
      {{"traffic", "--seed", "-5"}, 64, "'-5' is not an integer in [0, 9223372036854775807]"},
      {{"traffic", "--packet-flits", "0"}, 64, "'0' is not an integer in [1, 4096]"},
      {{"traffic", "--sweep", "0:0.5:1e-12"},
       64,
       "--sweep 0:0.5:1e-12: gives 500000000001 points; at most 10000"},
      {{"traffic", "-c", IMCVP_SOURCE_DIR}, 66, "is a directory, not a file"},
      {{"dram-trace", "-c", "/dev/zero", "t.trace"}, 66, "/dev/zero: not a regular file"},
  };
  int i = 0;
  for (const auto& c : cases) {
    auto r = run_bounded(c.args, std::to_string(i++));
    EXPECT_EQ(r.code, c.code) << c.args[1] << " " << c.args[2] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.msg)) << c.msg << " not in: " << r.err;
  }
  // The seed still takes all of 64 bits, in hex too.
  auto r = run_imcvp({"run", "--seed", "0xffffffffffffffff", "--dump-config"}, "hex");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "seed: 18446744073709551615")) << r.out;
}

// Issue 15 item 6: /dev/zero as firmware, --load file or config grew memory forever. The
// 2 GB address-space limit catches that growth; under ASan (terabytes of shadow memory
// reserved) only the 60 s timeout of run_bounded does.
#ifdef IMCVP_SANITIZED
constexpr long kUnboundedVmemKib = 0;
#else
constexpr long kUnboundedVmemKib = 2'000'000;
#endif
TEST(BadInput, UnboundedInputsRefused) {
  auto r = run_bounded({"run", "/dev/zero"}, "fw", kUnboundedVmemKib);
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_TRUE(contains(r.err, "/dev/zero: not a regular file")) << r.err;
  r = run_bounded({"run", "--load", "/dev/zero@0x80080000", fw("hello")}, "load",
                  kUnboundedVmemKib);
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_TRUE(contains(r.err, "--load /dev/zero: not a regular file")) << r.err;
  r = run_bounded({"run", "-c", "/dev/zero", fw("hello")}, "cfg", kUnboundedVmemKib);
  EXPECT_EQ(r.code, 66) << r.err;
  EXPECT_TRUE(contains(r.err, "/dev/zero: not a regular file")) << r.err;
}

// Issue 15 item 7: one case per exit status of docs/cli.md's table (82: Gdb tests; 130/143:
// Outputs.Signal*; 70 has no trigger short of a bug).
TEST(BadInput, ExitCodeCategories) {
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string msg;
    long vmem_kib = 0;
  };
  const std::vector<Case> cases = {
      // 64: bad command line (was 81, "firmware fault").
      {{"traffic", "--injection-rate", "2"},
       64,
       "--injection-rate 2: rate 2 flits/node/cycle exceeds one packet per node per cycle; with "
       "1-flit packets it must be in [0, 1]"},
      // 65: unloadable firmware.
      {{"run", std::string(IMCVP_SOURCE_DIR) + "/README.md"}, 65, "not an ELF file"},
      // 66: a directory as firmware (was 70, "internal error").
      {{"run", IMCVP_FW_DIR}, 66, "is a directory, not a firmware file"},
      // 73: an unwritable uart0.tx (was 66, "missing input").
      {{"run", "--set", "uart0.tx=/proc/imcvp-nonexistent/tx.txt", fw("hello")},
       73,
       "uart0.tx /proc/imcvp-nonexistent/tx.txt: cannot write the file"},
      // 78: a boot ROM too small for the reset stub (was 70).
      {{"run", "--set", "boot_rom.size_bytes=16", fw("hello")},
       78,
       "boot_rom.size_bytes: the boot ROM (16 B) is too small for the 28 B reset stub"},
      // 78: a 4 GiB TCM and a window crossing 4 GiB (both passed validation).
      {{"run", "--set", "tcm.size_bytes=0x1_0000_0000", fw("hello")},
       78,
       "tcm: window [0x80000000, 0x180000000) crosses the end of the 32-bit address space"},
      {{"run", "--set", "tcm.base=0xffff0000", "--set", "tcm.size_bytes=0x20000", fw("hello")},
       78,
       "tcm: window [0xffff0000, 0x100010000) crosses the end of the 32-bit address space"},
      // 78: std::bad_alloc from a huge DRAM geometry (was 66).
      {{"run", "--set", "dram.device.org.channels=64", "--set", "dram.device.org.ranks=16", "--set",
        "dram.device.org.bank_groups=16", "--set", "dram.device.org.banks_per_group=64", "--set",
        "dram.device.org.rows=16777216", "--set", "dram.device.org.columns=65536", fw("hello")},
       78,
       "out of host memory building the configured platform",
       4'000'000},
      // 80, 81.
      {{"run", "--max-insts", "1000", fw("hang")}, 80, "1000"},
      {{"run", fw("fault-illegal")}, 81, "illegal instruction"},
  };
  int i = 0;
  for (const auto& c : cases) {
#ifdef IMCVP_SANITIZED
    if (c.vmem_kib) continue;  // ASan reserves terabytes of shadow memory: no ulimit -v
#endif
    auto r = run_bounded(c.args, std::to_string(i++), c.vmem_kib);
    EXPECT_EQ(r.code, c.code) << c.args[1] << " " << c.args[2] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, c.msg)) << c.msg << " not in: " << r.err;
  }
}

// Issue 15 item 9, end to end: hello.elf with its data segment moved onto its code (the test
// builds the ELF: the second PT_LOAD's p_paddr becomes the first's + 0x100).
TEST(BadInput, OverlappingSegmentsRefused) {
  std::string bytes = read_text(fw("hello"));
  ASSERT_GT(bytes.size(), sizeof(Elf32_Ehdr));
  Elf32_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof eh);
  std::vector<std::size_t> loads;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf32_Phdr ph;
    std::size_t off = eh.e_phoff + i * sizeof(Elf32_Phdr);
    std::memcpy(&ph, bytes.data() + off, sizeof ph);
    if (ph.p_type == PT_LOAD && ph.p_memsz) loads.push_back(off);
  }
  ASSERT_GE(loads.size(), 2u);
  Elf32_Phdr code, data;
  std::memcpy(&code, bytes.data() + loads[0], sizeof code);
  std::memcpy(&data, bytes.data() + loads[1], sizeof data);
  ASSERT_GT(code.p_memsz, 0x100u + data.p_memsz);
  data.p_paddr = data.p_vaddr = code.p_paddr + 0x100;
  std::memcpy(bytes.data() + loads[1], &data, sizeof data);
  auto r = run_imcvp({"run", "--dump-config"});  // for the scratch dir
  write(r.dir / "overlap.elf", bytes);
  r = run_imcvp({"run", (r.dir / "overlap.elf").string()}, "2");
  EXPECT_EQ(r.code, 65) << r.err;
  char want[160];
  std::snprintf(want, sizeof want,
                "PT_LOAD segments overlap: [0x%08x, 0x%08x) and [0x%08x, 0x%08x)", code.p_paddr,
                code.p_paddr + code.p_memsz, data.p_paddr, data.p_paddr + data.p_memsz);
  EXPECT_TRUE(contains(r.err, want)) << want << " not in: " << r.err;
}

}  // namespace
