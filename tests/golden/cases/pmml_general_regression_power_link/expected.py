"""Expected outputs of model.pmml from the PMML formulas alone:
eta = 0.4 + 0.05 load + 0.3 [shift=night] + 0.1 (offsetValue);
mu = eta^(1/a) with a = linkParameter = 2 (PMML's inverse power link: the
square root); prediction = 100 mu + 5 (Targets). A negative eta to the power
0.5 has no value (missing), as does a missing input. Writes expected.ndjson."""
import json
import math

A = 2.0


def score(load, shift):
    if load is None or shift is None:
        return {"values": [None], "label": None, "decision": None}
    eta = 0.4 + 0.05 * load + 0.3 * (shift == "night") + 0.1
    if eta < 0:
        return {"values": [None], "label": None, "decision": None}  # pow of a negative: NaN
    return {"values": [100 * math.pow(eta, 1 / A) + 5], "label": None, "decision": None}


with open("expected.ndjson", "w") as out:
    for row in [(10, "day"), (10, "night"), (-30, "day"), (0, "night"), (None, "day"), (5, None)]:
        out.write(json.dumps(score(*row)) + "\n")
