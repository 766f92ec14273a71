#!/usr/bin/python3
"""Writes the trees of an XGBoost JSON model (binary:logistic, numeric splits)
as an ONNX-ML TreeEnsembleRegressor and as a LightGBM text model, so the
import benchmark (formats_bench.cc) can load the same 500-tree ensemble from
every format Podium reads.

Both copies give XGBoost's margin (the raw score before the sigmoid):
  * ONNX: float thresholds with BRANCH_LT (XGBoost's `x < t` in float), the
    missing-value direction in nodes_missing_value_tracks_true, the base
    margin in base_values.
  * LightGBM: `x <= t'` with t' the largest double below XGBoost's float
    threshold (equal to `x < t` for every double x), missing type NaN with
    XGBoost's default direction, the base margin added to the first tree's
    leaves; no objective line, so the raw score is the prediction.

Usage: make_format_models.py MODEL.json OUT_STEM
  writes OUT_STEM.onnx and OUT_STEM.lgb.txt
"""
import json
import math
import sys

import numpy as np
from onnx import TensorProto, helper


def load_trees(path):
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    learner = model["learner"]
    objective = learner["objective"]["name"]
    if objective != "binary:logistic":
        sys.exit("make_format_models: expected binary:logistic, got " + objective)
    base_score = float(learner["learner_model_param"]["base_score"])
    base_margin = math.log(base_score / (1.0 - base_score))
    num_features = int(learner["learner_model_param"]["num_feature"])
    trees = []
    for tree in learner["gradient_booster"]["model"]["trees"]:
        if any(int(t) != 0 for t in tree.get("split_type", [])):
            sys.exit("make_format_models: categorical splits are not converted")
        trees.append({
            "left": [int(v) for v in tree["left_children"]],
            "right": [int(v) for v in tree["right_children"]],
            "feature": [int(v) for v in tree["split_indices"]],
            "condition": [float(np.float32(v)) for v in tree["split_conditions"]],
            "default_left": [int(v) for v in tree["default_left"]],
        })
    return trees, base_margin, num_features


def write_onnx(trees, base_margin, num_features, path):
    attrs = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes",
                             "nodes_values", "nodes_truenodeids", "nodes_falsenodeids",
                             "nodes_missing_value_tracks_true", "target_treeids", "target_nodeids",
                             "target_ids", "target_weights")}
    for t, tree in enumerate(trees):
        for n, left in enumerate(tree["left"]):
            leaf = left == -1
            attrs["nodes_treeids"].append(t)
            attrs["nodes_nodeids"].append(n)
            attrs["nodes_featureids"].append(0 if leaf else tree["feature"][n])
            attrs["nodes_modes"].append("LEAF" if leaf else "BRANCH_LT")
            attrs["nodes_values"].append(0.0 if leaf else tree["condition"][n])
            attrs["nodes_truenodeids"].append(0 if leaf else left)
            attrs["nodes_falsenodeids"].append(0 if leaf else tree["right"][n])
            attrs["nodes_missing_value_tracks_true"].append(0 if leaf else tree["default_left"][n])
            if leaf:
                attrs["target_treeids"].append(t)
                attrs["target_nodeids"].append(n)
                attrs["target_ids"].append(0)
                attrs["target_weights"].append(tree["condition"][n])
    node = helper.make_node("TreeEnsembleRegressor", ["X"], ["margin"], domain="ai.onnx.ml", name="trees",
                            n_targets=1, aggregate_function="SUM", post_transform="NONE",
                            base_values=[float(np.float32(base_margin))], **attrs)
    graph = helper.make_graph(
        [node], "bench_trees", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, num_features])],
        [helper.make_tensor_value_info("margin", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("ai.onnx.ml", 3)])
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def lightgbm_tree(tree, extra):
    """One XGBoost tree in LightGBM's layout: internal nodes numbered from 0,
    leaves referenced as ~leaf_index."""
    internal, leaves = {}, {}
    order = [0]
    while order:  # breadth first, so the root is internal node 0
        n = order.pop(0)
        if tree["left"][n] == -1:
            leaves[n] = len(leaves)
        else:
            internal[n] = len(internal)
            order += [tree["left"][n], tree["right"][n]]

    def ref(n):
        return ~leaves[n] if n in leaves else internal[n]

    by_index = sorted(internal, key=internal.get)
    leaf_nodes = sorted(leaves, key=leaves.get)
    lines = ["num_leaves=%d" % len(leaves), "num_cat=0"]
    if by_index:
        lines += [
            "split_feature=" + " ".join(str(tree["feature"][n]) for n in by_index),
            "split_gain=" + " ".join("0" for _ in by_index),
            "threshold=" + " ".join(repr(float(np.nextafter(tree["condition"][n], -np.inf))) for n in by_index),
            # bit 1: default left; bits 2-3 = 2: missing type NaN.
            "decision_type=" + " ".join(str(8 | (2 if tree["default_left"][n] else 0)) for n in by_index),
            "left_child=" + " ".join(str(ref(tree["left"][n])) for n in by_index),
            "right_child=" + " ".join(str(ref(tree["right"][n])) for n in by_index),
        ]
    lines += [
        "leaf_value=" + " ".join(repr(tree["condition"][n] + extra) for n in leaf_nodes),
        "leaf_count=" + " ".join("1" for _ in leaf_nodes),
    ]
    if by_index:
        lines.append("internal_count=" + " ".join("1" for _ in by_index))
    lines.append("shrinkage=1")
    return lines


def write_lightgbm(trees, base_margin, num_features, path):
    out = ["tree", "version=v4", "num_class=1", "num_tree_per_iteration=1", "label_index=0",
           "max_feature_idx=%d" % (num_features - 1),
           "feature_names=" + " ".join("f%d" % j for j in range(num_features)), ""]
    for t, tree in enumerate(trees):
        out.append("Tree=%d" % t)
        out += lightgbm_tree(tree, base_margin if t == 0 else 0.0)
        out.append("")
    out += ["end of trees", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    trees, base_margin, num_features = load_trees(sys.argv[1])
    write_onnx(trees, base_margin, num_features, sys.argv[2] + ".onnx")
    write_lightgbm(trees, base_margin, num_features, sys.argv[2] + ".lgb.txt")


if __name__ == "__main__":
    main()
