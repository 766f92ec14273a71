#include "engine/tree_shap.h"

namespace podium::engine::internal {
namespace {

// The share of node's training rows that went to `child` (from cover). A node
// without cover splits evenly, so that expectations stay finite.
double ChildShare(const ShapTree& tree, int32_t node, int32_t child) {
  const double total = tree.cover[static_cast<size_t>(node)];
  if (!(total > 0.0)) return 0.5;
  return tree.cover[static_cast<size_t>(child)] / total;
}

double LeafValue(const ShapTree& tree, int32_t node, int output) {
  if (tree.leaf_width == 1) return tree.leaf_values[node];
  return tree.leaf_values[static_cast<size_t>(node) * static_cast<size_t>(tree.leaf_width) +
                          static_cast<size_t>(output)];
}

// 1 / k for the small integers the path algebra divides by (k <= depth + 2),
// so that the inner loops multiply instead of divide.
struct Reciprocals {
  double values[kMaxShapDepth + 3] = {};
  constexpr Reciprocals() {
    for (int k = 1; k < kMaxShapDepth + 3; ++k) values[k] = 1.0 / static_cast<double>(k);
  }
  constexpr double operator[](int k) const { return values[k]; }
};
constexpr Reciprocals kInverse;

// Appends a feature with the given fractions to a path of `length` elements.
// Weight i counts the subsets of i earlier features; each grows by one feature
// that is either in the subset (one fraction) or not (zero fraction).
void ExtendPath(PathElement* path, int length, double zero_fraction, double one_fraction,
                int32_t feature) {
  path[length] = PathElement{feature, zero_fraction, one_fraction, length == 0 ? 1.0 : 0.0};
  const double inverse = kInverse[length + 1];
  for (int i = length - 1; i >= 0; --i) {
    path[i + 1].weight += one_fraction * path[i].weight * static_cast<double>(i + 1) * inverse;
    path[i].weight = zero_fraction * path[i].weight * static_cast<double>(length - i) * inverse;
  }
}

// Undoes ExtendPath for element `index` of a path whose last element is
// `last`, then removes the element (the path has `last` elements after).
void UnwindPath(PathElement* path, int last, int index) {
  const double one_fraction = path[index].one_fraction;
  const double zero_fraction = path[index].zero_fraction;
  const double scale = static_cast<double>(last + 1);
  const double inverse_scale = kInverse[last + 1];
  double carried = path[last].weight;
  if (one_fraction != 0.0) {
    const double inverse_one = 1.0 / one_fraction;
    for (int j = last - 1; j >= 0; --j) {
      const double old_weight = path[j].weight;
      path[j].weight = carried * scale * kInverse[j + 1] * inverse_one;
      carried = old_weight - path[j].weight * zero_fraction * static_cast<double>(last - j) * inverse_scale;
    }
  } else {
    const double inverse_zero = 1.0 / zero_fraction;
    for (int j = last - 1; j >= 0; --j) {
      path[j].weight = path[j].weight * scale * inverse_zero * kInverse[last - j];
    }
  }
  for (int j = index; j < last; ++j) {
    path[j].feature = path[j + 1].feature;
    path[j].zero_fraction = path[j + 1].zero_fraction;
    path[j].one_fraction = path[j + 1].one_fraction;
  }
}

// The total weight the path would have with element `index` unwound, leaving
// the path unchanged.
double UnwoundWeightSum(const PathElement* path, int last, int index) {
  const double one_fraction = path[index].one_fraction;
  const double zero_fraction = path[index].zero_fraction;
  const double scale = static_cast<double>(last + 1);
  const double inverse_scale = kInverse[last + 1];
  double total = 0.0;
  if (one_fraction != 0.0) {
    // The loop-carried chain is one multiply and one subtract: the factors
    // that do not depend on `carried` are computed off the chain.
    const double inverse_one = 1.0 / one_fraction;
    const double zero_scaled = zero_fraction * inverse_scale;
    double carried = path[last].weight;
    for (int j = last - 1; j >= 0; --j) {
      const double factor = scale * kInverse[j + 1] * inverse_one;
      const double weight = carried * factor;
      total += weight;
      carried = path[j].weight - carried * (factor * zero_scaled * static_cast<double>(last - j));
    }
  } else {
    const double inverse_zero = 1.0 / zero_fraction;
    for (int j = last - 1; j >= 0; --j) {
      total += path[j].weight * scale * inverse_zero * kInverse[last - j];
    }
  }
  return total;
}

template <typename T>
struct ShapWalk {
  const ShapTree& tree;
  const Forest<T>& forest;
  const T* row;
  int output;
  double scale;
  double* phi;

