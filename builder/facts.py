"""Facts a question can be written for, found by code: a sentence of the document and a
short value in it (a date, a number, a name, a term the sentence defines).

The generate stage used to let the model pick both the answer and the question. On the
sample corpus most of those pairs failed a careful reader: the 1.5B model answered with a
value the document gives for something else, half a formula, or a made-up version number.
Here code picks the value and the sentence that states it, so the answer is in the
document and the evidence states it by construction; the model only writes the question
that asks for that value, which it does far more reliably. Each persona gets the fact
whose sentence speaks most to it, so the personas still decide what is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from webscale_rl.builder.checks import (
    BADGE,
    CODE_AND_VALUE,
    CODE_SEMICOLON,
    MEASURE_UNITS,
    PER_UNIT,
    URL,
    answer_in_text,
    answer_is_example,
    lines,
    sentences,
    stated_only_in_example_code,
    stems,
    without_possessive,
)
from webscale_rl.eval.answers.phrases import place_qualifier
from webscale_rl.eval.answers.text import normalize

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?\b|\b{_MONTH}\s+\d{{4}}\b|\b{_MONTH}\s+\d{{1,2}}\b"
    r"|(?<![\w-])(?:1[0-9]|20)\d{2}s?\b")
# A number, with its currency sign, percent sign or unit when the sentence gives one.
_UNITS = MEASURE_UNITS + (
    "|people|students|children|members|pages|steps|players|seats|rooms|times|episodes|votes|species|countries|languages")
# A unit per another is one unit: "19.3 grams per cubic centimeter", not "19.3 grams".
_PER = rf"(?:\s+per\s+{PER_UNIT}\b)?"
_AMOUNT = re.compile(
    rf"(?<![\w.,^-])(?:[$€£]\s?)?\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?(?:[\s-]?(?:{_UNITS})\b{_PER}|%)?(?!\w)"
    rf"|(?<![\w.,^-])(?:[$€£]\s?)?\d+(?:\.\d+)?(?:[\s-]?(?:{_UNITS})\b{_PER}|%)?(?!\w)")
# One to five capitalised words ("Maria Montessori", "Casa dei Bambini", "Golden Gate Bridge").
# A name may open with words in capitals when a capitalised word follows on the line ("GNU
# Emacs", "VS Code", "JR East", "GNU MPFR Library"), and words joined by a slash are one word
# ("Debian XML/SGML Group"). After "of", "for" and the like, a word in capitals is no part of
# the name ("GitHub Actions for CI").
_INITIALS = r"(?:[A-Z]\.[ \t]?){1,3}(?=[A-Z][\w'’-]*[a-z])"  # "R.A. Fisher", "M. D. Garris", "John F. Kennedy"
# not a unit or a variable ending a sentence: "so I = 1.2 A. The voltage…", "V × I. Substituting…"
_NAME = re.compile(r"(?<![\w/.])(?:(?<![\d×*=+] )" + _INITIALS + r")?(?:[A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z][A-Z0-9]+(?=(?:[ \t]+[A-Z][A-Z0-9]+)*[ \t]+[A-Z][\w'’-]*[a-z]))"
                   r"(?:/[A-Z][\w'’-]+)*"
                   r"(?:\s+(?:(?:of|for|de|dei|da|di|van|von|der|the)\s+(?:the\s+)?[A-Z][\w'’-]*[a-z][\w'’-]*|" + _INITIALS
                   + r"[A-Z][\w'’-]+|[A-Z][\w'’-]+(?:/[A-Z][\w'’-]+)*)){0,4}")
# A term the sentence defines: "... is called radiative cooling", "known as the rule of 72"; not
# an adverb ("named similarly to").
_TERM = re.compile(r"\b(?:called|known as|named|termed)\s+(?:the\s+)?(?![a-z]+ly\b)([A-Za-z][\w-]*(?:\s+(?:of\s+)?[\w-]+){0,3}?)(?=[,.;:)]|\s+(?:and|or|which|that|because|by|in|for|after|since|from|to|when)\b|$)")
_NOT_NAMES = {"The", "This", "That", "These", "Those", "It", "In", "On", "At", "For", "If", "When", "While", "After",
              "Before", "A", "An", "Each", "Every", "Some", "Most", "Many", "Our", "Your", "We", "You", "They",
              "He", "She", "His", "Her", "Its", "There", "Here", "But", "And", "Or", "So", "As", "Monday", "Tuesday",
              "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "I", "I'd", "I'm", "I've", "I'll", "Step", "Note",
              "Tip", "Yes", "No"}
# Words in capitals that stress, not name ("You MUST install one of the packages").
_NOT_NAMES |= {"MUST", "SHOULD", "SHALL", "MAY", "NOT", "REQUIRED", "RECOMMENDED", "OPTIONAL", "NOTE", "WARNING",
               "IMPORTANT", "ONLY", "ALL", "NEVER", "ALWAYS"}
# A person's title, which the name after it answers for ("said Dr. Priya Natarajan": not "Dr";
# "first used by Sir R.A. Fisher": R.A. Fisher).
_NOT_NAMES |= {"Dr", "Mr", "Mrs", "Ms", "Prof", "Rev", "Sen", "Gov", "Capt", "Sgt", "Lt", "Col", "Gen", "Sir", "Dame", "President"}
# A preposition a list item's layout capitalised: "- **document oriented:** Like MongoDB_, you can…"
_NOT_NAMES |= {"Like", "Unlike", "With", "Without", "From", "By", "Since", "Until", "During", "Through", "Under",
               "Over", "About", "Than", "Per", "Into", "Onto", "Upon", "Within", "Besides"}
_NOT_NAMES |= {word.replace("'", "’") for word in _NOT_NAMES if "'" in word}  # "I’m" as typeset
_NOT_NAMES |= {"Celsius", "Fahrenheit", "Kelvin", "January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December"}
_ADJECTIVE = re.compile(r"(?:[ie]an|can|ish|ese|ic|ch|i)$")  # Italian, American, Swedish, Chinese, Nordic, Dutch, Israeli
_YEARLY = re.compile(rf"\b(?:every|each) (?:year|{_MONTH})\b|\bannual(?:ly)?\b|\byearly\b|\b(?:is|are) (?:held|celebrated|observed|marked)\b|\bfalls on\b")
_RANGE_AFTER = re.compile(rf"\s*(?:to|-|–|and|until)\s*(?:\d|{_MONTH})")
_RANGE_BEFORE = re.compile(r"\d\s*(?:to|-|–|and|until)\s*$")
# A line of code, an interpreter or shell prompt, a command, or a row of badges ("[![Build Status](…)").
_CODE = re.compile(rf"[{{}}]|{CODE_SEMICOLON}|\w\.\w+\(|^\s*[a-z_]\w*\s*(?::=|=)\s|^\s*(?:>>>|\.\.\.|\$|%)\s|^\s*(?:git|pip|python3?|cd)\s|^\s*{BADGE}")
# A place that opens a clause and scopes its figure: "In California it is 21 days, in New York 14".
_SCOPE_BEFORE = re.compile(r"(?:^|[,;]\s*|\band\s+)[Ii]n\s+(?:the\s+)?$")
_SCOPE_AFTER = re.compile(r"\s*,|\s+(?:it|they|the|a|an)\b|\s+\d")
_CLAUSE_BREAK = re.compile(r"[,;:]\s|\s(?:and|but|while|whereas)\s")
_IN_A_PLACE = re.compile(rf"\b[Ii]n\s+(?:the\s+)?(?!{_MONTH})[A-Z][a-z]")
_CODE_SIGNS = re.compile(r"`|\w\(|[%*+/=<>]|\bfor\b")  # not prose in brackets: "The census (2020) gives 331 million"
_JOINER = re.compile(r",?\s+and\s+(?:the\s+)?|,\s+(?:the\s+)?")
_MIN_WORDS = 6
# What may stand before a sentence's first word: quotes, brackets, a list's bullet or number,
# emphasis, emoji ("- **Support** for gzip", "1. Install", "🔥 Fine-tune").
_LAYOUT = re.compile(r"[^A-Za-z]*")
# A licence is named with its version ("the Apache 2.0 License", "the MIT license", "Apache
# License, Version 2.0", "a 3-clause BSD license"): its number alone ("2.0") or one of its words
# ("Apache") names none.
_LICENCE = re.compile(r"\b(?:\d-[Cc]lause\s+)?(?:[A-Z][\w-]*\s+){1,6}?(?:v?\d+(?:\.\d+)*\s+)?(?:[A-Z][\w-]*\s+){0,3}[Ll]icen[cs]e\b"
                      r"(?:,?\s+[Vv]ersion\s+\d+(?:\.\d+)*|\s+v?\d+(?:\.\d+)*(?![\w.]))?")
# A sentence that sends the reader elsewhere states nothing of its own: "See the GNU General
# Public License for more details.", "Consult the Changelog page for fixes".
_POINTER = re.compile(r"^[^A-Za-z]*(?:(?:please|for (?:more|further) (?:details|information),?)\s+)?"
                      r"(?:see|refer to|visit|read|consult|check out)\b", re.IGNORECASE)
_LABEL = re.compile(r"[^A-Za-z]*[^:\n]{1,40}:\s*[^A-Za-z]*")  # a list item's label: "- `Tasks`_: ", "**Trainers**: "


@dataclass(frozen=True)
class Fact:
    """A value the document states, the sentence that states it, and what kind of value it is."""

    sentence: str
    answer: str
    answer_type: str  # one of the method's answer types: date, number, name, short_phrase
    context: str = ""  # the sentence before it, when this one refers back to it
    clause: str = ""  # the clause of the sentence the value holds in, when a place scopes it

    @property
    def source(self) -> tuple[str, str]:
        """What a question about this fact asks about: its sentence, or for a figure scoped by a
        place, its clause ("in New York it is 14 days" and "in Texas it is 30 days" are two
        statements of one sentence, each worth its own question)."""
        return self.sentence, self.clause


def _lower_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w'’-]+", text)}


def _numbers_in(sentence: str) -> int:
    return len(re.findall(r"(?<![\w.])\d+(?:[.,]\d+)*", sentence))


def _placed_clause(sentence: str, m: re.Match) -> str:
    """The clause of the figure when it is the only figure there and the clause names a place
    ("in Texas it is 30 days", "for example 12,500 dollars for individuals in California");
    "" otherwise."""
    breaks = [b.end() for b in _CLAUSE_BREAK.finditer(sentence, 0, m.start())]
    after = _CLAUSE_BREAK.search(sentence, m.end())
    clause = sentence[breaks[-1] if breaks else 0:after.start() if after else len(sentence)]
    return clause.strip() if _numbers_in(clause) == 1 and _IN_A_PLACE.search(clause) else ""


def _capitalised_by_layout(before: str, name: str, after: str) -> bool:
    """The word opens its sentence or list item, so grammar or layout capitalised it, not a
    name: "Support for gzip", "- Custom allocators must be thread-safe", "- `Tasks`_: Stateless
    functions" (a README's lists gave the generator "Support", "Custom" and "Stateless" as
    names to ask for). After a label, two capitalised words stay a name ("Instructor: Dana
    Whitfield"), and so does one word followed by no lowercase word ("Requires: Python 3.8") or
    by a list ("Schedule: Mondays and Wednesdays")."""
    if _LAYOUT.fullmatch(before):
        return True
    return bool(_LABEL.fullmatch(before)) and " " not in name and re.match(r"\s+(?!and\b|or\b)[a-z]", after) is not None


def _place_and_region(group: list[tuple[int, int, str, bool]], sentence: str) -> bool:
    """Two names with only a comma between them, the second a country, state or region: one
    place ("Chiaravalle, Italy", "Springfield, Illinois"), which the answer check reads as a
    name and its qualifier ("Chiaravalle" answers it), not a list of two."""
    return len(group) == 2 and sentence[group[0][1]:group[1][0]] == ", " and place_qualifier(group[1][2])


def _spans(sentence: str, subject: str) -> list[tuple[str, str, str]]:
    """(answer, answer_type, placed clause or "") candidates of one sentence, the most
    checkable kinds first."""
    found: list[tuple[str, str, str]] = []
    taken: list[tuple[int, int]] = [m.span() for m in URL.finditer(sentence)]

    def free(m: re.Match) -> bool:
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    for m in _LICENCE.finditer(sentence):
        if free(m):
            taken.append(m.span())
            words = m.group(0).split()
            while words[0] in _NOT_NAMES:  # "The MIT license" opening a sentence; "This license" names none
                words = words[1:]
            if len(words) > 1:
                found.append((" ".join(words), "name", ""))
    for m in _DATE.finditer(sentence):
        if not free(m):
            continue
        taken.append(m.span())
        if re.search(r"[=$€£]\s*$", sentence[:m.start()]) or re.match(r"\s*[×*^/+=-]\s*\d", sentence[m.end():]):
            continue  # "P = 2000", "2000 × 1.05^3": a value in a formula, not a year
        if _RANGE_AFTER.match(sentence, m.end()) or re.search(r"\b(?:between|from)\s+$", sentence[:m.start()]) \
                or _RANGE_BEFORE.search(sentence[:m.start()]):
            continue  # "between March 1 and April 15": one end of a span
        if not re.search(r"\d{3}", m.group(0)) and not _YEARLY.search(sentence):
            continue  # "MILLBROOK, September 9 -": a day without its year dates nothing that happens once
        found.append((m.group(0), "date", ""))
    # A sentence with many figures ("a 750 g box costs 2.40, 3.20 per kilogram") invites a
    # question for the wrong one; its numbers are left alone, but for a figure alone in a clause
    # that says where it holds ("In California it is 21 days, in New York it is 14 days"), since
    # the place tells a question which figure it asks for.
    many = _numbers_in(sentence) > 2
    for m in _AMOUNT.finditer(sentence):
        clause = _placed_clause(sentence, m) if many else ""
        if many and not clause:
            continue
        value = m.group(0).strip()
        bare = re.fullmatch(r"\d+", value)
        in_range = _RANGE_AFTER.match(sentence, m.end()) or _RANGE_BEFORE.search(sentence[:m.start()]) \
            or re.match(r"\s*[ap]\.?m\b", sentence[m.end():])  # "7 a.m.": a time of day, not an amount
        # "25-hydroxyvitamin", "10^22", "0.999...", "1.18.8": part of a word, a power, a repeating
        # decimal or a release number, which no question answered by its first two parts would ask
        in_word = re.match(r"-[A-Za-z]|\^|\.\.\.|…|\.\d", sentence[m.end():])
        in_subject = bare and value in re.findall(r"\d+", subject)  # "Tram 28": part of the name
        if free(m) and not in_range and not in_word and not in_subject and not (bare and int(value) < 2):  # "1." of a list, "one" of a kind
            found.append((value, "number", clause))
            taken.append(m.span())
    subject_words = _lower_words(subject)
    names: list[tuple[int, int, str]] = []
    for m in _NAME.finditer(sentence):
        if sentence[max(0, m.start() - 1):m.start()] == ".":
            continue  # sort.Strings, an identifier in code
        words = without_possessive(m.group(0)).split()
        while words and (words[0] in _NOT_NAMES or words[0].islower() or re.search(r"-[a-z]", words[0])):
            words = words[1:]
        if len(words) == 1 and _ADJECTIVE.search(words[0]) and re.match(r"\s+[a-z]", sentence[m.end():]):
            continue  # "the Swedish chemist": a nationality, not a name
        if len(words) == 1 and re.fullmatch(r"[A-Z]{2,}s", words[0]):
            continue  # "APIs", "PRs", "URLs": a plural of a common term
        # a closing quote ("the 'Debian XML/SGML Group' project") or reStructuredText's link
        # mark ("if Babel_ is installed", "`Unicode consortium <…>`__") is no part of the name
        name = " ".join(words).rstrip("'’_")
        at = sentence.find(name, m.start())
        if not name or not free(m) or name in _NOT_NAMES:
            continue
        initialled = re.match(r"[A-Z]\.", name) is not None  # "- E. Alpaydin, C. Kaynak (1998)": no layout capitalises an initial
        names.append((at, at + len(name), name, not initialled and _capitalised_by_layout(sentence[:at], name, sentence[at + len(name):])))
    # "Graça, Alfama, Baixa, Chiado and Estrela", "North Africa and the Middle East": one of
    # them alone does not answer a question about all of them, so the list is the answer. A
    # list whose first word layout capitalised is no answer, nor is its rest ("- XML Signature
    # Syntax and Processing" would leave "Processing").
    groups: list[list[tuple[int, int, str, bool]]] = []
    for name in names:
        if groups and _JOINER.fullmatch(sentence[groups[-1][-1][1]:name[0]]):
            groups[-1].append(name)
        else:
            groups.append([name])
    for group in groups:
        if group[0][3]:
            continue
        answer = sentence[group[0][0]:group[-1][1]]
        if _lower_words(answer) <= subject_words:
            continue  # the subject itself: the question must name it, so it cannot be the answer
        if _numbers_in(sentence) and _SCOPE_BEFORE.search(sentence[:group[0][0]]) and _SCOPE_AFTER.match(sentence, group[-1][1]):
            continue  # "In the United States, the daily intake is 600 units": where the figure holds, not what is stated
        if len(group) <= 5:
            found.append((answer, "name" if len(group) == 1 or _place_and_region(group, sentence) else "list", ""))
    for m in _TERM.finditer(sentence):
        term = m.group(1)
        if 1 <= len(term.split()) <= 4 and not _lower_words(term) <= subject_words:
            found.append((term, "short_phrase", ""))
    return found


def candidates(document: str, subject: str) -> list[Fact]:
    """Every fact of the document, in document order: statements only (no title, heading,
    question, fragment, code example or pointer to another text), each value once (a value stated twice is ambiguous as an answer
    only if the sentences differ; the first statement is kept)."""
    title = document.strip().split("\n", 1)[0]
    seen: set[str] = set()
    out = []
    for sentence, before in with_context(document):
        if sentence == title or sentence.endswith("?") or not sentence.endswith((".", "!", ")", '"')):
            continue
        given = CODE_AND_VALUE.search(sentence)
        if given and _CODE_SIGNS.search(given.group("code")):  # other sentences with code in them are left alone
            spans = [(given.group("value").strip("`"), "expression", "")]
        elif len(sentence.split()) < _MIN_WORDS or _CODE.search(sentence) or _POINTER.search(sentence) \
                or stated_only_in_example_code(sentence, document):
            continue  # a fragment, a line of code or a code example's comment, or a pointer to another text
        else:
            spans = _spans(sentence, subject)
        for answer, answer_type, clause in spans:
            key = normalize(answer)
            if key in seen or answer_is_example(answer, sentence):  # "such as Denmark and Norway": not all of them
                continue
            if not answer_in_text(answer, sentence, answer_type):  # a link's address: "a [good chance](docs/index.md#Tokenizer)"
                continue
            seen.add(key)
            out.append(Fact(sentence, answer, answer_type, before, clause))
    return out


_REFERS_BACK = re.compile(r"^[\"'“(]?(?:It|Its|He|She|His|Her|They|Their|Them|This|That|These|Those|There|Such|The same)\b"
                          r"|^In\s+[^,.]{1,40}?\s(?:it|they)\s(?:is|are|was|were)\b")  # "In California it is 21 days"


def with_context(document: str) -> list[tuple[str, str]]:
    """Each sentence with the one before it on the same line when it needs it ("It served 50
    children": what is "it"?); "" otherwise, since a model shown more than the fact tends to
    copy the extra sentence into the question."""
    out = []
    for line in lines(document):
        previous = ""
        for sentence in sentences(line):
            out.append((sentence, previous if _REFERS_BACK.match(sentence) else ""))
            previous = sentence
    return out


def assign(facts: list[Fact], personas: list[str], subject: str) -> list[Fact | None]:
    """One fact per persona, each from a different source (sentence, or placed clause) and,
    where the document allows, of a different kind: the fact whose sentence shares most words
    with the persona and the subject, earlier sentences first on a tie (documents put their
    main facts first)."""
    about = stems(subject)
    chosen: list[Fact | None] = []
    used_sources: set[tuple[str, str]] = set()
    used_types: set[str] = set()
    for persona in personas:
        wants = stems(persona) - about  # "a tram enthusiast" says nothing more than the subject "Tram 28"
        best, best_score = None, None
        for order, fact in enumerate(facts):
            if fact.source in used_sources:
                continue
            words = stems(fact.sentence)
            score = (2 * len(words & wants) + len(words & about) - (1 if fact.answer_type in used_types else 0), -order)
            if best_score is None or score > best_score:
                best, best_score = fact, score
        chosen.append(best)
        if best is not None:
            used_sources.add(best.source)
            used_types.add(best.answer_type)
    return chosen
