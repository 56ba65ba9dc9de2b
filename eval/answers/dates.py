"""Dates: every reading of the dates a text writes ("03/04/2020" both ways, "20 July 1969",
"1969-07-20", a year alone, BC/AD), compared part by part."""

from __future__ import annotations

import re

from webscale_rl.eval.answers.text import normalize

_MONTHS = {name: i for i, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1) for name in names}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
_WEEKDAYS = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\b,?", re.I)
_ERA_WORD = r"bce|bc|ce|ad|b\.c\.e\.|b\.c\.|a\.d\.|c\.e\."
_ERA = r"(?:\s*(?P<era>" + _ERA_WORD + r"))?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})\b"),
    re.compile(r"\b" + _MONTH + r"\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{1,4})\b" + _ERA),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\.?,?\s+(?P<y>\d{1,4})\b" + _ERA),
    re.compile(r"\b(?P<y>\d{4})\s+" + _MONTH + r"\.?\s+(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})\b(?!-)"),
    re.compile(r"\b" + _MONTH + r"\.?,?\s+(?:of\s+)?(?P<y>\d{3,4})\b" + _ERA),
    re.compile(r"\b" + _MONTH + r"\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?!\s*,?\s*\d)"),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"\b(?!\.?,?\s+\d)"),
    re.compile(r"(?:^|\b(?:in|year|of)\s+)(?P<y>\d{1,4})" + _ERA + r"(?:\s|$)"),
    re.compile(r"\b(?P<y>\d{3,4})" + _ERA + r"$"),
]


def date_word(word: str) -> bool:
    """The word names a month ("June", "Sept") or an era ("BC", "A.D.")."""
    lowered = word.lower()
    return lowered.rstrip(".") in _MONTHS or re.fullmatch(_ERA_WORD, lowered) is not None

Date = tuple  # (year | None, month | None, day | None)


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    return (month is None or 1 <= month <= 12) and (day is None or 1 <= day <= 31)


def parse_dates(text: str) -> set[Date]:
    """All readings of the dates written in the text: "03/04/2020" reads both ways; a year
    alone is (1969, None, None)."""
    return set().union(*_date_spans(text))


def _date_spans(text: str) -> list[set[Date]]:
    """The readings of each date written in the text, one set per date; a span already
    used by a longer pattern is not read again."""
    text = normalize(text)
    text = _WEEKDAYS.sub(" ", text)
    text = re.sub(r"\b(the)\b", " ", text)
    text = " ".join(text.split())
    found: list[set[Date]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            span = m.span()
            if any(span[0] < e and s < span[1] for s, e in taken):
                continue
            groups = m.groupdict()
            year = int(groups["y"]) if groups.get("y") else None
            era = (groups.get("era") or "").replace(".", "")
            if year is not None and era in ("bc", "bce"):
                year = -year
            month = _MONTHS[groups["mon"]] if groups.get("mon") else (int(groups["m"]) if groups.get("m") else None)
            day = int(groups["d"]) if groups.get("d") else None
            readings = []
            if groups.get("a"):
                a, b = int(groups["a"]), int(groups["b"])
                readings = [(year, a, b), (year, b, a)]
            else:
                readings = [(year, month, day)]
            readings = [r for r in readings if _valid(*r)]
            if readings:
                found.append(set(readings))
                taken.append(span)
    return found


def _date_covers(pred: Date, gold: Date) -> bool:
    """Every part the reference states is stated identically by the prediction (a
    prediction may be more specific: "20 July 1969" answers "1969")."""
    return all(g is None or p == g for p, g in zip(pred, gold))


def compare_date(pred: str, gold: str) -> bool | None:
    golds = parse_dates(gold)
    if not golds:
        return None
    spans = _date_spans(pred)
    if not spans:
        return None
    if re.search(r"\b(?:not|before|after|between|or|around|circa|about)\b", pred.lower()) and \
            not re.search(r"\b(?:not|before|after|between|or|around|circa|about)\b", gold.lower()):
        return False
    ok = [p for readings in spans for p in readings if any(_date_covers(p, g) for g in golds)]
    if not ok:
        return False
    # a second, different date in the prediction is a hedge ("1968 or 1969")
    return all(any(_date_covers(p, q) or _date_covers(q, p) for p in readings for q in ok) for readings in spans)



_MONTH_STRIP = re.compile(r"\b(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r"|of|the|st|nd|rd|th)\b")
_ERA_STRIP = re.compile(r"\b(?:bce|bc|ce|ad)\b|b\.c\.e?\.?|a\.d\.|c\.e\.")


def reads_as_date(text: str) -> bool:
    """The text is a date and nothing more: a date is read in it, it is not bare digits (a
    number), and no word is left once months, eras, weekdays and ordinal suffixes are gone."""
    return bool(parse_dates(text)) and bool(re.search(r"[a-zA-Z/\-.]", text)) and not re.sub(
        r"[\d\s,./\-]", "", _MONTH_STRIP.sub("", _ERA_STRIP.sub("", _WEEKDAYS.sub("", re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", text.lower())))))
