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

This module depends on the standard library and, for expressions, math-verify (sympy): the
dataset's shipped reward.py is generated from it and eval/reward.py (dataset_card/reward_module.py).

Answer types follow the generator's: number, date, name, short_phrase, yes_no, list,
expression. `answer_type=None` infers a type from the ground truth.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from itertools import permutations

ANSWER_TYPES = ("number", "date", "name", "short_phrase", "yes_no", "list", "expression")
MAX_ANSWER_CHARS = 500  # a longer extracted answer is no short answer: it scores 0 without parsing
MAX_EXPRESSION_CHARS = 160
# what makes sympy compute for minutes: factorials of big numbers, big or nested exponents, towers
_COSTLY = re.compile(r"\d{3,}\s*!|\^\s*\{?\s*[-+]?\d{3,}|\*\*\s*\(?\s*\d{3,}|\^\s*\{[^{}]*\d\s*\^\s*\{?\s*\d|(?:\^[^^]*){7,}")

# ---------------------------------------------------------------------------------------
# Extraction: the final answer out of a free-form response
# ---------------------------------------------------------------------------------------

# The instruction every RL prompt of the dataset ends with (builder/write.py builds the
# prompt from it). A completion that repeats it, or the question, has not answered: the copies
# are removed before the answer is extracted.
PROMPT_INSTRUCTION = "Give a short, exact answer. Put only the final answer inside \\boxed{}."
MAX_BOXES = 8  # more distinct boxed answers than this is a list of guesses, refused outright
ECHO_RUN = 6  # an answer sharing this many consecutive words with the question copies it

_THINK_END = re.compile(r"</think>", re.I)
_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.I | re.S)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_ANSWER_MARK = re.compile(
    r"(?:final\s+answer|answer)[ \t]*(?:\*\*|__)?[ \t]*(?:[:：=]|\bis\b:?)[ \t]*(?:\*\*|__)?", re.I)


def _answer_region(response: str) -> str:
    """The response without its reasoning: after the last </think>, or with <think> blocks removed."""
    text = str(response or "")
    ends = list(_THINK_END.finditer(text))
    return text[ends[-1].end():] if ends else _THINK_BLOCK.sub("", text)


def _box_spans(text: str) -> list[tuple[int, int]]:
    """(index of "{", index of its matching "}") of every closed \\boxed{...}, in order of
    opening (nested braces matched in one linear pass)."""
    starts = sorted(m.end() - 1 for m in _BOXED.finditer(text))
    if not starts:
        return []
    closing: dict[int, int] = {}
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            closing[stack.pop()] = i
    return [(start, closing[start]) for start in starts if start in closing]


def _all_boxed(text: str) -> list[str]:
    """Contents of every closed top-level \\boxed{...}, in order (a box inside a box is part of it)."""
    outer, end = [], -1
    for start, stop in _box_spans(text):
        if start > end:
            outer.append((start, stop))
            end = stop
    return [text[start + 1:stop] for start, stop in outer]


def _echo_pattern(text: str) -> re.Pattern | None:
    words = text.split()
    if len(words) < 4:
        return None  # "Who?" may well be part of an answer
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.I)


@lru_cache(maxsize=4096)
def _echo_patterns(question: str) -> tuple[re.Pattern, ...]:
    """The prompt's instruction, the whole question and each of its paragraphs, longest first."""
    parts = {question.strip(), PROMPT_INSTRUCTION, *(part.strip() for part in re.split(r"\n\s*\n", question))}
    patterns = (_echo_pattern(part) for part in sorted(parts, key=len, reverse=True) if part)
    return tuple(pattern for pattern in patterns if pattern is not None)


def strip_echo(response: str, question: str | None = None) -> str:
    """The response without copies of the prompt's instruction and of the question (any case,
    any spacing): what is left is what the model wrote itself."""
    text = str(response or "")
    for pattern in _echo_patterns(str(question or "")):
        text = pattern.sub(" ", text)
    return text


def _echo_words(text: str) -> list[str]:
    return re.findall(r"\w+", _ascii_fold(text).casefold())


def copies_question(answer: str, question: str | None) -> bool:
    """The answer shares a run of ECHO_RUN words with the question: a cut copy of the prompt."""
    if not question:
        return False
    q, a = _echo_words(question), _echo_words(answer)
    runs = {tuple(q[i:i + ECHO_RUN]) for i in range(len(q) - ECHO_RUN + 1)}
    return any(tuple(a[i:i + ECHO_RUN]) in runs for i in range(len(a) - ECHO_RUN + 1))


def _last_boxed(text: str) -> str | None:
    """Content of the last closed \\boxed{...}, matching nested braces."""
    spans = _box_spans(text)
    if not spans:
        return None
    start, stop = spans[-1]
    return text[start + 1:stop]


# LaTeX that shows nothing: an answer drawn invisibly, or spacing, is no answer
_INVISIBLE = re.compile(r"\\[hv]?phantom\s*\{[^{}]*\}|\\(?:quad|qquad|[,;:! ])|^\s*\{\s*\}\s*$")


def _strip_wrappers(text: str) -> str:
    """Markdown emphasis, LaTeX math delimiters, quotes and a final full stop."""
    text = _INVISIBLE.sub("", text).strip()
    for _ in range(3):
        before = text
        text = re.sub(r"^(?:[-*•]\s+|\d+[.)]\s+(?=\D))", "", text) if "\n" not in text else text
        text = text.strip().strip("*_`").strip()
        for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ('"', '"'),
                            ("“", "”"), ("'", "'"), ("«", "»")):
            if len(text) > len(left) + len(right) and text.startswith(left) and text.endswith(right):
                text = text[len(left):len(text) - len(right)].strip()
        text = re.sub(r"^\\text\{(.*)\}$", r"\1", text)
        text = re.sub(r"(?<![A-Z.][A-Z])[.。]+$|(?<=[a-zA-Z])!+$", "", text).strip()  # keep "U.S." and "5!"
        if text == before:
            break
    return text


