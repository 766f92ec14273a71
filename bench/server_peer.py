#!/usr/bin/python3
"""The FastAPI + uvicorn peer of bench/server_bench.sh.

Serves the same two models as the Podium server, each scored with its own
library: POST /xgb (an XGBoost JSON model, scored with xgboost.Booster) and
POST /glm (the demo churn pipeline, its transforms computed with numpy and the
model scored with a scikit-learn LogisticRegression holding the pipeline's
coefficients). Both take the native body {"records": [{field: value}]} and
answer {"rows": [{"probability_<class>": p, "label": c}]}.
Paths come from the environment: PEER_XGB_MODEL, PEER_GLM_PIPELINE.
"""
import json
import os

import numpy as np
import xgboost as xgb
from fastapi import FastAPI, Request
from sklearn.linear_model import LogisticRegression

app = FastAPI()

booster = xgb.Booster()
booster.load_model(os.environ["PEER_XGB_MODEL"])
booster.set_param({"nthread": 1})
xgb_features = booster.feature_names or [f"f{i}" for i in range(booster.num_features())]

with open(os.environ["PEER_GLM_PIPELINE"], encoding="utf-8") as f:
    pipeline = json.load(f)
glm = LogisticRegression()
glm.classes_ = np.array(pipeline["model"]["classes"])
glm.coef_ = np.array(pipeline["model"]["coefficients"], dtype=float).reshape(1, -1)
glm.intercept_ = np.array(pipeline["model"]["intercepts"], dtype=float)


def glm_features(record):
    """The demo pipeline's transforms (derive as a sum, log1p, standardize, one_hot)."""
    columns = {}
    for field in pipeline["inputs"]:
        value = record.get(field["name"])
        columns[field["name"]] = value if value is not None else (np.nan if field["type"] != "category" else "")
    for t in pipeline["transforms"]:
        op = t["op"]
        if op == "derive":
            columns[t["output"]] = sum(float(columns[name.strip()]) for name in t["expression"].split("+"))
        elif op == "log1p":
            columns[t["output"]] = np.log1p(float(columns[t["input"]]))
        elif op == "standardize":
            columns[t["output"]] = (float(columns[t["input"]]) - t["mean"]) / t["scale"]
        elif op == "one_hot":
            prefix = t.get("output_prefix") or t["input"] + "="
            for level in t["levels"]:
                columns[prefix + level] = 1.0 if columns[t["input"]] == level else 0.0
        else:
            raise ValueError(f"the peer does not implement op {op}")
    return [columns[name] for name in pipeline["features"]]


@app.post("/xgb")
async def score_xgb(request: Request):
    records = (await request.json())["records"]
    x = np.array([[r.get(name, np.nan) for name in xgb_features] for r in records], dtype=np.float32)
    p = booster.inplace_predict(x)
    return {"rows": [{"probability_0": float(1 - v), "probability_1": float(v), "label": int(v >= 0.5)} for v in p]}


@app.post("/glm")
async def score_glm(request: Request):
    records = (await request.json())["records"]
    p = glm.predict_proba(np.array([glm_features(r) for r in records], dtype=float))
    classes = glm.classes_
    return {"rows": [{f"probability_{classes[0]}": float(row[0]), f"probability_{classes[1]}": float(row[1]),
                      "label": str(classes[int(row[1] >= 0.5)])} for row in p]}
