// The clustering model in the IR: its artifact form (canonical, stable,
// errors with JSON paths), its validation (each error naming the member) and
// its output column names.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "pipeline/pipeline.h"
#include "pipeline/pipeline_json.h"
#include "pipeline/validate.h"

namespace podium {
namespace {

// Two clusters "near" and "far" over x and y; each test breaks one member.
Pipeline ClusteringPipeline() {
  Pipeline pipeline;
  pipeline.name = "segments";
  pipeline.inputs = {{.name = "x"}, {.name = "y"}, {.name = "c", .type = FieldType::kCategory}};
  pipeline.features = {"x", "y"};
  pipeline.model.task = Task::kClustering;
  pipeline.model.classes = {"near", "far"};
  ClusteringModel clustering;
  clustering.measure = ClusterMeasure::kEuclidean;
  clustering.compare = {CompareFunction::kAbsDiff, CompareFunction::kGaussSim};
  clustering.field_weights = {1.0, 2.0};
  clustering.similarity_scale = {0.0, 1.5};
  clustering.centers = {0.0, 0.0, 3.0, 4.0};
  pipeline.model.body = clustering;
  return pipeline;
}

ClusteringModel& Body(Pipeline& pipeline) { return std::get<ClusteringModel>(pipeline.model.body); }

void ExpectInvalid(const Pipeline& pipeline, const std::string& substring) {
  const Status status = ValidatePipeline(pipeline);
  ASSERT_FALSE(status.ok()) << "expected: " << substring;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(substring), std::string::npos) << status.message();
}

TEST(ClusteringPipelineTest, CanonicalJsonRoundTrip) {
  Pipeline pipeline = ClusteringPipeline();
  Body(pipeline).missing_weights = {1.0, 3.0};
  ASSERT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  const std::string json = WritePipelineJson(pipeline, /*pretty=*/false);
  EXPECT_NE(json.find("\"model\":{\"centers\":[[0.0,0.0],[3.0,4.0]],\"classes\":[\"near\",\"far\"],\"compare\":[\"abs_diff\","
                      "\"gauss_sim\"],\"field_weights\":[1.0,2.0],\"measure\":\"euclidean\",\"missing_weights\":[1.0,3.0],"
                      "\"similarity_scale\":[0.0,1.5],\"task\":\"clustering\",\"type\":\"clustering\"}"),
            std::string::npos)
      << json;
  Result<Pipeline> back = ReadPipelineJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(WritePipelineJson(*back, false), json);
  EXPECT_EQ(PipelineDigest(*back), PipelineDigest(pipeline));
  EXPECT_EQ(back->model.task, Task::kClustering);
  const ClusteringModel& read = std::get<ClusteringModel>(back->model.body);
  EXPECT_EQ(read.centers, (std::vector<double>{0, 0, 3, 4}));
  EXPECT_EQ(read.compare[1], CompareFunction::kGaussSim);

  // Measure parameters are written for their measure only.
  Body(pipeline).measure = ClusterMeasure::kMinkowski;
  Body(pipeline).minkowski_p = 3;
  EXPECT_NE(WritePipelineJson(pipeline, false).find("\"minkowski_p\":3.0"), std::string::npos);
  Pipeline binary = ClusteringPipeline();
  Body(binary) = ClusteringModel{.measure = ClusterMeasure::kBinarySimilarity,
                                 .binary = {.c11 = 1, .d00 = 1, .d01 = 1, .d10 = 1, .d11 = 1},
                                 .compare = {CompareFunction::kAbsDiff, CompareFunction::kAbsDiff},
                                 .field_weights = {1, 1},
                                 .centers = {1, 0, 0, 1}};
  ASSERT_TRUE(ValidatePipeline(binary).ok()) << ValidatePipeline(binary).ToString();
  const std::string binary_json = WritePipelineJson(binary, false);
  EXPECT_NE(binary_json.find("\"binary_similarity\":{\"c00\":0.0,\"c01\":0.0,\"c10\":0.0,\"c11\":1.0,\"d00\":1.0,"
                             "\"d01\":1.0,\"d10\":1.0,\"d11\":1.0}"),
            std::string::npos)
      << binary_json;
  Result<Pipeline> binary_back = ReadPipelineJson(binary_json);
  ASSERT_TRUE(binary_back.ok()) << binary_back.status().ToString();
  EXPECT_EQ(std::get<ClusteringModel>(binary_back->model.body).binary.c11, 1.0);
}

TEST(ClusteringPipelineTest, ReadErrorsNameThePath) {
  const std::string json = WritePipelineJson(ClusteringPipeline(), false);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string changed = json;
    const size_t at = changed.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) changed.replace(at, from.size(), to);
    return ReadPipelineJson(changed);
  };
  struct Case {
    Result<Pipeline> result;
    std::string message;
  };
  const Case cases[] = {
      {with("\"measure\":\"euclidean\"", "\"measure\":\"cosine\""),
       "model.measure: 'cosine' is not one of: euclidean, squared_euclidean, cityblock, chebychev, minkowski, "
       "simple_matching, jaccard, tanimoto, binary_similarity"},
      {with("\"gauss_sim\"", "\"gauss\""), "model.compare[1]: 'gauss' is not one of"},
      {with("[[0.0,0.0],[3.0,4.0]]", "[[0,0],[3]]"), "model.centers[1]: has 1 coordinates but centers[0] has 2"},
      {with("\"field_weights\"", "\"weights\""), "model.weights: unknown member (misspelt?)"},
      {with("[[0.0,0.0],[3.0,4.0]]", "[[0,0],[3,\"4\"]]"), "model.centers[1][1]: expected a finite number"},
  };
  for (const Case& c : cases) {
    ASSERT_FALSE(c.result.ok()) << c.message;
    EXPECT_NE(c.result.status().message().find(c.message), std::string::npos) << c.result.status().ToString();
  }
}

