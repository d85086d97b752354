// Bring-up that survives a config change (issue 16): the device tree imcvp passes in a1, the
// SDK's discovery from it (the shipped apps keep working after moving DRAM, the tile base or
// the tile stride), and the firmware/config mismatch check of the SDK's platform note.
#include <cstdio>
#include <cstring>

#include "tests/firmware/harness.h"

using namespace imcvp::test;

namespace {

bool have(const char* tool) {
  return std::system((std::string("command -v ") + tool + " > /dev/null 2>&1").c_str()) == 0;
}

// Decodes a DTB with Debian's dtc; returns the DTS (empty on failure) and dtc's stderr.
std::string dtc_decode(const std::filesystem::path& dtb, std::string* err = nullptr) {
  auto dts = dtb.string() + ".dts", log = dtb.string() + ".log";
  std::string cmd = "dtc -I dtb -O dts -o " + shell_quote(dts) + " " + shell_quote(dtb.string()) +
                    " 2> " + shell_quote(log);
  int st = std::system(cmd.c_str());
  if (err) *err = read_text(log);
  return st == 0 ? read_text(dts) : std::string();
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(DeviceTree, DumpDtbDecodesWithDtc) {
  if (!have("dtc")) GTEST_SKIP() << "dtc missing (scripts/install-deps: device-tree-compiler)";
  auto r = run_imcvp({"run", "--dump-dtb", "soc.dtb"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string err;
  std::string dts = dtc_decode(r.dir / "soc.dtb", &err);
  ASSERT_FALSE(dts.empty()) << err;
  EXPECT_EQ(err, "") << "dtc warnings";
  // Standard compatible strings where they exist.
  for (const char* c : {"\"ns16550a\"", "riscv,clint0", "sifive,plic-1.0.0", "sifive,test0",
                        "riscv,cpu-intc", "\"imcvp,dram\"", "\"imcvp,tcm\""})
    EXPECT_NE(dts.find(c), std::string::npos) << c << "\n" << dts;
  EXPECT_NE(dts.find("riscv,isa = \"rv32imac_zicsr_zifencei\""), std::string::npos) << dts;
  EXPECT_NE(dts.find("serial@10000000"), std::string::npos);
  EXPECT_NE(dts.find("clint@2000000"), std::string::npos);
  EXPECT_NE(dts.find("plic@c000000"), std::string::npos);
  EXPECT_NE(dts.find("test@100000"), std::string::npos);
  EXPECT_NE(dts.find("memory@40000000"), std::string::npos);
  // The default two tiles: windows, PLIC sources 16 and 17, kind and geometry.
  EXPECT_EQ(count(dts, "\"imcvp,imc-tile\""), 2u) << dts;
  EXPECT_NE(dts.find("imc@20000000"), std::string::npos);
  EXPECT_NE(dts.find("imc@20100000"), std::string::npos);
  EXPECT_NE(dts.find("interrupts = <0x10>"), std::string::npos);
  EXPECT_NE(dts.find("interrupts = <0x11>"), std::string::npos);
  EXPECT_NE(dts.find("imcvp,kind = \"analog\""), std::string::npos);
  EXPECT_NE(dts.find("imcvp,kind = \"digital\""), std::string::npos);
  EXPECT_NE(dts.find("imcvp,rows = <0x100>"), std::string::npos);
  EXPECT_NE(dts.find("imcvp,technology = \"pcm\""), std::string::npos);
}

TEST(DeviceTree, FollowsTheConfig) {
  if (!have("dtc")) GTEST_SKIP() << "dtc missing";
  auto r = run_imcvp({"run", "--set", "dram.base=0x60000000", "--set", "imc.tile_base=0x30000000",
                      "--set", "imc.tile_stride=0x200000", "--set",
                      "tiles=[{kind: digital}, {kind: digital}, {kind: analog}]", "--dump-dtb",
                      "soc.dtb"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string dts = dtc_decode(r.dir / "soc.dtb");
  ASSERT_FALSE(dts.empty());
  EXPECT_NE(dts.find("memory@60000000"), std::string::npos) << dts;
  EXPECT_NE(dts.find("imc@30000000"), std::string::npos) << dts;
  EXPECT_NE(dts.find("imc@30200000"), std::string::npos) << dts;
  EXPECT_NE(dts.find("imc@30400000"), std::string::npos) << dts;
  EXPECT_NE(dts.find("interrupts = <0x12>"), std::string::npos) << dts;
}

// /noc's imcvp,routing is the algorithm in use, as `imcvp traffic` reports it, not the raw
// noc.routing key (which was "xy" on a torus and empty on a custom graph).
TEST(DeviceTree, NocRoutingIsTheAlgorithmInUse) {
  if (!have("dtc")) GTEST_SKIP() << "dtc missing";
  const std::string src = IMCVP_SOURCE_DIR;
  struct Case {
    std::vector<std::string> args;
    const char* routing;
  } cases[] = {
      {{"-c", src + "/configs/soc/pipeline-mesh.yaml"}, "xy"},
      {{"-c", src + "/configs/soc/pipeline-torus.yaml"}, "xy+dateline"},
      {{"--set", "interconnect=noc", "-c", src + "/configs/noc/custom-example.yaml"},
       "min+updown_escape"},
      {{"--set", "interconnect=noc", "-c", src + "/configs/noc/custom-example.yaml", "--set",
        "noc.routing=updown"},
       "updown"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    args.insert(args.end(), {"--dump-dtb", "soc.dtb"});
    auto r = run_imcvp(args);
    ASSERT_EQ(r.code, 0) << c.routing << ": " << r.err;
    std::string dts = dtc_decode(r.dir / "soc.dtb");
    ASSERT_FALSE(dts.empty());
    EXPECT_NE(dts.find(std::string("imcvp,routing = \"") + c.routing + "\";"), std::string::npos)
        << c.routing << "\n"
        << dts.substr(dts.find("noc {"));
  }
}

TEST(DeviceTree, DumpDtbToAnUnwritablePathFails) {
  auto r = run_imcvp({"run", "--dump-dtb", "/nonexistent-dir/soc.dtb"});
  EXPECT_EQ(r.code, 73) << r.err;
  EXPECT_NE(r.err.find("--dump-dtb /nonexistent-dir/soc.dtb: cannot write"), std::string::npos)
      << r.err;
}

TEST(DeviceTree, TooLargeForTheBootRomIsAConfigError) {
  auto r =
      run_imcvp({"run", "-c", std::string(IMCVP_SOURCE_DIR) + "/configs/soc/imc16-digital.yaml",
                 "--set", "boot_rom.size_bytes=4096", fw("hello")});
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_NE(r.err.find("boot_rom.size_bytes: the device tree ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not fit the 4096 B boot ROM"), std::string::npos) << r.err;
}

// The three cases on unmodified firmware: before the device tree, the stride change
// made imc_selftest find one tile and pass, the base change zero tiles, the DRAM move trap.
struct Moved {
  const char* set;
  const char* name;
};
const Moved kMoved[] = {{"dram.base=0x60000000", "dram"},
                        {"imc.tile_stride=0x200000", "stride"},
                        {"imc.tile_base=0x30000000", "base"}};

TEST(DeviceTree, ImcSelftestFollowsAMovedMemoryMap) {
  for (const auto& m : kMoved) {
    SCOPED_TRACE(m.set);
    auto r = run_imcvp({"run", "--set", m.set, fw("imc_selftest")}, m.name);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("imc_selftest: 2 tile(s)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("imc_selftest: PASS"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("warning"), std::string::npos) << "the SDK follows the DT: " << r.err;
  }
}

TEST(DeviceTree, ImcSelftestFindsAddedTiles) {
  auto r = run_imcvp({"run", "--set", "imc.tile_stride=0x300000", "--set",
                      "tiles=[{kind: digital}, {kind: digital}, {kind: digital}, {kind: digital}]",
                      fw("imc_selftest")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("imc_selftest: 4 tile(s)"), std::string::npos) << r.out;
}

TEST(DeviceTree, DramStreamFollowsAMovedDram) {
  auto r = run_imcvp({"run", "--set", "dram.base=0x60000000", fw("dram_stream")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

// hello.elf with word `index` of its .note.imcvp descriptor replaced (0 = version, 1 = flags),
// written to a temporary directory; returns its path.
std::string patched_note(const std::string& app, unsigned index, uint32_t value,
                         const std::string& tag) {
  std::string elf = read_text(fw(app));
  const char name[] = "imcvp\0\0\0";
  auto pos = elf.find(std::string(name, 8));
  if (pos == std::string::npos) return {};
  uint32_t v = 0;
  std::memcpy(&v, elf.data() + pos + 8, 4);
  if (v != 1u) return {};  // the SDK's version
  std::memcpy(elf.data() + pos + 8 + 4 * index, &value, 4);
  auto dir = std::filesystem::temp_directory_path() /
             ("imcvp-note-" + std::to_string(getpid()) + "-" + tag);
  std::filesystem::create_directories(dir);
  auto path = (dir / (app + "-" + tag + ".elf")).string();
  std::ofstream(path, std::ios::binary) << elf;
  return path;
}

// The SDK discovers UART0, CLINT, PLIC and sim-control from the device tree: the shipped apps
// run unmodified with every device moved (hello prints through the moved UART, imc_selftest
// reads the SEED register of the moved sim-control, timer takes CLINT and PLIC interrupts).
TEST(PlatformNote, SdkFollowsMovedUartClintPlicAndSimctrl) {
  const std::vector<std::string> moved = {
      "--set", "uart0.base=0x10001000", "--set", "clint.base=0x2010000",
      "--set", "plic.base=0x08000000",  "--set", "simctrl.base=0x00200000"};
  const std::pair<const char*, const char*> apps[] = {{"hello", "sum(1..100)=5050"},
                                                      {"imc_selftest", "imc_selftest: PASS"},
                                                      {"timer", "timer demo: all interrupts OK"}};
  for (const auto& [app, ok] : apps) {
    SCOPED_TRACE(app);
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), moved.begin(), moved.end());
    args.push_back(fw(app));
    auto r = run_imcvp(args, std::string("moved-") + app);
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find(ok), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("another platform"), std::string::npos) << r.err;
  }
}

// What the SDK read from the tree, as imc_selftest prints it: the moved devices and the
// timebase (/cpus timebase-frequency). The mtime rate stays compiled in (IMCVP_MTIME_HZ), so a
// changed clint.timebase_hz is a mismatch: run with --allow-mismatch to see the value read.
TEST(PlatformNote, SdkReportsWhatItReadFromTheTree) {
  auto r = run_imcvp({"run", "--allow-mismatch", "--set", "uart0.base=0x10001000", "--set",
                      "dram.base=0x60000000", "--set", "clint.timebase_hz=20000000",
                      fw("imc_selftest")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out,
                       "imc_selftest: platform from the device tree: UART0 0x10001000, "
                       "CLINT 0x02000000, PLIC 0x0c000000, sim-control 0x00100000, "
                       "DRAM 0x60000000, timebase 20000000 Hz"))
      << r.out;
  EXPECT_TRUE(contains(r.err,
                       "mtime frequency: compiled for 10000000 Hz, but "
                       "clint.timebase_hz = 20000000"))
      << r.err;
}

// Firmware with compiled-in device addresses (the note's flags cleared: nothing read from the
// device tree) stops with exit 78 naming each differing address; --allow-mismatch runs it with
// one warning per address.
TEST(PlatformNote, CompiledInAddressesThatDifferStopTheRun) {
  auto elf = patched_note("hello", 1, 0u, "static");
  ASSERT_FALSE(elf.empty()) << "hello.elf has no version-1 .note.imcvp";
  const std::vector<std::string> moved = {
      "--set", "uart0.base=0x10001000", "--set", "clint.base=0x2010000", "--max-time", "100us"};
  std::vector<std::string> args = {"run"};
  args.insert(args.end(), moved.begin(), moved.end());
  args.push_back(elf);
  auto r = run_imcvp(args, "static");
  EXPECT_EQ(r.code, 78) << r.out << r.err;
  EXPECT_NE(r.err.find("hello-static.elf was built for another platform:"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("UART0: compiled for 0x10000000, but uart0.base = 0x10001000"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("CLINT: compiled for 0x02000000, but clint.base = 0x02010000"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--allow-mismatch"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Hello"), std::string::npos) << "stopped before running: " << r.out;

  args.insert(args.begin() + 1, "--allow-mismatch");
  r = run_imcvp(args, "static-allowed");
  EXPECT_NE(r.code, 78) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("UART0: compiled for 0x10000000, but uart0.base = 0x10001000 "
                       "(--allow-mismatch: running anyway)"),
            std::string::npos)
      << r.err;
  std::filesystem::remove_all(std::filesystem::path(elf).parent_path());
}

// The TCM base stays compiled in (the linker script places the program there): a moved TCM
// is a mismatch error, not "segment outside memory".
TEST(PlatformNote, MovedTcmIsAMismatchError) {
  auto r = run_imcvp({"run", "--set", "tcm.base=0x90000000", fw("hello")}, "tcm");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_NE(r.err.find("TCM base: compiled for 0x80000000, but tcm.base = 0x90000000"),
            std::string::npos)
      << r.err;
}

TEST(PlatformNote, MatchingConfigGivesNoWarning) {
  auto r = run_imcvp({"run", fw("hello")});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err.find("another platform"), std::string::npos) << r.err;
}

// A note from another SDK version: its addresses cannot be read, so the run stops (78) unless
// --allow-mismatch.
TEST(PlatformNote, NoteFromAnotherSdkVersionIsAnError) {
  auto patched = patched_note("hello", 0, 7u, "v7");
  ASSERT_FALSE(patched.empty()) << "hello.elf has no version-1 .note.imcvp";
  auto r = run_imcvp({"run", patched}, "v7");
  EXPECT_EQ(r.code, 78) << r.err;
  EXPECT_NE(r.err.find("platform note (.note.imcvp) is version 7"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rebuild it against this SDK"), std::string::npos) << r.err;
  r = run_imcvp({"run", "--allow-mismatch", patched}, "v7-allowed");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("is version 7"), std::string::npos) << r.err;
  std::filesystem::remove_all(std::filesystem::path(patched).parent_path());
}

}  // namespace

namespace {

// --dump-dts: the source dtc compiles, the same tree as --dump-dtb.
TEST(DeviceTree, DumpDtsCompilesWithDtcToTheSameTree) {
  if (!have("dtc")) GTEST_SKIP() << "dtc missing";
  auto r = run_imcvp(
      {"run", "--set", "imc.tile_stride=0x200000", "--dump-dtb", "a.dtb", "--dump-dts", "b.dts"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string cmd =
      "cd " + shell_quote(r.dir.string()) + " && dtc -I dts -O dtb -o b.dtb b.dts 2> dtc.log";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(r.dir / "dtc.log");
  EXPECT_EQ(read_text(r.dir / "dtc.log"), "") << "dtc warnings";
  std::string a = dtc_decode(r.dir / "a.dtb"), b = dtc_decode(r.dir / "b.dtb");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(read_text(r.dir / "b.dts").find("compatible = \"ns16550a\";"), std::string::npos);
}

// --dump-header: the config's addresses as the SDK's macros; the SDK's platform.h takes them.
TEST(DeviceTree, DumpHeaderGivesCompileTimeConstants) {
  auto r = run_imcvp({"run", "--set", "dram.base=0x60000000", "--set", "uart0.base=0x10001000",
                      "--dump-header", "imcvp_config.h"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string h = read_text(r.dir / "imcvp_config.h");
  EXPECT_NE(h.find("#define IMCVP_DEFAULT_DRAM_BASE 0x60000000u"), std::string::npos) << h;
  EXPECT_NE(h.find("#define IMCVP_UART0_BASE 0x10001000u"), std::string::npos) << h;
  EXPECT_NE(h.find("#define IMCVP_NUM_TILES 2u"), std::string::npos) << h;
  if (!have("riscv64-unknown-elf-gcc")) GTEST_SKIP() << "no cross compiler";
  std::ofstream(r.dir / "t.c")
      << "#include \"imcvp/platform.h\"\n"
         "_Static_assert(IMCVP_UART0_BASE == 0x10001000u, \"uart\");\n"
         "_Static_assert(IMCVP_DEFAULT_DRAM_BASE == 0x60000000u, \"dram\");\n";
  std::string cmd =
      "cd " + shell_quote(r.dir.string()) +
      " && riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 --specs=picolibc.specs "
      "-fsyntax-only "
      "-include imcvp_config.h -I " +
      shell_quote(std::string(IMCVP_SOURCE_DIR) + "/firmware/sdk/include") + " t.c 2> cc.log";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << read_text(r.dir / "cc.log");
}

}  // namespace

namespace {

// The HAL's interrupt-driven batch MVM (imc_mvm_batch_irq): bit-exact on the digital tile, the
// core asleep in WFI meanwhile, the DONE interrupts taken.
TEST(ImcHal, InterruptDrivenBatchMvm) {
  auto r = run_imcvp({"run", fw("imc_selftest")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(count(r.out, "interrupt-driven batch: 4 vectors"), 2u) << r.out;
  EXPECT_TRUE(contains(r.out, "interrupt-driven batch: 4 vectors, 0 outputs differ")) << r.out;
  EXPECT_FALSE(contains(r.out, "interrupt-driven batch: FAILED")) << r.out;
  EXPECT_GT(r.stat("soc.cpu.wfi_time"), 0);
  EXPECT_GE(r.stat("soc.cpu.interrupts.external"), 4) << "selftest's own MVM + one per batch";
}

}  // namespace
