#include "data/number.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace podium {
namespace {

TEST(ParseNumberTest, Accepts) {
  const struct {
    const char* text;
    double value;
  } cases[] = {
      {"1", 1},
      {"-2.5", -2.5},
      {"1e-3", 1e-3},
      {".5", 0.5},
      {"+3", 3},
      {"5.", 5},
      {"  7 ", 7},
      {"\t8\t", 8},
      {"0", 0},
      {"-0", -0.0},
      {"1E+2", 100},
      {"00012", 12},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"4.9e-324", 4.9e-324},
      {"-1.5e-10", -1.5e-10},
      {"1e-400", 0.0},
      {"123456789012345678901234567890", 1.2345678901234568e29},
  };
  for (const auto& c : cases) {
    const std::optional<double> got = ParseNumber(c.text);
    ASSERT_TRUE(got.has_value()) << c.text;
    EXPECT_EQ(*got, c.value) << c.text;
  }
  EXPECT_TRUE(std::signbit(*ParseNumber("-0")));
  EXPECT_TRUE(std::signbit(*ParseNumber("-1e-999")));
}

TEST(ParseNumberTest, Rejects) {
  for (const char* text : {"",
                           " ",
                           "-",
                           "+",
                           ".",
                           "e5",
                           "1,5",
                           "0x10",
                           "nan",
                           "NaN",
                           "-nan",
                           "inf",
                           "-inf",
                           "+inf",
                           "Infinity",
                           "infinity",
                           "1e",
                           "1e+",
                           "1.2.3",
                           "12abc",
                           "1 2",
                           "--1",
                           "+-1",
                           "-+1",
                           "1e400",
                           "-1e400",
                           "1e99999999999999999999",
                           "\xC2\xA0"
                           "1",
                           "1_000",
                           "١"}) {
    EXPECT_FALSE(ParseNumber(text).has_value()) << "'" << text << "'";
  }
}

TEST(FormatNumberTest, ShortestRoundTrip) {
  const struct {
    double value;
    const char* text;
  } cases[] = {{3, "3"},           {-2.5, "-2.5"},
               {0.1, "0.1"},       {1e21, "1e+21"},
               {1e-7, "1e-07"},    {-0.0, "-0"},
               {123456, "123456"}, {0.30000000000000004, "0.30000000000000004"}};
  for (const auto& c : cases) {
    std::string out = "x";
    EXPECT_TRUE(FormatNumber(c.value, &out));
    EXPECT_EQ(out, std::string("x") + c.text);
  }
  std::string out;
  EXPECT_FALSE(FormatNumber(std::numeric_limits<double>::quiet_NaN(), &out));
  EXPECT_FALSE(FormatNumber(std::numeric_limits<double>::infinity(), &out));
  EXPECT_EQ(out, "");
}

TEST(FormatNumberTest, RandomBitPatternsRoundTripExactly) {
  std::mt19937_64 random(42);
  for (int i = 0; i < 200000; ++i) {
    const double value = std::bit_cast<double>(random());
    std::string text;
    if (!FormatNumber(value, &text)) {
      EXPECT_FALSE(std::isfinite(value));
      continue;
    }
    const std::optional<double> back = ParseNumber(text);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(std::bit_cast<uint64_t>(*back), std::bit_cast<uint64_t>(value)) << text;
  }
}

TEST(ParseBooleanTest, Table) {
  for (const char* text : {"true", "TRUE", "True", "1", "yes", "YES", " yes ", "\ttrue"}) {
    EXPECT_EQ(ParseBoolean(text), std::optional<bool>(true)) << text;
  }
  for (const char* text : {"false", "False", "0", "no", "No", "  0"}) {
    EXPECT_EQ(ParseBoolean(text), std::optional<bool>(false)) << text;
  }
  for (const char* text :
       {"", "t", "f", "y", "n", "2", "truee", "on", "off", "yes please", "1.0"}) {
    EXPECT_FALSE(ParseBoolean(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace podium

namespace podium {
namespace {

// The fast path must give exactly what a correctly rounded parser gives, for
// the forms numbers take in real files: %g, %e and %f with many precisions.
TEST(ParseNumberTest, FastPathAgreesWithFromCharsBitForBit) {
  std::mt19937_64 random(12345);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> scale(-30, 30);
  const char* formats[] = {"%.6g", "%.15g", "%.17g", "%.3e", "%.10e", "%.9f", "%g"};
  char buffer[64];
  for (int i = 0; i < 200000; ++i) {
    const double value = unit(random) * std::pow(10.0, scale(random));
    std::snprintf(buffer, sizeof(buffer), formats[i % 7], value);
    double expected = 0;
    const std::string_view text(buffer);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), expected);
    ASSERT_EQ(ec, std::errc()) << text;
    const std::optional<double> parsed = ParseNumber(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    ASSERT_EQ(std::memcmp(&*parsed, &expected, sizeof(double)), 0) << text;
  }
}

}  // namespace
}  // namespace podium
