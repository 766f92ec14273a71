"""Expected outputs of model.pmml from the PMML MiningModel semantics alone.

Only Segments whose predicate is TRUE take part (a comparison with a missing
value is UNKNOWN and does not select). median: the median of the selected
segments' predictions, the mean of the two middle values when their number is
even; max: the largest prediction. A missing prediction of a selected segment
makes the result missing. RegressionModel: intercept + coefficient * x, with
normalizationMethod exp: exp of that. TreeModel: the first child whose
predicate is TRUE; none (x missing): the last prediction, the root's score.
Writes expected.ndjson."""
import csv
import json
import math


def line(x):
    return None if x is None else 1 + 2 * x


def tree(x):
    if x is None:
        return 0.0
    return 4.0 if x < 3 else 12.0


def max_model(x):
    if x is None:
        return None
    return max(10 - x, math.exp(0.5 * x))


def median(values):
    if not values or any(v is None for v in values):
        return None
    values = sorted(values)
    n = len(values)
    if n % 2 == 1:
        return values[n // 2]
    return (values[n // 2 - 1] + values[n // 2]) / 2


def predict(x, z):
    values = [line(x)]
    if x is not None and x > 0:
        values.append(tree(x))
    values.append(max_model(x))
    if z is not None and z == "b":
        values.append(5.0)
    return median(values), values


with open("input.csv", newline="") as source, open("expected.ndjson", "w") as out:
    for raw in csv.DictReader(source):
        x = None if raw["x"] in ("", '""') else float(raw["x"])
        z = None if raw["z"] in ("", '""') else raw["z"]
        value, values = predict(x, z)
        out.write(json.dumps({"values": [value], "label": None, "decision": None}) + "\n")
        print(raw, values, value)
