// MiningModel segmentations lowered to expression columns (docs/formats/pmml.md,
// "MiningModel → segments as columns"): each segment's model, lowered into the
// IR by its own lowerer, becomes derived columns of its outputs (the
// prediction, or one probability per class); the combination method becomes
// columns over those and the segments' "selected" indicators; a trivial GLM
// over the combined columns is the pipeline's model. Missing values follow
// the IR's semantics throughout (docs/formats/pipeline.md, "Values").
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"
#include "pipeline/validate.h"

namespace podium::pmml_internal {
namespace {

// The expression language has no missing literal; 0 / 0 is missing by its
// rules.
constexpr std::string_view kMissing = "(0 / 0)";
// Terms of one generated sum: a sum nests once per term, and the language
// nests at most 256 levels; longer sums are split into partial-sum columns.
constexpr size_t kMaxSumTerms = 64;
// Depth of a tree spelled as nested ifs: each level nests twice (the missing
// test and the split), within the language's 256 levels.
constexpr int kMaxTreeDepth = 100;
// Bytes of a subtree spelled inline; larger ones become columns (an
// expression holds at most 65,536 bytes; a node holds two children).
constexpr size_t kMaxInlineSubtree = 16'000;
// Segments of a median: each segment's rank sums a term per segment.
constexpr size_t kMaxMedianSegments = 64;
// The floor of a probability before its log: softmax(log p) = p / sum(p)
// changes each probability by at most (number of classes) * 1e-300.
constexpr std::string_view kTinyProbability = "1e-300";

std::string Col(const std::string& column) { return QuoteColumn(column); }

// A sum of terms as one expression, partial sums of kMaxSumTerms terms
// becoming columns of their own.
std::string SumText(ModelBuilder& build, const std::string& base, std::vector<std::string> terms) {
  if (terms.empty()) return "0";
  while (terms.size() > kMaxSumTerms) {
    std::vector<std::string> partial;
    for (size_t i = 0; i < terms.size(); i += kMaxSumTerms) {
      std::string text;
      for (size_t j = i; j < std::min(terms.size(), i + kMaxSumTerms); ++j) text += (j == i ? "" : " + ") + terms[j];
      partial.push_back(Col(build.AddHelperColumn(base + " partial", text)));
    }
    terms = std::move(partial);
  }
  std::string text;
  for (size_t j = 0; j < terms.size(); ++j) text += (j == 0 ? "" : " + ") + terms[j];
  return text;
}

// first + terms[0] + terms[1] + ..., added left to right as the IR's scorers
// add tree values (in float: each partial sum rounded to float, which is
// exactly float addition of floats); every kMaxSumTerms / 2 terms the partial
// sum becomes a column.
std::string RunningSum(ModelBuilder& build, const std::string& base, const std::string& first,
                       const std::vector<std::string>& terms, bool in_float) {
  const size_t chunk = kMaxSumTerms / 2;
  std::string text = first;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (i > 0 && i % chunk == 0) text = Col(build.AddHelperColumn(base + " running", text));
    text = in_float ? "float32(" + text + " + " + terms[i] + ")" : text + " + " + terms[i];
  }
  return text;
}

// How a model feature reads as a number: booleans as 1/0, missing kept.
Result<std::vector<std::string>> NumericFeatures(ModelBuilder& build, const pugi::xml_node& where) {
  ASSIGN_OR_RETURN(const PipelineColumns columns, ResolveColumns(build.pipeline()));
  std::vector<std::string> refs;
  for (const std::string& feature : build.pipeline().features) {
    const ColumnInfo* info = columns.Find(feature);
    if (info == nullptr) return build.at().Invalid(where, "unknown model column " + QuoteString(feature));
    if (info->type == ColumnType::kBoolean) {
      refs.push_back("(if is_missing(" + Col(feature) + ") then " + std::string(kMissing) + " else if " + Col(feature) +
                     " then 1 else 0)");
    } else {
      refs.push_back(Col(feature));  // numbers; category columns are read by categorical splits only
    }
  }
  return refs;
}

Result<std::string> InverseLinkText(const Locator& at, const pugi::xml_node& where, LinkFunction link,
                                    const std::string& eta) {
  switch (link) {
    case LinkFunction::kIdentity: return eta;
    case LinkFunction::kLog: return "exp(" + eta + ")";
    // Both branches keep exp from overflowing where the result is 0 or 1.
    case LinkFunction::kLogit:
      return "(if " + eta + " >= 0 then 1 / (1 + exp(-" + eta + ")) else exp(" + eta + ") / (1 + exp(" + eta + ")))";
    case LinkFunction::kCloglog: return "(if " + eta + " > 700 then 1 else 1 - exp(-exp(" + eta + ")))";
    case LinkFunction::kInverse: return "(1 / " + eta + ")";
    case LinkFunction::kProbit: break;
  }
  return at.Unsupported(where,
                        "a probit model in a segment (the expression language has no normal distribution "
                        "function)");
}

Result<std::vector<std::string>> GlmColumns(ModelBuilder& build, const pugi::xml_node& where, const GlmModel& glm,
                                            const std::vector<std::string>& features, const std::string& base,
                                            bool classification) {
  const size_t rows = glm.intercepts.size();
  std::vector<std::string> etas;
  for (size_t r = 0; r < rows; ++r) {
    std::vector<std::string> terms = {NumberLiteral(glm.intercepts[r])};
    for (size_t j = 0; j < features.size(); ++j) {
      // Zero coefficients stay: a missing feature makes the GLM's prediction missing.
      terms.push_back(NumberLiteral(glm.coefficients[r * features.size() + j]) + " * " + features[j]);
    }
    if (!glm.offset.empty()) terms.push_back(Col(glm.offset));
    etas.push_back(Col(build.AddHelperColumn(base + " eta", SumText(build, base + " eta", std::move(terms)))));
  }
  if (glm.family == GlmFamily::kMultinomial) {
    std::string max_text = "max(";
    for (size_t r = 0; r < rows; ++r) max_text += (r == 0 ? "" : ", ") + etas[r];
    const std::string top = Col(build.AddHelperColumn(base + " max eta", max_text + ")"));
    std::vector<std::string> exps;
    for (size_t r = 0; r < rows; ++r)
      exps.push_back(Col(build.AddHelperColumn(base + " exp", "exp(" + etas[r] + " - " + top + ")")));
    const std::string total = Col(build.AddHelperColumn(base + " exp sum", SumText(build, base + " exp sum", exps)));
    std::vector<std::string> out;
    for (size_t r = 0; r < rows; ++r) out.push_back(build.AddHelperColumn(base + " p", exps[r] + " / " + total));
    return out;
  }
  ASSIGN_OR_RETURN(const std::string response, InverseLinkText(build.at(), where, glm.link, etas[0]));
  const std::string value = build.AddHelperColumn(base + (classification ? " p" : " value"), response);
  if (!classification) return std::vector<std::string>{value};
  // A binomial GLM gives classes[1] the response.
  return std::vector<std::string>{build.AddHelperColumn(base + " p", "1 - " + Col(value)), value};
}

// One subtree's value for `output` as nested ifs (missing values take the
// default child, as in the IR). A large subtree becomes a column of its own,
// so that no expression exceeds the language's 65,536 bytes.
std::string TreeText(ModelBuilder& build, const std::string& base, const Tree& tree, int32_t node, int32_t output,
                     const std::vector<std::string>& features, const std::vector<std::string>& names, bool in_float) {
  const size_t n = static_cast<size_t>(node);
  if (tree.left[n] < 0) {
    const size_t k = tree.leaf_width == 1 ? 0 : static_cast<size_t>(output);
    const double leaf = tree.leaf_values[n * static_cast<size_t>(tree.leaf_width) + k];
    return NumberLiteral(in_float ? static_cast<double>(static_cast<float>(leaf)) : leaf);
  }
  const size_t f = static_cast<size_t>(tree.feature[n]);
  auto child = [&](int32_t index) {
    std::string text = TreeText(build, base, tree, index, output, features, names, in_float);
    if (text.size() > kMaxInlineSubtree) text = Col(build.AddHelperColumn(base + " subtree", text));
    return text;
  };
  const std::string left = child(tree.left[n]);
  const std::string right = child(tree.right[n]);
  std::string test;
  if (!tree.category_levels.empty() && !tree.category_levels[n].empty()) {
    test = Col(names[f]) + " in (";
    for (size_t i = 0; i < tree.category_levels[n].size(); ++i) {
      test += (i == 0 ? "" : ", ") + QuoteString(tree.category_levels[n][i]);
    }
    test += ")";
  } else if (!in_float) {
    test = features[f] + " < " + NumberLiteral(tree.threshold[n]);
  } else {
    // float(x) < float(threshold): a threshold beyond the float range rounds to an infinity.
    const double threshold = static_cast<double>(static_cast<float>(tree.threshold[n]));
    test = std::isinf(threshold) ? (threshold > 0 ? "true" : "false")
                                 : "float32(" + features[f] + ") < " + NumberLiteral(threshold);
  }
  return "(if is_missing(" + Col(names[f]) + ") then " + (tree.default_left[n] ? left : right) + " else if " + test +
         " then " + left + " else " + right + ")";
}

Result<std::vector<std::string>> TreeEnsembleColumns(ModelBuilder& build, const pugi::xml_node& where,
                                                     const TreeEnsembleModel& ensemble,
                                                     const std::vector<std::string>& features, const std::string& base,
                                                     bool classification) {
  const bool in_float = ensemble.precision == NumericPrecision::kFloat32;
  for (const Tree& tree : ensemble.trees) {
    if (TreeDepth(tree) > kMaxTreeDepth) {
      return build.at().Unsupported(where, "a tree deeper than " + std::to_string(kMaxTreeDepth) +
                                               " levels in a segment combined by expressions");
    }
  }
  const std::vector<std::string>& names = build.pipeline().features;
  std::vector<std::string> margins;  // column names
  for (int32_t k = 0; k < ensemble.num_outputs; ++k) {
    std::vector<std::string> trees;
    for (const Tree& tree : ensemble.trees) {
      if (tree.leaf_width == 1 && tree.output != k) continue;
      trees.push_back(
          Col(build.AddHelperColumn(base + " tree", TreeText(build, base, tree, 0, k, features, names, in_float))));
    }
    // As the IR's scorers: sum from the base score (in float: from the base
    // score rounded to float); average from 0, then base + sum / trees in double.
    const double base_score = ensemble.base_score[static_cast<size_t>(k)];
    std::string margin;
    if (ensemble.aggregation == Aggregation::kSum) {
      const double first = in_float ? static_cast<double>(static_cast<float>(base_score)) : base_score;
      margin = RunningSum(build, base + " trees", NumberLiteral(first), trees, in_float);
    } else if (ensemble.trees.empty()) {
      margin = NumberLiteral(base_score);
    } else {
      margin = NumberLiteral(base_score) + " + (" + RunningSum(build, base + " trees", "0", trees, in_float) + ") / " +
               std::to_string(ensemble.trees.size());
    }
    margins.push_back(build.AddHelperColumn(base + " margin", margin));
  }
  std::vector<std::string> out;
  switch (ensemble.output_transform) {
    case OutputTransform::kIdentity: out = margins; break;
    case OutputTransform::kExp:
      out.push_back(build.AddHelperColumn(base + " value", "exp(" + Col(margins[0]) + ")"));
      break;
    case OutputTransform::kLogistic: {
      ASSIGN_OR_RETURN(const std::string p, InverseLinkText(build.at(), where, LinkFunction::kLogit, Col(margins[0])));
      const std::string positive = build.AddHelperColumn(base + " p", p);
      out = {build.AddHelperColumn(base + " p", "1 - " + Col(positive)), positive};
      break;
    }
    case OutputTransform::kSoftmax: {
      std::string max_text = "max(";
      for (size_t k = 0; k < margins.size(); ++k) max_text += (k == 0 ? "" : ", ") + Col(margins[k]);
      const std::string top = Col(build.AddHelperColumn(base + " max margin", max_text + ")"));
      std::vector<std::string> exps;
      for (const std::string& margin : margins) {
        exps.push_back(Col(build.AddHelperColumn(base + " exp", "exp(" + Col(margin) + " - " + top + ")")));
      }
      const std::string total = Col(build.AddHelperColumn(base + " exp sum", SumText(build, base + " exp sum", exps)));
      for (const std::string& e : exps) out.push_back(build.AddHelperColumn(base + " p", e + " / " + total));
      break;
    }
  }
  if (!classification && out.size() != 1) return build.at().Unsupported(where, "a regression with several outputs");
  return out;
}

// `if selected then x else fallback`.
std::string Pick(const std::string& selected, const std::string& value, const std::string& fallback) {
  return "if " + Col(selected) + " == 1 then " + Col(value) + " else " + fallback;
}

// The columns of the first (or, with `last`, the last) selected segment's
// values, missing when none is.
std::vector<std::string> SelectOne(ModelBuilder& build, const std::string& base,
                                   const std::vector<SegmentColumns>& segments, size_t outputs, bool last) {
  std::vector<std::string> out;
  for (size_t k = 0; k < outputs; ++k) {
    std::string running;
    for (size_t step = 0; step < segments.size(); ++step) {
      const size_t s = last ? step : segments.size() - 1 - step;
      running = build.AddHelperColumn(base, Pick(segments[s].selected, segments[s].values[k],
                                                 running.empty() ? std::string(kMissing) : Col(running)));
    }
    out.push_back(running);
  }
  return out;
}

// The number of selected segments, and sum_s weight_s * selected_s.
std::string SelectedWeight(ModelBuilder& build, const std::string& base, const std::vector<SegmentColumns>& segments,
                           bool weighted) {
  std::vector<std::string> terms;
  for (const SegmentColumns& segment : segments) {
    terms.push_back((weighted ? NumberLiteral(segment.weight) + " * " : "") + Col(segment.selected));
  }
  return build.AddHelperColumn(base + (weighted ? " selected weight" : " selected count"),
                               SumText(build, base + " selected", terms));
}

// sum_s weight_s * (selected_s ? x_s : 0); missing when a selected x is.
std::string WeightedSum(ModelBuilder& build, const std::string& base, const std::vector<SegmentColumns>& segments,
                        size_t k, bool weighted) {
  std::vector<std::string> terms;
  for (const SegmentColumns& segment : segments) {
    terms.push_back((weighted ? NumberLiteral(segment.weight) + " * " : "") + "(" +
                    Pick(segment.selected, segment.values[k], "0") + ")");
  }
  return build.AddHelperColumn(base + " sum", SumText(build, base + " sum", terms));
}

// Each segment's rank among the selected segments' values (0-based; equal
// values ranked by segment order, so the selected segments' ranks are 0 .. n-1).
std::vector<std::string> Ranks(ModelBuilder& build, const std::string& base,
                               const std::vector<SegmentColumns>& segments) {
  std::vector<std::string> ranks;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string xi = Col(segments[i].values[0]);
    std::vector<std::string> below;
    for (size_t j = 0; j < segments.size(); ++j) {
      if (j == i) continue;
      const std::string xj = Col(segments[j].values[0]);
      const std::string before = j < i ? " <= " : " < ";
      below.push_back("(if " + Col(segments[j].selected) + " == 1 and " + xj + before + xi + " then 1 else 0)");
    }
    ranks.push_back(Col(build.AddHelperColumn(base + " rank", SumText(build, base + " rank", below))));
  }
  return ranks;
}

