"""Expected outputs of model.pmml from the PMML RuleSet semantics alone.

A rule fires when its predicate is TRUE under three-valued logic (a comparison
with a missing value is UNKNOWN, and an UNKNOWN predicate does not fire). A
CompoundRule's predicate must be TRUE for its nested rules to be tried. The
first RuleSelectionMethod, weightedMax, decides: the firing rule with the
highest weight, the first in document order among equal weights. Its score is
the prediction and its id the entityId output; when no rule fires the
prediction is the defaultScore and no rule gave it (entityId missing).

Probabilities follow the TreeModel leaf convention: the winning rule's
ScoreDistribution (recordCount / total), else probability 1 for its score.
Writes expected.ndjson and prints each row's firing rules and winner
(NOTES.md)."""
import csv
import json

CLASSES = ["drugA", "drugB", "drugC", "drugX", "drugY"]  # the target's Values
DEFAULT = "drugY"


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


# (id, predicate, score, weight, distribution) and ("compound", predicate, [rules]).
RULES = [
    ("RULE1", conj(cmp("BP", "equal", "HIGH"), cmp("K", "greaterThan", 0.045804001), cmp("Age", "lessOrEqual", 50),
                   cmp("Na", "lessOrEqual", 0.77240998)), "drugB", 0.6, None),
    ("compound", cmp("BP", "equal", "LOW"), [
        ("RULE2", cmp("K", "lessOrEqual", 0.05), "drugA", 0.3, {"drugA": 30, "drugC": 10}),
        ("compound", cmp("Age", "greaterThan", 60), [
            ("RULE3", cmp("Na", "greaterThan", 0.5), "drugC", 0.8, None),
        ]),
        ("RULE4", true, "drugX", 0.3, None),
    ]),
    ("RULE5", conj(cmp("Cholesterol", "equal", "HIGH"), cmp("K", "greaterThan", 0.06)), "drugX", 0.9, None),
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


def probabilities(score, distribution):
    if distribution is None:
        return [1.0 if c == score else 0.0 for c in CLASSES]
    total = sum(distribution.values())
    return [distribution.get(c, 0) / total for c in CLASSES]


def score(row):
    fired = firing(RULES, row)
    if not fired:
        print("none fires -> default")
        return {"values": probabilities(DEFAULT, None), "label": DEFAULT, "decision": DEFAULT,
                "outputs": {"Rule": None}}
    winner = max(fired, key=lambda r: r[3])  # max() keeps the first of equal weights
    print([r[0] for r in fired], "->", winner[0])
    return {"values": probabilities(winner[2], winner[4]), "label": winner[2], "decision": winner[2],
            "outputs": {"Rule": winner[0]}}


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
