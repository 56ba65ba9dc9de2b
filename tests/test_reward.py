"""The reward functions against rows of a built dataset, loaded the way trainers load them:
`datasets.load_dataset(folder, "trl")` for TRL's GRPOTrainer and the `verl` config for verl.
TRL itself is not installed (too heavy); its call contract is reproduced: keyword arguments
only, `completions` plus every dataset column as a list."""

from __future__ import annotations

import inspect

import pytest

from webscale_rl.builder.write import write_dataset
from webscale_rl.eval.reward import answer_reward, completion_text, compute_score

ROWS = [("What was the population of the town in 2010?", "12,000", "number"),
        ("In which city was the treaty signed?", "Paris, France", "name"),
        ("Does the bridge carry rail traffic?", "No", "yes_no"),
        ("When did the station open?", "July 20, 1969", "date")]


def _records() -> list[dict]:
    return [{"id": f"r{i}", "question": q, "answer": a, "answer_type": t, "evidence": f"evidence {i}",
             "domain": "Other", "persona": "a student", "source_id": f"doc{i}", "source_text": f"text {i}",
             "verdicts": {"context_sufficient": True, "answer_correct": True, "no_leakage": True, "reader_answer": "ok"},
             "models": {"filter": "m", "identify": "m", "generate": "m", "check": "m"},
             "prompt_version": "v", "call_plan": "fused"} for i, (q, a, t) in enumerate(ROWS)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("built")
    write_dataset(out, _records())
    return out


def _trl_call(batch, completions):
    """What GRPOTrainer does: reward_func(prompts=..., completions=..., **{column: list})."""
    columns = {key: batch[key] for key in batch.column_names if key != "prompt"}
    return answer_reward(prompts=batch["prompt"], completions=completions, completion_ids=[[1]] * len(completions),
                         trainer_state=None, **columns)


def test_signature_is_trl_compatible():
    params = inspect.signature(answer_reward).parameters
    assert list(params)[:3] == ["completions", "answer", "answer_type"]
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    assert list(inspect.signature(compute_score).parameters) == ["data_source", "solution_str", "ground_truth", "extra_info"]


def test_trl_rows_score_chat_completions(built):
    from datasets import load_dataset

    batch = load_dataset(str(built), "trl", split="train")
    assert batch.column_names == ["prompt", "answer", "answer_type", "id"]
    assert "\\boxed{}" in batch[0]["prompt"][0]["content"]  # the instruction the extractor relies on
    by_id = {row["id"]: i for i, row in enumerate(batch)}
    replies = {"r0": "About 12 thousand people lived there.\n\\boxed{12k}",
               "r1": "The treaty was signed in Paris. \\boxed{Paris}",
               "r2": "Answer: Yes, it does.",
               "r3": "It opened on \\boxed{1969-07-20}."}
    completions = [[{"role": "assistant", "content": replies[row_id]}] for row_id in batch["id"]]
    scores = _trl_call(batch, completions)
    assert scores[by_id["r0"]] == 1.0 and scores[by_id["r1"]] == 1.0 and scores[by_id["r3"]] == 1.0
    assert scores[by_id["r2"]] == 0.0  # wrong polarity


def test_trl_string_completions_and_group_repeats(built):
    from datasets import load_dataset

    batch = load_dataset(str(built), "trl", split="train").select([0, 0, 3, 3])  # num_generations=2
    completions = ["\\boxed{12,000}", "\\boxed{12,500}", "\\boxed{20 July 1969}", "\\boxed{1969}"]
    assert _trl_call(batch, completions) == [1.0, 0.0, 1.0, 0.0]


def test_verl_rows_score_with_compute_score(built):
    from datasets import load_dataset

    rows = load_dataset(str(built), "verl", split="train")
    answers = {"r0": "\\boxed{12000}", "r1": "\\boxed{Lyon}", "r2": "\\boxed{no}", "r3": "\\boxed{21 July 1969}"}
    got = {row["extra_info"]["id"]: compute_score(row["data_source"], answers[row["extra_info"]["id"]],
                                                  row["reward_model"]["ground_truth"], row["extra_info"]) for row in rows}
    assert got == {"r0": 1.0, "r1": 0.0, "r2": 1.0, "r3": 0.0}
    assert compute_score("webscale_rl", "\\boxed{0.5}", "50%") == 1.0  # no extra_info: type inferred


def test_completion_shapes_and_bad_lengths():
    assert completion_text([{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]) == "a"
    assert completion_text({"role": "assistant", "content": [{"type": "text", "text": "x"}, {"type": "text", "text": "y"}]}) == "xy"
    assert completion_text(None) == ""
    assert answer_reward(["\\boxed{5}", "\\boxed{6}"], answer="5") == [1.0, 0.0]  # one answer broadcast
    with pytest.raises(ValueError, match="answer has 1 values for 2 completions"):
        answer_reward(["5", "6"], answer=["5"])
