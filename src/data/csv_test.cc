#include "data/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/testing.h"

namespace podium {
namespace {

using ::testing::ElementsAre;

struct Record {
  int64_t line;
  std::vector<std::string> fields;
  std::string raw;
  Status status;
};

std::vector<Record> ParseAll(std::string_view text, size_t expected_fields = 0,
                             CsvOptions options = {}, int64_t first_line = 1) {
  CsvRecordParser parser(text, first_line, expected_fields, options);
  std::vector<Record> records;
  while (parser.Next()) {
    Record& r = records.emplace_back();
    r.line = parser.line();
    r.raw = std::string(parser.raw());
    r.status = parser.status();
    if (parser.status().ok()) r.fields.assign(parser.fields().begin(), parser.fields().end());
  }
  return records;
}

TEST(CsvRecordParserTest, PlainRecords) {
  const auto records = ParseAll("a,b,c\n1,,3\n,,\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_THAT(records[1].fields, ElementsAre("1", "", "3"));
  EXPECT_THAT(records[2].fields, ElementsAre("", "", ""));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].raw, "1,,3");
}

TEST(CsvRecordParserTest, QuotedFieldsWithDelimitersQuotesAndNewlines) {
  const std::string text =
      "\"a,b\",\"say \"\"hi\"\"\",\"\"\n"
      "\"two\nlines\",\"crlf\r\ninside\",x\n"
      "\"\"\"\",\"\"\"\"\"\",end\n";
  const auto records = ParseAll(text, 3);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("a,b", "say \"hi\"", ""));
  EXPECT_THAT(records[1].fields, ElementsAre("two\nlines", "crlf\r\ninside", "x"));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[1].raw, "\"two\nlines\",\"crlf\r\ninside\",x");
  EXPECT_THAT(records[2].fields, ElementsAre("\"", "\"\"", "end"));
  EXPECT_EQ(records[2].line, 5);  // the record before spans lines 2-4
}

TEST(CsvRecordParserTest, ManyEscapedFieldsStayValid) {
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; i < 50; ++i) {
    text +=
        (i ? "," : "") + std::string("\"q\"\"") + std::to_string(i) + std::string(i, 'z') + "\"";
    want.push_back("q\"" + std::to_string(i) + std::string(i, 'z'));
  }
  const auto records = ParseAll(text + "\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].fields, want);
}

TEST(CsvRecordParserTest, CrlfBlankLinesAndMissingFinalNewline) {
  const auto records = ParseAll("a,b\r\n\r\n\n1,2\r\n\n3,4");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b"));
  EXPECT_EQ(records[0].raw, "a,b");
  EXPECT_THAT(records[1].fields, ElementsAre("1", "2"));
  EXPECT_EQ(records[1].line, 4);
  EXPECT_THAT(records[2].fields, ElementsAre("3", "4"));
  EXPECT_EQ(records[2].line, 6);
  EXPECT_EQ(records[2].raw, "3,4");
}

TEST(CsvRecordParserTest, FinalCarriageReturnEndsTheRecord) {
  const auto records = ParseAll("a,\"b\"\r");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b"));
  EXPECT_EQ(records[0].raw, "a,\"b\"");
  EXPECT_TRUE(ParseAll("\r\n\n\r").empty());
  EXPECT_TRUE(ParseAll("").empty());
}

TEST(CsvRecordParserTest, LoneCarriageReturnIsData) {
  const auto records = ParseAll("a\rb,c\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("a\rb", "c"));
}

TEST(CsvRecordParserTest, TrailingDelimiterMeansAnEmptyLastField) {
  EXPECT_THAT(ParseAll("a,\n")[0].fields, ElementsAre("a", ""));
  EXPECT_THAT(ParseAll("\"a\",")[0].fields, ElementsAre("a", ""));
}

TEST(CsvRecordParserTest, RaggedRowIsAnErrorForThatRecordOnly) {
  std::string text;
  for (int line = 1; line <= 16; ++line) text += std::string(19, ',') + "\n";
  text += std::string(18, ',') + "\n";  // line 17: 19 fields
  text += std::string(19, ',') + "\n";
  const auto records = ParseAll(text, 20);
  ASSERT_EQ(records.size(), 18u);
  EXPECT_TRUE(records[15].status.ok());
  EXPECT_TRUE(StatusIs(records[16].status, StatusCode::kInvalidArgument,
                       "line 17: expected 20 fields but found 19"));
  EXPECT_TRUE(records[17].status.ok());
  EXPECT_EQ(records[17].fields.size(), 20u);
}

TEST(CsvRecordParserTest, QuoteErrors) {
  const auto records = ParseAll("a,b\"c,d\n\"x\"y,z\n1,2\n3,\"open\nstill open\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_TRUE(StatusIs(records[0].status, StatusCode::kInvalidArgument,
                       "line 1, column 2: quote inside an unquoted field"));
  EXPECT_EQ(records[0].raw, "a,b\"c,d");
  EXPECT_TRUE(StatusIs(records[1].status, StatusCode::kInvalidArgument,
                       "line 2, column 1: unexpected 'y' after a closing quote"));
  EXPECT_THAT(records[2].fields, ElementsAre("1", "2"));
  EXPECT_TRUE(StatusIs(records[3].status, StatusCode::kInvalidArgument,
                       "line 4, column 2: unterminated quoted field"));
  EXPECT_EQ(records[3].raw, "3,\"open\nstill open\n");
}

