"""Expected outputs of model.pmml from the PMML 4.4 semantics alone.

multipleModelMethod selectAll (PMML 4.4, Multiple Models): every model whose
Segment predicate is TRUE is evaluated and none is combined. An OutputField
with a segmentId returns that Segment's result, and nothing when the Segment
is not selected (its predicate is FALSE or UNKNOWN, as for a missing channel):
predictedValue is the Segment model's predicted class (a softmax
RegressionModel's most probable category; a TreeModel's winning Node's score),
probability with a value that class's probability, without one the predicted
class's probability, entityId a TreeModel's winning Node's id. A
transformedValue computes over them (missing when an operand is). The segment
models are those of tests/golden/pmml_mining_segments.py.

The MiningModel combines no result of its own, so Podium's probabilities and
label are missing on every row (docs/formats/pmml.md). Writes expected.ndjson
and prints each row's segment results (NOTES.md)."""
import csv
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from pmml_mining_segments import CLASSES, num, retail, softmax, tree_x1  # noqa: E402


def outputs(row):
    x1, x2, channel = num(row["x1"]), num(row["x2"]), row["channel"]
    soft = softmax(x1, x2)
    node, *tree = tree_x1(x1)
    shop = retail(x2) if channel == "retail" else None
    out = {
        "softmax_risk": soft[0] if soft else None,
        "softmax_high": soft[1][2] if soft else None,
        "tree_risk": tree[0],
        "tree_confidence": tree[1][CLASSES.index(tree[0])],
        "tree_node": node,
        "retail_risk": shop[0] if shop else None,
        "retail_low": shop[1][0] if shop else None,
    }
    a, b = out["softmax_high"], out["retail_low"]
    out["high_gap"] = None if a is None or b is None else a - b
    return out


with open("input.csv") as f, open("expected.ndjson", "w") as out:
    for row in csv.DictReader(f):
        result = outputs(row)
        print(row, "->", result)
        out.write(json.dumps({"values": [None, None, None], "label": None, "decision": None,
                              "outputs": result}) + "\n")
