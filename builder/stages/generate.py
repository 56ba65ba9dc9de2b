"""Stage 3, verifiable QA generation: one short-answer pair per persona, grounded in the
document and shaped by two demonstrations from the domain's few-shot library.

Both call plans use the same instructions: the paper plan asks for one persona per call,
the fused plan for all personas of the document in one call."""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from importlib import resources

from webscale_rl.builder.stages.common import ANSWER_TYPES, DOMAINS, StageResult, one_or_many, stable_seed

FEWSHOT_PACKAGE = "webscale_rl.builder"
SLUGS = {
    "Math": "math", "Technology & Engineering": "technology_engineering", "Coding": "coding",
    "Social Science": "social_science", "Natural Science": "natural_science",
    "Travel & Lifestyle": "travel_lifestyle", "Commerce & Economics": "commerce_economics",
    "Medicine & Health": "medicine_health", "Education": "education", "Other": "other",
}

SYSTEM = (
    "You write question-answer pairs for training language models with verifiable rewards.\n"
    "The material comes as numbered sentences. Rules:\n"
    "1. evidence is the number of the one sentence that states the answer.\n"
    "2. Take the answer from that sentence. It is short and easy to check: a number, a date, a name, "
    "a short phrase, yes/no, a short list or a math expression. Never a sentence of explanation.\n"
    "3. The question stands on its own: include the background a reader needs, and never write "
    "'the passage', 'the text', 'the article', 'the material' or 'according to'.\n"
    "4. The question must not contain its answer.\n"
    "5. Ask it the way the given persona would.\n"
    f"answer_type is one of: {', '.join(ANSWER_TYPES)}. Reply in JSON."
)

# After . ! ? (and a closing quote or bracket), before a capital or digit; not after "U.S."
# "Dr." "Mr." "St." or an initial such as "J.".
_SENTENCE_END = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))(?<![A-Z]\.[A-Z]\.)(?<!\b[A-Z]\.)(?<!Mr\.)(?<!Ms\.)(?<!Dr\.)(?<!St\.)(?<!No\.)(?<!vs\.)"
    r"\s+(?=[\"'(\[]?[A-Z0-9])")


def sentences(document: str) -> list[str]:
    """The document cut into lines, and lines into sentences. The model cites a sentence by
    number, so its evidence is a verbatim quote by construction: small models paraphrase
    when asked to copy text."""
    out = []
    for line in document.splitlines():
        out += [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
    return out


def numbered(document: str) -> str:
    return "\n".join(f"[{i}] {sentence}" for i, sentence in enumerate(sentences(document), start=1))


def pair_schema(n_sentences: int) -> dict:
    return {
        "type": "object",
        "properties": {
            "evidence": {"type": "integer", "minimum": 1, "maximum": max(n_sentences, 1)},
            "question": {"type": "string", "minLength": 10, "maxLength": 300},
            "answer": {"type": "string", "minLength": 1, "maxLength": 80},
            "answer_type": {"type": "string", "enum": ANSWER_TYPES},
        },
        "required": ["evidence", "question", "answer", "answer_type"],
        "additionalProperties": False,
    }


def schema(n_personas: int, n_sentences: int) -> dict:
    """One pair, or exactly one pair per persona in persona order."""
    return one_or_many(pair_schema(n_sentences), "pairs", n_personas)


@lru_cache(maxsize=None)
def library(domain: str) -> tuple[dict, ...]:
    """The domain's demonstrations (data files in builder/fewshot/)."""
    slug = SLUGS.get(domain, "other")
    text = resources.files(FEWSHOT_PACKAGE).joinpath("fewshot", f"{slug}.jsonl").read_text(encoding="utf-8")
    return tuple(json.loads(line) for line in text.splitlines() if line.strip())


def pick_demos(domain: str, doc_id: str, seed: int, salt: object = "", k: int = 2) -> list[dict]:
    """k demonstrations, the same ones for the same (document, seed, salt) on every run."""
    demos = list(library(domain if domain in DOMAINS else "Other"))
    return random.Random(stable_seed(doc_id, seed, "fewshot", salt)).sample(demos, min(k, len(demos)))


def _evidence_number(material: str, evidence: str) -> int:
    """Which numbered sentence of a demonstration's material holds its evidence quote."""
    for i, sentence in enumerate(sentences(material), start=1):
        if evidence.strip() in sentence or sentence in evidence:
            return i
    raise ValueError(f"evidence {evidence!r} is not a sentence of its material")


def _demo_block(demos: list[dict]) -> str:
    lines = ["Examples of good pairs:"]
    for demo in demos:
        pair = {"evidence": _evidence_number(demo["material"], demo["evidence"]),
                **{key: demo[key] for key in ("question", "answer", "answer_type")}}
        lines += [f"Material:\n{numbered(demo['material'])}", f"Persona: {demo['persona']}",
                  f"Pair: {json.dumps(pair, ensure_ascii=False)}", ""]
    return "\n".join(lines)


def messages(document: str, domain: str, personas: list[str], demos: list[dict]) -> list[dict]:
    if len(personas) == 1:
        ask = f"Persona: {personas[0]}\nWrite one pair for this persona."
    else:
        listed = "\n".join(f"{i + 1}. {p}" for i, p in enumerate(personas))
        ask = f"Personas:\n{listed}\nWrite one pair per persona, in this order, each a different question."
    user = f"{_demo_block(demos)}\nNow the real task.\nDomain: {domain}\nMaterial:\n{numbered(document)}\n\n{ask}"
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def decide(reply: dict, personas: list[str], document: str) -> StageResult:
    """Attach each pair to its persona, replace the cited number by the sentence, tidy spaces."""
    cited = sentences(document)
    pairs = [reply] if len(personas) == 1 else reply["pairs"]
    out = []
    for persona, pair in zip(personas, pairs):
        number = pair["evidence"]
        evidence = cited[number - 1] if isinstance(number, int) and 1 <= number <= len(cited) else ""
        tidy = {key: " ".join(str(pair[key]).split()) for key in ("question", "answer", "answer_type")}
        out.append(tidy | {"evidence": evidence, "persona": persona})
    return StageResult(True, data={"pairs": out})
