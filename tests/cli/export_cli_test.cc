// `podium export`, run as a user would: PMML to stdout or a file, the
// exported document scored by `podium score` like the pipeline it came from,
// and clear errors for what PMML cannot express.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "command_test_util.h"

namespace {

namespace fs = std::filesystem;

using podium::cli_testing::CommandRun;
using podium::cli_testing::Podium;
using podium::cli_testing::Source;

class ExportCliTest : public podium::cli_testing::ScratchDirTest {};

TEST_F(ExportCliTest, HelpNamesTheFormat) {
  CommandRun help = Podium("export --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--format"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("pmml"), std::string::npos) << help.output;
  // The format is required, and only PMML is known.
  EXPECT_EQ(Podium("export " + Source("data/demo/churn_pipeline.json")).exit_code, 2);
  EXPECT_EQ(Podium("export " + Source("data/demo/churn_pipeline.json") + " --format onnx").exit_code, 2);
}

TEST_F(ExportCliTest, ExportThenScoreTheSame) {
  const std::string pipeline = Source("tests/golden/cases/glm_logistic_onehot/pipeline.json");
  CommandRun to_stdout = Podium("export " + pipeline + " --format pmml");
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.output;
  EXPECT_EQ(to_stdout.output.rfind("<?xml", 0), 0u) << to_stdout.output;
  EXPECT_NE(to_stdout.output.find("xmlns=\"http://www.dmg.org/PMML-4_4\""), std::string::npos);
  CommandRun to_file = Podium("export " + pipeline + " --format pmml -o " + Path("model.pmml"));
  ASSERT_EQ(to_file.exit_code, 0) << to_file.output;
  EXPECT_EQ(Read("model.pmml"), to_stdout.output.substr(0, Read("model.pmml").size()));
  // The document scores as the pipeline does.
  fs::copy_file(Source("tests/golden/cases/glm_logistic_onehot/input.csv"), Path("rows.csv"));
  CommandRun original = Podium("score --model " + pipeline + " --in " + Path("rows.csv") + " --out - --keep none");
  CommandRun exported =
      Podium("score --model " + Path("model.pmml") + " --in " + Path("rows.csv") + " --out - --keep none");
  ASSERT_EQ(original.exit_code, 0) << original.output;
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_EQ(exported.output, original.output);
}

// Business rules travel as the decision and flags output fields: scoring the
// document writes the same decision and flags columns.
TEST_F(ExportCliTest, BusinessRulesScoreTheSame) {
  const std::string pipeline = Source("tests/golden/cases/business_rules/pipeline.json");
  CommandRun exported = Podium("export " + pipeline + " --format pmml -o " + Path("rules.pmml"));
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  fs::copy_file(Source("tests/golden/cases/business_rules/input.csv"), Path("rows.csv"));
  CommandRun original = Podium("score --model " + pipeline + " --in " + Path("rows.csv") + " --out - --keep none");
  CommandRun document =
      Podium("score --model " + Path("rules.pmml") + " --in " + Path("rows.csv") + " --out - --keep none");
  ASSERT_EQ(original.exit_code, 0) << original.output;
  ASSERT_EQ(document.exit_code, 0) << document.output;
  EXPECT_NE(original.output.find("decision,flags"), std::string::npos) << original.output;
  EXPECT_NE(original.output.find("approve_vip"), std::string::npos) << original.output;
  EXPECT_NE(original.output.find("large amount"), std::string::npos) << original.output;
  EXPECT_EQ(document.output, original.output);
}

TEST_F(ExportCliTest, RefusalsNameTheConstruct) {
  // A scorecard's reason-code ranking has no PMML equivalent outside a Scorecard.
  CommandRun ranked = Podium("export " + Source("tests/golden/cases/pmml_scorecard/model.pmml") +
                             " --format pmml -o " + Path("ranked.pmml"));
  EXPECT_EQ(ranked.exit_code, 1);
  EXPECT_NE(ranked.output.find("post.reason_order"), std::string::npos) << ranked.output;
  EXPECT_FALSE(fs::exists(Path("ranked.pmml")));
  CommandRun missing = Podium("export " + Path("nothing.json") + " --format pmml");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("nothing.json"), std::string::npos) << missing.output;
}

}  // namespace
