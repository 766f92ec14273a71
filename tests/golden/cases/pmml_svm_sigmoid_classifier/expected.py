"""Expected outputs of model.pmml from the PMML formulas alone:
f(x) = sum_i alpha_i * tanh(gamma * <x, v_i> + coef0) + b with gamma 0.5,
coef0 -0.25, alpha = (-1, 0.5, -0.75), b = 0.2, over x = (t1, t2) and the
support vectors v0 = (1, -1), v1 = (-0.5, 2), v2 = (1.5, 0) (sparse).
Binary classification (one machine, maxWins false): the label is
targetCategory "leave" when f(x) < threshold 0.1, else alternateTargetCategory
"stay". PMML defines no probabilities for SVMs; Podium's values are the
decision as 0/1 per class, in the class order [leave, stay] (targetCategory,
alternateTargetCategory). A missing t2 is replaced by 1; a missing t1 gives no
prediction. Also prints f for each row (NOTES.md). Writes expected.ndjson."""
import json
import math

GAMMA, COEF0 = 0.5, -0.25
ALPHA = [-1, 0.5, -0.75]
B = 0.2
THRESHOLD = 0.1
VECTORS = [(1, -1), (-0.5, 2), (1.5, 0)]


def f(t1, t2):
    value = B
    for alpha, v in zip(ALPHA, VECTORS):
        value += alpha * math.tanh(GAMMA * (t1 * v[0] + t2 * v[1]) + COEF0)
    return value


def score(t1, t2):
    if t2 is None:
        t2 = 1
    if t1 is None:
        return {"values": [None, None], "label": None, "decision": None}
    value = f(t1, t2)
    print(t1, t2, value)
    label = "leave" if value < THRESHOLD else "stay"
    return {"values": [1.0 if label == "leave" else 0.0, 1.0 if label == "stay" else 0.0], "label": label,
            "decision": label}


ROWS = [(2, -1), (-1, 1), (0, 0), (1, None), (-3, 2), (None, 0.5), (0.75, 0), (1.5, -0.5), (0.5, 0.5)]

with open("expected.ndjson", "w") as out:
    for row in ROWS:
        out.write(json.dumps(score(*row)) + "\n")