TEST(CsvRecordParserTest, QuoteAfterSpaceIsNotAQuotedField) {
  // RFC 4180: spaces are part of a field, so this quote is inside an
  // unquoted field and the line feed ends the record.
  const auto records = ParseAll("a, \"b\nc\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(StatusIs(records[0].status, StatusCode::kInvalidArgument, "column 2: quote inside"));
  EXPECT_EQ(records[1].raw, "c");
}

TEST(CsvRecordParserTest, InvalidUtf8NamesLineColumnAndByte) {
  std::string text;
  for (int line = 1; line <= 8; ++line) text += "a,b,c,d\n";
  text += "a,b,c,x\xFFy\n";
  text += "a,\"ok \xC3\xA9\",\"line\nbad \xC0\x80\",d\n";
  text += "\xE2\x82,b,c,d\n";
  const auto records = ParseAll(text, 4);
  ASSERT_EQ(records.size(), 11u);
  EXPECT_TRUE(StatusIs(records[8].status, StatusCode::kInvalidArgument,
                       "line 9, column 4: invalid UTF-8 byte 0xff"));
  EXPECT_TRUE(StatusIs(records[9].status, StatusCode::kInvalidArgument,
                       "line 11, column 3: invalid UTF-8 byte 0xc0"));
  EXPECT_EQ(records[9].line, 10);
  EXPECT_TRUE(StatusIs(records[10].status, StatusCode::kInvalidArgument,
                       "line 12, column 1: invalid UTF-8 byte 0xe2"));
}

TEST(CsvRecordParserTest, ValidUtf8Passes) {
  const auto records = ParseAll("caf\xC3\xA9,\xE2\x82\xAC,\"\xF0\x9F\x98\x80\"\n");
  ASSERT_TRUE(records[0].status.ok()) << records[0].status.ToString();
  EXPECT_THAT(records[0].fields, ElementsAre("caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"));
}

TEST(CsvRecordParserTest, OtherDelimiters) {
  for (const char delimiter : {';', '\t', '|'}) {
    std::string text = "a,b";
    text += delimiter;
    text += "\"c";
    text += delimiter;
    text += "d\"\n";
    const auto records = ParseAll(text, 2, {.delimiter = delimiter});
    ASSERT_EQ(records.size(), 1u);
    EXPECT_THAT(records[0].fields, ElementsAre("a,b", std::string("c") + delimiter + "d"));
  }
}

TEST(CsvRecordParserTest, UnsupportedDelimiterFailsEveryRecord) {
  EXPECT_TRUE(StatusIs(ValidateCsvDelimiter('"'), StatusCode::kInvalidArgument,
                       "unsupported CSV delimiter '\"'"));
  EXPECT_TRUE(StatusIs(ValidateCsvDelimiter('\n'), StatusCode::kInvalidArgument, "byte 0x0a"));
  const auto records = ParseAll("a\"b\nc\n", 0, {.delimiter = '"'});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(StatusIs(records[1].status, StatusCode::kInvalidArgument,
                       "line 2: unsupported CSV delimiter"));
}

TEST(CsvRecordParserTest, FirstLineOffsetAndLocation) {
  CsvRecordParser parser("\nx,y\n", 41, 2);
  ASSERT_TRUE(parser.Next());
  EXPECT_EQ(parser.line(), 42);
  EXPECT_EQ(parser.Location(1), "line 42, column 2");
  EXPECT_FALSE(parser.Next());
}

TEST(ParseCsvHeaderTest, Names) {
  const auto names = ParseCsvHeader("id,\"full name\",\"a,b\"\r\n", 1);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_THAT(*names, ElementsAre("id", "full name", "a,b"));
  const auto tabs = ParseCsvHeader("x\ty", 1, {.delimiter = '\t'});
  ASSERT_TRUE(tabs.ok());
  EXPECT_THAT(*tabs, ElementsAre("x", "y"));
}

TEST(ParseCsvHeaderTest, Errors) {
  EXPECT_TRUE(StatusIs(ParseCsvHeader("age,name,age", 1).status(), StatusCode::kInvalidArgument,
                       "line 1, column 3: duplicate column name 'age' (also column 1)"));
  EXPECT_TRUE(StatusIs(ParseCsvHeader("a,,c", 2).status(), StatusCode::kInvalidArgument,
                       "line 2, column 2: empty column name"));
  EXPECT_TRUE(StatusIs(ParseCsvHeader("", 1).status(), StatusCode::kInvalidArgument,
                       "line 1: the header is empty"));
  EXPECT_TRUE(StatusIs(ParseCsvHeader("a,\"b", 1).status(), StatusCode::kInvalidArgument,
                       "unterminated quoted field"));
  EXPECT_TRUE(StatusIs(ParseCsvHeader("a,b", 1, {.delimiter = 'x'}).status(),
                       StatusCode::kInvalidArgument, "unsupported CSV delimiter"));
}

}  // namespace
}  // namespace podium
