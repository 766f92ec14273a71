// libFuzzer target for the CSV path: chunking, record parsing, numbers and the
// writer. Besides memory errors (ASan/UBSan) it checks invariants and traps
// when one breaks:
//  - records are the same however the input is cut into blocks;
//  - a valid record written by CsvWriter parses back to the same fields;
//  - a parsed number formats back to text that parses to the same bits.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "data/chunk_reader.h"
#include "data/csv.h"
#include "data/number.h"
#include "data/utf8.h"
#include "data/writer.h"

namespace podium {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

struct Record {
  int64_t line;
  std::string raw;
  std::vector<std::string> fields;
  Status status;
  bool operator==(const Record&) const = default;
};

void ParseInto(std::string_view text, int64_t first_line, const CsvOptions& options,
               std::vector<Record>* records) {
  CsvRecordParser parser(text, first_line, 0, options);
  while (parser.Next()) {
    Record record{parser.line(), std::string(parser.raw()), {}, parser.status()};
    if (parser.status().ok()) record.fields.assign(parser.fields().begin(), parser.fields().end());
    records->push_back(std::move(record));
  }
}

void CheckNumbers(const std::vector<std::string>& fields) {
  for (const std::string& field : fields) {
    const std::optional<double> value = ParseNumber(field);
    if (!value) continue;
    std::string text;
    Check(FormatNumber(*value, &text));
    const std::optional<double> again = ParseNumber(text);
    Check(again.has_value() && std::memcmp(&*again, &*value, sizeof(double)) == 0);
  }
  for (const std::string& field : fields) ParseBoolean(field).has_value();
}

void CheckWriterRoundTrip(const std::vector<std::string>& fields, const CsvOptions& options) {
  std::string out;
  CsvWriter writer(&out, options);
  for (const std::string& field : fields) writer.AddString(field);
  writer.EndRow();
  CsvRecordParser parser(out, 1, fields.size(), options);
  Check(parser.Next());
  Check(parser.status().ok());
  Check(std::equal(fields.begin(), fields.end(), parser.fields().begin(), parser.fields().end()));
  Check(!parser.Next());
}

}  // namespace
}  // namespace podium

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace podium;
  if (size < 1) return 0;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  const CsvOptions options{.delimiter = kDelimiters[data[0] & 3]};
  const size_t block_bytes = 1 + (data[0] >> 2);  // 1..64
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  // The whole input in one piece (as ChunkReader would, minus a BOM).
  const std::string_view body =
      std::string_view(text).starts_with("\xEF\xBB\xBF") ? std::string_view(text).substr(3) : text;
  std::vector<Record> whole;
  ParseInto(body, 1, options, &whole);

  // The same input read in small blocks, the first record as a header.
  auto reader = ChunkReader::FromString(
      text,
      {.delimiter = options.delimiter, .block_bytes = block_bytes, .max_record_bytes = 1 << 20});
  Check(reader.ok());
  std::vector<Record> chunked;
  std::string reassembled;
  auto header = (*reader)->ReadHeader();
  Check(header.ok());
  if (header->has_value()) {
    reassembled += (*header)->bytes;
    ParseInto((*header)->bytes, (*header)->first_line, options, &chunked);
    ParseCsvHeader((*header)->bytes, (*header)->first_line, options).status().IgnoreError();
  }
  int64_t data_records = 0;
  while (true) {
    auto chunk = (*reader)->Next();
    Check(chunk.ok());
    if (!chunk->has_value()) break;
    Check((*chunk)->first_record == data_records);
    reassembled += (*chunk)->bytes;
    const size_t before = chunked.size();
    ParseInto((*chunk)->bytes, (*chunk)->first_line, options, &chunked);
    data_records += static_cast<int64_t>(chunked.size() - before);
  }
  Check(chunked == whole);
  // Trailing blank lines may be dropped, nothing else.
  Check(body.starts_with(reassembled));
  Check(body.substr(reassembled.size()).find_first_not_of("\r\n") == std::string_view::npos);

  for (const Record& record : whole) {  // messages are safe to copy to output
    Check(FindInvalidUtf8(record.status.message()) == std::string_view::npos);
  }
  for (const Record& record : whole) {
    if (!record.status.ok()) continue;
    CheckNumbers(record.fields);
    CheckWriterRoundTrip(record.fields, options);
  }
  return 0;
}
