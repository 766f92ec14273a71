#include "jobs/score_job.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/file.h"

namespace podium::jobs {
namespace {

namespace fs = std::filesystem;

// p(yes) = logistic(0.5 * x - 1 + 2 * [c == "b"]); rules: override when
// x > 100, annotate when x < 0.
Pipeline TestPipeline() {
  Pipeline p;
  p.name = "job_test";
  InputField x;
  x.name = "x";
  InputField c;
  c.name = "c";
  c.type = FieldType::kCategory;
  c.levels = {"a", "b"};
  p.inputs = {x, c};
  OneHotTransform one_hot;
  one_hot.input = "c";
  one_hot.levels = {"b"};
  one_hot.unknown = UnknownLevelPolicy::kIgnore;
  p.transforms = {one_hot};
  p.features = {"x", "c=b"};
  GlmModel glm;
  glm.family = GlmFamily::kBinomial;
  glm.link = LinkFunction::kLogit;
  glm.intercepts = {-1.0};
  glm.coefficients = {0.5, 2.0};
  p.model.task = Task::kClassification;
  p.model.classes = {"no", "yes"};
  p.model.body = glm;
  p.post.rules = {{"big", "x > 100", RuleAction::kOverride, "refer", "x over 100"},
                  {"negative", "x < 0", RuleAction::kAnnotate, "", "negative x"}};
  return p;
}

double Probability(double x, bool b) { return 1.0 / (1.0 + std::exp(-(0.5 * x - 1.0 + (b ? 2.0 : 0.0)))); }

class ScoreJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("podium_job_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(TestPipeline());
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    plan_ = *plan;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::string Write(const std::string& name, const std::string& contents) {
    const std::string path = Path(name);
    EXPECT_TRUE(WriteFileAtomically(path, contents).ok());
    return path;
  }

  std::string Read(const std::string& name) {
    Result<std::string> text = ReadFileToString(Path(name));
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return text.ok() ? *text : "";
  }

  ScoreFileOptions Options(const std::string& in, const std::string& out) {
    ScoreFileOptions options;
    options.input_path = Path(in);
    options.output_path = Path(out);
    options.threads = 2;
    return options;
  }

  fs::path dir_;
  std::shared_ptr<const engine::ScoringPlan> plan_;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(ScoreJobTest, OutputsTakeTheNamesTheSourceGave) {
  Pipeline named = TestPipeline();
  named.output_names.probabilities = {"Probability_no", "Probability_yes"};
  named.output_names.label = "churn";
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(named);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Write("in.csv", "id,x,c\n1,2,a\n");
  ASSERT_TRUE(ScoreFile(**plan, Options("in.csv", "out.csv")).ok());
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "id,x,c,Probability_no,Probability_yes,churn,decision,flags");
  EXPECT_EQ(lines[1], "1,2,a,0.5,0.5,yes,yes,");
}

// Derived outputs: one column each after the model's columns, before the
// decision; booleans as 1/0, missing as an empty cell (NDJSON: null).
TEST_F(ScoreJobTest, DerivedOutputsFollowTheModelsColumns) {
  Pipeline derived = TestPipeline();
  derived.post.outputs = {{"odds", "probability_yes / probability_no"}, {"hot", "odds > 1"}};
  derived.post.rules.push_back({"hot", "hot", RuleAction::kAnnotate, "", "hot"});
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(derived);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Write("in.csv", "x,c\n2,a\n4,a\n,a\n");
  ASSERT_TRUE(ScoreFile(**plan, Options("in.csv", "out.csv")).ok());
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "x,c,probability_no,probability_yes,label,odds,hot,decision,flags");
  EXPECT_EQ(lines[1], "2,a,0.5,0.5,yes,1,0,yes,");
  // x = 4: odds = p / (1 - p) = e (to rounding), hot, so flagged.
  EXPECT_NE(lines[2].find(",yes,2.71828182845904"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find(",1,yes,hot"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[3], ",a,,,,,,,");
  ScoreFileOptions ndjson = Options("in.csv", "out.ndjson");
  ndjson.output_format = DataFormat::kNdjson;
  ASSERT_TRUE(ScoreFile(**plan, ndjson).ok());
  const std::vector<std::string> objects = Lines(Read("out.ndjson"));
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_NE(objects[0].find("\"label\":\"yes\",\"odds\":1,\"hot\":0,\"decision\":\"yes\""), std::string::npos)
      << objects[0];
  EXPECT_NE(objects[2].find("\"odds\":null,\"hot\":null"), std::string::npos) << objects[2];
}

// A category output is written as its category's text, missing as empty.
TEST_F(ScoreJobTest, CategoryOutputsAreWrittenAsText) {
  Pipeline derived = TestPipeline();
  derived.post.outputs = {{"tier", "if x > 10 then 1 else if x >= 0 then 0 else 5", {"low", "high"}}};
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(derived);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Write("in.csv", "x,c\n2,a\n20,a\n-1,a\n");
  ASSERT_TRUE(ScoreFile(**plan, Options("in.csv", "out.csv")).ok());
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "x,c,probability_no,probability_yes,label,tier,decision,flags");
  EXPECT_NE(lines[1].find(",low,"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(",yes,high,yes,"), std::string::npos) << lines[2];
  EXPECT_NE(lines[3].find(",no,,no,negative x"), std::string::npos) << lines[3];
}

// A replaced prediction cannot be explained: --reasons is refused, saying why.
TEST_F(ScoreJobTest, PredictionExpressionRefusesReasonCodes) {
  Pipeline clamped;
  InputField x;
  x.name = "x";
  clamped.inputs = {x};
  clamped.features = {"x"};
  GlmModel glm;
  glm.intercepts = {0.0};
  glm.coefficients = {1.0};
  clamped.model.body = glm;
  clamped.post.prediction_expression = "max(score, 0)";
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(clamped);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Write("in.csv", "x\n-2\n3\n");
  ASSERT_TRUE(ScoreFile(**plan, Options("in.csv", "out.csv")).ok());
  EXPECT_EQ(Lines(Read("out.csv")), (std::vector<std::string>{"x,prediction", "-2,0", "3,3"}));
  ScoreFileOptions options = Options("in.csv", "reasons.csv");
  options.reason_codes = 1;
  Result<ScoreSummary> refused = ScoreFile(**plan, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--reasons: this model cannot be explained (post.prediction_expression"),
            std::string::npos)
      << refused.status().ToString();
}

// Clustering: one distance column per cluster, then the cluster; the summary's
// mean score is the mean winning distance; there are no reason codes.
TEST_F(ScoreJobTest, ClusteringWritesDistancesAndTheCluster) {
  Pipeline p;
  p.name = "segments";
  p.inputs = {{.name = "x"}, {.name = "y"}};
  p.features = {"x", "y"};
  p.model.task = Task::kClustering;
  p.model.classes = {"near", "far"};
  p.model.body = ClusteringModel{.measure = ClusterMeasure::kCityBlock,
                                 .compare = {CompareFunction::kAbsDiff, CompareFunction::kAbsDiff},
                                 .field_weights = {1, 1},
                                 .centers = {0, 0, 10, 10}};
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(p);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Write("in.csv", "x,y\n1,2\n9,9\n,\n");
  Result<ScoreSummary> summary = ScoreFile(**plan, Options("in.csv", "out.csv"));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "x,y,distance_near,distance_far,cluster");
  EXPECT_EQ(lines[1], "1,2,3,17,near");
  EXPECT_EQ(lines[2], "9,9,18,2,far");
  EXPECT_EQ(lines[3], ",,,,");
  EXPECT_EQ(summary->label_counts.at("near"), 1);
  EXPECT_EQ(summary->label_counts.at("far"), 1);
  EXPECT_DOUBLE_EQ(summary->mean_score, 2.5);

  ScoreFileOptions options = Options("in.csv", "reasons.csv");
  options.reason_codes = 2;
  Result<ScoreSummary> refused = ScoreFile(**plan, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("--reasons: a clustering model has no reason codes"), std::string::npos)
      << refused.status().ToString();
}

TEST_F(ScoreJobTest, CsvToCsvKeepsColumnsAndAddsScores) {
  Write("in.csv", "id,x,c\n1,2,a\n2,4,b\n3,,a\n");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.csv", "out.csv"));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->rows_scored, 3);
  EXPECT_EQ(summary->rows_rejected, 0);
  EXPECT_EQ(summary->unused_columns, std::vector<std::string>{"id"});
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "id,x,c,probability_no,probability_yes,label,decision,flags");
  // x = 2, c = a: p = logistic(0) = 0.5 -> label yes (threshold 0.5).
  EXPECT_EQ(lines[1], "1,2,a,0.5,0.5,yes,yes,");
  // x = 4, c = b: p = logistic(3).
  std::ostringstream expected;
  const double p = Probability(4, true);
  EXPECT_EQ(lines[2].substr(0, 6), "2,4,b,");
  double no = 0, yes = 0;
  ASSERT_EQ(std::sscanf(lines[2].c_str() + 6, "%lf,%lf", &no, &yes), 2);
  EXPECT_DOUBLE_EQ(yes, p);
  EXPECT_DOUBLE_EQ(no, 1 - p);
  // A missing x makes the GLM's output missing: empty probabilities, no label.
  EXPECT_EQ(lines[3], "3,,a,,,,,");
  EXPECT_EQ(summary->label_counts.at("yes"), 2);
}

TEST_F(ScoreJobTest, RulesDecideAndFlag) {
  Write("in.csv", "x,c\n150,a\n-3,b\n");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.csv", "out.csv"));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[1].find(",yes,refer,"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find(",negative x"), std::string::npos) << lines[2];
  EXPECT_EQ(summary->decision_counts.at("refer"), 1);
  EXPECT_EQ(summary->flag_counts.at("negative"), 1);
}

TEST_F(ScoreJobTest, KeepsRowOrderAcrossManyChunksAndThreads) {
  std::string csv = "id,x,c\n";
  constexpr int kRows = 20000;
  for (int i = 0; i < kRows; ++i) {
    csv += std::to_string(i) + "," + std::to_string(i % 17 - 8) + "," + (i % 3 ? "a" : "b") + "\n";
  }
  Write("in.csv", csv);
  ScoreFileOptions options = Options("in.csv", "out.csv");
  options.threads = 4;
  options.block_bytes = 4096;  // many small chunks
  std::vector<int64_t> progress;
  options.on_progress = [&](const ScoreProgress& p) { progress.push_back(p.rows_done); };
  Result<ScoreSummary> summary = ScoreFile(*plan_, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->rows_scored, kRows);
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), static_cast<size_t>(kRows + 1));
  for (int i = 0; i < kRows; ++i) {
    const std::string& line = lines[static_cast<size_t>(i + 1)];
    ASSERT_EQ(line.substr(0, line.find(',')), std::to_string(i));
    const int x = i % 17 - 8;
    double no = 0, yes = 0;
    const size_t values = line.find(',', line.find(',', line.find(',') + 1) + 1) + 1;
    ASSERT_EQ(std::sscanf(line.c_str() + values, "%lf,%lf", &no, &yes), 2) << line;
    ASSERT_DOUBLE_EQ(yes, Probability(x, i % 3 == 0)) << line;
  }
  ASSERT_GT(progress.size(), 10u);
  EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
  EXPECT_EQ(progress.back(), kRows);
}