TEST(ClusteringPipelineTest, ValidationNamesTheMember) {
  ASSERT_TRUE(ValidatePipeline(ClusteringPipeline()).ok());
  Pipeline p = ClusteringPipeline();
  Body(p).centers.pop_back();
  ExpectInvalid(p, "model.centers: 3 coordinates given, expected 2 clusters x 2 features");
  p = ClusteringPipeline();
  Body(p).centers[2] = std::nan("");
  ExpectInvalid(p, "model.centers: a coordinate must be a finite number");
  p = ClusteringPipeline();
  p.model.classes.clear();
  Body(p).centers.clear();
  ExpectInvalid(p, "model.classes: a clustering model needs at least one cluster");
  p = ClusteringPipeline();
  p.model.classes = {"a", "a"};
  ExpectInvalid(p, "model.classes: level 'a' is listed twice");
  p = ClusteringPipeline();
  Body(p).field_weights = {1.0, 0.0};
  ExpectInvalid(p, "model.field_weights[1] must be positive");
  p = ClusteringPipeline();
  Body(p).field_weights = {1.0};
  ExpectInvalid(p, "model.field_weights: 1 entries, expected one per feature (2)");
  p = ClusteringPipeline();
  Body(p).missing_weights = {1.0, -1.0};
  ExpectInvalid(p, "model.missing_weights[1] must be positive");
  p = ClusteringPipeline();
  Body(p).similarity_scale = {1.0, 1.5};
  ExpectInvalid(p, "model.similarity_scale[0] must be positive for a gauss_sim feature and 0 for the others");
  p = ClusteringPipeline();
  Body(p).similarity_scale.clear();
  ExpectInvalid(p, "model.compare[1]: gauss_sim needs similarity_scale");
  p = ClusteringPipeline();
  Body(p).measure = ClusterMeasure::kMinkowski;
  Body(p).minkowski_p = 0.5;
  ExpectInvalid(p, "model.minkowski_p must be a finite number >= 1");
  p = ClusteringPipeline();
  Body(p).measure = ClusterMeasure::kJaccard;
  ExpectInvalid(p, "model.compare[1] must be abs_diff: jaccard uses no compare function");
  p = ClusteringPipeline();
  Body(p) = ClusteringModel{.measure = ClusterMeasure::kTanimoto,
                            .compare = {CompareFunction::kAbsDiff, CompareFunction::kAbsDiff},
                            .field_weights = {1, 1},
                            .centers = {1, 0, 0.5, 1}};
  ExpectInvalid(p, "model.centers[1][0]: tanimoto compares binary data, and this coordinate is not 0 or 1");
  p = ClusteringPipeline();
  p.features = {"x", "c"};
  ExpectInvalid(p, "features: a clustering model needs numeric features, but 'c' is a category");
  p = ClusteringPipeline();
  p.model.task = Task::kClassification;
  ExpectInvalid(p, "model: a clustering model has task clustering");
  p = ClusteringPipeline();
  p.model.body = GlmModel{.intercepts = {0}, .coefficients = {1, 1}};
  ExpectInvalid(p, "model: task clustering needs a model of type clustering");
  p = ClusteringPipeline();
  p.post.threshold = 0.5;
  ExpectInvalid(p, "post.threshold: a threshold applies to binary classifiers only");
}

