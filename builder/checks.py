"""Deterministic checks on a generated pair, no LLM: cheap, exact, and the same code the
quality report uses to measure a finished dataset.

A model can paraphrase its "evidence", answer with something the document never says, or
write a question that gives the answer away; each of these is caught here and counted under
its own drop reason before the (paid) check stage sees the pair.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
from collections.abc import Sequence

from webscale_rl.eval.answers.numbers import replace_number_words
from webscale_rl.eval.answers.tables import table
from webscale_rl.eval.answers.text import normalize
from webscale_rl.eval.verify import locate

EXTRACTIVE = {"number", "date", "name", "short_phrase", "list"}
MAX_ANSWER_WORDS = {"list": 16}  # other types: 8 words; a longer answer is an explanation, not a checkable value
DEFAULT_MAX_ANSWER_WORDS = 8
MAX_LIST_ITEM_WORDS = 5

_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*")
_THOUSANDS = re.compile(r"(?<=\d)[,\u2009\u202f ](?=\d{3}\b)")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_WORD = re.compile(r"[^\W_]+(?:[.'-][^\W_]+)*")
_ARTICLES = {"a", "an", "the"}
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"])}
_PASSAGE = re.compile(
    r"\b(?:the|this|that|above|given|provided|following)\s+(?:passage|text|article|material|excerpt|snippet|paragraph|document|context|reading)\b"
    # the fact a question was written from ("based on the given fact", "according to the fact")
    r"|\b(?:given|provided|above|this)\s+(?:fact|facts|sentence|statement)\b|\b(?:information|details?|facts?) (?:provided|given)\b"
    r"|\b(?:in|from)\s+the\s+facts?\b(?!\s+that)"  # "the OS mentioned in the fact about GNU bc"
    # material only the writer saw: "the sum of squared deviations for a given data set"
    r"|\b(?:a|the|this)\s+given\s+(?:data\s*set|data|set|list|sample|example|problem|function|equation|table)\b"
    # the numbered facts of the generate call ("the fund in the first fact")
    r"|\b(?:first|second|third|fourth|fifth|previous|next|last)\s+facts?\b"
    # the writer, asked as "you" ("How many days have you been using the app?")
    r"|\b(?:have|had|did|were)\s+you\b"
    r"|\baccording\s+to\s+(?:the\s+)?(?:passage|text|article|material|excerpt|author|document|source|context|facts?|sentence)\b"
    r"|\b(?:mentioned|described|stated|discussed|shown)\s+(?:above|below|earlier|here)\b"
    # material the reader of a standalone question never sees
    r"|\bthe\s+(?:following|above|below)\b"
    r"|\bthis\s+(?:question|code|snippet|example|page|post|table|figure|list|program|script|query|file|readme"
    r"|chapter|section|book|guide|tutorial|lesson|handbook|manual)\b"  # "the version of Debian this chapter is about"
    # a book left unnamed: "In which section of the book is the setup of RTC servers discussed?"
    r"|\bthe\s+(?:book|handbook)(?=\s*\?|\s+(?:is|are|was|were|does|do|did|describes?|discuss(?:es)?|covers?|explains?"
    r"|says?|mentions?|deals?|gives?)\b)"
    # the README or manual the question was written from, unnamed: "the ASN.1 library mentioned in the README file"
    r"|\b(?:in|from)\s+the\s+(?:readme|manual|documentation|docs|release\s+notes|changelog|faq)\b(?:\s+files?)?(?!\s+(?:of|for)\b)"
    # the release the text comes with: "in this release of tmux", "which this Perl version is based on"
    r"|\bthis\s+(?:[A-Z][\w+-]*\s+)?(?:version|release)\b",
    re.IGNORECASE,
)


# After . ! ? (and a closing quote or bracket), before a capital or digit; not after "U.S."
# "Dr." "Mr." "St." or an initial such as "J.".
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))(?<![A-Z]\.[A-Z]\.)(?<!\b[A-Z]\.)(?<!Mr\.)(?<!Ms\.)(?<!Dr\.)(?<!St\.)(?<!No\.)(?<!vs\.)"
    r"\s+(?=[\"'(\[]?[A-Z0-9])")


# A line that starts a block of its own: a list item, heading, quote, table row, rst directive
# or field, heading underline, fenced or indented code, an interpreter prompt.
_BLOCK_START = re.compile(r"\s*(?:[-*+•]\s|\d+[.)]\s|#|>|\||\.\.\s|:\w+:|([=~^`-])\1\1|\$\s)|\s{4}")
_WRAP_WIDTH = 60  # a line at least this long that stops mid-sentence was wrapped by its writer
# Lines that are never part of a wrapped sentence: code ("total=31", "print(x)"), a labelled
# field of a spec sheet ("Condenser: Abbe type, ..."; a clause with "is" before its colon is
# prose: "MUNGE is free software: you can ..."), a row or a menu of links ("Terms | Privacy"),
# a badge ("[![PyPI](…)](…)") or a link's definition ("[pypi]: https://… \"PyPI\"").
# A semicolon between two words of prose ("Make is free software; you can redistribute it")
# is punctuation; anywhere else ("x++;", "end;", "a;b") it ends a statement of code.
CODE_SEMICOLON = r"(?<![A-Za-z]);|;(?!\s+[a-z])"
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")  # "[Chromium](https://...)": its text
# A link's address states nothing: "(https://github.com/psf/requests/network/dependents?package_id=UGFja...)"
URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]`'\"]+")
BADGE = r"\[?!\["  # a badge or an image opening a line: "[![PyPI](…)](…)", "![logo](…)"
_NOT_PROSE = re.compile(rf"[{{}}]|{CODE_SEMICOLON}|\w\(|^\s*[\w.]+\s*=|\s=\s|^\W*(?![^:]*\b(?:is|are|was|were)\b)[A-Z][\w /&-]{{0,30}}:\s|\s\|\s|^\s*{BADGE}|^\s*\[[^\]]+\]:\s")


# A code fence opens or closes a code block: "```", "~~~", "```python", "```{code-block} shell". A bare run of tildes right
# under a line of text underlines a reStructuredText heading ("v1.0.3" over "~~~~~~") instead.
_FENCE = re.compile(r"(`{3,}|~{3,})\s*([^`]*)")
# A reStructuredText literal block follows a line ending "::" ("like so::") or a code directive;
# another directive's content (".. warning::") is text.
_RST_LITERAL = re.compile(r"^(?!\s*\.\.\s).*::\s*$|^\s*\.\.\s+(?:code-block|code|sourcecode)::")


def code_marks(document: str) -> list[tuple[str, str]]:
    """Each line of the document with what it is: "fence", "code" (inside a fenced block, or the
    indented lines of a reStructuredText literal block) or "text". A fence opened inside a list
    item ends with the item, at the first line indented less than the fence (a README that never
    closes its fences); one with a language after it always opens a block (a closing fence has none)."""
    marks: list[tuple[str, str]] = []
    fence_indent = literal_indent = None
    previous = ""
    for line in document.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if fence_indent is not None and stripped and indent < fence_indent:
            fence_indent = None
        fence = _FENCE.fullmatch(stripped)
        if fence and not (fence.group(1)[0] == "~" and not fence.group(2) and fence_indent is None and previous):
            fence_indent = indent if fence_indent is None or fence.group(2) else None
            marks.append((line, "fence"))
        elif fence_indent is not None:
            marks.append((line, "code"))
        elif literal_indent is not None and (not stripped or indent > literal_indent):
            marks.append((line, "code"))
        else:
            literal_indent = indent if _RST_LITERAL.search(line) else None
            marks.append((line, "text"))
        previous = stripped
    return marks


@functools.lru_cache(maxsize=4)
def _code_and_text(document: str) -> tuple[str, str]:
    """The document's code lines and its text lines, each joined by newlines: read once per
    document, however many of its sentences are asked about."""
    marks = code_marks(document)
    return "\n".join(line for line, mark in marks if mark == "code"), "\n".join(line for line, mark in marks if mark == "text")


def stated_only_in_example_code(sentence: str, document: str) -> bool:
    """The sentence is a line of a code example, a comment most often ("# A primary key ID of
    length 16" over `ShortUUIDField(length=16)`), and no line of text says it: its values are the
    example's settings, not facts about the subject. Asked about the library ("What is the length
    of the primary key ID generated by shortuuid?" → 16), the pair is wrong. (A sentence holds no
    newline, so it is found in the joined lines only where one line holds it.)"""
    sentence = sentence.strip()
    code, text = _code_and_text(document)
    return bool(sentence) and "\n" not in sentence and sentence in code and sentence not in text


def lines(document: str) -> list[str]:
    """The document's lines with hard wraps undone: READMEs, rst and plain-text mail wrap a
    sentence over several lines ("distributed under the Creative Commons\n  Attribution ... 3.0
    United States license."), and read line by line it is two fragments, neither a statement.
    A line joins the one before when that one stops mid-sentence (no closing punctuation; a
    bracket or quote closes nothing on its own: "... or (at your option)" goes on) and
    either this one goes on in lowercase or the one before is as long as a wrapped line; a
    line that starts a block (a list item, a heading, code) never joins, and no line of a code
    block does (`code_marks`). Spec sheets ("Weight: 2 kg") stay one line each."""
    out: list[str] = []
    joinable = False
    last = ""  # the line before, as written
    for line, mark in code_marks(document):
        stripped = line.strip()
        prose = mark == "text" and bool(stripped) and not _NOT_PROSE.search(stripped)
        if joinable and prose and not _BLOCK_START.match(line) and (stripped[0].islower() or len(last) >= _WRAP_WIDTH):
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line)
        last = stripped
        joinable = prose and not stripped.startswith(("#", "|")) and len(stripped.split()) >= 3 and re.search(r"[.!?:;][\"')\]]*$", stripped) is None
    return out


def sentences(document: str) -> list[str]:
    """The document cut into lines (hard wraps undone), and lines into sentences: the units
    evidence is quoted in."""
    out = []
    for line in lines(document):
        out += [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
    return out


def _strip_edges(text: str) -> str:
    return text.strip(" \"'.,;:!?()[]")


def evidence_in_document(evidence: str, document: str) -> bool:
    """The quote occurs in the document; "..." in a quote may skip text, pieces in order."""
    doc = normalize(document)
    pieces = [_strip_edges(p) for p in _ELLIPSIS.split(normalize(evidence))]
    pieces = [p for p in pieces if p]
    if not pieces:
        return False
    at = 0
    for piece in pieces:
        found = doc.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def _numbers(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(_THOUSANDS.sub("", normalize(text)))]


def _numbers_of(text: str) -> set[str]:
    """The numbers of a text as written the same way ("38", "21.0" and "21" alike)."""
    return {f"{n:g}" for n in _numbers(text)}


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def _content_words(text: str) -> list[str]:
    return [w for w in _words(text) if w not in _ARTICLES]


def _list_items(answer: str) -> list[str]:
    parts = re.split(r"\s*(?:,|;|\band\b|&)\s*", normalize(answer))
    return [p for p in (_strip_edges(p) for p in parts) if p]


def answer_in_text(answer: str, text: str, answer_type: str) -> bool:
    """Whether an extractive answer can be read off the text (non-extractive types pass): a
    run of its words earns the reward against the answer, as eval/verify.locate finds it."""
    if answer_type not in EXTRACTIVE:
        return True
    return bool(locate(answer, _MARKDOWN_LINK.sub(r"\1", text), answer_type))  # a link is read as its text


# Words that say nothing about what a question is about.
_FUNCTION_WORDS = set("""
a an the of in on at to for from by with about into over under after before during between through
and or but if than then so as that this these those it its it's is are was were be been being am
do does did done doing have has had can could will would shall should may might must
what which who whom whose when where why how many much long far old often
i me my we our you your he she they them their his her there here not no yes
one some any each every all more most other such same own very just also only
whether instead itself themselves yourself ever still both either neither else
""".split())


def stems(text: str) -> set[str]:
    """Content words without a plural s, cut to 5 letters: 'calibrating' and 'calibrate' meet,
    'bank' and 'banks' too, 'a' and 'the' do not."""
    return {(w[:-1] if w.endswith("s") and len(w) > 3 else w)[:5] for w in _words(text) if w not in _FUNCTION_WORDS and len(w) > 2}


def locate_evidence(question: str, answer: str, answer_type: str, document: str) -> str:
    """The sentence of the document that states the answer: among the sentences the answer can
    be read off, the one sharing most words with the question ("" when none holds the answer).
    Code finds it, not the model: small models cite a sentence next to the right one."""
    asked = stems(question) - stems(answer)
    # a question states nothing ("Is 0.999... equal to 1?" as a title): never evidence
    candidates = [s for s in sentences(document) if not s.endswith("?") and answer_in_text(answer, s, answer_type)]
    if answer_type == "expression":  # the sentence that writes the expression out, if one does
        compact = re.sub(r"\s+", "", normalize(answer))
        candidates = [s for s in candidates if compact in re.sub(r"\s+", "", normalize(s))] or candidates
    best, best_score = "", -1
    for sentence in candidates:
        score = len(asked & stems(sentence))
        if score > best_score:
            best, best_score = sentence, score
    if answer_type not in EXTRACTIVE and best_score < 1:
        return ""  # a yes/no answer needs a sentence about the question
    return best


def question_grounded(question: str, document: str, min_share: float = 1 / 3) -> bool:
    """What the question talks about is in the document: a question copied from a demonstration
    or made up ("the CPython recursion limit" asked of a text about C) shares almost none of its
    words with it (0 to 0.3 on the sample corpus), a paraphrase ("frozen" for "freezes") most.
    Nor may it name anyone or anything the document never mentions ("according to social
    scientist John Nash", of a text about Robin Dunbar; `names_what_the_document_does_not`), or
    state a number it never writes (`states_a_number_the_document_does_not`)."""
    asked = stems(question)
    if asked and len(asked & stems(document)) / len(asked) < min_share:
        return False
    return not names_what_the_document_does_not(question, document) and not quotes_a_formula_the_document_does_not(question, document) \
        and not states_a_number_the_document_does_not(question, document) and not misquotes_a_numbered_name(question, document)


_QUESTION_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)*(?!\w)")


def states_a_number_the_document_does_not(question: str, document: str) -> bool:
    """A number in the question that its document never writes: a year the generator added to
    make the question specific ("Who is the company that deprecated NSSpeechSynthesizer in
    2019?" of a README that gives no year; "How many players took part in the Lakeshore Open
    in 2023?" of a report with no year), or an input it made up. On the audit labels all 6
    such questions are bad."""
    return any(re.search(rf"(?<!\d){re.escape(number)}(?!\d)", document) is None for number in _QUESTION_NUMBER.findall(question))


def misquotes_a_numbered_name(question: str, document: str) -> bool:
    """A name with a number in it ("IPv4", "X11R7", "Python3") beside two words the document
    writes after (or before) the same name with another number: "What protocol number does IPv4
    tunneling over IPv4 use?" of "IPv6 tunneling over IPv4 … uses IPv4 protocol number 41". The
    generator swapped the version, and the question asks about something the document never
    says. The two words must hold a word that is not a function word ("IPv4 and the" is no
    phrase)."""
    words = _words(question)
    numbered = [i for i, w in enumerate(words) if re.search(r"[^\W\d_]", w) and re.search(r"\d", w)]
    if not numbered:  # most questions name none: the document is left unread
        return False
    text = " ".join(_words(document))
    for i in numbered:
        for context, shape in ((words[max(i - 2, 0):i], "{words} {name}"), (words[i + 1:i + 3], "{name} {words}")):
            if len(context) < 2 or all(w in _FUNCTION_WORDS for w in context):
                continue
            around = re.escape(" ".join(context))
            as_asked = shape.format(words=around, name=re.escape(words[i]))
            renumbered = shape.format(words=around, name=re.sub(r"\d+", r"\\d+", re.escape(words[i])))
            if re.search(rf"(?<!\w){as_asked}(?!\w)", text) is None and re.search(rf"(?<!\w){renumbered}(?!\w)", text):
                return True
    return False


# A formula written out: terms joined by "=" and operators ("A = P(1 + r/n)^(nt)", "f(x) = x^3").
_TERM_CHARS = r"[\w().^*/+×−²³-]+"
_FORMULA = re.compile(rf"{_TERM_CHARS}(?:\s*[*/+×−^-]\s*{_TERM_CHARS})*\s*=\s*{_TERM_CHARS}(?:\s*[*/+×−^-]\s*{_TERM_CHARS})*")


def quotes_a_formula_the_document_does_not(question: str, document: str) -> bool:
    """The question writes out a formula its document never writes: copied from a demonstration
    ("What is the tool for price elasticity, as shown in the formula A = P(1 + r/n)^(nt)?" of a
    lecture on elasticity) or made up."""
    formulas = [re.sub(r"\s+", "", normalize(m.group(0))).rstrip(".") for m in _FORMULA.finditer(question)]
    if not formulas:  # most questions write none: the document is left unread
        return False
    compact_document = re.sub(r"\s+", "", normalize(document))  # "−" and "-" alike
    return any(formula not in compact_document for formula in formulas)


def names_what_the_document_does_not(question: str, document: str) -> bool:
    """A name ("John Nash", "Cape Town", "Virginia") with a word the document never writes: made
    up, or copied from a demonstration. An acronym ("the US Supreme Court") or a nationality
    ("As an American") adds what any reader knows. On the 361 audit labels 6 pairs do this, all
    bad ("…the Pine Valley, Virginia four-day school week" of a story that names no state); none
    of the demonstrations does. One capitalised word counts when it is spelled like a name."""
    runs = [run for run in _capitalised_runs(question)
            if " " in run or re.fullmatch(r"[A-Z][a-z]{2,}(?:['’]s)?", run)]  # a term of art ("Big-O") is no place
    if not runs:
        return False
    known = _bare_words(document) | _FUNCTION_WORDS | _NATIONALITIES
    # an acronym, "US", adds what any reader knows
    return any(_bare_words(" ".join(w for w in run.split() if not w.isupper())) - known for run in runs)


def names_in_full(question: str, document: str) -> bool:
    """The question names its subject as the document writes it, in two or more capitalised
    words ("Pension Seeblick", "the first Casa dei Bambini", "Daniel Reyes of Fairmont"): a
    reader without the document knows which one it means, whether or not they ever heard of it.
    A word and its number ("tram 28") is not enough: on the audit labels that let "What is the
    price of a single ticket on board tram 28?" through, which does not say which city's tram."""
    return any(run in document for run in _multiword_names(question) if not all(w.isupper() for w in run.split()))


# What a README's package is called in a question: "the find-up-simple package", "the Sumy library".
_PACKAGE_KIND = r"(?:library|package|module|tool|command|utility|framework|plugin|crate|gem|project)"


def names_the_package_of_its_readme(question: str, document: str) -> bool:
    """The question names the package its README is about: the README's one-word title
    ("# find-up-simple", "gTTS"), quoted as code or followed by "library", "package", "module" and
    the like. A package's name is a name however it is cased, and the question-alone reviewer
    calls names it never heard of unclear ("What type of object does the `find-up-simple` package
    return when the file is found?"). Only that reviewer is overruled so: taken as a name by the
    specificity rule too, it let "What is the programming language used in the path-to-regexp
    library to identify parameter names?" → JavaScript reach the readers, who kept it."""
    title = _title(document).strip("`*")
    if not re.fullmatch(r"[\w.-]{2,}", title):
        return False
    name = re.escape(title)
    return re.search(rf"`{name}`|(?<![\w.-]){name}(?![\w-])\s+{_PACKAGE_KIND}\b", question, re.IGNORECASE) is not None


def _multiword_names(question: str) -> list[str]:
    """Runs of two or more capitalised words; the question's first word is capitalised by
    grammar ("Which"), so "Cape Town" after it is a name and "Which Cape" is not."""
    return [run for run in _capitalised_runs(question) if " " in run]


def _capitalised_runs(question: str) -> list[str]:
    """Runs of capitalised words after the question's first word, which grammar capitalises."""
    opener = re.match(r"\s*\S*", question).end()
    return [run.group(0) for run in _CAPITALISED_RUN.finditer(" " * opener + question[opener:])]


def _bare_words(text: str) -> set[str]:
    """The words of a text without "'s", and each part of a hyphenated one."""
    words = set()
    for word in _words(text):
        word = re.sub(r"'s$", "", word)
        words.update([word, *word.split("-")])
    return words


# Words of a title or topic that name no particular subject ("diabetes dataset": a question
# must carry "diabetes").
_GENERIC = set("""
guide guides how introduction intro basics overview review reviews question questions answer answers
frequently asked faq faqs tips things know need explained explain simple short step steps home page
week lecture notes part chapter lesson course beginner beginners new first best dataset datasets
""".split())


def without_possessive(name: str) -> str:
    """"Millbrook's" -> "Millbrook": the possessive names the same thing."""
    return re.sub(r"['’]s$", "", name)


def _proper_names(text: str, skip_first: bool = True) -> set[str]:
    """Capitalised words, lowercased ("Pine", "Hollow"); a question's first word ("What") is
    capitalised by grammar, so it is skipped there."""
    words = [w.strip("?,.;:'\"()") for w in text.split()[1 if skip_first else 0:]]
    return {w.lower() for w in words if w[:1].isupper() and w.lower() not in _FUNCTION_WORDS}


def _names(question: str) -> set[str]:
    """The question's proper names, a possessive naming the same thing ("Millbrook's" -> "millbrook")."""
    return {without_possessive(name) for name in _proper_names(question)}


def named_particulars(question: str) -> set[str]:
    """The proper names and numbers of a question ("california", "21.0"): what picks out which
    thing it asks about, however alike the rest of its words are."""
    return _names(question) | _numbers_of(question)


# Nouns for one particular thing among many of its kind: with no proper name in the question,
# "the red lentil soup recipe", "the offshore wind farm" or "the event" are whichever one the
# document was about. On 216 labelled pairs this caught 24 bad and 1 good.
_INSTANCE = re.compile(
    r"\b(?:the|this|that|our|your|their|its)\s+(?:[\w-]+\s+){0,4}?(?:"
    r"recipe|event|shop|store|review|hotel|company|course|campsite|campground|farm|project|installation|"
    r"study|survey|report|program|programme|school|district|town|city|village|meeting|tournament|race|festival|"
    r"article|post|guide|tutorial|video|episode|book|device|machine|app|club|restaurant|museum|library|hospital|"
    r"clinic|center|centre|firm|business|startup|brand|vehicle|loan|contract|court|trial|"
    r"initiative|organization|organisation|foundation|scholarship|award|grant)s?\b(?! (?:rule|law|theorem|principle|of)\b)",
    re.IGNORECASE)


# Named, yet still one of many: a dish names no one recipe; "Dunbar's main paper" or "her book"
# no one work without its title; "currently" or "this year" no one time; "the Lakeshore Open"
# no one edition without its year.
_RECIPE = re.compile(r"(?:\b[A-Z][\w'-]*\s+)*\b[Rr]ecipes?\b")  # with the dish's capitalised name
_UNTITLED_WORK = re.compile(
    r"(?:\b\w+['’]s|\b(?:her|his|their|its))\s+(?:[\w-]+\s+){0,2}?"
    r"(?:book|paper|article|film|movie|album|song|novel|essay|speech|thesis|poem|letter|lecture)s?\b", re.IGNORECASE)
_TITLE_QUOTED = re.compile(r"[\"'“‘][A-Z]")
_TIME_RELATIVE = re.compile(
    r"\b(?:currently|now|nowadays|today|at present|presently|recently|so far|to date"
    r"|(?:this|last|next) (?:year|month|week|season|spring|summer|autumn|fall|winter))\b", re.IGNORECASE)
# Not "Conference": the ones a text names without a year are mostly one-off meetings of history
# ("the Bretton Woods Conference", "the Yalta Conference"), not editions of a series.
_EDITION = re.compile(r"\b(?:[A-Z][\w'-]+\s+){0,4}(?:Open|Tournament|Festival|Championships?|Marathon|Fair|Cup"
                      r"|Awards|Games|Summit|Expo|Show|Election)\b")
# "…included in the dataset?": a dataset with no word at all that says which (not "the digits
# dataset", not "the data set {4, 8, 6}", which gives its values).
_UNNAMED_DATA = re.compile(r"\b(?:the|this|that)\s+(?:dataset|data set|corpus|database)\b(?!\s*[{\[(:]|\s+(?:of|from|called|named|known)\b)",
                           re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w-])(?:1[5-9]|20)\d\d\b")  # not a rating: "the under-1600 section"
_ORDINAL_BEFORE = re.compile(r"\b\d+(?:st|nd|rd|th)\s+$")
# "What is the name of the Python HTTP library?": a name asked for by kind alone, with nothing
# after the kind that says which one (a clause, a participle or a preposition, a number, a title,
# a named owner). All five labelled pairs of this shape are bad; "…of the meteor shower left
# behind by Comet Swift-Tuttle?" says which.
_NAME_OF_A_KIND = re.compile(r"^(?:what|which) (?:is|was|are|were) the names? of (?:the|a|an) ([^?]+)\?$", re.IGNORECASE)
_QUALIFIER = re.compile(r"\b(?:that|which|who|whom|whose|where|when|in|on|at|by|for|from|with|of|to|near|during|after|before"
                        r"|under|over|between|about|as|located|called|known|named|used|made|built|left|held)\b|\d|[\"“‘]|\b[A-Z][\w-]*['’]s\b")


# "What is the version number of the Bash shell?": a release asked for by its software alone,
# with nothing that says which (a README states its own, and the next one states another).
_VERSION_OF = re.compile(r"^(?:what|which) (?:is|was) the (?:(?:current|latest|newest|present) )?version(?: number)? of ([^?]+)\?$"
                         r"|^(?:what|which) (?:(?:current|latest|newest|present) )?version is ([^?]+)\?$", re.IGNORECASE)


# "What is the default compiler version for Ada when using GCC?": a default is a distribution's
# choice for one of its releases, and the next release makes another
_DEFAULT_VERSION = re.compile(r"\bdefault (?:[\w+-]+ )?version\b|\bversion\b[^?]*\bby default\b", re.IGNORECASE)
# "Which version of Python 3 is packaged for Debian?": what a distribution ships is, like its
# default, one release's choice; "…in Debian 12" or "…in Ubuntu 24.04" says which release.
_DISTRIBUTION = r"(?:Debian|Ubuntu|Fedora|CentOS|RHEL|Red Hat(?: Enterprise Linux)?|openSUSE|SUSE|Arch Linux|Alpine|Gentoo|Mint|Homebrew|the distribution)"
_PACKAGED_VERSION = re.compile(rf"\bversions?\b[^?]*\b(?:packaged|shipped|included|provided|available|installed)\b[^?]*"
                               rf"\b(?:in|for|with|by|on)\s+{_DISTRIBUTION}\b(?![^?]*\d)", re.IGNORECASE)
# "What is the version of Samba that the samba package contains?": a package's contents are one
# distribution's, in one release; with neither named, the version belongs to no package.
_PACKAGE_HOLDS = re.compile(r"\bversions?\b[^?]*\bpackages?\s+(?:contains?|ships?|provides?|includes?|installs?|bundles?)\b"
                            r"|\bversions?\b[^?]*\b(?:does|do|did)\s+(?:the\s+)?[\w.+-]+\s+package\s+"
                            r"(?:contain|ship|provide|include|install|bundle)\b", re.IGNORECASE)
# "What version of Debian has the CUPS packages needed for AirPrint?" → Bullseye: the release
# the document was written for, and every release after it; "first", "last" or "newest" says which.
_RELEASE_THAT_HAS = re.compile(rf"^(?:what|which) (?:version|release) of {_DISTRIBUTION} (?:has|have|had|includes?|included|"
                               r"contains?|ships?|provides?|offers?|supports?|comes? with)\b(?![^?]*\b(?:first|initial|last|only)\b)",
                               re.IGNORECASE)
# A release's code name says which as its number does: "Debian Bullseye", "Ubuntu Jammy"; the
# suites whose contents move ("Debian Stable", "Debian Sid") do not.
_RELEASE_NAMED = re.compile(rf"\b{_DISTRIBUTION}\s+(?!(?:Stable|Oldstable|Testing|Unstable|Sid|Rolling)\b)[A-Z][a-z]+\b")


def asks_for_a_release_by_software_alone(question: str) -> bool:
    """The question asks which version some software is, with no clause, number or owner that
    pins the release down ("…that DejaVu is based on", "…of Gradio was safehttpx written for"),
    or which version is the default, or the one a distribution packages (or a package contains),
    with no release number or code name ("…in Debian 12" and "…in Debian Bullseye" say which),
    or which release of a distribution has something, with no "first" or "last" to say which."""
    asked = _VERSION_OF.match(question.strip())
    if asked is not None and _QUALIFIER.search(asked.group(1) or asked.group(2)) is None:
        return True
    no_release_named = not _RELEASE_NAMED.search(question)
    return (bool(_DEFAULT_VERSION.search(question)) and not re.search(r"\d", question)
            or no_release_named and (bool(_PACKAGED_VERSION.search(question))
                                     or bool(_PACKAGE_HOLDS.search(question)) and not re.search(r"\d", question))
            or bool(_RELEASE_THAT_HAS.search(question)) and not _SUPERLATIVE.search(question))


# "What is the version of the GNU General Public License as published by the Free Software
# Foundation?": each program under a licence picks its own version of it; asked with no program
# named, the version belongs to nothing ("…does MUNGE adhere to?" says whose).
_LICENCE = re.compile(r"\b(?:GNU\s+)?(?:(?:Lesser|Library|Affero)\s+)?General\s+Public\s+Licen[cs]e\b|\b[LA]?GPL(?:v?\d)?\b"
                      r"|\bApache\s+Licen[cs]e\b|\bMozilla\s+Public\s+Licen[cs]e\b|\bFree\s+Software\s+Foundation\b|\bFSF\b", re.IGNORECASE)


def asks_a_licence_version_alone(question: str) -> bool:
    """The question asks a licence's version and names no program besides the licence and its author."""
    return (bool(re.search(r"\bversion\b", question, re.IGNORECASE)) and bool(_LICENCE.search(question))
            and not _proper_names(_LICENCE.sub(" ", question)))


def names_only_a_kind(question: str) -> bool:
    """The question asks for the name of a thing it describes by kind alone."""
    asked = _NAME_OF_A_KIND.match(question.strip())
    return asked is not None and _QUALIFIER.search(asked.group(1)) is None


def names_one_of_many(question: str) -> bool:
    """The question names a kind of thing that has many instances without saying which one:
    a recipe, a person's untitled work, a time relative to when the text was written, a dataset
    with no name, a recurring event without its year and without anyone else named, a name
    asked for by kind, a release or a licence's version with nothing that says whose."""
    if (_TIME_RELATIVE.search(question) or _UNNAMED_DATA.search(question) or names_only_a_kind(question)
            or asks_for_a_release_by_software_alone(question) or asks_a_licence_version_alone(question)):
        return True
    recipe = _RECIPE.search(question)  # "the Moosewood red lentil soup recipe" names whose it is
    if recipe and not _proper_names(question.replace(recipe.group(0), " ")):
        return True
    if _UNTITLED_WORK.search(question) and not (_TITLE_QUOTED.search(question) or _YEAR.search(question)):
        return True  # "Darwin's 1859 book" is one book
    edition = _EDITION.search(question)  # "the 32nd Lakeshore Open" is one edition, as "the 2023 Lakeshore Open" is
    return (bool(edition) and not _YEAR.search(question) and not _ORDINAL_BEFORE.search(question[:edition.start()])
            and not _proper_names(question.replace(edition.group(0), " ")))


# A news story's dateline ("MILLBROOK, September 9 - ..."). With a region ("MILLBROOK, Vt. -")
# a question can name the town fully; without one, no reader can tell which Millbrook it is.
_DATELINE = re.compile(r"^([A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+){0,3})(?:,\s+([A-Z][\w.]*(?: \d{1,2})?))?\s+[-—–]\s", re.MULTILINE)
_PLACE_KINDS = {"city", "town", "village", "county", "district", "school", "schools", "council", "borough"}


def names_only_an_unplaced_town(question: str, document: str) -> bool:
    """Every name in the question belongs to the town of a dateline that gives no region
    ("How many people live in Millbrook?" of a story datelined "MILLBROOK -")."""
    dateline = _DATELINE.search(document[:300])
    if not dateline or dateline.group(2) and dateline.group(2).split()[0].lower() not in _MONTHS:
        return False
    names = _names(question)  # "Millbrook's budget" names Millbrook
    return bool(names) and names <= {w.lower() for w in dateline.group(1).split()} | _PLACE_KINDS


# "the STAT 101 course": a course code, which many schools give to a course of their own.
_COURSE_CODE = re.compile(r"\b([A-Z]{2,5}) ?\d{3}[A-Z]?\s+(?:course|class|module|seminar|lecture|syllabus)\b")


def names_only_a_course_code(question: str) -> bool:
    """Every name in the question is part of a course code ("How many students can enrol in the
    STAT 101 course?"): without its school, no reader can tell which course it is."""
    codes = {m.group(1).lower() for m in _COURSE_CODE.finditer(question)}
    return bool(codes) and _names(question) <= codes


# "the Montpellier facility": one of an owner's sites, called by its town or its owner alone.
_SITE = re.compile(r"\bthe\s+((?:[A-Z][\w'-]*\s+){1,3})(?:facility|site|office|factory|plant|branch|store|campus|warehouse)\b")


def names_a_site_by_one_name(question: str) -> bool:
    """Every name in the question is part of a site's name that is only a town or an owner ("How
    many workers does the Montpellier facility have?", of Falcot Corp's two sites): whose
    Montpellier facility, or which of Tesla's factories, no reader can tell."""
    sites = {w for m in _SITE.finditer(question) for w in _words(m.group(1))}
    return bool(sites) and _names(question) <= sites


# "on a system", "does a computer use": any machine at all, whatever it runs
_ANY_MACHINE = re.compile(r"\b(?:on|in|by|for|does|do|can) an? (?:system|computer|machine|device|server|host)\b(?!\s+(?:called|named)\b)",
                          re.IGNORECASE)


def asks_of_any_machine(question: str) -> bool:
    """The question asks what "a system" or "a computer" uses and names nothing else: "What
    framework is used to manage print jobs on a system?" → CUPS, "What protocol does a system
    use for discovering printers?" → Bonjour. Each system has its own; the answer is the
    document's, which the question does not name."""
    return bool(_ANY_MACHINE.search(question)) and not _names(question)


_NATIONALITIES = {normalize(name) for name in table("names")["nationalities"]}  # "American", "Swiss"
# "Daniel Reyes", "Jack S. Kilby": a given name, initials, a surname (on one line).
_FULL_NAME = re.compile(r"\b([A-Z][a-z]+) +(?:[A-Z]\. +)*([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b(?! +[A-Z])")
# Capitalised words that open a sentence, never a given name: "Because Japanese ...".
_NOT_GIVEN_NAMES = _FUNCTION_WORDS | {"because", "although", "though", "unlike", "like", "since", "until", "unless",
                                      "once", "while", "today", "later"}
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’-]*(?: +(?:(?:of|de|dei|da|di|van|von|der|the) +)?[A-Z][\w'’-]*)*")


def names_a_person_by_surname_only(question: str, document: str) -> bool:
    """The question calls someone by the surname the document uses after naming them in full
    ("In which city did Reyes earn his first norm?" of a story about Daniel Reyes): a reader
    without the document cannot tell which Reyes. A surname that names a thing ("the Gini
    coefficient", as the document also says it; "Bloom's taxonomy") or comes with a number
    ("Tram 28") is a name."""
    # not "Because Japanese ..." (a sentence's opener and an adjective), "Installing Requests" (a
    # heading) nor "Fix Python 3 support" (a word the document also writes in lowercase: no given name)
    lowercase = set(re.findall(r"\b[a-z]+\b", document))
    full_names = {surname for given, surname in _FULL_NAME.findall(document)
                  if given.lower() not in _NOT_GIVEN_NAMES and not given.endswith("ing") and given.lower() not in lowercase
                  and normalize(surname) not in _NATIONALITIES}
    for run in _CAPITALISED_RUN.finditer(question):
        word = run.group(0)
        if " " in word or word not in full_names or re.match(r"['’]s\b", question[run.end():]):
            continue
        after = re.match(r" +([a-z]+|\d)", question[run.end():])
        if after and (after.group(1).isdigit() or re.search(rf"\b{word} +{after.group(1)}\b", document)):
            continue
        return True
    return False


# "the Foundation's scholarship", "the District": the short form a text uses for a body it has
# named in full ("Westfield Community Foundation"); without the document it is no one body.
_BODIES = ("Foundation|Committee|Council|District|Board|Commission|Association|Society|Institute|Museum|Hospital"
           "|Center|Centre|Company|Club|Fund|Trust|Agency|Department|University|College|School|Library|Court|Park")
_SHORT_FORM = re.compile(rf"\bthe ((?:{_BODIES})\b(?:['’]s)?)")


def names_a_body_by_its_short_form(question: str, document: str) -> bool:
    """The question calls a body "the Foundation" where its document names it in full ("the
    Westfield Community Foundation") and the question never does."""
    for short in _SHORT_FORM.finditer(question):
        kind = without_possessive(short.group(1))
        run = _CAPITALISED_RUN.match(question, short.start(1)).group(0)
        if " " in run and run in document:  # "the Association Montessori Internationale"
            continue
        named = re.findall(rf"\b(?:[A-Z][\w'’-]* +)+{kind}\b", document)
        full = {name for name in (re.sub(r"^(?:The|A|An|This|That|Our|Its)\s+", "", n) for n in named) if name != kind}
        if full and not any(name in question for name in full):
            return True
    return False


_POINTS_BACK = re.compile(r"\W*(?:This|These|That|Those)\s+([a-z]+)\b")


def borrows_a_back_reference(question: str, evidence: str) -> bool:
    """The evidence opens by pointing back at what an earlier sentence named ("These patches are
    based on GNU make 3.75"), and the question carries the same noun as if the reader knew which
    ("…the version of GNU make that the patches are based on?")."""
    back = _POINTS_BACK.match(evidence)
    return bool(back) and re.search(rf"\bthe {back.group(1)}\b", question, re.IGNORECASE) is not None


# "- `.level = 3` and `.has16m = true`: Truecolor support": a value the evidence gives a name in
# code is one program's setting ("What is the level of truecolor support …?" → 3 asks it of none).
_CODE_SETTING = r"`[^`]*?[\w\])]\s*(?:=|:)\s*[\"']?{value}[\"']?;?\s*`"


def _title(document: str) -> str:
    """The document's first line, heading marks aside ("# supports-color" → "supports-color")."""
    first = next((line for line in document.splitlines() if line.strip()), "")
    return re.sub(r"^\s*#+\s*|\s*#*\s*$", "", first)


def asks_a_setting_of_no_program(question: str, answer: str, evidence: str, document: str) -> bool:
    """The evidence gives the answer as the value of a name in code (`.level = 3`), and the
    question names no program: neither a proper name nor the document's title."""
    if not re.search(_CODE_SETTING.format(value=re.escape(answer.strip())), evidence):
        return False
    return not _proper_names(question) and not phrase_in(_title(document), question)


_INGREDIENTS = re.compile(r"\bingredients\b", re.IGNORECASE)
_KITCHEN_MEASURE = re.compile(r"\b(?:serves|servings|tablespoons?|teaspoons?|tbsp|tsp|cups?)\b", re.IGNORECASE)


def names_only_a_dish(question: str, subject: str, document: str) -> bool:
    """A recipe's document (its topic says so, or it lists ingredients with kitchen measures): the
    dish, "the heart-friendly red lentil soup" or "Red Lentil Soup", is no one recipe; whose
    recipe it is ("Moosewood") is."""
    if not (re.search(r"\brecipes?\b", subject, re.IGNORECASE)
            or _INGREDIENTS.search(document) and _KITCHEN_MEASURE.search(document)):
        return False
    dish = {w.lower() for w in re.findall(r"[\w'-]+", subject)} | {w.lower() for w in re.findall(r"[\w'-]+", document.split("\n", 1)[0])}
    return not (_proper_names(question) - dish)


# The verbs that tie code to what it gives ("{x % 3 for x in range(10)} produces {0, 1, 2}"), for
# the fact finder and the blind reader's answer alike.
CODE_GIVES = r"produces|returns|prints|evaluates to|outputs|gives"
# Code and what it gives, in one sentence ("A set comprehension such as {x % 3 for x in range(10)}
# produces {0, 1, 2}"): a question can quote the code, and the sentence states what it gives.
CODE_AND_VALUE = re.compile(rf"(?P<code>`[^`]+`|[\w.]*[({{\[][^.]*?[)}}\]])\s+(?:{CODE_GIVES})\s+"
                            r"(?P<value>`[^`]+`|[\[{(][^\[\]{}()]*[\]})]|-?\d+(?:\.\d+)?(?![\w.]))")
# Code a question quotes: in backticks, a comprehension, or a call.
_QUOTED_CODE = re.compile(r"`([^`]+)`|(\{[^{}]*\bfor\b[^{}]*\}|\[[^\[\]]*\bfor\b[^\[\]]*\]|\b[a-z_]\w*\([^()]*\))")
_RUNNABLE_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist)


def runnable_code(question: str) -> list[str]:
    """Code the question quotes (in backticks, a comprehension or a call) that runs as it
    stands, using only Python's built-ins and the names it binds ("{x % 3 for x in range(10)}").
    A call of a function the document defines ("count_words('the cat')") does not."""
    out = []
    for m in _QUOTED_CODE.finditer(question):
        code = m.group(1) or m.group(2)
        names = set(re.findall(r"\b[A-Za-z_]\w*", re.sub(r"'[^']*'|\"[^\"]*\"", "''", code)))
        bound = set(re.findall(r"\bfor\s+([A-Za-z_]\w*)", code))
        if names and names <= bound | _RUNNABLE_NAMES:
            out.append(code)
    return out


def states_what_quoted_code_gives(evidence: str, question: str, answer: str) -> bool:
    """The evidence says, in so many words, that the code the question quotes gives the answer
    ("{x % 3 for x in range(10)} produces {0, 1, 2}" for "What is the result of ... {x % 3 for x
    in range(10)}?" → {0, 1, 2})."""
    quoted = {_without_spaces(code) for code in runnable_code(question)}
    return any(_without_spaces(m.group("code")) in quoted and _without_spaces(m.group("value")) == _without_spaces(answer)
               for m in CODE_AND_VALUE.finditer(evidence))


def _without_spaces(code: str) -> str:
    return re.sub(r"\s+", "", code.strip("`"))


def quotes_runnable_code(question: str) -> bool:
    """The code the question quotes says what is asked about ("What does {x % 3 for x in
    range(10)} produce?"), as a name would."""
    return bool(runnable_code(question))


def _capitalised_in(subject: str, document: str) -> set[str]:
    """Words of the subject that the document writes only capitalised, and at least once inside
    a line of prose: the generator writes "ridgeline 38 backpack" for the Ridgeline 38. A word
    capitalised only in title-case headings ("Arithmetic Sequences") is no name, and a possessive
    names its owner ("dunbar's number": Dunbar)."""
    found = set()
    for word in {without_possessive(w.lower()) for w in _WORD.findall(subject)} - _FUNCTION_WORDS:
        uses = list(re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", document, re.IGNORECASE))
        if not uses or not all(document[m.start()].isupper() for m in uses):
            continue
        for m in uses:
            start = document.rfind("\n", 0, m.start()) + 1
            end = document.find("\n", m.end())
            end = len(document) if end < 0 else end
            words = _WORD.findall(document[start:end])
            in_prose = sum(w[0].islower() for w in words) > len(words) / 2
            if in_prose and re.search(r"[a-z,][ \t]+$", document[start:m.start()]):
                found.add(word)
                break
    return found


# A page written by the owner of what it describes: "our warehouse", "our Plus program", "our room".
_OUR_THINGS = re.compile(r"\bour\s+(?!own\b)[\w-]+", re.IGNORECASE)


def question_specific(question: str, subject: str, document: str = "") -> bool:
    """The question names what it asks about. When the subject has a proper name ("Pine Hollow
    Campground", "Harbor City"), the question carries a proper name too; otherwise it shares a
    distinctive word with the subject ("arithmetic sequences") or carries a number; a subject
    whose other words and numbers all appear ("the Dutch tulip mania" in "When did the tulip
    mania start?") is named too. "What is the name of the campsite?", "Who voted against the
    grant program?", "How many servings does the red lentil soup recipe make?" and, of the
    Ridgeline 38, "What is the maximum load of a backpack?" name nothing a reader without the
    document could look up. The document, when given, says which words of the subject are names,
    and whether it is the page of an unnamed owner: a shop's FAQ that says "our warehouse" and
    never its own name leaves "What is the maximum return period for most items?" unanswerable
    without it."""
    if names_one_of_many(question):
        return False
    if _proper_names(question) or quotes_runnable_code(question):
        return True
    if _INSTANCE.search(question):
        return False
    names = _proper_names(subject, skip_first=False) | _capitalised_in(subject, document)
    if names:  # without the name, only all the subject's other words identify it ("tulip mania")
        described = (stems(subject) - stems(" ".join(_GENERIC)) - stems(" ".join(names))) | _numbers_of(subject)
        return bool(described) and (stems(question) | _numbers_of(question)) >= described
    if len(_OUR_THINGS.findall(document)) >= 2:
        return False  # the writer's own shop, stay or team, which the page never names
    return bool(stems(question) & (stems(subject) - stems(" ".join(_GENERIC)))) or bool(_NUMBER.search(question))


_ASKS_YEAR = re.compile(r"\b(?:what|which) year\b")


def answer_as_asked(question: str, answer: str, answer_type: str) -> str:
    """A date asked for as a year is answered by its year: "In which year was the Bretton Woods
    Conference held?" → 1944, where the fact code found is "July 1944". The question asks no
    more, so the longer answer would fail it; the year alone answers it, and its sentence still
    states it."""
    if answer_type == "date" and _ASKS_YEAR.search(normalize(question)):
        years = re.findall(r"(?<!\d)\d{4}(?!\d)", answer)
        if len(years) == 1:
            return years[0]
    return answer


_ASKS_FORMULA = re.compile(r"\b(?:what|which) (?:is|was|are|were) the (?:[\w-]+ )?(?:formula|equation)s?\b|\b(?:what|which) (?:formula|equation)s?\b")
_YES_NO_OPENERS = re.compile(r"^(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had|must|may)\b", re.IGNORECASE)
_ASKS_N_THINGS = re.compile(r"^(?:(?:what|which|who) (?:are|were) the|name the|which) (two|three|four|five|six)\b")
_ASKS_A_USE = re.compile(r"\bused for\W*$")


def answer_fits_question(question: str, answer: str, answer_type: str) -> bool:
    """The answer is of the kind the question asks for: a count for "how many", a person for
    "who", a time for "when", yes or no for a question that opens with "is/does/can...", as many
    things as "What are the two…?" asks for, a use for "What is X used for?", a number for a
    measure asked in a unit ("… in milliseconds?")."""
    # the asking clause may follow a persona's preamble ("I'm pouring a slab. Is it fine to ...?"),
    # but "0.999... equal to 1" goes on the same sentence
    q = normalize(re.split(r"(?<=[.!?])\s+(?=[A-Z])", question.strip())[-1])
    # "In Python, can I ...?": the asking clause may follow a comma
    yes_no_question = bool(_YES_NO_OPENERS.match(q) or _YES_NO_OPENERS.match(re.sub(r"^[^,?]*,\s*", "", q)))
    # "Is the bridge red or orange?" is a choice; "Does X, such as A or B, help?" is not
    choice = re.search(r"\bor\b", q.rsplit(",", 1)[-1]) is not None
    if yes_no_question and not choice:  # "Does it improve how much they learn?" asks yes or no
        return answer_type == "yes_no"
    if answer_type == "yes_no":
        return yes_no_question
    if re.search(r"\bhow (?:many|much)\b", q):
        return answer_type in ("number", "expression") or bool(_numbers(answer))
    if _ASKS_IN_UNITS.search(question) and answer_type not in ("number", "expression") and not _numbers(answer):
        return False  # "upon completion" for "… delay in milliseconds?"
    if _ASKS_FORMULA.search(q):  # a formula, not the figure it gives: "What is the formula for the new e-steps?" -> 100
        return answer_type == "expression"
    if _ASKS_A_USE.search(q):  # "What is GNU Wget used for?" asks for a use: not a name ("Web"), a figure or a date
        return answer_type not in ("name", "number", "date")
    counted = _ASKS_N_THINGS.match(q)  # "What are the two licenses...?" -> one licence answers half of it
    if counted and len(_list_items(answer)) != int(replace_number_words(counted.group(1))):
        return False
    if re.match(r"^who (?:were|are)\b", q):  # "Who were the leading figures ...?" asks for more than one
        return answer_type == "list" or bool(re.search(r",|\band\b|&", answer))
    if re.match(r"^who\b", q):  # a person or a group: not a figure, not "American"
        return answer_type in ("name", "list", "short_phrase") and not re.fullmatch(r"[\d\s.,%-]+", answer) \
            and normalize(answer).strip(" .") not in _NATIONALITIES
    if re.match(r"^when (?:is|was|were|are|do|does|did|will|can|could|should)\b|^(?:what year|in what year|which year|in which year|on what date|what date)\b", q):
        if answer_type not in ("date", "number"):
            return False
    # a year for "which year" (not "July 1944"), a day for "on what date" (not "1937")
    months = {w for w in _words(answer) if w in _MONTHS}
    if _ASKS_YEAR.search(q):
        return not months and bool(re.fullmatch(r"\d{3,4}", normalize(answer).strip(" .")))
    if re.search(r"\b(?:what|which) (?:date|day)\b|\bon what date\b", q):  # a day of the month, not "December 1971"
        return bool(months) and any(n <= 31 for n in _numbers(answer)) or bool(re.search(r"\d{1,2}[/.-]\d{1,2}", answer))
    if re.search(r"\b(?:what|which) decade\b", q):
        return bool(re.search(r"\d0s\b", answer))
    # a bare year answers a question about a time, not "What is the first edition of the Tour de France?"
    if answer_type == "date" and re.fullmatch(r"\d{3,4}", normalize(answer).strip(" .")):
        return re.search(r"\b(?:when|year|years|date|decade|century|since|until|how long|age|old|era|period)\b", q) is not None
    return True


def leaks_answer(question: str, answer: str, answer_type: str) -> bool:
    """The question already contains the answer, so a model could copy it without reading."""
    if answer_type == "yes_no":
        return False
    if answer_type != "expression":  # a title's disambiguator is no part of it: "e (mathematical constant)" is "e"
        answer = re.sub(r"\s*\([^()]*\)\s*$", "", answer) or answer
    if answer_type == "number":
        wanted = _numbers(answer)
        if wanted:
            return all(n in set(_numbers(question)) for n in wanted)
    if answer_type == "list":
        items = _list_items(answer)
        if items and all(phrase_in(item, question) for item in items):
            return True
    elif phrase_in(answer, question):
        return True
    if answer_type not in ("name", "short_phrase", "list"):
        return False  # a formula names the variables the question gives
    # a person's surname in the question: "Which mathematician ... the story of Gauss ...?" -> "Carl Friedrich Gauss"
    if answer_type == "name" and (surname := re.fullmatch(r"(?:[A-Z][\w.'-]*\s+)+([A-Z][a-z]{2,})", answer.strip())):
        if re.search(rf"\b{surname.group(1)}\b", question):
            return True
    # most of a several-word answer in the question gives it away as well: "the arrangement
    # negotiated at Bretton Woods" -> "Bretton Woods system"
    named = _whole_words(answer)
    return len(named) >= 2 and len(named & _whole_words(question)) >= 2 / 3 * len(named)


def _whole_words(text: str) -> set[str]:
    """Content words, plural s aside but otherwise whole: unlike `stems`, "creating" is no
    copy of "creative"."""
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in _words(text) if w not in _FUNCTION_WORDS and len(w) > 2}


def phrase_in(phrase: str, text: str) -> bool:
    """The phrase's words, articles aside, stand whole and in order in the text."""
    words = _content_words(phrase)
    if not words:
        return False
    return re.search(rf"(?<!\w){re.escape(' '.join(words))}(?!\w)", " ".join(_content_words(text))) is not None


# "Jinja is a fast, expressive, extensible templating engine": a clause, however few its words
_CLAUSE = re.compile(r"\S\s+(?:is|are|was|were|has|have)\s+\S")


def answer_is_short(answer: str, answer_type: str) -> bool:
    """Short answers are what a rule-based reward can check; sentences are not (nor lists
    whose items are clauses). An answer with "is", "are", "was" or "has" between its words is a
    sentence however short ("the sample standard deviation is √4 = 2"): all 16 such answers among
    the labels are bad."""
    if len(answer.split()) > MAX_ANSWER_WORDS.get(answer_type, DEFAULT_MAX_ANSWER_WORDS) or _CLAUSE.search(answer):
        return False
    return answer_type != "list" or all(len(item.split()) <= MAX_LIST_ITEM_WORDS for item in _list_items(answer))


_NUMBER_WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million", "billion", "half", "dozen"}
_MATH = re.compile(r"[0-9=+*/^<>\u00b1\u00d7\u00f7\u221a\u03c0\u2211\u222b\u2264\u2265\\]|(?<![a-z])[a-z](?![a-z])", re.IGNORECASE)


def answer_fits_type(answer: str, answer_type: str) -> bool:
    """The answer has the shape its type promises, so the reward checks it the right way:
    a number has digits (or number words), a date a year/day or month, yes_no is yes or no,
    an expression has digits, operators or a variable."""
    words = set(_words(answer))
    if answer_type == "number":
        return bool(_numbers(answer)) or bool(words & _NUMBER_WORDS)
    if answer_type == "date":
        return bool(_numbers(answer)) or bool(words & set(_MONTHS))
    if answer_type == "yes_no":
        return normalize(answer).strip(" .!") in {"yes", "no"}
    if answer_type == "expression":
        return _MATH.search(answer) is not None
    return True


# Units of measure (regex alternatives): a bare "20" for "20 nanograms per millilitre" answers nothing.
_CURRENCIES = ("euros?|dollars?|pounds?|yen|guilders?|florins?|francs?|pesos?|rupees?|yuan|kronor|krona|crowns?|"
               "shillings?|pence|lire|lira|ducats?")
MEASURE_UNITS = (
    "percent|per cent|%|km|kilometres?|kilometers?|metres?|meters?|centimetres?|centimeters?|millimetres?|miles?|feet|foot|"
    f"inch(?:es)?|cm|mm|kg|kilograms?|grams?|g|mg|tonnes?|tons?|litres?|liters?|ml|{_CURRENCIES}|"
    "years?|months?|weeks?|days?|hours?|minutes?|seconds?|degrees?|°C|°F|GHz|MHz|GB|MB|TB|watts?|W|kW|kWh|volts?|V|"
    "(?:nano|micro|milli|kilo|mega|giga)(?:grams?|metres?|meters?|litres?|liters?|watts?|volts?|hertz)(?: per [a-z]+)?|MW|GW|kV|"
    "calories|kcal")
_UNIT_AFTER = re.compile(rf"\s?(?:{MEASURE_UNITS})(?!\w)")
# "What is the default delay in milliseconds …?": a measure asked for in a unit, which a number answers.
_ASKS_IN_UNITS = re.compile(rf"\bin (?:{MEASURE_UNITS}|(?:milli|micro|nano)seconds|ms|(?:kilo|mega|giga)?bytes|bits|pixels)(?![\w/])")
_BARE_NUMBER = re.compile(r"[$€£]?\d[\d,]*(?:\.\d+)?")


def answer_lacks_unit(question: str, answer: str, answer_type: str, evidence: str) -> bool:
    """A bare number where the evidence gives it a unit the question does not name: "20" for
    "20 nanograms per millilitre, or 50 nanomoles per litre" is right in one unit only."""
    value = answer.strip()
    if answer_type != "number" or not _BARE_NUMBER.fullmatch(value):
        return False
    for m in re.finditer(rf"(?<![\w.]){re.escape(value)}(?!\d)", evidence):
        unit = _UNIT_AFTER.match(evidence, m.end())
        if unit and not re.search(rf"(?<!\w){re.escape(normalize(unit.group(0).strip()))}", normalize(question)):
            return True
    return False


# What a value loses when cut from its sentence: a flag's or a negative number's dash ("-Wall"
# in "gcc -Wall -Wextra"), an open bound ("6 months" of "everyone aged 6 months and older"), a
# cap or a floor ("try not to pause for more than 10 seconds", "a minimum of 10 minutes"), the name a number belongs to, or the
# language of the one edition it dates ("published in English in 1912": it came out in Italian first),
# or the second half of a rate ("19.3 grams" of "19.3 grams per cubic centimeter" is a mass),
# or the thing a name names ("Lorenz" of "a Lorenz curve" is a person, not the curve).
_DASH_BEFORE = re.compile(r"(?:^|[\s(\[\"'`])--?$")
_OPEN_BOUND = re.compile(r"\+(?![\w(])|\s+(?:and|or) (?:older|over|above|more|up|upwards|later|newer|earlier|younger|"
                         r"less|fewer|under|below|higher|lower|greater)\b", re.IGNORECASE)
_NAME_BEFORE = re.compile(r"\b([A-Z][\w-]*) $")  # "Apache " of "Apache 2.0", "Gradio " of "Gradio 5"
_CAP_BEFORE = re.compile(r"(?:\b(?:no|not|never)\b[^.;,]*?\b(?:more|longer|later|less|fewer|shorter) than|"
                         r"\b(?:at most|a maximum of|at least|a minimum of)) $"
                         # "a little longer than 24 hours": close to the number, and not it
                         r"|\b(?:a little|a bit|slightly|just|somewhat) (?:more|longer|less|shorter|later|earlier|over|under|"
                         r"above|below|fewer|greater|higher|lower)(?: than)? $", re.IGNORECASE)
# What a unit can be per: "grams per cubic centimeter", "dollars per troy ounce" (facts keeps them whole).
PER_UNIT = r"(?:(?:cubic|square|troy|fluid)\s+)?[a-z]+"
_PER_AFTER = re.compile(rf"\s*(?:\bper\s+|/\s*)({PER_UNIT})", re.IGNORECASE)
# An amount in units of measure, not money: "15 euros" of "15 euros per day" is still what it costs.
_AMOUNT_IN_UNITS = re.compile(rf"\d[\d,.]*\s?(?!(?:{_CURRENCIES})$)[^\W\d]+(?:\s[^\W\d]+)*", re.IGNORECASE)
_LANGUAGE_BEFORE = re.compile(r"\b(?:in|into) ([A-Z][a-z]+),? (?:(?:in|on|from|by) )?$")  # "published in English in "
_ONE_NAME = re.compile(r"[A-Z][\w-]*")
_CAPITALS_BEFORE = re.compile(r"\b([A-Z][A-Z0-9]+)[ \t]+$")  # "MS " of "MS Crypto API", "GNOME " of "GNOME Project"
_NOUN_AFTER = re.compile(r"(?:['’]s)?\s+([a-z]+)\b")  # "Lorenz curve", "Euler's number"
_NOT_NOUNS = {"via", "per", "like", "near", "without", "within", "across", "against", "toward", "towards", "upon", "onto",
              "since", "until", "while", "because", "although", "though", "unless"}
# A question after the name itself: "a Python port" is written in a language, "Euler's number" named after a person.
_ASKS_THE_NAME = re.compile(r"\b(?:languages?|who|whom|whose|named (?:after|for))\b", re.IGNORECASE)
# A question after a limit ("What is the maximum cost of a project?"): a bound is its answer.
ASKS_LIMIT = re.compile(r"\b(?:maximum|minimum|max|min|limit|cap|ceiling|at least|at most|up to|threshold|"
                        r"requirements?|required|requires?|need|needs|needed)\b", re.IGNORECASE)


def _starts_no_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return bool(before) and before[-1] not in ".!?:;-*•"


def answer_uses(answer: str, evidence: str) -> list[re.Match]:
    """Every place the evidence states the answer as whole words, so "10" is not found
    inside "100" (unlike `locate`, which reads "10" off "10 minutes"), and not inside a link's
    address: "unicode.org" states nothing, and "Unicode" there would hide that the sentence
    names the "Unicode consortium" everywhere else."""
    value = answer.strip().rstrip(".")
    if not value:
        return []
    links = [m.span() for m in URL.finditer(evidence)]
    return [m for m in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", evidence, re.IGNORECASE)
            if not any(start <= m.start() < end for start, end in links)]


# A licence's name, and the version the evidence gives right after it ("License 2.0", "GPL, version 3").
_LICENCE_NAME = re.compile(r"\bLicen[cs]e$|^[LA]?GPL$", re.IGNORECASE)
# A file's extension right after the answer; a web domain's ending names the same body ("FreeDesktop.org").
_EXTENSION_AFTER = re.compile(r"\.(?!(?:org|com|net|edu|gov|info|io)\b)[A-Za-z][A-Za-z0-9]{0,4}\b")
_VERSION_AFTER = re.compile(r",?\s+(?:version\s+|v)?\d+(?:\.\d+)*(?!\w)", re.IGNORECASE)


def answer_cut_short(question: str, answer: str, evidence: str) -> bool:
    """Every place the evidence states the answer, it says more: "Wall" for the option -Wall,
    "6 months" for the age group "6 months and older", "10 seconds" for "do not pause for more
    than 10 seconds", "24 hours" for "a little longer than 24 hours", "2.0" for the Apache 2.0
    License, 1912 for a book "published in English in 1912", "19.3 grams" for a density of "19.3
    grams per cubic centimeter", "Lorenz" for "a Lorenz curve", a licence without the version
    that follows it ("Apache Software Foundation License" of "... License 2.0"), "Crypto API" for "MS Crypto API" (a name
    that opens with a word in capitals, as the fact finder reads it), "SGML Group" for "the Debian
    XML/SGML Group" (words a slash joins), "Contents-arch" for the file "Contents-arch.gz". A question after a limit ("What is the minimum age?", "What is the maximum pause?")
    takes a bound's number as its answer, one that names the thing takes its number
    ("Which version of Gradio…?" → 5), one that names the language takes its edition's year,
    and one that names what a name names takes the name ("Which correction…?" → Bessel, of
    "Bessel's correction"; "Which language…?" → Python, of "a Python port"; "Who…?" → Euler,
    of "Euler's number")."""
    value = answer.strip().rstrip(".")
    uses = answer_uses(answer, evidence)
    asked = set(_words(question))
    not_owners = asked | _FUNCTION_WORDS | set(_MONTHS) if _NUMBER.fullmatch(value) else None

    def cut_from_name(m: re.Match) -> bool:
        name = _NAME_BEFORE.search(evidence[:m.start()])
        if not_owners is None or not name or not _starts_no_sentence(evidence, name.start()):
            return False  # "Makes 6 servings": a capital that starts a sentence is grammar
        return name.group(1).lower() not in not_owners

    def cut_to_a_language(m: re.Match) -> bool:
        language = _LANGUAGE_BEFORE.search(evidence[:m.start()])
        return bool(language) and normalize(language.group(1)) in _NATIONALITIES and normalize(language.group(1)) not in asked

    def cut_from_bound(m: re.Match) -> bool:
        return bool(_OPEN_BOUND.match(evidence, m.end()) or _CAP_BEFORE.search(evidence[:m.start()])) \
            and not ASKS_LIMIT.search(question)

    def cut_from_rate(m: re.Match) -> bool:  # a measure in units the question does not divide by
        per = _PER_AFTER.match(evidence, m.end()) if _AMOUNT_IN_UNITS.fullmatch(value) else None
        return bool(per) and per.group(1).split()[-1].lower() not in asked

    def cut_from_what_it_names(m: re.Match) -> bool:  # a one-word name before a noun the question does not say
        noun = _NOUN_AFTER.match(evidence, m.end()) if _ONE_NAME.fullmatch(value) and not _ASKS_THE_NAME.search(question) else None
        word = noun.group(1) if noun else ""
        return bool(word) and word not in _FUNCTION_WORDS | _NOT_NOUNS and not word.endswith(("ed", "ly")) \
            and not stems(word) & stems(question)

    def cut_from_capitals(m: re.Match) -> bool:  # "Crypto API" of "MS Crypto API": the name opens with a word in capitals
        lead = _CAPITALS_BEFORE.search(evidence[:m.start()]) if value[:1].isupper() else None
        return bool(lead) and lead.group(1).lower() not in asked

    def cut_at_a_slash(m: re.Match) -> bool:  # "SGML Group" of "XML/SGML Group", "Debian XML" of "Debian XML/SGML"
        return bool(re.search(r"\w/$", evidence[:m.start()]) or re.match(r"/\w", evidence[m.end():]))

    def cut_from_its_version(m: re.Match) -> bool:  # "Apache Software Foundation License" of "... License 2.0"
        return bool(_LICENCE_NAME.search(value) and _VERSION_AFTER.match(evidence, m.end()))

    def cut_from_its_extension(m: re.Match) -> bool:  # "Contents-arch" of "Contents-arch.gz", "Node" of "Node.js"
        return value[-1:].isalpha() and bool(_EXTENSION_AFTER.match(evidence, m.end()))  # "0.11" of "0.11.x" is a version

    def cut(m: re.Match) -> bool:
        return bool(_DASH_BEFORE.search(evidence[:m.start()])) or cut_at_a_slash(m) or cut_from_name(m) or cut_to_a_language(m) \
            or cut_from_bound(m) or cut_from_rate(m) or cut_from_what_it_names(m) or cut_from_capitals(m) \
            or cut_from_its_version(m) or cut_from_its_extension(m)

    return bool(uses) and all(cut(m) for m in uses)


def answer_is_guessable(answer: str, answer_type: str) -> bool:
    """Yes or no: a policy that guesses is rewarded half the time, so the reward says little
    about whether it read anything. (On the labelled pairs every yes/no pair was bad.)"""
    return answer_type == "yes_no" or normalize(answer).strip(" .!") in {"yes", "no", "true", "false"}


# "places such as parts of the Gulf of Mexico": a part of the example is an example too
_EXAMPLE_CUE = re.compile(r"\b(?:such as|including|like|for example|for instance|e\.g\.|among them|notably)[\s,:]*"
                          r"(?:(?:parts?|areas?|regions?|much|some|most|many|the rest) of\s+)?(?:the\s+)?$")
# "differs by state, for example 12,500 dollars for individuals in California": all of the
# clause after the cue is the example, "12,500" included
_IN_EXAMPLE = re.compile(r"\b(?:for example|for instance|e\.g\.)[\s,:]+(?:[^,;.]|(?<=\d)[,.](?=\d))*$")


def answer_is_example(answer: str, evidence: str) -> bool:
    """The evidence gives the answer as an example ("Nordic countries such as Denmark and
    Norway"), or as part of one, so a question asking for all of them has a longer right
    answer, or one that differs case by case."""
    text, value = normalize(evidence), _strip_edges(normalize(answer))
    at = text.find(value) if value else -1
    if at < 0:
        return False
    before = text[:at]
    within = _IN_EXAMPLE.search(before)  # not a sentence opening "For example, ...": that one states its case in full
    return _EXAMPLE_CUE.search(before) is not None or within is not None and bool(before[:within.start()].strip())


# "macOS" and "iOS" are names too; so is a key written as its one symbol ("the Enter, [ and ] keys")
_LIST_ITEM = r"(?:(?:[A-Z]|[a-z]+[A-Z])[\w.'’-]*(?: [A-Z][\w.'’-]*)*|[\[\]{}<>+*/_~^|-](?=[\s,]))"


def answer_is_one_of_a_list(answer: str, answer_type: str, evidence: str) -> bool:
    """A name that the evidence gives with others joined by "and" or "or": "Chromium" of
    "Playwright automates Chromium, Firefox and WebKit", "Gary Whitlock" of "the two members who
    voted against, Gary Whitlock and Ann Porter". One of them does not answer a question about
    all of them. A place and its region ("Chiaravalle, Italy") is no list."""
    if answer_type != "name" or not answer.strip():
        return False
    text, value, item = _MARKDOWN_LINK.sub(r"\1", evidence), re.escape(answer.strip()), _LIST_ITEM
    joined = (rf"(?<![\w-]){value},? (?:and|or) {item}", rf"(?<![\w-]){value}, {item},? (?:and|or) {item}",
              rf"{item},? (?:and|or) {value}(?![\w-])", rf"{item}, {value},? (?:and|or) ")
    return any(re.search(pattern, text) for pattern in joined)


# "the longest", "the most complex", "the best": a claim about every other case of its kind.
# "at least two" and "at most 8" are bounds, not claims; these nouns only end like one.
_SUPERLATIVE = re.compile(r"\b(?:most|least|best|worst|[a-z]{2,}est)\b")
_BOUNDS = re.compile(r"\bat (?:least|most)\b")
# "can supply up to 240 watts" states the most a charger delivers
_STATED_BOUND = re.compile(r"\b(?:up to|at (?:most|least)|maximum|minimum|no (?:more|less|fewer) than|peak|record)\b")
_NOT_SUPERLATIVE = set("""
forest interest west midwest northwest southwest test contest protest request rest harvest guest chest nest quest
pest vest crest digest honest modest manifest arrest invest suggest earnest priest behest conquest unrest
""".split())


def _superlatives(text: str) -> set[str]:
    return {w for w in _SUPERLATIVE.findall(_BOUNDS.sub(" ", normalize(text))) if w not in _NOT_SUPERLATIVE}


# A rank and the word it ranks: "the first step", "the largest city".
_RANKED = re.compile(r"\b(first|second|third|last|final|most [a-z]+|least [a-z]+|best|worst|[a-z]{2,}est) ([a-z]+)\b")


def _ranks_a_wider_kind(question: str, evidence: str) -> bool:
    """"The first step in photosynthesis" of "the first fixation step": the evidence ranks its
    answer among a narrower kind, in words the question leaves out, so the rank it states is
    not the question's."""
    asked, stated = normalize(question), normalize(evidence)
    for rank, kind in _RANKED.findall(asked):
        if rank.split()[-1] in _NOT_SUPERLATIVE or kind in _FUNCTION_WORDS or re.search(rf"\b{rank} {kind}\b", stated):
            continue
        for between in re.findall(rf"\b{rank} ((?:[a-z-]+ ){{1,2}}){kind}\b", stated):
            # "the largest Australian city" is the question's "largest city of Australia";
            # "the first two steps" still counts steps
            if stems(between) and not stems(between) & stems(asked) and not set(between.split()) & _NUMBER_WORDS:
                return True
    return False


def superlative_not_in_evidence(question: str, evidence: str) -> bool:
    """The question calls its answer the longest, highest or most something, and the evidence
    does not: "Which song on the album is the longest?" of a review that calls the song "the
    best moment" and "seven minutes long". The model adds the superlative; the document never
    compared. (All ten labelled pairs with a superlative in the question are bad.) So does a
    rank the evidence gives only within a narrower kind ("the first fixation step")."""
    asked = _superlatives(question)
    return (bool(asked) and not asked <= _superlatives(evidence) and not _STATED_BOUND.search(normalize(evidence))) \
        or _ranks_a_wider_kind(question, evidence)


# "stronger than", "more common than": the question compares its subject with another thing.
_COMPARATIVE = re.compile(r"\b((?:more|less|fewer) [a-z]+|[a-z]{3,}er) than\b")
_NOT_COMPARATIVE = {"other", "rather", "whether", "either", "neither", "ever", "never", "however", "order", "number"}


def comparison_not_in_evidence(question: str, evidence: str) -> bool:
    """The question says its subject is stronger, larger or more common than another, and the
    evidence does not: "What percentage of the Sun's effect on tides is stronger than the
    Moon's?" of "its effect is only about 46 percent as strong as the Moon's". As with a
    superlative, the comparison is the model's, and it turns the answer's meaning around."""
    asked = {m.group(1) for m in _COMPARATIVE.finditer(normalize(question)) if m.group(1) not in _NOT_COMPARATIVE}
    return any(not re.search(rf"\b{re.escape(word)}\b", normalize(evidence)) for word in asked)


def answer_is_the_subject(question: str, answer: str, subject: str) -> bool:
    """A "what/which" question answered by the document's own topic and naming nothing else
    ("What court is used for disputes over security deposits?" -> small claims court, of a page
    about small claims court): the description is the document's, in common words, and fits
    many things. A question that singles the topic out by a name, a person or a language ("What
    term did Lev Vygotsky use for...?", the worked examples' way) passes."""
    value = _strip_edges(normalize(answer))
    return (len(value) > 2 and re.match(r"(?:what|which)\b", normalize(question)) is not None
            and re.search(rf"\b{re.escape(value)}\b", normalize(subject)) is not None
            and not _proper_names(question) and not re.search(r"\d", question))


_PREMISE = re.compile(r"\b(?:suppose|supposing|assume|assuming|imagine|ignore|pretend|let's say|say you)\b")


def answer_is_a_premise(evidence: str) -> bool:
    """The evidence sets up an exercise ("Suppose you deposit $2,000...", "assume all 365 days
    are equally likely"): the value is the writer's choice for the example, not a fact, and a
    question asking for it has no answer outside the exercise. A worked result ("with 30 people
    the probability is about 70%") is stated, not supposed."""
    return _PREMISE.search(normalize(evidence)) is not None


# "the summary page of their Free Application...", "the English edition of the book": the
# noun before "of" is a part or a version of the answer, and it is what the document means
_PART_OF = re.compile(r"\b(page|pages|part|section|chapter|copy|portion|edition|version|volume|component|piece|excerpt|summary|cover)"
                      r" of (?:the |their |its |his |her |a |an |your |our )?$")


def answer_names_the_owner(question: str, answer: str, evidence: str) -> bool:
    """The evidence gives the answer as what a thing belongs to ("upload the summary page of
    their Free Application for Federal Student Aid") and the question does not ask for that
    thing's part ("What document do applicants upload?" -> Free Application...): the answer
    names the whole where the document means a part of it."""
    text, value = normalize(evidence), _strip_edges(normalize(answer))
    at = text.find(value) if value else -1
    part = _PART_OF.search(text[:at]) if at > 0 else None
    return part is not None and part.group(1)[:5] not in stems(question)


# "…in APT, used since version 0.6, which introduced support for an archive authentication": a
# clause after ", which" tells of the number just before the comma.
_WHICH_CLAUSE = re.compile(r"([^,;()]{1,40}?),\s+which\s+([^,.;()]+)")


def borrows_a_clause_of_another_number(question: str, answer: str, document: str) -> bool:
    """The question describes its number by a clause the document gives another number: "What is
    the version number of the Debian release that introduced support for an archive
    authentication?" → 10, where the document says APT 0.6 introduced it and names Debian 10 in
    the same sentence. Both the generator and the blind reader misread such sentences alike."""
    answer_numbers = _numbers_of(answer)
    if not answer_numbers:
        return False
    asked = stems(question)
    for match in _WHICH_CLAUSE.finditer(document):
        clause = stems(match.group(2))
        if len(clause) < 3 or len(clause & asked) < max(3, 0.75 * len(clause)):
            continue
        before = _numbers(match.group(1))
        if before and f"{before[-1]:g}" not in answer_numbers:
            return True
    return False


_ASKING_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)


# Two prepositions in a row: words were lost between them ("the base set of for?")
_WORDS_LOST = re.compile(r"\b(?:of|at|by|from|about)\s+(?:of|for|by|with|from)(?![\w-])", re.IGNORECASE)


def is_question(question: str) -> bool:
    """A question ends with a question mark and asks: a wh-word somewhere, or a clause opening with
    "is/does/can...". "Maximum raw capacity for four 20 TB drives?" is a spec-sheet line. Nor is
    a question one whose words were lost ("What operating system does the NET-TOOLS collection
    form the base set of for?", "How many students are capped at for the course?"): among the
    labels and the questions of the builds on hand, the two with two prepositions in a row."""
    clauses = re.split(r"(?<=[.!?])\s+|,\s*", question.strip())
    return question.rstrip().endswith("?") and any(_ASKING_WORD.search(c) or _YES_NO_OPENERS.match(c) for c in clauses) \
        and not _WORDS_LOST.search(question)


_TWO_ASKING_WORDS = re.compile(r"\b(?:when|where|who|what|why|how|which) (?:and|or) (?:when|where|who|what|why|how|which)\b",
                               re.IGNORECASE)
_SECOND_CLAUSE = re.compile(r"^[^,]*, and ")  # one comma, then "and": two clauses, not "A, B, and C"
# "How many people are on the bridge and what's its length?": a second question joined on
_SECOND_QUESTION = re.compile(r"\b(?:and|or) (?:what|how|when|where|who|which|why)"
                              r"(?:['’]s|\s+(?:is|are|was|were|does|do|did|many|much|long|old|far|often))\b", re.IGNORECASE)


def asks_two_things(question: str) -> bool:
    """Two question marks, two questions: "...how much will you have after three years? What is
    the interest earned?" has one answer, so it answers only one of them, and the reviewer
    rightly calls it wrong. A question mark inside quotes (a title) does not count. So do two
    asking words joined ("When and where will owners attend the session?" → the library), and a
    second clause after ", and" that no list leads up to ("Where did Maria Montessori spread her
    ideas quickly, and schools opened?": all 8 labelled questions of that shape are bad), and a
    second asking word after "and" or "or" ("…on the bridge and what's its length?")."""
    return re.sub(r'"[^"]*"|\u201c[^\u201d]*\u201d', "", question).count("?") > 1 or bool(_TWO_ASKING_WORDS.search(question)) \
        or bool(_SECOND_CLAUSE.search(question)) or bool(_SECOND_QUESTION.search(question))


_SOME_OF_MANY = re.compile(r"^(?:(?:what|which|who) (?:are|were|is|was)|name|list) (?:some|a few|several|examples?|an example|one|any)\b")


def asks_for_some(question: str) -> bool:
    """"What are some of the stops along the tram 28 route?", "What are examples of groups
    that cluster near 150?": any few of the stops, any one example, is a right answer, so the
    pair's one answer is not the one a policy must give and the reward cannot check it. (Both
    labelled pairs that ask so are bad.)"""
    return _SOME_OF_MANY.search(normalize(question).strip()) is not None


def names_a_persona(question: str, personas: list[str], document: str = "") -> bool:
    """The question speaks of a persona it was written for ("What RAID configuration is
    recommended for a home network storage enthusiast?", "Who is a grocery shop manager?")
    instead of naming what it asks about: the persona is who asks, never the subject. (The
    eight labelled pairs that do so are all bad.) A role the document itself speaks of is its
    matter, not a persona's intrusion: "when does the landlord have to return the deposit?" of
    a text on deposits that says "landlord" throughout."""
    text = normalize(question)
    for persona in personas:
        core = re.sub(r"^(?:a|an|the)\s+", "", normalize(persona).strip())
        if core and re.search(rf"\b(?:a|an|the)\s+{re.escape(core)}\b", text) \
                and not re.search(rf"\b{re.escape(core)}s?\b", normalize(document)):  # the document only when a persona is named
            return True
    return False


def refers_to_passage(question: str) -> bool:
    """The question leans on a text the RL policy will never see ("according to the passage")."""
    return _PASSAGE.search(normalize(question)) is not None


_DOCUMENTATION = re.compile(r"\b(?:documentation|docs|manual|readme)\b", re.I)
_SPEAKS_OF_TEXTS = re.compile(r"\bdocument|\bdocs?\b|\bmanual|\breadme\b|\bguide\b|\btutorial", re.I)


def puts_the_fact_in_the_documentation(question: str, evidence: str) -> bool:
    """The question asks about a library's documentation ("What package is used for unit name
    translation in the Pint documentation?", "What language is used to write the documentation
    for the cryptography package?") where its evidence speaks of the library, not of any text
    about it: the question was written from the documentation and names it as its source. On
    the audit labels every such pair is bad (5); the pairs whose evidence speaks of the
    documentation ("The documentation of nghttp2 is generated using Sphinx.") stand."""
    return _DOCUMENTATION.search(question) is not None and _SPEAKS_OF_TEXTS.search(evidence) is None


def check_pair(pair: dict, document: str, subject: str = "", personas: Sequence[str] = ()) -> list[str]:
    """Drop reasons of one pair, in order of severity; empty when it passes. `subject` is what
    the document is about (the screen's topic), which a standalone question must name;
    `personas` are the document's, which a question asked for one of them may borrow."""
    reasons = []
    if not is_question(pair["question"]):
        reasons.append("question_not_a_question")
    if asks_two_things(pair["question"]):
        reasons.append("question_asks_two_things")
    if asks_for_some(pair["question"]):
        reasons.append("question_asks_for_some")
    if not answer_fits_type(pair["answer"], pair["answer_type"]):
        reasons.append("answer_type_mismatch")
    if not answer_is_short(pair["answer"], pair["answer_type"]):
        reasons.append("answer_too_long")
    if answer_is_guessable(pair["answer"], pair["answer_type"]):
        reasons.append("answer_yes_no")
    if not answer_in_text(pair["answer"], document, pair["answer_type"]):
        reasons.append("answer_not_in_document")
    if not evidence_in_document(pair["evidence"], document) or not answer_in_text(pair["answer"], pair["evidence"], pair["answer_type"]):
        reasons.append("evidence_not_in_document")
    if answer_is_example(pair["answer"], pair["evidence"]):
        reasons.append("answer_is_example")
    if stated_only_in_example_code(pair["evidence"], document) and not quotes_runnable_code(pair["question"]) \
            and not CODE_AND_VALUE.search(pair["evidence"]):
        reasons.append("evidence_in_example_code")
    if answer_is_one_of_a_list(pair["answer"], pair["answer_type"], pair["evidence"]):
        reasons.append("answer_is_one_of_a_list")
    if answer_lacks_unit(pair["question"], pair["answer"], pair["answer_type"], pair["evidence"]):
        reasons.append("answer_lacks_unit")
    if answer_cut_short(pair["question"], pair["answer"], pair["evidence"]):
        reasons.append("answer_cut_short")
    if superlative_not_in_evidence(pair["question"], pair["evidence"]):
        reasons.append("superlative_not_in_evidence")
    if comparison_not_in_evidence(pair["question"], pair["evidence"]):
        reasons.append("comparison_not_in_evidence")
    if answer_is_a_premise(pair["evidence"]):
        reasons.append("answer_is_a_premise")
    if answer_names_the_owner(pair["question"], pair["answer"], pair["evidence"]):
        reasons.append("answer_names_the_owner")
    if borrows_a_clause_of_another_number(pair["question"], pair["answer"], document):
        reasons.append("clause_of_another_number")
    if subject and answer_is_the_subject(pair["question"], pair["answer"], subject):
        reasons.append("answer_is_the_subject")
    if not answer_fits_question(pair["question"], pair["answer"], pair["answer_type"]):
        reasons.append("answer_does_not_fit_question")
    if not question_grounded(pair["question"], document):
        reasons.append("question_not_grounded")
    if leaks_answer(pair["question"], pair["answer"], pair["answer_type"]):
        reasons.append("question_leaks_answer")
    if refers_to_passage(pair["question"]) or puts_the_fact_in_the_documentation(pair["question"], pair["evidence"]):
        reasons.append("question_refers_to_passage")
    if names_a_persona(pair["question"], [p for p in (pair.get("persona"), *personas) if p], document):
        reasons.append("question_names_a_persona")
    if not question_specific(pair["question"], subject or document.split("\n", 1)[0], document) \
            or names_only_an_unplaced_town(pair["question"], document) \
            or names_only_a_course_code(pair["question"]) \
            or names_a_site_by_one_name(pair["question"]) \
            or asks_of_any_machine(pair["question"]) \
            or names_only_a_dish(pair["question"], subject, document) \
            or names_a_person_by_surname_only(pair["question"], document) \
            or names_a_body_by_its_short_form(pair["question"], document) \
            or borrows_a_back_reference(pair["question"], pair["evidence"]) \
            or asks_a_setting_of_no_program(pair["question"], pair["answer"], pair["evidence"], document):
        reasons.append("question_not_specific")
    return reasons
