"""Expected outputs of model.pmml from the PMML 4.4 TreeModel semantics alone.

Scoring walks from the root: the first child whose predicate is TRUE is
entered. Predicates are three-valued (a comparison with a missing value is
UNKNOWN); with missingValueStrategy defaultChild an UNKNOWN predicate sends
the record to the parent's defaultChild. When no child holds,
noTrueChildStrategy returnLastPrediction makes the current Node the winner.
The winning Node gives the prediction (its score), the probabilities (its
ScoreDistribution's recordCount / total) and, for feature="entityId", its id.
A transformedValue compares that id with texts. Writes expected.ndjson and
prints the winning Node of each row (NOTES.md)."""
import csv
import json

CLASSES = ["no", "yes"]


def num(text):
    return None if text == "" else float(text)


def cmp(x, test):
    return None if x is None else test(x)


def both(a, b):  # three-valued and
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


# (id, score, counts, predicate(row), default child id, children)
TREE = ("root", "no", [60, 40], lambda r: True, "young", [
    ("young", "yes", [30, 70], lambda r: cmp(r["age"], lambda a: a < 30), "basic", [
        ("basic", "no", [80, 20], lambda r: cmp(r["plan"], lambda p: p == "basic"), None, []),
        ("premium", "yes", [10, 90], lambda r: cmp(r["plan"], lambda p: p in ("premium", "gold")), None, []),
    ]),
    ("middle", "no", [55, 45],
     lambda r: both(cmp(r["age"], lambda a: a >= 30), cmp(r["age"], lambda a: a < 60)), None, []),
    ("senior", "yes", [35, 65], lambda r: cmp(r["age"], lambda a: a >= 60), None, []),
])


def walk(node, row):
    node_id, _, _, _, default, children = node
    for child in children:
        holds = child[3](row)
        if holds is True:
            return walk(child, row)
        if holds is None:  # UNKNOWN: the default child
            return walk(next(c for c in children if c[0] == default), row)
    return node  # returnLastPrediction


with open("input.csv") as f, open("expected.ndjson", "w") as out:
    for raw in csv.DictReader(f):
        row = {"age": num(raw["age"]), "plan": raw["plan"] or None}
        node_id, score, counts, _, _, _ = walk(TREE, row)
        probs = [c / sum(counts) for c in counts]
        print(raw, "->", node_id, score, probs)
        out.write(json.dumps({"values": probs, "label": score, "decision": score,
                              "outputs": {"leaf": node_id,
                                          "plan_leaf": 1 if node_id in ("basic", "premium") else 0}}) + "\n")