  // `parent` holds `parent_length` elements; this node's path is built right
  // after them, so sibling subtrees reuse the same memory.
  void Visit(int32_t node, PathElement* parent, int parent_length, double zero_fraction,
             double one_fraction, int32_t feature) {
    PathElement* path = parent + parent_length;
    for (int i = 0; i < parent_length; ++i) path[i] = parent[i];
    ExtendPath(path, parent_length, zero_fraction, one_fraction, feature);
    int length = parent_length + 1;

    const size_t n = static_cast<size_t>(node);
    if (tree.left[n] < 0) {
      const double value = LeafValue(tree, node, output) * scale;
      for (int i = 1; i < length; ++i) {
        const double weight = UnwoundWeightSum(path, length - 1, i);
        phi[path[i].feature] += weight * (path[i].one_fraction - path[i].zero_fraction) * value;
      }
      return;
    }

    const int32_t split = tree.feature[n];
    const FlatNode<T>& flat = forest.nodes[tree.flat[n]];
    const bool right = GoesRight<T, true>(forest, flat, row) != 0;
    const int32_t hot = right ? tree.right[n] : tree.left[n];
    const int32_t cold = right ? tree.left[n] : tree.right[n];

    // A feature split on again: its earlier element leaves the path and its
    // fractions carry into this split.
    double incoming_zero = 1.0;
    double incoming_one = 1.0;
    for (int k = 1; k < length; ++k) {
      if (path[k].feature == split) {
        incoming_zero = path[k].zero_fraction;
        incoming_one = path[k].one_fraction;
        UnwindPath(path, length - 1, k);
        --length;
        break;
      }
    }
    Visit(hot, path, length, incoming_zero * ChildShare(tree, node, hot), incoming_one, split);
    Visit(cold, path, length, incoming_zero * ChildShare(tree, node, cold), 0.0, split);
  }
};

double ExpectedValue(const ShapTree& tree, int32_t node, int output) {
  const size_t n = static_cast<size_t>(node);
  if (tree.left[n] < 0) return LeafValue(tree, node, output);
  return ChildShare(tree, node, tree.left[n]) * ExpectedValue(tree, tree.left[n], output) +
         ChildShare(tree, node, tree.right[n]) * ExpectedValue(tree, tree.right[n], output);
}

}  // namespace

size_t ShapWorkSize(int max_depth) {
  const size_t d = static_cast<size_t>(max_depth);
  return (d + 2) * (d + 3) / 2 + 1;
}

void ComputeExpectedValues(ShapTree* tree, int num_outputs) {
  tree->expected.assign(static_cast<size_t>(num_outputs), 0.0);
  if (tree->leaf_width == 1) {
    tree->expected[static_cast<size_t>(tree->output)] = ExpectedValue(*tree, 0, 0);
    return;
  }
  for (int o = 0; o < num_outputs; ++o) tree->expected[static_cast<size_t>(o)] = ExpectedValue(*tree, 0, o);
}

template <typename T>
void TreeShap(const ShapTree& tree, const Forest<T>& forest, const T* row, int output, double scale,
              PathElement* work, double* phi) {
  if (tree.leaf_width == 1 && tree.output != output) return;
  ShapWalk<T> walk{tree, forest, row, tree.leaf_width == 1 ? 0 : output, scale, phi};
  walk.Visit(0, work, 0, 1.0, 1.0, -1);
}

template void TreeShap<float>(const ShapTree&, const Forest<float>&, const float*, int, double,
                              PathElement*, double*);
template void TreeShap<double>(const ShapTree&, const Forest<double>&, const double*, int, double,
                               PathElement*, double*);

}  // namespace podium::engine::internal
