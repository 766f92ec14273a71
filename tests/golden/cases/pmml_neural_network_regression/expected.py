"""Expected outputs of model.pmml from the PMML specification's NeuralNetwork
formulas alone (plain Python, no Podium code):
  * NormContinuous: a1 + (x - b1) / (b2 - b1) * (a2 - a1) on the segment that
    holds x, the end segments extended outside (outliers asIs);
  * a neuron: Z = bias + sum(weight * input), then its layer's activation:
    logistic 1 / (1 + exp(-Z)) (the network's), Elliott Z / (1 + |Z|),
    identity in the output layer;
  * the output neuron's value y is the normalised target, so the prediction is
    the inverse of the target's NormContinuous: 500 + y * (4500 - 500);
  * Targets: prediction * 1.5 - 20;
  * a missing input gives a missing result, except tenure, which the
    MiningSchema replaces by 3.
Writes input.csv and expected.ndjson."""
import json
import math


def norm_continuous(points, x):
    if x < points[0][0]:
        i = 0
    elif x > points[-1][0]:
        i = len(points) - 2
    else:
        i = next(k for k in range(len(points) - 1) if x <= points[k + 1][0])
    (b1, a1), (b2, a2) = points[i], points[i + 1]
    return a1 + (x - b1) / (b2 - b1) * (a2 - a1)


def logistic(z):
    return 1 / (1 + math.exp(-z))


def elliott(z):
    return z / (1 + abs(z))


def identity(z):
    return z


LAYERS = [
    (logistic, {"h1": (-0.4, [("age_n", 2.1), ("income_n", -1.3), ("tenure_n", 0.05)]),
                "h2": (0.8, [("age_n", -1.7), ("income_n", 0.9)]),
                "h3": (0.0, [("income_n", 2.5), ("tenure_n", -0.2)])}),
    (elliott, {"g1": (0.3, [("h1", 1.8), ("h2", -2.2), ("h3", 0.6)]),
               "g2": (-0.5, [("h1", -0.9), ("h3", 1.4)])}),
    (identity, {"out": (0.35, [("g1", 0.45), ("g2", -0.3)])}),
]


def score(age, income, tenure):
    if tenure is None:
        tenure = 3
    if age is None or income is None:
        return {"values": [None], "label": None, "decision": None}
    values = {
        "age_n": norm_continuous([(18, 0), (40, 0.6), (80, 1)], age),
        "income_n": norm_continuous([(0, -1), (200000, 1)], income),
        "tenure_n": tenure,
    }
    for activation, neurons in LAYERS:
        for nid, (bias, cons) in neurons.items():
            z = bias
            for source, weight in cons:
                z += weight * values[source]
            values[nid] = activation(z)
    claim = 500 + values["out"] * (4500 - 500)
    return {"values": [claim * 1.5 - 20], "label": None, "decision": None}


rows = [(25, 40000, 2), (40, 90000, 10), (63.5, 150000, 0), (17, 250000, 1), (90, 0, None), (None, 50000, 4),
        (30, None, 5), (55, 120000, 25)]
with open("input.csv", "w") as out:
    out.write("age,income,tenure\n")
    for row in rows:
        out.write(",".join("" if v is None else str(v) for v in row) + "\n")
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