// The median of the selected segments' values: the value of rank
// floor((n - 1) / 2) and of rank ceil((n - 1) / 2) among the n selected
// values, averaged (ranks break ties by segment order, which does not change
// the median).
std::string Median(ModelBuilder& build, const std::string& base, const std::vector<SegmentColumns>& segments,
                   const std::string& count) {
  const std::string n = Col(count);
  const std::vector<std::string> ranks = Ranks(build, base, segments);
  std::vector<std::string> hits;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string xi = Col(segments[i].values[0]);
    const std::string& rank = ranks[i];
    hits.push_back("(if " + Col(segments[i].selected) + " == 1 and (" + rank + " == floor((" + n + " - 1) / 2) or " +
                   rank + " == ceil((" + n + " - 1) / 2)) then " + xi + " else 0)");
  }
  const std::string middle = Col(build.AddHelperColumn(base + " middle", SumText(build, base + " middle", hits)));
  // 1 or 2 middle values; a missing selected value makes the median missing.
  const std::string missing_guard = Col(WeightedSum(build, base + " guard", segments, 0, false));
  return build.AddHelperColumn(base + " median", "(if " + n + " == 0 then " + std::string(kMissing) + " else " +
                                                     middle + " / (if floor(" + n + " / 2) * 2 == " + n +
                                                     " then 2 else 1)) + 0 * " + missing_guard);
}

