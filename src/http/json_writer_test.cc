#include "http/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "http/json_body.h"

namespace podium::http {
namespace {

TEST(JsonWriterTest, WritesNestedValuesWithCommas) {
  std::string text;
  JsonWriter out(&text);
  out.BeginObject();
  out.Key("a").Integer(-3);
  out.Key("b").BeginArray().Number(0.5).Bool(true).Null().String("x").EndArray();
  out.Key("c").BeginObject().EndObject();
  out.Key("d").BeginArray().EndArray();
  out.Key("e").Raw("{\"k\":1}");
  out.EndObject();
  EXPECT_EQ(text, R"({"a":-3,"b":[0.5,true,null,"x"],"c":{},"d":[],"e":{"k":1}})");
}

TEST(JsonWriterTest, NumbersRoundTripAndNonFiniteIsNull) {
  const double values[] = {0.1, 1.0 / 3.0, 1e-300, -2.5e300, 0.6642394976448041, 123456789.0, -0.0};
  for (double v : values) {
    std::string text;
    JsonWriter(&text).Number(v);
    EXPECT_EQ(nlohmann::json::parse(text).get<double>(), v) << text;
  }
  std::string text;
  JsonWriter out(&text);
  out.BeginArray()
      .Number(std::numeric_limits<double>::quiet_NaN())
      .Number(std::numeric_limits<double>::infinity())
      .Number(-std::numeric_limits<double>::infinity())
      .EndArray();
  EXPECT_EQ(text, "[null,null,null]");
}

TEST(JsonWriterTest, EscapesStringsAndRepairsBadUtf8) {
  std::string text;
  const char kText[] = "q\"b\\n\n\t\x01 \xc3\xa9 \xe2\x82\xac \xff end";
  JsonWriter(&text).String(std::string(kText, sizeof(kText) - 1));
  EXPECT_EQ(text, "\"q\\\"b\\\\n\\n\\t\\u0001 \xc3\xa9 \xe2\x82\xac \\ufffd end\"");
  // Whatever the bytes, the text is JSON that reads back.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string quoted = JsonQuote(all);
  EXPECT_TRUE(nlohmann::json::accept(quoted));
  EXPECT_EQ(nlohmann::json::parse(quoted).get<std::string>().substr(0, 128), all.substr(0, 128));
}

TEST(JsonWriterTest, ResumeAddsTheCommaBeforeTheNextMember) {
  std::string text;
  {
    JsonWriter out(&text);
    out.BeginObject().Key("a").Integer(1);
  }
  JsonWriter rest = JsonWriter::Resume(&text);
  rest.Key("b").Integer(2).EndObject();
  EXPECT_EQ(text, R"({"a":1,"b":2})");
}

TEST(JsonBodyTest, ParseErrorsSayWhere) {
  JsonParserPool pool;
  JsonParserPool::Lease lease = pool.Acquire();
  simdjson::dom::element root;
  std::string error;
  EXPECT_TRUE(ParseJsonBody(lease.parser(), R"({"records": [{"a": 1}]})", &root, &error)) << error;
  EXPECT_TRUE(root.is_object());
  EXPECT_FALSE(ParseJsonBody(lease.parser(), "{\"records\": [tru]}", &root, &error));
  EXPECT_NE(error.find("not valid JSON"), std::string::npos) << error;
  EXPECT_NE(error.find("column"), std::string::npos) << error;
  EXPECT_FALSE(ParseJsonBody(lease.parser(), "{\"x\": 1e999}", &root, &error));
  EXPECT_NE(error.find("1e999"), std::string::npos) << error;
  // Valid JSON beyond 64-bit integers is refused with simdjson's reason.
  EXPECT_FALSE(ParseJsonBody(lease.parser(), "{\"x\": 123456789012345678901234567890}", &root, &error));
  EXPECT_NE(error.find("request body"), std::string::npos) << error;
}

TEST(JsonBodyTest, PoolReusesParsersAndDropsLargeOnes) {
  JsonParserPool pool;
  simdjson::dom::parser* first = nullptr;
  {
    JsonParserPool::Lease lease = pool.Acquire();
    first = &lease.parser();
  }
  {
    JsonParserPool::Lease lease = pool.Acquire();
    EXPECT_EQ(&lease.parser(), first) << "an idle parser is lent again";
    // Grow it past the keep limit.
    std::string big = "[" + std::string(JsonParserPool::kKeepCapacity, ' ') + "1]";
    simdjson::dom::element root;
    std::string error;
    ASSERT_TRUE(ParseJsonBody(lease.parser(), big, &root, &error)) << error;
  }
  JsonParserPool::Lease again = pool.Acquire();
  EXPECT_EQ(again.parser().capacity(), 0u) << "the grown parser was dropped, a fresh one lent";
}

}  // namespace
}  // namespace podium::http
