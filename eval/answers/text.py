"""The one text normalisation of the project: the answer check, the pair checks, question
dedup and benchmark decontamination all compare texts in this form, so "Zürich", "Zurich" and
"ZURICH" are one word to each of them."""

from __future__ import annotations

import unicodedata

# Letters that carry no combining accent for Unicode to strip: folded by hand.
_FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
                             "Œ": "OE", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i", "ð": "d"})
# Typographic quotes, dashes and spaces as typed on a keyboard.
_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "`": "'", "\u00b4": "'",
                           "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                           "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
                           "\u00a0": " ", "\u2009": " ", "\u202f": " "})


def ascii_fold(text: str) -> str:
    """Unicode compatibility forms and accents folded: "Ｃafé" -> "Cafe", "Łódź" -> "Lodz"."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD_EXTRA)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Quotes and dashes straightened, accents folded, case folded, whitespace collapsed:
    what two texts must share to say the same words."""
    return " ".join(ascii_fold(str(text).translate(_STRAIGHT)).casefold().split())


def normal_words(text: str) -> list[str]:
    """The words of the normalised text with punctuation and symbols deleted (lm-eval-harness's
    rule for decontamination): "Zürich's" -> "zurichs", "12,000" -> "12000"."""
    kept = "".join(ch for ch in normalize(text) if ch.isspace() or not unicodedata.category(ch).startswith(("P", "S")))
    return kept.split()
