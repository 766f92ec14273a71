#include "serving/traffic_policy.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace podium::serving {
namespace {

TEST(TrafficPolicyTest, DecideRouteTable) {
  const TrafficPolicy champion{PolicyKind::kChampionOnly, 50, ""};
  const TrafficPolicy split30{PolicyKind::kSplit, 30, ""};
  const TrafficPolicy sticky50{PolicyKind::kSticky, 50, "customer"};
  const TrafficPolicy shadow20{PolicyKind::kShadow, 20, ""};
  const TrafficPolicy split0{PolicyKind::kSplit, 0, ""};
  const TrafficPolicy split100{PolicyKind::kSplit, 100, ""};
  // Bucket of random draw r is r % 10000.
  struct Case {
    const char* what;
    TrafficPolicy policy;
    RouteInput input;
    Route expected;
  };
  const std::vector<Case> cases = {
      {"champion only", champion, {true, false, true, std::nullopt, 1}, {Target::kChampion, false}},
      {"no challenger loaded", split30, {true, false, false, std::nullopt, 1}, {Target::kChampion, false}},
      {"split, low bucket", split30, {true, false, true, std::nullopt, 2999}, {Target::kChallenger, false}},
      {"split, at limit", split30, {true, false, true, std::nullopt, 3000}, {Target::kChampion, false}},
      {"split, bucket wraps", split30, {true, false, true, std::nullopt, 10000 + 5}, {Target::kChallenger, false}},
      {"split 0%", split0, {true, false, true, std::nullopt, 0}, {Target::kChampion, false}},
      {"split 100%", split100, {true, false, true, std::nullopt, 9999}, {Target::kChallenger, false}},
      {"shadow, sampled", shadow20, {true, false, true, std::nullopt, 1999}, {Target::kChampion, true}},
      {"shadow, not sampled", shadow20, {true, false, true, std::nullopt, 2000}, {Target::kChampion, false}},
      {"disabled with fallback", split30, {false, true, true, std::nullopt, 0}, {Target::kFallback, false}},
      {"disabled without fallback", champion, {false, false, false, std::nullopt, 0}, {Target::kUnavailable, false}},
      {"sticky without key draws", sticky50, {true, false, true, std::nullopt, 4999}, {Target::kChallenger, false}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(DecideRoute(c.policy, c.input), c.expected) << c.what;
  }
}

TEST(TrafficPolicyTest, StickyKeyIgnoresRandomDraw) {
  const TrafficPolicy sticky{PolicyKind::kSticky, 50, ""};
  for (const std::string key : {"alice", "bob", "carol", "42", ""}) {
    const Route first = DecideRoute(sticky, {true, false, true, std::string_view(key), 0});
    for (uint64_t r : {1ull, 7777ull, 123456789ull}) {
      EXPECT_EQ(DecideRoute(sticky, {true, false, true, std::string_view(key), r}), first) << key;
    }
    const bool challenger = KeyBucket(key) < 5000;
    EXPECT_EQ(first.target, challenger ? Target::kChallenger : Target::kChampion) << key;
  }
}

TEST(TrafficPolicyTest, KeyBucketIsFnv1a) {
  // FNV-1a 64 of "" is the offset basis 14695981039346656037; of "a" it is
  // 0xaf63dc4c8601ec8c.
  EXPECT_EQ(KeyBucket(""), 14695981039346656037ull % kBuckets);
  EXPECT_EQ(KeyBucket("a"), 0xaf63dc4c8601ec8cull % kBuckets);
}

TEST(TrafficPolicyTest, KeyBucketSpreadsKeys) {
  int low = 0;
  for (int i = 0; i < 10000; ++i) low += KeyBucket("customer-" + std::to_string(i)) < 2500;
  EXPECT_NEAR(low, 2500, 200);
}

TEST(TrafficPolicyTest, ValidatePolicyTable) {
  struct Case {
    TrafficPolicy policy;
    bool has_challenger;
    bool ok;
  };
  const std::vector<Case> cases = {
      {{PolicyKind::kChampionOnly, 0, ""}, false, true},
      {{PolicyKind::kSplit, 10, ""}, true, true},
      {{PolicyKind::kSplit, 10, ""}, false, false},
      {{PolicyKind::kShadow, 100, ""}, true, true},
      {{PolicyKind::kSticky, 101, ""}, true, false},
      {{PolicyKind::kSplit, -1, ""}, true, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ValidatePolicy(c.policy, c.has_challenger).ok(), c.ok) << PolicyKindName(c.policy.kind);
  }
}

TEST(TrafficPolicyTest, ParsePolicyKind) {
  EXPECT_EQ(*ParsePolicyKind("split"), PolicyKind::kSplit);
  EXPECT_EQ(*ParsePolicyKind("single"), PolicyKind::kChampionOnly);
  Result<PolicyKind> bad = ParsePolicyKind("canary");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("canary"), std::string::npos);
}

}  // namespace
}  // namespace podium::serving
