"""Expected outputs of model.pmml from the PMML formulas alone:
f(x) = sum_i alpha_i * exp(-gamma * ||x - v_i||^2) + b with gamma 0.25,
alpha = (1.5, -0.8, 2.25), b = 0.3, over the vector
x = (x1 / 10, x2, [shift = night]) and the support vectors
v1 = (0.5, 1.5, 0), v2 = (0, -1.25, 1) (sparse: index 1 is 0), v3 = (2, 0.75, 1).
The prediction is 2 * f + 10 (Targets rescaleFactor, rescaleConstant).
A missing x2 is replaced by 0.5 (missingValueReplacement); a missing x1 or
shift has no replacement, so the prediction is missing. Writes expected.ndjson."""
import json
import math

GAMMA = 0.25
ALPHA = [1.5, -0.8, 2.25]
B = 0.3
VECTORS = [(0.5, 1.5, 0.0), (0.0, -1.25, 1.0), (2.0, 0.75, 1.0)]


def score(x1, x2, shift):
    if x2 is None:
        x2 = 0.5
    if x1 is None or shift is None:
        return {"values": [None], "label": None, "decision": None}
    x = (x1 / 10, x2, 1.0 if shift == "night" else 0.0)
    f = B
    for alpha, v in zip(ALPHA, VECTORS):
        f += alpha * math.exp(-GAMMA * sum((a - c) ** 2 for a, c in zip(x, v)))
    return {"values": [2 * f + 10], "label": None, "decision": None}


ROWS = [(5, 1.5, "day"), (0, 0, "night"), (20, -1, "night"), (12.5, None, "day"), (-7, 2.5, "night"),
        (None, 1, "day"), (3, 1, None)]

with open("expected.ndjson", "w") as out:
    for row in ROWS:
        out.write(json.dumps(score(*row)) + "\n")
