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
  std::vector<Contribution> reasons;
  for (const Contribution& c : contributions) {
    if (c.feature >= 0) reasons.push_back(c);
  }
  std::stable_sort(reasons.begin(), reasons.end(), [](const Contribution& a, const Contribution& b) {
    const double abs_a = std::fabs(a.value);
    const double abs_b = std::fabs(b.value);
    if (abs_a != abs_b) return abs_a > abs_b;
    return a.feature < b.feature;
  });
  if (k >= 0 && reasons.size() > static_cast<size_t>(k)) reasons.resize(static_cast<size_t>(k));
  return reasons;
}

}  // namespace podium
