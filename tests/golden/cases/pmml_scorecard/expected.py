"""Expected outputs of model.pmml from the PMML Scorecard formulas alone:
score = initialScore + sum over Characteristics of the partialScore of the
first Attribute whose predicate is TRUE (a comparison with a missing value is
UNKNOWN, not TRUE); a Characteristic where no Attribute holds makes PMML's
result invalid, which Podium gives as a missing prediction. Then Targets:
2 * score + 100.
Reason codes (pointsBelow): each Characteristic's points are its
baselineScore - partial score, under its reason code (RC1, RC2, RC3); the
codes with positive points are the reasons, largest first, ties to the code
that appears first; an invalid result has none. Podium's contributions are
-2 * points (coefficient -1 times the rescale factor 2) on the columns
pointsBelow:RC1..RC3; the bias is 2 * (0.5 + 19 + 18 + 10) + 100.
Writes expected.ndjson."""
import json

BASELINES = {"departmentScore": 19.0, "ageScore": 18.0, "incomeScore": 10.0}
CODES = {"departmentScore": "RC1", "ageScore": "RC2", "incomeScore": "RC3"}
ORDER = ["RC1", "RC2", "RC3"]  # first appearance in the document


def department(d):
    if d is None:
        return -9.0
    if d == "marketing":
        return 19.0
    if d == "engineering":
        return 3.0
    if d in ("business", "customer service"):
        return 6.0
    return None  # no Attribute holds


def age(a):
    if a is None:
        return -1.0
    if a <= 18:
        return -3.0
    if 18 < a <= 29:
        return 0.0
    if 29 < a <= 39:
        return 12.0
    return 18.0


def income(i):
    if i is None:
        return 3.0
    if i <= 1000:
        return 26.0
    if 1000 < i <= 2500:
        return 15 - i / 100
    return -3.0


def score(d, a, i):
    partial = {"departmentScore": department(d), "ageScore": age(a), "incomeScore": income(i)}
    bias = 2 * (0.5 + sum(BASELINES.values())) + 100
    points = {CODES[k]: (None if v is None else BASELINES[k] - v) for k, v in partial.items()}
    contributions = {"pointsBelow:" + c: (None if p is None else -2 * p) for c, p in points.items()}
    contributions["bias"] = bias
    if any(v is None for v in partial.values()):
        return {"values": [None], "label": None, "decision": None, "contributions": contributions, "reasons": []}
    total = 0.5 + sum(partial.values())
    reasons = sorted((c for c in ORDER if points[c] > 0), key=lambda c: (-points[c], ORDER.index(c)))
    return {"values": [2 * total + 100], "label": None, "decision": None, "contributions": contributions,
            "reasons": reasons}


rows = [("engineering", 25, 500), ("marketing", 35, 1500), ("customer service", 45, 3000), (None, 17, None),
        ("business", None, 2500), ("sales", 30, 800), ("engineering", 40, 1000.5)]
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