// The largest selected value (missing when none is, or when a selected one is).
std::string Max(ModelBuilder& build, const std::string& base, const std::vector<SegmentColumns>& segments) {
  std::string running;
  std::string seen;  // how many selected so far
  for (const SegmentColumns& segment : segments) {
    const std::string x = Col(segment.values[0]);
    const std::string selected = Col(segment.selected);
    if (running.empty()) {
      running = build.AddHelperColumn(base + " max", Pick(segment.selected, segment.values[0], std::string(kMissing)));
      seen = build.AddHelperColumn(base + " seen", selected);
      continue;
    }
    running =
        build.AddHelperColumn(base + " max", "if " + selected + " == 1 then (if " + Col(seen) + " > 0 then max(" +
                                                 Col(running) + ", " + x + ") else " + x + ") else " + Col(running));
    seen = build.AddHelperColumn(base + " seen", Col(seen) + " + " + selected);
  }
  return running;
}

// A classifier's `max` (PMML: "consider the model(s) that have contributed the
// chosen probability for the winning category; return their average
// probabilities"): the winning category is the one with the highest
// probability in any selected segment (the first class on ties), and the
// result averages the probability vectors of every selected segment that
// gives it that probability. A missing probability makes the result missing.
std::vector<std::string> MaxClassifier(ModelBuilder& build, const std::string& base,
                                       const std::vector<SegmentColumns>& segments, size_t outputs) {
  std::vector<std::string> class_max;  // per class: its highest probability over the selected segments
  for (size_t k = 0; k < outputs; ++k) {
    std::vector<SegmentColumns> of_class = segments;
    for (SegmentColumns& segment : of_class) segment.values = {segment.values[k]};
    class_max.push_back(Col(Max(build, base + " class", of_class)));
  }
  std::string top_text = "max(";
  for (size_t k = 0; k < outputs; ++k) top_text += (k == 0 ? "" : ", ") + class_max[k];
  const std::string top = Col(build.AddHelperColumn(base + " top", top_text + ")"));
  std::string winner_text = std::to_string(outputs - 1);
  for (size_t k = outputs - 1; k-- > 0;) {
    winner_text = "(if " + class_max[k] + " == " + top + " then " + std::to_string(k) + " else " + winner_text + ")";
  }
  const std::string winner = Col(build.AddHelperColumn(base + " winner", winner_text));
  std::vector<std::string> contributes;
  for (const SegmentColumns& segment : segments) {
    std::string of_winner = Col(segment.values[outputs - 1]);
    for (size_t k = outputs - 1; k-- > 0;) {
      of_winner = "(if " + winner + " == " + std::to_string(k) + " then " + Col(segment.values[k]) + " else " +
                  of_winner + ")";
    }
    contributes.push_back(Col(build.AddHelperColumn(
        base + " contributes",
        "if " + Col(segment.selected) + " == 1 and " + of_winner + " == " + top + " then 1 else 0")));
  }
  const std::string count = Col(build.AddHelperColumn(base + " contributors", SumText(build, base, contributes)));
  std::vector<std::string> out;
  for (size_t k = 0; k < outputs; ++k) {
    std::vector<std::string> terms;
    for (size_t s = 0; s < segments.size(); ++s) {
      terms.push_back("(if " + contributes[s] + " == 1 then " + Col(segments[s].values[k]) + " else 0)");
    }
    out.push_back(build.AddHelperColumn(base + " max", "(" + SumText(build, base, terms) + ") / " + count));
  }
  return out;
}

