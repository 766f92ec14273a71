"""Expected outputs of model.pmml from the PMML MiningModel, RegressionModel and TreeModel semantics alone.

average (classification): each class's probability is the mean of that class's
probability over the Segments whose predicate is TRUE (a comparison with a
missing value is UNKNOWN and does not select). The predicted class is the most
probable one. RegressionModel softmax: p_k = exp(eta_k) / sum_j exp(eta_j).
TreeModel: the leaf reached (the first child whose predicate is TRUE); its
probabilities are the ScoreDistribution recordCounts over their total.
Classes in the target's Value order: low, medium, high. Writes expected.ndjson."""
import csv
import json
import math

CLASSES = ["low", "medium", "high"]


def distribution(counts):
    total = sum(counts)
    return [c / total for c in counts]


def softmax(x1, x2):
    etas = [0.5 - x1, 0.5 * x2, -0.5 + x1 + 0.25 * x2]
    top = max(etas)
    exps = [math.exp(e - top) for e in etas]
    return [e / sum(exps) for e in exps]


def tree(x1):
    return distribution([60, 30, 10]) if x1 < 0 else distribution([10, 20, 70])


def retail(x2):
    return distribution([80, 15, 5]) if x2 <= 2 else distribution([20, 50, 30])


with open("input.csv", newline="") as source, open("expected.ndjson", "w") as out:
    for raw in csv.DictReader(source):
        x1, x2 = float(raw["x1"]), float(raw["x2"])
        selected = [softmax(x1, x2), tree(x1)]
        if raw["channel"] == "retail":
            selected.append(retail(x2))
        p = [sum(s[k] for s in selected) / len(selected) for k in range(3)]
        label = CLASSES[p.index(max(p))]
        out.write(json.dumps({"values": p, "label": label, "decision": label}) + "\n")
        print(raw, [[round(v, 6) for v in s] for s in selected], p, label)
