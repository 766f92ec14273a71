#include "data/chunk_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "data/csv.h"
#include "data/ndjson.h"
#include "data/testing.h"

namespace podium {
namespace {

struct Want {
  int64_t line = 0;
  std::vector<std::string> fields;
  bool ok = true;
};

struct Generated {
  std::string text;
  std::vector<Want> records;
};

// A random CSV file with three fields per record: plain and quoted fields
// holding delimiters, escaped quotes, LF and CRLF; CRLF or LF record ends;
// blank lines; records with a stray quote; maybe a BOM and no final newline.
Generated GenerateCsv(std::mt19937& random) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  static const char* const kPlain[] = {"", "a", "xyz", "0.5", "-12", "caf\xC3\xA9", "two words"};
  static const char* const kQuoted[] = {"a", ",", "\"\"", "\n", "\r\n", "\xE2\x82\xAC", " ", "|"};
  Generated g;
  int64_t line = 1;
  if (pick(4) == 0) g.text = "\xEF\xBB\xBF";
  const int count = pick(30);
  for (int r = 0; r < count; ++r) {
    for (int blank = pick(4) == 0 ? pick(3) : 0; blank > 0; --blank, ++line) {
      g.text += pick(2) ? "\n" : "\r\n";
    }
    Want want;
    want.line = line;
    for (int f = 0; f < 3; ++f) {
      if (f > 0) g.text += ',';
      std::string value;
      const int kind = pick(10);
      if (kind < 5) {
        value = kPlain[pick(7)];
        g.text += value;
      } else if (kind < 9) {
        g.text += '"';
        for (int n = pick(6); n > 0; --n) {
          const std::string piece = kQuoted[pick(8)];
          g.text += piece;
          value += piece == "\"\"" ? "\"" : piece;
          if (piece.back() == '\n') ++line;
        }
        g.text += '"';
      } else {
        g.text += "x\"y";  // a quote inside an unquoted field
        want.ok = false;
      }
      want.fields.push_back(value);
    }
    g.records.push_back(want);
    if (r + 1 < count || pick(3) != 0) {
      g.text += pick(2) ? "\n" : "\r\n";
      ++line;
    }
  }
  return g;
}

// Reads all chunks (the first record as a header when `header`), checks that
// they reassemble the input and parses them.
std::vector<Want> ReadCsv(const std::string& text, size_t block_bytes, bool header,
                          std::string* reassembled) {
  auto reader = ChunkReader::FromString(text, {.block_bytes = block_bytes});
  EXPECT_TRUE(reader.ok());
  std::vector<Want> got;
  auto parse = [&](const Chunk& chunk, int64_t expected_first_record) {
    EXPECT_EQ(chunk.first_record, expected_first_record);
    *reassembled += chunk.bytes;
    CsvRecordParser parser(chunk.bytes, chunk.first_line, 3);
    while (parser.Next()) {
      Want& w = got.emplace_back();
      w.line = parser.line();
      w.ok = parser.status().ok();
      if (w.ok) w.fields.assign(parser.fields().begin(), parser.fields().end());
    }
  };
  if (header) {
    auto first = (*reader)->ReadHeader();
    EXPECT_TRUE(first.ok());
    if (first.ok() && first->has_value()) parse(**first, 0);
  }
  const size_t header_records = got.size();
  while (true) {
    auto chunk = (*reader)->Next();
    EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (!chunk.ok() || !chunk->has_value()) break;
    EXPECT_FALSE((*chunk)->bytes.empty());
    parse(**chunk, static_cast<int64_t>(got.size() - header_records));
  }
  return got;
}

void ExpectSameRecords(const std::vector<Want>& got, const std::vector<Want>& want,
                       const std::string& context) {
  ASSERT_EQ(got.size(), want.size()) << context;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].line, want[i].line) << context << " record " << i;
    EXPECT_EQ(got[i].ok, want[i].ok) << context << " record " << i;
    if (want[i].ok) {
      EXPECT_EQ(got[i].fields, want[i].fields) << context << " record " << i;
    }
  }
}

