// Runs the podium binary as a user would and checks exit codes and output.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "command_test_util.h"

namespace {

namespace fs = std::filesystem;

using podium::cli_testing::CommandRun;
using podium::cli_testing::Podium;
using podium::cli_testing::Source;

class CliTest : public podium::cli_testing::ScratchDirTest {};

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

// A PMML scorecard's reasonCode OutputFields name the reason columns, which
// hold its reason codes in PMML's order (the specification's worked example
// first: 29, RC2_3 then RC1; tests/golden/cases/pmml_scorecard_reason_codes).
TEST_F(CliTest, ScoreAPmmlScorecardWithItsReasonCodes) {
  const std::string folder = Source("tests/golden/cases/pmml_scorecard_reason_codes");
  CommandRun run = Podium("score --model " + folder + "/model.pmml --in " + folder + "/input.csv --out " +
                          Path("scores.csv") + " --reasons 3 --keep none");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string scores = Read("scores.csv");
  std::vector<std::string> lines;
  std::istringstream in(scores);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 7u) << scores;
  EXPECT_EQ(lines[0],
            "Final Score,Reason Code 1,reason_1_contribution,Reason Code 2,reason_2_contribution,Reason Code 3,"
            "reason_3_contribution");
  // Contributions are minus the points below the baseline.
  EXPECT_EQ(lines[1], "29,RC2_3,-18,RC1,-16,,");
  EXPECT_EQ(lines[3], "8,RC2_2,-21,RC1,-13,RC3,-5");
  EXPECT_EQ(lines[5], "26,RC1,-16,RC3,-5,,");
  EXPECT_EQ(lines[6], ",,,,,,") << "no Attribute matched: no score, no reasons";
}

TEST_F(CliTest, ScoreFromStdinToStdout) {
  const std::string cmd = "score --model " + Source("data/demo/churn_pipeline.json") + " --in - --out - --keep none < " +
                          Source("data/demo/mlc_churn.csv") + " | head -n 2";
  CommandRun run = Podium(cmd);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.substr(0, run.output.find('\n')), "probability_no,probability_yes,label,decision,flags");
}

