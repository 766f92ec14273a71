#include "pipeline/prediction.h"

#include <algorithm>
#include <cmath>

namespace podium {

std::vector<std::string> DecisionVocabulary(const Pipeline& pipeline) {
  std::vector<std::string> vocabulary = pipeline.model.classes;
  for (const BusinessRule& rule : pipeline.post.rules) {
    if (rule.action != RuleAction::kOverride) continue;
    if (std::find(vocabulary.begin(), vocabulary.end(), rule.decision) == vocabulary.end()) {
      vocabulary.push_back(rule.decision);
    }
  }
  return vocabulary;
}

std::vector<Contribution> TopReasons(const std::vector<Contribution>& contributions, int k) {
  return TopReasons(contributions, k, PostProcessing{});
}

namespace {

// How far up the order a contribution ranks: larger ranks first.
double RankKey(ReasonOrder order, double value) {
  switch (order) {
    case ReasonOrder::kByAbsoluteValue: return std::fabs(value);
    case ReasonOrder::kLargestFirst: return value;
    case ReasonOrder::kSmallestFirst: return -value;
  }
  return value;
}

}  // namespace

std::vector<Contribution> TopReasons(const std::vector<Contribution>& contributions, int k,
                                     const PostProcessing& post) {
  // A one-sided order keeps only what pushed the margin its way: the key is
  // then strictly positive.
  const bool one_sided = post.reason_one_sided && post.reason_order != ReasonOrder::kByAbsoluteValue;
  std::vector<Contribution> reasons;
  // One-sided reasons rank the parts of a whole score: a missing part (and
  // so a missing score) leaves the row without reasons.
  if (one_sided && std::any_of(contributions.begin(), contributions.end(),
                               [](const Contribution& c) { return std::isnan(c.value); })) {
    return reasons;
  }
  for (const Contribution& c : contributions) {
    if (c.feature < 0) continue;
    if (one_sided && !(RankKey(post.reason_order, c.value) > 0.0)) continue;
    reasons.push_back(c);
  }
  std::stable_sort(reasons.begin(), reasons.end(), [&](const Contribution& a, const Contribution& b) {
    const double key_a = RankKey(post.reason_order, a.value);
    const double key_b = RankKey(post.reason_order, b.value);
    if (key_a != key_b) return key_a > key_b;
    return a.feature < b.feature;
  });
  if (k >= 0 && reasons.size() > static_cast<size_t>(k)) reasons.resize(static_cast<size_t>(k));
  return reasons;
}

}  // namespace podium
