#include "data/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace podium {
namespace {

// An independent statement of the rules: decode by the lead byte's bit
// pattern, then refuse overlong forms, surrogates and values past U+10FFFF.
int ReferenceLength(const std::string& s) {
  const auto lead = static_cast<unsigned char>(s[0]);
  int length;
  uint32_t code;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07;
  } else {
    return 0;
  }
  if (static_cast<int>(s.size()) < length) return 0;
  for (int i = 1; i < length; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) return 0;
    code = (code << 6) | (c & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMin[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return length;
}

int Length(const std::string& s) { return Utf8SequenceLength(s.data(), s.data() + s.size()); }

TEST(Utf8Test, KnownSequences) {
  EXPECT_EQ(Length("a"), 1);
  EXPECT_EQ(Length("\xC3\xA9"), 2);          // é
  EXPECT_EQ(Length("\xE2\x82\xAC"), 3);      // €
  EXPECT_EQ(Length("\xF0\x9F\x98\x80"), 4);  // emoji
  EXPECT_EQ(Length("\xF4\x8F\xBF\xBF"), 4);  // U+10FFFF
  EXPECT_EQ(Length("\xC0\x80"), 0);          // overlong NUL
  EXPECT_EQ(Length("\xC1\xBF"), 0);          // overlong
  EXPECT_EQ(Length("\xE0\x9F\xBF"), 0);      // overlong 3-byte
  EXPECT_EQ(Length("\xF0\x8F\xBF\xBF"), 0);  // overlong 4-byte
  EXPECT_EQ(Length("\xED\xA0\x80"), 0);      // U+D800 surrogate
  EXPECT_EQ(Length("\xED\xBF\xBF"), 0);      // U+DFFF surrogate
  EXPECT_EQ(Length("\xF4\x90\x80\x80"), 0);  // U+110000
  EXPECT_EQ(Length("\xF5\x80\x80\x80"), 0);
  EXPECT_EQ(Length("\xFF"), 0);
  EXPECT_EQ(Length("\x80"), 0);      // stray continuation
  EXPECT_EQ(Length("\xE2\x82"), 0);  // truncated
  EXPECT_EQ(Length("\xE2\x82,"), 0);
}

TEST(Utf8Test, AgreesWithReferenceOnAllShortSequences) {
  std::string s(3, '\0');
  for (int a = 0x80; a < 0x100; ++a) {
    for (int b = 0; b < 0x100; ++b) {
      for (int c = 0; c < 0x100; c += (a >= 0xE0 ? 1 : 0x40)) {
        s[0] = static_cast<char>(a), s[1] = static_cast<char>(b), s[2] = static_cast<char>(c);
        const int want = ReferenceLength(s);
        ASSERT_EQ(Length(s), want) << std::hex << a << " " << b << " " << c;
        ASSERT_EQ(Length(s.substr(0, 2)), ReferenceLength(s.substr(0, 2)));
      }
    }
  }
  std::string four = "\xF0\x80\x80\x80";
  for (int a = 0xF0; a < 0x100; ++a) {
    for (int b = 0; b < 0x100; ++b) {
      for (int d : {0x00, 0x80, 0xBF, 0xC0}) {
        four[0] = static_cast<char>(a), four[1] = static_cast<char>(b),
        four[3] = static_cast<char>(d);
        ASSERT_EQ(Length(four), ReferenceLength(four)) << std::hex << a << " " << b << " " << d;
      }
    }
  }
}

TEST(Utf8Test, FindInvalidReportsTheFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8(""), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("plain ascii text that is longer than eight"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string_view::npos);
  for (size_t at = 0; at < 40; ++at) {
    std::string text(40, 'x');
    text[at] = '\xFF';
    EXPECT_EQ(FindInvalidUtf8(text), at);
    text[at] = '\xE2';  // cut short by the next byte
    EXPECT_EQ(FindInvalidUtf8(text), at);
  }
  EXPECT_EQ(FindInvalidUtf8("abcdefgh\xC3\xA9\xC3"), 10u);
  EXPECT_EQ(FindInvalidUtf8(std::string_view("a\0b\xC3", 4)), 3u);  // NUL is valid
}

}  // namespace
}  // namespace podium
