"""Expected outputs of model.pmml from the PMML 4.4 MiningModel semantics alone.

multipleModelMethod median for a classifier (PMML 4.4, Multiple Models): the
median is applied to the probabilities of each target category over the
models whose Segment predicate is TRUE (the mean of the two middle values
for an even number of models); the winning category has the highest median
(the first in the target's Value order on ties). The predicted probabilities
are the average probability vectors of the models that have the chosen
probability for the winning category: the middle model of an odd number, the
two middle ones of an even number (every model giving such a probability).

Segment models: a softmax RegressionModel, TreeModels whose leaves give their
ScoreDistribution's recordCount / total (missingValueStrategy defaultChild),
shared with pmml_mining_select_all in tests/golden/pmml_mining_segments.py.
A predicate on a missing channel is UNKNOWN and does not select its segment.

Podium's label is the most probable class of the probabilities; where PMML's
winning category is not (a contributor ranks another class higher), Podium
gives missing probabilities and no label (docs/formats/pmml.md). Writes
expected.ndjson and prints each row's arithmetic (NOTES.md)."""
import csv
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from pmml_mining_segments import CLASSES, num, retail, softmax, tree_x1, tree_x2  # noqa: E402


def probabilities(segment):
    """A segment's probabilities, or None without a prediction."""
    return None if segment is None else segment[-1]


def median(values):
    s = sorted(values)
    n = len(s)
    return (s[(n - 1) // 2] + s[n // 2]) / 2


def score(row):
    x1, x2, channel = num(row["x1"]), num(row["x2"]), row["channel"]
    models = [("softmax", probabilities(softmax(x1, x2))), ("tree_x1", probabilities(tree_x1(x1))),
              ("tree_x2", probabilities(tree_x2(x2)))]
    if channel == "retail":
        models.append(("retail", probabilities(retail(x2))))
    if any(p is None for _, p in models):
        return None, "a selected model has no probabilities"
    medians = [median([p[k] for _, p in models]) for k in range(3)]
    winner = medians.index(max(medians))
    of_winner = sorted(p[winner] for _, p in models)
    n = len(models)
    middle = {of_winner[(n - 1) // 2], of_winner[n // 2]}
    chosen = [(name, p) for name, p in models if p[winner] in middle]
    probs = [sum(p[k] for _, p in chosen) / len(chosen) for k in range(3)]
    note = "medians %s, winner %s, contributors %s" % (
        [round(m, 6) for m in medians], CLASSES[winner], [name for name, _ in chosen])
    if max(probs) != probs[winner]:
        return None, note + ": the winner is not the most probable class"
    return (probs, winner), note


with open("input.csv") as f, open("expected.ndjson", "w") as out:
    for row in csv.DictReader(f):
        result, note = score(row)
        print(row, "->", note)
        if result is None:
            out.write(json.dumps({"values": [None, None, None], "label": None, "decision": None}) + "\n")
            continue
        probs, winner = result
        label = CLASSES[probs.index(max(probs))]
        out.write(json.dumps({"values": probs, "label": label, "decision": label}) + "\n")