TEST(ChunkReaderTest, TinyBlocksReassembleCsvExactly) {
  std::mt19937 random(7);
  for (int file = 0; file < 150; ++file) {
    const Generated g = GenerateCsv(random);
    const std::string body = g.text.starts_with("\xEF\xBB\xBF") ? g.text.substr(3) : g.text;
    for (size_t block : {1, 2, 3, 5, 7, 8, 13, 16, 31, 32, 64, 1 << 20}) {
      for (bool header : {false, true}) {
        std::string reassembled;
        const std::string context = "file " + std::to_string(file) + " block " +
                                    std::to_string(block) + " header " + std::to_string(header);
        ExpectSameRecords(ReadCsv(g.text, block, header, &reassembled), g.records, context);
        EXPECT_EQ(reassembled, body) << context;
      }
    }
  }
}

TEST(ChunkReaderTest, EveryBlockSizeUpTo64) {
  const std::string text =
      "\xEF\xBB\xBFid,note,v\r\n1,\"multi\nline, with \"\"quotes\"\"\",2\r\n\r\n"
      "3,\"\",\"\r\n\"\n4,x\"y,5\n6,plain,7";
  std::string reassembled;
  const std::vector<Want> want = ReadCsv(text, 1 << 20, false, &reassembled);
  ASSERT_EQ(want.size(), 5u);
  EXPECT_EQ(want[1].line, 2);
  EXPECT_EQ(want[2].line, 5);
  EXPECT_EQ(want[3].line, 7);
  EXPECT_FALSE(want[3].ok);
  EXPECT_EQ(want[4].line, 8);
  for (size_t block = 1; block <= 64; ++block) {
    std::string again;
    ExpectSameRecords(ReadCsv(text, block, block % 2 == 0, &again), want,
                      "block " + std::to_string(block));
    EXPECT_EQ(again, reassembled);
  }
}

TEST(ChunkReaderTest, TinyBlocksSplitNdjsonAtLines) {
  std::mt19937 random(11);
  for (int file = 0; file < 100; ++file) {
    std::string text = random() % 4 == 0 ? "\xEF\xBB\xBF" : "";
    std::vector<std::pair<int64_t, std::string>> want;  // line, value of "s"
    int64_t line = 1;
    for (int r = static_cast<int>(random() % 20); r > 0; --r) {
      if (random() % 4 == 0) {
        text += random() % 2 ? " \t\r\n" : "\n";
        ++line;
      }
      const std::string value = std::string(random() % 5, 'v') + std::to_string(r);
      text += "{\"s\": \"" + value + "\\n\", \"n\": [1, {\"a\": \"}\"}]}";
      want.emplace_back(line, value + "\n");
      if (r > 1 || random() % 2) {
        text += random() % 2 ? "\n" : "\r\n";
        ++line;
      }
    }
    for (size_t block : {1, 2, 3, 9, 64, 1 << 20}) {
      auto reader =
          ChunkReader::FromString(text, {.format = RecordFormat::kNdjson, .block_bytes = block});
      ASSERT_TRUE(reader.ok());
      std::vector<std::pair<int64_t, std::string>> got;
      while (true) {
        auto chunk = (*reader)->Next();
        ASSERT_TRUE(chunk.ok()) << chunk.status().ToString();
        if (!chunk->has_value()) break;
        EXPECT_EQ((*chunk)->first_record, static_cast<int64_t>(got.size()));
        NdjsonRecordParser parser((*chunk)->bytes, (*chunk)->first_line);
        while (parser.Next()) {
          ASSERT_TRUE(parser.status().ok()) << parser.status().ToString();
          auto s = parser.Field("s");
          ASSERT_TRUE(s.ok());
          got.emplace_back(parser.line(), std::string(s->string));
        }
      }
      EXPECT_EQ(got, want) << "file " << file << " block " << block;
    }
  }
}

std::vector<Chunk> ReadAll(ChunkReader& reader) {
  std::vector<Chunk> chunks;
  while (true) {
    auto chunk = reader.Next();
    EXPECT_TRUE(chunk.ok()) << chunk.status().ToString();
    if (!chunk.ok() || !chunk->has_value()) return chunks;
    chunks.push_back(std::move(**chunk));
  }
}

