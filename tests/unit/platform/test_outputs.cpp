// Run outputs are all-or-nothing (issue 15): OutputFiles writes temporary files and renames
// them into place only on commit(); prepare_outdir() checks writability and removes stale
// outputs before a run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/report.h"

namespace fs = std::filesystem;
using imcvp::platform::OutputFiles;
using imcvp::platform::prepare_outdir;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct OutputsTest : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("imcvp-outputs-" + std::to_string(getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  size_t entries() const {
    size_t n = 0;
    for (auto it = fs::directory_iterator(dir); it != fs::directory_iterator(); ++it) ++n;
    return n;
  }
};

TEST_F(OutputsTest, NothingAppearsBeforeCommit) {
  {
    OutputFiles out(dir.string());
    out.add("stats.json", "new stats");
    out.add("run.json", "new run");
    EXPECT_FALSE(fs::exists(dir / "stats.json"));
    EXPECT_FALSE(fs::exists(dir / "run.json"));
    out.commit();
  }
  EXPECT_EQ(slurp(dir / "stats.json"), "new stats");
  EXPECT_EQ(slurp(dir / "run.json"), "new run");
  EXPECT_EQ(entries(), 2u) << "no temporary files left";
}

TEST_F(OutputsTest, FailedWriteLeavesNoMix) {
  std::ofstream(dir / "stats.json") << "old stats";
  std::ofstream(dir / "run.json") << "old run";
  // The temporary file of run.json cannot be created (a directory is in the way).
  fs::create_directories(dir / (".run.json.tmp-" + std::to_string(getpid())) / "x");
  {
    OutputFiles out(dir.string());
    out.add("stats.json", "new stats");
    EXPECT_THROW(out.add("run.json", "new run"), std::runtime_error);
  }  // destroyed without commit(): the temporary stats.json goes too
  EXPECT_EQ(slurp(dir / "stats.json"), "old stats") << "the new stats.json must not appear";
  EXPECT_EQ(slurp(dir / "run.json"), "old run");
  EXPECT_EQ(entries(), 3u);
}

TEST_F(OutputsTest, PrepareRemovesStaleOutputsAndKeepsOthers) {
  for (const char* n : {"stats.json", "stats.txt", "config.yaml", "run.json", "trace.json"})
    std::ofstream(dir / n) << "stale";
  std::ofstream(dir / "notes.txt") << "mine";
  EXPECT_EQ(prepare_outdir(dir.string()), "");
  for (const char* n : {"stats.json", "stats.txt", "config.yaml", "run.json", "trace.json"})
    EXPECT_FALSE(fs::exists(dir / n)) << n;
  EXPECT_EQ(slurp(dir / "notes.txt"), "mine");
  EXPECT_EQ(entries(), 1u) << "the writability probe is removed";
}

TEST_F(OutputsTest, PrepareCreatesAndRefusesUnwritable) {
  EXPECT_EQ(prepare_outdir((dir / "a/b").string()), "");
  EXPECT_TRUE(fs::is_directory(dir / "a/b"));
  // /proc: a directory nobody (not even root) can create files in.
  EXPECT_NE(prepare_outdir("/proc"), "");
  std::ofstream(dir / "file") << "x";
  EXPECT_NE(prepare_outdir((dir / "file").string()), "");
  fs::create_directories(dir / "c/run.json");
  EXPECT_NE(prepare_outdir((dir / "c").string()), "") << "an output's place is taken";
}

}  // namespace
