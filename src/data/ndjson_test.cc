#include "data/ndjson.h"

#include <gtest/gtest.h>

#include <string>

#include "data/testing.h"
#include "data/utf8.h"

namespace podium {
namespace {

TEST(NdjsonRecordParserTest, ScalarMembers) {
  NdjsonRecordParser parser(
      "{\"n\": -1.5e3, \"i\": 42, \"s\": \"a\\\"b\\n\\u00e9\", \"t\": true, \"f\": false, "
      "\"z\": null}\n",
      1);
  ASSERT_TRUE(parser.Next());
  ASSERT_TRUE(parser.status().ok()) << parser.status().ToString();
  EXPECT_EQ(parser.Field("n")->kind, JsonScalar::Kind::kNumber);
  EXPECT_EQ(parser.Field("n")->number, -1500);
  EXPECT_EQ(parser.Field("i")->number, 42);
  EXPECT_EQ(parser.Field("s")->kind, JsonScalar::Kind::kString);
  EXPECT_EQ(parser.Field("s")->string, "a\"b\n\xC3\xA9");
  EXPECT_TRUE(parser.Field("t")->boolean);
  EXPECT_EQ(parser.Field("f")->kind, JsonScalar::Kind::kBool);
  EXPECT_FALSE(parser.Field("f")->boolean);
  EXPECT_EQ(parser.Field("z")->kind, JsonScalar::Kind::kNull);
  EXPECT_TRUE(parser.Field("z")->is_missing());
  EXPECT_EQ(parser.Field("absent")->kind, JsonScalar::Kind::kMissing);
  EXPECT_TRUE(parser.Field("absent")->is_missing());
  ASSERT_EQ(parser.member_count(), 6u);
  EXPECT_EQ(parser.member_name(2), "s");
  EXPECT_FALSE(parser.Next());
}

TEST(NdjsonRecordParserTest, ManyMembers) {
  std::string line = "{";
  for (int i = 0; i < 100; ++i)
    line += (i ? "," : "") + ("\"f" + std::to_string(i) + "\":") + std::to_string(i);
  line += "}";
  NdjsonRecordParser parser(line, 1);
  ASSERT_TRUE(parser.Next());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(parser.Field("f" + std::to_string(i))->number, i);
  EXPECT_TRUE(parser.Field("f100")->is_missing());
}

TEST(NdjsonRecordParserTest, LinesBlankLinesAndRaw) {
  NdjsonRecordParser parser("\n  \t\r\n{\"a\":1}\r\n\n{}\n{\"a\":2}", 10);
  ASSERT_TRUE(parser.Next());
  EXPECT_EQ(parser.line(), 12);
  EXPECT_EQ(parser.raw(), "{\"a\":1}");
  ASSERT_TRUE(parser.Next());
  EXPECT_EQ(parser.line(), 14);
  EXPECT_EQ(parser.member_count(), 0u);
  ASSERT_TRUE(parser.Next());
  EXPECT_EQ(parser.line(), 15);
  EXPECT_EQ(parser.Field("a")->number, 2);
  EXPECT_FALSE(parser.Next());
}

TEST(NdjsonRecordParserTest, NotAnObject) {
  NdjsonRecordParser parser("[1]\n42\n\"s\"\nnull\n{\"ok\":1}\n", 1);
  for (int line = 1; line <= 4; ++line) {
    ASSERT_TRUE(parser.Next());
    EXPECT_TRUE(StatusIs(parser.status(), StatusCode::kInvalidArgument,
                         "line " + std::to_string(line) + ": expected a JSON object"));
    EXPECT_TRUE(StatusIs(parser.Field("x").status(), StatusCode::kInvalidArgument));
  }
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(parser.status().ok());
}

TEST(NdjsonRecordParserTest, SyntaxErrorsNameLineAndByte) {
  NdjsonRecordParser parser(
      "{}\n{\"a\":x}\n{\"a\":1,}\n{\"a\":1} {}\n{\"a\":1e999}\n{\"s\":\"\xFF\"}\n", 1);
  ASSERT_TRUE(parser.Next());
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(
      StatusIs(parser.status(), StatusCode::kInvalidArgument, "line 2, byte 6: syntax error"));
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(
      StatusIs(parser.status(), StatusCode::kInvalidArgument, "line 3, byte 8: syntax error"));
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(
      StatusIs(parser.status(), StatusCode::kInvalidArgument, "line 4, byte 9: syntax error"));
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(
      StatusIs(parser.status(), StatusCode::kInvalidArgument, "line 5, byte 10: number overflow"));
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(StatusIs(parser.status(), StatusCode::kInvalidArgument, "line 6, byte 7: "));
  EXPECT_NE(parser.status().message().find("UTF-8"), std::string::npos)
      << parser.status().message();
  EXPECT_FALSE(parser.Next());
}

TEST(NdjsonRecordParserTest, NestedValuesAreNotScalars) {
  NdjsonRecordParser parser("\n\n\n\n{\"x\": {\"y\": [1, {\"z\": 2}]}, \"a\": [], \"b\": 3}\n", 1);
  ASSERT_TRUE(parser.Next());
  ASSERT_TRUE(parser.status().ok()) << parser.status().ToString();
  EXPECT_TRUE(StatusIs(parser.Field("x").status(), StatusCode::kInvalidArgument,
                       "line 5: field 'x' is an object, expected a scalar"));
  EXPECT_TRUE(StatusIs(parser.Field("a").status(), StatusCode::kInvalidArgument,
                       "line 5: field 'a' is an array, expected a scalar"));
  EXPECT_EQ(parser.Field("b")->number, 3);
  EXPECT_TRUE(parser.Field("y")->is_missing());  // nested names are not members
  EXPECT_EQ(parser.member_count(), 3u);
}

TEST(NdjsonRecordParserTest, DuplicateMember) {
  NdjsonRecordParser parser("{\"a\":1,\"b\":{\"a\":1},\"a\":2}\n", 1);
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(
      StatusIs(parser.status(), StatusCode::kInvalidArgument, "line 1: duplicate field 'a'"));
}

std::string Nested(int depth) {  // an object holding depth - 1 nested arrays
  return "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}

TEST(NdjsonRecordParserTest, DepthLimit) {
  const std::string depth64 = Nested(64), depth65 = Nested(65), depth4 = Nested(4);
  NdjsonRecordParser ok(depth64, 1);
  ASSERT_TRUE(ok.Next());
  EXPECT_TRUE(ok.status().ok()) << ok.status().ToString();
  NdjsonRecordParser deep(depth65, 1);
  ASSERT_TRUE(deep.Next());
  EXPECT_TRUE(StatusIs(deep.status(), StatusCode::kResourceExhausted,
                       "line 1: nesting deeper than 64 levels"));
  NdjsonRecordParser custom(depth4, 1, {.max_depth = 3});
  ASSERT_TRUE(custom.Next());
  EXPECT_TRUE(StatusIs(custom.status(), StatusCode::kResourceExhausted, "deeper than 3"));
}

TEST(NdjsonRecordParserTest, VeryDeepInputIsRejectedWithoutRecursion) {
  const std::string arrays(250000, '[');
  const std::string member = "{\"a\":" + arrays + "\n{\"ok\":true}\n";
  const std::string text = arrays + "\n" + member;
  NdjsonRecordParser parser(text, 1);
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(StatusIs(parser.status(), StatusCode::kInvalidArgument, "expected a JSON object"));
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(StatusIs(parser.status(), StatusCode::kResourceExhausted, "line 2: nesting deeper"));
  ASSERT_TRUE(parser.Next());
  EXPECT_TRUE(parser.Field("ok")->boolean);
}

TEST(NdjsonRecordParserTest, LargeIntegersBecomeNearestDouble) {
  NdjsonRecordParser parser("{\"u\":18446744073709551615,\"i\":-9007199254740993}", 1);
  ASSERT_TRUE(parser.Next());
  EXPECT_EQ(parser.Field("u")->number, 18446744073709551615.0);
  EXPECT_EQ(parser.Field("i")->number, -9007199254740992.0);
}

}  // namespace
}  // namespace podium
