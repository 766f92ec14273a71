"""Expected outputs of model.pmml from PMML 4.4's definitions alone.

MiningField outliers: a value below lowValue or above highValue is an
outlier. asExtremeValues sets it to that bound; asMissingValues treats it as
a missing value, which missingValueReplacement then replaces (a missing value
is replaced, never itself treated as an outlier). A float field holds its
value in IEEE single precision (round to nearest, ties to even). The
RegressionModel adds intercept and coefficient * value of each
NumericPredictor; a missing value makes the prediction missing.
Writes expected.ndjson."""
import csv
import json
import struct


def to_float(x):
    return struct.unpack('f', struct.pack('f', x))[0]


def treat(value, low, high, how, replacement):
    if value is None:
        return replacement
    if (low is not None and value < low) or (high is not None and value > high):
        if how == 'asExtremeValues':
            return low if value < low else high
        return replacement
    return value


def number(text):
    return None if text == '' else float(text)


rows = []
with open('input.csv', newline='') as f:
    for row in csv.DictReader(f):
        fv = number(row['f'])
        fv = None if fv is None else to_float(fv)
        c = treat(number(row['c']), -1.0, 10.0, 'asExtremeValues', 50.0)
        m = treat(number(row['m']), 0.0, 100.0, 'asMissingValues', 7.0)
        n = treat(number(row['n']), None, 5.0, 'asMissingValues', None)
        terms = [fv, c, m, n]
        if any(t is None for t in terms):
            value = None
        else:
            value = 0.5 + 1 * fv + 1000 * c + 1000000 * m + 0.001 * n
        rows.append({"values": [value], "label": None, "decision": None})

with open('expected.ndjson', 'w') as out:
    for row in rows:
        out.write(json.dumps(row) + '\n')
for row in rows:
    print(row["values"][0])
