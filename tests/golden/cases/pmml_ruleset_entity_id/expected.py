"""Expected outputs of model.pmml: the rules of ../pmml_ruleset_first_hit (its
expected.py states the RuleSet semantics and evaluates them), selected by
weightedMax: the firing rule with the highest weight, the first in document
order among equal weights. Its score is the prediction and its id the entityId
output `Rule`; when no rule fires the prediction is the defaultScore and no
rule gave it (entityId missing). Run in this folder; writes expected.ndjson and
prints each row's firing rules and winner (NOTES.md)."""
import os
import runpy

FIRST_HIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pmml_ruleset_first_hit", "expected.py")
runpy.run_path(FIRST_HIT, init_globals={"CRITERION_OVERRIDE": "weightedMax", "ENTITY_OUTPUT_OVERRIDE": "Rule"},
               run_name="__main__")