TEST_F(ScoreJobTest, FirstBadRowFailsTheJobNamingFileLineAndColumn) {
  Write("in.csv", "x,c\n1,a\n2,b\nabc,a\n3,zzz\n");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.csv", "out.csv"));
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(summary.status().message().find(Path("in.csv") + ", line 4, column 1 (x): 'abc' is not a number"),
            std::string::npos)
      << summary.status().message();
  EXPECT_NE(summary.status().message().find("--rejects"), std::string::npos);
  // A failed job leaves no output behind.
  EXPECT_FALSE(fs::exists(Path("out.csv")));
}

TEST_F(ScoreJobTest, RejectsFileCollectsBadRowsAndTheJobGoesOn) {
  Write("in.csv", "x,c\n1,a\nabc,a\n3,zzz\n4,b,extra\n5,\"b\"\n");
  ScoreFileOptions options = Options("in.csv", "out.csv");
  options.rejects_path = Path("rejects.csv");
  Result<ScoreSummary> summary = ScoreFile(*plan_, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->rows_scored, 2);
  EXPECT_EQ(summary->rows_rejected, 3);
  const std::vector<std::string> rejects = Lines(Read("rejects.csv"));
  ASSERT_EQ(rejects.size(), 4u);
  EXPECT_EQ(rejects[0], "x,c,error");
  EXPECT_NE(rejects[1].find("abc,a,"), std::string::npos);
  EXPECT_NE(rejects[1].find("line 3, column 1 (x): 'abc' is not a number"), std::string::npos) << rejects[1];
  EXPECT_NE(rejects[2].find("line 4, column 2 (c): 'zzz' is not one of the field's levels"), std::string::npos)
      << rejects[2];
  EXPECT_NE(rejects[3].find("line 5: expected 2 fields but found 3"), std::string::npos) << rejects[3];
  EXPECT_EQ(Lines(Read("out.csv")).size(), 3u);
}

