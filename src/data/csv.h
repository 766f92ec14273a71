// CSV records (RFC 4180 dialect, see docs/formats/csv-ndjson.md).
//
// A record ends at a line feed outside quotes; "\r\n" is accepted too. A field
// is quoted only if its first byte is a quote; inside quotes, "" is a quote and
// delimiters and line breaks are data. Blank lines (empty, or a lone "\r") are
// not records. Every field must be valid UTF-8.
//
// Error messages name "line L" or "line L, column C" (C is the 1-based field
// number); callers add the file name with Status::WithContext.
#ifndef PODIUM_DATA_CSV_H_
#define PODIUM_DATA_CSV_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace podium {

struct CsvOptions {
  // One of ',', ';', '\t', '|'.
  char delimiter = ',';
};

// OK if `delimiter` is one CsvOptions allows, else kInvalidArgument.
Status ValidateCsvDelimiter(char delimiter);

// Parses a header record (e.g. from ChunkReader::ReadHeader) that starts on
// line `line`: the unquoted column names. kInvalidArgument if the record is
// malformed, or a name is empty or repeated ("line 1, column 3: duplicate
// column name 'age' (also column 1)").
Result<std::vector<std::string>> ParseCsvHeader(std::string_view record, int64_t line,
                                                const CsvOptions& options = {});

// Iterates the records of a block of CSV text that starts at a record
// boundary (e.g. a Chunk):
//
//   CsvRecordParser parser(chunk.bytes, chunk.first_line, header.size());
//   while (parser.Next()) {
//     if (!parser.status().ok()) { reject(parser.raw(), parser.status()); continue; }
//     for (std::string_view field : parser.fields()) ...
//   }
//
// An invalid record yields a status for that record only; parsing continues
// with the next one. Fields point into the text or, for fields with escaped
// quotes, into a scratch buffer of the parser; they stay valid until the next
// call to Next(). The common path allocates nothing per record.
// Thread-compatible: use one parser per thread.
class CsvRecordParser {
 public:
  // `text` must outlive the parser; its first byte is on line `first_line`.
  // Records whose field count differs from `expected_fields` are errors
  // ("line 17: expected 20 fields but found 19"); 0 accepts any count. An
  // unsupported delimiter makes every record an error.
  CsvRecordParser(std::string_view text, int64_t first_line, size_t expected_fields,
                  const CsvOptions& options = {});
  // The text must outlive the parser, so a temporary std::string is refused.
  template <typename String>
  requires std::same_as<String, std::string> CsvRecordParser(String&& text, int64_t first_line,
                                                             size_t expected_fields,
                                                             const CsvOptions& options = {})
  = delete;

  CsvRecordParser(const CsvRecordParser&) = delete;
  CsvRecordParser& operator=(const CsvRecordParser&) = delete;

  // Moves to the next record, skipping blank lines. False at the end.
  bool Next();

  // The current record. status() is OK or kInvalidArgument naming the first
  // problem: a wrong field count, an unterminated quoted field, a quote inside
  // an unquoted field, a byte after a closing quote, or invalid UTF-8 ("line 9,
  // column 4: invalid UTF-8 byte 0xff"). fields() are unspecified on error.
  const Status& status() const { return status_; }
  // Field i is column i + 1.
  std::span<const std::string_view> fields() const { return fields_; }
  // Line on which the record starts.
  int64_t line() const { return record_line_; }
  // The record's bytes as read, without its line terminator.
  std::string_view raw() const { return raw_; }
  // "line L, column C" for a message about field `index` of this record.
  std::string Location(size_t index) const;

 private:
  const char* ParseQuoted(const char* p);
  const char* ParseUnquoted(const char* p, bool new_field);
  const char* EndField(const char* start, const char* end, bool new_field);
  const char* AfterLineEnd(const char* p) const;
  void SetError(const char* at, size_t column, std::string what);
  int64_t LineOf(const char* at) const;

  const char* pos_;
  const char* const end_;
  int64_t line_;  // line of pos_
  const size_t expected_fields_;
  const char delimiter_;
  bool delimiter_ok_;
  unsigned char special_[256];  // bytes the unquoted scan stops at

  // Current record.
  const char* record_begin_ = nullptr;
  bool record_done_ = false;
  int64_t record_line_ = 0;
  std::string_view raw_;
  Status status_;
  std::vector<std::string_view> fields_;
  std::string scratch_;  // unescaped quoted fields
  struct Escaped {
    size_t field, offset, size;
  };
  std::vector<Escaped> escaped_;  // fields_ that live in scratch_
};

}  // namespace podium

#endif  // PODIUM_DATA_CSV_H_
