"""Expected outputs of model.pmml from the PMML formulas alone.
zone = MapValues(region): n -> cold, s and e -> warm, w (no row, no
defaultValue) -> missing; a missing region gives a missing zone.
Predicates are three-valued: a comparison with a missing value is UNKNOWN;
an Attribute scores only when its predicate is TRUE.
  zoneScore: zone == cold -> 10; zone in (warm) -> 5; True -> 0.
  scoreBand: surrogate(score < 0.5, zone == cold) -> 7 (the first part that
             is not UNKNOWN decides); xor(score >= 2, zone == warm) -> 3
             (UNKNOWN if either part is); zone is not missing -> 1; else no
             Attribute holds: PMML's result is invalid, a missing prediction in
             Podium.
score = 20 + zoneScore + scoreBand. Reason codes (pointsAbove): each
Characteristic's points are partial score - 4 (the Scorecard's
baselineScore), summed per reason code (Z for zoneScore, S for scoreBand);
the codes with positive points are the reasons, largest first, ties to the
code that appears first (Z). An invalid result has none. Podium's
contributions are those points (columns pointsAbove:Z and pointsAbove:S);
bias 20 + 4 + 4. Writes expected.ndjson."""
import json

ZONE = {"n": "cold", "s": "warm", "e": "warm"}


def lt(a, b):
    return None if a is None else a < b


def ge(a, b):
    return None if a is None else a >= b


def eq(a, b):
    return None if a is None else a == b


def xor(a, b):
    return None if a is None or b is None else a != b


def surrogate(*parts):
    for p in parts:
        if p is not None:
            return p
    return None


def score(region, s):
    zone = ZONE.get(region) if region is not None else None
    if eq(zone, "cold") is True:
        z = 10
    elif eq(zone, "warm") is True:
        z = 5
    else:
        z = 0
    if surrogate(lt(s, 0.5), eq(zone, "cold")) is True:
        b = 7
    elif xor(ge(s, 2), eq(zone, "warm")) is True:
        b = 3
    elif zone is not None:
        b = 1
    else:
        b = None
    points = {"Z": z - 4, "S": None if b is None else b - 4}
    contributions = {"pointsAbove:Z": points["Z"], "pointsAbove:S": points["S"], "bias": 28}
    value = None if b is None else 20 + z + b
    reasons = []
    if value is not None:
        order = ["Z", "S"]  # document order breaks ties
        ranked = sorted((code for code in order if points[code] > 0), key=lambda c: (-points[c], order.index(c)))
        reasons = list(ranked)
    return {"values": [value], "label": None, "decision": None, "contributions": contributions, "reasons": reasons}


rows = [("n", 0.2), ("n", 3), ("s", 3), ("s", 1), ("w", 1), ("e", None), (None, 0.1), (None, 5), ("w", None)]
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
