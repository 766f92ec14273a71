#include "data/utf8.h"

#include <cstdint>
#include <cstring>

namespace podium {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

int Utf8SequenceLength(const char* p, const char* end) {
  const auto* s = reinterpret_cast<const unsigned char*>(p);
  const size_t available = static_cast<size_t>(end - p);
  const unsigned char lead = s[0];
  if (lead < 0x80) return 1;
  // The allowed range of the second byte depends on the lead byte; this is
  // what rules out overlong forms, surrogates and values above U+10FFFF
  // (Unicode Table 3-7).
  int length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (available < static_cast<size_t>(length)) return 0;
  if (s[1] < low || s[1] > high) return 0;
  for (int i = 2; i < length; ++i) {
    if (!IsContinuation(s[i])) return 0;
  }
  return length;
}

size_t FindInvalidUtf8(std::string_view text) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  while (p < end) {
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, sizeof(word));
      if (word & 0x8080808080808080u) break;
      p += 8;
    }
    if (p == end) break;
    if (static_cast<unsigned char>(*p) < 0x80) {
      ++p;
      continue;
    }
    const int length = Utf8SequenceLength(p, end);
    if (length == 0) return static_cast<size_t>(p - begin);
    p += length;
  }
  return std::string_view::npos;
}

}  // namespace podium
