"""Expected outputs of model.pmml from the PMML 4.4 ClusteringModel formulas alone.

cityBlock: D = adjustM * sum_{i present} w_i * c_i(x_i, y_i), with
adjustM = (number of fields) / (number of present fields) (no MissingValueWeights: q_i = 1),
w = (1.5, 1, 3, 0.25) and the compare functions
  a: absDiff  |x - y|
  b: gaussSim exp(-ln(2) * (x - y)^2 / s^2), s = 2
  c: delta    0 if x == y else 1
  d: equal    1 if x == y else 0
A missing d is replaced by 3 (MiningField missingValueReplacement). Clusters have no
id attribute: their ids are their positions "1", "2". The nearest cluster wins (the
first on ties). Writes expected.ndjson."""
import json
import math

W = [1.5, 1.0, 3.0, 0.25]
S = 2.0
CENTERS = [[1.5, 0, 2, 3], [4, 2, 5, 1]]
IDS = ["1", "2"]


def compare(i, x, y):
    if i == 0:
        return abs(x - y)
    if i == 1:
        return math.exp(-math.log(2) * (x - y) ** 2 / (S * S))
    if i == 2:
        return 0.0 if x == y else 1.0
    return 1.0 if x == y else 0.0


def score(a, b, c, d):
    if d is None:
        d = 3
    x = [a, b, c, d]
    present = [i for i in range(4) if x[i] is not None]
    adjust = 4 / len(present)
    distances = [adjust * sum(W[i] * compare(i, x[i], center[i]) for i in present) for center in CENTERS]
    best = min(range(2), key=lambda k: (distances[k], k))
    return {"values": distances, "label": IDS[best], "decision": IDS[best]}


ROWS = [(1.5, 0, 2, 3), (3, 1, 5, 1), (2, None, 2, None), (None, 2, 7, 1), (0.5, -1, 2, 4)]

with open("expected.ndjson", "w") as out:
    for row in ROWS:
        out.write(json.dumps(score(*row)) + "\n")
