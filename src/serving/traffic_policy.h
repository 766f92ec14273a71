// Traffic policies between a model's champion and its challenger, as small
// pure functions (the caller supplies the randomness and the request key), so
// that every decision can be tested with a table of cases.
//
//   kChampionOnly  every request goes to the champion.
//   kSplit         `challenger_percent` of requests go to the challenger, drawn
//                  at random per request.
//   kSticky        like kSplit, but the draw is a hash of the request key (the
//                  X-Podium-Key header, else the input field `sticky_field` of
//                  the first row), so the same key always lands on the same
//                  side. A request without a key is drawn at random.
//   kShadow        the champion answers every request; `challenger_percent` of
//                  requests are also scored by the challenger, whose result is
//                  logged and never returned.
// The kill switch comes first: a disabled model answers with its declared
// fallback decision, or is unavailable when it declares none.
// Thread-safe (pure functions).
#ifndef PODIUM_SERVING_TRAFFIC_POLICY_H_
#define PODIUM_SERVING_TRAFFIC_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace podium::serving {

// Which of a model's two loaded files a version came from.
enum class Slot { kChampion, kChallenger };
std::string_view SlotName(Slot slot);

enum class PolicyKind { kChampionOnly, kSplit, kSticky, kShadow };

// "champion" (or "single"), "split", "sticky", "shadow"; kInvalidArgument else.
Result<PolicyKind> ParsePolicyKind(std::string_view name);
std::string_view PolicyKindName(PolicyKind kind);

struct TrafficPolicy {
  PolicyKind kind = PolicyKind::kChampionOnly;
  // Share of requests routed to (kSplit, kSticky) or mirrored to (kShadow) the
  // challenger, in [0, 100], with a resolution of 0.01.
  double challenger_percent = 0.0;
  // kSticky: the input field whose value is the key when the request carries
  // no X-Podium-Key header. Empty: the header only.
  std::string sticky_field;
};

// kInvalidArgument when the percentage is outside [0, 100] or not finite, or
// a policy other than kChampionOnly has no challenger to send traffic to.
Status ValidatePolicy(const TrafficPolicy& policy, bool has_challenger);

// The buckets a draw falls in: [0, kBuckets). A request goes to the
// challenger when its bucket < challenger_percent * kBuckets / 100.
inline constexpr uint32_t kBuckets = 10000;
// FNV-1a (64-bit) of the key, reduced to a bucket. Stable across processes,
// builds and platforms.
uint32_t KeyBucket(std::string_view key);
uint32_t RandomBucket(uint64_t random);

struct RouteInput {
  bool enabled = true;          // the kill switch is off
  bool has_fallback = false;    // the model declares a fallback decision
  bool has_challenger = false;  // a challenger version is loaded
  std::optional<std::string_view> key;  // sticky key, when the request has one
  uint64_t random = 0;          // a uniform random draw for this request
};

enum class Target { kChampion, kChallenger, kFallback, kUnavailable };
std::string_view TargetName(Target target);

struct Route {
  Target target = Target::kChampion;
  bool shadow = false;  // also score with the challenger, silently
  friend bool operator==(const Route&, const Route&) = default;
};

Route DecideRoute(const TrafficPolicy& policy, const RouteInput& input);

}  // namespace podium::serving

#endif  // PODIUM_SERVING_TRAFFIC_POLICY_H_
