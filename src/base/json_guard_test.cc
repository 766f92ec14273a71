#include "base/json_guard.h"

#include <gtest/gtest.h>

namespace podium {
namespace {

TEST(JsonGuardTest, AcceptsShallowDocuments) {
  EXPECT_TRUE(CheckJsonNesting(R"({"a": [1, [2, {"b": 3}]]})").ok());
  EXPECT_TRUE(CheckJsonNesting("[[[]]]", 3).ok());
}

TEST(JsonGuardTest, RefusesDeepNestingWithOffset) {
  Status status = CheckJsonNesting("[[[[]]]]", 3);
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("at byte 3"), std::string::npos);
  EXPECT_FALSE(CheckJsonNesting(std::string(250000, '[')).ok());
}

TEST(JsonGuardTest, IgnoresBracketsInStrings) {
  EXPECT_TRUE(CheckJsonNesting(R"(["[[[[[[", "\"[[[[["])", 2).ok());
}

}  // namespace
}  // namespace podium