// A classifier's `median` (PMML 4.4, "Multiple Models": median, like max, is
// applied to each category's probabilities; the winning category has the
// highest median, and the result averages the probability vectors of the
// models that have the chosen probability for the winning category: the
// middle one of an odd number of selected models, the two middle ones of an
// even number). The first class wins ties. Every selected model giving a
// middle probability contributes, so equal probabilities contribute
// together. A missing probability makes the result missing.
//
// The averaged vector need not rank the winner first (a contributor may give
// another class more), and the IR's label follows the probabilities; such a
// row's result is missing rather than a label PMML does not give. Exact ties
// follow the IR's label rule, as for the other methods.
std::vector<std::string> MedianClassifier(ModelBuilder& build, const std::string& base,
                                          const std::vector<SegmentColumns>& segments, size_t outputs,
                                          const std::string& count) {
  std::vector<std::string> class_median;
  for (size_t k = 0; k < outputs; ++k) {
    std::vector<SegmentColumns> of_class = segments;
    for (SegmentColumns& segment : of_class) segment.values = {segment.values[k]};
    class_median.push_back(Col(Median(build, base + " class", of_class, count)));
  }
  std::string top_text = "max(";
  for (size_t k = 0; k < outputs; ++k) top_text += (k == 0 ? "" : ", ") + class_median[k];
  const std::string top = Col(build.AddHelperColumn(base + " top", top_text + ")"));
  std::string winner_text = std::to_string(outputs - 1);
  for (size_t k = outputs - 1; k-- > 0;) {
    winner_text = "(if " + class_median[k] + " == " + top + " then " + std::to_string(k) + " else " + winner_text + ")";
  }
  const std::string winner = Col(build.AddHelperColumn(base + " winner", winner_text));
  auto of_winner = [&](const std::vector<std::string>& values) {
    std::string text = Col(values[outputs - 1]);
    for (size_t k = outputs - 1; k-- > 0;) {
      text = "(if " + winner + " == " + std::to_string(k) + " then " + Col(values[k]) + " else " + text + ")";
    }
    return text;
  };
  // The winner's probability in each segment, and its two middle values.
  std::vector<SegmentColumns> winners = segments;
  for (SegmentColumns& segment : winners) {
    segment.values = {build.AddHelperColumn(base + " winner p", of_winner(segment.values))};
  }
  const std::vector<std::string> ranks = Ranks(build, base + " winner", winners);
  const std::string n = Col(count);
  auto middle = [&](const std::string& rounding, const std::string& name) {
    std::vector<std::string> terms;
    for (size_t s = 0; s < winners.size(); ++s) {
      terms.push_back("(if " + Col(winners[s].selected) + " == 1 and " + ranks[s] + " == " + rounding + "((" + n +
                      " - 1) / 2) then " + Col(winners[s].values[0]) + " else 0)");
    }
    return Col(build.AddHelperColumn(base + " " + name, SumText(build, base + " " + name, terms)));
  };
  const std::string lower = middle("floor", "lower middle");
  const std::string upper = middle("ceil", "upper middle");
  std::vector<std::string> contributes;
  for (const SegmentColumns& segment : winners) {
    const std::string p = Col(segment.values[0]);
    const std::string condition =
        Col(segment.selected) + " == 1 and (" + p + " == " + lower + " or " + p + " == " + upper + ")";
    contributes.push_back(Col(build.AddHelperColumn(base + " contributes", "if " + condition + " then 1 else 0")));
  }
  const std::string contributors =
      Col(build.AddHelperColumn(base + " contributors", SumText(build, base + " contributors", contributes)));
  std::vector<std::string> averaged;
  for (size_t k = 0; k < outputs; ++k) {
    std::vector<std::string> terms;
    for (size_t s = 0; s < segments.size(); ++s) {
      terms.push_back("(if " + contributes[s] + " == 1 then " + Col(segments[s].values[k]) + " else 0)");
    }
    // + 0 * top: missing when a selected probability is.
    averaged.push_back(build.AddHelperColumn(
        base + " averaged", "(" + SumText(build, base, terms) + ") / " + contributors + " + 0 * " + top));
  }
  std::string highest = "max(";
  for (size_t k = 0; k < outputs; ++k) highest += (k == 0 ? "" : ", ") + Col(averaged[k]);
  const std::string consistent =
      Col(build.AddHelperColumn(base + " winner first", highest + ") == " + of_winner(averaged)));
  std::vector<std::string> out;
  for (size_t k = 0; k < outputs; ++k) {
    out.push_back(build.AddHelperColumn(
        base + " median", "if " + consistent + " then " + Col(averaged[k]) + " else " + std::string(kMissing)));
  }
  return out;
}

