#include "data/writer.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "data/csv.h"
#include "data/ndjson.h"
#include "data/number.h"
#include "data/testing.h"

namespace podium {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  const struct {
    const char* value;
    const char* written;
  } cases[] = {
      {"plain", "plain"},
      {"", ""},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"cr\rhere", "\"cr\rhere\""},
      {" lead", "\" lead\""},
      {"trail ", "\"trail \""},
      {"\ttab", "\"\ttab\""},
      {"in side", "in side"},
      {"a;b", "a;b"},
      {"caf\xC3\xA9", "caf\xC3\xA9"},
  };
  for (const auto& c : cases) {
    std::string out;
    CsvWriter writer(&out);
    writer.AddString("x");
    writer.AddString(c.value);
    writer.EndRow();
    EXPECT_EQ(out, std::string("x,") + c.written + "\n") << c.value;
  }
}

TEST(CsvWriterTest, RowsNumbersMissingAndRaw) {
  std::string out = "kept|";
  CsvWriter writer(&out, {.delimiter = '|'});
  writer.WriteHeader(std::vector<std::string>{"id", "a|b", "score"});
  writer.AddNumber(3);
  writer.AddNumber(-0.1);
  writer.AddNumber(1e21);
  writer.AddNumber(kNaN);
  writer.AddNumber(-kInf);
  writer.AddMissing();
  writer.AddBool(true);
  writer.EndRow();
  writer.AddRaw("1|\"x|y\"");
  writer.AddNumber(0.5);
  writer.EndRow();
  EXPECT_EQ(out, "kept|id|\"a|b\"|score\n3|-0.1|1e+21||||true\n1|\"x|y\"|0.5\n");
}

TEST(CsvWriterTest, ALoneEmptyFieldIsNotABlankLine) {
  std::string out;
  CsvWriter writer(&out);
  writer.AddMissing();
  writer.EndRow();
  writer.AddString("");
  writer.EndRow();
  EXPECT_EQ(out, "\"\"\n\"\"\n");
  CsvRecordParser parser(out, 1, 1);
  int records = 0;
  while (parser.Next()) {
    ASSERT_TRUE(parser.status().ok());
    EXPECT_EQ(parser.fields()[0], "");
    ++records;
  }
  EXPECT_EQ(records, 2);
}

// A random valid UTF-8 string rich in characters that need quoting/escaping.
std::string RandomText(std::mt19937_64& random) {
  static const char* const kPieces[] = {"a",
                                        "Z",
                                        "0",
                                        " ",
                                        ",",
                                        ";",
                                        "\t",
                                        "|",
                                        "\"",
                                        "\n",
                                        "\r",
                                        "\r\n",
                                        "\\",
                                        "\x01",
                                        "\x1f",
                                        "\x7f",
                                        "\xC3\xA9",
                                        "\xE2\x82\xAC",
                                        "\xF0\x9F\x98\x80",
                                        "{",
                                        "}"};
  std::string text;
  for (int n = static_cast<int>(random() % 8); n > 0; --n)
    text += kPieces[random() % std::size(kPieces)];
  return text;
}

double RandomFiniteDouble(std::mt19937_64& random) {
  switch (random() % 4) {
    case 0:
      return static_cast<double>(static_cast<int64_t>(random() % 2000001) - 1000000);
    case 1:
      return std::ldexp(static_cast<double>(random() % 1000000), -static_cast<int>(random() % 40));
    default:
      for (;;) {
        const double value = std::bit_cast<double>(random());
        if (std::isfinite(value)) return value;
      }
  }
}

struct Cell {
  bool is_number = false;
  std::optional<double> number;  // nullopt: missing
  std::string text;
};

std::vector<std::vector<Cell>> RandomRows(std::mt19937_64& random, size_t columns) {
  std::vector<std::vector<Cell>> rows(200);
  for (auto& row : rows) {
    for (size_t c = 0; c < columns; ++c) {
      Cell cell;
      cell.is_number = c % 2 == 0;
      if (cell.is_number && random() % 8 != 0) cell.number = RandomFiniteDouble(random);
      if (!cell.is_number) cell.text = RandomText(random);
      row.push_back(cell);
    }
  }
  return rows;
}

TEST(CsvWriterTest, RandomRowsRoundTrip) {
  std::mt19937_64 random(3);
  for (const char delimiter : {',', ';', '\t', '|'}) {
    for (size_t columns : {1, 2, 5}) {
      const auto rows = RandomRows(random, columns);
      std::string out;
      CsvWriter writer(&out, {.delimiter = delimiter});
      for (const auto& row : rows) {
        for (const Cell& cell : row) {
          if (!cell.is_number) {
            writer.AddString(cell.text);
          } else if (cell.number) {
            writer.AddNumber(*cell.number);
          } else {
            writer.AddMissing();
          }
        }
        writer.EndRow();
      }
      CsvRecordParser parser(out, 1, columns, {.delimiter = delimiter});
      for (const auto& row : rows) {
        ASSERT_TRUE(parser.Next());
        ASSERT_TRUE(parser.status().ok()) << parser.status().ToString();
        for (size_t c = 0; c < columns; ++c) {
          const std::string_view field = parser.fields()[c];
          if (!row[c].is_number) {
            EXPECT_EQ(field, row[c].text);
          } else if (!row[c].number) {
            EXPECT_EQ(field, "");
          } else {
            const std::optional<double> back = ParseNumber(field);
            ASSERT_TRUE(back.has_value()) << field;
            EXPECT_EQ(std::bit_cast<uint64_t>(*back), std::bit_cast<uint64_t>(*row[c].number));
          }
        }
      }
      EXPECT_FALSE(parser.Next());
    }
  }
}

