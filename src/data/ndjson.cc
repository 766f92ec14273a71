#include "data/ndjson.h"

#include <cstring>
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>

#include "data/utf8.h"

namespace podium {
namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// "[json.exception.parse_error.101] parse error at line 1, column 7: syntax
// error ..." -> "syntax error ...", at most a few hundred bytes. The message
// may quote the input; bytes that are not valid UTF-8 are shown as \xNN.
std::string CleanMessage(std::string_view what) {
  if (const size_t tag = what.find("] "); tag != std::string_view::npos) {
    what.remove_prefix(tag + 2);
  }
  if (what.starts_with("parse error at line ")) {
    if (const size_t colon = what.find(": "); colon != std::string_view::npos) {
      what.remove_prefix(colon + 2);
    }
  }
  constexpr size_t kMaxSize = 300;
  const bool truncated = what.size() > kMaxSize;
  what = what.substr(0, kMaxSize);
  std::string message;
  for (const char* p = what.data(); p < what.data() + what.size();) {
    const int length = Utf8SequenceLength(p, what.data() + what.size());
    if (length == 0) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto c = static_cast<unsigned char>(*p++);
      message.append("\\x").append(1, kHex[c >> 4]).append(1, kHex[c & 15]);
    } else {
      message.append(p, static_cast<size_t>(length));
      p += length;
    }
  }
  if (truncated) message += "...";
  return message;
}

}  // namespace

// Collects the record's top-level members from nlohmann's SAX events. The SAX
// parser is iterative, so depth is checked here, as each container opens,
// without recursion and without reading past the limit.
class NdjsonRecordParser::Handler {
 public:
  using Json = nlohmann::json;

  explicit Handler(NdjsonRecordParser* parser) : parser_(*parser) {}