// 1 when probabilities[k] is the segment's most probable class (the first of
// the most probable on ties), else 0; 0 when a probability is missing.
std::string VoteFor(ModelBuilder& build, const std::string& base, const SegmentColumns& segment, size_t k) {
  std::string condition = "true";
  for (size_t j = 0; j < segment.values.size(); ++j) {
    if (j == k) continue;
    condition += " and " + Col(segment.values[k]) + (j < k ? " > " : " >= ") + Col(segment.values[j]);
  }
  return build.AddHelperColumn(base + " vote", "if " + condition + " then 1 else 0");
}

}  // namespace

void ModelBuilder::ClearFeatures() {
  pipeline_.features.clear();
  feature_index_.clear();
}

Result<std::string> TreeValueColumn(ModelBuilder& build, const pugi::xml_node& where, const Tree& tree,
                                    bool in_float, const std::string& base) {
  if (TreeDepth(tree) > kMaxTreeDepth) {
    return build.at().Unsupported(where, "a tree deeper than " + std::to_string(kMaxTreeDepth) +
                                             " levels spelled as an expression");
  }
  ASSIGN_OR_RETURN(const std::vector<std::string> features, NumericFeatures(build, where));
  return build.AddHelperColumn(base, TreeText(build, base, tree, 0, 0, features, build.pipeline().features, in_float));
}

