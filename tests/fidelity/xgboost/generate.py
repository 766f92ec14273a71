#!/usr/bin/python3
"""Trains XGBoost models and records XGBoost's own predictions: the oracle for
tests/fidelity/xgboost_fidelity_test.cc.

Usage: generate.py OUTPUT_DIR [--churn PATH]

Does nothing when OUTPUT_DIR already holds the output of this very script,
XGBoost version and churn file (recorded in OUTPUT_DIR/stamp.txt).

For every model it writes OUTPUT_DIR/<name>/:
  model.json       Booster.save_model (XGBoost's JSON format)
  data.csv         the scored rows: one column per feature, empty = missing
  predictions.csv  Booster.predict(): one column (value, or the class index
                   for multi:softmax), or one per class for multi:softprob
  contribs.csv     Booster.predict(pred_contribs=True): features + bias, for
                   every class of a multiclass model (class-major)
and OUTPUT_DIR/manifest.json lists the models. Everything is deterministic
(fixed seeds, single-threaded training).

Numbers are written exactly: a float32 value as the shortest decimal of the
double that holds it, so that reading it as a double and casting to float
gives back the same float. Some models are scored from float64 data on
purpose; XGBoost then rounds each value to float, as Podium does.
"""
import hashlib
import json
import os
import sys

import numpy as np
import xgboost as xgb

ROWS = 10_000
MISSING_RATE = 0.05
THRESHOLD_RATE = 0.05  # rows that get a feature set exactly to a split threshold


def cell(value):
    if np.isnan(value):
        return ""
    return repr(float(value))


def write_matrix(path, header, matrix, formatter=cell):
    with open(path, "w", encoding="utf-8") as out:
        if header is not None:
            out.write(",".join(header) + "\n")
        for row in matrix:
            out.write(",".join(formatter(v) for v in row) + "\n")


def make_features(rng, rows, features):
    """Features of different kinds: gaussians, a heavy tail, integers (ties at
    split points), a large-magnitude column and a tiny-magnitude column."""
    cols = []
    for j in range(features):
        kind = j % 6
        if kind == 0:
            cols.append(rng.normal(size=rows))
        elif kind == 1:
            cols.append(rng.standard_t(3, size=rows))
        elif kind == 2:
            cols.append(rng.integers(0, 12, size=rows).astype(np.float64))
        elif kind == 3:
            cols.append(rng.normal(5000.0, 2000.0, size=rows))
        elif kind == 4:
            cols.append(rng.normal(0.0, 1e-3, size=rows))
        else:
            cols.append(rng.uniform(-3, 3, size=rows))
    return np.column_stack(cols)


def inject_missing(rng, x):
    x = x.copy()
    x[rng.random(x.shape) < MISSING_RATE] = np.nan
    return x


def latent(x):
    """A nonlinear signal of the (imputed) features."""
    z = np.nan_to_num(x, nan=0.0)
    return (np.sin(z[:, 0] * 1.5) + 0.5 * np.clip(z[:, 1], -4, 4) + 0.2 * (z[:, 2] % 4)
            + 0.0004 * (z[:, 3] - 5000.0) + 300.0 * z[:, 4] + 0.3 * z[:, 5] * z[:, 0]
            + 0.5 * (np.isnan(x[:, 6]) if x.shape[1] > 6 else 0))


def thresholds_by_feature(booster):
    """feature index -> split thresholds used by the model (float32 values)."""
    model = json.loads(booster.save_raw("json"))
    gb = model["learner"]["gradient_booster"]
    trees = (gb["gbtree"] if gb["name"] == "dart" else gb)["model"]["trees"]
    found = {}
    for tree in trees:
        split_type = tree.get("split_type", [0] * len(tree["left_children"]))
        for node, left in enumerate(tree["left_children"]):
            if left != -1 and split_type[node] == 0:
                found.setdefault(tree["split_indices"][node], set()).add(tree["split_conditions"][node])
    return {f: sorted(v) for f, v in found.items()}


def put_thresholds(rng, x, booster):
    """Sets a random feature of some rows exactly to one of its split
    thresholds, so that `<` against `<=` and float rounding are exercised."""
    x = x.copy()
    by_feature = thresholds_by_feature(booster)
    if not by_feature:
        return x
    features = sorted(by_feature)
    for r in np.nonzero(rng.random(x.shape[0]) < THRESHOLD_RATE)[0]:
        f = features[rng.integers(len(features))]
        values = by_feature[f]
        x[r, f] = float(np.float32(values[rng.integers(len(values))]))
    return x


