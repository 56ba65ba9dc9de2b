"""Where in a text an answer may be written: the runs of its words that could state it, so
that finding an answer in a document asks the answer check about a few spans instead of
every run of words."""

from __future__ import annotations

import re
from collections.abc import Iterator

from webscale_rl.eval.answers.dates import date_word
from webscale_rl.eval.answers.numbers import quantity_word
from webscale_rl.eval.answers.phrases import word_keys

MAX_EXTRA_WORDS = 8  # a span may state an answer in this many words more than it has ("UNESCO" spelled out)
_WORD = re.compile(r"\S+")
# words within a word: "Zürich-based", "km/h", "collections.Counter" (not "3.14")
_INNER = re.compile(r"(?<=\w)[-‐‑‒–—/](?=\w)|(?<=[^\W\d])\.(?=[^\W\d])")
_EDGE = " \"'“”‘’«»()[]{},;:!?"  # what a span neither starts nor ends with


def word_bounds(text: str) -> list[tuple[int, int]]:
    """Where each word of the text starts and ends: what spaces separate, and the parts of a
    word joined by a hyphen, slash or dot ("Zürich-based" is "Zürich", "based" and itself)."""
    out = []
    for match in _WORD.finditer(text):
        start = match.start()
        for inner in _INNER.finditer(match.group(0)):
            out.append((start, match.start() + inner.start()))
            start = match.start() + inner.end()
        out.append((start, match.end()))
    return out


def _related(keys: frozenset[str], other: frozenset[str]) -> bool:
    return any(a.startswith(b) or b.startswith(a) for a in keys for b in other)


def candidate_spans(answer: str, text: str) -> Iterator[str]:
    """The spans of `text` that may state `answer`, without edge punctuation, each once, in
    text order and shortest first: up to MAX_EXTRA_WORDS words longer than the answer, from a
    word to a word that each share a key with it (eval/answers/phrases.word_keys), or for an
    answer that writes a quantity or a date, that each write part of one ("12", "twelve",
    "km", "June", "BC"). A one-word answer may be an acronym: then a span may also run from a
    word with its first letter to a word with its last."""
    keys = word_keys(answer)
    answer_words = [answer[a:b].strip(_EDGE) for a, b in word_bounds(answer)]
    valued = any(quantity_word(w) or date_word(w) for w in answer_words)
    initials = answer_words[0].casefold() if len(answer_words) == 1 and answer_words[0].isalpha() else ""

    def may(word: str, end: bool) -> bool:
        if valued and (quantity_word(word) or date_word(word)):
            return True
        return _related(keys, word_keys(word)) or bool(initials) and word[:1].casefold() == initials[-1 if end else 0]

    found = [(a, b, text[a:b].strip(_EDGE)) for a, b in word_bounds(text)]
    opens = [bool(word) and may(word, end=False) for _, _, word in found]
    closes = [bool(word) and may(word, end=True) for _, _, word in found]
    longest = len(answer_words) + MAX_EXTRA_WORDS
    seen: set[str] = set()
    for i, (start, _, _) in enumerate(found):
        if not opens[i]:
            continue
        for j in range(i, min(i + longest, len(found))):
            span = text[start:found[j][1]].strip(_EDGE)
            if closes[j] and span and span not in seen:
                seen.add(span)
                yield span
