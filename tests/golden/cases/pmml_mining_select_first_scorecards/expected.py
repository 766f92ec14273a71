"""Expected outputs of model.pmml from the PMML MiningModel and Scorecard semantics alone.

selectFirst: the result is the first Segment whose predicate is TRUE. A
comparison with a missing value is UNKNOWN, which selects nothing; a
CompoundPredicate "and" is FALSE if a part is FALSE, else UNKNOWN if a part is
UNKNOWN. Scorecard: initialScore plus, per Characteristic, the partialScore of
its first Attribute whose predicate is TRUE. RegressionModel: intercept plus
coefficient * income plus, per CategoricalPredictor, coefficient * (region ==
value); a missing income makes the prediction missing. The MiningModel's
Targets rescale the result: 2 * y + 300. Writes expected.ndjson."""
import csv
import json


def num(text):
    return None if text == "" else float(text)


def cat(text):
    return None if text == "" else text


def equal(x, value):
    return None if x is None else x == value


def is_in(x, values):
    return None if x is None else x in values


def conj(*parts):
    if any(p is False for p in parts):
        return False
    if any(p is None for p in parts):
        return None
    return True


def less(x, v):
    return None if x is None else x < v


def scorecard(initial, characteristics):
    total = initial
    for attributes in characteristics:
        for predicate, points in attributes:
            if predicate is True:
                total += points
                break
        else:
            return None
    return total


def mortgage(row):
    age, income = row["age"], row["income"]
    return scorecard(100, [
        [(age is None, -5), (less(age, 30), 10), (None if age is None else age >= 30, 25)],
        [(income is None, 0), (None if income is None else income <= 2000, 5),
         (None if income is None else income > 2000, 40)],
    ])


def card_north_east(row):
    if row["income"] is None:
        return None
    region = row["region"]
    return 50 + 0.01 * row["income"] + 7 * (region == "north") - 3 * (region == "east")


def fallback(row):
    age = row["age"]
    return scorecard(60, [[(age is None, 0), (less(age, 25), -10), (True, 15)]])


SEGMENTS = [
    (lambda row: equal(row["product"], "mortgage"), mortgage),
    (lambda row: conj(equal(row["product"], "card"), is_in(row["region"], ["north", "east"])), card_north_east),
    (lambda row: True, fallback),
]


def predict(row):
    for predicate, model in SEGMENTS:
        if predicate(row) is True:
            y = model(row)
            return None if y is None else 2 * y + 300
    return None


with open("input.csv", newline="") as source, open("expected.ndjson", "w") as out:
    for raw in csv.DictReader(source):
        row = {"product": cat(raw["product"]), "region": cat(raw["region"]), "age": num(raw["age"]),
               "income": num(raw["income"])}
        value = predict(row)
        out.write(json.dumps({"values": [value], "label": None, "decision": None}) + "\n")
        print(raw, value)
