#!/usr/bin/python3
"""Makes the data and model of the end-to-end CSV scoring benchmark.

Trains an XGBoost binary:logistic model (100 trees of depth 6 by default) on a
synthetic 28-feature problem (fixed seed, 2% missing values) and writes
model.json and a CSV of --rows rows (features f0..f27, empty = missing).
"""
import argparse
import os

import numpy as np
import xgboost as xgb


def make_rows(rng, n, features=28):
    x = rng.normal(size=(n, features)).astype(np.float32)
    x[rng.random(size=x.shape) < 0.02] = np.nan
    return x


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--depth", type=int, default=6)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(7)
    train = make_rows(rng, 200_000)
    w = rng.normal(size=train.shape[1])
    logit = np.nan_to_num(train) @ w + np.sin(np.nan_to_num(train[:, 0]) * 3) - 0.5
    y = (rng.random(len(logit)) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": args.depth, "eta": 0.1,
                         "tree_method": "hist", "nthread": 2, "seed": 1},
                        xgb.DMatrix(train, label=y, missing=np.nan), num_boost_round=args.trees)
    booster.save_model(os.path.join(args.out, "model.json"))
    rows = make_rows(rng, args.rows)
    with open(os.path.join(args.out, "data.csv"), "w", encoding="ascii") as f:
        f.write(",".join(f"f{i}" for i in range(rows.shape[1])) + "\n")
        block = 50_000
        for start in range(0, len(rows), block):
            text = []
            for row in rows[start:start + block]:
                text.append(",".join("" if np.isnan(v) else f"{v:.6g}" for v in row))
            f.write("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