TEST(NdjsonWriterTest, EscapingAndValues) {
  std::string out;
  NdjsonWriter writer(&out);
  writer.AddString("s", "q\" b\\ \n\r\t\b\f \x01\x1f\x7f \xC3\xA9");
  writer.AddString("bad",
                   "a\xFF"
                   "b\xE2\x82");
  writer.AddNumber("n", 3);
  writer.AddNumber("nan", kNaN);
  writer.AddBool("t", true);
  writer.AddNull("z");
  writer.AddString("we\"ird\n", "");
  writer.EndRow();
  writer.EndRow();
  EXPECT_EQ(out,
            "{\"s\":\"q\\\" b\\\\ \\n\\r\\t\\b\\f \\u0001\\u001f\x7f \xC3\xA9\","
            "\"bad\":\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD\",\"n\":3,\"nan\":null,\"t\":true,"
            "\"z\":null,\"we\\\"ird\\n\":\"\"}\n{}\n");
}

TEST(NdjsonWriterTest, AddMembersOfExtendsAnInputObject) {
  std::string out;
  NdjsonWriter writer(&out);
  EXPECT_TRUE(writer.AddMembersOf(" {\"a\":1, \"b\":{\"c\":[]}} "));
  EXPECT_FALSE(writer.AddMembersOf("{}"));  // the row has started
  writer.AddNumber("score", 0.5);
  writer.EndRow();
  EXPECT_TRUE(writer.AddMembersOf("{ }"));
  writer.AddNumber("score", 1);
  writer.EndRow();
  EXPECT_TRUE(writer.AddMembersOf("{}"));
  writer.EndRow();
  EXPECT_EQ(out, "{\"a\":1, \"b\":{\"c\":[]},\"score\":0.5}\n{ \"score\":1}\n{}\n");
  for (const char* bad : {"", "[]", "{", "}", "x{}", "  "}) {
    std::string other;
    NdjsonWriter w(&other);
    EXPECT_FALSE(w.AddMembersOf(bad)) << bad;
    EXPECT_EQ(other, "");
  }
}

TEST(NdjsonWriterTest, RandomRowsRoundTrip) {
  std::mt19937_64 random(5);
  const auto rows = RandomRows(random, 6);
  std::string out;
  NdjsonWriter writer(&out);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string name = "c" + std::to_string(c) + RandomText(random);
      if (!row[c].is_number) {
        writer.AddString(name.substr(0, 2), row[c].text);
      } else if (row[c].number) {
        writer.AddNumber(name.substr(0, 2), *row[c].number);
      } else {
        writer.AddNull(name.substr(0, 2));
      }
    }
    writer.EndRow();
  }
  NdjsonRecordParser parser(out, 1);
  for (const auto& row : rows) {
    ASSERT_TRUE(parser.Next());
    ASSERT_TRUE(parser.status().ok()) << parser.status().ToString();
    for (size_t c = 0; c < row.size(); ++c) {
      const auto value = parser.Field("c" + std::to_string(c));
      ASSERT_TRUE(value.ok());
      if (!row[c].is_number) {
        EXPECT_EQ(value->string, row[c].text);
      } else if (!row[c].number) {
        EXPECT_EQ(value->kind, JsonScalar::Kind::kNull);
      } else {
        EXPECT_EQ(std::bit_cast<uint64_t>(value->number), std::bit_cast<uint64_t>(*row[c].number));
      }
    }
  }
  EXPECT_FALSE(parser.Next());
}

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ctest runs each case in its own process, several at once: one
    // directory per process.
    dir_ = std::filesystem::path(::testing::TempDir()) / ("output_file_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static std::string Read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    return contents.str();
  }
  size_t FileCount() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_), {}));
  }
  std::filesystem::path dir_;
};

TEST_F(OutputFileTest, AppearsOnlyOnClose) {
  const std::string path = dir_ / "out.csv";
  auto file = OutputFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Write("a,b\n").ok());
  ASSERT_TRUE((*file)->Write("1,2\n").ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Read(path), "a,b\n1,2\n");
  EXPECT_EQ(FileCount(), 1u);
  EXPECT_TRUE(StatusIs((*file)->Write("x"), StatusCode::kFailedPrecondition));
}

TEST_F(OutputFileTest, ReplacesAnExistingFileOnlyOnClose) {
  const std::string path = dir_ / "out.csv";
  std::ofstream(path) << "old\n";
  {
    auto file = OutputFile::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Write("new\n").ok());
    EXPECT_EQ(Read(path), "old\n");
  }  // abandoned: not closed
  EXPECT_EQ(Read(path), "old\n");
  EXPECT_EQ(FileCount(), 1u);  // the temporary file is gone
  auto file = OutputFile::Create(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Write("new\n").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(Read(path), "new\n");
}

TEST_F(OutputFileTest, ErrorsNameThePath) {
  const std::string missing = (dir_ / "no" / "out.csv").string();
  EXPECT_TRUE(StatusIs(OutputFile::Create(missing).status(), StatusCode::kNotFound, missing));
  EXPECT_TRUE(StatusIs(OutputFile::Create(dir_.string()).status(), StatusCode::kInvalidArgument,
                       "is a directory"));
}

TEST_F(OutputFileTest, DevicesAreWrittenDirectly) {
  auto file = OutputFile::Create("/dev/null");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE((*file)->Write("x").ok());
  EXPECT_TRUE((*file)->Close().ok());
}

}  // namespace
}  // namespace podium
