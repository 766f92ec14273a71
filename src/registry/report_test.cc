#include "registry/report.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "pipeline/pipeline_json.h"

namespace podium::registry {
namespace {

TEST(MarkdownCardToHtmlTest, EscapesTextAndBuildsTables) {
  const std::string html = MarkdownCardToHtml(
      "# Card <script>\n\nIntro & more\n\n| A | B |\n|---|---|\n| x \\| y | <b> |\n\n- item \"one\"\n");
  EXPECT_NE(html.find("<h1>Card &lt;script&gt;</h1>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>Intro &amp; more</p>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th>A</th><th>B</th></tr>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><td>x | y</td><td>&lt;b&gt;</td></tr>"), std::string::npos) << html;
  EXPECT_NE(html.find("<li>item &quot;one&quot;</li>"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
}

}  // namespace
}  // namespace podium::registry

namespace podium::registry {
namespace {

Pipeline ReadCase(const std::string& name) {
  Result<std::string> text = ReadFileToString(std::string(PODIUM_SOURCE_DIR) + "/tests/golden/cases/" + name + "/pipeline.json");
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  Result<Pipeline> pipeline = ReadPipelineJson(text.ok() ? *text : "");
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  return pipeline.ok() ? *pipeline : Pipeline();
}

TEST(DiffVersionsTest, ReportsTreeCountsModelKindAndMetadata) {
  const Pipeline trees = ReadCase("boosted_binary_logistic");
  Pipeline fewer = trees;
  auto& ensemble = std::get<TreeEnsembleModel>(fewer.model.body);
  const size_t n = ensemble.trees.size();
  ensemble.trees.pop_back();
  VersionInfo a, b;
  a.model = b.model = "m";
  a.number = 1;
  b.number = 2;
  a.artifact_digest = "sha256:a";
  b.artifact_digest = "sha256:b";
  a.hyperparameters = R"({"eta":0.1,"rounds":3})";
  b.hyperparameters = R"({"eta":0.1})";
  a.metrics = {{"auc", 0.8}};
  b.metrics = {{"auc", 0.8}, {"ks", 0.3}};
  a.datasets = {{"loans", "v1", "training"}};
  b.datasets = {{"loans", "v2", "training"}};
  b.code_ref = "git:def";
  const std::string diff = DiffVersions(a, trees, b, fewer);
  EXPECT_NE(diff.find("model: tree ensemble (" + std::to_string(n) + " trees, boosted) -> tree ensemble (" +
                      std::to_string(n - 1) + " trees, boosted)"),
            std::string::npos)
      << diff;
  EXPECT_NE(diff.find("hyperparameters:\n  - rounds: 3\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("metrics:\n  + ks: 0.3\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("datasets:\n  ~ training loans: v1 -> v2\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("code: - -> git:def"), std::string::npos) << diff;
  EXPECT_NE(diff.find("schema (inputs): unchanged"), std::string::npos) << diff;
  EXPECT_EQ(diff.find("coefficients"), std::string::npos) << diff;  // no GLM on either side
}

TEST(DiffVersionsTest, ReportsAGlmToTreesChangeAndSchemaChanges) {
  const Pipeline glm = ReadCase("glm_logistic_onehot");
  const Pipeline trees = ReadCase("boosted_binary_logistic");
  VersionInfo a, b;
  a.number = 1;
  b.number = 2;
  const std::string diff = DiffVersions(a, glm, b, trees);
  EXPECT_NE(diff.find("model: GLM (binomial, logit link) -> tree ensemble ("), std::string::npos) << diff;
  EXPECT_NE(diff.find("coefficients:\n"), std::string::npos) << diff;
  EXPECT_NE(diff.find("  - (intercept): "), std::string::npos) << diff;
}

}  // namespace
}  // namespace podium::registry
