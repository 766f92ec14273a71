"""Expected outputs of model.pmml from the PMML 4.4 ClusteringModel formulas alone.

jaccard: S = a11 / (a11 + a10 + a01), where a_xy counts the present fields whose row
value is x and whose center coordinate is y (binary data). A similarity whose
denominator is 0 is undefined (missing). The most similar cluster wins (the first on
ties); clusters with no similarity are not candidates. A value other than 0 or 1 is an
error (similarity measures compare binary data). Writes expected.ndjson."""
import json

IDS = ["breakfast", "party", "empty"]
CENTERS = [[1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 0]]


def score(row):
    for v in row:
        if v is not None and v not in (0, 1):
            return {"error": "compares 0/1 values", "code": "INVALID_ARGUMENT"}
    values = []
    for center in CENTERS:
        a11 = sum(1 for v, y in zip(row, center) if v == 1 and y == 1)
        a10 = sum(1 for v, y in zip(row, center) if v == 1 and y == 0)
        a01 = sum(1 for v, y in zip(row, center) if v == 0 and y == 1)
        d = a11 + a10 + a01
        values.append(a11 / d if d > 0 else None)
    candidates = [k for k in range(3) if values[k] is not None]
    if not candidates:
        return {"values": values, "label": None, "decision": None}
    best = max(candidates, key=lambda k: (values[k], -k))
    return {"values": values, "label": IDS[best], "decision": IDS[best]}


ROWS = [(1, 1, 0, 0), (1, 0, 1, 1), (0, 0, 0, 0), (1, None, 1, 0), (1, 0, 0, 1), (0, 2, 0, 0),
        (None, None, None, None)]

with open("expected.ndjson", "w") as out:
    for row in ROWS:
        out.write(json.dumps(score(row)) + "\n")
