"""Stage 2, domain and personas: one of the method's 10 domains and up to 3 audiences who
would plausibly ask about the document; each persona later gets its own question."""

from __future__ import annotations

from webscale_rl.builder.stages.common import DOMAINS, StageResult

SYSTEM = (
    "Classify a document for a question-answering dataset.\n"
    f"domain: the single most relevant of: {', '.join(DOMAINS)}. Use Other only when none fits.\n"
    "personas: one to three specific people who would read this document and ask about it, "
    "each a short description such as 'a nurse checking dosage guidance' or 'a tourist planning a day trip'. "
    "Make them differ in background or purpose. Reply in JSON."
)

SCHEMA = {
    "type": "object",
    "properties": {
        "domain": {"type": "string", "enum": DOMAINS},
        "personas": {
            "type": "array",
            "items": {"type": "string", "minLength": 3, "maxLength": 90},
            "minItems": 1,
            "maxItems": 3,
        },
    },
    "required": ["domain", "personas"],
    "additionalProperties": False,
}


def messages(document: str) -> list[dict]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"Document:\n{document}"}]


def decide(reply: dict, max_personas: int = 3) -> StageResult:
    personas: list[str] = []
    for persona in reply["personas"]:
        persona = " ".join(persona.split())
        if persona and persona.lower() not in {p.lower() for p in personas}:
            personas.append(persona)
    if not personas:
        return StageResult(False, "identify_no_persona")
    return StageResult(True, data={"domain": reply["domain"], "personas": personas[:max_personas]})