TEST(ChunkReaderTest, EmptyAndBlankInputs) {
  for (const char* text : {"", "\xEF\xBB\xBF", "\n\n", "\r\n"}) {
    auto reader = ChunkReader::FromString(text, {.block_bytes = 2});
    ASSERT_TRUE(reader.ok());
    auto header = (*reader)->ReadHeader();
    ASSERT_TRUE(header.ok());
    EXPECT_FALSE(header->has_value());
    EXPECT_TRUE(ReadAll(**reader).empty());
  }
}

TEST(ChunkReaderTest, HeaderOnly) {
  for (const char* text : {"a,b", "a,b\n", "a,b\r\n\n\n"}) {
    auto reader = ChunkReader::FromString(text);
    ASSERT_TRUE(reader.ok());
    auto header = (*reader)->ReadHeader();
    ASSERT_TRUE(header.ok() && header->has_value());
    EXPECT_TRUE((*header)->bytes.starts_with("a,b"));
    EXPECT_EQ((*header)->first_line, 1);
    EXPECT_TRUE(ReadAll(**reader).empty()) << text;
  }
}

TEST(ChunkReaderTest, ByteOrderMarkIsSkippedOnlyAtTheStart) {
  auto reader = ChunkReader::FromString("\xEF\xBB\xBFh\n\xEF\xBB\xBFx\n", {.block_bytes = 1});
  ASSERT_TRUE(reader.ok());
  auto header = (*reader)->ReadHeader();
  ASSERT_TRUE(header.ok() && header->has_value());
  EXPECT_EQ((*header)->bytes, "h\n");
  const auto chunks = ReadAll(**reader);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].bytes, "\xEF\xBB\xBFx\n");
  EXPECT_EQ(chunks[0].first_line, 2);

  auto partial = ChunkReader::FromString("\xEF\xBBz\n", {.block_bytes = 1});
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(ReadAll(**partial).at(0).bytes, "\xEF\xBBz\n");
}

TEST(ChunkReaderTest, LeadingBlankLinesBelongToTheHeaderChunk) {
  auto reader = ChunkReader::FromString("\n\r\nh1,h2\nx,y\n");
  ASSERT_TRUE(reader.ok());
  auto header = (*reader)->ReadHeader();
  ASSERT_TRUE(header.ok() && header->has_value());
  CsvRecordParser parser((*header)->bytes, (*header)->first_line, 0);
  ASSERT_TRUE(parser.Next());
  EXPECT_EQ(parser.line(), 3);
  EXPECT_EQ(parser.raw(), "h1,h2");
  const auto chunks = ReadAll(**reader);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].first_line, 4);
  EXPECT_EQ(chunks[0].first_record, 0);
}

TEST(ChunkReaderTest, ChunksAreAboutOneBlock) {
  std::string text;
  for (int i = 0; i < 10000; ++i) text += std::to_string(i) + ",abcdefgh\n";
  auto reader = ChunkReader::FromString(text, {.block_bytes = 4096});
  ASSERT_TRUE(reader.ok());
  const auto chunks = ReadAll(**reader);
  int64_t records = 0;
  for (const Chunk& chunk : chunks) {
    EXPECT_LE(chunk.bytes.size(), 4096u + 20);
    EXPECT_EQ(chunk.first_record, records);
    EXPECT_EQ(chunk.first_line, records + 1);
    records += std::count(chunk.bytes.begin(), chunk.bytes.end(), '\n');
  }
  EXPECT_EQ(records, 10000);
  EXPECT_GE(chunks.size(), text.size() / 4096);
}

