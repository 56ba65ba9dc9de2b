"""Rule-based answer checking: is a model's response the same answer as the ground truth?

The RL reward, the `evaluate` metric and the equivalence test set all go through `verify`.
It is deliberately strict where a lenient rule would let a policy game the reward
(hedges such as "5 or 6" or "maybe Paris", negations, contradictions such as "No. Actually
yes.", several boxed candidates, the answer buried in a sentence that denies it, a surname
alone for a full name, a number with the wrong unit, an empty or invisible box, a repeated
prompt; eval/hacking_cases.jsonl lists the tricks) and lenient where answers differ only in
form (12,000 / 12k / twelve thousand, 0.5 / 1/2 / 50%, "Paris" / "Paris, France", dates in
any common format, list order, accents, articles). Where it must err, it refuses: a false
accept rewards a wrong answer, a false reject only withholds one reward.

The rules live in eval/answers/, one module per concern (extraction, numbers and units,
dates, yes/no, names and phrases, lists, expressions, the anti-hacking guards); this module
composes them. They depend on the standard library and, for expressions, math-verify (sympy):
the dataset's shipped reward.py is generated from them and eval/reward.py
(dataset_card/reward_module.py).

Answer types follow the generator's: number, date, name, short_phrase, yes_no, list,
expression. `answer_type=None` infers a type from the ground truth.
"""

from __future__ import annotations

import re
from functools import lru_cache

from webscale_rl.eval.answers.dates import compare_date, reads_as_date
from webscale_rl.eval.answers.expressions import compare_expression, expression_parses
from webscale_rl.eval.answers.extract import (
    MAX_BOXES,
    all_boxed,
    answer_region,
    copies_question,
    extract_answer,
    light,
    strip_echo,
    strip_wrappers,
)
from webscale_rl.eval.answers.guards import gamed
from webscale_rl.eval.answers.lists import compare_list, split_list
from webscale_rl.eval.answers.numbers import compare_number, parse_number
from webscale_rl.eval.answers.phrases import compare_phrase
from webscale_rl.eval.answers.polarity import compare_yes_no, yes_no
from webscale_rl.eval.answers.spans import candidate_spans

ANSWER_TYPES = ("number", "date", "name", "short_phrase", "yes_no", "list", "expression")
MAX_ANSWER_CHARS = 500  # a longer extracted answer is no short answer: it scores 0 without parsing

_MATHY = re.compile(r"\\[a-zA-Z]+|\^|sqrt|\bpi\b|π|[a-zA-Z]\s*[=+*/]\s*[\w(]|\d\s*[a-rt-zA-Z]\b(?!\.)|[=<>≤≥!]")


@lru_cache(maxsize=65536)
def infer_type(gold: str) -> str:
    """The most specific type the reference reads as."""
    text = strip_wrappers(str(gold))
    if yes_no(text) is not None and len(text.split()) <= 2:
        return "yes_no"
    if parse_number(text) is not None:
        return "number"
    if reads_as_date(text):
        return "date"
    if _MATHY.search(text) and not re.search(r"[a-zA-Z]{4,}", re.sub(r"\\[a-zA-Z]+|sqrt", "", text)):
        return "expression"
    if ";" in text or text.count(",") >= 2:
        return "list"
    return "short_phrase"


def _compare(pred: str, gold: str, kind: str) -> bool | None:
    if kind == "number":
        return compare_number(pred, gold)
    if kind == "date":
        return compare_date(pred, gold)
    if kind == "yes_no":
        return compare_yes_no(pred, gold)
    if kind == "list":
        return compare_list(pred, gold, _atom_equal)
    if kind == "expression":
        return compare_expression(pred, gold)
    return compare_phrase(pred, gold, is_name=kind == "name")




def _item_type(item: str) -> str:
    """The type one item of a list is read as: its own, a phrase where that is a list or an expression."""
    kind = infer_type(item)
    return "short_phrase" if kind in ("list", "expression") else kind


def _atom_equal(pred: str, gold: str) -> bool:
    """One item of a list against one of the reference: by the item's own type."""
    return light(pred) == light(gold) or bool(_compare(pred, gold, _item_type(gold)))


