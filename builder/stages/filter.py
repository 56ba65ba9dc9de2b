"""Stage 1, LLM quality filter: keep documents that are informative and self-contained.

The method drops boilerplate-heavy pages and fragments that lack the context needed to
check an answer, and deliberately does not filter on difficulty or format."""

from __future__ import annotations

from webscale_rl.builder.stages.common import StageResult

SYSTEM = (
    "You screen web documents for a question-answering dataset. Judge two things.\n"
    "informative: the document teaches real content (facts, figures, explanations, steps). "
    "Navigation menus, cookie notices, link lists, ads, login pages and other boilerplate are not informative.\n"
    "self_contained: a reader could check a factual answer using this document alone. Fragments that "
    "start mid-thought, refer to missing tables or earlier pages, or lack who/what/where are not self-contained.\n"
    "Difficulty, topic and writing style do not matter. Reply in JSON with a one-sentence rationale first."
)

SCHEMA = {
    "type": "object",
    "properties": {
        "rationale": {"type": "string", "maxLength": 240},
        "informative": {"type": "boolean"},
        "self_contained": {"type": "boolean"},
    },
    "required": ["rationale", "informative", "self_contained"],
    "additionalProperties": False,
}


def messages(document: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"Document:\n{document}"}]


def decide(reply: dict) -> StageResult:
    if not reply["informative"]:
        return StageResult(False, "llm_filter_not_informative", {"rationale": reply["rationale"]})
    if not reply["self_contained"]:
        return StageResult(False, "llm_filter_not_self_contained", {"rationale": reply["rationale"]})
    return StageResult(True, data={"rationale": reply["rationale"]})
