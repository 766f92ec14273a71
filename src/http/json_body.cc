#include "http/json_body.h"

#include <nlohmann/json.hpp>

namespace podium::http {

JsonParserPool::Lease::~Lease() {
  if (parser_ == nullptr || parser_->capacity() > kKeepCapacity) return;
  std::lock_guard<std::mutex> lock(pool_->mutex_);
  pool_->idle_.push_back(std::move(parser_));
}

JsonParserPool::Lease JsonParserPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<simdjson::dom::parser> parser = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(parser));
    }
  }
  return Lease(this, std::make_unique<simdjson::dom::parser>());
}

bool ParseJsonBody(simdjson::dom::parser& parser, std::string_view body, simdjson::dom::element* root,
                   std::string* error) {
  const simdjson::error_code code = parser.parse(body.data(), body.size()).get(*root);
  if (!code) return true;
  // simdjson says what kind of error but not where; the slower parser,
  // run on this error path only, names the line and column.
  try {
    const nlohmann::json parsed = nlohmann::json::parse(body);
    (void)parsed;
  } catch (const nlohmann::json::exception& e) {
    *error = std::string("request body is not valid JSON: ") + e.what();
    return false;
  }
  // Valid JSON that simdjson still refuses: an integer beyond 64 bits.
  *error = std::string("request body: ") + simdjson::error_message(code);
  return false;
}

const char* JsonTypeName(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::NULL_VALUE: return "null";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "a number";
  }
  return "an unsupported value";
}

}  // namespace podium::http
