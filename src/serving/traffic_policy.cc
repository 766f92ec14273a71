#include "serving/traffic_policy.h"

#include <cmath>

namespace podium::serving {

std::string_view SlotName(Slot slot) { return slot == Slot::kChampion ? "champion" : "challenger"; }

Result<PolicyKind> ParsePolicyKind(std::string_view name) {
  if (name == "champion" || name == "single") return PolicyKind::kChampionOnly;
  if (name == "split") return PolicyKind::kSplit;
  if (name == "sticky") return PolicyKind::kSticky;
  if (name == "shadow") return PolicyKind::kShadow;
  return InvalidArgumentError("unknown traffic policy '" + std::string(name) +
                              "' (expected champion, split, sticky or shadow)");
}

std::string_view PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kChampionOnly: return "champion";
    case PolicyKind::kSplit: return "split";
    case PolicyKind::kSticky: return "sticky";
    case PolicyKind::kShadow: return "shadow";
  }
  return "unknown";
}

std::string_view TargetName(Target target) {
  switch (target) {
    case Target::kChampion: return "champion";
    case Target::kChallenger: return "challenger";
    case Target::kFallback: return "fallback";
    case Target::kUnavailable: return "unavailable";
  }
  return "unknown";
}

Status ValidatePolicy(const TrafficPolicy& policy, bool has_challenger) {
  if (!std::isfinite(policy.challenger_percent) || policy.challenger_percent < 0 ||
      policy.challenger_percent > 100) {
    return InvalidArgumentError("challenger_percent must be between 0 and 100");
  }
  if (policy.kind != PolicyKind::kChampionOnly && !has_challenger) {
    return InvalidArgumentError("policy '" + std::string(PolicyKindName(policy.kind)) +
                                "' needs a challenger model file");
  }
  return Status::Ok();
}

uint32_t KeyBucket(std::string_view key) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<uint32_t>(hash % kBuckets);
}

uint32_t RandomBucket(uint64_t random) { return static_cast<uint32_t>(random % kBuckets); }

namespace {
bool ChallengerBucket(uint32_t bucket, double percent) {
  const auto limit = static_cast<uint32_t>(std::llround(percent * kBuckets / 100.0));
  return bucket < limit;
}
}  // namespace

Route DecideRoute(const TrafficPolicy& policy, const RouteInput& input) {
  if (!input.enabled) return {input.has_fallback ? Target::kFallback : Target::kUnavailable, false};
  if (!input.has_challenger || policy.kind == PolicyKind::kChampionOnly) return {Target::kChampion, false};
  switch (policy.kind) {
    case PolicyKind::kSplit:
      return {ChallengerBucket(RandomBucket(input.random), policy.challenger_percent) ? Target::kChallenger
                                                                                      : Target::kChampion,
              false};
    case PolicyKind::kSticky: {
      const uint32_t bucket = input.key ? KeyBucket(*input.key) : RandomBucket(input.random);
      return {ChallengerBucket(bucket, policy.challenger_percent) ? Target::kChallenger : Target::kChampion, false};
    }
    case PolicyKind::kShadow:
      return {Target::kChampion, ChallengerBucket(RandomBucket(input.random), policy.challenger_percent)};
    case PolicyKind::kChampionOnly:
      break;
  }
  return {Target::kChampion, false};
}

}  // namespace podium::serving