  bool null() {
    Scalar(Kind::kNull);
    return depth_ > 0;
  }
  bool boolean(bool value) {
    if (Member* member = Scalar(Kind::kBool)) member->boolean = value;
    return depth_ > 0;
  }
  bool number_integer(Json::number_integer_t value) { return Number(static_cast<double>(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return Number(static_cast<double>(value)); }
  bool number_float(Json::number_float_t value, const Json::string_t&) { return Number(value); }
  bool string(Json::string_t& value) {
    if (Member* member = Scalar(Kind::kString)) {
      member->string_offset = parser_.arena_.size();
      member->string_size = value.size();
      parser_.arena_ += value;
    }
    return depth_ > 0;
  }
  bool binary(Json::binary_t&) { return true; }  // not produced by JSON text
  bool start_object(std::size_t) { return Open(Kind::kObject); }
  bool start_array(std::size_t) { return Open(Kind::kArray); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(Json::string_t& name) {
    if (depth_ == 1) {
      Member& member = parser_.members_.emplace_back();
      member.name_offset = parser_.arena_.size();
      member.name_size = name.size();
      parser_.arena_ += name;
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const Json::exception& error) {
    parser_.status_ = InvalidArgumentError(Where() + ", byte " + std::to_string(position) + ": " +
                                           CleanMessage(error.what()));
    return false;
  }

 private:
  std::string Where() const { return "line " + std::to_string(parser_.record_line_); }

  // Records a scalar value: returns the member it belongs to, or nullptr when
  // it is nested deeper (ignored) or is the whole record (an error; callers
  // then return false because depth_ is 0).
  Member* Scalar(Kind kind) {
    if (depth_ == 0) NotAnObject();
    if (depth_ != 1) return nullptr;
    Member& member = parser_.members_.back();
    member.kind = kind;
    return &member;
  }
  bool Number(double value) {
    if (Member* member = Scalar(Kind::kNumber)) member->number = value;
    return depth_ > 0;
  }
  bool Open(Kind kind) {
    if (depth_ == 0 && kind != Kind::kObject) {
      NotAnObject();
      return false;
    }
    if (depth_ == 1) parser_.members_.back().kind = kind;
    if (++depth_ > parser_.options_.max_depth) {
      parser_.status_ =
          ResourceExhaustedError(Where() + ": nesting deeper than " +
                                 std::to_string(parser_.options_.max_depth) + " levels");
      return false;
    }
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  void NotAnObject() {
    parser_.status_ = InvalidArgumentError(Where() + ": expected a JSON object");
  }

  NdjsonRecordParser& parser_;
  int depth_ = 0;
};

NdjsonRecordParser::NdjsonRecordParser(std::string_view text, int64_t first_line,
                                       const NdjsonOptions& options)
    : pos_(text.data()), end_(text.data() + text.size()), line_(first_line), options_(options) {}

bool NdjsonRecordParser::Next() {
  while (pos_ < end_) {
    const auto* newline =
        static_cast<const char*>(std::memchr(pos_, '\n', static_cast<size_t>(end_ - pos_)));
    const char* line_end = newline != nullptr ? newline : end_;
    std::string_view line(pos_, static_cast<size_t>(line_end - pos_));
    const int64_t line_number = line_;
    pos_ = newline != nullptr ? newline + 1 : end_;
    if (newline != nullptr) ++line_;
    if (IsBlank(line)) continue;
    if (line.back() == '\r') line.remove_suffix(1);
    record_line_ = line_number;
    raw_ = line;
    Parse();
    return true;
  }
  return false;
}

void NdjsonRecordParser::Parse() {
  status_ = Status::Ok();
  members_.clear();
  arena_.clear();
  slots_.clear();
  Handler handler(this);
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(raw_.data(), raw_.data() + raw_.size(), &handler);
  } catch (const std::exception& e) {  // nlohmann reports errors through the handler; be safe
    status_ = InvalidArgumentError("line " + std::to_string(record_line_) + ": " +
                                   CleanMessage(e.what()));
  }
  if (status_.ok() && !parsed) {
    status_ = InvalidArgumentError("line " + std::to_string(record_line_) + ": invalid JSON");
  }
  if (status_.ok()) status_ = IndexMembers();
}

Status NdjsonRecordParser::IndexMembers() {
  size_t capacity = 8;
  while (capacity < 2 * members_.size()) capacity *= 2;
  slots_.assign(capacity, 0);
  for (size_t i = 0; i < members_.size(); ++i) {
    const std::string_view name = member_name(i);
    size_t slot = std::hash<std::string_view>{}(name) & (capacity - 1);
    for (; slots_[slot] != 0; slot = (slot + 1) & (capacity - 1)) {
      if (member_name(slots_[slot] - 1) == name) {
        return InvalidArgumentError("line " + std::to_string(record_line_) + ": duplicate field '" +
                                    std::string(name) + "'");
      }
    }
    slots_[slot] = static_cast<uint32_t>(i + 1);
  }
  return Status::Ok();
}

int NdjsonRecordParser::Find(std::string_view name) const {
  if (slots_.empty()) return -1;
  const size_t mask = slots_.size() - 1;
  for (size_t slot = std::hash<std::string_view>{}(name)&mask; slots_[slot] != 0;
       slot = (slot + 1) & mask) {
    if (member_name(slots_[slot] - 1) == name) return static_cast<int>(slots_[slot] - 1);
  }
  return -1;
}

std::string_view NdjsonRecordParser::member_name(size_t index) const {
  const Member& member = members_[index];
  return std::string_view(arena_.data() + member.name_offset, member.name_size);
}

Result<JsonScalar> NdjsonRecordParser::Field(std::string_view name) const {
  if (!status_.ok()) return status_;
  const int index = Find(name);
  JsonScalar value;
  if (index < 0) return value;
  const Member& member = members_[static_cast<size_t>(index)];
  switch (member.kind) {
    case Kind::kNull:
      value.kind = JsonScalar::Kind::kNull;
      break;
    case Kind::kBool:
      value.kind = JsonScalar::Kind::kBool;
      value.boolean = member.boolean;
      break;
    case Kind::kNumber:
      value.kind = JsonScalar::Kind::kNumber;
      value.number = member.number;
      break;
    case Kind::kString:
      value.kind = JsonScalar::Kind::kString;
      value.string = std::string_view(arena_.data() + member.string_offset, member.string_size);
      break;
    case Kind::kArray:
    case Kind::kObject:
      return InvalidArgumentError(
          "line " + std::to_string(record_line_) + ": field '" + std::string(name) + "' is " +
          (member.kind == Kind::kArray ? "an array" : "an object") + ", expected a scalar");
  }
  return value;
}

}  // namespace podium
