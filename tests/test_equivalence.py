"""The labelled answer-equivalence set: the rule-based check must agree with >= 98 % of the
labels and accept at most 1 % of the pairs labelled "not equivalent" (a false accept is a
reward for a wrong answer, the costlier error in RL), and no pair may change its verdict
beyond the known misses listed here: a rule made stricter for reward hacking
(tests/test_hacking.py) must not quietly refuse an answer this set calls right."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

from webscale_rl.eval.verify import ANSWER_TYPES, verify

# (prediction, ground truth): pairs the rules get wrong today, each a false reject.
KNOWN_MISSES = {("-1", "e^{i\\pi}")}  # math-verify reads the i of e^{i\pi} as a symbol, not the imaginary unit


def load_cases() -> list[dict]:
    text = resources.files("webscale_rl.eval").joinpath("equivalence_cases.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_set_is_large_balanced_and_well_formed():
    cases = load_cases()
    assert len(cases) >= 300
    for case in cases:
        assert set(case) == {"prediction", "ground_truth", "answer_type", "equivalent", "note"}, case
        assert case["answer_type"] in (*ANSWER_TYPES, None), case
        assert isinstance(case["equivalent"], bool) and case["note"], case
    labels = Counter(c["equivalent"] for c in cases)
    assert labels[False] >= 0.25 * len(cases)  # enough negatives to measure false accepts
    assert {c["answer_type"] for c in cases} == {*ANSWER_TYPES, None}  # every type, and inference
    pairs = [(c["prediction"], c["ground_truth"], c["answer_type"]) for c in cases]
    assert len(set(pairs)) == len(pairs), "duplicate cases"


def test_accuracy_and_false_accept_rate():
    cases = load_cases()
    false_accept = false_reject = 0
    misses = []
    for case in cases:
        got = verify(case["prediction"], case["ground_truth"], case["answer_type"])
        if got != case["equivalent"]:
            misses.append(f"{'FA' if got else 'FR'} [{case['answer_type']}] {case['prediction']!r} vs "
                          f"{case['ground_truth']!r}: {case['note']}")
            false_accept += got
            false_reject += not got
    positives = sum(c["equivalent"] for c in cases)
    negatives = len(cases) - positives
    accuracy = 1 - len(misses) / len(cases)
    fa_rate, fr_rate = false_accept / negatives, false_reject / positives
    print(f"\nequivalence set: {len(cases)} cases ({positives} equivalent, {negatives} not)")
    print(f"accuracy {accuracy:.2%}  false-accept rate {fa_rate:.2%} ({false_accept})  "
          f"false-reject rate {fr_rate:.2%} ({false_reject})")
    for miss in misses:
        print("  " + miss)
    assert accuracy >= 0.98
    assert fa_rate <= 0.01
    assert false_accept <= false_reject, "false accepts must stay rarer than false rejects"


def test_no_verdict_changes_beyond_the_known_misses():
    wrong = {(c["prediction"], c["ground_truth"]) for c in load_cases()
             if verify(c["prediction"], c["ground_truth"], c["answer_type"]) != c["equivalent"]}
    assert wrong <= KNOWN_MISSES, sorted(wrong - KNOWN_MISSES)
