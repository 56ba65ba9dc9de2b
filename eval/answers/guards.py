"""Reward hacking: answers that cover several outcomes or avoid committing to one (hedges,
revisions, lists of candidates, a value buried in a sentence that denies it)."""

from __future__ import annotations

import re

from webscale_rl.eval.answers.numbers import UNIT_ALIAS

# Each guard refuses an answer that has the marker when the reference does not.
_HEDGE_MARKS = re.compile(
    r"\b(?:maybe|perhaps|possibly|probably|probable|likely|unlikely|presumably|apparently|might|"
    r"could\s+be|may\s+be|not\s+(?:sure|certain)|unsure|uncertain|i\s+guess|guess(?:ing)?|"
    r"(?:cannot|can\s*not|can't)\s+be\s+(?:sure|certain)|if\s+i\s+(?:remember|recall)(?:\s+correctly)?|"
    r"as\s+far\s+as\s+i\s+know|or\s+so|give\s+or\s+take|\d+-?ish)\b|\?|±|\+/-", re.I)
_REVISION_MARKS = re.compile(
    r"\b(?:wait|correction|on\s+second\s+thought|scratch\s+that|i\s+mean|sorry|oops|my\s+mistake|"
    r"let\s+me\s+(?:reconsider|correct|rethink))\b", re.I)
_ALTERNATIVE_MARKS = re.compile(r"\b(?:or|either|vs|versus|alternatively|otherwise)\b", re.I)
_SLASHED_WORDS = re.compile(r"([^\W\d_]{2,})\s*/\s*([^\W\d_]{2,})")
# For answers the rules find inside a sentence (numbers, dates, expressions): a sentence that
# names the right value and then denies it, or a paragraph around it, is not that answer.
_CONTRAST_MARKS = re.compile(
    r"\b(?:but|however|although|though|whereas|yet|instead|rather|wrong|incorrect|mistaken|myth|"
    r"misconception|rumou?r(?:ed|s)?|claim(?:s|ed)?|supposedly|allegedly|disputed?|contrary|superseded|"
    r"outdated|usually\s+cited|often\s+said|commonly\s+(?:said|cited|believed))\b", re.I)
MAX_SENTENCE_WORDS = 12  # a number, date or expression answered in more words is an explanation


def _alternatives(text: str) -> bool:
    """"Paris or London", "Paris/London", "either ... or", "vs" (not "km/h", not "OR" for Oregon)."""
    if any(m.group(0) != "OR" for m in _ALTERNATIVE_MARKS.finditer(text)):
        return True
    return any(m.group(0).replace(" ", "").lower() not in UNIT_ALIAS for m in _SLASHED_WORDS.finditer(text))


def gamed(pred: str, gold: str, kind: str) -> str | None:
    """Which trick the extracted answer uses, or None: a hedge, a revision, a list of
    candidates, or (for answers found inside a sentence) a sentence that denies or buries it.
    A marker the reference itself has is no trick ("Yes or no?" can be a title)."""
    for name, marks in (("hedge", _HEDGE_MARKS), ("contradiction", _REVISION_MARKS)):
        if marks.search(pred) and not marks.search(gold):
            return name
    if _alternatives(pred) and not _alternatives(gold):
        return "candidates"
    if kind in ("number", "date", "expression"):
        words = len(pred.split())
        if words > MAX_SENTENCE_WORDS or (words > 5 and re.search(r";|\.\s+\S", pred)):
            return "buried"
        if _CONTRAST_MARKS.search(pred) and not _CONTRAST_MARKS.search(gold):
            return "buried"
    return None