def extract_answer(response: str) -> str:
    """The final answer of a response: the last \\boxed{} (our RL prompt asks for one), else
    what follows the last "Answer:" / "the answer is", else the last non-empty line.
    Reasoning in <think>...</think> is ignored."""
    text = _answer_region(response)
    boxed = _last_boxed(text)
    if boxed is not None:
        return _strip_wrappers(boxed)
    marks = list(_ANSWER_MARK.finditer(text))
    if marks:
        rest = text[marks[-1].end():]
        same_line = rest.split("\n", 1)[0].strip()
        following = [line for line in rest.splitlines() if line.strip()]
        if same_line:
            return _strip_wrappers(same_line)
        if following:
            return _strip_wrappers(_bullet_block(following, from_start=True) or following[0])
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return _strip_wrappers(_bullet_block(lines, from_start=False) or lines[-1])


_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+\S")


def _bullet_block(lines: list[str], from_start: bool) -> str | None:
    """A list answer written as bullet lines: the first block after "Answer:" or the last
    block of the response, kept whole so a list is not cut to its last item."""
    ordered = lines if from_start else lines[::-1]
    block = []
    for line in ordered:
        if not _BULLET.match(line):
            break
        block.append(line.strip())
    if len(block) < 2:
        return None
    return "\n".join(block if from_start else block[::-1])


# ---------------------------------------------------------------------------------------
# Shared text normalisation
# ---------------------------------------------------------------------------------------

