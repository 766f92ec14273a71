"""Expected outputs of model.pmml from the PMML specification's NeuralNetwork
formulas alone (plain Python, no Podium code):
  * NormContinuous: a1 + (x - b1) / (b2 - b1) * (a2 - a1) on the segment that
    holds x, the end segments extended outside (outliers asIs);
  * NormDiscrete: 1 when the value equals, else 0;
  * a neuron: Z = bias + sum(weight * input), then the layer's activation
    (tanh, else the network's logistic, identity in the output layer);
  * the output layer's softmax: p_j = exp(y_j) / sum_k exp(y_k);
  * a missing input gives a missing result, except sepal_length, which the
    MiningSchema replaces by 5.8.
Writes expected.ndjson."""
import json
import math

CLASSES = ["setosa", "versicolor", "virginica"]


def norm_continuous(points, x):
    if x < points[0][0]:
        i = 0
    elif x > points[-1][0]:
        i = len(points) - 2
    else:
        i = next(k for k in range(len(points) - 1) if x <= points[k + 1][0])
    (b1, a1), (b2, a2) = points[i], points[i + 1]
    return a1 + (x - b1) / (b2 - b1) * (a2 - a1)


def neuron(bias, cons, values, activation):
    z = bias
    for source, weight in cons:
        z += weight * values[source]
    return activation(z)


def logistic(z):
    return 1 / (1 + math.exp(-z))


def identity(z):
    return z


LAYERS = [
    (math.tanh, {10: (0.25, [(0, -1.2), (1, 3.1), (2, 0.4), (3, -0.3)]),
                 11: (-0.6, [(0, 0.8), (1, -2.2), (2, 1.5)]),
                 12: (0.1, [(1, 1.7), (3, 0.9)])}),
    (logistic, {20: (-0.3, [(10, 2.4), (11, -1.1), (12, 0.7)]),
                21: (0.45, [(10, -1.9), (11, 2.6)])}),
    (identity, {30: (1.2, [(20, -3.5), (21, 2.8)]),
                31: (-0.2, [(20, 1.6), (21, 0.5)]),
                32: (-1.0, [(20, 3.9), (21, -2.7)])}),
]


def score(sepal_length, petal_width, color):
    if sepal_length is None:
        sepal_length = 5.8
    if petal_width is None or color is None:
        return {"values": [None, None, None], "label": None, "decision": None}
    values = {
        0: norm_continuous([(4.3, -1), (7.9, 1)], sepal_length),
        1: norm_continuous([(0.1, 0), (1.3, 0.5), (2.5, 1)], petal_width),
        2: 1.0 if color == "blue" else 0.0,
        3: 1.0 if color == "purple" else 0.0,
    }
    for activation, neurons in LAYERS:
        for nid, (bias, cons) in neurons.items():
            values[nid] = neuron(bias, cons, values, activation)
    y = [values[30], values[31], values[32]]
    e = [math.exp(v) for v in y]
    p = [v / sum(e) for v in e]
    label = CLASSES[p.index(max(p))]
    return {"values": p, "label": label, "decision": label}


rows = [(5.1, 0.2, "blue"), (6.0, 1.3, "purple"), (7.2, 2.3, "white"), (None, 1.0, "blue"), (4.0, 2.9, "white"),
        (5.5, None, "purple"), (6.3, 1.8, None), (8.5, 0.05, "purple")]
with open("input.csv", "w") as out:
    out.write("sepal_length,petal_width,color\n")
    for row in rows:
        out.write(",".join("" if v is None else str(v) for v in row) + "\n")
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
