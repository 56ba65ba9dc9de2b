"""Stage 2, domain and personas: one of the method's 10 domains and up to 3 audiences who
would plausibly ask about the document; each persona later gets its own question."""

from __future__ import annotations

from webscale_rl.builder.stages.common import DOMAINS, StageResult, labelled_turns

# What each domain covers: without it small models file most documents under "Other".
DOMAIN_SCOPE = {
    "Math": "arithmetic, algebra, calculus, statistics, probability, proofs",
    "Technology & Engineering": "devices, hardware, machines, electronics, energy, construction",
    "Coding": "programming languages, code, software tools, databases",
    "Social Science": "society, history, politics, psychology, law, economic theory",
    "Natural Science": "physics, chemistry, biology, astronomy, earth science",
    "Travel & Lifestyle": "travel, places, food and recipes, home, outdoor gear",
    "Commerce & Economics": "business, shopping, products and prices, money, finance, markets",
    "Medicine & Health": "health, illness, treatment, hospitals, nutrition, fitness",
    "Education": "schools, courses, teaching, learning methods, scholarships",
    "Other": "sport, arts, music, games, hobbies, anything that fits none of the above",
}
INSTRUCTIONS = (
    "domain: the one that fits best: " + "; ".join(f"{name} ({scope})" for name, scope in DOMAIN_SCOPE.items()) + ".\n"
    "personas: three different kinds of people who would read this document and ask about it, "
    "each described in a few words; make them differ in background or purpose."
)
SYSTEM = ("You label web documents for a question-answering dataset. For each document write a JSON record:\n"
          "topic: the specific subject of the document, with its proper name if it has one.\n" + INSTRUCTIONS)
FIELDS = ["topic", "domain", "personas"]
PROPERTIES = {
    "topic": {"type": "string", "minLength": 2, "maxLength": 100},
    "domain": {"type": "string", "enum": DOMAINS},
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
    return StageResult(True, data={"domain": reply["domain"], "personas": personas[:max_personas]})
