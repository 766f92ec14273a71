// A pre-parse guard for JSON text from outside. Recursive-descent JSON
// parsers (nlohmann::json among them) recurse once per nesting level, so a
// hostile document of a few hundred thousand '[' would overflow the stack.
// CheckJsonNesting scans the text once, without recursion, and refuses such
// documents before any parser sees them.
// Thread-safe (pure function).
#ifndef PODIUM_BASE_JSON_GUARD_H_
#define PODIUM_BASE_JSON_GUARD_H_

#include <string_view>

#include "base/status.h"

namespace podium {

inline constexpr int kDefaultMaxJsonNesting = 64;

// kResourceExhausted when arrays/objects nest deeper than `max_nesting`,
// naming the byte offset where the limit was passed. Brackets inside strings
// are ignored. Does not otherwise validate the JSON.
Status CheckJsonNesting(std::string_view json, int max_nesting = kDefaultMaxJsonNesting);

}  // namespace podium

#endif  // PODIUM_BASE_JSON_GUARD_H_
