"""Expected outputs of model.pmml from the PMML MiningModel (modelChain) semantics alone.

modelChain: Segments run in order; an OutputField of a Segment's model is a field
that later Segments read (missing when its Segment is not selected). The
result is that of the last Segment whose predicate is TRUE among those of the
MiningModel's function (regression); the classifier only feeds later
segments. A comparison with a missing value is UNKNOWN and selects nothing.

churn: RegressionModel logit: p(yes) = 1 / (1 + exp(-(1 - 0.5 tenure))),
p(no) = 1 - p(yes); the predicted class is the more probable (yes on a tie,
the first class). exposure: nested MiningModel sum of a TreeModel (balance <
1000: 10, else 50; a missing balance takes the default child, low: 10) and
100 * p_churn. churner (churn_class == yes): exposure + 0.1 balance.
stayer (p_churn < 0.2): 0.5 exposure - 5. Writes expected.ndjson."""
import csv
import json
import math


def run(balance, tenure):
    if tenure is None:
        p = None
    else:
        p = 1 / (1 + math.exp(-(1 - 0.5 * tenure)))
    churn_class = None if p is None else ("yes" if p >= 1 - p else "no")
    tree = 10 if balance is None or balance < 1000 else 50
    exposure = None if p is None else tree + 100 * p
    result = None  # the last regression segment selected
    # exposure itself is a regression segment, always selected.
    result = exposure
    if churn_class == "yes":
        result = None if exposure is None or balance is None else exposure + 0.1 * balance
    if p is not None and p < 0.2:
        result = 0.5 * exposure - 5
    return p, churn_class, exposure, result


with open("input.csv", newline="") as source, open("expected.ndjson", "w") as out:
    for raw in csv.DictReader(source):
        balance = None if raw["balance"] == "" else float(raw["balance"])
        tenure = None if raw["tenure"] == "" else float(raw["tenure"])
        p, churn_class, exposure, result = run(balance, tenure)
        out.write(json.dumps({"values": [result], "label": None, "decision": None}) + "\n")
        print(raw, p, churn_class, exposure, result)
