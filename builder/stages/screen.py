"""Fused plan, stages 1+2 in one call: the filter verdict, the domain and the personas.

One call instead of two sends the document once; the decision rules are those of
`filter` and `identify`, so both plans drop and keep for the same reasons."""

from __future__ import annotations

from webscale_rl.builder.stages import filter as filter_stage
from webscale_rl.builder.stages import identify
from webscale_rl.builder.stages.common import StageResult

SYSTEM = filter_stage.SYSTEM.replace(" Reply in JSON with a one-sentence rationale first.", "") + (
    "\nThen, for documents worth keeping, classify them.\n" + identify.SYSTEM.split("\n", 1)[1]
)

SCHEMA = {
    "type": "object",
    "properties": {**filter_stage.SCHEMA["properties"], **identify.SCHEMA["properties"]},
    "required": filter_stage.SCHEMA["required"] + identify.SCHEMA["required"],
    "additionalProperties": False,
}


def messages(document: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"Document:\n{document}"}]


def decide(reply: dict, max_personas: int = 3) -> StageResult:
    verdict = filter_stage.decide(reply)
    if not verdict.keep:
        return verdict
    classified = identify.decide(reply, max_personas)
    classified.data["rationale"] = verdict.data["rationale"]
    return classified
