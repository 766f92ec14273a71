"""Expected outputs of model.pmml from the PMML formulas alone:
y = 1.5 + 0.8 * size^0.5 - 0.01 * size^2 - 0.7 [grade=1] + 1.1 [grade=3];
the prediction is 10 * y - 3 (Targets rescaleFactor,
rescaleConstant). A missing grade is replaced by 2; size^0.5 of a negative
size has no value, so the prediction is missing, as is that of a missing
size. Writes expected.ndjson."""
import json


def score(size, grade):
    if grade is None:
        grade = 2
    if size is None or size < 0:
        return {"values": [None], "label": None, "decision": None}
    y = 1.5 + 0.8 * size ** 0.5 - 0.01 * size ** 2 - 0.7 * (grade == 1) + 1.1 * (grade == 3)
    return {"values": [10 * y - 3], "label": None, "decision": None}


with open("expected.ndjson", "w") as out:
    for row in [(4, 1), (9, 2), (16, 3), (2.25, None), (-4, 2), (None, 3)]:
        out.write(json.dumps(score(*row)) + "\n")
