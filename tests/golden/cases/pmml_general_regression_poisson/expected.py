"""Expected outputs of model.pmml from the PMML GeneralRegressionModel
formulas alone: eta = sum_p beta_p * x_p + log_exposure (offsetVariable),
mu = exp(eta) (linkFunction log). x_p is the product of the parameter's
PPCells; p5 has no beta (0). Any missing input makes the prediction missing.
Writes expected.ndjson."""
import json
import math

BETA = {"p0": -2.5, "p1": 0.4, "p2": 0.9, "p3": -0.015, "p4": 0.0002}


def score(vehicle, age, power, offset):
    if None in (vehicle, age, power, offset):
        return {"values": [None], "label": None, "decision": None}
    x = {"p0": 1.0, "p1": float(vehicle == "van"), "p2": float(vehicle == "truck"),
         "p3": age, "p4": age * power}
    eta = sum(BETA[p] * x[p] for p in BETA) + offset
    return {"values": [math.exp(eta)], "label": None, "decision": None}


rows = [("car", 30, 100, 0.0), ("van", 45, 150, -0.6931471805599453), ("truck", 60, 300, 1.5),
        ("truck", 20, 50, None), (None, 30, 100, 0.0), ("car", None, 100, 0.0)]
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
