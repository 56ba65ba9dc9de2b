"""Stage 1, LLM quality filter: keep documents that are informative and self-contained.

The method drops boilerplate-heavy pages and fragments that lack the context needed to
check an answer, and deliberately does not filter on difficulty or format. The reply names
the topic first (the rationale kept with the verdict), then two yes/no labels."""

from __future__ import annotations

from webscale_rl.builder.stages.common import StageResult, labelled_turns

INSTRUCTIONS = (
    "topic: the specific subject of the document, with its proper name if it has one.\n"
    'missing_context: "yes" when the document is a reply or fragment: it answers or agrees with a message we '
    'cannot see, or points at steps, posts or pages that are not included; otherwise "no".\n'
    'boilerplate: "yes" when the document is mostly menus, ads, cookie notices, link lists or login forms; '
    'otherwise "no". Difficulty, topic and writing style do not matter.'
)
SYSTEM = "You label web documents for a question-answering dataset. For each document write a JSON record:\n" + INSTRUCTIONS
FIELDS = ["topic", "missing_context", "boilerplate"]
YES_NO = {"type": "string", "enum": ["yes", "no"]}
PROPERTIES = {
    "topic": {"type": "string", "minLength": 2, "maxLength": 100},
    "missing_context": YES_NO,
    "boilerplate": YES_NO,
}
SCHEMA = {"type": "object", "properties": PROPERTIES, "required": FIELDS, "additionalProperties": False}


def messages(document: str) -> list[dict]:
    return labelled_turns(SYSTEM, FIELDS, document)


def decide(reply: dict) -> StageResult:
    rationale = {"rationale": reply["topic"]}
    if reply["boilerplate"] == "yes":
        return StageResult(False, "llm_filter_not_informative", rationale)
    if reply["missing_context"] == "yes":
        return StageResult(False, "llm_filter_not_self_contained", rationale)
    return StageResult(True, data=rationale)
