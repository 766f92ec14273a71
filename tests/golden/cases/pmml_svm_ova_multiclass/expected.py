"""Expected outputs of model.pmml from the PMML formulas alone.

Three classes, the target's Values in the order [blue, green, red], and one
machine per class (classificationMethod OneAgainstAll) in the document order
green, red, blue, each f(x) = sum_i alpha_i * (gamma * <x, v_i> + coef0)^degree
+ b with the polynomial kernel gamma 1, coef0 0, degree 2 over x = (x1, x2).
maxWins true: the machine with the largest f(x) names the predicted class
(its targetCategory). PMML leaves ties open; Podium gives them to the first
such machine in document order, which this script does too.

PMML defines no SVM probabilities; Podium's values are 1 for the winning
class and 0 for the others. A missing input gives no prediction. Prints f for
each row (NOTES.md). Writes expected.ndjson."""
import csv
import json

GAMMA, COEF0, DEGREE = 1.0, 0.0, 2
CLASSES = ["blue", "green", "red"]
# (targetCategory, [(support vector, alpha)], b), in document order.
MACHINES = [
    ("green", [((1, 0), 1.0)], 0.0),
    ("red", [((0, 1), 1.0)], 0.0),
    ("blue", [((1, 1), 0.5)], 0.0),
]


def kernel(x, v):
    return (GAMMA * sum(a * b for a, b in zip(x, v)) + COEF0) ** DEGREE


def score(x1, x2):
    if x1 is None or x2 is None:
        return {"values": [None, None, None], "label": None, "decision": None}
    fs = [sum(alpha * kernel((x1, x2), v) for v, alpha in terms) + b for _, terms, b in MACHINES]
    best = max(fs)
    label = MACHINES[fs.index(best)][0]  # index() finds the first machine with the largest f
    print(x1, x2, fs, label)
    return {"values": [1.0 if c == label else 0.0 for c in CLASSES], "label": label, "decision": label}


def number(text):
    return None if text == "" else float(text)


with open("input.csv") as source, open("expected.ndjson", "w") as out:
    for record in csv.DictReader(source):
        out.write(json.dumps(score(number(record["x1"]), number(record["x2"]))) + "\n")