def _ascii_fold(text: str) -> str:
    """Unicode compatibility forms and accents folded: "Ｃafé" -> "Cafe"."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _light(text: str) -> str:
    """Case, accents, spacing and outer wrappers only: safe for every type (keeps '1.5' != '15')."""
    return " ".join(_ascii_fold(_strip_wrappers(text)).casefold().split())


_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
               "eighty": 80, "ninety": 90}
_SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NUMBER_WORD = re.compile(
    r"\b(?:(?:" + "|".join(list(_UNITS_WORDS) + list(_TENS_WORDS) + list(_SCALE_WORDS)) + r")(?:[\s-]+(?:and[\s-]+)?)?)+", re.I)


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


def _replace_number_words(text: str) -> str:
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


# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------

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


# alias -> canonical unit; canonical unit -> (dimension, factor to the dimension's base,
# offset); temperature is the one affine dimension.
_UNIT_ALIAS: dict[str, str] = {}
_UNIT_SPEC: dict[str, tuple[str, Fraction, Fraction]] = {}


def _units(dimension: str, entries: dict[str, tuple[str, ...]], factors: dict[str, str],
           offsets: dict[str, str] | None = None) -> None:
    """Register units; factors and offsets are exact strings such as "0.3048" or "5/9"."""
    for canonical, aliases in entries.items():
        _UNIT_SPEC[canonical] = (dimension, Fraction(factors[canonical]), Fraction((offsets or {}).get(canonical, "0")))
        for alias in (canonical, *aliases):
            _UNIT_ALIAS[alias] = canonical


_units("length", {
    "mm": ("millimeter", "millimeters", "millimetre", "millimetres"),
    "cm": ("centimeter", "centimeters", "centimetre", "centimetres"),
    "m": ("meter", "meters", "metre", "metres"),
    "km": ("kilometer", "kilometers", "kilometre", "kilometres", "kms"),
    "in": ("inch", "inches"),
    "ft": ("foot", "feet"),
    "yd": ("yard", "yards"),
    "mi": ("mile", "miles"),
    "nm": ("nanometer", "nanometers", "nanometre", "nanometres"),
    "um": ("micrometer", "micrometers", "micrometre", "micrometres", "micron", "microns", "µm", "μm"),
}, {"mm": "0.001", "cm": "0.01", "m": "1", "km": "1000", "in": "0.0254", "ft": "0.3048",
    "yd": "0.9144", "mi": "1609.344", "nm": "0.000000001", "um": "0.000001"})
_units("mass", {
    "mg": ("milligram", "milligrams"), "g": ("gram", "grams", "gr"), "kg": ("kilogram", "kilograms", "kilo", "kilos", "kgs"),
    "t": ("tonne", "tonnes", "metric ton", "metric tons"), "lb": ("lbs", "pound of weight"),
    "oz": ("ounce", "ounces"),
}, {"mg": "0.000001", "g": "0.001", "kg": "1", "t": "1000", "lb": "0.45359237", "oz": "0.028349523125"})
_units("time", {
    "ms": ("millisecond", "milliseconds"), "s": ("sec", "secs", "second", "seconds"),
    "min": ("mins", "minute", "minutes"), "h": ("hr", "hrs", "hour", "hours"),
    "day": ("days",), "week": ("weeks", "wk", "wks"),
}, {"ms": "0.001", "s": "1", "min": "60", "h": "3600", "day": "86400", "week": "604800"})
_units("calendar", {
    "month": ("months",), "year": ("years", "yr", "yrs"), "decade": ("decades",),
    "century": ("centuries",),
}, {"month": "1/12", "year": "1", "decade": "10", "century": "100"})
_units("volume", {"ml": ("milliliter", "milliliters", "millilitre", "millilitres", "mL"),
                  "l": ("liter", "liters", "litre", "litres", "L")},
       {"ml": "0.001", "l": "1"})
_units("area", {"m2": ("m²", "sq m", "square meter", "square meters", "square metre", "square metres"),
                "km2": ("km²", "sq km", "square kilometer", "square kilometers", "square kilometre", "square kilometres"),
                "ha": ("hectare", "hectares"), "acre": ("acres",),
                "mi2": ("mi²", "sq mi", "square mile", "square miles")},
       {"m2": "1", "km2": "1000000", "ha": "10000", "acre": "4046.8564224", "mi2": "2589988.110336"})
_units("speed", {"km/h": ("kph", "kmh", "km/hr", "kilometers per hour", "kilometres per hour"),
                 "mph": ("miles per hour", "mi/h"), "m/s": ("meters per second", "metres per second"),
                 "km/s": ("kilometers per second", "kilometres per second")},
       {"km/h": "5/18", "mph": "0.44704", "m/s": "1", "km/s": "1000"})
_units("temperature", {"degc": ("°c", "celsius", "degrees celsius", "degree celsius", "deg c", "centigrade", "degrees c"),
                       "degf": ("°f", "fahrenheit", "degrees fahrenheit", "degree fahrenheit", "deg f", "degrees f"),
                       "kelvin": ("kelvins", "K")},
       {"degc": "1", "degf": "5/9", "kelvin": "1"},
       {"degc": "273.15", "degf": str(Fraction("273.15") - Fraction(32 * 5, 9)), "kelvin": "0"})
_units("angle", {"deg": ("°", "degree", "degrees")}, {"deg": "1"})
_units("power", {"w": ("watt", "watts", "W"), "kw": ("kilowatt", "kilowatts", "kW"),
                 "mw": ("megawatt", "megawatts", "MW"), "gw": ("gigawatt", "gigawatts", "GW")},
       {"w": "1", "kw": "1000", "mw": "1000000", "gw": "1000000000"})
_units("data", {"byte": ("bytes", "B"), "kb": ("kilobyte", "kilobytes", "KB"), "mb": ("megabyte", "megabytes", "MB"),
                "gb": ("gigabyte", "gigabytes", "GB"), "tb": ("terabyte", "terabytes", "TB")},
       {"byte": "1", "kb": "1000", "mb": "1000000", "gb": "1000000000", "tb": "1000000000000"})
for _code, _aliases in {"usd": ("$", "us$", "dollar", "dollars", "us dollars", "us dollar"),
                        "eur": ("€", "euro", "euros"), "gbp": ("£", "pound sterling", "pounds sterling", "sterling"),
                        "jpy": ("¥", "yen"), "inr": ("₹", "rs", "rupee", "rupees"),
                        "cny": ("yuan", "rmb", "renminbi")}.items():
    _units("money:" + _code, {_code: _aliases}, {_code: "1"})

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
        return _UNIT_ALIAS.get(currency.lower())
    if not tail:
        return None
    for candidate in (tail, tail.lower(), re.sub(r"^(?:of|in)\s+", "", tail.lower())):
        if candidate in _UNIT_ALIAS:
            return _UNIT_ALIAS[candidate]
    # a unit followed by other words: "1,280 ft tall", "12 km north of the city"
    words = re.sub(r"^(?:of|in)\s+(?=\S)", "", tail).split()
    for size in (3, 2, 1):
        if len(words) > size:
            lead = " ".join(words[:size])
            for candidate in (lead, lead.lower()):
                if candidate in _UNIT_ALIAS:
                    return _UNIT_ALIAS[candidate]
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
    units = [_UNIT_ALIAS.get(unit.lower()) for _, unit in parts]
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
    text = _replace_number_words(text)
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
    text = _replace_number_words(_prepare_number_text(text))
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


def _compare_number(pred: str, gold: str) -> bool | None:
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
    if _QUALIFIERS.search(_replace_number_words(pred)) and not _QUALIFIERS.search(gold):
        return False  # "not 5", "more than 5", "5 or 6": a hedge or a different claim
    found = _find_quantities(pred)
    if not found:  # no number at all ("a dozen and a half"): the rules cannot tell
        return _compare_expression(pred, gold) if re.search(r"\\|sqrt|pi|/", pred) else None
    matches = [numbers_equal(q, g) for q in found]
    distinct = {(q.value, q.unit, q.percent) for q in found}
    return all(matches) if len(distinct) > 1 else matches[0]


# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------

_MONTHS = {name: i for i, names in enumerate([
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1) for name in names}
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
_WEEKDAYS = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\b,?", re.I)
_ERA = r"(?:\s*(?P<era>bce|bc|ce|ad|b\.c\.e\.|b\.c\.|a\.d\.|c\.e\.))?"
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
    text = _ascii_fold(text).lower()
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


def _compare_date(pred: str, gold: str) -> bool | None:
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


# ---------------------------------------------------------------------------------------
# Yes / no
# ---------------------------------------------------------------------------------------

_YES = {"yes", "y", "yeah", "yep", "yup", "true", "correct", "right", "affirmative", "indeed",
        "certainly", "definitely", "absolutely", "sure", "si", "oui", "ja"}
_NO = {"no", "n", "nope", "nah", "false", "incorrect", "wrong", "negative", "never", "not", "none"}
_AUX = re.compile(r"^(?:it|he|she|they|there|this|that|we|i|you|one)\s+(?:is|was|does|did|do|can|could|will|would|has|have|had|are|were|should|must|may)\b(?P<neg>\s+not\b)?")


_HEDGES = re.compile(r"\b(?:maybe|perhaps|possibly|unclear|unknown|uncertain|depends|not sure|unsure|"
                     r"do not know|cannot (?:be )?(?:say|tell|determine|determined)|partly|partially|sometimes|"
                     r"(?:not possible|impossible|hard|difficult) to (?:say|tell|know|determine))\b")


def _is_hedge(text: str) -> bool:
    t = _light(text)
    return bool(_HEDGES.search(t) or re.search(r"\b(?:yes\W+(?:and|or)\W+no|no\W+(?:and|or)\W+yes)\b", t))


def _expand_negations(text: str) -> str:
    t = re.sub(r"\b(can)'?t\b", r"\1 not", text)
    t = re.sub(r"\bwon'?t\b", "will not", t)
    return re.sub(r"n'?t\b", " not", t)


def yes_no(text: str) -> str | None:
    """"yes", "no" or None (a hedge, or no clear polarity)."""
    t = _expand_negations(_light(text))
    words = re.findall(r"[a-z]+", t)
    if not words or _is_hedge(t):
        return None
    if words[:2] in (["no", "one"], ["no", "matter"]):
        return None  # "No one would say ..." is a sentence, not a "No"
    if words[:2] == ["of", "course"]:
        words = ["yes"] + words[2:]
    if words[0] in _YES and words[1:2] == ["not"]:
        return "no"  # "certainly not"
    if words[0] in _YES:
        return "yes"
    if words[0] in _NO:
        return "no"
    m = _AUX.match(" ".join(words))
    if m:
        return "no" if m.group("neg") else "yes"
    return None


# Polarity words that make up a whole clause ("No.", "yes", "True") and words that only
# steer a clause ("actually", "wait") or intensify it ("definitely").
_BARE_POLARITY = {"yes": "yes", "yeah": "yes", "yep": "yes", "yup": "yes", "true": "yes", "correct": "yes",
                  "right": "yes", "affirmative": "yes", "no": "no", "nope": "no", "nah": "no", "false": "no",
                  "incorrect": "no", "wrong": "no", "negative": "no", "not": "no"}
_STEERING = {"actually", "wait", "well", "oh", "hmm", "so", "then", "sorry", "also", "rather", "instead",
             "correction", "mean", "i", "ok", "okay", "answer", "final", "is", "the", "definitely", "certainly",
             "absolutely", "surely", "of", "course", "really", "in", "fact", "on", "second", "thought"}
_CLAUSE_SPLIT = re.compile(r"[.;:!?,…\n()/]+|\b(?:but|and|or|then)\b")
_BARE_AUX = re.compile(_AUX.pattern + r"$")


def polarities(text: str) -> set[str]:
    """The polarity of every clause of the answer that is only a polarity: "No. Actually yes."
    has both, "Yes, no doubt" and "No, it does not" have one."""
    found = set()
    for clause in _CLAUSE_SPLIT.split(_expand_negations(_light(text))):
        words = re.findall(r"[a-z]+", clause)
        if _BARE_AUX.match(" ".join(words)):
            found.add("no" if _BARE_AUX.match(" ".join(words)).group("neg") else "yes")
            continue
        core = [w for w in words if w not in _STEERING]
        if words and not core and any(w in ("definitely", "certainly", "absolutely", "surely", "course") for w in words):
            found.add("yes")  # "Definitely." / "Of course."
        elif core and all(w in _BARE_POLARITY for w in core):
            found.update(_BARE_POLARITY[w] for w in core)
    return found


def _compare_yes_no(pred: str, gold: str) -> bool | None:
    g = yes_no(gold)
    if g is None:
        return None
    if _is_hedge(pred) or len(polarities(pred)) > 1:
        return False  # "maybe", "yes and no", "No. Actually yes."
    p = yes_no(pred)
    return None if p is None else p == g  # no polarity ("It freezes at night"): undecided


# ---------------------------------------------------------------------------------------
# Names and short phrases
# ---------------------------------------------------------------------------------------

_ARTICLES = {"a", "an", "the"}
_FILLER = {"answer", "final", "is", "was", "are", "were", "it", "its", "called", "named", "known", "as",
           "this", "that", "these", "those", "i", "think", "believe", "he", "she", "they", "be",
           "in", "at", "on", "by", "from"}
# Honorifics before a name and suffixes after it; stripped only in those positions, so
# "Martin Luther King" keeps its "King".
_TITLES = {"dr", "mr", "mrs", "ms", "miss", "prof", "professor", "sir", "dame", "lord", "lady",
           "rev", "reverend", "president", "king", "queen", "emperor", "empress", "pope"}
_SUFFIXES = {"jr", "sr", "phd", "md", "esq", "inc", "ltd", "llc", "corp", "corporation", "plc", "co",
             "gmbh", "company"}
# Words that name the kind of a place or body: "Nile" is "Nile River", "Harvard" is
# "Harvard University" (names only; in phrases such a word carries meaning).
_GENERIC = {"river", "lake", "mount", "mountain", "mountains", "ocean", "sea", "island", "islands",
            "desert", "bay", "gulf", "strait", "canal", "city", "county", "province", "state",
            "university", "college", "institute", "museum", "airport", "cathedral", "palace", "castle"}
_ABBREVIATIONS = {"mt": "mount", "st": "saint", "univ": "university", "dept": "department", "intl": "international"}
_ALIASES = [
    {"us", "usa", "united states", "united states of america", "us of a", "america"},
    {"uk", "united kingdom", "united kingdom of great britain and northern ireland"},
    {"nyc", "new york city"},
    {"ussr", "soviet union"},
    {"uae", "united arab emirates"},
    {"dna", "deoxyribonucleic acid"},
    {"rna", "ribonucleic acid"},
    {"atp", "adenosine triphosphate"},
]
_ACRONYM_SKIP = {"of", "and", "for", "the", "in", "on", "to", "a", "an"}
_FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe",
                             "Œ": "OE", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i", "ð": "d"})


def _phrase_tokens(text: str, is_name: bool = False) -> list[str]:
    """Lower-case word tokens without articles or punctuation. An all-capitals word of 3+
    letters (HTTPS, NASA) is marked with a trailing "_" so it is never de-pluralised."""
    text = _ascii_fold(text.translate(_FOLD_EXTRA))
    caps = {w.casefold() for w in re.findall(r"\b[A-Z]{3,}\b", text)}
    if is_name:
        text = re.sub(r"\b([A-Za-z])\.\s*", r"\1 ", text)  # "J.S. Bach" -> "J S Bach"
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"(?<=\w)\+\+", "pp", text)  # C++ is not C
    text = re.sub(r"(?<=\w)#", "sharp", text)  # nor is C#
    text = re.sub(r"['’`´]", "", text)
    text = re.sub(r"(?<=[a-z])\.(?=[a-z]\.)", "", text)  # u.s.a. -> usa.
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = _replace_number_words(text)
    return [_ABBREVIATIONS.get(t, t) + ("_" if t in caps else "") for t in text.split() if t not in _ARTICLES]


def _stem(token: str) -> str:
    if token[:1].isdigit():
        return token  # "1990s" is a decade, not a plural of 1990
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 4 and re.search(r"(?:ch|sh|x|ss|z)es$", token):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _spelling(token: str) -> str:
    """British and American spellings to one form (colour/color, centre/center, analyse/analyze)."""
    token = re.sub(r"our$", "or", token) if len(token) > 5 else token
    token = re.sub(r"(?<=[^aeiou])tre$", "ter", token)
    token = re.sub(r"is(e|ed|es|ing|ation)$", r"iz\1", token)
    return re.sub(r"ys(e|ed|es|ing)$", r"yz\1", token)


def _stemmed(tokens: list[str]) -> list[str]:
    return [t[:-1] if t.endswith("_") else _spelling(_stem(t)) for t in tokens]


def _plain(tokens: list[str]) -> list[str]:
    return [t.rstrip("_") for t in tokens]


def _alias_group(tokens: list[str]) -> int | None:
    joined = " ".join(tokens)
    for i, group in enumerate(_ALIASES):
        if joined in group:
            return i
    return None


def _acronym_of(short: str, tokens: list[str]) -> bool:
    words = [t for t in tokens if t not in _ACRONYM_SKIP]
    return len(words) >= 2 and len(short) >= 2 and short == "".join(w[0] for w in words)


def _parenthetical_variants(text: str) -> list[str]:
    """"DNA (deoxyribonucleic acid)" -> itself, "DNA", "deoxyribonucleic acid"."""
    variants = [text]
    m = re.fullmatch(r"\s*(.*?)\s*[(\[]([^()\[\]]+)[)\]]\s*(.*?)\s*", text)
    if m:
        outer = " ".join(part for part in (m.group(1), m.group(3)) if part)
        variants += [v for v in (outer, m.group(2)) if v.strip()]
    return variants


def _tokens_equal(p: list[str], g: list[str]) -> bool:
    if not p or not g:
        return False
    if _stemmed(p) == _stemmed(g):
        return True
    p, g = _plain(p), _plain(g)
    if "".join(p) == "".join(g):
        return True
    pa, ga = _alias_group(p), _alias_group(g)
    if pa is not None and pa == ga:
        return True
    return len(p) == 1 and _acronym_of(p[0], g) or len(g) == 1 and _acronym_of(g[0], p)


def _contains_with_filler(p: list[str], g: list[str]) -> bool:
    """The prediction is the reference wrapped in filler words ("it is called X")."""
    ps, gs = _stemmed(p), _stemmed(g)
    n = len(gs)
    for i in range(len(ps) - n + 1):
        if ps[i:i + n] == gs and all(t in _FILLER for t in ps[:i] + ps[i + n:]):
            return True
    return False


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(token in it for token in short)


def _strip_titles(tokens: list[str]) -> list[str]:
    start, end = 0, len(tokens)
    while start < end and tokens[start] in _TITLES:
        start += 1
    while end > start and tokens[end - 1] in _SUFFIXES:
        end -= 1
    return tokens[start:end]


_PARTICLES = {"da", "de", "del", "della", "der", "den", "di", "du", "van", "von", "la", "le", "bin", "ibn", "al",
              "el", "y", "of", "the", "and", "ap", "af", "zu"}
_DOTTED = {"dr", "mr", "mrs", "ms", "st", "mt", "jr", "sr", "prof", "rev", "gen", "col", "capt", "lt", "sgt",
           "hon", "ft", "ste", "co", "inc", "ltd", "corp", "bros", "vs"}
_NOT_NAME = {"actually", "wait", "not", "no", "but", "or", "nor", "maybe", "perhaps", "probably", "possibly",
             "answer", "final", "is", "was", "correction", "sorry", "yes", "so", "then", "never", "definitely",
             "either", "instead", "rather", "likely", "wrong", "correct", "mean", "think", "guess"}


def _name_like(text: str) -> bool:
    """The text reads as one name: capitalised words, initials and name particles, no sentence
    break and no clause punctuation ("Albert Einstein", "Leonardo da Vinci", "J. S. Bach"; not
    "London. Paris" nor "the answer is not Paris")."""
    t = _ascii_fold(str(text).translate(_FOLD_EXTRA)).strip()
    if re.search(r"[,;:!?()\[\]/]", t):
        return False
    for m in re.finditer(r"(\w+)\.\s+\S", t):
        if len(m.group(1)) >= 2 and m.group(1).lower() not in _DOTTED:
            return False
    for word in re.findall(r"[^\W\d_][\w'’-]*", t):
        if word.lower() in _NOT_NAME or (word[0].islower() and word.lower() not in _PARTICLES):
            return False
    return True


def _name_match(p: list[str], g: list[str], pred_name_like: bool = True) -> bool:
    """Names: titles and kind words ignored; a fuller name for a shorter reference ("Albert
    Einstein" for "Einstein") when the prediction reads as a name, a dropped middle name,
    initials for given names, and German umlaut spellings (Goedel / Gödel) accepted. A part of
    the reference's name (a surname or a given name alone) is not: "Einstein" leaves open which
    Einstein, and a policy learns to drop what it is unsure of."""
    p, g = _strip_titles(_plain(p)), _strip_titles(_plain(g))
    if not p or not g:
        return False
    if _tokens_equal(p, g):
        return True
    umlaut = [re.sub(r"([aou])e", r"\1", t) for t in p], [re.sub(r"([aou])e", r"\1", t) for t in g]
    if _tokens_equal(*umlaut):
        return True
    bare_p = [t for t in p if t not in _GENERIC and t != "of"]
    bare_g = [t for t in g if t not in _GENERIC and t != "of"]
    if bare_p and bare_g and (bare_p != p or bare_g != g) and _tokens_equal(bare_p, bare_g):
        return True  # "Nile" / "Nile River", "Harvard" / "Harvard University"
    if len(p) > len(g) and pred_name_like and p[-len(g):] == g and len(p) - len(g) <= 3 and len(g[-1]) > 1 and \
            any(t not in _GENERIC for t in g):
        return True  # "Albert Einstein" for "Einstein", "Leonardo da Vinci" for "da Vinci"
    short, long = (p, g) if len(p) < len(g) else (g, p)
    if 2 <= len(short) < len(long) and short[0] == long[0] and short[-1] == long[-1] and \
            _is_subsequence(short, long) and (long is g or pred_name_like):
        return True  # "Marie Curie" / "Marie Sklodowska Curie"
    if len(p) == len(g) and p[-1] == g[-1]:
        return all(a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))
                   for a, b in zip(p[:-1], g[:-1]))  # "J. S. Bach" / "Johann Sebastian Bach"
    return False


_PLACES = {name.casefold() for name in """
Afghanistan|Albania|Algeria|Andorra|Angola|Antigua and Barbuda|Argentina|Armenia|Australia|Austria|Azerbaijan|
Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|Bolivia|Bosnia and Herzegovina|Botswana|
Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|Cambodia|Cameroon|Canada|Cape Verde|Central African Republic|Chad|Chile|
China|Colombia|Comoros|Congo|Costa Rica|Croatia|Cuba|Cyprus|Czechia|Czech Republic|Denmark|Djibouti|Dominica|
Dominican Republic|DR Congo|East Timor|Ecuador|Egypt|El Salvador|Equatorial Guinea|Eritrea|Estonia|Eswatini|Ethiopia|
Fiji|Finland|France|Gabon|Gambia|Georgia|Germany|Ghana|Greece|Grenada|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|
Honduras|Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|Ivory Coast|Jamaica|Japan|Jordan|Kazakhstan|
Kenya|Kiribati|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|
Madagascar|Malawi|Malaysia|Maldives|Mali|Malta|Marshall Islands|Mauritania|Mauritius|Mexico|Micronesia|Moldova|Monaco|
Mongolia|Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nauru|Nepal|Netherlands|New Zealand|Nicaragua|Niger|Nigeria|
North Korea|North Macedonia|Norway|Oman|Pakistan|Palau|Palestine|Panama|Papua New Guinea|Paraguay|Peru|Philippines|
Poland|Portugal|Qatar|Romania|Russia|Rwanda|Saint Lucia|Samoa|San Marino|Saudi Arabia|Senegal|Serbia|Seychelles|
Sierra Leone|Singapore|Slovakia|Slovenia|Solomon Islands|Somalia|South Africa|South Korea|South Sudan|Spain|Sri Lanka|
Sudan|Suriname|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|Tonga|Trinidad and Tobago|Tunisia|
Turkey|Türkiye|Turkmenistan|Tuvalu|Uganda|Ukraine|United Arab Emirates|UAE|United Kingdom|UK|United States|USA|US|
U.S.|U.S.A.|America|Uruguay|Uzbekistan|Vanuatu|Vatican City|Venezuela|Vietnam|Yemen|Zambia|Zimbabwe|
England|Scotland|Wales|Northern Ireland|Great Britain|Britain|Hong Kong|Macau|Puerto Rico|Greenland|Catalonia|
Bavaria|Tuscany|Sicily|Sardinia|Corsica|Normandy|Brittany|Provence|Quebec|Ontario|British Columbia|Alberta|Manitoba|
Saskatchewan|Nova Scotia|New Brunswick|Newfoundland|Prince Edward Island|Yukon|Nunavut|New South Wales|Victoria|
Queensland|Tasmania|Western Australia|South Australia|Northern Territory|
Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Hawaii|Idaho|Illinois|Indiana|Iowa|
Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|
Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|
Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|
Wyoming|D.C.|DC|Washington D.C.|
AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|
RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|ON|QC|BC|AB|NSW|QLD|
Africa|Asia|Europe|North America|South America|Oceania|Antarctica""".replace("\n", "").split("|")}


def _place_qualifier(text: str) -> bool:
    """The part after a comma is where the first part is ("Paris, France", "Springfield, IL")
    or a company or name suffix ("Apple, Inc.", "King, Jr."), not a second candidate
    ("Paris, London")."""
    t = " ".join(_ascii_fold(text).replace("the ", "").split()).casefold()
    if t in _PLACES or t.rstrip(".") in _PLACES:
        return True
    tokens = re.findall(r"[a-z]+", t)
    return bool(tokens) and all(tok in _SUFFIXES for tok in tokens)


def _qualified(text: str) -> tuple[str, str] | None:
    """"Paris, France" -> ("Paris", "France") when both parts look like proper nouns."""
    if text.count(",") != 1:
        return None
    head, qualifier = (part.strip() for part in text.split(","))
    if not head or not qualifier or len(qualifier.split()) > 3:
        return None
    if head[:1].isupper() and qualifier[:1].isupper():
        return head, qualifier
    return None


def _compare_phrase(pred: str, gold: str, is_name: bool = False) -> bool:
    p_parts, g_parts = _qualified(pred), _qualified(gold)
    # "Paris, France" is a place and its country: person-name rules (a surname alone) must
    # not accept "France" for it.
    whole_as_name = is_name and not p_parts and not g_parts
    for g_text in _parenthetical_variants(gold):
        for p_text in _parenthetical_variants(pred)[:2]:
            if _phrase_equal(p_text, g_text, whole_as_name):
                return True
    if p_parts and _place_qualifier(p_parts[1]) and _phrase_equal(p_parts[0], gold, is_name):
        return True  # "Paris, France" for "Paris"
    if g_parts and _place_qualifier(g_parts[1]) and _phrase_equal(pred, g_parts[0], is_name) and \
            not _phrase_equal(pred, g_parts[1], is_name):
        return True  # "Paris" for "Paris, France"
    if is_name and g_parts and _same_length_name(pred, f"{g_parts[1]} {g_parts[0]}"):
        return True  # "John Smith" for "Smith, John"
    if is_name and p_parts and _same_length_name(f"{p_parts[1]} {p_parts[0]}", gold):
        return True
    return False


def _same_length_name(pred: str, gold: str) -> bool:
    """A name read surname-first matches only as a whole ("Smith, John" = "John Smith"): a
    reordered pair of candidates ("Paris, London") must not become a fuller name."""
    p, g = _phrase_tokens(pred, True), _phrase_tokens(gold, True)
    return len(_strip_titles(_plain(p))) == len(_strip_titles(_plain(g))) and _phrase_equal(pred, gold, True)


def _phrase_equal(pred: str, gold: str, is_name: bool) -> bool:
    p, g = _phrase_tokens(pred), _phrase_tokens(gold)
    if _tokens_equal(p, g) or _contains_with_filler(p, g):
        return True
    if is_name and _name_match(_phrase_tokens(pred, True), _phrase_tokens(gold, True), _name_like(pred)):
        return True
    pq, gq = parse_number(pred), parse_number(gold)
    if pq is not None and gq is not None:
        return numbers_equal(pq, gq)
    return False


# ---------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------

def split_list(text: str) -> list[str]:
    """Items of "a, b and c" / "a; b; c" / bullet lines / "a and b"."""
    text = text.strip()
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line) for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        return [line.strip().rstrip(",;.") for line in lines if line.strip()]
    sep = ";" if ";" in text else ","
    parts = [p.strip() for p in text.split(sep)]
    if len(parts) > 1:
        last = re.sub(r"^(?:and|or|&)\s+", "", parts[-1], flags=re.I)
        parts = parts[:-1] + [last]
        if " and " in parts[-1] and len(parts) > 1 and sep == ",":
            parts = parts[:-1] + [s.strip() for s in re.split(r"\s+(?:and|&)\s+", parts[-1])]
    else:
        parts = [p.strip() for p in re.split(r"\s+(?:and|&)\s+", text)]
    return [p for p in parts if p]


def _compare_list(pred: str, gold: str) -> bool:
    g_items, p_items = split_list(gold), split_list(pred)
    if len(g_items) != len(p_items):
        return False
    if len(g_items) > 7:  # beyond a few items: sort-based matching instead of permutations
        return sorted(_light(x) for x in p_items) == sorted(_light(x) for x in g_items) or \
            all(any(_atom_equal(p, g) for p in p_items) for g in g_items) and \
            all(any(_atom_equal(p, g) for g in g_items) for p in p_items)
    table = [[_atom_equal(p, g) for g in g_items] for p in p_items]
    return any(all(table[i][j] for i, j in enumerate(perm)) for perm in permutations(range(len(g_items))))


def _atom_equal(pred: str, gold: str) -> bool:
    if _light(pred) == _light(gold):
        return True
    kind = infer_type(gold)
    if kind in ("list", "expression"):
        kind = "short_phrase"
    return bool(_compare(pred, gold, kind))


# ---------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _math_verify():
    try:
        import math_verify
    except ImportError:  # the package is a declared dependency; sympy alone still works
        return None
    return math_verify


def _mv_timeout() -> int | None:
    """math-verify times out with SIGALRM, which only the main thread may use; elsewhere
    (verl and TRL may score in worker threads) run without its timeout."""
    return 3 if threading.current_thread() is threading.main_thread() else None


def _mv_parse(text: str):
    mv = _math_verify()
    configs = [mv.LatexExtractionConfig(), mv.ExprExtractionConfig()]
    text = re.sub(r"(?<!\\)\bpi\b", r"\\pi", text)
    candidates = [text] if "$" in text else [f"${text}$", text]
    for candidate in candidates:
        parsed = mv.parse(candidate, extraction_config=configs, parsing_timeout=_mv_timeout())
        if parsed:
            return parsed
    return None


def _compare_expression(pred: str, gold: str) -> bool | None:
    """Symbolic equality through math-verify (sets, intervals, equations, LaTeX). Inputs
    beyond MAX_EXPRESSION_CHARS or with towers of powers are not handed to sympy, which can
    spend unbounded time on them (and math-verify has no timeout off the main thread)."""
    if re.sub(r"\s+", "", pred) == re.sub(r"\s+", "", gold):
        return True
    if _math_verify() is None or any(len(t) > MAX_EXPRESSION_CHARS or _COSTLY.search(t) for t in (pred, gold)):
        return None
    try:
        g, p = _mv_parse(gold), _mv_parse(pred)
        if not g or not p:
            return None
        return bool(_math_verify().verify(g, p, timeout_seconds=_mv_timeout()))
    except Exception:  # noqa: BLE001 - math-verify raises many kinds on odd input; undecided
        return None


# ---------------------------------------------------------------------------------------
# Type inference and the public entry points
# ---------------------------------------------------------------------------------------

_MATHY = re.compile(r"\\[a-zA-Z]+|\^|sqrt|\bpi\b|π|[a-zA-Z]\s*[=+*/]\s*[\w(]|\d\s*[a-rt-zA-Z]\b(?!\.)|[=<>≤≥!]")


def infer_type(gold: str) -> str:
    """The most specific type the reference reads as."""
    text = _strip_wrappers(str(gold))
    if yes_no(text) is not None and len(text.split()) <= 2:
        return "yes_no"
    if parse_number(text) is not None:
        return "number"
    if parse_dates(text) and re.search(r"[a-zA-Z/\-.]", text) and not re.sub(
            r"[\d\s,./\-]", "", _MONTH_STRIP.sub("", _ERA_STRIP.sub("", _WEEKDAYS.sub("", re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", text.lower()))))):
        return "date"
    if _MATHY.search(text) and not re.search(r"[a-zA-Z]{4,}", re.sub(r"\\[a-zA-Z]+|sqrt", "", text)):
        return "expression"
    if ";" in text or text.count(",") >= 2:
        return "list"
    return "short_phrase"


_MONTH_STRIP = re.compile(r"\b(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r"|of|the|st|nd|rd|th)\b")
_ERA_STRIP = re.compile(r"\b(?:bce|bc|ce|ad)\b|b\.c\.e?\.?|a\.d\.|c\.e\.")


def _compare(pred: str, gold: str, kind: str) -> bool | None:
    if kind == "number":
        return _compare_number(pred, gold)
    if kind == "date":
        return _compare_date(pred, gold)
    if kind == "yes_no":
        return _compare_yes_no(pred, gold)
    if kind == "list":
        return _compare_list(pred, gold)
    if kind == "expression":
        return _compare_expression(pred, gold)
    return _compare_phrase(pred, gold, is_name=kind == "name")


# ---------------------------------------------------------------------------------------
# Reward hacking: answers that cover several outcomes or avoid committing to one
# ---------------------------------------------------------------------------------------

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
    return any(m.group(0).replace(" ", "").lower() not in _UNIT_ALIAS for m in _SLASHED_WORDS.finditer(text))


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


def decide(prediction: str, ground_truth: str, answer_type: str | None = None,
           question: str | None = None) -> bool | None:
    """True / False when the rules can tell, None when they cannot (`verify` counts that as
    no). `prediction` may be a whole response; its final answer is extracted.
    `question` (the prompt, or the question alone) lets the check refuse a response that only
    repeats it."""
    response = strip_echo(prediction, question)
    pred = extract_answer(response)
    gold = _strip_wrappers(str(ground_truth or ""))
    if not pred or not gold:
        return False if gold else None
    boxes = {}
    for content in _all_boxed(_answer_region(response)):
        boxes.setdefault(_light(content), content)
    boxes.pop("", None)
    if len(boxes) > 1:  # several boxed answers: each must be the answer, or it is a list of guesses
        return len(boxes) <= MAX_BOXES and all(decide(box, gold, answer_type) is True for box in boxes.values())
    if _light(pred) == _light(gold):
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
        result = _compare_phrase(pred, gold, is_name=kind == "name") or None
    return result


def verify(prediction: str, ground_truth: str, answer_type: str | None = None, question: str | None = None) -> bool:
    """Does the response's final answer match the ground truth? Undecidable counts as no."""
    return bool(decide(prediction, ground_truth, answer_type, question))


@lru_cache(maxsize=65536)
def gold_decidable(ground_truth: str, answer_type: str | None = None) -> bool:
    """Can the rules check answers against this reference at all? No for an empty or
    over-long reference, or an expression math-verify cannot parse. The rewards return None
    for such a row (TRL then skips the sample) instead of scoring every completion 0."""
    gold = _strip_wrappers(str(ground_truth or ""))
    if not gold or len(gold) > MAX_ANSWER_CHARS:
        return False
    kind = answer_type if answer_type in ANSWER_TYPES else infer_type(gold)
    if kind != "expression" and infer_type(gold) != "expression":
        return True  # a phrase comparison always applies
    if _math_verify() is None or len(gold) > MAX_EXPRESSION_CHARS or _COSTLY.search(gold):
        return False
    try:
        parsed = _mv_parse(gold) or []
    except Exception:  # noqa: BLE001
        return False
    return any(not isinstance(item, str) for item in parsed)  # math-verify keeps the raw text when it fails


def score(prediction: str, ground_truth: str, answer_type: str | None = None, question: str | None = None) -> float:
    """The binary reward, 1.0 or 0.0; never raises (a reward must not crash a training step)."""
    try:
        return 1.0 if verify(prediction, ground_truth, answer_type, question) else 0.0
    except Exception:  # noqa: BLE001
        return 0.0
