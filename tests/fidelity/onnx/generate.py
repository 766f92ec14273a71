#!/usr/bin/python3
"""Builds the ONNX fidelity models and their input files.

Run with Debian's python3-onnx (onnx 1.12) and numpy; no training library is
needed: every graph is written by hand with onnx.helper from fixed seeds, as
an exporter (skl2onnx, onnxmltools) would write it. Writes into this folder:

  <model>.onnx    the model
  <model>.csv     its inputs (1,200 rows; float32 values written exactly)
  models.json     per model: its input tensors and which CSV columns feed them

The outputs of onnxruntime itself (<model>.expected.csv) are written by
run_oracle.js, never by this script. Usage: generate.py [out_dir]
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROWS = 1200
OPSET = [helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 3)]


def exact(value):
    """The float32 `value` as the shortest text that reads back as it."""
    return "" if np.isnan(value) else repr(float(np.float32(value)))


def features(rng, cols, missing=0.0):
    x = rng.normal(0.0, 1.5, size=(ROWS, cols)).astype(np.float32)
    # A few values exactly on likely thresholds, so ties are exercised.
    x[rng.random((ROWS, cols)) < 0.05] = np.float32(0.5)
    if missing:
        x[rng.random((ROWS, cols)) < missing] = np.nan
    return x


def write_csv(path, names, x):
    with open(path, "w") as out:
        out.write(",".join(names) + "\n")
        for row in x:
            out.write(",".join(v if isinstance(v, str) else exact(v) for v in row) + "\n")


def save(model, out_dir, name, inputs, x, columns, check=True):
    model.producer_name = "podium-fidelity-generator"
    model.producer_version = "1"
    if check:  # onnx 1.12's checker predates ai.onnx.ml opset 5
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out_dir, name + ".onnx"))
    write_csv(os.path.join(out_dir, name + ".csv"), columns, x)
    return {"model": name + ".onnx", "data": name + ".csv", "inputs": inputs}


def random_trees(rng, n_trees, depth, n_features, modes, leaf_fn, tracks=True, threshold_fn=None):
    """Nodes of full binary trees, in the attribute layout of the ai.onnx.ml
    tree ensembles. leaf_fn(tree, node) gives [(target_or_class, weight)]."""
    attrs = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes",
                             "nodes_values", "nodes_truenodeids", "nodes_falsenodeids",
                             "nodes_missing_value_tracks_true"]}
    leaves = []
    for t in range(n_trees):
        mode = modes[t % len(modes)]
        count = 2 ** (depth + 1) - 1
        for node in range(count):
            attrs["nodes_treeids"].append(t)
            attrs["nodes_nodeids"].append(node)
            if node < 2 ** depth - 1:
                attrs["nodes_featureids"].append(int(rng.integers(n_features)))
                attrs["nodes_modes"].append(mode)
                # Thresholds are sometimes exactly 0.5, a value the data holds.
                value = 0.5 if rng.random() < 0.2 else float(np.float32(rng.normal(0, 1.2)))
                if threshold_fn is not None:
                    value = threshold_fn()
                attrs["nodes_values"].append(value)
                attrs["nodes_truenodeids"].append(2 * node + 1)
                attrs["nodes_falsenodeids"].append(2 * node + 2)
                attrs["nodes_missing_value_tracks_true"].append(int(rng.random() < 0.5) if tracks else 0)
            else:
                attrs["nodes_featureids"].append(0)
                attrs["nodes_modes"].append("LEAF")
                attrs["nodes_values"].append(0.0)
                attrs["nodes_truenodeids"].append(0)
                attrs["nodes_falsenodeids"].append(0)
                attrs["nodes_missing_value_tracks_true"].append(0)
                for target, weight in leaf_fn(t, node):
                    leaves.append((t, node, target, weight))
    return attrs, leaves


def tree_regressor(rng, out_dir, name, modes, aggregate):
    x = features(rng, 4, missing=0.08)
    attrs, leaves = random_trees(
        rng, 24, 4, 4, modes, lambda t, n: [(0, float(np.float32(rng.normal(0, 1))))])
    node = helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["variable"], domain="ai.onnx.ml", name="trees",
        n_targets=1, aggregate_function=aggregate, post_transform="NONE", base_values=[0.25],
        target_treeids=[l[0] for l in leaves], target_nodeids=[l[1] for l in leaves],
        target_ids=[l[2] for l in leaves], target_weights=[l[3] for l in leaves], **attrs)
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=OPSET)
    return save(model, out_dir, name, [{"name": "X", "columns": ["X_0", "X_1", "X_2", "X_3"]}], x,
                ["X_0", "X_1", "X_2", "X_3"])


def tree_binary(rng, out_dir):
    name = "tree_binary"
    x = features(rng, 5, missing=0.08)
    attrs, leaves = random_trees(
        rng, 30, 3, 5, ["BRANCH_LEQ", "BRANCH_LT"], lambda t, n: [(0, float(np.float32(rng.normal(0, 0.4))))])
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml", name="gbm",
        classlabels_int64s=[0, 1], post_transform="LOGISTIC", base_values=[-0.3],
        class_treeids=[l[0] for l in leaves], class_nodeids=[l[1] for l in leaves],
        class_ids=[l[2] for l in leaves], class_weights=[l[3] for l in leaves], **attrs)
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 5])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(5)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def tree_multiclass(rng, out_dir):
    """A gradient-boosting layout: tree t scores class t % 3; softmax."""
    name = "tree_multiclass"
    x = features(rng, 4, missing=0.08)
    attrs, leaves = random_trees(
        rng, 36, 3, 4, ["BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT"],
        lambda t, n: [(t % 3, float(np.float32(rng.normal(0, 0.5))))])
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml", name="gbm",
        classlabels_strings=["setosa", "versicolor", "virginica"], post_transform="SOFTMAX",
        base_values=[0.1, -0.2, 0.05],
        class_treeids=[l[0] for l in leaves], class_nodeids=[l[1] for l in leaves],
        class_ids=[l[2] for l in leaves], class_weights=[l[3] for l in leaves], **attrs)
    # A ZipMap, as converters add it: the probabilities as one map per row.
    zipmap = helper.make_node("ZipMap", ["probabilities"], ["output_probability"], domain="ai.onnx.ml",
                              name="zipmap", classlabels_strings=["setosa", "versicolor", "virginica"])
    graph = helper.make_graph(
        [node, zipmap], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
         helper.make_tensor_value_info("output_probability", TensorProto.FLOAT, [None, 3]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])])
    # ZipMap's output is a sequence of maps; declare it properly. The tensor
    # is an output too, so that the oracle (which reads tensors) sees it.
    seq_type = onnx.TypeProto()
    seq_type.sequence_type.elem_type.map_type.key_type = TensorProto.STRING
    seq_type.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
    graph.output[1].CopyFrom(helper.make_value_info("output_probability", seq_type))
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(4)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def tree_forest(rng, out_dir):
    """A random-forest layout: every leaf holds class probabilities, averaged."""
    name = "tree_forest"
    x = features(rng, 3, missing=0.08)

    def probabilities(t, n):
        p = rng.dirichlet([1.0, 1.0, 1.0]).astype(np.float32)
        return [(k, float(p[k])) for k in range(3)]

    attrs, leaves = random_trees(rng, 15, 4, 3, ["BRANCH_LEQ"], probabilities, tracks=False)
    node = helper.make_node(
        "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml", name="forest",
        classlabels_int64s=[3, 5, 7], post_transform="NONE",
        class_treeids=[l[0] for l in leaves], class_nodeids=[l[1] for l in leaves],
        class_ids=[l[2] for l in leaves], class_weights=[l[3] / 15.0 for l in leaves], **attrs)
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(3)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def linear_regressor(rng, out_dir):
    name = "linear_regressor"
    x = features(rng, 6)
    node = helper.make_node("LinearRegressor", ["X"], ["variable"], domain="ai.onnx.ml", name="ols",
                            coefficients=[float(np.float32(v)) for v in rng.normal(0, 2, 6)],
                            intercepts=[1.75], targets=1)
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 6])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(6)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def linear_classifier(rng, out_dir, name, classes):
    x = features(rng, 5)
    rows = 1 if len(classes) == 2 else len(classes)
    labels = {"classlabels_ints": classes} if isinstance(classes[0], int) else {"classlabels_strings": classes}
    node = helper.make_node(
        "LinearClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml", name="logreg",
        coefficients=[float(np.float32(v)) for v in rng.normal(0, 1, rows * 5)],
        intercepts=[float(np.float32(v)) for v in rng.normal(0, 0.5, rows)],
        post_transform="LOGISTIC" if rows == 1 else "SOFTMAX", multi_class=0, **labels)
    label_type = TensorProto.INT64 if isinstance(classes[0], int) else TensorProto.STRING
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 5])],
        [helper.make_tensor_value_info("label", label_type, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(classes)])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(5)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def preprocessed_linear(rng, out_dir):
    """Column inputs, as a column transformer exports them: one [N,1] tensor
    per feature, joined by a FeatureVectorizer, then Imputer, Scaler and
    Normalizer into a multiclass LinearClassifier."""
    name = "preprocessed_linear"
    x = features(rng, 4, missing=0.1)
    names = ["age", "income", "tenure", "usage"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [None, 1]) for n in names]
    nodes = [
        helper.make_node("FeatureVectorizer", names, ["joined"], domain="ai.onnx.ml", name="vectorizer",
                         inputdimensions=[1, 1, 1, 1]),
        helper.make_node("Imputer", ["joined"], ["imputed"], domain="ai.onnx.ml", name="imputer",
                         imputed_value_floats=[0.1, -0.2, 0.3, 0.05], replaced_value_float=float("nan")),
        helper.make_node("Scaler", ["imputed"], ["scaled"], domain="ai.onnx.ml", name="scaler",
                         offset=[0.05, -0.1, 0.2, 0.0], scale=[0.7, 1.3, 0.9, 2.0]),
        helper.make_node("Normalizer", ["scaled"], ["normalized"], domain="ai.onnx.ml", name="normalizer",
                         norm="L2"),
        helper.make_node("LinearClassifier", ["normalized"], ["label", "probabilities"], domain="ai.onnx.ml",
                         name="logreg", classlabels_strings=["low", "mid", "high"],
                         coefficients=[float(np.float32(v)) for v in rng.normal(0, 2, 12)],
                         intercepts=[0.2, -0.1, 0.3], post_transform="SOFTMAX"),
    ]
    graph = helper.make_graph(
        nodes, name, inputs,
        [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])])
    model = helper.make_model(graph, opset_imports=OPSET)
    return save(model, out_dir, name, [{"name": n, "columns": [n]} for n in names], x, names)


def mlp_classifier(rng, out_dir):
    """Gemm + Relu + Gemm + Softmax, with an ArgMax label."""
    name = "mlp_classifier"
    x = features(rng, 6)
    w1 = rng.normal(0, 0.6, (6, 12)).astype(np.float32)
    b1 = rng.normal(0, 0.2, 12).astype(np.float32)
    w2 = rng.normal(0, 0.6, (4, 12)).astype(np.float32)  # transB=1
    b2 = rng.normal(0, 0.2, 4).astype(np.float32)
    nodes = [
        helper.make_node("Gemm", ["X", "W1", "B1"], ["h1"], name="dense1"),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "W2", "B2"], ["logits"], name="dense2", transB=1, alpha=1.0, beta=1.0),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["label"], name="argmax", axis=1, keepdims=0),
    ]
    inits = [numpy_helper.from_array(w1, "W1"), numpy_helper.from_array(b1, "B1"),
             numpy_helper.from_array(w2, "W2"), numpy_helper.from_array(b2, "B2")]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 6])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 4])], inits)
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(6)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def mlp_regressor(rng, out_dir):
    """MatMul + Add + Tanh + MatMul + Add + Sigmoid-free output, with a
    Sub/Div standardisation in front and a Mul at the end."""
    name = "mlp_regressor"
    x = features(rng, 5)
    mean = rng.normal(0, 0.3, 5).astype(np.float32)
    std = rng.uniform(0.5, 2.0, 5).astype(np.float32)
    w1 = rng.normal(0, 0.5, (5, 8)).astype(np.float32)
    b1 = rng.normal(0, 0.2, 8).astype(np.float32)
    w2 = rng.normal(0, 0.5, (8, 6)).astype(np.float32)
    b2 = rng.normal(0, 0.2, 6).astype(np.float32)
    w3 = rng.normal(0, 0.5, (6, 1)).astype(np.float32)
    b3 = np.array([0.4], dtype=np.float32)
    nodes = [
        helper.make_node("Sub", ["X", "mean"], ["centred"], name="centre"),
        helper.make_node("Div", ["centred", "std"], ["z"], name="scale"),
        helper.make_node("MatMul", ["z", "W1"], ["m1"], name="matmul1"),
        helper.make_node("Add", ["m1", "B1"], ["h1"], name="bias1"),
        helper.make_node("Tanh", ["h1"], ["a1"], name="tanh1"),
        helper.make_node("MatMul", ["a1", "W2"], ["m2"], name="matmul2"),
        helper.make_node("Add", ["m2", "B2"], ["h2"], name="bias2"),
        helper.make_node("Sigmoid", ["h2"], ["a2"], name="sigmoid2"),
        helper.make_node("MatMul", ["a2", "W3"], ["m3"], name="matmul3"),
        helper.make_node("Add", ["m3", "B3"], ["predicted"], name="bias3"),
    ]
    inits = [numpy_helper.from_array(a, n) for a, n in
             [(mean, "mean"), (std, "std"), (w1, "W1"), (b1, "B1"), (w2, "W2"), (b2, "B2"), (w3, "W3"), (b3, "B3")]]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 5])],
        [helper.make_tensor_value_info("predicted", TensorProto.FLOAT, [None, 1])], inits)
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(5)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def tree_equality(rng, out_dir):
    """BRANCH_EQ and BRANCH_NEQ splits over small integer codes (a common
    encoding of categories), mixed with BRANCH_LEQ."""
    name = "tree_equality"
    x = rng.integers(0, 4, size=(ROWS, 3)).astype(np.float32)
    x[rng.random((ROWS, 3)) < 0.08] = np.nan
    attrs, leaves = random_trees(
        rng, 12, 3, 3, ["BRANCH_EQ", "BRANCH_NEQ", "BRANCH_LEQ"],
        lambda t, n: [(0, float(np.float32(rng.normal(0, 1))))],
        threshold_fn=lambda: float(rng.integers(0, 4)))
    node = helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["variable"], domain="ai.onnx.ml", name="trees",
        n_targets=1, aggregate_function="SUM", post_transform="NONE",
        target_treeids=[l[0] for l in leaves], target_nodeids=[l[1] for l in leaves],
        target_ids=[l[2] for l in leaves], target_weights=[l[3] for l in leaves], **attrs)
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(3)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def categorical_trees(rng, out_dir):
    """String columns, as a column transformer exports them: a OneHotEncoder
    and a CategoryMapper (then Cast) beside a float column, reshaped and
    concatenated into a tree ensemble. Unknown and empty strings included."""
    name = "categorical_trees"
    colors = np.array(["red", "green", "blue", "purple", ""])
    sizes = np.array(["S", "M", "L", "XL", ""])
    color = colors[rng.choice(5, ROWS, p=[0.3, 0.3, 0.25, 0.1, 0.05])]
    size = sizes[rng.choice(5, ROWS, p=[0.3, 0.3, 0.25, 0.1, 0.05])]
    amount = features(rng, 1, missing=0.05)[:, 0]
    nodes = [
        helper.make_node("OneHotEncoder", ["color"], ["color_onehot"], domain="ai.onnx.ml", name="onehot",
                         cats_strings=["red", "green", "blue"], zeros=1),
        helper.make_node("Reshape", ["color_onehot", "shape"], ["color_flat"], name="flatten_color"),
        helper.make_node("CategoryMapper", ["size"], ["size_code"], domain="ai.onnx.ml", name="size_map",
                         cats_strings=["S", "M", "L"], cats_int64s=[0, 1, 2], default_int64=-1),
        helper.make_node("Cast", ["size_code"], ["size_float"], name="size_cast", to=TensorProto.FLOAT),
        helper.make_node("Concat", ["color_flat", "size_float", "amount"], ["joined"], name="concat", axis=1),
    ]
    attrs, leaves = random_trees(
        rng, 16, 3, 5, ["BRANCH_LEQ", "BRANCH_GT"], lambda t, n: [(0, float(np.float32(rng.normal(0, 1))))],
        threshold_fn=lambda: float(rng.choice([0.5, -0.5, 1.5, float(np.float32(rng.normal(0, 1)))])))
    nodes.append(helper.make_node(
        "TreeEnsembleRegressor", ["joined"], ["variable"], domain="ai.onnx.ml", name="trees",
        n_targets=1, aggregate_function="SUM", post_transform="NONE", base_values=[1.0],
        target_treeids=[l[0] for l in leaves], target_nodeids=[l[1] for l in leaves],
        target_ids=[l[2] for l in leaves], target_weights=[l[3] for l in leaves], **attrs))
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("color", TensorProto.STRING, [None, 1]),
         helper.make_tensor_value_info("size", TensorProto.STRING, [None, 1]),
         helper.make_tensor_value_info("amount", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])],
        [numpy_helper.from_array(np.array([-1, 3], dtype=np.int64), "shape")])
    model = helper.make_model(graph, opset_imports=OPSET)
    rows = [[c, s, a] for c, s, a in zip(color, size, amount)]
    return save(model, out_dir, name,
                [{"name": "color", "columns": ["color"], "type": "string"},
                 {"name": "size", "columns": ["size"], "type": "string"},
                 {"name": "amount", "columns": ["amount"]}], rows, ["color", "size", "amount"])


def tree_ensemble_v5(rng, out_dir):
    """ai.onnx.ml opset 5's TreeEnsemble: trees by their roots, leaves in
    their own arrays, numeric modes (0 LEQ, 1 LT, 2 GTE, 3 GT, 4 EQ, 5 NEQ)."""
    name = "tree_ensemble_v5"
    x = features(rng, 4, missing=0.08)
    x[rng.random((ROWS, 4)) < 0.1] = np.float32(1.0)  # ties for EQ/NEQ
    feature, split, mode, true_id, true_leaf, false_id, false_leaf, tracks, roots = ([] for _ in range(9))
    leaf_weights = []
    depth = 3
    for t in range(20):
        base = len(feature)
        roots.append(base)
        internal = 2 ** depth - 1
        first_leaf = len(leaf_weights)
        for node in range(internal):
            feature.append(int(rng.integers(4)))
            split.append(float(rng.choice([0.5, 1.0, float(np.float32(rng.normal(0, 1.2)))])))
            mode.append(int(rng.integers(6)))
            tracks.append(int(rng.random() < 0.5))
            for child, ids, leafs in ((2 * node + 1, true_id, true_leaf), (2 * node + 2, false_id, false_leaf)):
                if child < internal:
                    ids.append(base + child)
                    leafs.append(0)
                else:
                    ids.append(first_leaf + child - internal)
                    leafs.append(1)
        for _ in range(internal + 1):
            leaf_weights.append(float(np.float32(rng.normal(0, 1))))
    node = helper.make_node(
        "TreeEnsemble", ["X"], ["variable"], domain="ai.onnx.ml", name="trees",
        n_targets=1, aggregate_function=1, post_transform=0, tree_roots=roots,
        nodes_featureids=feature, nodes_splits=numpy_helper.from_array(np.array(split, dtype=np.float32)),
        nodes_modes=numpy_helper.from_array(np.array(mode, dtype=np.uint8)),
        nodes_truenodeids=true_id, nodes_trueleafs=true_leaf, nodes_falsenodeids=false_id,
        nodes_falseleafs=false_leaf, nodes_missing_value_tracks_true=tracks,
        leaf_targetids=[0] * len(leaf_weights),
        leaf_weights=numpy_helper.from_array(np.array(leaf_weights, dtype=np.float32)))
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 5)])
    model.ir_version = 8
    cols = ["X_%d" % j for j in range(4)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols, check=False)


def svm_regressor(rng, out_dir, name, kernel, params):
    """An SVMRegressor with support vectors (a kernel per vector) behind a
    Scaler, as a fitted SVR exports it."""
    x = features(rng, 4, missing=0.05)
    n_supports = 25
    vectors = rng.normal(0, 1, (n_supports, 4)).astype(np.float32)
    nodes = [
        helper.make_node("Scaler", ["X"], ["scaled"], domain="ai.onnx.ml", name="scaler",
                         offset=[0.1, -0.2, 0.0, 0.3], scale=[0.8, 1.1, 0.6, 1.0]),
        helper.make_node("SVMRegressor", ["scaled"], ["variable"], domain="ai.onnx.ml", name="svr",
                         kernel_type=kernel, kernel_params=params, n_supports=n_supports,
                         support_vectors=[float(v) for v in vectors.ravel()],
                         coefficients=[float(np.float32(v)) for v in rng.normal(0, 1, n_supports)],
                         rho=[0.5], post_transform="NONE"),
    ]
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(4)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def svm_classifier(rng, out_dir, name, labels, vectors_per_class, kernel, params, n_features, missing=0.05,
                   platt=None):
    """An SVMClassifier with support vectors behind a Scaler, as a fitted SVC
    (one-vs-one, without probability estimates) exports it: outputs the label
    and the pairwise decision values ([-d, d] for two classes). With
    platt=(prob_a, prob_b) (two classes) or platt=([prob_a per pair],
    [prob_b per pair]) (more classes), as SVC(probability=True) exports it:
    the second output holds the class probabilities."""
    x = features(rng, n_features, missing=missing)
    classes = len(labels)
    count = sum(vectors_per_class)
    pairs = classes * (classes - 1) // 2
    platt_attr = {}
    if platt is not None:
        many = isinstance(platt[0], list)
        platt_attr = {"prob_a": platt[0] if many else [platt[0]], "prob_b": platt[1] if many else [platt[1]]}
    vectors = rng.normal(0, 1, (count, n_features)).astype(np.float32)
    label_attr = {"classlabels_ints": labels} if isinstance(labels[0], int) else {"classlabels_strings": labels}
    nodes = [
        helper.make_node("Scaler", ["X"], ["scaled"], domain="ai.onnx.ml", name="scaler",
                         offset=[float(np.float32(v)) for v in rng.normal(0, 0.2, n_features)],
                         scale=[float(np.float32(v)) for v in rng.uniform(0.5, 1.2, n_features)]),
        helper.make_node("SVMClassifier", ["scaled"], ["label", "probabilities"], domain="ai.onnx.ml", name="svc",
                         kernel_type=kernel, kernel_params=params, vectors_per_class=vectors_per_class,
                         support_vectors=[float(v) for v in vectors.ravel()],
                         coefficients=[float(np.float32(v)) for v in rng.normal(0, 1, (classes - 1) * count)],
                         rho=[float(np.float32(v)) for v in rng.normal(0, 0.3, pairs)],
                         post_transform="NONE", **label_attr, **platt_attr),
    ]
    label_type = TensorProto.INT64 if isinstance(labels[0], int) else TensorProto.STRING
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info("label", label_type, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, classes if platt else 2 if classes == 2 else pairs])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(n_features)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def svm_linear_softmax(rng, out_dir):
    """An SVMClassifier without support vectors (one coefficient row per
    class, rho[0] added to every score) and SOFTMAX probabilities."""
    name = "svc_linear_softmax"
    x = features(rng, 4)
    node = helper.make_node("SVMClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml", name="svc",
                            kernel_type="LINEAR", kernel_params=[0.0, 0.0, 0.0],
                            coefficients=[float(np.float32(v)) for v in rng.normal(0, 1, 3 * 4)],
                            rho=[0.375], post_transform="SOFTMAX", classlabels_strings=["low", "mid", "high"])
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])])
    model = helper.make_model(graph, opset_imports=OPSET)
    cols = ["X_%d" % j for j in range(4)]
    return save(model, out_dir, name, [{"name": "X", "columns": cols}], x, cols)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(20261126)
    models = {
        "tree_regressor": tree_regressor(rng, out_dir, "tree_regressor", ["BRANCH_LEQ", "BRANCH_LT"], "SUM"),
        "tree_regressor_average": tree_regressor(rng, out_dir, "tree_regressor_average",
                                                 ["BRANCH_GTE", "BRANCH_GT"], "AVERAGE"),
        "tree_binary": tree_binary(rng, out_dir),
        "tree_multiclass": tree_multiclass(rng, out_dir),
        "tree_forest": tree_forest(rng, out_dir),
        "linear_regressor": linear_regressor(rng, out_dir),
        "linear_binary": linear_classifier(rng, out_dir, "linear_binary", [0, 1]),
        "linear_multiclass": linear_classifier(rng, out_dir, "linear_multiclass", ["red", "green", "blue"]),
        "preprocessed_linear": preprocessed_linear(rng, out_dir),
        "mlp_classifier": mlp_classifier(rng, out_dir),
        "mlp_regressor": mlp_regressor(rng, out_dir),
        "tree_equality": tree_equality(rng, out_dir),
        "categorical_trees": categorical_trees(rng, out_dir),
        "tree_ensemble_v5": tree_ensemble_v5(rng, out_dir),
        "svm_rbf": svm_regressor(rng, out_dir, "svm_rbf", "RBF", [0.3, 0.0, 0.0]),
        "svm_poly": svm_regressor(rng, out_dir, "svm_poly", "POLY", [0.5, 1.0, 3.0]),
        "svm_sigmoid": svm_regressor(rng, out_dir, "svm_sigmoid", "SIGMOID", [0.2, -0.1, 0.0]),
        "svc_binary_rbf": svm_classifier(rng, out_dir, "svc_binary_rbf", [0, 1], [12, 9], "RBF",
                                         [0.3, 0.0, 0.0], 4),
        "svc_multiclass_linear": svm_classifier(rng, out_dir, "svc_multiclass_linear",
                                                ["red", "green", "blue", "gold"], [5, 4, 6, 3], "LINEAR",
                                                [0.0, 0.0, 0.0], 5),
        "svc_multiclass_poly": svm_classifier(rng, out_dir, "svc_multiclass_poly", [3, 5, 8], [7, 0, 5], "POLY",
                                              [0.4, 1.0, 2.0], 3),
        "svc_multiclass_sigmoid": svm_classifier(rng, out_dir, "svc_multiclass_sigmoid", ["x", "y", "z"],
                                                 [30, 40, 50], "SIGMOID", [0.2, -0.1, 0.0], 4),
        "svc_linear_softmax": svm_linear_softmax(rng, out_dir),
        # Platt scaling (prob_a, prob_b); A > 0 makes the probabilities' arg max
        # disagree with the label (the vote) on most rows.
        "svc_platt_linear": svm_classifier(rng, out_dir, "svc_platt_linear", [0, 1], [6, 5], "LINEAR",
                                           [0.0, 0.0, 0.0], 4, platt=(-1.75, 0.375)),
        "svc_platt_rbf": svm_classifier(rng, out_dir, "svc_platt_rbf", ["no", "yes"], [12, 9], "RBF",
                                        [0.3, 0.0, 0.0], 4, platt=(-2.25, -0.5)),
        "svc_platt_positive_a": svm_classifier(rng, out_dir, "svc_platt_positive_a", [0, 1], [8, 7], "POLY",
                                               [0.5, 1.0, 2.0], 3, platt=(1.25, 0.25)),
        # Platt scaling of 3 and 4 classes (one prob_a and prob_b per pair):
        # onnxruntime's pairwise coupling solver.
        "svc_platt_3_rbf": svm_classifier(rng, out_dir, "svc_platt_3_rbf", [0, 1, 2], [9, 7, 8], "RBF",
                                          [0.3, 0.0, 0.0], 4, platt=([-2.25, -1.5, -3.0], [0.25, -0.125, 0.5])),
        "svc_platt_4_linear": svm_classifier(rng, out_dir, "svc_platt_4_linear", ["red", "green", "blue", "gold"],
                                             [5, 4, 6, 3], "LINEAR", [0.0, 0.0, 0.0], 5,
                                             platt=([-1.75, -0.5, -2.5, -1.25, -3.5, -0.75],
                                                    [0.375, 0.0, -0.25, 0.125, -0.5, 0.0625])),
        "svc_platt_4_rbf": svm_classifier(rng, out_dir, "svc_platt_4_rbf", [1, 2, 3, 4], [6, 8, 5, 7], "RBF",
                                          [0.5, 0.0, 0.0], 3,
                                          platt=([-4.0, 1.25, -2.0, -1.0, -6.0, -2.75],
                                                 [-0.25, 0.5, 0.0, 0.75, 0.125, -0.375])),
    }
    with open(os.path.join(out_dir, "models.json"), "w") as out:
        json.dump(models, out, indent=1, sort_keys=True)
        out.write("\n")


if __name__ == "__main__":
    main()
