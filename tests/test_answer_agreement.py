"""The pair checks and the reward read a document alike. An answer the checks find in a
sentence is one the reward accepts for a run of the sentence's words, and an answer the reward
accepts for some run of its words is one the checks find: the same number written 12,000 /
12k / twelve thousand, the same date in any format, the same name with or without accents,
the same length in another unit. A run stands where a model's response would (the reward's
`verify(response, answer)`), the pair's answer where the reference does."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings, strategies as st

from webscale_rl.builder.checks import answer_in_text
from webscale_rl.eval.verify import locate, verify

EXAMPLES = 400
# A word is what spaces separate, or a part of one joined by a hyphen, a slash or a dot
# between letters ("Zürich-based", "km/h", "collections.Counter").
WORD = re.compile(r"\S+")
INNER = re.compile(r"(?<=\w)[-–/](?=\w)|(?<=[^\W\d])\.(?=[^\W\d])")
EDGE = " \"'“”()[],;:!?"


def runs(sentence: str, longest: int = 9) -> list[str]:
    """Every run of up to `longest` words of the sentence, its edge punctuation left off."""
    bounds = []
    for match in WORD.finditer(sentence):
        start = match.start()
        for inner in INNER.finditer(match.group(0)):
            bounds.append((start, match.start() + inner.start()))
            start = match.start() + inner.end()
        bounds.append((start, match.end()))
    spans = {sentence[a:bounds[j][1]].strip(EDGE) for i, (a, _) in enumerate(bounds) for j in range(i, min(i + longest, len(bounds)))}
    return sorted(span for span in spans if span)


# --- numbers -------------------------------------------------------------------------------

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def in_words(n: int) -> str:
    """An English number word for 0 <= n < 10**9 ("twelve thousand", "three hundred and five")."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + in_words(rest))
    for scale, word in ((10**6, "million"), (10**3, "thousand")):
        if n >= scale:
            rest = n % scale
            return in_words(n // scale) + " " + word + ("" if rest == 0 else (" and " if rest < 100 else " ") + in_words(rest))
    raise ValueError(n)


def spellings(n: int) -> list[str]:
    """The ways a document or an answer writes the whole number n."""
    out = [str(n), f"{n:,}", f"{n:,}".replace(",", "\u202f"), in_words(n)]
    if n % 1000 == 0 and n < 10**6:
        out += [f"{n // 1000}k", f"{n // 1000} thousand"]
    if n % 10**5 == 0 and n >= 10**6:
        out += [f"{n / 10**6:g} million", f"{n / 10**6:g}m"]
    return out


@st.composite
def numbers(draw) -> tuple[str, str, str]:
    """A count, a distance or a share, written one way in the sentence and another (or another
    value) in the answer."""
    n = draw(st.one_of(st.builds(lambda a, e: a * 10 ** e, st.integers(1, 999), st.integers(0, 6)),
                       st.sampled_from([12000, 1240, 48000, 550000, 1500000, 2500000, 576, 7, 30])))
    other = draw(st.sampled_from([n, n, n, n + 1, n * 10, n // 10 or 2]))
    kind = draw(st.sampled_from(["count", "distance", "share"]))
    if kind == "count":
        stated = draw(st.sampled_from(spellings(n))) + " people"
        answer = draw(st.sampled_from(spellings(other))) + draw(st.sampled_from(["", " people", " employees"]))
    elif kind == "distance":
        metres = n if n < 10**5 else n // 1000
        forms = [f"{metres:,} m", f"{metres} metres", f"{metres / 1000:g} km", f"{metres / 1000:g} kilometres", f"{metres / 1609.344:.1f} miles"]
        other_metres = other if other < 10**5 else other // 1000
        stated = draw(st.sampled_from(forms))
        answer = draw(st.sampled_from([f"{other_metres:,} m", f"{other_metres / 1000:g} km", f"{other_metres} meters", f"{other_metres / 1000:g} kilometers"]))
    else:
        pct = n % 100 or 50
        other_pct = draw(st.sampled_from([pct, pct, pct + 1]))
        stated = draw(st.sampled_from([f"{pct}%", f"{pct} percent", f"{pct} per cent"]))
        answer = draw(st.sampled_from([f"{other_pct}%", f"{other_pct / 100:g}", f"{other_pct} percent"]))
    template = draw(st.sampled_from({
        "count": ["The firm employs {} in Zürich.", "By 2019 the survey had counted {}, up from 9,500.",
                  "Residents ({} in all) voted on the 3rd of June."],
        "distance": ["It is {} from the old harbour to the new bridge.", "The glacier lost {} of length by 2019."],
        "share": ["Roughly {} of the vote went to the Greens.", "A 12-member panel rejected {} of the 1,240 bids."],
    }[kind]))
    return template.format(stated), answer, "number"


# --- dates ---------------------------------------------------------------------------------

MONTHS = "January February March April May June July August September October November December".split()


def date_spellings(y: int, m: int, d: int) -> list[str]:
    month = MONTHS[m - 1]
    suffix = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return [f"{d} {month} {y}", f"{month} {d}, {y}", f"{y}-{m:02d}-{d:02d}", f"{d}{suffix} of {month} {y}",
            f"{month[:3]} {d}, {y}", f"{d:02d}/{m:02d}/{y}"]


@st.composite
def dates(draw) -> tuple[str, str, str]:
    """A day written one way in the sentence; the same day, its month and year, its year, or
    another day in the answer."""
    y, m, d = draw(st.integers(1500, 2030)), draw(st.integers(1, 12)), draw(st.integers(1, 28))
    stated = draw(st.sampled_from(date_spellings(y, m, d)))
    oy, om, od = draw(st.sampled_from([(y, m, d), (y, m, d), (y, m, d % 28 + 1), (y + 1, m, d)]))
    answer = draw(st.sampled_from(date_spellings(oy, om, od) + [f"{MONTHS[om - 1]} {oy}", str(oy)]))
    template = draw(st.sampled_from([
        "Surveyors began measuring on {} and reported 1,240 metres.", "The bridge opened {} after two years.",
        "On {}, 48 turbines were running.", "The charter, dated {}, names Kraków.",
    ]))
    return template.format(stated), answer, "date"


# --- names ---------------------------------------------------------------------------------

# Each name with the spellings an answer may use; the first is how documents write it.
NAMES = [
    ["Zürich", "Zurich", "ZÜRICH", "zurich"], ["São Paulo", "Sao Paulo"], ["Kraków", "Krakow"], ["Łódź", "Lodz"],
    ["Antonín Dvořák", "Antonin Dvorak", "Dvořák"], ["Kurt Gödel", "Kurt Goedel", "Gödel", "K. Gödel"],
    ["Málaga", "Malaga"], ["Ålesund", "Alesund"], ["Marie Skłodowska Curie", "Marie Curie", "Curie"],
    ["Nikola Tesla", "Tesla", "N. Tesla"], ["the Rhône", "Rhone", "Rhône glacier"], ["Tōkyō", "Tokyo"],
    ["the United States", "US", "USA", "U.S.", "America"], ["NASA", "National Aeronautics and Space Administration"],
    ["the National Aeronautics and Space Administration", "NASA", "Space Administration"],
]


@st.composite
def names(draw) -> tuple[str, str, str]:
    """A name as a document writes it; the answer is one of its spellings or another name."""
    group = draw(st.sampled_from(NAMES))
    answer = draw(st.sampled_from(group + [draw(st.sampled_from(NAMES))[1]]))
    template = draw(st.sampled_from([
        "The firm employs 12,000 people in {}.", "A {}-based team measured it in 1874.",
        "Letters from {} (and from Bern) arrived in June.", "{} was where the survey began.",
    ]))
    return template.format(group[0]), answer, draw(st.sampled_from(["name", "short_phrase"]))


CASES = st.one_of(numbers(), numbers(), dates(), names())  # numbers have the most spellings


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(CASES)
@example(("The firm employs 12,000 people in Zürich.", "12k", "number"))
@example(("The firm employs 12,000 people in Zürich.", "twelve thousand", "number"))
@example(("The firm employs 12,000 people in Zürich.", "Zurich", "name"))
@example(("The reservoir is 2.4 km long.", "1.5 miles", "number"))
def test_checks_and_reward_read_a_sentence_alike(case: tuple[str, str, str]) -> None:
    sentence, answer, answer_type = case
    accepted = [run for run in runs(sentence) if verify(run, answer, answer_type)]
    assert answer_in_text(answer, sentence, answer_type) is bool(accepted), accepted
    for span in locate(answer, sentence, answer_type):  # the span the checks found is one the reward accepts
        assert span in sentence and verify(span, answer, answer_type), span
