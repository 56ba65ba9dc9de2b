"""Fused plan, stages 1+2 in one call: the filter labels, the topic and the personas (the
domain follows in its own short call, as in the paper plan).

One call instead of two sends the document once; the decision rules are those of
`filter` and `identify`, so both plans drop and keep for the same reasons."""

from __future__ import annotations

from webscale_rl.builder.stages import filter as filter_stage, identify
from webscale_rl.builder.stages.common import StageResult, labelled_turns

SYSTEM = identify.SYSTEM + "\n" + filter_stage.INSTRUCTIONS.split("\n", 1)[1]
FIELDS = identify.FIELDS + filter_stage.FIELDS[1:]
SCHEMA = {
    "type": "object",
    "properties": {**identify.PROPERTIES, **filter_stage.PROPERTIES},
    "required": FIELDS,
    "additionalProperties": False,
}


def messages(document: str) -> list[dict]:
    return labelled_turns(SYSTEM, FIELDS, document)


def decide(reply: dict, max_personas: int = 3) -> StageResult:
    verdict = filter_stage.decide(reply)
    if not verdict.keep:
        return verdict
    classified = identify.decide(reply, max_personas)
    classified.data["rationale"] = verdict.data["rationale"]
    return classified
