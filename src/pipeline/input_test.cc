#include "pipeline/input.h"

#include <gtest/gtest.h>

#include <cmath>

namespace podium {
namespace {

InputField NumberField() {
  InputField field;
  field.name = "age";
  field.type = FieldType::kNumber;
  field.min = 0;
  field.max = 120;
  return field;
}

void ExpectError(const Result<InputValue>& result, const std::string& substring) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(substring), std::string::npos) << result.status().message();
}

TEST(ConvertInputTest, NumbersFromTextAndJson) {
  InputField field = NumberField();
  Result<InputValue> v = ConvertInput(field, RawValue::Text("42.5"));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->missing);
  EXPECT_EQ(v->number, 42.5);
  v = ConvertInput(field, RawValue::Number(3));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->number, 3);
}

TEST(ConvertInputTest, MissingIsAllowedByDefault) {
  InputField field = NumberField();
  for (RawValue raw : {RawValue::Missing(), RawValue::Text("")}) {
    Result<InputValue> v = ConvertInput(field, raw);
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->missing);
  }
}

TEST(ConvertInputTest, MissingPolicies) {
  InputField field = NumberField();
  field.on_missing = {ValuePolicyKind::kError, 0.0};
  ExpectError(ConvertInput(field, RawValue::Missing()), "field 'age': a value is required");
  field.on_missing = {ValuePolicyKind::kReplace, 30.0};
  Result<InputValue> v = ConvertInput(field, RawValue::Text(""));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->missing);
  EXPECT_EQ(v->number, 30);
}

TEST(ConvertInputTest, InvalidValues) {
  InputField field = NumberField();
  ExpectError(ConvertInput(field, RawValue::Text("abc")), "field 'age': 'abc' is not a number");
  ExpectError(ConvertInput(field, RawValue::Text("200")), "outside the allowed range [0, 120]");
  ExpectError(ConvertInput(field, RawValue::Text("inf")), "is not a number");
  ExpectError(ConvertInput(field, RawValue::Number(std::nan(""))), "not a finite number");
  ExpectError(ConvertInput(field, RawValue::Boolean(true)), "a boolean is not a number");
  field.on_invalid = {ValuePolicyKind::kMissing, 0.0};
  Result<InputValue> v = ConvertInput(field, RawValue::Text("abc"));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->missing);
  field.on_invalid = {ValuePolicyKind::kReplace, -1.0};
  v = ConvertInput(field, RawValue::Text("500"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->number, -1);
}

TEST(ConvertInputTest, Integers) {
  InputField field;
  field.name = "calls";
  field.type = FieldType::kInteger;
  EXPECT_EQ(ConvertInput(field, RawValue::Text("4"))->number, 4);
  ExpectError(ConvertInput(field, RawValue::Text("4.5")), "field 'calls': '4.5' is not a whole number");
}

TEST(ConvertInputTest, Booleans) {
  InputField field;
  field.name = "vip";
  field.type = FieldType::kBoolean;
  EXPECT_EQ(ConvertInput(field, RawValue::Text("yes"))->number, 1);
  EXPECT_EQ(ConvertInput(field, RawValue::Boolean(false))->number, 0);
  EXPECT_EQ(ConvertInput(field, RawValue::Number(1))->number, 1);
  ExpectError(ConvertInput(field, RawValue::Text("perhaps")), "field 'vip': 'perhaps' is not a boolean");
  ExpectError(ConvertInput(field, RawValue::Number(2)), "is not a boolean");
}

TEST(ConvertInputTest, Categories) {
  InputField field;
  field.name = "plan";
  field.type = FieldType::kCategory;
  field.levels = {"basic", "gold"};
  Result<InputValue> v = ConvertInput(field, RawValue::Text("gold"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, "gold");
  ExpectError(ConvertInput(field, RawValue::Text("platinum")),
              "field 'plan': 'platinum' is not one of the field's levels");
  ExpectError(ConvertInput(field, RawValue::Number(415)), "is a number, but the field is a category");
  field.on_invalid = {ValuePolicyKind::kReplace, std::string("basic")};
  v = ConvertInput(field, RawValue::Text("platinum"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, "basic");
  field.levels.clear();  // open category: any string is a value
  v = ConvertInput(field, RawValue::Text("platinum"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text, "platinum");
}

TEST(ConvertInputTest, LongValuesAreShortenedInMessages) {
  InputField field = NumberField();
  Result<InputValue> v = ConvertInput(field, RawValue::Text(std::string(1000, 'x')));
  ASSERT_FALSE(v.ok());
  EXPECT_LT(v.status().message().size(), 120u);
}

}  // namespace
}  // namespace podium
