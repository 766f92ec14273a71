"""Expected outputs of model.pmml from the PMML RuleSet semantics alone.

A rule fires when its predicate is TRUE under three-valued logic (a comparison
with a missing value is UNKNOWN, and an UNKNOWN predicate does not fire). A
CompoundRule's predicate must be TRUE for its nested rules to be tried; its
rules are visited in document order. The first RuleSelectionMethod decides:
firstHit takes the first firing rule, weightedMax the firing rule with the
highest weight (the first one among equal weights). When no rule fires, the
RuleSet's defaultScore is the prediction.

Probabilities follow the TreeModel leaf convention: a rule's ScoreDistribution
(recordCount / total), else probability 1 for its score. Classes in the
target's Value order. Writes expected.ndjson and prints the winning rule of
each row (NOTES.md)."""
import csv
import json

# The cases ../pmml_ruleset_weighted_max and ../pmml_ruleset_entity_id run this
# script with "weightedMax"; the latter also names the output holding the
# winning rule's id (entityId: missing when no rule fires).
CRITERION = globals().get("CRITERION_OVERRIDE", "firstHit")
ENTITY_OUTPUT = globals().get("ENTITY_OUTPUT_OVERRIDE")
CLASSES = ["drugA", "drugB", "drugC", "drugX", "drugY"]
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
        print("default")
        return with_entity({"values": probabilities(DEFAULT, None), "label": DEFAULT, "decision": DEFAULT}, None)
    if CRITERION == "firstHit":
        winner = fired[0]
    else:  # weightedMax: max() keeps the first of equal weights
        winner = max(fired, key=lambda r: r[3])
    print([r[0] for r in fired], "->", winner[0])
    return with_entity({"values": probabilities(winner[2], winner[4]), "label": winner[2], "decision": winner[2]},
                       winner[0])


def with_entity(expected, rule_id):
    if ENTITY_OUTPUT is not None:
        expected["outputs"] = {ENTITY_OUTPUT: rule_id}
    return expected


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
