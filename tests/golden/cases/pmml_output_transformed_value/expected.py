# Writes expected.ndjson from PMML 4.4's semantics alone (standard library only):
#   RegressionModel: premium = 100 + 12.5 age + 0.02 vehicle_value + 150.3 [region = south],
#     missing when an input is missing.
#   Targets: min and max clamp the prediction, then castInteger="round" rounds it to the
#     nearest integer, halves toward +infinity (the built-in round).
#   Output: the transformedValue fields, in document order, over the predicted value.
import csv
import json
import math


def number(text):
    return None if text == "" else float(text)


def round_half_up(x):
    return math.floor(x) + (1 if x - math.floor(x) >= 0.5 else 0)


def score(row):
    age, value, region = number(row["age"]), number(row["vehicle_value"]), row["region"]
    if age is None or value is None or region == "":
        return None
    raw = 100 + 12.5 * age + 0.02 * value + (150.3 if region == "south" else 0.0)
    return float(round_half_up(min(max(raw, 300.0), 1500.0)))


def outputs(row, premium):
    if premium is None:
        return {"Monthly": None, "Band": None, "Surcharge": None, "Flagged": None}
    monthly = premium / 12
    band = 3 if premium >= 1000 else (2 if premium >= 600 else 1)
    age = number(row["age"])
    flagged = None if age is None else (1 if age > 60 and premium > 1000 else 0)
    return {"Monthly": monthly, "Band": band, "Surcharge": monthly * 0.1, "Flagged": flagged}


with open("input.csv", newline="") as source, open("expected.ndjson", "w") as out:
    for row in csv.DictReader(source):
        premium = score(row)
        line = {"values": [premium], "label": None, "decision": None, "outputs": outputs(row, premium)}
        out.write(json.dumps(line) + "\n")