Result<std::vector<std::string>> ModelValueColumns(ModelBuilder& build, const pugi::xml_node& model,
                                                   const std::string& base) {
  ASSIGN_OR_RETURN(const std::vector<std::string> features, NumericFeatures(build, model));
  const Model& lowered = build.pipeline().model;
  const bool classification = lowered.task == Task::kClassification;
  if (const auto* glm = std::get_if<GlmModel>(&lowered.body)) {
    return GlmColumns(build, model, *glm, features, base, classification);
  }
  if (const auto* ensemble = std::get_if<TreeEnsembleModel>(&lowered.body)) {
    return TreeEnsembleColumns(build, model, *ensemble, features, base, classification);
  }
  return build.at().Unsupported(model, "this model type in a segment");
}

Result<std::vector<std::string>> CombineSegments(ModelBuilder& build, const pugi::xml_node& segmentation,
                                                 const std::string& method, const std::vector<SegmentColumns>& segments,
                                                 bool classification, size_t outputs) {
  const Locator& at = build.at();
  const std::string base = "segmentation";
  const bool always = std::any_of(segments.begin(), segments.end(), [](const SegmentColumns& s) { return s.always; });
  if (classification && !always && method != "modelChain") {
    return at.Unsupported(segmentation,
                          "a classifier whose segments may all be unselected (PMML gives no "
                          "probabilities then; add a last Segment with <True/>)");
  }
  if (method == "selectFirst") return SelectOne(build, base + " first", segments, outputs, false);
  if (method == "modelChain") {
    if (classification && !segments.back().always) {
      return at.Unsupported(segmentation, "a classifier modelChain whose last Segment is not <True/>");
    }
    return SelectOne(build, base + " chain", segments, outputs, true);
  }
  const bool weighted = method == "weightedAverage" || method == "weightedMajorityVote";
  if (weighted) {
    double total = 0;
    for (const SegmentColumns& segment : segments) total += segment.weight;
    if (total <= 0) return at.Invalid(segmentation, "the segment weights sum to zero");
  }
  if (method == "sum" || method == "average" || method == "weightedAverage") {
    if (classification && method == "sum") {
      return at.Invalid(segmentation,
                        "multipleModelMethod 'sum' does not apply to a classifier (PMML 4.4, Multiple Models: "
                        "\"for classification models all the combination methods, except for sum, can be used\")");
    }
    const std::string count = Col(SelectedWeight(build, base, segments, weighted));
    std::vector<std::string> out;
    for (size_t k = 0; k < outputs; ++k) {
      const std::string sum = Col(WeightedSum(build, base, segments, k, weighted));
      out.push_back(build.AddHelperColumn(base + " " + method, "if " + count + " == 0 then " + std::string(kMissing) +
                                                                   " else " +
                                                                   (method == "sum" ? sum : sum + " / " + count)));
    }
    return out;
  }
  if (method == "max" && classification) return MaxClassifier(build, base, segments, outputs);
  if (method == "median" || method == "max") {
    if (method == "max") return std::vector<std::string>{Max(build, base, segments)};
    if (segments.size() > kMaxMedianSegments) {
      return at.Unsupported(segmentation, "a median of more than " + std::to_string(kMaxMedianSegments) + " segments");
    }
    const std::string count = SelectedWeight(build, base, segments, false);
    if (classification) return MedianClassifier(build, base, segments, outputs, count);
    return std::vector<std::string>{Median(build, base, segments, count)};
  }
  if (method == "majorityVote" || method == "weightedMajorityVote") {
    if (!classification)
      return at.Unsupported(segmentation, "multipleModelMethod " + QuoteString(method) + " for a regression");
    const std::string total = Col(SelectedWeight(build, base, segments, weighted));
    std::vector<std::vector<std::string>> votes(outputs);
    std::vector<SegmentColumns> voters = segments;
    for (size_t k = 0; k < outputs; ++k) {
      for (size_t s = 0; s < segments.size(); ++s) voters[s].values[k] = VoteFor(build, base, segments[s], k);
    }
    std::vector<std::string> out;
    for (size_t k = 0; k < outputs; ++k) {
      const std::string sum = Col(WeightedSum(build, base + " votes", voters, k, weighted));
      out.push_back(build.AddHelperColumn(base + " vote share", sum + " / " + total));
    }
    return out;
  }
  if (method == "selectAll") {
    return at.Unsupported(segmentation,
                          "multipleModelMethod 'selectAll' (it gives every segment's result, several "
                          "predictions per row; a pipeline has one)");
  }
  return at.Unsupported(segmentation, "multipleModelMethod " + QuoteString(method));
}

