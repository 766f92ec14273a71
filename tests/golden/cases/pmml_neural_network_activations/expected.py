"""Expected outputs of model.pmml from the PMML NeuralNetwork formulas alone.

Neuron input: Z = bias + sum_i w_i * output(i), except for radialBasis, where
Z = sum_i (output(i) - w_i)^2 / (2 * width^2) (no bias) and the output is
exp(fanIn * ln(altitude) - Z), fanIn being the neuron's number of
connections; width and altitude come from the Neuron, else its NeuralLayer,
else the NeuralNetwork (altitude default 1). Activations: sine sin(Z), cosine
cos(Z), arctan 2 * arctan(Z) / pi, identity Z.

Inputs: i1 = x1, i2 = NormContinuous of x2 (0 -> -1, 10 -> 1, so x2 / 5 - 1);
a missing x2 is replaced by 5; a missing x1 gives no prediction. Prints every
neuron of each row (NOTES.md). Writes expected.ndjson."""
import csv
import json
import math

NETWORK_ALTITUDE = 2.0


def radial(inputs, weights, width, altitude):
    z = sum((o - w) ** 2 for o, w in zip(inputs, weights)) / (2 * width * width)
    return math.exp(len(inputs) * math.log(altitude) - z)


def arctan(z):
    return 2 * math.atan(z) / math.pi


def score(x1, x2):
    if x2 is None:
        x2 = 5.0
    if x1 is None:
        return {"values": [None], "label": None, "decision": None}
    i1 = x1
    i2 = -1 + (x2 - 0) / (10 - 0) * (1 - -1)
    n1 = math.sin(0.5 + 1.2 * i1 + -0.7 * i2)
    n2 = math.sin(-0.3 + 0.4 * i1 + 0.9 * i2)
    # r3: the layer's width 1.5, the network's altitude 2; r4: its own.
    r3 = radial([n1, n2], [0.2, -0.5], 1.5, NETWORK_ALTITUDE)
    r4 = radial([n1, n2, i2], [0.6, -0.1, 0.3], 0.8, 0.5)
    a5 = arctan(0.1 + 1.5 * r3 + -2 * r4)
    a6 = arctan(-0.4 + 0.3 * r3 + 3 * r4)
    c7 = math.cos(0.2 + 1 * a5 + -0.5 * a6)
    y = 1 + 2 * c7
    print(x1, x2, "i2=%.9f n1=%.9f n2=%.9f r3=%.9f r4=%.9f a5=%.9f a6=%.9f c7=%.9f y=%.9f" %
          (i2, n1, n2, r3, r4, a5, a6, c7, y))
    return {"values": [y], "label": None, "decision": None}


def number(text):
    return None if text == "" else float(text)


with open("input.csv") as source, open("expected.ndjson", "w") as out:
    for record in csv.DictReader(source):
        out.write(json.dumps(score(number(record["x1"]), number(record["x2"]))) + "\n")
