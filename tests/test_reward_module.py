"""The reward module a built dataset ships (reward.py, generated from eval/answers/,
eval/verify.py and eval/reward.py): it imports in a fresh interpreter that cannot reach this project, it scores
exactly as the project's verifier and the `evaluate` metric do, and the card sends trainers to it."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from test_equivalence import load_cases
from test_hacking import HACKS
from test_write import fake_build
from webscale_rl.dataset_card import reward_module
from webscale_rl.dataset_card.card import write_card
from webscale_rl.eval import reward as project_reward
from webscale_rl.eval.verify import verify

# Runs under `python -I` (no PYTHONPATH, no user site, no current directory on sys.path) with
# every import of webscale_rl refused, so the module can only work on its own.
ISOLATED = textwrap.dedent("""
    import importlib.util, json, sys

    class NoProject:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "webscale_rl":
                raise ImportError("webscale_rl must not be needed by the shipped reward module")

    sys.meta_path.insert(0, NoProject())
    spec = importlib.util.spec_from_file_location("shipped_reward", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cases = json.loads(open(sys.argv[2], encoding="utf-8").read())
    verdicts = [module.verify(c["prediction"], c["ground_truth"], c["answer_type"], c.get("question")) for c in cases]
    trl = module.answer_reward([[{"role": "assistant", "content": "Thinking... \\\\boxed{12k}"}], "\\\\boxed{Lyon}", "x"],
                               answer=["12,000", "Paris", ""], answer_type=["number", "name", "name"],
                               prompts=[[{"role": "user", "content": "How many?"}]] * 3, trainer_state=None)
    verl = module.compute_score("webscale_rl", "\\\\boxed{1969-07-20}", "July 20, 1969", {"answer_type": "date"})
    print(json.dumps({"verdicts": verdicts, "trl": trl, "verl": verl,
                      "project_modules": sorted(m for m in sys.modules if m.split(".")[0] == "webscale_rl"),
                      "sys_path_has_repo": any("work/main" in p and "site-packages" not in p for p in sys.path)}))
""")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    fake_build(out, n_docs=4)
    write_card(out, "acme/webscale-rl")
    return out


def test_every_built_card_writes_the_module(shipped):
    path = shipped / reward_module.FILENAME
    assert path.read_text(encoding="utf-8") == reward_module.render()
    assert reward_module.render() == reward_module.render()  # deterministic: a re-push changes nothing
    assert reward_module.imported_modules(path.read_text()) <= set(sys.stdlib_module_names) | {"math_verify"}
    assert "webscale_rl" not in path.read_text().replace("webscale-rl", "")


def test_module_imports_alone_and_scores_like_the_project(shipped, tmp_path):
    cases = [{k: c[k] for k in ("prediction", "ground_truth", "answer_type")} | {"question": c.get("question")}
             for c in HACKS + load_cases()]
    case_file = tmp_path / "cases.json"
    case_file.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run([sys.executable, "-I", "-c", ISOLATED, str(shipped / "reward.py"), str(case_file)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["project_modules"] == [] and not result["sys_path_has_repo"]
    expected = [verify(c["prediction"], c["ground_truth"], c["answer_type"], c["question"]) for c in cases]
    assert result["verdicts"] == expected  # in step with the project's verifier, hacking suite and 599 cases
    assert not any(result["verdicts"][:len(HACKS)])
    assert result["trl"] == [1.0, 0.0, None] and result["verl"] == 1.0


def test_module_exposes_the_trainer_signatures(shipped):
    import importlib.util

    spec = importlib.util.spec_from_file_location("shipped_reward_signatures", shipped / "reward.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    params = inspect.signature(module.answer_reward).parameters
    assert list(params)[:3] == ["completions", "answer", "answer_type"]
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    assert list(inspect.signature(module.compute_score).parameters) == \
        list(inspect.signature(project_reward.compute_score).parameters) == \
        ["data_source", "solution_str", "ground_truth", "extra_info"]


def test_evaluate_metric_stays_in_step_with_the_module(shipped):
    import evaluate

    from test_verify import REPO

    cases = load_cases()
    metric = evaluate.load(str(REPO / "eval" / "answer_match"))
    result = metric.compute(predictions=[c["prediction"] for c in cases], references=[c["ground_truth"] for c in cases],
                            answer_types=[c["answer_type"] for c in cases])
    spec = __import__("importlib.util").util.spec_from_file_location("shipped_reward_metric", shipped / "reward.py")
    module = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert result["correct"] == sum(module.verify(c["prediction"], c["ground_truth"], c["answer_type"]) for c in cases)


def test_card_sends_trainers_to_the_shipped_module(shipped):
    card = (shipped / "README.md").read_text(encoding="utf-8")
    train = card.split("## Train on it", 1)[1].split("## Configs, splits and schema", 1)[0]
    assert "from reward import answer_reward" in train and "reward_funcs=answer_reward" in train
    assert "custom_reward_function.path=webscale-rl/reward.py custom_reward_function.name=compute_score" in train
    assert "hf download acme/webscale-rl --repo-type dataset" in train
    assert 'load_dataset("./webscale-rl", "trl", split="train")' in train
    assert f'"{reward_module.REQUIREMENTS}"' in train
    assert "def " not in train  # no reward function of its own to paste: the shipped one is the reward


def test_module_refuses_to_need_the_project():
    with pytest.raises(RuntimeError, match="would import"):
        reward_module.check("from webscale_rl.eval.verify import score\ndef answer_reward(): ...")
    with pytest.raises(RuntimeError, match="lacks"):
        reward_module.check("import re\n")


def test_module_refuses_names_that_would_collide_once_inlined():
    functions = "def verify(): ...\ndef score(): ...\ndef answer_reward(): ...\ndef compute_score(): ...\n"
    with pytest.raises(RuntimeError, match=r"\['_MONTHS'\] more than once"):
        reward_module.check(functions + "_MONTHS = {}\n_MONTHS: dict = {}\n")
    with pytest.raises(RuntimeError, match="renames what it imports"):
        reward_module._body("from webscale_rl.eval.answers.text import ascii_fold as fold\n")
