// libFuzzer target for the NDJSON path: chunking, record parsing and the
// writer. Besides memory errors (ASan/UBSan) it checks invariants and traps
// when one breaks:
//  - records are the same however the input is cut into blocks;
//  - the writer's output is always valid NDJSON, and strings that are valid
//    UTF-8 read back unchanged.
#include <cstdint>
#include <string>
#include <vector>

#include "data/chunk_reader.h"
#include "data/ndjson.h"
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
  Status status;
  std::vector<std::string> members;  // name=kind:value
  bool operator==(const Record&) const = default;
};

void ParseInto(std::string_view text, int64_t first_line, std::vector<Record>* records) {
  NdjsonRecordParser parser(text, first_line, {.max_depth = 8});
  while (parser.Next()) {
    Record record{parser.line(), std::string(parser.raw()), parser.status(), {}};
    for (size_t i = 0; parser.status().ok() && i < parser.member_count(); ++i) {
      const std::string name(parser.member_name(i));
      const Result<JsonScalar> value = parser.Field(name);
      std::string described = name + "=";
      if (!value.ok()) {
        described += value.status().message();
      } else {
        described += std::to_string(static_cast<int>(value->kind)) + ":" +
                     std::to_string(value->number) + std::string(value->string);
      }
      record.members.push_back(described);
    }
    records->push_back(std::move(record));
  }
}

// Writes `name` and `value` through NdjsonWriter (alone and appended to
// `object`), and reads them back.
void CheckWriter(std::string_view name, std::string_view value, std::string_view object) {
  std::string out;
  NdjsonWriter writer(&out);
  const bool extended = writer.AddMembersOf(object);
  writer.AddString(name, value);
  writer.EndRow();
  NdjsonRecordParser parser(out, 1);
  Check(parser.Next());
  // Extending may repeat the member name, which the parser refuses.
  Check(parser.status().ok() ||
        (extended && parser.status().message().find("duplicate field") != std::string::npos));
  if (parser.status().ok() && !extended && FindInvalidUtf8(name) == std::string_view::npos &&
      FindInvalidUtf8(value) == std::string_view::npos) {
    const Result<JsonScalar> back = parser.Field(name);
    Check(back.ok() && back->kind == JsonScalar::Kind::kString && back->string == value);
  }
  Check(!parser.Next());
}

}  // namespace
}  // namespace podium

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace podium;
  if (size < 1) return 0;
  const size_t block_bytes = 1 + (data[0] & 63);
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::string_view body =
      std::string_view(text).starts_with("\xEF\xBB\xBF") ? std::string_view(text).substr(3) : text;
  std::vector<Record> whole;
  ParseInto(body, 1, &whole);

  auto reader = ChunkReader::FromString(
      text,
      {.format = RecordFormat::kNdjson, .block_bytes = block_bytes, .max_record_bytes = 1 << 20});
  Check(reader.ok());
  std::vector<Record> chunked;
  int64_t records = 0;
  while (true) {
    auto chunk = (*reader)->Next();
    Check(chunk.ok());
    if (!chunk->has_value()) break;
    Check((*chunk)->first_record == records);
    const size_t before = chunked.size();
    ParseInto((*chunk)->bytes, (*chunk)->first_line, &chunked);
    records += static_cast<int64_t>(chunked.size() - before);
  }
  Check(chunked == whole);

  for (const Record& record : whole) {  // messages are safe to copy to output
    Check(FindInvalidUtf8(record.status.message()) == std::string_view::npos);
  }
  // Arbitrary bytes as a name and a value, and each record extended.
  const size_t half = body.size() / 2;
  CheckWriter(body.substr(0, half), body.substr(half), "");
  for (const Record& record : whole) {
    if (record.status.ok()) CheckWriter("fuzz", record.raw, record.raw);
  }
  return 0;
}
