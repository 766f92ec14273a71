// Writes JSON text straight into a string. The inference answers are written
// with it instead of through a document tree: they are the server's hot path
// and their shape is fixed, so a tree would only cost allocations.
//
// The writer adds the commas and colons; the caller opens and closes objects
// and arrays in the right order and writes a Key before each member's value.
// Strings are escaped as JSON requires, with bytes that are not well-formed
// UTF-8 replaced by U+FFFD so the text is always valid JSON. Numbers take
// their shortest round-trip form; a non-finite number is written as null
// (JSON has no NaN or infinity).
//
// Not thread-safe; one writer per answer.
#ifndef PODIUM_HTTP_JSON_WRITER_H_
#define PODIUM_HTTP_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace podium::http {

class JsonWriter {
 public:
  // Appends to *out, which must outlive the writer.
  explicit JsonWriter(std::string* out) : out_(out) {}
  // Goes on writing inside an object or array of *out that already holds a
  // member (the next member is preceded by a comma).
  static JsonWriter Resume(std::string* out) {
    JsonWriter writer(out);
    writer.needs_comma_ = true;
    return writer;
  }

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view name);

  JsonWriter& String(std::string_view text);
  JsonWriter& Number(double value);  // null when not finite
  JsonWriter& Integer(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A value that is already JSON text (e.g. a request's id as sent).
  JsonWriter& Raw(std::string_view json);

 private:
  void BeforeValue();

  std::string* const out_;
  bool needs_comma_ = false;
};

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace podium::http

#endif  // PODIUM_HTTP_JSON_WRITER_H_
