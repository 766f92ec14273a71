// Runs the podium binary as a user would and checks exit codes and output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandRun Podium(const std::string& args) {
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

std::string Source(const std::string& relative) { return std::string(PODIUM_SOURCE_DIR) + "/" + relative; }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("podium_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& text) const { std::ofstream(Path(name)) << text; }
  std::string Read(const std::string& name) const {
    std::ifstream in(Path(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
};

TEST_F(CliTest, HelpAndUsageErrors) {
  CommandRun help = Podium("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("score"), std::string::npos);
  EXPECT_NE(help.output.find("inspect"), std::string::npos);
  CommandRun score_help = Podium("score --help");
  EXPECT_EQ(score_help.exit_code, 0);
  EXPECT_NE(score_help.output.find("--rejects"), std::string::npos);
  EXPECT_EQ(Podium("").exit_code, 2);
  CommandRun missing = Podium("score --model x.json");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("--in"), std::string::npos) << missing.output;
  EXPECT_EQ(Podium("frobnicate").exit_code, 2);
  EXPECT_EQ(Podium("--version").exit_code, 0);
}

TEST_F(CliTest, InspectAndValidateTheDemo) {
  CommandRun inspect = Podium("inspect " + Source("data/demo/churn_pipeline.json"));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("Pipeline: churn_demo"), std::string::npos);
  EXPECT_NE(inspect.output.find("Digest: sha256:"), std::string::npos);
  EXPECT_NE(inspect.output.find("GLM, family binomial, link logit"), std::string::npos);
  CommandRun json = Podium("inspect --json " + Source("data/demo/churn_pipeline.json"));
  ASSERT_EQ(json.exit_code, 0);
  nlohmann::json doc = nlohmann::json::parse(json.output);
  EXPECT_EQ(doc["name"], "churn_demo");
  EXPECT_EQ(doc["inputs"].size(), 14u);
  CommandRun validate = Podium("validate " + Source("data/demo/churn_pipeline.json"));
  EXPECT_EQ(validate.exit_code, 0);
  EXPECT_NE(validate.output.find("valid: "), std::string::npos);
}

TEST_F(CliTest, ValidateReportsWhatIsWrong) {
  Write("broken.json", R"({"format": "podium-pipeline", "format_version": 1, "inputs": [{"name": "x", "type": "number"}],
    "features": ["x"], "model": {"type": "glm", "task": "regression", "family": "gaussian", "link": "identity",
    "intercepts": [1], "coefficients": [[1, 2]]}})");
  CommandRun run = Podium("validate " + Path("broken.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("broken.json"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("2 coefficients given, expected 1 x 1 features"), std::string::npos) << run.output;
  Write("garbage.json", "hello");
  run = Podium("validate " + Path("garbage.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("cannot tell the model format"), std::string::npos) << run.output;
  run = Podium("validate " + Path("nope.json"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("nope.json"), std::string::npos);
}

TEST_F(CliTest, ScoreTheDemoWithReasonsAndSummary) {
  CommandRun run = Podium("score --model " + Source("data/demo/churn_pipeline.json") + " --in " +
                   Source("data/demo/mlc_churn.csv") + " --out " + Path("scores.csv") +
                   " --reasons 2 --summary --keep none");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("Scored 5,000 rows"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("Decisions:"), std::string::npos);
  const std::string scores = Read("scores.csv");
  EXPECT_EQ(scores.substr(0, scores.find('\n')),
            "probability_no,probability_yes,label,decision,flags,reason_1,reason_1_contribution,reason_2,"
            "reason_2_contribution");
  EXPECT_EQ(std::count(scores.begin(), scores.end(), '\n'), 5001);
}

TEST_F(CliTest, ScoreFromStdinToStdout) {
  const std::string cmd = "score --model " + Source("data/demo/churn_pipeline.json") + " --in - --out - --keep none < " +
                          Source("data/demo/mlc_churn.csv") + " | head -n 2";
  CommandRun run = Podium(cmd);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.substr(0, run.output.find('\n')), "probability_no,probability_yes,label,decision,flags");
}

TEST_F(CliTest, BadRowsStopTheJobOrGoToRejects) {
  std::ifstream demo(Source("data/demo/mlc_churn.csv"));
  std::string header, row;
  std::getline(demo, header);
  std::getline(demo, row);
  std::string bad = row;
  bad.replace(bad.find(",128,"), 5, ",12x8,");
  Write("in.csv", header + "\n" + row + "\n" + bad + "\n" + row + "\n");
  CommandRun run = Podium("score --model " + Source("data/demo/churn_pipeline.json") + " --in " + Path("in.csv") +
                   " --out " + Path("out.csv"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("in.csv, line 3, column 2 (account_length): '12x8' is not a number"), std::string::npos)
      << run.output;
  EXPECT_FALSE(fs::exists(Path("out.csv")));
  run = Podium("score --model " + Source("data/demo/churn_pipeline.json") + " --in " + Path("in.csv") +
               " --out " + Path("out.csv") + " --rejects " + Path("rejects.csv") + " --summary");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("Scored 2 rows (1 rejected)"), std::string::npos) << run.output;
  EXPECT_NE(Read("rejects.csv").find("'12x8' is not a number"), std::string::npos);
}

TEST_F(CliTest, ScoreOptionErrors) {
  const std::string base = "score --model " + Source("data/demo/churn_pipeline.json") + " --in " +
                           Source("data/demo/mlc_churn.csv") + " --out " + Path("o.csv");
  CommandRun run = Podium(base + " --in-format xml");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("unknown data format 'xml'"), std::string::npos);
  run = Podium(base + " --format onnx");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("unknown model format 'onnx'"), std::string::npos);
  run = Podium(base + " --threads -1");
  EXPECT_EQ(run.exit_code, 2);
  run = Podium(base + " --delimiter ab");
  EXPECT_EQ(run.exit_code, 1);
}

}  // namespace
