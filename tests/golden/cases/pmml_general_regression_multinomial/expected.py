"""Expected outputs of model.pmml, from the PMML GeneralRegressionModel
formulas alone (no Podium code): eta_k = sum_p beta_{p,k} * x_p, where x_p is
the product of the parameter's PPCells (a factor cell is 1 when the field
equals the cell's value, a covariate cell is the field to the power of the
cell's value); the reference category "high" has eta = 0;
p_k = exp(eta_k) / sum_j exp(eta_j). A missing input makes every output
missing. Writes expected.ndjson."""
import json
import math

BETAS = {
    "low": {"p0": -1.2, "p1": 0.8, "p2": -0.4, "p3": 0.03, "p4": -0.02, "p5": 0.0004},
    "mid": {"p0": 0.5, "p1": -0.3, "p3": -0.01, "p5": 0.0001},
    "high": {},
}
CLASSES = ["low", "mid", "high"]


def score(age, income, region):
    if income is None:
        income = 20.0  # missingValueReplacement
    if age is None or region is None:
        return {"values": [None] * 3, "label": None, "decision": None}
    x = {
        "p0": 1.0,
        "p1": 1.0 if region == "north" else 0.0,
        "p2": 1.0 if region == "south" else 0.0,
        "p3": age,
        "p4": (1.0 if region == "north" else 0.0) * age,
        "p5": income ** 2,
    }
    eta = [sum(b * x[p] for p, b in BETAS[c].items()) for c in CLASSES]
    e = [math.exp(v) for v in eta]
    p = [v / sum(e) for v in e]
    label = CLASSES[p.index(max(p))]
    return {"values": p, "label": label, "decision": label}


rows = [
    (40, 30, "north"),
    (25, 50, "south"),
    (60, 10, "east"),
    (33, None, "north"),
    (None, 30, "south"),
    (50, 30, None),
]
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
    # 'west' is not a listed level: invalidValueTreatment returnInvalid.
    out.write(json.dumps({"error": "region", "code": "INVALID_ARGUMENT"}) + "\n")
