"""Expected outputs of model.pmml from the PMML formulas alone:
P(low) = Phi(0.3 - 0.5 score - 0.25 [member=true]), P(high) = 1 - P(low)
(Phi the standard normal CDF). The importer's classes are [high, low] (the
binomial GLM's second class gets the inverse link), so values are
[P(high), P(low)]. The label is the more probable class. Writes expected.ndjson."""
import json
import math


def phi(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def score(s, member):
    if s is None or member is None:
        return {"values": [None, None], "label": None, "decision": None}
    p_low = phi(0.3 - 0.5 * s - 0.25 * (member == "true"))
    label = "low" if p_low >= 0.5 else "high"
    return {"values": [1.0 - p_low, p_low], "label": label, "decision": label}


with open("expected.ndjson", "w") as out:
    for row in [(0, "false"), (1, "true"), (-2, "false"), (0.1, "false"), (None, "true"), (1, None)]:
        out.write(json.dumps(score(*row)) + "\n")