TEST_F(ScoreJobTest, MissingColumnIsAnError) {
  Write("in.csv", "x,cc\n1,a\n");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.csv", "out.csv"));
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("line 1: the header has no column 'c', which the model needs"),
            std::string::npos)
      << summary.status().message();
}

TEST_F(ScoreJobTest, MalformedInputIsReportedWithItsPosition) {
  struct Case {
    std::string csv;
    std::string message;
  };
  const Case cases[] = {
      {"x,c\n1,a\n2\n", "line 3: expected 2 fields but found 1"},
      {"x,c\n1,\"a\n", "line 2"},
      {"x,c\n1,a\xff\n", "line 2, column 2: invalid UTF-8 byte 0xff"},
      {"x,c\n1e999,a\n", "line 2, column 1 (x): '1e999' is not a number"},
      {"x,c\nNaN,a\n", "'NaN' is not a number"},
  };
  for (const Case& c : cases) {
    Write("in.csv", c.csv);
    Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.csv", "out.csv"));
    ASSERT_FALSE(summary.ok()) << c.csv;
    EXPECT_EQ(summary.status().code(), StatusCode::kInvalidArgument) << c.csv;
    EXPECT_NE(summary.status().message().find(c.message), std::string::npos) << summary.status().message();
  }
}

TEST_F(ScoreJobTest, EmptyAndHeaderOnlyInputs) {
  Write("empty.csv", "");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("empty.csv", "out.csv"));
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("is empty"), std::string::npos);
  Write("header.csv", "x,c\n");
  summary = ScoreFile(*plan_, Options("header.csv", "out.csv"));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->rows_scored, 0);
  EXPECT_EQ(Lines(Read("out.csv")).size(), 1u);
}