def save(out_dir, name, booster, x_score, feature_names, manifest, dmatrix_kwargs=None, note=""):
    path = os.path.join(out_dir, name)
    os.makedirs(path, exist_ok=True)
    booster.save_model(os.path.join(path, "model.json"))
    dm = xgb.DMatrix(x_score, missing=np.nan, feature_names=feature_names, **(dmatrix_kwargs or {}))
    pred = booster.predict(dm)
    contribs = booster.predict(dm, pred_contribs=True)
    if pred.ndim == 1:
        pred = pred.reshape(-1, 1)
    contribs = contribs.reshape(contribs.shape[0], -1)
    write_matrix(os.path.join(path, "data.csv"), feature_names, x_score)
    write_matrix(os.path.join(path, "predictions.csv"), None, pred)
    write_matrix(os.path.join(path, "contribs.csv"), None, contribs)
    config = json.loads(booster.save_config())
    objective = config["learner"]["objective"]["name"]
    manifest.append({
        "name": name,
        "objective": objective,
        "booster": config["learner"]["gradient_booster"]["name"],
        "rows": int(x_score.shape[0]),
        "features": len(feature_names),
        "trees": len(booster.get_dump()),
        "prediction_columns": int(pred.shape[1]),
        "note": note,
    })


def train(params, x, y, rounds, feature_names, dmatrix_kwargs=None):
    base = {"tree_method": "hist", "max_depth": 6, "eta": 0.1, "seed": 7, "nthread": 1}
    base.update(params)
    dtrain = xgb.DMatrix(x, label=y, missing=np.nan, feature_names=feature_names, **(dmatrix_kwargs or {}))
    return xgb.train(base, dtrain, num_boost_round=rounds)


def standard_models(out_dir, manifest):
    features = 8
    names = [f"x{j}" for j in range(features)]
    # Explicit base scores exercise their conversion to margin space (XGBoost
    # 1.7 defaults to 0.5, whose logit is 0).
    specs = [
        # name, params, label kind, rounds, float64 scoring data
        ("binary_logistic", {"objective": "binary:logistic", "base_score": 0.3}, "binary", 60, False),
        ("binary_logitraw", {"objective": "binary:logitraw", "base_score": 0.2}, "binary", 30, False),
        ("reg_logistic", {"objective": "reg:logistic", "base_score": 0.6}, "unit", 30, False),
        ("reg_squarederror", {"objective": "reg:squarederror", "base_score": 12.3}, "real", 60, True),
        ("reg_pseudohubererror", {"objective": "reg:pseudohubererror"}, "real", 30, False),
        ("reg_absoluteerror", {"objective": "reg:absoluteerror"}, "real", 30, False),
        ("reg_squaredlogerror", {"objective": "reg:squaredlogerror"}, "positive", 30, False),
        ("multi_softprob", {"objective": "multi:softprob", "num_class": 4, "base_score": 0.2}, "multi", 40,
         False),
        ("multi_softmax", {"objective": "multi:softmax", "num_class": 4}, "multi", 20, False),
        ("count_poisson", {"objective": "count:poisson", "base_score": 2.5}, "count", 60, True),
        ("reg_gamma", {"objective": "reg:gamma"}, "positive", 40, False),
        ("reg_tweedie", {"objective": "reg:tweedie", "tweedie_variance_power": 1.4}, "count", 40, False),
        ("dart_binary_logistic", {"objective": "binary:logistic", "base_score": 0.25, "booster": "dart",
                                  "rate_drop": 0.2, "skip_drop": 0.0, "sample_type": "weighted",
                                  "normalize_type": "forest"}, "binary", 30, False),
    ]
    for i, (name, params, label_kind, rounds, float64_data) in enumerate(specs):
        rng = np.random.default_rng(1000 + i)
        x_train = inject_missing(rng, make_features(rng, ROWS, features))
        x_score = inject_missing(rng, make_features(rng, ROWS, features))
        signal = latent(x_train)
        if label_kind == "binary":
            y = (signal + rng.logistic(size=ROWS) * 0.5 > 0.3).astype(np.float64)
        elif label_kind == "unit":
            y = 1.0 / (1.0 + np.exp(-signal - rng.normal(0, 0.3, ROWS)))
        elif label_kind == "real":
            y = 3.0 * signal + rng.normal(0, 0.5, ROWS)
        elif label_kind == "multi":
            y = np.digitize(signal + rng.normal(0, 0.3, ROWS), [-0.8, 0.2, 1.2]).astype(np.float64)
        elif label_kind == "count":
            y = rng.poisson(np.exp(0.5 * np.clip(signal, -3, 3))).astype(np.float64)
        else:  # positive
            y = rng.gamma(2.0, np.exp(0.3 * np.clip(signal, -3, 3)) / 2.0)
        if not float64_data:
            x_train = x_train.astype(np.float32)
            x_score = x_score.astype(np.float32)
        booster = train(params, x_train, y, rounds, names)
        x_score = put_thresholds(rng, x_score, booster)
        save(out_dir, name, booster, x_score, names, manifest,
             note="float64 scoring data" if float64_data else "float32 scoring data")


