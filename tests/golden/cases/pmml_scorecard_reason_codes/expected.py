"""Expected outputs of model.pmml from the PMML Scorecard formulas alone.
Score = initialScore (0) + per Characteristic the partialScore of the first
Attribute whose predicate is TRUE (a comparison with a missing value is
UNKNOWN). Reason codes (pointsBelow): per Characteristic, baselineScore -
partial score, credited to the matched Attribute's reasonCode, else its
Characteristic's; points of one code are summed; the codes with positive
points are the reasons, largest first, ties to the code that appears first in
the document. No matching Attribute: an invalid result (missing prediction,
no reasons). Podium's contributions: -1 * points on the column
pointsBelow:<code> (0 for codes not matched); bias 0 + 19 + 18 + 10.
Writes expected.ndjson."""
import json

ORDER = ["RC1", "RC2_1", "RC2_2", "RC2_3", "RC2_4", "RC2_5", "RC3"]
BASELINE = {"department": 19.0, "age": 18.0, "income": 10.0}


def department(d):
    if d is None:
        return -9.0, "RC1"
    table = {"marketing": 19.0, "engineering": 3.0, "business": 6.0}
    return (table[d], "RC1") if d in table else (None, None)


def age(a):
    if a is None:
        return -1.0, "RC2_1"
    if a <= 18:
        return -3.0, "RC2_2"
    if 18 < a <= 29:
        return 0.0, "RC2_3"
    if 29 < a <= 39:
        return 12.0, "RC2_4"
    return 18.0, "RC2_5"


def income(i):
    if i is None:
        return 5.0, "RC3"
    if i <= 1000:
        return 26.0, "RC3"
    if 1000 < i <= 2500:
        return 5.0, "RC3"
    return -3.0, "RC3"


def score(d, a, i):
    matched = {"department": department(d), "age": age(a), "income": income(i)}
    points = {code: 0.0 for code in ORDER}
    invalid = False
    for name, (partial, code) in matched.items():
        if partial is None:
            invalid = True
            continue
        points[code] += BASELINE[name] - partial
    contributions = {"pointsBelow:" + c: -points[c] for c in ORDER}
    if invalid:
        contributions["pointsBelow:RC1"] = None  # the column of the unmatched Characteristic
        return {"values": [None], "label": None, "decision": None, "contributions": contributions | {"bias": 47.0},
                "reasons": []}
    contributions["bias"] = 47.0
    total = sum(partial for partial, _ in matched.values())
    reasons = sorted((c for c in ORDER if points[c] > 0), key=lambda c: (-points[c], ORDER.index(c)))
    return {"values": [total], "label": None, "decision": None, "contributions": contributions, "reasons": reasons}


rows = [("engineering", 25, 500.0), ("marketing", 35, 1500.0), ("business", 17, None), (None, None, 3000.0),
        ("engineering", 45, 2000.0), ("sales", 30, 800.0)]
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
