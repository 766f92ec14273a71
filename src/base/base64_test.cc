#include "base/base64.h"

#include <gtest/gtest.h>

namespace podium {
namespace {

TEST(Base64Test, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    Result<std::string> back = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, bytes);
    Result<std::string> url = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    EXPECT_EQ(*url, bytes);
    bytes += static_cast<char>(i * 7);
  }
}

TEST(Base64Test, KnownVectors) {
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Test, RefusesMalformedText) {
  EXPECT_EQ(Base64Decode("Zm9").status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Base64Decode("Zm9v!mFy").status().message().find("offset 4"), std::string::npos);
  EXPECT_EQ(Base64Decode("Z===").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64UrlDecode("a").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Base64UrlDecode("ab+c").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace podium
