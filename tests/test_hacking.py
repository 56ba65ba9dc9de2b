"""The reward-hacking suite (eval/hacking_cases.jsonl): answers a policy finds when it is paid
for a reward it can game, grouped by trick. Every one must score 0, through `verify`, the
TRL and verl reward functions and the `evaluate` metric. Beside them, legitimate answers that
sit next to each trick must still score 1, so the guards do not buy safety with false rejects
(the 599-case equivalence set checks the rest)."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

import pytest

from webscale_rl.eval.answers.extract import PROMPT_INSTRUCTION
from webscale_rl.eval.reward import answer_reward, compute_score
from webscale_rl.eval.verify import ANSWER_TYPES, gold_decidable, verify

TRICKS = ("hedge", "contradiction", "candidates", "buried", "partial_name", "wrong_unit", "empty_box",
          "repeated_prompt")


def load_hacks() -> list[dict]:
    text = resources.files("webscale_rl.eval").joinpath("hacking_cases.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def load_equivalence() -> list[dict]:
    text = resources.files("webscale_rl.eval").joinpath("equivalence_cases.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


HACKS = load_hacks()


def test_suite_covers_every_trick_and_is_well_formed():
    counts = Counter(case["trick"] for case in HACKS)
    assert set(counts) == set(TRICKS)
    assert all(n >= 10 for n in counts.values()), counts
    for case in HACKS:
        assert set(case) == {"trick", "prediction", "ground_truth", "answer_type", "question", "note"}, case
        assert case["answer_type"] in ANSWER_TYPES and case["note"], case
        assert (case["question"] is not None) == (case["trick"] == "repeated_prompt"), case
    keys = [(c["prediction"], c["ground_truth"], c["answer_type"]) for c in HACKS]
    assert len(set(keys)) == len(keys), "duplicate cases"
    written_apart = {(c["prediction"], c["ground_truth"]) for c in load_equivalence()}
    assert not written_apart & {(c["prediction"], c["ground_truth"]) for c in HACKS}


@pytest.mark.parametrize("case", HACKS, ids=[f"{c['trick']}-{i}" for i, c in enumerate(HACKS)])
def test_verify_refuses_the_trick(case):
    assert not verify(case["prediction"], case["ground_truth"], case["answer_type"], case["question"]), case["note"]


def test_reward_functions_pay_nothing_for_any_trick():
    """The trainer-facing functions, with the prompt the dataset gives (TRL: `prompts`; verl:
    extra_info["question"])."""
    prompts = [[{"role": "user", "content": f"{c['question'] or 'A question?'}\n\n{PROMPT_INSTRUCTION}"}] for c in HACKS]
    rewards = answer_reward([[{"role": "assistant", "content": c["prediction"]}] for c in HACKS],
                            answer=[c["ground_truth"] for c in HACKS], answer_type=[c["answer_type"] for c in HACKS],
                            prompts=prompts)
    assert rewards == [0.0] * len(HACKS)
    for case in HACKS:
        extra = {"answer_type": case["answer_type"], "question": case["question"] or "A question?"}
        assert compute_score("webscale_rl", case["prediction"], case["ground_truth"], extra) == 0.0, case


def test_evaluate_metric_refuses_them_too():
    import evaluate

    from test_verify import REPO

    metric = evaluate.load(str(REPO / "eval" / "answer_match"))
    result = metric.compute(predictions=[c["prediction"] for c in HACKS], references=[c["ground_truth"] for c in HACKS],
                            answer_types=[c["answer_type"] for c in HACKS], questions=[c["question"] for c in HACKS])
    assert result["correct"] == 0 and result["total"] == len(HACKS)


QUESTION = "True or false: the Golden Gate Bridge opened to traffic in 1937."
PROMPT = f"{QUESTION}\n\n{PROMPT_INSTRUCTION}"

# (prediction, ground truth, type, question): the honest neighbour of each trick.
CONTROLS = [
    ("About 12,000", "12,000", "number", None),                       # an approximation word is no hedge
    ("I think it is photosynthesis", "photosynthesis", "short_phrase", None),
    ("Yes, definitely.", "Yes", "yes_no", None),                      # one polarity, intensified
    ("Yes, no doubt", "yes", "yes_no", None),
    ("No, it does not carry rail traffic.", "No", "yes_no", None),
    ("Yes, but only in winter", "yes", "yes_no", None),
    ("\\boxed{12k} so \\boxed{12,000}", "12,000", "number", None),   # two boxes, one answer
    ("\\boxed{} then \\boxed{Paris}", "Paris", "name", None),        # an empty box before the answer
    ("Portland, OR", "Portland", "name", None),                       # Oregon, not "or"
    ("Springfield, Illinois", "Springfield", "name", None),           # a place qualifier
    ("Apple, Inc.", "Apple", "name", None),
    ("TCP/IP", "TCP/IP", "short_phrase", None),                       # a slash the reference has
    ("60 km/h", "60 kph", "number", None),                            # a slash inside a unit
    ("It opened on May 27, 1937.", "May 27, 1937", "date", None),    # a date in a short sentence
    ("It is 1,280 m long.", "1,280 m", "number", None),
    ("1,280 metres tall", "1,280 m", "number", None),                # a unit followed by a word
    ("10 pounds", "10 lb", "number", None),                          # an ambiguous unit word is not held against it
    ("Albert Einstein", "Einstein", "name", None),                   # the whole name for a part
    ("Leonardo da Vinci", "da Vinci", "name", None),
    ("J. S. Bach", "Johann Sebastian Bach", "name", None),           # initials keep every part
    ("Marie Curie", "Marie Skłodowska Curie", "name", None),         # first and last name
    (f"{QUESTION}\nTrue", "True", "yes_no", QUESTION),               # the question restated, then answered
    (f"{PROMPT}\n\nThe bridge opened in 1937. \\boxed{{True}}", "True", "yes_no", PROMPT),
    ("\\boxed{Yes}", "Yes", "yes_no", "Is it true that the bridge carries no rail traffic?"),
]


@pytest.mark.parametrize("pred, gold, kind, question", CONTROLS)
def test_honest_neighbours_still_score(pred, gold, kind, question):
    assert verify(pred, gold, kind, question)


def test_undecidable_reference_skips_the_sample():
    """TRL's convention: a reward function returns None where it does not apply and the trainer
    ignores that sample; the rules cannot check an empty or over-long reference or an
    expression math-verify cannot parse. verl has no skip: compute_score gives 0.0 there."""
    assert gold_decidable("12,000", "number") and gold_decidable("x^2 + 1", "expression")
    assert not gold_decidable("", "name") and not gold_decidable("x" * 600, "short_phrase")
    assert not gold_decidable("\\frac{", "expression")
    rewards = answer_reward(["\\boxed{12,000}", "\\boxed{5}", "\\boxed{}"], answer=["12,000", "", "\\frac{"],
                            answer_type=["number", "name", "expression"])
    assert rewards == [1.0, None, None]
    assert compute_score("webscale_rl", "\\boxed{5}", "", {"answer_type": "name"}) == 0.0
