"""Expected outputs of model.pmml from the PMML 4.4 ClusteringModel formulas alone.

Euclidean distance with field weights w, compare terms c_i and the
missing-value adjustment:
  D = sqrt(adjustM * sum_{i present} w_i * c_i^2),
  adjustM = sum_i q_i / sum_{i present} q_i,
over the fields (spend, channel, tier), w = (0.5, 2, 1), q = (1, 2, 1).
spend compares by absDiff, c = |x - y|. channel and tier compare by table:
c = matrix[index of x][index of y], the indexes being positions in the
DataField's list of Values (rows: the record's value, columns: the center's).
channel's matrix lists every row (kind any); tier's is symmetric, from
MatCells with diagDefault 0 and offDiagDefault 2.
channel's invalidValueTreatment is asMissing: a value outside its Values is
missing. tier's is the default, returnInvalid: such a row is an error.
The predicted cluster is the nearest one (the first on ties); a row with
every field missing has no distances and no cluster. Writes expected.ndjson."""
import json
import math

W = [0.5, 2.0, 1.0]
Q = [1.0, 2.0, 1.0]
IDS = ["casual", "regular", "loyal"]
CHANNELS = ["web", "store", "phone"]
TIERS = ["basic", "plus", "premium"]
CHANNEL_TABLE = [[0, 3, 5],
                 [2, 0, 4],
                 [6, 1, 0]]
TIER_TABLE = [[0 if r == c else 2 for c in range(3)] for r in range(3)]
TIER_TABLE[1][0] = TIER_TABLE[0][1] = 1  # MatCell row 2 col 1 (symmetric)
TIER_TABLE[2][1] = TIER_TABLE[1][2] = 1  # MatCell row 3 col 2 (symmetric)
CENTERS = [[20, "web", "basic"], [60, "store", "plus"], [100, "phone", "premium"]]


def term(i, x, y):
    if i == 0:
        return abs(x - y)
    if i == 1:
        return CHANNEL_TABLE[CHANNELS.index(x)][CHANNELS.index(y)]
    return TIER_TABLE[TIERS.index(x)][TIERS.index(y)]


def score(spend, channel, tier):
    if tier is not None and tier not in TIERS:
        return {"error": "tier", "code": "INVALID_ARGUMENT"}
    if channel is not None and channel not in CHANNELS:
        channel = None  # asMissing
    x = [spend, channel, tier]
    present = [v is not None for v in x]
    if not any(present):
        return {"values": [None, None, None], "label": None, "decision": None}
    adjust = sum(Q) / sum(q for q, p in zip(Q, present) if p)
    distances = []
    for center in CENTERS:
        s = sum(W[i] * term(i, x[i], center[i]) ** 2 for i in range(3) if x[i] is not None)
        distances.append(math.sqrt(adjust * s))
    best = min(range(len(IDS)), key=lambda k: (distances[k], k))
    return {"values": distances, "label": IDS[best], "decision": IDS[best]}


def cell(text, number=False):
    if text == "":
        return None
    return float(text) if number else text


with open("input.csv") as rows, open("expected.ndjson", "w") as out:
    next(rows)
    for line in rows:
        spend, channel, tier = line.rstrip("\n").split(",")
        out.write(json.dumps(score(cell(spend, True), cell(channel), cell(tier))) + "\n")
