"""Expected outputs of model.pmml from the PMML 4.4 ClusteringModel formulas alone.

Euclidean distance with field weights w and the missing-value adjustment:
  D = sqrt(adjustM * sum_{i present} w_i * (x_i - y_i)^2),
  adjustM = sum_i q_i / sum_{i present} q_i,
over the fields (income / 1000, age, visits), w = (1, 2, 0.5), q = (1, 1, 2).
The predicted cluster is the nearest one (the first on ties); a row with
every field missing has no distances and no cluster. Writes expected.ndjson."""
import json
import math

W = [1.0, 2.0, 0.5]
Q = [1.0, 1.0, 2.0]
IDS = ["low", "mid", "high"]
CENTERS = [[20, 25, 2], [50, 40, 6], [90, 55, 12]]


def score(income, age, visits):
    x = [None if income is None else income / 1000, age, visits]
    present = [v is not None for v in x]
    if not any(present):
        return {"values": [None, None, None], "label": None, "decision": None}
    adjust = sum(Q) / sum(q for q, p in zip(Q, present) if p)
    distances = []
    for center in CENTERS:
        s = sum(w * (v - y) ** 2 for w, v, y in zip(W, x, center) if v is not None)
        distances.append(math.sqrt(adjust * s))
    best = min(range(len(IDS)), key=lambda k: (distances[k], k))
    return {"values": distances, "label": IDS[best], "decision": IDS[best]}


ROWS = [(20000, 25, 2), (48000, 38, 7), (85000, None, 10), (30000, 33, None), (None, None, None),
        (35000, 32.5, 4), (None, 60, None)]

with open("expected.ndjson", "w") as out:
    for row in ROWS:
        out.write(json.dumps(score(*row)) + "\n")
