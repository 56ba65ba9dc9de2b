"""Stage 2, the topic and personas: up to 3 audiences who would plausibly ask about the
document; each persona later gets its own question. The domain, the other half of stage 2,
is a short call of its own on the topic (`domain`)."""

from __future__ import annotations

from webscale_rl.builder.stages.common import StageResult, labelled_turns

INSTRUCTIONS = (
    "personas: three different kinds of people who would read this document and ask about it, "
    "each described in a few words; make them differ in background or purpose."
)
SYSTEM = ("You label web documents for a question-answering dataset. For each document write a JSON record:\n"
          "topic: the specific subject of the document, with its proper name if it has one.\n" + INSTRUCTIONS)
FIELDS = ["topic", "personas"]
PROPERTIES = {
    "topic": {"type": "string", "minLength": 2, "maxLength": 100},
    "personas": {"type": "array", "items": {"type": "string", "minLength": 3, "maxLength": 90}, "minItems": 1, "maxItems": 3},
}
SCHEMA = {"type": "object", "properties": PROPERTIES, "required": FIELDS, "additionalProperties": False}


def messages(document: str) -> list[dict]:
    return labelled_turns(SYSTEM, FIELDS, document)


def decide(reply: dict, max_personas: int = 3) -> StageResult:
    personas: list[str] = []
    for persona in reply["personas"]:
        persona = " ".join(persona.split())
        if persona and persona.lower() not in {p.lower() for p in personas}:
            personas.append(persona)
    if not personas:
        return StageResult(False, "identify_no_persona")
    return StageResult(True, data={"personas": personas[:max_personas]})
