// NDJSON records: one JSON object per line (see docs/formats/csv-ndjson.md).
//
// Lines holding only JSON whitespace are not records. Members are read by name
// as scalars; a record's nested arrays and objects are parsed (to validate
// them) but not kept. Error messages name "line L" and, for syntax errors,
// "byte B" within the line; callers add the file name with WithContext.
#ifndef PODIUM_DATA_NDJSON_H_
#define PODIUM_DATA_NDJSON_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace podium {

struct NdjsonOptions {
  // Deeper nesting of arrays and objects is kResourceExhausted. The record's
  // own object is depth 1.
  int max_depth = 64;
};

// The value of one member of a record.
struct JsonScalar {
  enum class Kind { kMissing, kNull, kBool, kNumber, kString };
  Kind kind = Kind::kMissing;
  bool boolean = false;  // kBool
  // kNumber. Integers beyond 2^53 are rounded to the nearest double.
  double number = 0;
  // kString, unescaped; valid until the parser's next Next().
  std::string_view string;

  // Missing and null both mean "no value".
  bool is_missing() const { return kind == Kind::kMissing || kind == Kind::kNull; }
};

// Iterates the records of a block of NDJSON text that starts at a line start
// (e.g. a Chunk):
//
//   NdjsonRecordParser parser(chunk.bytes, chunk.first_line);
//   while (parser.Next()) {
//     if (!parser.status().ok()) { reject(parser.raw(), parser.status()); continue; }
//     ASSIGN_OR_RETURN(JsonScalar age, parser.Field("age"));
//   }
//
// An invalid record yields a status for that record only; parsing continues
// with the next line. Thread-compatible: use one parser per thread.
class NdjsonRecordParser {
 public:
  // `text` must outlive the parser; its first byte is on line `first_line`.
  NdjsonRecordParser(std::string_view text, int64_t first_line, const NdjsonOptions& options = {});
  // The text must outlive the parser, so a temporary std::string is refused.
  template <typename String>
  requires std::same_as<String, std::string> NdjsonRecordParser(String&& text, int64_t first_line,
                                                                const NdjsonOptions& options = {})
  = delete;

  NdjsonRecordParser(const NdjsonRecordParser&) = delete;
  NdjsonRecordParser& operator=(const NdjsonRecordParser&) = delete;

  // Moves to the next record, skipping blank lines. False at the end.
  bool Next();

  // OK, or why the current record is invalid: kInvalidArgument for a syntax
  // error ("line 5, byte 12: syntax error ..."), a value that is not an object
  // ("line 5: expected a JSON object") or a repeated member name ("line 5:
  // duplicate field 'x'"); kResourceExhausted for nesting deeper than
  // max_depth.
  const Status& status() const { return status_; }
  int64_t line() const { return record_line_; }
  // The record's bytes as read, without its line terminator.
  std::string_view raw() const { return raw_; }

  // The member `name` of the current record: kMissing if there is none.
  // kInvalidArgument if the member is an array or an object ("line 5: field
  // 'x' is an object, expected a scalar"), or the record is invalid.
  Result<JsonScalar> Field(std::string_view name) const;

  // The members of the current record, in order.
  size_t member_count() const { return members_.size(); }
  std::string_view member_name(size_t index) const;

 private:
  class Handler;  // receives nlohmann::json SAX events; see ndjson.cc
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  struct Member {
    size_t name_offset = 0, name_size = 0;  // in arena_
    Kind kind = Kind::kNull;
    bool boolean = false;
    double number = 0;
    size_t string_offset = 0, string_size = 0;  // in arena_
  };

  void Parse();
  Status IndexMembers();
  int Find(std::string_view name) const;

  const char* pos_;
  const char* const end_;
  int64_t line_;
  const NdjsonOptions options_;

  int64_t record_line_ = 0;
  std::string_view raw_;
  Status status_;
  std::vector<Member> members_;
  std::string arena_;            // member names and string values
  std::vector<uint32_t> slots_;  // hash table: 1 + index into members_, 0 = empty
};

}  // namespace podium

#endif  // PODIUM_DATA_NDJSON_H_