TEST(ClusteringPipelineTest, OutputNames) {
  Pipeline p = ClusteringPipeline();
  EXPECT_EQ(ValueColumnNames(p), (std::vector<std::string>{"distance_near", "distance_far"}));
  EXPECT_EQ(LabelColumnName(p), "cluster");
  Body(p) = ClusteringModel{.measure = ClusterMeasure::kJaccard,
                            .compare = {CompareFunction::kAbsDiff, CompareFunction::kAbsDiff},
                            .field_weights = {1, 1},
                            .centers = {1, 0, 0, 1}};
  EXPECT_EQ(ValueColumnNames(p), (std::vector<std::string>{"similarity_near", "similarity_far"}));
  p.output_names.affinities = {"d_near", "d_far"};
  p.output_names.label = "segment";
  ASSERT_TRUE(ValidatePipeline(p).ok()) << ValidatePipeline(p).ToString();
  EXPECT_EQ(ValueColumnNames(p), (std::vector<std::string>{"d_near", "d_far"}));
  EXPECT_EQ(LabelColumnName(p), "segment");
  Result<Pipeline> back = ReadPipelineJson(WritePipelineJson(p, false));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->output_names.affinities, p.output_names.affinities);

  p.output_names.affinities = {"d_near"};
  ExpectInvalid(p, "output_names.affinities: 1 names for 2 clusters");
  p.output_names.affinities = {"d", "d"};
  ExpectInvalid(p, "output_names: 'd' is used twice");
  p.output_names.affinities.clear();
  p.output_names.probabilities = {"a", "b"};
  ExpectInvalid(p, "output_names.probabilities: a clustering model names its affinities instead");
  p.output_names.probabilities.clear();
  p.output_names.value = "v";
  ExpectInvalid(p, "output_names.value: a clustering model names its affinities and label instead");
  Pipeline regression = ClusteringPipeline();
  regression.model.task = Task::kRegression;
  regression.model.classes.clear();
  regression.model.body = GlmModel{.intercepts = {0}, .coefficients = {1, 1}};
  regression.output_names.affinities = {"a"};
  ExpectInvalid(regression, "output_names: a regression model names only its value");
}


// x by abs_diff and the closed category c by a table over {"a", "b", "c"}.
Pipeline TablePipeline() {
  Pipeline pipeline = ClusteringPipeline();
  pipeline.inputs[2].levels = {"a", "b", "c"};
  pipeline.features = {"x", "c"};
  ClusteringModel& body = Body(pipeline);
  body.compare = {CompareFunction::kAbsDiff, CompareFunction::kTable};
  body.similarity_scale.clear();
  body.tables = {CompareTable{}, CompareTable{.levels = {"a", "b", "c"}, .values = {0, 1, 4, 1, 0, 2, 4, 2, 0}}};
  body.centers = {0.0, 0.0, 3.0, 2.0};
  return pipeline;
}

