"""Expected outputs of a TreeModel golden case from the PMML 4.4 TreeModel
semantics alone, shared by the cases whose expected.py runs it.

A plain tree walk over the document's Nodes (no Podium code), run in the case
folder: reads model.pmml and input.csv, writes expected.ndjson and prints each
row's result (NOTES.md).

Predicates are three-valued: a comparison with a missing value is UNKNOWN
(None here); and/or/xor/surrogate combine as PMML says. Under
missingValueStrategy "none" a comparison with a missing value is FALSE instead.
A Node's children are tried in document order:
  - the first TRUE child is followed;
  - an UNKNOWN child: nullPrediction gives no prediction, lastPrediction the
    parent's own prediction, defaultChild the parent's defaultChild;
    aggregateNodes follows it as if TRUE and goes on with the later siblings
    (the first TRUE one is followed too and ends the scan); the recordCounts of
    the ScoreDistributions of the leaves reached are summed and the class with
    the largest sum wins (probabilities: the sums over their total);
    weightedConfidence scores every sibling that is not FALSE and sums their
    confidences (the leaves' probabilities) weighted by recordCount / the
    parent's recordCount, recursively; normalised, the largest wins;
  - no child TRUE (every child FALSE): noTrueChildStrategy returnNullPrediction
    gives no prediction, returnLastPrediction the Node's own prediction.
A branch without a prediction makes the combined result have none.
A leaf's probabilities: its ScoreDistribution (probability attributes, else
recordCount / total), else probability 1 for its score. A regression's
prediction is rescaled by its Target's rescaleFactor and rescaleConstant."""
import csv
import json
import xml.etree.ElementTree as ET


def local(tag):
    return tag.split("}")[-1]


def kids(element, name=None):
    return [c for c in element if (name is None and local(c.tag) != "Extension") or local(c.tag) == name]


root = ET.parse("model.pmml").getroot()
tree = next(c for c in root if local(c.tag) == "TreeModel")
FUNCTION = tree.get("functionName")
STRATEGY = tree.get("missingValueStrategy", "none")
NO_TRUE_CHILD = tree.get("noTrueChildStrategy", "returnNullPrediction")
fields = {}
for f in kids(next(c for c in root if local(c.tag) == "DataDictionary"), "DataField"):
    fields[f.get("name")] = f
TARGET = next(m.get("name") for m in kids(kids(tree, "MiningSchema")[0], "MiningField")
              if m.get("usageType") in ("predicted", "target"))
CLASSES = [v.get("value") for v in kids(fields[TARGET], "Value")]
NULL = "no prediction"
# Targets rescaling of a regression's prediction: y * rescaleFactor + rescaleConstant.
TARGETS = [t for c in kids(tree, "Targets") for t in kids(c, "Target")]
FACTOR = float(TARGETS[0].get("rescaleFactor", "1")) if TARGETS else 1.0
CONSTANT = float(TARGETS[0].get("rescaleConstant", "0")) if TARGETS else 0.0


def value_of(row, name):
    text = row.get(name, "")
    if text == "":
        return None
    return text if fields[name].get("dataType") == "string" else float(text)


def predicate(element, row):
    kind = local(element.tag)
    if kind == "True":
        return True
    if kind == "False":
        return False
    if kind == "SimplePredicate":
        x = value_of(row, element.get("field"))
        op = element.get("operator")
        if op == "isMissing":
            return x is None
        if op == "isNotMissing":
            return x is not None
        if x is None:
            return False if STRATEGY == "none" else None
        v = element.get("value")
        v = v if isinstance(x, str) else float(v)
        return {"equal": x == v, "notEqual": x != v, "lessThan": x < v, "lessOrEqual": x <= v,
                "greaterThan": x > v, "greaterOrEqual": x >= v}[op]
    if kind == "SimpleSetPredicate":
        x = value_of(row, element.get("field"))
        if x is None:
            return False if STRATEGY == "none" else None
        items = kids(element, "Array")[0].text.split()
        inside = x in items if isinstance(x, str) else x in [float(i) for i in items]
        return inside if element.get("booleanOperator") == "isIn" else not inside
    parts = [predicate(p, row) for p in kids(element)]
    op = element.get("booleanOperator")
    if op == "and":
        return False if False in parts else (None if None in parts else True)
    if op == "or":
        return True if True in parts else (None if None in parts else False)
    if op == "xor":
        return None if None in parts else sum(parts) % 2 == 1
    if op == "surrogate":
        return next((p for p in parts if p is not None), None)
    raise ValueError(op)


