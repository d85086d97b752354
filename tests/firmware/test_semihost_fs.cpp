// Semihosting host file access (issue 15): off by default, confined to --semihosting-fs DIR
// when on. The semihost-fs app performs the file operations named on its stdin and reports
// "<command>: ok" or "<command>: error <errno>" for each.
#include <unistd.h>

#include "tests/firmware/harness.h"

using namespace imcvp::test;
namespace fs = std::filesystem;

namespace {

// base/{victim.txt, outside/secret.txt, box/{sub/, esc -> ../outside,
// lnk -> ../outside/secret.txt, dang -> ../outside/new.txt}}; removed afterwards.
struct Tree {
  fs::path base, box, outside;
  Tree() {
    auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    base = fs::temp_directory_path() / ("imcvp-test-" + std::to_string(getpid())) /
           (std::string(info->name()) + "-tree");
    fs::remove_all(base);
    fs::create_directories(base / "box/sub");
    fs::create_directories(base / "outside");
    base = fs::canonical(base);
    box = base / "box";
    outside = base / "outside";
    std::ofstream(base / "victim.txt") << "victim";
    std::ofstream(outside / "secret.txt") << "secret";
    fs::create_symlink("../outside", box / "esc");
    fs::create_symlink("../outside/secret.txt", box / "lnk");
    fs::create_symlink("../outside/new.txt", box / "dang");
  }
  ~Tree() { fs::remove_all(base); }
};

constexpr const char* kRefused = ": error 13";  // EACCES

TEST(SemihostFs, OffByDefault) {
  Tree t;
  const std::string created = (t.base / "created.txt").string();
  const std::string victim = (t.base / "victim.txt").string();
  const std::string secret = (t.outside / "secret.txt").string();
  const std::string in = "write " + created + "\nremove " + victim + "\nwrite rel.txt\nread " +
                         secret + "\nrename " + victim + " " + created + "\nquit\n";
  auto r = run_imcvp({"run", fw("semihost-fs")}, "", in);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "write " + created + kRefused)) << r.out;
  EXPECT_TRUE(contains(r.out, "remove " + victim + kRefused)) << r.out;
  EXPECT_TRUE(contains(r.out, "write rel.txt" + std::string(kRefused))) << r.out;
  EXPECT_TRUE(contains(r.out, "read " + secret + kRefused)) << r.out;
  EXPECT_TRUE(contains(r.out, "rename " + victim + " " + created + kRefused)) << r.out;
  EXPECT_FALSE(fs::exists(created));
  EXPECT_TRUE(fs::exists(victim));
  EXPECT_FALSE(fs::exists(r.dir / "rel.txt"));
  // One log line per refusal, naming the call, the path and the pc.
  EXPECT_TRUE(contains(r.err, "refused SYS_OPEN \"" + created + "\" at pc=0x")) << r.err;
  EXPECT_TRUE(contains(r.err, "refused SYS_REMOVE \"" + victim + "\"")) << r.err;
  EXPECT_TRUE(contains(r.err, "host file access is off")) << r.err;
}

TEST(SemihostFs, ConfinedToTheDirectory) {
  Tree t;
  const std::string abs_in = (t.box / "abs.txt").string();
  const std::string abs_out = (t.outside / "abs.txt").string();
  const std::string in =
      "write inside.txt\n"
      "read inside.txt\n"
      "rename inside.txt sub/moved.txt\n"
      "write " +
      abs_in +
      "\n"
      "remove sub/moved.txt\n"
      "write " +
      abs_out +
      "\n"
      "write ../escape.txt\n"
      "remove ../victim.txt\n"
      "write sub/../../escape2.txt\n"
      "write esc/pwned.txt\n"
      "read lnk\n"
      "write dang\n"
      "rename abs.txt ../stolen.txt\n"
      "rename ../victim.txt stolen.txt\n"
      "quit\n";
  auto r = run_imcvp({"run", "--semihosting-fs", t.box.string(), fw("semihost-fs")}, "", in);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  // Inside: relative and absolute paths work.
  EXPECT_TRUE(contains(r.out, "write inside.txt: ok\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "read inside.txt: ok imcvp|\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "rename inside.txt sub/moved.txt: ok\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "write " + abs_in + ": ok\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "remove sub/moved.txt: ok\n")) << r.out;
  EXPECT_TRUE(fs::exists(t.box / "abs.txt"));
  EXPECT_FALSE(fs::exists(t.box / "inside.txt"));
  EXPECT_FALSE(fs::exists(t.box / "sub/moved.txt"));
  EXPECT_FALSE(fs::exists(r.dir / "inside.txt"));  // not the current directory
  // Outside: absolute path, .. escapes, symlink escapes, dangling link: all refused.
  for (const std::string& cmd :
       {"write " + abs_out, std::string("write ../escape.txt"), std::string("remove ../victim.txt"),
        std::string("write sub/../../escape2.txt"), std::string("write esc/pwned.txt"),
        std::string("read lnk"), std::string("write dang"),
        std::string("rename abs.txt ../stolen.txt"),
        std::string("rename ../victim.txt stolen.txt")})
    EXPECT_TRUE(contains(r.out, cmd + kRefused)) << cmd << "\n" << r.out;
  EXPECT_FALSE(fs::exists(abs_out));
  EXPECT_FALSE(fs::exists(t.base / "escape.txt"));
  EXPECT_FALSE(fs::exists(t.base / "escape2.txt"));
  EXPECT_FALSE(fs::exists(t.outside / "pwned.txt"));
  EXPECT_FALSE(fs::exists(t.outside / "new.txt"));
  EXPECT_FALSE(fs::exists(t.base / "stolen.txt"));
  EXPECT_FALSE(fs::exists(t.box / "stolen.txt"));
  EXPECT_TRUE(fs::exists(t.base / "victim.txt"));
  EXPECT_TRUE(contains(r.err, "refused SYS_OPEN \"esc/pwned.txt\" at pc=0x")) << r.err;
  EXPECT_TRUE(contains(r.err, "outside " + t.box.string())) << r.err;
  EXPECT_TRUE(contains(r.err, "dangling symbolic link")) << r.err;
  // config.yaml records the (absolute) directory, so the run can be repeated with -c.
  EXPECT_TRUE(contains(read_text(r.dir / "out/config.yaml"), t.box.string()));
}

TEST(SemihostFs, ConfigKeyEnablesItToo) {
  Tree t;
  auto r = run_imcvp({"run", "--set", "cpu.semihosting_fs=" + t.box.string(), fw("semihost-fs")},
                     "", "write a.txt\nwrite ../b.txt\nquit\n");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "write a.txt: ok\n")) << r.out;
  EXPECT_TRUE(contains(r.out, std::string("write ../b.txt") + kRefused)) << r.out;
  EXPECT_TRUE(fs::exists(t.box / "a.txt"));
  EXPECT_FALSE(fs::exists(t.base / "b.txt"));
}

TEST(SemihostFs, MissingDirectoryIsAnError) {
  Tree t;
  auto cli = run_imcvp({"run", "--semihosting-fs", (t.base / "nope").string(), fw("hello")}, "cli");
  EXPECT_EQ(cli.code, 66) << cli.err;
  EXPECT_TRUE(contains(cli.err, "--semihosting-fs")) << cli.err;
  auto key = run_imcvp(
      {"run", "--set", "cpu.semihosting_fs=" + (t.base / "victim.txt").string(), fw("hello")},
      "key");
  EXPECT_EQ(key.code, 78) << key.err;
  EXPECT_TRUE(contains(key.err, "cpu.semihosting_fs")) << key.err;
}

}  // namespace
