"""Expected outputs of model.pmml from the PMML built-in string functions alone.

Functions (PMML 4.4 built-ins, after XQuery): trimBlanks removes leading and
trailing blanks; uppercase/lowercase change the case of letters; substring(s,
start, length) takes `length` characters from the 1-based position `start`;
replace(s, pattern, replacement) replaces every match of the regular
expression; concat joins its arguments; matches(s, pattern) is true when some
part of s matches; stringLength counts characters. A function of a missing
value is missing. The RegressionModel adds intercept, coefficient * value of
each NumericPredictor (a boolean field as 1/0) and the coefficient of each
CategoricalPredictor whose field equals its value; a missing field makes the
prediction missing. A value that is not one of a field's Values is invalid
(invalidValueTreatment returnInvalid, the default): the row is refused.
Writes expected.ndjson and prints each row's derived fields (NOTES.md)."""
import csv
import json
import re

CODES = [" ab-12", "AB-7 ", "cd-3", "Ef-100", "zz"]
REGIONS = ["north", "South", "east"]


def derived(code, region):
    if code is None:
        clean = prefix = number_part = ends = length = None
    else:
        clean = code.strip(" ").upper()
        prefix = clean[0:0 + 2]
        number_part = re.sub("[A-Z]+-", "", clean)
        ends = 1 if re.search("[0-9]$", clean) else 0
        length = len(number_part)
    if region is None or prefix is None:
        region_key = None
    else:
        region_key = region.lower() + "/" + prefix
    return {"code_clean": clean, "prefix": prefix, "number_part": number_part,
            "region_key": region_key, "ends_in_digit": ends, "number_length": length}


def score(d):
    if any(v is None for v in d.values()):
        return None
    return (1 + 3 * d["ends_in_digit"] + 0.25 * d["number_length"]
            + 10 * (d["prefix"] == "AB") + 20 * (d["prefix"] == "CD")
            + 0.5 * (d["number_part"] == "100")
            + 100 * (d["region_key"] == "south/AB") + 200 * (d["region_key"] == "east/EF"))


def main():
    out = []
    with open("input.csv", newline="") as f:
        for row in csv.DictReader(f):
            code = row["code"] or None
            region = row["region"] or None
            if code is not None and code not in CODES:
                out.append({"error": "'code'", "code": "INVALID_ARGUMENT"})
                print(repr(code), "invalid")
                continue
            if region is not None and region not in REGIONS:
                out.append({"error": "'region'", "code": "INVALID_ARGUMENT"})
                continue
            d = derived(code, region)
            value = score(d)
            print(repr(code), repr(region), d, value)
            out.append({"values": [value], "label": None, "decision": None})
    with open("expected.ndjson", "w") as f:
        for line in out:
            f.write(json.dumps(line) + "\n")


main()
