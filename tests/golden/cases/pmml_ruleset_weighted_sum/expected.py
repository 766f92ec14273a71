"""Expected outputs of model.pmml from the PMML RuleSet semantics alone.

A rule fires when its predicate is TRUE under three-valued logic (a comparison
with a missing value is UNKNOWN, and an UNKNOWN predicate does not fire). A
CompoundRule's predicate must be TRUE for its nested rules to be tried. The
first RuleSelectionMethod, weightedSum, decides: the total weight of each class
is the sum of the weights of the firing rules that predict it (added in
document order); the class with the highest total is the prediction, and when
totals are equal the class that comes first in the target's Value list wins.
The confidence is the winner's total divided by the number of firing rules.
When no rule fires, the prediction is the RuleSet's defaultScore and the
confidence its defaultConfidence.

PMML defines no class probabilities for weightedSum: Podium's class values are
the decision, 1 for the predicted class and 0 for the others. Writes
expected.ndjson and prints each row's firing rules and class totals
(NOTES.md)."""
import csv
import json

CLASSES = ["drugA", "drugB", "drugC", "drugX", "drugY"]  # the target's Values
DEFAULT = "drugY"
DEFAULT_CONFIDENCE = 0.2


def cmp(field, op, value):
    def test(row):
        x = row[field]
        if x is None:
            return None  # UNKNOWN
        if op == "equal":
            return x == value
        if op == "greaterThan":
            return x > value
        if op == "lessOrEqual":
            return x <= value
        raise ValueError(op)
    return test


def conj(*parts):
    def test(row):
        values = [p(row) for p in parts]
        if any(v is False for v in values):
            return False
        if any(v is None for v in values):
            return None
        return True
    return test


def true(row):
    return True


# (id, predicate, score, weight) and ("compound", predicate, [rules]).
RULES = [
    ("RULE1", conj(cmp("BP", "equal", "HIGH"), cmp("K", "greaterThan", 0.045804001), cmp("Age", "lessOrEqual", 50),
                   cmp("Na", "lessOrEqual", 0.77240998)), "drugB", 0.6),
    ("compound", cmp("BP", "equal", "LOW"), [
        ("RULE2", cmp("K", "lessOrEqual", 0.05), "drugA", 0.3),
        ("compound", cmp("Age", "greaterThan", 60), [
            ("RULE3", cmp("Na", "greaterThan", 0.5), "drugC", 0.8),
        ]),
        ("RULE4", true, "drugX", 0.3),
    ]),
    ("RULE5", conj(cmp("Cholesterol", "equal", "HIGH"), cmp("K", "greaterThan", 0.06)), "drugX", 0.9),
    ("RULE6", cmp("Na", "greaterThan", 0.85), "drugA", 0.9),
]


def firing(rules, row):
    """The firing SimpleRules in document order."""
    out = []
    for rule in rules:
        if rule[0] == "compound":
            if rule[1](row) is True:
                out.extend(firing(rule[2], row))
        elif rule[1](row) is True:
            out.append(rule)
    return out


def score(row):
    fired = firing(RULES, row)
    if not fired:
        print("none fires -> default")
        label, confidence = DEFAULT, DEFAULT_CONFIDENCE
    else:
        totals = {}
        for rule in fired:
            totals[rule[2]] = totals.get(rule[2], 0.0) + rule[3]
        best = max(totals.values())
        label = next(c for c in CLASSES if totals.get(c) == best)  # the first in Value order
        confidence = best / len(fired)
        print([r[0] for r in fired], totals, "->", label, repr(confidence))
    values = [1.0 if c == label else 0.0 for c in CLASSES]
    return {"values": values, "label": label, "decision": label, "outputs": {"Confidence": confidence}}


def parse(record):
    row = {}
    for name, text in record.items():
        if text == "":
            row[name] = None
        elif name in ("K", "Age", "Na"):
            row[name] = float(text)
        else:
            row[name] = text
    return row


with open("input.csv") as source, open("expected.ndjson", "w") as out:
    for record in csv.DictReader(source):
        out.write(json.dumps(score(parse(record))) + "\n")
