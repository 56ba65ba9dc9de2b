"""Names and short phrases: equal up to case, accents, articles, plurals, spelling,
acronyms and aliases (names.json), a place qualifier ("Paris, France") or a title; a person
is named in full, a surname alone is not the name."""

from __future__ import annotations

import re
from functools import lru_cache

from webscale_rl.eval.answers.numbers import numbers_equal, parse_number, replace_number_words
from webscale_rl.eval.answers.tables import table
from webscale_rl.eval.answers.text import ascii_fold

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
_ABBREVIATIONS: dict[str, str] = table("names")["abbreviations"]
# Names of one thing: "US" / "United States of America", "DNA" / "deoxyribonucleic acid".
_ALIASES = [set(group) for group in table("names")["aliases"]]
_ACRONYM_SKIP = {"of", "and", "for", "the", "in", "on", "to", "a", "an"}


def _phrase_tokens(text: str, is_name: bool = False) -> list[str]:
    """Lower-case word tokens without articles or punctuation. An all-capitals word of 3+
    letters (HTTPS, NASA) is marked with a trailing "_" so it is never de-pluralised."""
    text = ascii_fold(text)
    caps = {w.casefold() for w in re.findall(r"\b[A-Z]{3,}\b", text)}
    if is_name:
        text = re.sub(r"\b([A-Za-z])\.\s*", r"\1 ", text)  # "J.S. Bach" -> "J S Bach"
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"(?<=\w)\+\+", "pp", text)  # C++ is not C
    text = re.sub(r"(?<=\w)#", "sharp", text)  # nor is C#
    text = re.sub(r"['’`´]", "", text)
    text = re.sub(r"(?<=[a-z])\.(?=[a-z]\.)", "", text)  # u.s.a. -> usa.
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = replace_number_words(text)
    return [_ABBREVIATIONS.get(t, t) + ("_" if t in caps else "") for t in text.split() if t not in _ARTICLES]


@lru_cache(maxsize=65536)
def word_keys(text: str) -> frozenset[str]:
    """What a phrase shares with every phrase these rules call equal to it, one key of one word
    being a prefix of a key of the other: its words cut to four letters (plurals, spellings,
    "data base" / "database"), umlauts written out or not (Goedel / Gödel), initials (J. S. Bach),
    the words of its aliases (US / United States) and its initials (NASA for the words it
    abbreviates; the other way round, eval/answers/spans.py reads one word as initials)."""
    forms: set[str] = set()
    for is_name in (False, True):
        tokens = [t for t in _plain(_phrase_tokens(text, is_name)) if t not in _ACRONYM_SKIP]
        forms |= set(tokens) | {re.sub(r"([aou])e", r"\1", t) for t in tokens}
        group = _alias_group(tokens)
        if group is not None:
            forms |= {word for member in _ALIASES[group] for word in member.split()}
        forms.add("".join(t[0] for t in tokens) if len(tokens) > 1 else "")
    return frozenset(form[:4] for form in forms if form)

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
    t = ascii_fold(str(text)).strip()
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


# Countries, their regions and states, and continents: what may follow a name after a comma.
_PLACES = {name.casefold() for name in table("names")["places"]}


def place_qualifier(text: str) -> bool:
    """The part after a comma is where the first part is ("Paris, France", "Springfield, IL")
    or a company or name suffix ("Apple, Inc.", "King, Jr."), not a second candidate
    ("Paris, London")."""
    t = " ".join(ascii_fold(text).replace("the ", "").split()).casefold()
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


def compare_phrase(pred: str, gold: str, is_name: bool = False) -> bool:
    p_parts, g_parts = _qualified(pred), _qualified(gold)
    # "Paris, France" is a place and its country: person-name rules (a surname alone) must
    # not accept "France" for it.
    whole_as_name = is_name and not p_parts and not g_parts
    for g_text in _parenthetical_variants(gold):
        for p_text in _parenthetical_variants(pred)[:2]:
            if _phrase_equal(p_text, g_text, whole_as_name):
                return True
    if p_parts and place_qualifier(p_parts[1]) and _phrase_equal(p_parts[0], gold, is_name):
        return True  # "Paris, France" for "Paris"
    if g_parts and place_qualifier(g_parts[1]) and _phrase_equal(pred, g_parts[0], is_name) and \
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