TEST(ClusteringPipelineTest, TableJsonRoundTrip) {
  const Pipeline pipeline = TablePipeline();
  ASSERT_TRUE(ValidatePipeline(pipeline).ok()) << ValidatePipeline(pipeline).ToString();
  const std::string json = WritePipelineJson(pipeline, /*pretty=*/false);
  EXPECT_NE(json.find("\"compare\":[\"abs_diff\",\"table\"]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"tables\":{\"1\":{\"levels\":[\"a\",\"b\",\"c\"],\"values\":[[0.0,1.0,4.0],[1.0,0.0,2.0],"
                      "[4.0,2.0,0.0]]}}"),
            std::string::npos)
      << json;
  Result<Pipeline> back = ReadPipelineJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(WritePipelineJson(*back, false), json);
  EXPECT_EQ(PipelineDigest(*back), PipelineDigest(pipeline));
  const ClusteringModel& read = std::get<ClusteringModel>(back->model.body);
  ASSERT_EQ(read.tables.size(), 2u);
  EXPECT_TRUE(read.tables[0].levels.empty());
  EXPECT_EQ(read.tables[1].values, (std::vector<double>{0, 1, 4, 1, 0, 2, 4, 2, 0}));
  // Without a table nothing is written, so older artifacts keep their digests.
  EXPECT_EQ(WritePipelineJson(ClusteringPipeline(), false).find("tables"), std::string::npos);

  auto with = [&](const std::string& from, const std::string& to) {
    std::string changed = json;
    changed.replace(changed.find(from), from.size(), to);
    return ReadPipelineJson(changed);
  };
  const std::pair<Result<Pipeline>, std::string> cases[] = {
      {with("\"tables\":{\"1\"", "\"tables\":{\"2\""), "model.tables.2: not a feature index of this model"},
      {with("[4.0,2.0,0.0]]", "[4.0,2.0]]"), "model.tables.1.values[2]: has 2 values, expected one per level (3)"},
      {with(",[4.0,2.0,0.0]]", "]"), "model.tables.1.values: has 2 rows, expected one per level (3)"},
      {with("\"levels\":[\"a\",\"b\",\"c\"],\"values\"", "\"levels\":[],\"values\""),
       "model.tables.1.levels: needs at least one level"},
  };
  for (const auto& [result, message] : cases) {
    ASSERT_FALSE(result.ok()) << message;
    EXPECT_NE(result.status().message().find(message), std::string::npos) << result.status().ToString();
  }
}

TEST(ClusteringPipelineTest, TableValidationNamesTheMember) {
  Pipeline p = TablePipeline();
  Body(p).tables.clear();
  ExpectInvalid(p, "model.compare[1]: table needs model.tables[1]");
  p = TablePipeline();
  Body(p).tables.pop_back();
  ExpectInvalid(p, "model.tables: 1 entries, expected one per feature (2)");
  p = TablePipeline();
  Body(p).tables[0] = Body(p).tables[1];
  ExpectInvalid(p, "model.tables[0]: only a table feature has a table");
  p = TablePipeline();
  Body(p).tables[1].values.pop_back();
  ExpectInvalid(p, "model.tables[1].values: 8 values, expected 3 x 3");
  p = TablePipeline();
  Body(p).tables[1].values[5] = -1.0;
  ExpectInvalid(p, "model.tables[1].values: a comparison must be a finite number >= 0");
  p = TablePipeline();
  Body(p).tables[1].values[5] = std::nan("");
  ExpectInvalid(p, "model.tables[1].values: a comparison must be a finite number >= 0");
  p = TablePipeline();
  Body(p).tables[1].levels = {"a", "b", "b"};
  ExpectInvalid(p, "model.tables[1].levels: a level is listed twice");
  p = TablePipeline();
  p.inputs[2].levels = {"a", "b"};
  ExpectInvalid(p, "model.tables[1]: feature 'c' must be a category column whose levels are the table's levels");
  p = TablePipeline();
  p.inputs[2].levels.clear();  // an open category could hold a value without a row
  ExpectInvalid(p, "model.tables[1]: feature 'c' must be a category column whose levels are the table's levels");
  p = TablePipeline();
  Body(p).centers[3] = 3.0;
  ExpectInvalid(p, "model.centers[1][1]: a table feature's coordinate is a level position, 0 to 2");
  p = TablePipeline();
  Body(p).centers[1] = 0.5;
  ExpectInvalid(p, "model.centers[0][1]: a table feature's coordinate is a level position, 0 to 2");
  p = TablePipeline();
  Body(p).compare[1] = CompareFunction::kAbsDiff;
  ExpectInvalid(p, "features: a clustering model needs numeric features, but 'c' is a category");
  p = TablePipeline();
  Body(p).measure = ClusterMeasure::kJaccard;
  ExpectInvalid(p, "model.compare[1] must be abs_diff: jaccard uses no compare function");
  // The table's level order is its own: the column's levels only need to be the same set.
  p = TablePipeline();
  p.inputs[2].levels = {"c", "a", "b"};
  EXPECT_TRUE(ValidatePipeline(p).ok()) << ValidatePipeline(p).ToString();
}

}  // namespace
}  // namespace podium
