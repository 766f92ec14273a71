"""Expected outputs of model.pmml from PMML's semantics alone. With
mathContext="float" every value and every constant of a comparison is a
single-precision float: x <= 0.1 is float(x) <= float(0.1) and z == 0.3 is
float(z) == float(0.3). A missing x takes the isMissing child; a comparison
with a missing value is FALSE (missingValueStrategy none), so the next
child (<True/>) is taken. Writes expected.ndjson."""
import csv
import json
import struct


def f32(v):
    # Round to the nearest single-precision float; beyond its range the
    # result is an infinity, as a float conversion gives.
    if abs(v) > 3.4028235677973366e38:
        return float("inf") if v > 0 else float("-inf")
    return struct.unpack("f", struct.pack("f", v))[0]


def score(x, z):
    if x is None:
        return 1.0
    if f32(x) <= f32(0.1):
        if z is not None and f32(z) == f32(0.3):
            return 4.0
        return 5.0
    return 3.0


with open("input.csv", encoding="utf-8") as f, open("expected.ndjson", "w", encoding="utf-8") as out:
    for row in csv.DictReader(f):
        x = float(row["x"]) if row["x"] else None
        z = float(row["z"]) if row["z"] else None
        out.write(json.dumps({"values": [score(x, z)], "label": None, "decision": None}) + "\n")
