"""Expected outputs of model.pmml: the rules of ../pmml_ruleset_first_hit (its
expected.py states the RuleSet semantics and evaluates them), selected by
weightedMax: the firing rule with the highest weight, the first one among
equal weights. Run in this folder; writes expected.ndjson and prints the
winning rule of each row (NOTES.md)."""
import os
import runpy

FIRST_HIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pmml_ruleset_first_hit", "expected.py")
runpy.run_path(FIRST_HIT, init_globals={"CRITERION_OVERRIDE": "weightedMax"}, run_name="__main__")
