"""Expected outputs of model.pmml (the PMML specification's NaiveBayesModel
example) from the specification's formula alone, in plain (not logarithmic)
arithmetic: L_k = count_k * prod_i P(x_i | k), p_k = L_k / sum_j L_j, where
  * a missing input, or a value in no PairCounts (or, for "age of car", in no
    bin of its Discretize) is skipped;
  * categorical: P(x | k) = pairCount(x, k) / sum_v pairCount(v, k), and the
    threshold 0.001 where the pair count is 0;
  * continuous: the Gaussian density of class k at x, or the threshold where
    the density is below it.
Also checks row 1 against the product written out term by term (the
specification's worked example: age 24, male, 2 claims, domicile missing, car
age 1). Writes expected.ndjson."""
import json
import math

CLASSES = ["100", "500", "1000", "5000", "10000"]
PRIORS = [8723, 2557, 1530, 709, 100]
THRESHOLD = 0.001
GAUSS = {"100": (32.006, 0.352), "500": (24.936, 0.516), "1000": (24.588, 0.635), "5000": (24.428, 0.379),
         "10000": (24.77, 0.314)}
PAIRS = {
    "gender": {"male": [4273, 1321, 780, 405, 42], "female": [4325, 1212, 742, 292, 48]},
    "no of claims": {"0": [4698, 623, 1259, 550, 40], "1": [3526, 1798, 227, 152, 40], "2": [225, 10, 9, 0, 10],
                     ">2": [112, 5, 1, 1, 8]},
    "domicile": {"suburban": [2536, 165, 516, 290, 42], "urban": [1679, 792, 511, 259, 30],
                 "rural": [2512, 1013, 442, 137, 21]},
    "age of car": {"0": [927, 183, 221, 50, 10], "1": [830, 182, 51, 26, 6], "2": [6251, 1901, 919, 623, 71]},
}


def density(mean, variance, x):
    return math.exp(-(x - mean) ** 2 / (2 * variance)) / math.sqrt(2 * math.pi * variance)


def car_bin(age):
    if age is None:
        return None
    if 0 <= age < 1:
        return "0"
    if 1 <= age < 5:
        return "1"
    if age >= 5:
        return "2"
    return None  # in no bin: skipped


def score(age, gender, claims, domicile, car_age):
    values = {"gender": gender, "no of claims": claims, "domicile": domicile, "age of car": car_bin(car_age)}
    likelihood = []
    for k, c in enumerate(CLASSES):
        l = PRIORS[k]
        if age is not None:
            l *= max(density(*GAUSS[c], age), THRESHOLD)
        for field, value in values.items():
            if value is None or value not in PAIRS[field]:
                continue
            n = PAIRS[field][value][k]
            total = sum(counts[k] for counts in PAIRS[field].values())
            l *= THRESHOLD if n == 0 else n / total
        likelihood.append(l)
    p = [l / sum(likelihood) for l in likelihood]
    label = CLASSES[p.index(max(p))]
    return {"values": p, "label": label, "decision": label}


# Row 1 written out: the density of class 100 at 24 (mean 32.006) is below the
# threshold; class 5000 has no claims-2 count.
l = [8723 * 0.001 * 4273 / 8598 * 225 / 8561 * 830 / 8008,
     2557 * density(24.936, 0.516, 24) * 1321 / 2533 * 10 / 2436 * 182 / 2266,
     1530 * density(24.588, 0.635, 24) * 780 / 1522 * 9 / 1496 * 51 / 1191,
     709 * density(24.428, 0.379, 24) * 405 / 697 * 0.001 * 26 / 699,
     100 * density(24.770, 0.314, 24) * 42 / 90 * 10 / 98 * 6 / 87]
first = score(24, "male", "2", None, 1)["values"]
assert all(abs(a - b / sum(l)) < 1e-15 for a, b in zip(first, l)), (first, l)

rows = [(24, "male", "2", None, 1), (32, "female", "0", "suburban", 0.5), (25, "male", ">2", "urban", 7),
        (None, None, None, None, None), (24.5, "female", "1", "rural", -3), (None, "male", "2", "urban", 4.99)]
with open("expected.ndjson", "w") as out:
    for row in rows:
        out.write(json.dumps(score(*row)) + "\n")
