"""The segment models that the MiningModel golden cases pmml_mining_classifier_median
and pmml_mining_select_all share, from the PMML 4.4 semantics alone (no Podium
code): a softmax RegressionModel over x1 and x2, and TreeModels whose leaves
give their ScoreDistribution's recordCount / total (missingValueStrategy
defaultChild). Each returns its predicted class and probabilities, in CLASSES
order, or None when it has no prediction."""
import math

CLASSES = ["low", "medium", "high"]


def num(text):
    return None if text == "" else float(text)


def distribution(score, counts):
    return score, [c / sum(counts) for c in counts]


def softmax(x1, x2):
    """Segment "softmax": the most probable class and the probabilities."""
    if x1 is None or x2 is None:
        return None
    eta = [0.5 - x1, 0.5 * x2, -0.5 + x1 + 0.25 * x2]
    top = max(eta)
    e = [math.exp(v - top) for v in eta]
    p = [v / sum(e) for v in e]
    return CLASSES[p.index(max(p))], p


def tree_x1(x1):
    """Segment "tree_x1": the winning Node's id, then its score and probabilities."""
    if x1 is None or x1 >= 0:  # defaultChild "right"
        return ("right",) + distribution("high", [10, 20, 70])
    return ("left",) + distribution("low", [60, 30, 10])


def tree_x2(x2):
    """Segment "tree_x2" (pmml_mining_classifier_median only)."""
    if x2 is None or x2 < 1:  # defaultChild "below"
        return distribution("low", [50, 40, 10])
    return distribution("high", [20, 20, 60])


def retail(x2):
    """Segment "retail", selected when channel is "retail"."""
    if x2 is None or x2 <= 2:  # defaultChild "small"
        return distribution("low", [80, 15, 5])
    return distribution("medium", [20, 50, 30])