TEST_F(ScoreJobTest, NdjsonToNdjsonExtendsEachObject) {
  Write("in.ndjson", "{\"id\": 7, \"x\": 2, \"c\": \"a\"}\n{\"x\": 150, \"c\": \"b\", \"note\": null}\n");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.ndjson", "out.ndjson"));
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::vector<std::string> lines = Lines(Read("out.ndjson"));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "{\"id\": 7, \"x\": 2, \"c\": \"a\",\"probability_no\":0.5,\"probability_yes\":0.5,"
            "\"label\":\"yes\",\"decision\":\"yes\",\"flags\":null}");
  EXPECT_NE(lines[1].find("\"decision\":\"refer\""), std::string::npos) << lines[1];
}

TEST_F(ScoreJobTest, NdjsonErrorsNameTheField) {
  Write("in.ndjson", "{\"x\": \"abc\", \"c\": \"a\"}\n");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.ndjson", "out.ndjson"));
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("line 1, field 'x': 'abc' is not a number"), std::string::npos)
      << summary.status().message();
  Write("in.ndjson", "{\"x\": 1, \"c\": [1]}\n");
  summary = ScoreFile(*plan_, Options("in.ndjson", "out.ndjson"));
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("field 'c'"), std::string::npos) << summary.status().message();
  Write("in.ndjson", "[1, 2]\n");
  summary = ScoreFile(*plan_, Options("in.ndjson", "out.ndjson"));
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("line 1: expected a JSON object"), std::string::npos)
      << summary.status().message();
}

