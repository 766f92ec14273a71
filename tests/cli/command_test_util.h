// Shared by the command-line suites: run the podium binary (PODIUM_BINARY) as a
// user would, and a fixture with a fresh scratch folder per test.
#ifndef PODIUM_TESTS_CLI_COMMAND_TEST_UTIL_H_
#define PODIUM_TESTS_CLI_COMMAND_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace podium::cli_testing {

struct CommandRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `podium ARGS` through the shell and collects its output.
inline CommandRun Podium(const std::string& args) {
  const std::string command = std::string(PODIUM_BINARY) + " " + args + " 2>&1";
  CommandRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A path under the source tree.
inline std::string Source(const std::string& relative) { return std::string(PODIUM_SOURCE_DIR) + "/" + relative; }

// A scratch folder per test, named after the suite and the test, removed after.
class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("podium_" + std::string(info->test_suite_name()) + "_" + std::string(info->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& text) const { std::ofstream(Path(name)) << text; }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::path dir_;
};

}  // namespace podium::cli_testing

#endif  // PODIUM_TESTS_CLI_COMMAND_TEST_UTIL_H_
