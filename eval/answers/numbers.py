"""Numbers: one parse for the many ways a quantity is written (12,000 / 12k / twelve
thousand / 1.2e4, fractions, percent, currencies, units from units.json) and an equality that
converts units and respects the precision the reference states."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from webscale_rl.eval.answers.expressions import compare_expression
from webscale_rl.eval.answers.tables import table

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
               "eighty": 80, "ninety": 90}
_SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
# each word whole: "fourteen" and "sixty" are not "four" and "six" followed by letters
_NUMBER_WORD = re.compile(
    r"\b(?:(?:" + "|".join(list(_UNITS_WORDS) + list(_TENS_WORDS) + list(_SCALE_WORDS)) + r")\b(?:[\s-]+(?:and[\s-]+)?)?)+", re.I)


def _words_value(words: list[str]) -> int | None:
    total = current = 0
    seen = False
    for word in words:
        if word == "and":
            continue
        if word in _UNITS_WORDS or word in _TENS_WORDS:
            current += _UNITS_WORDS.get(word, _TENS_WORDS.get(word, 0))
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALE_WORDS:
            if not seen and current == 0:
                return None  # a bare "million" is a magnitude, handled by the number parser
            total += (current or 1) * _SCALE_WORDS[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def replace_number_words(text: str) -> str:
    """"twenty-three" -> "23", "two thousand and five" -> "2005"; a trailing scale word stays
    a word after digits ("3 million") so magnitudes parse the same way."""
    def swap(match: re.Match) -> str:
        chunk = match.group(0)
        trailing = chunk[len(chunk.rstrip(" -")):]
        words = [w for w in re.split(r"[\s-]+", chunk.strip(" -").lower()) if w]
        while words and words[-1] == "and":
            words.pop()
        scale = ""
        if len(words) > 1 and words[-1] in ("thousand", "million", "billion", "trillion") and \
                not any(w in _SCALE_WORDS and w != "hundred" for w in words[:-1]):
            scale = " " + words.pop()
        value = _words_value(words)
        if value is None:
            return chunk
        return f"{value}{scale}{trailing}"
    return _NUMBER_WORD.sub(swap, text)


@dataclass(frozen=True)
class Quantity:
    """A parsed number: exact value, the place value of its last written digit (None when
    exact, e.g. 1/2), significant digits, whether precision was written explicitly (a
    decimal point or an exponent), percent, and a canonical unit (None if none/unknown)."""

    value: Fraction
    quantum: Fraction | None
    sig: int
    explicit: bool
    percent: bool
    unit: str | None
    other_unit: str | None = None  # a word after the number that is no unit the rules know ("fathoms", "people")


def _unit_tables() -> tuple[dict[str, str], dict[str, tuple[str, Fraction, Fraction]]]:
    """alias -> canonical unit, and canonical unit -> (dimension, factor to the dimension's
    base, offset); factors and offsets are exact strings such as "0.3048" or "5/9", and
    temperature is the one affine dimension."""
    aliases: dict[str, str] = {}
    specs: dict[str, tuple[str, Fraction, Fraction]] = {}
    for dimension, units in table("units").items():
        for canonical, unit in units.items():
            specs[canonical] = (dimension, Fraction(unit["factor"]), Fraction(unit.get("offset", "0")))
            for alias in (canonical, *unit["aliases"]):
                aliases[alias] = canonical
    return aliases, specs


UNIT_ALIAS, _UNIT_SPEC = _unit_tables()

_CURRENCY_PREFIX = re.compile(r"^(us\$|usd|eur|gbp|inr|rs\.?|[$€£¥₹])\s*", re.I)
_APPROX = re.compile(r"^(?:about|approximately|approx\.?|around|roughly|circa|ca\.|c\.|~|≈|some|an estimated|estimated)\s*", re.I)
_QUALIFIERS = re.compile(
    r"\b(?:not|no|never|more|less|fewer|over|under|above|below|least|most|nearly|almost|up to|between|"
    r"or|exceed(?:s|ing)?|greater|smaller|than|except|neither|nor|isn't|aren't|wasn't)\b|[<>≤≥]", re.I)
_VULGAR = {"½": "1/2", "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "¾": "3/4", "⅕": "1/5", "⅛": "1/8"}
_FRACTION_WORDS = {"half": "1/2", "one half": "1/2", "a half": "1/2", "a third": "1/3", "one third": "1/3",
                   "two thirds": "2/3", "a quarter": "1/4", "one quarter": "1/4", "one fourth": "1/4",
                   "three quarters": "3/4", "three fourths": "3/4", "a dozen": "12", "dozen": "12"}

_NUM_CORE = (r"(?P<sign>[-+])?(?=\.?\d)(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)?(?:\.(?P<frac>\d+))?"
             r"(?:\s*/\s*(?P<den>\d+))?"
             r"(?:(?<=\d)[eE](?P<exp>[-+]?\d+)\b|\s*[x×*·]\s*10\s*(?:\^|\*\*)\s*\{?\s*(?P<exp2>[-+]?\d+)\s*\}?)?")
_NUMBER = re.compile(
    r"(?P<cur>us\$|[$€£¥₹])?\s*" + _NUM_CORE +
    r"(?P<mag>\s*(?:thousand|million|billion|trillion|lakh|crore)\b|\s?(?:bn|mn|tn)\b|(?<=\d)[kKMB]\b|\s?k\b)?"
    r"(?P<pct>\s*(?:%|percent\b|per\s+cent\b|pct\b|percentage\s+points?\b|pp\b))?")
_MAGNITUDES = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "m": 6, "billion": 9, "bn": 9, "b": 9,
               "trillion": 12, "tn": 12, "lakh": 5, "crore": 7}

# The last word of every unit ("tons" of "metric tons") and the words of a percent.
_QUANTITY_TAILS = {alias.split()[-1].lower() for alias in UNIT_ALIAS} | {"percent", "cent", "pct", "pp", "point", "points"}


def quantity_word(word: str) -> bool:
    """The word is part of how a quantity is written: it has a digit, a currency sign or a
    vulgar fraction, or it is a number word ("twelve", "half", "dozen"), a magnitude ("million",
    "bn"), a unit or a percent."""
    lowered = word.lower()
    return bool(re.search(r"[\d$€£¥₹½⅓⅔¼¾⅕⅛%°]", word)) or lowered in _UNITS_WORDS or lowered in _TENS_WORDS or \
        lowered in _SCALE_WORDS or lowered in _FRACTION_WORDS or lowered in _MAGNITUDES or lowered in _QUANTITY_TAILS


def _latex_to_plain(text: str) -> str:
    """Numbers as LaTeX write them: \\frac{1}{2}, 50\\%, \\$5, 3 \\times 10^{8}, 90^\\circ."""
    text = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\[dt]?frac\s*(\d)\s*(\d)", r"\1/\2", text)
    text = re.sub(r"\\(?:text|mathrm|textbf|mathbf|textit|operatorname|mbox)\s*\{([^{}]*)\}", r" \1 ", text)
    text = re.sub(r"\^\s*\{?\\circ\}?|\\degree|\\circ", "°", text)
    text = text.replace("\\%", "%").replace("\\$", "$").replace("{,}", ",").replace("\\times", "×").replace("\\cdot", "·")
    text = re.sub(r"\\[,;:! ]|\\quad|\\qquad|\\left|\\right", " ", text)
    text = text.replace("$", " $ ") if re.search(r"\$\s*$|^\s*\$[^\d]", text) else text
    return re.sub(r"\(\s*(-?\d+(?:\.\d+)?)\s*\)", r"\1", text)


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")


def _prepare_number_text(text: str) -> str:
    """One spelling for the many ways numbers are written: superscript exponents, vulgar
    fractions, LaTeX, unicode minus, digit-group separators, ordinals, decimal commas."""
    text = re.sub(r"(?<=\d)([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "^" + m.group(1).translate(_SUPERSCRIPTS), text)
    for symbol, fraction in _VULGAR.items():
        text = re.sub(r"(\d)\s*" + symbol, r"\1 " + fraction, text).replace(symbol, fraction)
    text = unicodedata.normalize("NFKC", text).replace("\u2044", "/")  # keeps °, currency signs
    text = _latex_to_plain(text)
    text = text.replace("−", "-").replace("–", "-").replace("—", "-")
    text = re.sub(r"(?<=\d)[\u00a0\u202f\u2009\u2007'’](?=\d{3}\b)", "", text)  # 12 000 / 12'000
    text = re.sub(r"(\d+)(?:st|nd|rd|th)\b", r"\1", text)
    text = " ".join(text.split())
    text = re.sub(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d/.,])", lambda m: m.group(0).replace(" ", ""), text)  # 12 000
    text = re.sub(r"(?<![\d.,])\d{1,3}(?:\.\d{3}){2,}(?![\d.,])", lambda m: m.group(0).replace(".", ""), text)  # 1.000.000
    text = re.sub(r"^(-?\d+),(\d{1,2})(?=\D*$)", r"\1.\2", text)  # a decimal comma: 3,5
    # a bare power of ten ("10^6"), unless it already follows a mantissa ("3 x 10^6")
    return re.sub(r"(^|[^\dx×*·\s]\s*|^\s*)\b10\s*(?:\^|\*\*)\s*\{?\s*([-+]?\d+)\s*\}?", r"\g<1>1e\2", text)


def _quantity_from_match(m: re.Match, unit_text: str) -> Quantity | None:
    int_part, frac_part = m.group("int"), m.group("frac")
    if int_part is None and frac_part is None:
        return None
    digits = (int_part or "0").replace(",", "")
    mantissa = Decimal(f"{digits}.{frac_part}" if frac_part else digits)
    decimals = len(frac_part) if frac_part else 0
    sig_digits = (digits + (frac_part or "")).lstrip("0") or "0"
    exponent = int(m.group("exp") or m.group("exp2") or 0)
    mag_word = (m.group("mag") or "").strip()
    magnitude = _MAGNITUDES.get(mag_word.lower(), 0) if mag_word else 0
    value = Fraction(mantissa) * Fraction(10) ** (exponent + magnitude)
    quantum: Fraction | None = Fraction(1, 10**decimals) * Fraction(10) ** (exponent + magnitude)
    explicit = bool(frac_part) or (m.group("exp") is not None or m.group("exp2") is not None)
    if m.group("den"):
        if frac_part or exponent or int_part is None or int(m.group("den")) == 0:
            return None
        value = Fraction(int(digits), int(m.group("den"))) * Fraction(10) ** magnitude
        quantum, explicit = None, False
    if m.group("sign") == "-":
        value = -value
    unit = _canonical_unit(unit_text, m.group("cur"))
    if unit is False:
        return None
    other = _unknown_unit_word(unit_text) if unit is None and not m.group("pct") else None
    return Quantity(value, quantum, len(sig_digits), explicit, bool(m.group("pct")), unit or None, other)


def _canonical_unit(unit_text: str, currency: str | None) -> str | None | bool:
    """Canonical unit of what follows a number; None if there is none or it is unknown (a
    noun such as "apples"); False if the tail is not a unit at all (holds digits)."""
    tail = unit_text.strip().strip(".,;:)(").strip()
    if re.search(r"\d", re.sub(r"\^\s*\{?[-+]?\d\}?|[a-z][23]\b", "", tail)):
        return False  # "m/s^2" and "km2" are units; "-12" or "or 13" are not
    if currency:
        return UNIT_ALIAS.get(currency.lower())
    if not tail:
        return None
    for candidate in (tail, tail.lower(), re.sub(r"^(?:of|in)\s+", "", tail.lower())):
        if candidate in UNIT_ALIAS:
            return UNIT_ALIAS[candidate]
    # a unit followed by other words: "1,280 ft tall", "12 km north of the city"
    words = re.sub(r"^(?:of|in)\s+(?=\S)", "", tail).split()
    for size in (3, 2, 1):
        if len(words) > size:
            lead = " ".join(words[:size])
            for candidate in (lead, lead.lower()):
                if candidate in UNIT_ALIAS:
                    return UNIT_ALIAS[candidate]
    return None


# Words that are units in one reading and not in another ("10 pounds" of weight or money):
# never held against a unit the reference states.
_AMBIGUOUS_UNIT_WORDS = {"pound", "pounds", "ton", "tons", "point", "points"}


def _unknown_unit_word(unit_text: str) -> str | None:
    """The first word after a number when it is a word the unit table does not know."""
    words = re.findall(r"[^\W\d_]+", re.sub(r"^\W*(?:of|in)\s+", "", unit_text.strip().lower()))
    if not words or words[0] in _AMBIGUOUS_UNIT_WORDS or words[0] in _MAGNITUDES:
        return None
    return words[0]


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)\s*(?:,|and)?\s*", re.I)


def _compound_duration(text: str) -> Quantity | None:
    """"3 hours 30 minutes" or "2 years and 6 months": one quantity in the first unit."""
    parts = _DURATION_PART.findall(text)
    if len(parts) < 2 or _DURATION_PART.sub("", text).strip():
        return None
    units = [UNIT_ALIAS.get(unit.lower()) for _, unit in parts]
    if None in units or len({_UNIT_SPEC[u][0] for u in units}) != 1 or _UNIT_SPEC[units[0]][0] not in ("time", "calendar"):
        return None
    first = _UNIT_SPEC[units[0]][1]
    total = sum(Fraction(number) * _UNIT_SPEC[unit][1] / first for (number, _), unit in zip(parts, units))
    return Quantity(total, None, 0, False, False, units[0])


def _parse_whole(text: str) -> Quantity | None:
    """The text is one quantity (with optional currency, magnitude, percent and unit)."""
    text = _prepare_number_text(text)
    duration = _compound_duration(text)
    if duration is not None:
        return duration
    text = _APPROX.sub("", text).strip()
    lowered = text.lower()
    if lowered in _FRACTION_WORDS:
        text = _FRACTION_WORDS[lowered]
    text = replace_number_words(text)
    prefix = _CURRENCY_PREFIX.match(text)
    if prefix and prefix.group(1).lower() not in ("$", "€", "£", "¥", "₹", "us$"):  # "USD 5" -> "$5"
        symbol = {"usd": "$", "eur": "€", "gbp": "£", "inr": "₹", "rs": "₹", "rs.": "₹"}[prefix.group(1).lower()]
        text = symbol + text[prefix.end():]
    mixed = re.fullmatch(r"([-+]?\d+)\s+(\d+)\s*/\s*(\d+)(.*)", text)
    if mixed and int(mixed.group(3)):
        whole, num, den = int(mixed.group(1)), int(mixed.group(2)), int(mixed.group(3))
        value = Fraction(abs(whole)) + Fraction(num, den)
        unit = _canonical_unit(mixed.group(4), None)
        if unit is False:
            return None
        return Quantity(-value if whole < 0 else value, None, 0, False, False, unit or None)
    if re.fullmatch(r"\d{2,3}0'?s", text.strip()):
        return None  # a decade ("1990s") is not the number 1990
    m = _NUMBER.match(text)
    if not m or m.end() == 0:
        return None
    rest = text[m.end():]
    if _QUALIFIERS.search(rest):
        return None
    return _quantity_from_match(m, rest)


def _find_quantities(text: str) -> list[Quantity]:
    """Every quantity in a sentence (used when the prediction is not a bare number)."""
    text = replace_number_words(_prepare_number_text(text))
    found = []
    for m in _NUMBER.finditer(text):
        if m.group("int") is None and m.group("frac") is None:
            continue
        begin = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        if begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] in "/-:"):
            continue
        if re.match(r"0?'?s\b", text[m.end():]) and re.fullmatch(r"\d{2,3}0", m.group("int") or ""):
            continue  # a decade
        unit_text = re.match(r"\s*([^\s,;()]+(?:\s+[a-z]+)?)?", text[m.end():]).group(1) or ""
        q = _quantity_from_match(m, unit_text) or _quantity_from_match(m, "")
        if q is not None:
            found.append(q)
    return found


def _round_to(value: Fraction, quantum: Fraction) -> Fraction:
    """Round half away from zero to a multiple of quantum."""
    steps = abs(value) / quantum
    rounded = math.floor(steps + Fraction(1, 2)) * quantum
    return rounded if value >= 0 else -rounded


def _same_number(pred: Fraction, p_quantum: Fraction | None, p: Quantity, gold: Quantity) -> bool:
    if pred == gold.value:
        return True
    # The reference states its precision (a decimal point or exponent, >= 2 significant
    # digits) and the prediction is more precise: it must round to the reference.
    if gold.explicit and gold.sig >= 2 and gold.quantum and (p_quantum is None or p_quantum < gold.quantum):
        if _round_to(pred, gold.quantum) == gold.value:
            return True
    # The prediction is less precise than the reference but still states >= 3 significant
    # digits with a decimal point: the reference must round to it (3.14 for 3.14159).
    if p.explicit and p.sig >= 3 and p_quantum and (gold.quantum is None or gold.quantum < p_quantum):
        if _round_to(gold.value, p_quantum) == pred:
            return True
    return False


def _convert(p: Quantity, gold: Quantity) -> tuple[Fraction, Fraction | None] | None:
    """The prediction's value (and quantum) in the reference's unit; None if incompatible."""
    if p.unit is None or gold.unit is None or p.unit == gold.unit:
        return p.value, p.quantum
    pu, gu = _UNIT_SPEC[p.unit], _UNIT_SPEC[gold.unit]
    if pu[0] != gu[0]:
        return None
    base = p.value * pu[1] + pu[2]
    value = (base - gu[2]) / gu[1]
    quantum = p.quantum * pu[1] / gu[1] if p.quantum is not None else None
    return value, quantum


def numbers_equal(p: Quantity, gold: Quantity) -> bool:
    """Equal value after unit conversion, percent readings and stated precision. A unit the
    rules know against a word they do not ("1,280 fathoms" for "1,280 m") is a different unit."""
    if (p.unit is None) != (gold.unit is None) and (p.other_unit or gold.other_unit):
        return False
    converted = _convert(p, gold)
    if converted is None:
        return False
    value, quantum = converted
    if not p.explicit:
        quantum = None  # a whole number as written ("10 lb", "12,000") is taken as exact
    candidates = [(value, quantum)]
    if gold.percent and not p.percent:
        candidates.append((value * 100, quantum * 100 if quantum is not None else None))
    if p.percent and not gold.percent:
        candidates.append((value / 100, quantum / 100 if quantum is not None else None))
    return any(_same_number(v, q, p, gold) for v, q in candidates)


def parse_number(text: str) -> Quantity | None:
    """A quantity when the whole text is one (public for the checks and tests)."""
    try:
        return _parse_whole(text)
    except (InvalidOperation, ValueError, ZeroDivisionError, OverflowError):
        return None


_RANGE = re.compile(r"^(?:between\s+|from\s+)?(.+?)\s*(?:-|to|and|through)\s*(.+)$", re.I)


def _parse_range(text: str) -> tuple[Quantity, Quantity] | None:
    m = _RANGE.match(_prepare_number_text(text))
    if not m:
        return None
    low, high = parse_number(m.group(1)), parse_number(m.group(2))
    if low is None or high is None:
        return None
    if low.unit is None and high.unit is not None:  # "5-10 km": the unit belongs to both ends
        low = Quantity(low.value, low.quantum, low.sig, low.explicit, low.percent or high.percent, high.unit)
    return low, high


def compare_number(pred: str, gold: str) -> bool | None:
    g = parse_number(gold)
    if g is None:
        g_range = _parse_range(gold)
        if g_range is None:
            return None
        p_range = _parse_range(pred)
        return bool(p_range) and all(numbers_equal(a, b) for a, b in zip(p_range, g_range))
    p = parse_number(pred)
    if p is not None:
        return numbers_equal(p, g)
    if _QUALIFIERS.search(replace_number_words(pred)) and not _QUALIFIERS.search(gold):
        return False  # "not 5", "more than 5", "5 or 6": a hedge or a different claim
    found = _find_quantities(pred)
    if not found:  # no number at all ("a dozen and a half"): the rules cannot tell
        return compare_expression(pred, gold) if re.search(r"\\|sqrt|pi|/", pred) else None
    matches = [numbers_equal(q, g) for q in found]
    distinct = {(q.value, q.unit, q.percent) for q in found}
    return all(matches) if len(distinct) > 1 else matches[0]


