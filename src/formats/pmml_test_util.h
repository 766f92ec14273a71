// Shared by the PMML unit suites: building small PMML 4.4 documents, importing
// them and scoring rows with the reference scorer.
#ifndef PODIUM_FORMATS_PMML_TEST_UTIL_H_
#define PODIUM_FORMATS_PMML_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "formats/pmml.h"
#include "pipeline/input.h"
#include "pipeline/prediction.h"
#include "reference/reference.h"

namespace podium::pmml_testing {

inline Result<Pipeline> Import(const std::string& xml, PmmlImportOptions options = {}) {
  if (options.name.empty()) options.name = "test";
  return ImportPmml(xml, options);
}

// A PMML document; `body` follows the DataDictionary on line 6.
inline std::string Doc(const std::string& fields, const std::string& body, const std::string& version = "4.4") {
  return "<?xml version=\"1.0\"?>\n"
         "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"" + version + "\">\n"
         "<Header description=\"test\"><Application name=\"unit\" version=\"1\"/></Header>\n"
         "<DataDictionary>\n" + fields + "</DataDictionary>\n" + body + "</PMML>\n";
}

// Scores one row with the reference scorer; cells absent from `row` are
// missing.
inline Result<Prediction> Score(const Pipeline& pipeline, const std::map<std::string, std::string>& row,
                                bool explain = false) {
  std::vector<RawValue> raw;
  for (const InputField& field : pipeline.inputs) {
    const auto it = row.find(field.name);
    raw.push_back(it == row.end() ? RawValue::Missing() : RawValue::Text(it->second));
  }
  return reference::ScoreRow(pipeline, raw, explain);
}

// Value k of one scored row (a failed row fails the test).
inline double ScoreValue(const Pipeline& pipeline, const std::map<std::string, std::string>& row, size_t k = 0) {
  Result<Prediction> prediction = Score(pipeline, row);
  EXPECT_TRUE(prediction.ok()) << prediction.status().ToString();
  if (!prediction.ok() || prediction->values.size() <= k) return -12345;
  return prediction->values[k];
}

inline void ExpectError(const Result<Pipeline>& result, StatusCode code, const std::string& fragment) {
  ASSERT_FALSE(result.ok()) << "expected an error containing " << fragment;
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_NE(result.status().message().find(fragment), std::string::npos)
      << result.status().ToString() << "\n  wanted: " << fragment;
}

}  // namespace podium::pmml_testing

#endif  // PODIUM_FORMATS_PMML_TEST_UTIL_H_
