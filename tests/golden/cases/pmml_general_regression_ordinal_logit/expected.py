"""Expected outputs of model.pmml from the PMML ordinalMultinomial formulas
alone: P(Y <= c_j) = F(theta_j + x.beta) with F the logistic function,
theta = (-1.5, 0.2, 1.8) for poor, fair, good; x.beta = -0.04 income
+ 0.6 [segment=business]. p_poor = F_1, p_fair = F_2 - F_1,
p_good = F_3 - F_2, p_excellent = 1 - F_3. The label is the most probable
category. At income -5000 every cumulative probability is 1 in doubles, so
only "poor" has probability. Writes expected.ndjson."""
import json
import math

THETA = [-1.5, 0.2, 1.8]
CLASSES = ["poor", "fair", "good", "excellent"]


def logistic(e):
    return 1 / (1 + math.exp(-e))


def score(income, segment):
    if income is None or segment is None:
        return {"values": [None] * 4, "label": None, "decision": None}
    xb = -0.04 * income + 0.6 * (segment == "business")
    f = [logistic(t + xb) for t in THETA]
    p = [f[0], f[1] - f[0], f[2] - f[1], 1 - f[2]]
    label = CLASSES[p.index(max(p))]
    return {"values": p, "label": label, "decision": label}


with open("expected.ndjson", "w") as out:
    for row in [(10, "retail"), (50, "business"), (100, "retail"), (-5000, "business"), (None, "retail"),
                (30, None)]:
        out.write(json.dumps(score(*row)) + "\n")
