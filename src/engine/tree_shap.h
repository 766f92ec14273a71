// Internal: exact path-dependent TreeSHAP (Lundberg, Erion, Lee 2018,
// "Consistent Individualized Feature Attribution for Tree Ensembles",
// Algorithm 2), in O(leaves * depth^2) per tree.
//
// The algorithm follows every root-to-leaf path once, carrying the "unique
// path" of the features split on so far: for each, the fraction of the
// training rows (by cover) that follow the path when the feature is not known
// (zero fraction) and whether the explained row follows it (one fraction, 0 or
// 1), together with the weights that count the feature subsets of each size.
// At a leaf each feature on the path receives the leaf value times the summed
// weight of its unwound path times (one - zero). A feature met twice on a path
// is first unwound, and its fractions multiply into the new element.
#ifndef PODIUM_ENGINE_TREE_SHAP_H_
#define PODIUM_ENGINE_TREE_SHAP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/forest.h"

namespace podium::engine::internal {

// The deepest tree TreeShap explains; deeper trees make the plan unable to
// explain (the path algebra keeps a table of reciprocals up to this).
inline constexpr int kMaxShapDepth = 125;

// One tree in its original node numbering, for explanations.
struct ShapTree {
  std::vector<int32_t> left;      // -1 at leaves
  std::vector<int32_t> right;
  std::vector<int32_t> feature;
  std::vector<uint32_t> flat;     // the node's index in Forest::nodes
  std::vector<double> cover;
  const double* leaf_values = nullptr;  // the IR tree's leaf_values
  int leaf_width = 1;
  int output = 0;                 // leaf_width 1: the output the tree adds to
  int depth = 0;
  // Expected value (cover-weighted mean of the leaves) per output.
  std::vector<double> expected;
};

struct PathElement {
  int32_t feature;
  double zero_fraction;
  double one_fraction;
  double weight;
};

// Path elements TreeShap needs for trees of depth <= max_depth.
size_t ShapWorkSize(int max_depth);

// Computes the cover-weighted expected value of each output of `tree`
// (filling tree->expected; requires cover).
void ComputeExpectedValues(ShapTree* tree, int num_outputs);

// Adds scale * (the tree's SHAP values for `output`) to phi[feature] for the
// feature row `row`. `work` has ShapWorkSize(depth) elements.
template <typename T>
void TreeShap(const ShapTree& tree, const Forest<T>& forest, const T* row, int output, double scale,
              PathElement* work, double* phi);

extern template void TreeShap<float>(const ShapTree&, const Forest<float>&, const float*, int, double,
                                     PathElement*, double*);
extern template void TreeShap<double>(const ShapTree&, const Forest<double>&, const double*, int,
                                      double, PathElement*, double*);

}  // namespace podium::engine::internal

#endif  // PODIUM_ENGINE_TREE_SHAP_H_