TEST_F(CliTest, ImportPmmlThenScore) {
  const std::string model = Source("tests/golden/cases/pmml_regression_claims/model.pmml");
  CommandRun run = Podium("import " + model + " -o " + Path("claims.json"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("from pmml 4.4 RegressionModel"), std::string::npos) << run.output;
  // The same file named explicitly gives the same canonical artifact.
  ASSERT_EQ(Podium("import " + model + " --format pmml -o " + Path("again.json")).exit_code, 0);
  EXPECT_EQ(Read("claims.json"), Read("again.json"));
  Write("rows.csv", "age,salary,car_location\n30,20000,street\n");
  CommandRun score = Podium("score --model " + Path("claims.json") + " --in " + Path("rows.csv") + " --out - --keep none");
  ASSERT_EQ(score.exit_code, 0) << score.output;
  EXPECT_NE(score.output.find("870.4"), std::string::npos) << score.output;
  // An XGBoost model is recognised from its content too.
  EXPECT_EQ(Podium("import " + Source("src/formats/testdata/xgboost/binary_logistic.json") + " -o " +
                   Path("xgb.json")).exit_code,
            0);
  // Errors name the element and line.
  Write("bad.pmml", "<PMML version=\"4.4\">\n<DataDictionary/>\n<NeuralNetwork functionName=\"regression\"/></PMML>");
  CommandRun bad = Podium("import " + Path("bad.pmml") + " -o " + Path("bad.json"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("<NeuralNetwork> (line 3)"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(Path("bad.json")));
}

TEST_F(CliTest, ImportLightgbmThenScore) {
  const std::string model = Source("src/formats/testdata/lightgbm/regression_zero.txt");
  CommandRun run = Podium("import " + model + " -o " + Path("lgbm.json"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("from lightgbm v4 regression"), std::string::npos) << run.output;
  ASSERT_EQ(Podium("import " + model + " --format lightgbm -o " + Path("again.json")).exit_code, 0);
  EXPECT_EQ(Read("lgbm.json"), Read("again.json"));
  // balance 0 is in the Zero missing type's band: 20 + 3 (tests/golden/cases/
  // lightgbm_regression_zero_missing/NOTES.md).
  Write("rows.csv", "balance,rate\n0,0\n");
  CommandRun score = Podium("score --model " + model + " --in " + Path("rows.csv") + " --out - --keep none");
  ASSERT_EQ(score.exit_code, 0) << score.output;
  EXPECT_NE(score.output.find("\n23\n"), std::string::npos) << score.output;
  // Errors name the tree and line.
  Write("bad.txt", "tree\nversion=v4\nnum_class=1\nmax_feature_idx=0\nobjective=regression\n\nTree=0\n"
                   "num_leaves=2\nsplit_feature=0\nthreshold=1\ndecision_type=2\nleft_child=-1\n"
                   "right_child=-3\nleaf_value=1 2\n");
  CommandRun bad = Podium("import " + Path("bad.txt") + " -o " + Path("bad.json"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("Tree=0 (line 13): right_child[0]: child -3 is out of range"), std::string::npos)
      << bad.output;
  EXPECT_FALSE(fs::exists(Path("bad.json")));
}

TEST_F(CliTest, ImportOnnxThenScore) {
  const std::string model = Source("src/formats/testdata/onnx/linear_regressor.onnx");
  CommandRun run = Podium("import " + model + " -o " + Path("onnx.json"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("from onnx ir_version 8"), std::string::npos) << run.output;
  ASSERT_EQ(Podium("import " + model + " --format onnx -o " + Path("again.json")).exit_code, 0);
  EXPECT_EQ(Read("onnx.json"), Read("again.json"));
  CommandRun named = Podium("import " + model + " --feature-names a,b,c,d,e,f -o " + Path("named.json"));
  ASSERT_EQ(named.exit_code, 0) << named.output;
  EXPECT_NE(Read("named.json").find("\"a\""), std::string::npos);
  CommandRun wrong = Podium("import " + model + " --feature-names a,b -o " + Path("wrong.json"));
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.output.find("2 names given, but the graph's inputs have 6 numeric columns"), std::string::npos)
      << wrong.output;
  // Scored directly; the output keeps the graph's name.
  Write("rows.csv", "X_0,X_1,X_2,X_3,X_4,X_5\n0,0,0,0,0,0\n");
  CommandRun score = Podium("score --model " + model + " --in " + Path("rows.csv") + " --out - --keep none");
  ASSERT_EQ(score.exit_code, 0) << score.output;
  EXPECT_NE(score.output.find("variable\n1.75\n"), std::string::npos) << score.output;
  // Errors name the node.
  Write("bad.onnx", "not a model");
  CommandRun bad = Podium("import " + Path("bad.onnx") + " --format onnx -o " + Path("bad.json"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("(ONNX): not an ONNX model"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(Path("bad.json")));
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
  run = Podium(base + " --format sklearn");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("unknown model format 'sklearn'"), std::string::npos);
  run = Podium(base + " --format onnx");  // a pipeline file read as ONNX
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("(ONNX): not an ONNX model"), std::string::npos) << run.output;
  run = Podium(base + " --threads -1");
  EXPECT_EQ(run.exit_code, 2);
  run = Podium(base + " --delimiter ab");
  EXPECT_EQ(run.exit_code, 1);
}

// `podium server --data-dir` in a child process, stopped with SIGTERM.
class ServerProcess {
 public:
  // Starts the server (API token "srv", any free port) and waits, at most
  // 20 s, for its "listening on" line.
  ServerProcess(const std::string& data_dir, const std::string& log) : log_(log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::FILE* out = std::freopen(log.c_str(), "w", stderr);
      (void)out;
      ::setenv("PODIUM_API_TOKEN", "srv", 1);
      ::execl(PODIUM_BINARY, PODIUM_BINARY, "server", "--data-dir", data_dir.c_str(), "--port", "0",
              static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    const std::string marker = "listening on ";
    for (int i = 0; i < 400 && url_.empty(); ++i) {
      std::ifstream in(log);
      const std::string text((std::istreambuf_iterator<char>(in)), {});
      const size_t at = text.find(marker);
      if (at != std::string::npos) {
        const size_t end = text.find(' ', at + marker.size());
        if (end != std::string::npos) url_ = text.substr(at + marker.size(), end - at - marker.size());
      }
      if (url_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~ServerProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  const std::string& url() const { return url_; }
  std::string Log() const {
    std::ifstream in(log_);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  std::string url_;
};

TEST_F(CliTest, RegistryCommandsAgainstAServer) {
  ServerProcess server(Path("data"), Path("server.log"));
  ASSERT_FALSE(server.url().empty()) << server.Log();
  ASSERT_EQ(server.url().rfind("http://127.0.0.1:", 0), 0u) << server.url();
  const std::string remote = " --server " + server.url();

  CommandRun run = Podium("registry init-admin --name root --token srv" + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const size_t at = run.output.find("pdm_");
  ASSERT_NE(at, std::string::npos) << run.output;
  const std::string token = " --token " + run.output.substr(at, run.output.find('\n', at) - at);

  run = Podium("registry create credit --description 'Consumer credit risk'" + token + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("created model credit (owner root)"), std::string::npos) << run.output;
  run = Podium("registry register credit " + Source("src/pipeline/testdata/credit_glm.json") +
               " --metric auc=0.71" + token + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("registered credit version 1 (sha256:"), std::string::npos) << run.output;
  run = Podium("registry alias credit champion 1" + token + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = Podium("registry promote credit 1 development" + token + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("promoted credit version 1 to development"), std::string::npos);

  // A signed approval over HTTP: the key stays with the approver.
  run = Podium("registry user add carol --role approver" + token + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const size_t carol_at = run.output.find("pdm_");
  ASSERT_NE(carol_at, std::string::npos) << run.output;
  const std::string carol = " --token " + run.output.substr(carol_at, run.output.find('\n', carol_at) - carol_at);
  run = Podium("registry keygen --out " + Path("carol.key") + carol + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = Podium("registry approve credit 1 pre-production --comment 'report OK' --key " + Path("carol.key") + carol +
               remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("approved credit version 1 for pre-production"), std::string::npos) << run.output;
  run = Podium("registry promote credit 1 pre-production" + token + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = Podium("registry verify credit 1" + token + remote);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("1 signature(s) valid"), std::string::npos) << run.output;

  // The same output as opening the store directly.
  for (const char* command : {"registry list", "registry list credit", "registry show credit@champion",
                              "registry search credit", "registry lineage credit 1", "registry env list",
                              "registry user list", "audit verify", "audit log --model credit"}) {
    const CommandRun over_http = Podium(std::string(command) + token + remote);
    const CommandRun local = Podium(std::string(command) + token + " --data-dir " + Path("data"));
    EXPECT_EQ(over_http.exit_code, 0) << command << ": " << over_http.output;
    EXPECT_EQ(over_http.output, local.output) << command;
  }

  run = Podium("registry show credit@nothing" + token + remote);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("[NOT_FOUND]"), std::string::npos) << run.output;
  run = Podium("registry list --token wrong" + remote);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("[UNAUTHENTICATED]"), std::string::npos) << run.output;
  run = Podium("registry list" + token + " --server https://127.0.0.1:1");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("https is not supported"), std::string::npos) << run.output;
}

TEST_F(CliTest, RegistryServerThatIsNotThere) {
  CommandRun run = Podium("registry list --token x --server http://127.0.0.1:1");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("cannot reach the server at http://127.0.0.1:1"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("[UNAVAILABLE]"), std::string::npos) << run.output;
}

}  // namespace
