#!/usr/bin/python3
"""Writes the small real XGBoost models in this directory (unit-test inputs
and the fuzzer's seed corpus). Deterministic; run with XGBoost 1.7.4:
  /usr/bin/python3 src/formats/testdata/xgboost/make_testdata.py
"""
import json
import os

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))


def data(rng, rows, features):
    x = rng.normal(size=(rows, features)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = np.nan
    return x


def save(booster, name):
    path = os.path.join(HERE, name)
    booster.save_model(path)
    print("wrote", path, os.path.getsize(path), "bytes")


def main():
    rng = np.random.default_rng(42)
    x = data(rng, 400, 3)
    signal = np.nan_to_num(x[:, 0]) - 0.5 * np.nan_to_num(x[:, 1]) + 0.3 * np.isnan(x[:, 2])
    base = {"max_depth": 2, "eta": 0.3, "seed": 1, "nthread": 1, "tree_method": "hist"}

    def train(params, y, rounds, names=None, **kwargs):
        p = dict(base)
        p.update(params)
        return xgb.train(p, xgb.DMatrix(x, label=y, feature_names=names, **kwargs), rounds)

    yb = (signal > 0).astype(np.float32)
    save(train({"objective": "binary:logistic"}, yb, 3, ["age", "income", "tenure"]), "binary_logistic.json")
    ym = np.digitize(signal, [-0.5, 0.5]).astype(np.float32)
    save(train({"objective": "multi:softprob", "num_class": 3}, ym, 2), "multi_softprob.json")
    yc = rng.poisson(np.exp(0.5 * signal)).astype(np.float32)
    save(train({"objective": "count:poisson"}, yc, 2), "count_poisson.json")
    save(train({"objective": "binary:logistic", "booster": "dart", "rate_drop": 0.5, "skip_drop": 0.0},
               yb, 3), "dart_binary_logistic.json")
    # Pruning (gamma) with the exact method leaves deleted nodes in the arrays.
    yr = (3 * signal + rng.normal(0, 0.1, len(signal))).astype(np.float32)
    save(train({"objective": "reg:squarederror", "tree_method": "exact", "max_depth": 4, "gamma": 40.0},
               yr, 2), "reg_squarederror_pruned.json")
    xc = x.copy()
    xc[:, 0] = rng.integers(0, 5, len(xc))
    yk = ((xc[:, 0] % 2 == 0) ^ (np.nan_to_num(xc[:, 1]) > 0)).astype(np.float32)
    p = dict(base, objective="binary:logistic", max_cat_to_onehot=1)
    booster = xgb.train(p, xgb.DMatrix(xc, label=yk, feature_types=["c", "q", "q"], enable_categorical=True), 2)
    save(booster, "categorical.json")
    b = xgb.train(dict(base, objective="reg:squarederror", booster="gblinear"), xgb.DMatrix(x, label=yr), 2)
    save(b, "gblinear.json")


if __name__ == "__main__":
    main()