TEST_F(ScoreJobTest, CsvToNdjsonAndKeepOptions) {
  Write("in.csv", "id,x,c\n1,2,a\n");
  ScoreFileOptions options = Options("in.csv", "out.ndjson");
  options.keep = ScoreFileOptions::Keep::kListed;
  options.keep_columns = {"id"};
  Result<ScoreSummary> summary = ScoreFile(*plan_, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(Lines(Read("out.ndjson"))[0],
            "{\"id\":\"1\",\"probability_no\":0.5,\"probability_yes\":0.5,\"label\":\"yes\","
            "\"decision\":\"yes\",\"flags\":null}");
  options = Options("in.csv", "out.csv");
  options.keep = ScoreFileOptions::Keep::kNone;
  ASSERT_TRUE(ScoreFile(*plan_, options).ok());
  EXPECT_EQ(Lines(Read("out.csv"))[0], "probability_no,probability_yes,label,decision,flags");
  options.keep = ScoreFileOptions::Keep::kListed;
  options.keep_columns = {"nope"};
  Result<ScoreSummary> bad = ScoreFile(*plan_, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--keep: the input has no column 'nope'"), std::string::npos);
}

TEST_F(ScoreJobTest, OutputNamesMustNotRepeatInputColumns) {
  Write("in.csv", "x,c,label\n1,a,yes\n");
  Result<ScoreSummary> summary = ScoreFile(*plan_, Options("in.csv", "out.csv"));
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.status().message().find("the output column 'label' would repeat an input column"),
            std::string::npos);
}

TEST_F(ScoreJobTest, ReasonCodes) {
  Write("in.csv", "x,c\n4,b\n");
  ScoreFileOptions options = Options("in.csv", "out.csv");
  options.reason_codes = 2;
  Result<ScoreSummary> summary = ScoreFile(*plan_, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  EXPECT_NE(lines[0].find("reason_1,reason_1_contribution,reason_2,reason_2_contribution"), std::string::npos);
  // Contributions (no feature means: baseline 0): x: 0.5 * 4 = 2, c=b: 2.
  // Equal magnitudes: the lower feature index first.
  EXPECT_NE(lines[1].find(",x,2,c=b,2"), std::string::npos) << lines[1];
}

// A pipeline's reason order, labels and column names: smallest contribution
// first, only negative ones, reported as "X" and "C" in "First", "Second".
TEST_F(ScoreJobTest, ReasonCodesUnderThePipelinesOrderLabelsAndNames) {
  Pipeline pipeline = TestPipeline();
  pipeline.post.reason_order = ReasonOrder::kSmallestFirst;
  pipeline.post.reason_one_sided = true;
  pipeline.post.reason_labels = {"X", "C"};
  pipeline.output_names.reasons = {"First", "Second"};
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(pipeline);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  Write("in.csv", "x,c\n-4,a\n-1,b\n3,b\n");
  ScoreFileOptions options = Options("in.csv", "out.csv");
  options.reason_codes = 3;
  Result<ScoreSummary> summary = ScoreFile(**plan, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  const std::vector<std::string> lines = Lines(Read("out.csv"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("First,reason_1_contribution,Second,reason_2_contribution,reason_3,reason_3_contribution"),
            std::string::npos)
      << lines[0];
  // x = -4, c = a: contributions -2 (x) and 0 (c=b): only X.
  EXPECT_NE(lines[1].find(",X,-2,,,,"), std::string::npos) << lines[1];
  // x = -1, c = b: -0.5 and 2: only X.
  EXPECT_NE(lines[2].find(",X,-0.5,,,,"), std::string::npos) << lines[2];
  // x = 3, c = b: 1.5 and 2: none below zero.
  EXPECT_NE(lines[3].find(",,,,,,"), std::string::npos) << lines[3];
}

TEST_F(ScoreJobTest, CancelStopsTheJob) {
  std::string csv = "x,c\n";
  for (int i = 0; i < 50000; ++i) csv += "1,a\n";
  Write("in.csv", csv);
  std::atomic<bool> cancel{true};
  ScoreFileOptions options = Options("in.csv", "out.csv");
  options.cancel = &cancel;
  Result<ScoreSummary> summary = ScoreFile(*plan_, options);
  EXPECT_EQ(summary.status().code(), StatusCode::kCancelled);
  EXPECT_FALSE(fs::exists(Path("out.csv")));
}

TEST_F(ScoreJobTest, BadOptions) {
  Write("in.csv", "x,c\n1,a\n");
  ScoreFileOptions options = Options("in.csv", "in.csv");
  EXPECT_EQ(ScoreFile(*plan_, options).status().code(), StatusCode::kInvalidArgument);
  options = Options("missing.csv", "out.csv");
  EXPECT_EQ(ScoreFile(*plan_, options).status().code(), StatusCode::kNotFound);
  options = Options("in.csv", "out.csv");
  options.delimiter = 'x';
  EXPECT_EQ(ScoreFile(*plan_, options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDataFormat("xml").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DataFormatFromPath("a.jsonl"), DataFormat::kNdjson);
  EXPECT_EQ(DataFormatFromPath("a.tsv"), DataFormat::kCsv);
  EXPECT_EQ(DataFormatFromPath("a.dat"), std::nullopt);
}

TEST_F(ScoreJobTest, SemicolonDelimitedInput) {
  Write("in.csv", "x;c\n2;a\n");
  ScoreFileOptions options = Options("in.csv", "out.csv");
  options.delimiter = ';';
  Result<ScoreSummary> summary = ScoreFile(*plan_, options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(Lines(Read("out.csv"))[1], "2,a,0.5,0.5,yes,yes,");
}

}  // namespace
}  // namespace podium::jobs
