"""Answer extraction and the per-type rules behind the reward, plus the `evaluate` metric."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest

from webscale_rl.eval.answers.extract import extract_answer
from webscale_rl.eval.answers.lists import split_list
from webscale_rl.eval.answers.numbers import parse_number
from webscale_rl.eval.answers.polarity import yes_no
from webscale_rl.eval.verify import decide, infer_type, score, verify

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("response, expected", [
    ("Reasoning first.\nThen \\boxed{42} and more text", "42"),
    ("two boxes \\boxed{1} then \\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),  # the last box, nested braces
    ("so the result is\n**Answer:** Paris.", "Paris"),
    ("The final answer is 7", "7"),
    ("step one\nstep two\n\n  12 km  \n", "12 km"),
    ("<think>Answer: 3</think>Answer: 4", "4"),
    ("Answer:\n- copper\n- zinc", "- copper\n- zinc"),
    ("$\\boxed{\\text{Yes}}$", "Yes"),
    ("", ""),
])
def test_extract_answer(response, expected):
    assert extract_answer(response) == expected


def test_boxed_takes_precedence_over_answer_line():
    assert extract_answer("Answer: 12\nOn reflection \\boxed{13}") == "13"
    assert verify("Answer: 12\nOn reflection \\boxed{13}", "13", "number")
    assert not verify("Answer: 12\nOn reflection \\boxed{13}", "12", "number")


@pytest.mark.parametrize("gold, kind", [
    ("12,000", "number"), ("50%", "number"), ("$3.5 billion", "number"), ("July 20, 1969", "date"),
    ("1969-07-20", "date"), ("Yes", "yes_no"), ("\\frac{\\pi}{2}", "expression"), ("x^2 + 1", "expression"),
    ("red, green, blue", "list"), ("Paris, France", "short_phrase"), ("photosynthesis", "short_phrase"),
])
def test_infer_type(gold, kind):
    assert infer_type(gold) == kind


def test_number_parsing_keeps_precision_and_units():
    q = parse_number("1.2 million km")
    assert q.value == 1_200_000 and q.unit == "km" and q.explicit and q.sig == 2
    assert parse_number("50%").percent
    assert parse_number("12 or 13") is None
    assert parse_number("1990s") is None


def test_wrong_but_close_numbers_are_rejected():
    for pred in ("12,001", "11,999", "12,100", "1,200", "12"):
        assert not verify(pred, "12,000", "number"), pred
    assert verify("12k", "12,000", "number")


@pytest.mark.parametrize("words, value", [
    ("fourteen", 14), ("sixty", 60), ("seventy-seven", 77), ("ninety", 90), ("eighteen hundred", 1800),
    ("two thousand and five", 2005), ("twelve thousand", 12000),
])
def test_number_words_are_read_whole(words, value):
    assert parse_number(words).value == value
    assert verify(str(value), words, "number") and not verify(str(value)[0], words, "number")


def test_yes_no_polarity_and_hedges():
    assert yes_no("No, it does not.") == "no"
    assert yes_no("It can't") == "no"
    assert yes_no("Certainly not") == "no"
    assert yes_no("Yes, no doubt") == "yes"
    assert yes_no("yes and no") is None
    assert yes_no("it depends") is None


def test_split_list_forms():
    assert split_list("a, b, and c") == ["a", "b", "c"]
    assert split_list("a; b, with c") == ["a", "b, with c"]
    assert split_list("salt and pepper") == ["salt", "pepper"]
    assert split_list("- x\n- y") == ["x", "y"]


def test_undecidable_and_empty_inputs():
    assert decide("", "42") is False
    assert decide("42", "") is None
    assert verify("anything", "") is False
    assert score(None, "42") == 0.0
    assert score("\\boxed{42}", "42") == 1.0


def test_expression_check_works_off_the_main_thread():
    """verl and TRL may score in worker threads, where math-verify's SIGALRM timeout cannot run."""
    results = []
    worker = threading.Thread(target=lambda: results.append(verify("x^2+2x+1", "(x+1)^2", "expression")))
    worker.start()
    worker.join(30)
    assert results == [True]


def test_an_expression_check_leaves_the_callers_alarm_running():
    """math-verify's own SIGALRM timeout would cancel a timer the caller set (a trainer's
    watchdog, pytest-timeout): the caller's alarm must still be pending afterwards."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    signal.setitimer(signal.ITIMER_REAL, 120)
    try:
        assert verify("x^2+2x+1", "(x+1)^2", "expression")
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 100 < remaining <= 120 and not fired


def test_evaluate_metric_loads_from_the_repo():
    import evaluate

    metric = evaluate.load(str(REPO / "eval" / "answer_match"))
    result = metric.compute(predictions=["The answer is \\boxed{12k}", "Lyon", "0.5"],
                            references=["12,000", "Paris", "50%"], answer_types=["number", "name", None])
    assert result["correct"] == 2 and result["total"] == 3
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert result["per_type"] == {"name": 0.0, "number": 1.0}


def test_what_the_rules_cannot_decide_earns_no_reward():
    assert decide("a dozen and a half", "18", "number") is None
    assert not verify("a dozen and a half", "18", "number")


def test_pathological_responses_score_fast():
    """A policy can emit anything; the reward must stay fast even off the main thread,
    where math-verify has no timeout of its own."""
    import time

    inputs = ["1" * 20000, "\\boxed{" * 3000, "(" * 480, "x^" * 240, "10^{10^{10}}", "(x+1)^{1000}",
              "9" * 150 + "!", "a, " * 3000, "twenty-one and " * 2000]
    started = time.monotonic()
    for text in inputs:
        for gold, kind in (("12", "number"), ("x^2", "expression"), ("a, b", "list"), ("12", None)):
            assert score(text, gold, kind) == 0.0
    assert time.monotonic() - started < 10
    assert extract_answer("a \\boxed{1} b \\boxed{x^{2}} c \\boxed{unclosed") == "x^{2}"
