// UTF-8 validation shared by the CSV reader and the writers.
// Pure functions; thread-safe.
#ifndef PODIUM_DATA_UTF8_H_
#define PODIUM_DATA_UTF8_H_

#include <cstddef>
#include <string_view>

namespace podium {

// Length (1-4) of the well-formed UTF-8 sequence that starts at `p`, or 0 if
// none does (stray continuation byte, overlong form, surrogate, code point
// above U+10FFFF, or a sequence cut short by `end`). Requires p < end.
int Utf8SequenceLength(const char* p, const char* end);

// Offset of the first byte of `text` that does not start a well-formed UTF-8
// sequence, or std::string_view::npos when all of `text` is valid. Runs of
// ASCII are checked eight bytes at a time.
size_t FindInvalidUtf8(std::string_view text);

}  // namespace podium

#endif  // PODIUM_DATA_UTF8_H_