TEST(ChunkReaderTest, RecordOverTheLimit) {
  const std::string text = "h\n0123456789\n\"01234\n6789\"\n0123456789ABC\nnext\n";
  for (size_t block : {1, 3, 11, 64, 1 << 20}) {
    auto reader =
        ChunkReader::FromString(text, {.block_bytes = block, .max_record_bytes = 12}, "in.csv");
    ASSERT_TRUE(reader.ok());
    Status error;
    int64_t records_before = 0;
    while (true) {
      auto chunk = (*reader)->Next();
      if (!chunk.ok()) {
        error = chunk.status();
        break;
      }
      ASSERT_TRUE(chunk->has_value()) << "no error with block " << block;
      records_before += std::count((*chunk)->bytes.begin(), (*chunk)->bytes.end(), '\n');
    }
    EXPECT_TRUE(StatusIs(error, StatusCode::kResourceExhausted,
                         "file 'in.csv', line 5: record is larger than the limit of 12 bytes"))
        << "block " << block;
    EXPECT_LE(records_before, 4);
    EXPECT_EQ((*reader)->Next().status(), error);  // errors are final
  }
}

TEST(ChunkReaderTest, HugeRecordFailsWithoutReadingItAll) {
  // An unterminated quote swallows the rest of the input into one record.
  std::string text = "a,\"" + std::string(1 << 22, 'x');
  auto reader = ChunkReader::FromString(text, {.block_bytes = 1024, .max_record_bytes = 4096});
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE(StatusIs((*reader)->Next().status(), StatusCode::kResourceExhausted, "line 1:"));
}

TEST(ChunkReaderTest, ReadHeaderOnlyFirst) {
  auto reader = ChunkReader::FromString("a\nb\n");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Next().ok());
  EXPECT_TRUE(StatusIs((*reader)->ReadHeader().status(), StatusCode::kFailedPrecondition));
}

TEST(ChunkReaderTest, BadOptions) {
  EXPECT_TRUE(StatusIs(ChunkReader::FromString("", {.delimiter = ':'}).status(),
                       StatusCode::kInvalidArgument, "unsupported CSV delimiter"));
  EXPECT_TRUE(StatusIs(ChunkReader::FromString("", {.block_bytes = 0}).status(),
                       StatusCode::kInvalidArgument));
  // NDJSON ignores the delimiter.
  EXPECT_TRUE(
      ChunkReader::FromString("", {.format = RecordFormat::kNdjson, .delimiter = ':'}).ok());
}

TEST(ChunkReaderTest, OtherDelimiterDecidesWhereQuotedFieldsStart) {
  // With ';' the quote after ',' is inside an unquoted field, so the line
  // feed ends the record.
  auto reader =
      ChunkReader::FromString("a,\"b\nc;\"d\ne\";f\n", {.delimiter = ';', .block_bytes = 2});
  ASSERT_TRUE(reader.ok());
  std::string all;
  for (const Chunk& chunk : ReadAll(**reader)) all += chunk.bytes;
  CsvRecordParser parser(all, 1, 0, {.delimiter = ';'});
  std::vector<std::string> raws;
  while (parser.Next()) raws.emplace_back(parser.raw());
  EXPECT_EQ(raws, (std::vector<std::string>{"a,\"b", "c;\"d\ne\";f"}));
}

TEST(ChunkReaderTest, ReadsFiles) {
  const std::string path = ::testing::TempDir() + "/chunk_reader_test.csv";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 5000; ++i) out << i << ",\"q\n" << i << "\"\n";
  }
  auto reader = ChunkReader::Open(path, {.block_bytes = 1000});
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->name(), path);
  int64_t records = 0;
  for (const Chunk& chunk : ReadAll(**reader)) {
    CsvRecordParser parser(chunk.bytes, chunk.first_line, 2);
    while (parser.Next()) {
      ASSERT_TRUE(parser.status().ok());
      EXPECT_EQ(parser.line(), 2 * records + 1);
      EXPECT_EQ(parser.fields()[1], "q\n" + std::to_string(records));
      ++records;
    }
  }
  EXPECT_EQ(records, 5000);
  std::remove(path.c_str());
}

TEST(ChunkReaderTest, OpenErrorsNameThePath) {
  EXPECT_TRUE(StatusIs(ChunkReader::Open("/nonexistent/in.csv").status(), StatusCode::kNotFound,
                       "'/nonexistent/in.csv'"));
  EXPECT_TRUE(StatusIs(ChunkReader::Open(::testing::TempDir()).status(),
                       StatusCode::kInvalidArgument, "is a directory"));
}

}  // namespace
}  // namespace podium
