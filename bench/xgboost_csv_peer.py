#!/usr/bin/python3
"""The peer of the end-to-end benchmark: the same job done with XGBoost's
Python package and pandas (read the CSV, predict, write probabilities)."""
import argparse

import numpy as np
import pandas as pd
import xgboost as xgb


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--in", dest="input", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    booster = xgb.Booster(model_file=args.model)
    booster.set_param({"nthread": args.threads})
    frame = pd.read_csv(args.input, dtype=np.float32)
    p = booster.inplace_predict(frame.to_numpy(), missing=np.nan)
    pd.DataFrame({"probability_0": 1 - p, "probability_1": p}).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