Status SetCombinedModel(ModelBuilder& build, const std::vector<std::string>& columns, bool classification,
                        const TargetInfo& target) {
  Pipeline& pipeline = build.pipeline();
  build.ClearFeatures();
  GlmModel glm;
  if (!classification) {
    build.FeatureIndex(columns[0]);
    glm.family = GlmFamily::kGaussian;
    glm.link = LinkFunction::kIdentity;
    glm.intercepts = {target.rescale_constant};
    glm.coefficients = {target.rescale_factor};
    pipeline.model.task = Task::kRegression;
    pipeline.model.body = std::move(glm);
    return Status::Ok();
  }
  // softmax over log p_k is p_k / sum(p): the probabilities themselves.
  const size_t k = columns.size();
  for (const std::string& column : columns) {
    build.FeatureIndex(
        build.AddHelperColumn("log " + column, "log(max(" + Col(column) + ", " + std::string(kTinyProbability) + "))"));
  }
  glm.family = GlmFamily::kMultinomial;
  glm.link = LinkFunction::kIdentity;
  glm.intercepts.assign(k, 0.0);
  glm.coefficients.assign(k * k, 0.0);
  for (size_t i = 0; i < k; ++i) glm.coefficients[i * k + i] = 1.0;
  pipeline.model.task = Task::kClassification;
  pipeline.model.body = std::move(glm);
  return Status::Ok();
}

}  // namespace podium::pmml_internal