def own(node):
    """The Node's own prediction: score, counts (aggregateNodes) or probabilities."""
    if FUNCTION == "regression":
        return float(node.get("score"))
    dist = kids(node, "ScoreDistribution")
    if STRATEGY == "aggregateNodes":
        return [sum(float(d.get("recordCount")) for d in dist if d.get("value") == c) for c in CLASSES]
    if not dist:
        return [1.0 if c == node.get("score") else 0.0 for c in CLASSES]
    if all(d.get("probability") is not None for d in dist):
        return [sum(float(d.get("probability")) for d in dist if d.get("value") == c) for c in CLASSES]
    total = sum(float(d.get("recordCount")) for d in dist)
    return [sum(float(d.get("recordCount")) for d in dist if d.get("value") == c) / total for c in CLASSES]


def no_true_child(node):
    return own(node) if NO_TRUE_CHILD == "returnLastPrediction" else NULL


def add(a, b, w=1.0):
    return [x + w * y for x, y in zip(a, b)]


def walk(node, row):
    children = kids(node, "Node")
    if not children:
        return own(node)
    if STRATEGY == "aggregateNodes":
        total, followed = [0.0] * len(CLASSES), False
        for child in children:
            p = predicate(kids(child)[0], row)
            if p is False:
                continue
            counts = walk(child, row)
            if counts == NULL:
                return NULL
            total, followed = add(total, counts), True
            if p is True:
                break
        return total if followed else no_true_child(node)
    if STRATEGY == "weightedConfidence":
        first = next((predicate(kids(c)[0], row) for c in children
                      if predicate(kids(c)[0], row) is not False), False)
        if first is False:
            return no_true_child(node)
        if first is True:
            child = next(c for c in children if predicate(kids(c)[0], row) is True)
            return walk(child, row)
        total = [0.0] * len(CLASSES)
        for child in children:
            if predicate(kids(child)[0], row) is False:
                continue
            confidence = walk(child, row)
            if confidence == NULL:
                return NULL
            total = add(total, confidence, float(child.get("recordCount")) / float(node.get("recordCount")))
        return total
    for child in children:
        p = predicate(kids(child)[0], row)
        if p is True:
            return walk(child, row)
        if p is None:
            if STRATEGY == "nullPrediction":
                return NULL
            if STRATEGY == "lastPrediction":
                return own(node)
            if STRATEGY == "defaultChild":
                return walk(next(c for c in children if c.get("id") == node.get("defaultChild")), row)
    return no_true_child(node)


def label(probabilities):
    best = 0
    for k in range(1, len(probabilities)):
        if probabilities[k] > probabilities[best]:
            best = k
    return CLASSES[best]


with open("input.csv", newline="") as f, open("expected.ndjson", "w") as out:
    for row in csv.DictReader(f):
        result = walk(kids(tree, "Node")[0], row)
        if FUNCTION == "regression":
            value = None if result == NULL else result * FACTOR + CONSTANT
            record = {"values": [value], "label": None, "decision": None}
        elif result == NULL:
            record = {"values": [None] * len(CLASSES), "label": None, "decision": None}
        else:
            total = sum(result)
            probabilities = [v / total for v in result]
            record = {"values": probabilities, "label": label(probabilities), "decision": label(probabilities)}
        print(dict(row), "->", result if result == NULL else record["values"], record["label"])
        out.write(json.dumps(record) + "\n")
