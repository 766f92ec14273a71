"""Expected outputs of model.pmml from the PMML formulas alone.

Three classes, the target's Values in the order [blue, green, red], and one
machine per pair (classificationMethod OneAgainstOne), each
f(x) = sum_i alpha_i * exp(-gamma * ||x - v_i||^2) + b with gamma 0.5 over
x = (x1, x2). maxWins false: a machine votes for its targetCategory when
f(x) < threshold (its own threshold, else the model's 0), else for its
alternateTargetCategory. The class with the most votes wins; a tie goes to the
first category (in the target's Value order) with the most votes.

PMML defines no SVM probabilities; Podium's values are the vote shares
(votes / 3), which the import documents. A missing x2 is replaced by 0.5
(missingValueReplacement); a missing x1 gives no prediction. Prints f and the
votes of each row (NOTES.md). Writes expected.ndjson."""
import csv
import json
import math

GAMMA = 0.5
CLASSES = ["blue", "green", "red"]
VECTORS = {"v1": (0, 0), "v2": (1, 1), "v3": (2, 0), "v4": (0, 2)}
MODEL_THRESHOLD = 0.0
# (targetCategory, alternateTargetCategory, [(vector, alpha)], b, threshold)
MACHINES = [
    ("red", "green", [("v1", 1.0), ("v2", -1.0)], 0.0, None),
    ("red", "blue", [("v1", 0.8), ("v3", -1.2)], 0.1, 0.05),
    ("green", "blue", [("v2", -0.5), ("v4", 0.9)], -0.2, None),
]


def kernel(x, v):
    return math.exp(-GAMMA * sum((a - b) ** 2 for a, b in zip(x, v)))


def score(x1, x2):
    if x2 is None:
        x2 = 0.5
    if x1 is None:
        return {"values": [None, None, None], "label": None, "decision": None}
    x = (x1, x2)
    votes = {c: 0 for c in CLASSES}
    fs = []
    for target, alternate, terms, b, threshold in MACHINES:
        f = sum(alpha * kernel(x, VECTORS[v]) for v, alpha in terms) + b
        fs.append(f)
        limit = MODEL_THRESHOLD if threshold is None else threshold
        votes[target if f < limit else alternate] += 1
    best = max(votes.values())
    label = next(c for c in CLASSES if votes[c] == best)
    print(x1, x2, ["%.6f" % f for f in fs], votes, label)
    return {"values": [votes[c] / len(MACHINES) for c in CLASSES], "label": label, "decision": label}


def number(text):
    return None if text == "" else float(text)


with open("input.csv") as source, open("expected.ndjson", "w") as out:
    for record in csv.DictReader(source):
        out.write(json.dumps(score(number(record["x1"]), number(record["x2"]))) + "\n")
