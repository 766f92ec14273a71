// Transforms and input encoding in the compiled engine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.h"
#include "engine/test_util.h"

namespace podium::engine {
namespace {

using ::podium::engine::testing::CategoryField;
using ::podium::engine::testing::FeatureProbe;
using ::podium::engine::testing::Features;
using ::podium::engine::testing::kNaN;
using ::podium::engine::testing::MustCompile;
using ::podium::engine::testing::NumberField;
using ::podium::engine::testing::SameValues;
using ::podium::engine::testing::Score;
using ::testing::HasSubstr;

RawValue N(double v) { return RawValue::Number(v); }
RawValue T(std::string_view t) { return RawValue::Text(t); }
RawValue M() { return RawValue::Missing(); }

// One numeric input x through `transform` into column "y".
std::shared_ptr<const ScoringPlan> OneNumeric(Transform transform) {
  return MustCompile(FeatureProbe({NumberField("x")}, {std::move(transform)}, {"y"}));
}

double Y(const ScoringPlan& plan, RawValue x) {
  std::vector<double> f = Features(plan, {x});
  return f.empty() ? -12345.0 : f[0];
}

TEST(TransformTest, ImputeEveryNumericStrategyReplacesOnlyMissing) {
  for (ImputeStrategy strategy : {ImputeStrategy::kConstant, ImputeStrategy::kMean,
                                  ImputeStrategy::kMedian, ImputeStrategy::kMostFrequent}) {
    auto plan = OneNumeric(ImputeTransform{"x", "y", strategy, 7.5});
    ASSERT_NE(plan, nullptr);
    EXPECT_EQ(Y(*plan, M()), 7.5);
    EXPECT_EQ(Y(*plan, T("")), 7.5);
    EXPECT_EQ(Y(*plan, N(-2.0)), -2.0);
  }
}

TEST(TransformTest, CategoryImputeFeedsOneHot) {
  // Missing color -> "none", then one-hot over {red, none}.
  auto plan = MustCompile(FeatureProbe(
      {CategoryField("color", {"red", "blue"})},
      {ImputeTransform{"color", "color_i", ImputeStrategy::kMostFrequent, std::string("none")},
       OneHotTransform{"color_i", "c_", {"red", "none"}, UnknownLevelPolicy::kIgnore}},
      {"c_red", "c_none"}));
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(SameValues(Features(*plan, {M()}), {0.0, 1.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {T("red")}), {1.0, 0.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {T("blue")}), {0.0, 0.0}));
}

TEST(TransformTest, ClipBoundsEitherSideAndKeepsMissing) {
  auto both = OneNumeric(ClipTransform{"x", "y", -1.0, 2.0});
  EXPECT_EQ(Y(*both, N(-5)), -1.0);
  EXPECT_EQ(Y(*both, N(1.5)), 1.5);
  EXPECT_EQ(Y(*both, N(9)), 2.0);
  EXPECT_TRUE(std::isnan(Y(*both, M())));
  auto low = OneNumeric(ClipTransform{"x", "y", 0.0, std::nullopt});
  EXPECT_EQ(Y(*low, N(-3)), 0.0);
  EXPECT_EQ(Y(*low, N(1e300)), 1e300);
  auto high = OneNumeric(ClipTransform{"x", "y", std::nullopt, 10.0});
  EXPECT_EQ(Y(*high, N(-1e300)), -1e300);
  EXPECT_EQ(Y(*high, N(11)), 10.0);
}

TEST(TransformTest, StandardizeAndMinMax) {
  auto standardize = OneNumeric(StandardizeTransform{"x", "y", 10.0, 4.0});
  EXPECT_EQ(Y(*standardize, N(12.0)), 0.5);
  EXPECT_EQ(Y(*standardize, N(4.0)), -1.5);
  EXPECT_TRUE(std::isnan(Y(*standardize, M())));
  // Overflow to infinity becomes missing.
  auto tiny = OneNumeric(StandardizeTransform{"x", "y", 0.0, 1e-300});
  EXPECT_TRUE(std::isnan(Y(*tiny, N(1e300))));

  auto minmax = OneNumeric(MinMaxTransform{"x", "y", 0.0, 10.0, -1.0, 1.0});
  EXPECT_EQ(Y(*minmax, N(0.0)), -1.0);
  EXPECT_EQ(Y(*minmax, N(5.0)), 0.0);
  EXPECT_EQ(Y(*minmax, N(10.0)), 1.0);
  EXPECT_EQ(Y(*minmax, N(20.0)), 3.0);  // not clipped
  EXPECT_TRUE(std::isnan(Y(*minmax, M())));
}

TEST(TransformTest, LogLog1pPowerDomainsGiveMissing) {
  auto log = OneNumeric(MathTransform{"x", "y", MathFunction::kLog, 1.0});
  EXPECT_EQ(Y(*log, N(std::exp(2.0))), std::log(std::exp(2.0)));
  EXPECT_TRUE(std::isnan(Y(*log, N(0.0))));
  EXPECT_TRUE(std::isnan(Y(*log, N(-1.0))));
  EXPECT_TRUE(std::isnan(Y(*log, M())));

  auto log1p = OneNumeric(MathTransform{"x", "y", MathFunction::kLog1p, 1.0});
  EXPECT_EQ(Y(*log1p, N(0.0)), 0.0);
  EXPECT_EQ(Y(*log1p, N(1e-20)), 1e-20);  // log1p keeps precision
  EXPECT_TRUE(std::isnan(Y(*log1p, N(-1.0))));
  EXPECT_EQ(Y(*log1p, N(-0.5)), std::log1p(-0.5));

  auto square = OneNumeric(MathTransform{"x", "y", MathFunction::kPower, 2.0});
  EXPECT_EQ(Y(*square, N(-3.0)), 9.0);
  EXPECT_TRUE(std::isnan(Y(*square, N(1e200))));  // overflow
  auto root = OneNumeric(MathTransform{"x", "y", MathFunction::kPower, 0.5});
  EXPECT_EQ(Y(*root, N(16.0)), 4.0);
  EXPECT_TRUE(std::isnan(Y(*root, N(-4.0))));
  auto zero = OneNumeric(MathTransform{"x", "y", MathFunction::kPower, 0.0});
  EXPECT_EQ(Y(*zero, N(5.0)), 1.0);
  EXPECT_TRUE(std::isnan(Y(*zero, M())));  // pow(NaN, 0) would be 1
  auto inverse = OneNumeric(MathTransform{"x", "y", MathFunction::kPower, -1.0});
  EXPECT_TRUE(std::isnan(Y(*inverse, N(0.0))));  // 1/0
}

TEST(TransformTest, BucketizeLeftClosed) {
  // Buckets: x < 0 | 0 <= x < 10 | x >= 10.
  auto plan = OneNumeric(BucketizeTransform{"x", "y", {0.0, 10.0}, false, {}});
  EXPECT_EQ(Y(*plan, N(-0.1)), 0.0);
  EXPECT_EQ(Y(*plan, N(0.0)), 1.0);
  EXPECT_EQ(Y(*plan, N(9.99)), 1.0);
  EXPECT_EQ(Y(*plan, N(10.0)), 2.0);
  EXPECT_EQ(Y(*plan, N(1e9)), 2.0);
  EXPECT_TRUE(std::isnan(Y(*plan, M())));
}

TEST(TransformTest, BucketizeRightClosed) {
  // Buckets: x <= 0 | 0 < x <= 10 | x > 10.
  auto plan = OneNumeric(BucketizeTransform{"x", "y", {0.0, 10.0}, true, {}});
  EXPECT_EQ(Y(*plan, N(0.0)), 0.0);
  EXPECT_EQ(Y(*plan, N(0.001)), 1.0);
  EXPECT_EQ(Y(*plan, N(10.0)), 1.0);
  EXPECT_EQ(Y(*plan, N(10.001)), 2.0);
}

TEST(TransformTest, BucketizeLabelsMakeACategory) {
  auto plan = MustCompile(FeatureProbe(
      {NumberField("age")},
      {BucketizeTransform{"age", "band", {18.0, 65.0}, false, {"minor", "adult", "senior"}},
       OrdinalTransform{"band", "band_rank", {"senior", "adult", "minor"}, UnknownLevelPolicy::kError, -1.0},
       OneHotTransform{"band", "", {"adult"}, UnknownLevelPolicy::kIgnore}},
      {"band_rank", "band=adult"}));
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(SameValues(Features(*plan, {N(10)}), {2.0, 0.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {N(18)}), {1.0, 1.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {N(70)}), {0.0, 0.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {M()}), {kNaN, kNaN}));
}

Pipeline OneHotPipeline(UnknownLevelPolicy policy) {
  return FeatureProbe({CategoryField("color")},
                      {OneHotTransform{"color", "", {"red", "green"}, policy}},
                      {"color=red", "color=green"});
}

TEST(TransformTest, OneHotKnownLevelsAndMissing) {
  auto plan = MustCompile(OneHotPipeline(UnknownLevelPolicy::kError));
  EXPECT_TRUE(SameValues(Features(*plan, {T("red")}), {1.0, 0.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {T("green")}), {0.0, 1.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {M()}), {kNaN, kNaN}));
}

TEST(TransformTest, OneHotUnknownIgnoreGivesZeros) {
  auto plan = MustCompile(OneHotPipeline(UnknownLevelPolicy::kIgnore));
  EXPECT_TRUE(SameValues(Features(*plan, {T("purple")}), {0.0, 0.0}));
}

TEST(TransformTest, OneHotUnknownMissingGivesMissing) {
  auto plan = MustCompile(OneHotPipeline(UnknownLevelPolicy::kMissing));
  EXPECT_TRUE(SameValues(Features(*plan, {T("purple")}), {kNaN, kNaN}));
}

TEST(TransformTest, OneHotUnknownErrorNamesColumnAndLevel) {
  // "blue" is known to the pipeline (another encoder) but not to the one-hot.
  Pipeline p = OneHotPipeline(UnknownLevelPolicy::kError);
  p.transforms.push_back(OrdinalTransform{"color", "rank", {"blue"}, UnknownLevelPolicy::kIgnore, -1.0});
  auto plan = MustCompile(p);
  Result<Prediction> blue = Score(*plan, {T("blue")});
  ASSERT_FALSE(blue.ok());
  EXPECT_EQ(blue.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blue.status().message(),
            "transforms[0] (one_hot): column 'color': level 'blue' is not one of the encoder's levels");
  // A string the pipeline never mentions cannot be named after encoding.
  Result<Prediction> purple = Score(*plan, {T("purple")});
  ASSERT_FALSE(purple.ok());
  EXPECT_THAT(purple.status().message(), HasSubstr("column 'color': an unknown level"));
}

TEST(TransformTest, OrdinalPolicies) {
  auto make = [](UnknownLevelPolicy policy) {
    return MustCompile(FeatureProbe({CategoryField("size")},
                                    {OrdinalTransform{"size", "rank", {"S", "M", "L"}, policy, -7.0}},
                                    {"rank"}));
  };
  auto error = make(UnknownLevelPolicy::kError);
  EXPECT_TRUE(SameValues(Features(*error, {T("S")}), {0.0}));
  EXPECT_TRUE(SameValues(Features(*error, {T("L")}), {2.0}));
  EXPECT_TRUE(SameValues(Features(*error, {M()}), {kNaN}));
  Result<Prediction> xl = Score(*error, {T("XL")});
  ASSERT_FALSE(xl.ok());
  EXPECT_EQ(xl.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(xl.status().message(), HasSubstr("transforms[0] (ordinal): column 'size'"));
  EXPECT_TRUE(SameValues(Features(*make(UnknownLevelPolicy::kIgnore), {T("XL")}), {-7.0}));
  EXPECT_TRUE(SameValues(Features(*make(UnknownLevelPolicy::kMissing), {T("XL")}), {kNaN}));
}

TEST(TransformTest, DeriveExpressionAndNonFiniteIsMissing) {
  auto plan = MustCompile(FeatureProbe(
      {NumberField("a"), NumberField("b"), CategoryField("plan", {"basic", "pro"})},
      {DeriveTransform{"ratio", "a / b"}, DeriveTransform{"is_pro", "plan == \"pro\""},
       DeriveTransform{"big", "ratio > 2"}},
      {"ratio", "is_pro", "big"}));
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(SameValues(Features(*plan, {N(6), N(2), T("pro")}), {3.0, 1.0, 1.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {N(1), N(2), T("basic")}), {0.5, 0.0, 0.0}));
  // 1 / 0 is not finite: missing, and so is the comparison on it.
  EXPECT_TRUE(SameValues(Features(*plan, {N(1), N(0), M()}), {kNaN, kNaN, kNaN}));
}

TEST(TransformTest, ExpressionComparesOpenCategoryWithLiteral) {
  // "gold" appears only in the expression; "bronze" nowhere.
  auto plan = MustCompile(FeatureProbe({CategoryField("tier")},
                                       {DeriveTransform{"gold", "tier == \"gold\""}}, {"gold"}));
  ASSERT_NE(plan, nullptr);
  EXPECT_TRUE(SameValues(Features(*plan, {T("gold")}), {1.0}));
  EXPECT_TRUE(SameValues(Features(*plan, {T("bronze")}), {0.0}));
  EXPECT_EQ(plan->LevelCode("bronze"), kUnknownLevel);
  EXPECT_NE(plan->LevelCode("gold"), kUnknownLevel);
}

TEST(EncodeInputTest, AppliesFieldPoliciesAndLevelCodes) {
  InputField age = NumberField("age");
  age.min = 0;
  age.max = 120;
  InputField income = NumberField("income");
  income.on_invalid = ValuePolicy{ValuePolicyKind::kMissing, 0.0};
  InputField color = CategoryField("color", {"red", "green"});
  color.on_missing = ValuePolicy{ValuePolicyKind::kReplace, std::string("green")};
  auto plan = MustCompile(FeatureProbe({age, income, color},
                                       {OrdinalTransform{"color", "c", {"red", "green"}, UnknownLevelPolicy::kError, -1}},
                                       {"age", "income", "c"}));
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(*plan->EncodeInput(0, T(" 42 ")), 42.0);
  Result<double> old = plan->EncodeInput(0, N(130));
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(old.status().message(), HasSubstr("field 'age'"));
  EXPECT_TRUE(std::isnan(*plan->EncodeInput(1, T("abc"))));
  EXPECT_TRUE(std::isnan(*plan->EncodeInput(0, M())));
  EXPECT_EQ(*plan->EncodeInput(2, T("red")), plan->LevelCode("red"));
  EXPECT_EQ(*plan->EncodeInput(2, M()), plan->LevelCode("green"));
  Result<double> blue = plan->EncodeInput(2, T("blue"));
  ASSERT_FALSE(blue.ok());
  EXPECT_THAT(blue.status().message(), HasSubstr("field 'color'"));
  Result<double> nowhere = plan->EncodeInput(3, N(1));
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.status().code(), StatusCode::kOutOfRange);

  EXPECT_TRUE(SameValues(Features(*plan, {N(30), T("x"), M()}), {30.0, kNaN, 1.0}));
}

TEST(EncodeInputTest, OpenCategoryUnknownStringIsUnknownLevel) {
  auto plan = MustCompile(OneHotPipeline(UnknownLevelPolicy::kIgnore));
  EXPECT_EQ(*plan->EncodeInput(0, T("never seen")), kUnknownLevel);
  EXPECT_EQ(*plan->EncodeInput(0, T("green")), plan->LevelCode("green"));
}

TEST(CompileTest, InvalidPipelineIsRejectedWithValidationError) {
  Pipeline p = FeatureProbe({NumberField("x")}, {}, {"nope"});
  Result<std::shared_ptr<const ScoringPlan>> plan = ScoringPlan::Compile(p);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("features[0]: column 'nope'"));
}

}  // namespace
}  // namespace podium::engine