def decide(prediction: str, ground_truth: str, answer_type: str | None = None,
           question: str | None = None) -> bool | None:
    """True / False when the rules can tell, None when they cannot (`verify` counts that as
    no). `prediction` may be a whole response; its final answer is extracted.
    `question` (the prompt, or the question alone) lets the check refuse a response that only
    repeats it."""
    response = strip_echo(prediction, question)
    pred = extract_answer(response)
    gold = strip_wrappers(str(ground_truth or ""))
    if not pred or not gold:
        return False if gold else None
    boxes = {}
    for content in all_boxed(answer_region(response)):
        boxes.setdefault(light(content), content)
    boxes.pop("", None)
    if len(boxes) > 1:  # several boxed answers: each must be the answer, or it is a list of guesses
        return len(boxes) <= MAX_BOXES and all(decide(box, gold, answer_type) is True for box in boxes.values())
    if light(pred) == light(gold):
        return True
    if len(pred) > MAX_ANSWER_CHARS or len(gold) > MAX_ANSWER_CHARS:
        return False  # not a short answer; parsing kilobytes would only slow the reward down
    if copies_question(pred, question):
        return False
    kind = answer_type if answer_type in ANSWER_TYPES else infer_type(gold)
    if gamed(pred, gold, kind) or (kind != infer_type(gold) and gamed(pred, gold, infer_type(gold))):
        return False
    result = _compare(pred, gold, kind)
    if result is None and kind != infer_type(gold):
        result = _compare(pred, gold, infer_type(gold))  # a mislabelled type: read the reference as it is
    if result is None and kind != "expression" and infer_type(gold) != "expression":
        result = compare_phrase(pred, gold, is_name=kind == "name") or None
    return result


def verify(prediction: str, ground_truth: str, answer_type: str | None = None, question: str | None = None) -> bool:
    """Does the response's final answer match the ground truth? Undecidable counts as no."""
    return bool(decide(prediction, ground_truth, answer_type, question))


@lru_cache(maxsize=65536)
def gold_decidable(ground_truth: str, answer_type: str | None = None) -> bool:
    """Can the rules check answers against this reference at all? No for an empty or
    over-long reference, or an expression math-verify cannot parse. The rewards return None
    for such a row (TRL then skips the sample) instead of scoring every completion 0."""
    gold = strip_wrappers(str(ground_truth or ""))
    if not gold or len(gold) > MAX_ANSWER_CHARS:
        return False
    kind = answer_type if answer_type in ANSWER_TYPES else infer_type(gold)
    if kind != "expression" and infer_type(gold) != "expression":
        return True  # a phrase comparison always applies
    return expression_parses(gold)


def score(prediction: str, ground_truth: str, answer_type: str | None = None, question: str | None = None) -> float:
    """The binary reward, 1.0 or 0.0; never raises (a reward must not crash a training step)."""
    try:
        return 1.0 if verify(prediction, ground_truth, answer_type, question) else 0.0
    except Exception:  # noqa: BLE001
        return 0.0


def locate(answer: str, text: str, answer_type: str) -> list[str]:
    """The spans of the text that state the answer: runs of its words that this check, given
    one as a model's response, accepts for the answer (one span per item of a list, each item
    read as its own type); [] when the text does not state it. The pair checks call an answer
    found in a document or its evidence sentence when this finds it, so they and the reward
    never disagree on what a document says."""
    if answer_type == "list":
        items = split_list(answer)
        spans = [_first_span(item, text, _item_type(item)) for item in items]
        return spans if items and all(spans) else []
    span = _first_span(answer, text, answer_type)
    return [span] if span else []


def _first_span(answer: str, text: str, answer_type: str) -> str:
    """A line break inside a span is a space: texts wrap their lines ("the GNU General
    Public\nLicense version 2"). A blank line ends a paragraph, which no span crosses."""
    return next((span for span in candidate_spans(answer, text)
                 if "\n\n" not in span and decide(" ".join(span.split()), answer, answer_type) is True), "")