def categorical_model(out_dir, manifest):
    """A categorical feature (XGBoost category codes 0..9, scored also with
    codes 10 and 11 that training never saw) next to numeric ones."""
    rng = np.random.default_rng(2000)
    features = 5
    names = ["colour", "x1", "x2", "x3", "x4"]
    types = ["c", "q", "q", "q", "q"]

    def data(codes):
        x = make_features(rng, ROWS, features)
        x[:, 0] = rng.integers(0, codes, ROWS)
        return inject_missing(rng, x).astype(np.float32)

    x_train = data(10)
    x_score = data(12)
    effect = np.array([0.0, 1.2, -0.8, 0.3, 2.0, -1.5, 0.1, 0.9, -0.4, 1.6])
    codes = np.nan_to_num(x_train[:, 0], nan=0).astype(int)
    y = (effect[codes] + latent(x_train[:, [1, 2, 3, 4, 1, 2, 3]].astype(np.float64)) * 0.5
         + rng.logistic(size=ROWS) * 0.5 > 0.5).astype(np.float64)
    kwargs = {"feature_types": types, "enable_categorical": True}
    booster = train({"objective": "binary:logistic", "max_cat_to_onehot": 1}, x_train, y, 40, names, kwargs)
    x_score = put_thresholds(rng, x_score, booster)

    path = os.path.join(out_dir, "categorical_binary_logistic")
    save(out_dir, "categorical_binary_logistic", booster, x_score, names, manifest, kwargs,
         note="feature 'colour' is categorical; codes 10 and 11 are unseen")
    # Category codes are written as whole numbers ("3"), the spelling the
    # importer documents for category inputs.
    with open(os.path.join(path, "data.csv"), "w", encoding="utf-8") as out:
        out.write(",".join(names) + "\n")
        for row in x_score:
            cells = ["" if np.isnan(row[0]) else str(int(row[0]))] + [cell(v) for v in row[1:]]
            out.write(",".join(cells) + "\n")


def churn_model(out_dir, manifest, churn_path):
    """binary:logistic on the real MLC churn data (numeric columns only), with
    5% of the cells blanked to exercise default directions."""
    import csv
    with open(churn_path, encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]

    def numeric(j):
        try:
            for r in body:
                float(r[j])
            return True
        except ValueError:
            return False

    columns = [j for j, name in enumerate(header) if name != "churn" and numeric(j)]
    names = [header[j] for j in columns]
    x = np.array([[float(r[j]) for j in columns] for r in body], dtype=np.float64)
    y = np.array([1.0 if r[header.index("churn")] == "yes" else 0.0 for r in body])
    rng = np.random.default_rng(3000)
    x = inject_missing(rng, x).astype(np.float32)
    booster = train({"objective": "binary:logistic", "max_depth": 5}, x, y, 80, names)
    save(out_dir, "churn_binary_logistic", booster, x, names, manifest,
         note=f"real data: {os.path.basename(churn_path)}, {len(names)} numeric columns")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    churn_path = None
    if len(sys.argv) >= 4 and sys.argv[2] == "--churn":
        churn_path = sys.argv[3]
    os.makedirs(out_dir, exist_ok=True)
    stamp_path = os.path.join(out_dir, "stamp.txt")
    with open(os.path.abspath(__file__), "rb") as f:
        stamp = hashlib.sha256(f.read()).hexdigest()
    stamp += " xgboost " + xgb.__version__
    if churn_path and os.path.exists(churn_path):
        with open(churn_path, "rb") as f:
            stamp += " churn " + hashlib.sha256(f.read()).hexdigest()
    if os.path.exists(stamp_path) and os.path.exists(os.path.join(out_dir, "manifest.json")):
        with open(stamp_path, encoding="utf-8") as f:
            if f.read() == stamp:
                print(f"{out_dir} is up to date")
                return
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    manifest = []
    standard_models(out_dir, manifest)
    categorical_model(out_dir, manifest)
    if churn_path and os.path.exists(churn_path):
        churn_model(out_dir, manifest, churn_path)
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as out:
        json.dump({"xgboost_version": xgb.__version__, "models": manifest}, out, indent=1)
    with open(stamp_path, "w", encoding="utf-8") as out:
        out.write(stamp)
    print(f"wrote {len(manifest)} models to {out_dir}")


if __name__ == "__main__":
    main()
