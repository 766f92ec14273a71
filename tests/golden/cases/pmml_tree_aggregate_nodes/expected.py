"""Expected outputs of model.pmml from the PMML 4.4 TreeModel semantics alone:
the plain tree walk the TreeModel cases share, tests/golden/pmml_tree_walk.py
(no Podium code). Run in this case folder; writes expected.ndjson."""
import pathlib
import runpy

runpy.run_path(str(pathlib.Path(__file__).resolve().parents[2] / "pmml_tree_walk.py"), run_name="__main__")
