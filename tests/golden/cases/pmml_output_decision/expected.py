# Writes expected.ndjson from PMML 4.4's semantics alone (standard library only):
#   RegressionModel: Score = 1 + 2 x, missing when x is.
#   decision Action: if Score > 10 then "Decline" else if Score > 5 then "Review" else "Approve";
#     PMML's if is missing when its condition is, so a missing Score gives a missing Action.
#   transformedValue NeedsReview: Action == "Review" (boolean, written 1/0), missing when Action is.
import csv
import json

with open("input.csv", newline="") as source, open("expected.ndjson", "w") as out:
    for row in csv.DictReader(source):
        x = None if row["x"] == "" else float(row["x"])
        score = None if x is None else 1 + 2 * x
        if score is None:
            action = None
        elif score > 10:
            action = "Decline"
        elif score > 5:
            action = "Review"
        else:
            action = "Approve"
        needs_review = None if action is None else (1 if action == "Review" else 0)
        line = {"values": [score], "label": None, "decision": None,
                "outputs": {"Action": action, "NeedsReview": needs_review}}
        out.write(json.dumps(line) + "\n")
