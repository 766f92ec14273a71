"""Expected outputs of model.pmml from the PMML formulas alone:
f(x) = sum_i alpha_i * (gamma * <x, v_i> + coef0)^degree + b with gamma 0.1,
coef0 1.5, degree 3, alpha = (0.75, -0.125, 0.0625, 1.25), b = -12.5, over
the vector x = (rooms, ln(area), age) and the support vectors
a = (3, 4.5, 10), b = (2, 2, -5.5) (sparse, defaultValue 2),
c = (1, 3.25, 40), d = (5, 5.75, 0) (sparse, default 0).
A missing age is replaced by 20 (missingValueReplacement; the FieldRef's
mapMissingTo never applies then). A missing rooms or area has no
replacement, and ln(0) has no value, so the prediction is missing.
Writes expected.ndjson."""
import json
import math

GAMMA, COEF0, DEGREE = 0.1, 1.5, 3
ALPHA = [0.75, -0.125, 0.0625, 1.25]
B = -12.5
VECTORS = [(3, 4.5, 10), (2, 2, -5.5), (1, 3.25, 40), (5, 5.75, 0)]


def score(rooms, area, age):
    if age is None:
        age = 20
    if rooms is None or area is None or area <= 0:
        return {"values": [None], "label": None, "decision": None}
    x = (rooms, math.log(area), age)
    f = B
    for alpha, v in zip(ALPHA, VECTORS):
        f += alpha * (GAMMA * sum(a * c for a, c in zip(x, v)) + COEF0) ** DEGREE
    return {"values": [f], "label": None, "decision": None}


ROWS = [(3, 90, 12), (1, 40, 55), (6, 250, 2.5), (4, 120, None), (2, None, 30), (None, 80, 5), (5, 0, 10)]

with open("expected.ndjson", "w") as out:
    for row in ROWS:
        out.write(json.dumps(score(*row)) + "\n")
