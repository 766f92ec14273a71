#!/usr/bin/python3
"""Trains the bundled demo pipeline on the churn data and writes it as a
Podium pipeline artifact.

The model is scikit-learn's LogisticRegression over a few transformed
features; every transform is written as a Podium transform with its fitted
values, so Podium recomputes the whole pipeline from the raw CSV columns.
With --expected, also writes scikit-learn's own predict_proba for every row,
which the fidelity suite compares with Podium's scores.

Usage: make_churn_pipeline.py --data mlc_churn.csv --out churn_pipeline.json
                              [--expected expected.csv]
"""
import argparse
import csv
import json

import numpy as np
from sklearn.linear_model import LogisticRegression

NUMERIC = [
    "account_length", "total_day_minutes", "total_eve_minutes",
    "total_night_minutes", "total_intl_minutes", "total_intl_calls",
    "number_customer_service_calls",
]


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def features(rows, fitted=None):
    """The pipeline's transforms, in numpy; returns (matrix, names, fitted)."""
    raw = {name: np.array([float(r[name]) for r in rows]) for name in NUMERIC}
    charges = sum(np.array([float(r[c]) for r in rows]) for c in
                  ["total_day_charge", "total_eve_charge", "total_night_charge", "total_intl_charge"])
    vmail = np.log1p(np.array([float(r["number_vmail_messages"]) for r in rows]))
    intl = np.array([1.0 if r["international_plan"] == "yes" else 0.0 for r in rows])
    voice = np.array([1.0 if r["voice_mail_plan"] == "yes" else 0.0 for r in rows])
    columns = dict(raw)
    columns["total_charge"] = charges
    columns["log_vmail"] = vmail
    scaled_names = NUMERIC + ["total_charge", "log_vmail"]
    if fitted is None:
        fitted = {n: (float(columns[n].mean()), float(columns[n].std())) for n in scaled_names}
    matrix = [(columns[n] - fitted[n][0]) / fitted[n][1] for n in scaled_names]
    matrix += [intl, voice]
    names = [n + "_z" for n in scaled_names] + ["international_plan=yes", "voice_mail_plan=yes"]
    return np.column_stack(matrix), names, fitted


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--expected")
    args = parser.parse_args()

    rows = load(args.data)
    x, names, fitted = features(rows)
    y = np.array([1 if r["churn"] == "yes" else 0 for r in rows])
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(x, y)

    inputs = [{"name": n, "type": "number", "min": 0} for n in NUMERIC]
    inputs += [{"name": c, "type": "number", "min": 0} for c in
               ["total_day_charge", "total_eve_charge", "total_night_charge",
                "total_intl_charge", "number_vmail_messages"]]
    inputs[NUMERIC.index("total_intl_calls")]["type"] = "integer"
    inputs[NUMERIC.index("number_customer_service_calls")]["type"] = "integer"
    for name in ["international_plan", "voice_mail_plan"]:
        inputs.append({"name": name, "type": "category", "levels": ["no", "yes"]})
    transforms = [
        {"op": "derive", "output": "total_charge",
         "expression": "total_day_charge + total_eve_charge + total_night_charge + total_intl_charge"},
        {"op": "log1p", "input": "number_vmail_messages", "output": "log_vmail"},
    ]
    for n in NUMERIC + ["total_charge", "log_vmail"]:
        transforms.append({"op": "standardize", "input": n, "output": n + "_z",
                           "mean": fitted[n][0], "scale": fitted[n][1]})
    for name in ["international_plan", "voice_mail_plan"]:
        # "no" is the reference level (all zeros); the input field already
        # refuses any level other than no and yes.
        transforms.append({"op": "one_hot", "input": name, "levels": ["yes"], "unknown": "ignore"})
    pipeline = {
        "format": "podium-pipeline",
        "format_version": 1,
        "name": "churn_demo",
        "description": "Telecom churn: logistic regression on usage, charges, plans and service calls "
                       "(demo; trained by data/demo/make_churn_pipeline.py on mlc_churn.csv)",
        "source": "scikit-learn LogisticRegression(C=1.0)",
        "inputs": inputs,
        "transforms": transforms,
        "features": names,
        "model": {
            "type": "glm", "task": "classification", "classes": ["no", "yes"],
            "family": "binomial", "link": "logit",
            "intercepts": [float(model.intercept_[0])],
            "coefficients": [[float(c) for c in model.coef_[0]]],
            "feature_means": [float(m) for m in x.mean(axis=0)],
        },
        "post": {
            "threshold": 0.5,
            "reason_codes": 3,
            "rules": [
                {"name": "unhappy_customer", "when": "number_customer_service_calls >= 4",
                 "action": "annotate", "reason": "4 or more calls to customer service"},
                {"name": "retention_call", "when": "score >= 0.5 and total_charge > 60",
                 "action": "override", "decision": "call_retention_team",
                 "reason": "likely to churn and a high-value customer"},
            ],
        },
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(pipeline, f, indent=2)
        f.write("\n")
    if args.expected:
        proba = model.predict_proba(x)
        with open(args.expected, "w", encoding="utf-8") as f:
            f.write("probability_no,probability_yes\n")
            for p in proba:
                f.write(f"{p[0]!r},{p[1]!r}\n")


if __name__ == "__main__":
    main()
