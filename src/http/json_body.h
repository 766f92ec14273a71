// Internal to the http module: parsing request bodies with simdjson's DOM
// parser. A parser keeps its buffers from one document to the next, so the
// Service owns a pool of them and lends one to each request for its whole
// life (the parsed document, and every string view into it, lives in the
// parser).
#ifndef PODIUM_HTTP_JSON_BODY_H_
#define PODIUM_HTTP_JSON_BODY_H_

#include <simdjson.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace podium::http {

class JsonParserPool {
 public:
  // A parser that grew past this many bytes of capacity is dropped when
  // returned instead of kept, so one large request does not pin its memory.
  static constexpr size_t kKeepCapacity = size_t{1} << 20;

  class Lease {
   public:
    Lease(JsonParserPool* pool, std::unique_ptr<simdjson::dom::parser> parser)
        : pool_(pool), parser_(std::move(parser)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    simdjson::dom::parser& parser() { return *parser_; }

   private:
    JsonParserPool* pool_;
    std::unique_ptr<simdjson::dom::parser> parser_;
  };

  Lease Acquire();

 private:
  std::mutex mutex_;  // guards idle_
  std::vector<std::unique_ptr<simdjson::dom::parser>> idle_;
};

// Parses `body`. On failure returns false and sets *error to a message that
// says what is wrong and where (line and column) when the text is not JSON.
bool ParseJsonBody(simdjson::dom::parser& parser, std::string_view body, simdjson::dom::element* root,
                   std::string* error);

// Short name of a JSON value's type for messages: "a string", "an array", ...
const char* JsonTypeName(simdjson::dom::element value);

}  // namespace podium::http

#endif  // PODIUM_HTTP_JSON_BODY_H_
