"""Stage 2's domain, in a short call of its own on the topic the screen (or the filter) named.

Asked for the domain inside the long labelling call, the 1.5B default filed 64% of 39 sample
documents under their `meta.domain` ("perseid meteor shower" under Other, "computing a standard
deviation by hand" under Coding). Shown only the topic, and asked first for its field in a few
words ("astronomy", "statistics") and then for the domain, it filed 82% of the same documents
right. The call is short: the examples are a cached prefix, the topic a few new tokens."""

from __future__ import annotations

import json

from webscale_rl.builder.stages.common import DOMAINS, fewshot

# What each domain covers: without it small models file most documents under "Other".
DOMAIN_SCOPE = {
    "Math": "arithmetic, algebra, calculus, statistics, probability, proofs",
    "Technology & Engineering": "devices, hardware, machines, electronics, energy, construction",
    "Coding": "programming languages, code, software tools, databases",
    "Social Science": "society, history, politics, psychology, law, economic theory",
    "Natural Science": "physics, chemistry, biology, astronomy, earth science",
    "Travel & Lifestyle": "travel, transportation, places, food and recipes, home, outdoor gear",
    "Commerce & Economics": "business, shopping, products and prices, money, finance, markets",
    "Medicine & Health": "health, illness, treatment, hospitals, nutrition, fitness",
    "Education": "schools, courses, teaching, learning methods, scholarships",
    "Other": "sport, arts, music, games, hobbies, anything that fits none of the above",
}
SYSTEM = ("You file topics under the subject areas of a question-answering dataset. First name the field of "
          "knowledge or area of life the topic is part of, in one to three words; then choose the one area it "
          "belongs to:\n" + "\n".join(f"- {name}: {scope}" for name, scope in DOMAIN_SCOPE.items()) + "\nReply in JSON.")
SCHEMA = {
    "type": "object",
    "properties": {"field": {"type": "string", "minLength": 2, "maxLength": 40}, "domain": {"type": "string", "enum": DOMAINS}},
    "required": ["field", "domain"],
    "additionalProperties": False,
}


def labelled_topics() -> tuple[dict, ...]:
    """One worked topic per domain (builder/fewshot/domain.jsonl), none from the sample corpus."""
    return fewshot("domain")


def messages(topic: str) -> list[dict]:
    turns = [{"role": "system", "content": SYSTEM}]
    for example in labelled_topics():
        turns += [{"role": "user", "content": f"Topic: {example['topic']}"},
                  {"role": "assistant", "content": json.dumps({"field": example["field"], "domain": example["domain"]})}]
    return turns + [{"role": "user", "content": f"Topic: {topic}"}]


def _subjects() -> dict[str, str]:
    """Each area's name, the parts of its name and the subjects its scope lists, to its name."""
    named = {}
    for name, scope in DOMAIN_SCOPE.items():
        for term in [name, *name.split(" & "), *scope.split(", ")]:
            named.setdefault(term.lower(), name)
    named.pop("anything that fits none of the above", None)
    return named


SUBJECTS = _subjects()


def decide(reply: dict) -> str:
    """The area the field names outright ("education", "astronomy", "nutrition"), else the
    model's choice: the small model sometimes names the field right and then picks Other."""
    return SUBJECTS.get(" ".join(reply["field"].lower().split()), reply["domain"])
