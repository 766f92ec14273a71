#include "base/json_guard.h"

#include <string>

namespace podium {

Status CheckJsonNesting(std::string_view json, int max_nesting) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_nesting) {
          return ResourceExhaustedError("JSON nests deeper than " + std::to_string(max_nesting) +
                                        " levels (at byte " + std::to_string(i) + ")");
        }
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return Status::Ok();
}

}  // namespace podium
