#include "data/csv.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <unordered_map>

#include "data/utf8.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace podium {
namespace {

std::string DescribeByte(unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
  return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
}

// The first byte in [p, end) that ends an unquoted run of ASCII: the
// delimiter, CR, LF, a quote or a non-ASCII byte (those marked in `special`);
// `end` if there is none.
inline const char* FindSpecial(const char* p, const char* end, char delimiter,
                               const unsigned char* special) {
#ifdef __SSE2__  // part of the x86-64 baseline: 16 bytes at a time
  const __m128i delimiters = _mm_set1_epi8(delimiter);
  const __m128i lf = _mm_set1_epi8('\n');
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i quote = _mm_set1_epi8('"');
  for (; end - p >= 16; p += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, delimiters), _mm_cmpeq_epi8(bytes, lf)),
                     _mm_or_si128(_mm_cmpeq_epi8(bytes, cr), _mm_cmpeq_epi8(bytes, quote)));
    // The sign bit of each byte: a hit, or a byte >= 0x80.
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(hits, bytes)));
    if (mask != 0) return p + std::countr_zero(mask);
  }
#endif
  while (p < end && !special[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

}  // namespace

Status ValidateCsvDelimiter(char delimiter) {
  if (delimiter == ',' || delimiter == ';' || delimiter == '\t' || delimiter == '|') {
    return Status::Ok();
  }
  return InvalidArgumentError("unsupported CSV delimiter " +
                              DescribeByte(static_cast<unsigned char>(delimiter)) +
                              " (use ',', ';', tab or '|')");
}

Result<std::vector<std::string>> ParseCsvHeader(std::string_view record, int64_t line,
                                                const CsvOptions& options) {
  RETURN_IF_ERROR(ValidateCsvDelimiter(options.delimiter));
  CsvRecordParser parser(record, line, 0, options);
  if (!parser.Next()) {
    return InvalidArgumentError("line " + std::to_string(line) + ": the header is empty");
  }
  RETURN_IF_ERROR(parser.status());
  std::vector<std::string> names;
  std::unordered_map<std::string_view, size_t> seen;
  for (size_t i = 0; i < parser.fields().size(); ++i) {
    const std::string_view name = parser.fields()[i];
    if (name.empty()) {
      return InvalidArgumentError(parser.Location(i) + ": empty column name");
    }
    const auto [it, inserted] = seen.emplace(name, i);
    if (!inserted) {
      return InvalidArgumentError(parser.Location(i) + ": duplicate column name '" +
                                  std::string(name) + "' (also column " +
                                  std::to_string(it->second + 1) + ")");
    }
    names.emplace_back(name);
  }
  return names;
}

CsvRecordParser::CsvRecordParser(std::string_view text, int64_t first_line, size_t expected_fields,
                                 const CsvOptions& options)
    : pos_(text.data()),
      end_(text.data() + text.size()),
      line_(first_line),
      expected_fields_(expected_fields),
      // An unsupported delimiter still splits records sanely; each is an error.
      delimiter_(ValidateCsvDelimiter(options.delimiter).ok() ? options.delimiter : ','),
      delimiter_ok_(delimiter_ == options.delimiter) {
  for (int c = 0; c < 256; ++c) special_[c] = c >= 0x80;
  for (char c : {delimiter_, '\n', '\r', '"'}) special_[static_cast<unsigned char>(c)] = 1;
}

bool CsvRecordParser::Next() {
  // Skip blank lines: "\n", "\r\n", or a lone "\r" at the end.
  while (pos_ < end_) {
    if (*pos_ == '\n') {
      ++line_;
    } else if (!(*pos_ == '\r' && (pos_ + 1 == end_ || pos_[1] == '\n'))) {
      break;
    }
    ++pos_;
  }
  if (pos_ == end_) return false;

  record_begin_ = pos_;
  record_line_ = line_;
  record_done_ = false;
  status_ = Status::Ok();
  fields_.clear();
  escaped_.clear();
  scratch_.clear();
  const char* p = pos_;
  while (!record_done_) {
    if (p < end_ && *p == '"') {
      p = ParseQuoted(p);
      continue;
    }
    // Fast path: an ASCII field ended by the delimiter or LF.
    const char* stop = FindSpecial(p, end_, delimiter_, special_);
    if (stop < end_ && *stop == delimiter_) {
      fields_.emplace_back(p, static_cast<size_t>(stop - p));
      p = stop + 1;
    } else if (stop < end_ && *stop == '\n') {
      p = EndField(p, stop, /*new_field=*/true);
    } else {
      p = ParseUnquoted(p, /*new_field=*/true);
    }
  }
  pos_ = p;

  for (const Escaped& e : escaped_) {
    fields_[e.field] = std::string_view(scratch_.data() + e.offset, e.size);
  }
  if (!status_.ok()) return true;
  if (!delimiter_ok_) {
    status_ = InvalidArgumentError("line " + std::to_string(record_line_) +
                                   ": unsupported CSV delimiter");
  } else if (expected_fields_ != 0 && fields_.size() != expected_fields_) {
    status_ = InvalidArgumentError("line " + std::to_string(record_line_) + ": expected " +
                                   std::to_string(expected_fields_) + " fields but found " +
                                   std::to_string(fields_.size()));
  }
  return true;
}

// If `p` is at the end of a record (end of text, "\n", "\r\n" or a final
// "\r"), returns where the next record starts, else nullptr.
const char* CsvRecordParser::AfterLineEnd(const char* p) const {
  if (p == end_) return p;
  if (*p == '\r' && (p + 1 == end_ || p[1] == '\n')) ++p;
  if (p == end_) return p;
  return *p == '\n' ? p + 1 : nullptr;
}

// Ends the field [start, end) (already recorded when !new_field) that is
// followed by `end`: a delimiter or the end of the record.
const char* CsvRecordParser::EndField(const char* start, const char* end, bool new_field) {
  if (new_field) fields_.emplace_back(start, static_cast<size_t>(end - start));
  if (end < end_ && *end == delimiter_) return end + 1;
  const char* next = AfterLineEnd(end);
  record_done_ = true;
  raw_ = std::string_view(record_begin_, static_cast<size_t>(end - record_begin_));
  if (next > end && next[-1] == '\n') ++line_;
  return next;
}

// Scans an unquoted field (or, when !new_field, the rest of a field after a
// misplaced closing quote) up to its delimiter or line end. Returns where the
// next field starts.
const char* CsvRecordParser::ParseUnquoted(const char* p, bool new_field) {
  const char* const start = p;
  const size_t column = fields_.size() + (new_field ? 1 : 0);
  for (;;) {
    p = FindSpecial(p, end_, delimiter_, special_);
    if (p == end_ || *p == delimiter_ || *p == '\n') return EndField(start, p, new_field);
    if (*p == '\r') {
      if (AfterLineEnd(p) != nullptr) return EndField(start, p, new_field);
      ++p;  // a lone CR is data
    } else if (*p == '"') {
      SetError(p, column, "quote inside an unquoted field");
      ++p;
    } else {
      const int length = Utf8SequenceLength(p, end_);
      if (length == 0) SetError(p, column, "invalid UTF-8 " + DescribeByte(*p));
      p += length == 0 ? 1 : length;
    }
  }
}

// Parses a quoted field; `p` is at its opening quote.
const char* CsvRecordParser::ParseQuoted(const char* p) {
  const char* const open = p;
  const size_t column = fields_.size() + 1;
  const char* segment = p + 1;  // start of the part not yet copied to scratch_
  const char* close = nullptr;
  bool escaped = false;
  const size_t offset = scratch_.size();
  for (const char* scan = p + 1;;) {
    close = static_cast<const char*>(std::memchr(scan, '"', static_cast<size_t>(end_ - scan)));
    if (close == nullptr) {
      SetError(open, column, "unterminated quoted field");
      line_ += std::count(open, end_, '\n');
      return EndField(end_, end_, /*new_field=*/true);
    }
    if (close + 1 == end_ || close[1] != '"') break;
    scratch_.append(segment, close + 1);  // keeps one quote of the pair
    segment = scan = close + 2;
    escaped = true;
  }

  const std::string_view content(open + 1, static_cast<size_t>(close - open - 1));
  const size_t bad = FindInvalidUtf8(content);
  if (bad != std::string_view::npos) {
    SetError(content.data() + bad, column,
             "invalid UTF-8 " + DescribeByte(static_cast<unsigned char>(content[bad])));
  }
  line_ += std::count(content.begin(), content.end(), '\n');
  if (escaped) {
    scratch_.append(segment, close);
    escaped_.push_back({fields_.size(), offset, scratch_.size() - offset});
    fields_.emplace_back();
  } else {
    fields_.push_back(content);
  }

  p = close + 1;
  if ((p < end_ && *p == delimiter_) || AfterLineEnd(p) != nullptr) {
    return EndField(p, p, /*new_field=*/false);
  }
  SetError(p, column,
           "unexpected " + DescribeByte(static_cast<unsigned char>(*p)) + " after a closing quote");
  return ParseUnquoted(p, /*new_field=*/false);
}

void CsvRecordParser::SetError(const char* at, size_t column, std::string what) {
  if (!status_.ok()) return;
  status_ = InvalidArgumentError("line " + std::to_string(LineOf(at)) + ", column " +
                                 std::to_string(column) + ": " + what);
}

int64_t CsvRecordParser::LineOf(const char* at) const {
  return record_line_ + std::count(record_begin_, at, '\n');
}

std::string CsvRecordParser::Location(size_t index) const {
  return "line " + std::to_string(record_line_) + ", column " + std::to_string(index + 1);
}

}  // namespace podium
