#include "http/json_writer.h"

#include <charconv>
#include <cmath>

#include "data/utf8.h"

namespace podium::http {
namespace {

void AppendEscaped(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      // A run of plain ASCII goes in one append.
      const char* run = p;
      while (p < end) {
        const unsigned char d = static_cast<unsigned char>(*p);
        if (d < 0x20 || d == '"' || d == '\\' || d >= 0x80) break;
        ++p;
      }
      out->append(run, static_cast<size_t>(p - run));
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); ++p; continue;
      case '\\': out->append("\\\\"); ++p; continue;
      case '\n': out->append("\\n"); ++p; continue;
      case '\r': out->append("\\r"); ++p; continue;
      case '\t': out->append("\\t"); ++p; continue;
      case '\b': out->append("\\b"); ++p; continue;
      case '\f': out->append("\\f"); ++p; continue;
      default: break;
    }
    if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
      ++p;
      continue;
    }
    const int length = Utf8SequenceLength(p, end);
    if (length == 0) {
      out->append("\\ufffd");
      ++p;
    } else {
      out->append(p, static_cast<size_t>(length));
      p += length;
    }
  }
  out->push_back('"');
}

}  // namespace

void JsonWriter::BeforeValue() {
  if (needs_comma_) out_->push_back(',');
  needs_comma_ = true;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  needs_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  needs_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  needs_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  needs_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view name) {
  BeforeValue();
  AppendEscaped(name, out_);
  out_->push_back(':');
  needs_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view text) {
  BeforeValue();
  AppendEscaped(text, out_);
  return *this;
}

JsonWriter& JsonWriter::Number(double value) {
  if (!std::isfinite(value)) return Null();
  BeforeValue();
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_->append(buffer, static_cast<size_t>(end - buffer));
  return *this;
}

JsonWriter& JsonWriter::Integer(int64_t value) {
  BeforeValue();
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_->append(buffer, static_cast<size_t>(end - buffer));
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_->append(json);
  return *this;
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  AppendEscaped(text, &out);
  return out;
}

}  // namespace podium::http
