"""Yes / no: the polarity of an answer, refusing hedges ("maybe", "yes and no") and answers
that take both sides ("No. Actually yes.")."""

from __future__ import annotations

import re

from webscale_rl.eval.answers.extract import light

_YES = {"yes", "y", "yeah", "yep", "yup", "true", "correct", "right", "affirmative", "indeed",
        "certainly", "definitely", "absolutely", "sure", "si", "oui", "ja"}
_NO = {"no", "n", "nope", "nah", "false", "incorrect", "wrong", "negative", "never", "not", "none"}
_AUX = re.compile(r"^(?:it|he|she|they|there|this|that|we|i|you|one)\s+(?:is|was|does|did|do|can|could|will|would|has|have|had|are|were|should|must|may)\b(?P<neg>\s+not\b)?")


_HEDGES = re.compile(r"\b(?:maybe|perhaps|possibly|unclear|unknown|uncertain|depends|not sure|unsure|"
                     r"do not know|cannot (?:be )?(?:say|tell|determine|determined)|partly|partially|sometimes|"
                     r"(?:not possible|impossible|hard|difficult) to (?:say|tell|know|determine))\b")


def _is_hedge(text: str) -> bool:
    t = light(text)
    return bool(_HEDGES.search(t) or re.search(r"\b(?:yes\W+(?:and|or)\W+no|no\W+(?:and|or)\W+yes)\b", t))


def _expand_negations(text: str) -> str:
    t = re.sub(r"\b(can)'?t\b", r"\1 not", text)
    t = re.sub(r"\bwon'?t\b", "will not", t)
    return re.sub(r"n'?t\b", " not", t)


def yes_no(text: str) -> str | None:
    """"yes", "no" or None (a hedge, or no clear polarity)."""
    t = _expand_negations(light(text))
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
    for clause in _CLAUSE_SPLIT.split(_expand_negations(light(text))):
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


def compare_yes_no(pred: str, gold: str) -> bool | None:
    g = yes_no(gold)
    if g is None:
        return None
    if _is_hedge(pred) or len(polarities(pred)) > 1:
        return False  # "maybe", "yes and no", "No. Actually yes."
    p = yes_no(pred)
    return None if p is None else p == g  # no polarity ("It freezes at night"): undecided


