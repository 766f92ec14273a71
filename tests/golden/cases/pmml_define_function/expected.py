"""Expected outputs of model.pmml from PMML 4.4's definitions alone.

Applying a DefineFunction substitutes the arguments for its ParameterFields in
its body. Built-ins: median of the present arguments (missing ones ignored;
the mean of the two middle values of an even number; none present: missing);
modulo(x, y) = x - y * floor(x / y); rint: the nearest integer, halves to the
even one; if(c, t) is t when c is true and missing otherwise (a missing c
included); equal/greaterThan are missing when an argument is; arithmetic of a
missing value is missing. Apply defaultValue replaces a missing result. The
RegressionModel adds intercept and coefficient * value of each
NumericPredictor; a missing value makes the prediction missing.
Writes expected.ndjson and prints each row's derived fields (NOTES.md)."""
import csv
import json
import math


def median(*values):
    present = sorted(v for v in values if v is not None)
    n = len(present)
    if n == 0:
        return None
    if n % 2 == 1:
        return present[n // 2]
    return (present[n // 2 - 1] + present[n // 2]) / 2


def modulo(x, y):
    if x is None or y is None:
        return None
    return x - y * math.floor(x / y)


def rint(x):
    if x is None:
        return None
    return float(round(x))  # Python rounds halves to even


def gap(p, q):
    if p is None or q is None:
        return None
    return (p - q) / 2


def default(value, fallback):
    return fallback if value is None else value


def derived(a, b, c, region):
    m = median(a, b, c)
    w = modulo(a, 3)
    g = gap(median(a, b, c), modulo(a, 3))
    s = 0 if region is None else (1 if region == "south" else 0)
    r = default(rint(b), 0)
    pos = default(c if (c is not None and c > 0) else None, 0)
    return {"m": m, "w": w, "g": g, "s": s, "r": r, "pos": pos}


COEFFICIENTS = {"m": 1, "w": 2, "g": 0.5, "s": 10, "r": 0.25, "pos": 3}


def main():
    out = []
    with open("input.csv", newline="") as f:
        for row in csv.DictReader(f):
            def number(name):
                return float(row[name]) if row[name] else None
            d = derived(number("a"), number("b"), number("c"), row["region"] or None)
            if any(v is None for v in d.values()):
                y = None
            else:
                y = 1 + sum(COEFFICIENTS[k] * d[k] for k in COEFFICIENTS)
            print(row, d, y)
            out.append({"values": [y], "label": None, "decision": None})
    with open("expected.ndjson", "w") as f:
        for record in out:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
