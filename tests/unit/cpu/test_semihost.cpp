#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "models/cpu/semihost.h"

namespace imcvp::cpu {
namespace {

// Guest memory: 64 KiB at 0x1000; anything else faults.
struct FakeMem : SemihostMemory {
  std::vector<uint8_t> m = std::vector<uint8_t>(0x10000, 0);
  bool ok(uint32_t a, uint32_t n) const { return a >= 0x1000 && uint64_t{a} + n <= 0x11000; }
  bool read(uint32_t a, void* b, uint32_t n) override {
    if (!ok(a, n)) return false;
    std::memcpy(b, &m[a - 0x1000], n);
    return true;
  }
  bool write(uint32_t a, const void* b, uint32_t n) override {
    if (!ok(a, n)) return false;
    std::memcpy(&m[a - 0x1000], b, n);
    return true;
  }
  void words(uint32_t a, std::initializer_list<uint32_t> w) {
    for (uint32_t v : w) {
      write(a, &v, 4);
      a += 4;
    }
  }
  void str(uint32_t a, const std::string& s) { write(a, s.c_str(), uint32_t(s.size() + 1)); }
  uint32_t word(uint32_t a) {
    uint32_t v;
    read(a, &v, 4);
    return v;
  }
};

struct SemihostTest : ::testing::Test {
  FakeMem mem;
  Semihost sh{mem};
  std::string out, err;
  void SetUp() override {
    sh.set_console_out(
        [this](int fd, const char* d, size_t n) { (fd == 2 ? err : out).append(d, n); });
  }
  uint32_t open(const std::string& name, uint32_t mode) {
    mem.str(0x2000, name);
    mem.words(0x1000, {0x2000, mode, uint32_t(name.size())});
    return sh.call(sh::OPEN, 0x1000);
  }
};

TEST_F(SemihostTest, ConsoleWrites) {
  mem.str(0x3000, "hi");
  EXPECT_EQ(sh.call(sh::WRITE0, 0x3000), 0u);
  EXPECT_EQ(sh.call(sh::WRITEC, 0x3001), 0u);
  EXPECT_EQ(out, "hii");
  const uint32_t so = open(":tt", 4), se = open(":tt", 8), si = open(":tt", 0);
  EXPECT_NE(so, 0xffffffffu);
  EXPECT_NE(so, se);
  mem.str(0x3000, "abcdef");
  mem.words(0x1000, {se, 0x3000, 3});
  EXPECT_EQ(sh.call(sh::WRITE, 0x1000), 0u);
  EXPECT_EQ(err, "abc");
  mem.words(0x1000, {so});
  EXPECT_EQ(sh.call(sh::ISTTY, 0x1000), 1u);
  mem.words(0x1000, {si, 0x3000, 4});
  EXPECT_EQ(sh.call(sh::WRITE, 0x1000), 4u) << "stdin is not writable: nothing written";
}

TEST_F(SemihostTest, ConsoleReadLineByLine) {
  std::string input = "ab\ncd";
  size_t pos = 0;
  sh.set_console_in([&]() { return pos < input.size() ? int(uint8_t(input[pos++])) : -1; });
  const uint32_t h = open(":tt", 0);
  mem.words(0x1000, {h, 0x4000, 10});
  EXPECT_EQ(sh.call(sh::READ, 0x1000), 7u);  // 3 read of 10
  EXPECT_EQ(std::memcmp(&mem.m[0x3000], "ab\n", 3), 0);
  EXPECT_EQ(sh.call(sh::READC, 0), uint32_t('c'));
}

TEST_F(SemihostTest, FeaturesFile) {
  const uint32_t h = open(":semihosting-features", 0);
  ASSERT_NE(h, 0xffffffffu);
  mem.words(0x1000, {h});
  EXPECT_EQ(sh.call(sh::FLEN, 0x1000), 5u);
  mem.words(0x1000, {h, 0x4000, 8});
  EXPECT_EQ(sh.call(sh::READ, 0x1000), 3u);  // only 5 bytes available
  EXPECT_EQ(std::memcmp(&mem.m[0x3000], "SHFB", 4), 0);
  EXPECT_EQ(mem.m[0x3004], 0x03);  // EXIT_EXTENDED | STDOUT_STDERR
  mem.words(0x1000, {h});
  EXPECT_EQ(sh.call(sh::CLOSE, 0x1000), 0u);
  EXPECT_EQ(sh.call(sh::CLOSE, 0x1000), 0xffffffffu);        // already closed
  EXPECT_EQ(open(":semihosting-features", 4), 0xffffffffu);  // not writable
}

TEST_F(SemihostTest, HostFilesRoundTrip) {
  ASSERT_EQ(sh.set_fs_root(::testing::TempDir()), "");
  const std::string name = ::testing::TempDir() + "imcvp_semihost_test.bin";
  std::remove(name.c_str());
  uint32_t h = open(name, 5);  // "wb"
  ASSERT_NE(h, 0xffffffffu);
  mem.str(0x3000, "0123456789");
  mem.words(0x1000, {h, 0x3000, 10});
  EXPECT_EQ(sh.call(sh::WRITE, 0x1000), 0u);
  mem.words(0x1000, {h});
  EXPECT_EQ(sh.call(sh::ISTTY, 0x1000), 0u);
  EXPECT_EQ(sh.call(sh::CLOSE, 0x1000), 0u);
  h = open(name, 1);  // "rb"
  ASSERT_NE(h, 0xffffffffu);
  mem.words(0x1000, {h});
  EXPECT_EQ(sh.call(sh::FLEN, 0x1000), 10u);
  mem.words(0x1000, {h, 4});
  EXPECT_EQ(sh.call(sh::SEEK, 0x1000), 0u);
  mem.words(0x1000, {h, 0x5000, 100});
  EXPECT_EQ(sh.call(sh::READ, 0x1000), 94u);
  EXPECT_EQ(std::memcmp(&mem.m[0x4000], "456789", 6), 0);
  mem.words(0x1000, {h});
  EXPECT_EQ(sh.call(sh::CLOSE, 0x1000), 0u);
  mem.str(0x2000, name);
  mem.words(0x1000, {0x2000, uint32_t(name.size())});
  EXPECT_EQ(sh.call(sh::REMOVE, 0x1000), 0u);
  EXPECT_EQ(open(name, 0), 0xffffffffu);
  EXPECT_NE(sh.call(sh::ERRNO, 0), 0u);
}

TEST_F(SemihostTest, BadPointersAndHandlesAreErrorsNotCrashes) {
  EXPECT_EQ(sh.call(sh::OPEN, 0xdead0000), 0xffffffffu);
  EXPECT_EQ(sh.call(sh::WRITE0, 0xdead0000), 0xffffffffu);
  mem.words(0x1000, {0x2000, 0, 0x7fffffff});  // absurd name length
  EXPECT_EQ(sh.call(sh::OPEN, 0x1000), 0xffffffffu);
  mem.words(0x1000, {42, 0x3000, 4});  // unknown handle
  EXPECT_EQ(sh.call(sh::WRITE, 0x1000), 4u);
  EXPECT_EQ(sh.call(sh::READ, 0x1000), 4u);
  const uint32_t so = open(":tt", 4);
  mem.words(0x1000, {so, 0x10f80, 0x100});  // buffer runs off guest memory
  EXPECT_NE(sh.call(sh::WRITE, 0x1000), 0u);
  mem.words(0x1000, {0x12, 0x13});
  EXPECT_EQ(sh.call(sh::SYSTEM, 0x1000), 0xffffffffu);  // refused
  EXPECT_EQ(sh.call(0x99, 0), 0xffffffffu);             // unknown
  EXPECT_FALSE(sh.exit_requested());
}

TEST_F(SemihostTest, CmdlineHeapinfoClock) {
  sh.set_cmdline("fw --fast");
  mem.words(0x1000, {0x3000, 64});
  EXPECT_EQ(sh.call(sh::GET_CMDLINE, 0x1000), 0u);
  EXPECT_STREQ(reinterpret_cast<const char*>(&mem.m[0x2000]), "fw --fast");
  EXPECT_EQ(mem.word(0x1004), 9u);
  mem.words(0x1000, {0x3000, 4});  // too small
  EXPECT_EQ(sh.call(sh::GET_CMDLINE, 0x1000), 0xffffffffu);
  sh.heap_info[0] = 0x80100000;
  sh.heap_info[1] = 0x80200000;
  mem.words(0x1000, {0x3000});
  EXPECT_EQ(sh.call(sh::HEAPINFO, 0x1000), 0u);
  EXPECT_EQ(mem.word(0x3000), 0x80100000u);
  EXPECT_EQ(mem.word(0x3004), 0x80200000u);
  sh.sim_seconds = [] { return 1.5; };
  EXPECT_EQ(sh.call(sh::CLOCK, 0), 150u);
  EXPECT_EQ(sh.call(sh::TICKFREQ, 0), 1000000u);
  EXPECT_EQ(sh.call(sh::ELAPSED, 0x3000), 0u);
  EXPECT_EQ(mem.word(0x3000), 1500000u);
}

TEST_F(SemihostTest, ExitCodes) {
  {
    Semihost s(mem);
    s.call(sh::EXIT, sh::ADP_Stopped_ApplicationExit);
    EXPECT_TRUE(s.exit_requested());
    EXPECT_EQ(s.exit_code(), 0);
  }
  {
    Semihost s(mem);
    s.call(sh::EXIT, 0x20023);  // ADP_Stopped_RunTimeErrorUnknown
    EXPECT_EQ(s.exit_code(), 1);
  }
  {
    Semihost s(mem);
    mem.words(0x1000, {sh::ADP_Stopped_ApplicationExit, 42});
    s.call(sh::EXIT_EXTENDED, 0x1000);
    EXPECT_TRUE(s.exit_requested());
    EXPECT_EQ(s.exit_code(), 42);
  }
  {
    Semihost s(mem);  // full width: exit(256) is not exit(0) (issue 15)
    mem.words(0x1000, {sh::ADP_Stopped_ApplicationExit, 256});
    s.call(sh::EXIT_EXTENDED, 0x1000);
    EXPECT_EQ(s.exit_code(), 256);
  }
  {
    Semihost s(mem);
    mem.words(0x1000, {sh::ADP_Stopped_ApplicationExit, 0xffffffffu});
    s.call(sh::EXIT_EXTENDED, 0x1000);
    EXPECT_EQ(s.exit_code(), -1);
  }
  {
    Semihost s(mem);
    mem.words(0x1000, {0x20023, 42});
    s.call(sh::EXIT_EXTENDED, 0x1000);
    EXPECT_EQ(s.exit_code(), 1);
  }
}

namespace fs = std::filesystem;

// A scratch tree: root/{in.txt, sub/, inlink -> in.txt, esc -> ../outside, lnk ->
// ../outside/secret.txt, dang -> ../outside/new.txt (dangling)}, outside/secret.txt, and a
// sibling rootevil/ whose name starts with root's.
struct ScratchTree {
  fs::path base, root, outside;
  explicit ScratchTree(const std::string& tag) {
    base = fs::path(::testing::TempDir()) /
           ("imcvp-semihost-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(base);
    root = base / "root";
    outside = base / "outside";
    fs::create_directories(root / "sub");
    fs::create_directories(outside);
    fs::create_directories(base / "rootevil");
    std::ofstream(root / "in.txt") << "in";
    std::ofstream(outside / "secret.txt") << "secret";
    fs::create_symlink("in.txt", root / "inlink");
    fs::create_symlink("../outside", root / "esc");
    fs::create_symlink("../outside/secret.txt", root / "lnk");
    fs::create_symlink("../outside/new.txt", root / "dang");
    root = fs::canonical(root);
    outside = fs::canonical(outside);
  }
  ~ScratchTree() { fs::remove_all(base); }
};

TEST(ConfinePath, InsideIsAllowedAndResolved) {
  ScratchTree t("ok");
  auto ok = [&](const std::string& g, bool follow, const fs::path& want) {
    ConfinedPath c = confine_path(t.root, g, follow);
    EXPECT_TRUE(c.ok) << g << ": " << c.why;
    EXPECT_EQ(c.host, want) << g;
  };
  ok("in.txt", true, t.root / "in.txt");
  ok("sub/new.txt", true, t.root / "sub/new.txt");  // does not exist yet: parent resolved
  ok("sub/../in.txt", true, t.root / "in.txt");
  ok("./sub/./x", true, t.root / "sub/x");
  ok((t.root / "in.txt").string(), true, t.root / "in.txt");  // absolute, inside
  ok("inlink", true, t.root / "in.txt");                      // link inside -> target inside
  ok("inlink", false, t.root / "inlink");                     // remove/rename: the link
  ok("lnk", false, t.root / "lnk");  // removing the link itself stays inside
  ok("dang", false, t.root / "dang");
}

TEST(ConfinePath, EscapesAreRefused) {
  ScratchTree t("esc");
  auto refused = [&](const std::string& g, bool follow) {
    ConfinedPath c = confine_path(t.root, g, follow);
    EXPECT_FALSE(c.ok) << g << " (follow " << follow << ") resolved to " << c.host;
    EXPECT_FALSE(c.why.empty()) << g;
  };
  for (bool follow : {true, false}) {
    refused("/etc/passwd", follow);
    refused((t.outside / "secret.txt").string(), follow);  // absolute outside
    refused("../outside/secret.txt", follow);              // .. escape
    refused("../x", follow);
    refused("sub/../../x", follow);
    refused("nosuchdir/../../x", follow);  // .. after a component that does not exist
    refused("esc/secret.txt", follow);     // directory symlink leading outside
    refused("esc/new.txt", follow);
    refused("dang/x", follow);                          // through a dangling link
    refused((t.base / "rootevil/f").string(), follow);  // string prefix is not enough
    refused("", follow);
    refused(std::string("in.txt\0x", 8), follow);
  }
  refused("lnk", true);   // opening the link would open outside/secret.txt
  refused("dang", true);  // creating through it would create outside/new.txt
  refused(".", true);     // the root itself
  refused(t.root.string(), true);
  refused("sub/..", false);
  refused(".", false);
}

TEST_F(SemihostTest, HostFilesAreOffByDefault) {
  ScratchTree t("off");
  const std::string victim = (t.outside / "secret.txt").string();
  const std::string created = (t.outside / "created.txt").string();
  EXPECT_EQ(open(created, 4), 0xffffffffu);  // "w"
  EXPECT_EQ(sh.call(sh::ERRNO, 0), uint32_t(EACCES));
  EXPECT_FALSE(fs::exists(created));
  EXPECT_EQ(open(victim, 0), 0xffffffffu);  // reading is refused too
  EXPECT_EQ(open("relative.txt", 4), 0xffffffffu);
  EXPECT_FALSE(fs::exists("relative.txt"));
  mem.str(0x2000, victim);
  mem.words(0x1000, {0x2000, uint32_t(victim.size())});
  EXPECT_EQ(sh.call(sh::REMOVE, 0x1000), 0xffffffffu);
  EXPECT_EQ(sh.call(sh::ERRNO, 0), uint32_t(EACCES));
  EXPECT_TRUE(fs::exists(victim));
  mem.str(0x3000, created);
  mem.words(0x1000, {0x2000, uint32_t(victim.size()), 0x3000, uint32_t(created.size())});
  EXPECT_EQ(sh.call(sh::RENAME, 0x1000), 0xffffffffu);
  EXPECT_TRUE(fs::exists(victim));
  // The console and the features file stay available.
  EXPECT_NE(open(":tt", 4), 0xffffffffu);
  EXPECT_NE(open(":semihosting-features", 0), 0xffffffffu);
}

TEST_F(SemihostTest, HostFilesConfinedToRoot) {
  ScratchTree t("root");
  EXPECT_NE(sh.set_fs_root((t.base / "nosuchdir").string()), "");
  EXPECT_NE(sh.set_fs_root((t.root / "in.txt").string()), "");
  ASSERT_EQ(sh.set_fs_root(t.root.string()), "");
  auto close = [&](uint32_t h) {
    mem.words(0x1000, {h});
    return sh.call(sh::CLOSE, 0x1000);
  };
  auto rename = [&](const std::string& a, const std::string& b) {
    mem.str(0x2000, a);
    mem.str(0x3000, b);
    mem.words(0x1000, {0x2000, uint32_t(a.size()), 0x3000, uint32_t(b.size())});
    return sh.call(sh::RENAME, 0x1000);
  };
  auto remove = [&](const std::string& a) {
    mem.str(0x2000, a);
    mem.words(0x1000, {0x2000, uint32_t(a.size())});
    return sh.call(sh::REMOVE, 0x1000);
  };
  uint32_t h = open("new.txt", 4);  // relative: inside the root, not the current directory
  ASSERT_NE(h, 0xffffffffu);
  EXPECT_EQ(close(h), 0u);
  EXPECT_TRUE(fs::exists(t.root / "new.txt"));
  EXPECT_EQ(rename("new.txt", "sub/moved.txt"), 0u);
  EXPECT_TRUE(fs::exists(t.root / "sub/moved.txt"));
  EXPECT_EQ(remove((t.root / "sub/moved.txt").string()), 0u);  // absolute inside
  EXPECT_FALSE(fs::exists(t.root / "sub/moved.txt"));
  EXPECT_EQ(open("sub", 0), 0xffffffffu);  // a directory is not a file
  // Written data is visible at once through a second handle (no host-side buffering).
  const uint32_t w = open("shared.txt", 4), r = open("shared.txt", 0);
  ASSERT_NE(w, 0xffffffffu);
  ASSERT_NE(r, 0xffffffffu);
  mem.str(0x3000, "abc");
  mem.words(0x1000, {w, 0x3000, 3});
  EXPECT_EQ(sh.call(sh::WRITE, 0x1000), 0u);
  mem.words(0x1000, {r, 0x4000, 8});
  EXPECT_EQ(sh.call(sh::READ, 0x1000), 5u);  // 3 of 8 read
  EXPECT_EQ(std::memcmp(&mem.m[0x3000], "abc", 3), 0);
  EXPECT_EQ(close(w), 0u);
  EXPECT_EQ(close(r), 0u);
  // Refused: outside, .., symlink escapes; nothing happens on the host.
  EXPECT_EQ(open("../escape.txt", 4), 0xffffffffu);
  EXPECT_EQ(sh.call(sh::ERRNO, 0), uint32_t(EACCES));
  EXPECT_FALSE(fs::exists(t.base / "escape.txt"));
  EXPECT_EQ(open("esc/new.txt", 4), 0xffffffffu);
  EXPECT_FALSE(fs::exists(t.outside / "new.txt"));
  EXPECT_EQ(open("dang", 4), 0xffffffffu);
  EXPECT_FALSE(fs::exists(t.outside / "new.txt"));
  EXPECT_EQ(open("lnk", 0), 0xffffffffu);
  EXPECT_EQ(remove((t.outside / "secret.txt").string()), 0xffffffffu);
  EXPECT_EQ(remove("esc/secret.txt"), 0xffffffffu);
  EXPECT_TRUE(fs::exists(t.outside / "secret.txt"));
  EXPECT_EQ(rename("in.txt", "../moved.txt"), 0xffffffffu);
  EXPECT_EQ(rename("../outside/secret.txt", "stolen.txt"), 0xffffffffu);
  EXPECT_TRUE(fs::exists(t.root / "in.txt"));
  EXPECT_TRUE(fs::exists(t.outside / "secret.txt"));
  EXPECT_FALSE(fs::exists(t.root / "stolen.txt"));
  EXPECT_EQ(sh.call(sh::ERRNO, 0), uint32_t(EACCES));
  // Removing a link inside removes the link, not its target outside.
  EXPECT_EQ(remove("lnk"), 0u);
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(t.root / "lnk")));
  EXPECT_TRUE(fs::exists(t.outside / "secret.txt"));
}

}  // namespace
}  // namespace imcvp::cpu
