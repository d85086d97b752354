// Runs the imcvp binary as a user would and captures exit status, stdout, stderr and outputs.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace imcvp::test {

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string fw(const std::string& app) {
  return std::string(IMCVP_FW_DIR) + "/" + app + ".elf";
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct RunResult {
  int code = -1;
  std::string out, err;
  std::filesystem::path dir;  // the test's scratch dir; outdir is dir/"out"
  nlohmann::json stats() const { return nlohmann::json::parse(read_text(dir / "out/stats.json")); }
  nlohmann::json run() const { return nlohmann::json::parse(read_text(dir / "out/run.json")); }
  double stat(const std::string& path) const {
    auto j = stats();
    const nlohmann::json* n = &j;
    std::stringstream ss(path);
    std::string part;
    while (std::getline(ss, part, '.')) {
      if (!n->contains(part)) return -1;
      n = &(*n)[part];
    }
    return (*n)["value"].get<double>();
  }
};

// Runs `imcvp <args>` in a fresh scratch directory with `-d out` appended for `run`.
inline RunResult run_imcvp(const std::vector<std::string>& args, const std::string& tag = "",
                           const std::string& stdin_text = "") {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("imcvp-test-" + std::to_string(getpid())) /
                              (std::string(info->test_suite_name()) + "." + info->name() + tag);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string cmd = "cd " + shell_quote(dir.string()) + " && " + shell_quote(IMCVP_BIN);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  bool is_run =
      !args.empty() && args[0] == "run" && std::find(args.begin(), args.end(), "-d") == args.end();
  if (is_run) cmd += " -d out";
  std::ofstream(dir / "stdin.txt") << stdin_text;
  cmd += " < stdin.txt > stdout.txt 2> stderr.txt";
  int st = std::system(cmd.c_str());
  RunResult r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_text(dir / "stdout.txt");
  r.err = read_text(dir / "stderr.txt");
  r.dir = dir;
  return r;
}

inline bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace imcvp::test
