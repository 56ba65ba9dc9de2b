"""Stage 3, verifiable QA generation: one short-answer pair per persona, grounded in the
document and shaped by two demonstrations from the domain's few-shot library.

The model writes the question, the answer and its type; code then finds the sentence that
states the answer (`checks.locate_evidence`). Asked to cite sentences by number, small models
pointed one sentence off; a quote located by code states the answer by construction.

Both call plans use the same instructions: the paper plan asks for one persona per call,
the fused plan for all personas of the document in one call."""

from __future__ import annotations

import json
import random
from functools import lru_cache
from importlib import resources

from webscale_rl.builder.checks import locate_evidence
from webscale_rl.builder.stages.common import ANSWER_TYPES, DOMAINS, StageResult, one_or_many, stable_seed

FEWSHOT_PACKAGE = "webscale_rl.builder"
SLUGS = {
    "Math": "math", "Technology & Engineering": "technology_engineering", "Coding": "coding",
    "Social Science": "social_science", "Natural Science": "natural_science",
    "Travel & Lifestyle": "travel_lifestyle", "Commerce & Economics": "commerce_economics",
    "Medicine & Health": "medicine_health", "Education": "education", "Other": "other",
}

SYSTEM = (
    "You write question-answer pairs for training language models with verifiable rewards. "
    "Each pair tests one fact that the document states. Write the answer first, then the question:\n"
    "1. answer: a short value copied from the document: a number with its unit, a date, a name, "
    "a term of a few words, yes/no, a short list or a math expression. Never a sentence or an explanation.\n"
    f"2. answer_type: what the answer is, one of {', '.join(ANSWER_TYPES)}.\n"
    "3. question: asks for exactly that answer (a count for 'how many', a person for 'who', a date for "
    "'when') and names its subject, so that someone who has never seen the document knows which thing, "
    "place, person or idea it is about. Never write 'the passage', 'the text', 'the article', "
    "'the document' or 'according to'. The question must not contain its answer. "
    "Ask it the way the given persona would.\n"
    "Reply in JSON."
)

# Answer first: a small model that has copied a short value then asks for it; one that writes
# the question first tends to answer it with an explanation.
PAIR = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "minLength": 1, "maxLength": 80},
        "answer_type": {"type": "string", "enum": ANSWER_TYPES},
        "question": {"type": "string", "minLength": 10, "maxLength": 300},
    },
    "required": ["answer", "answer_type", "question"],
    "additionalProperties": False,
}


def schema(n_personas: int) -> dict:
    """One pair, or exactly one pair per persona in persona order."""
    return one_or_many(PAIR, "pairs", n_personas)


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


def _task(document: str, subject: str, personas: list[str]) -> str:
    if len(personas) == 1:
        ask = f"Persona: {personas[0]}\nWrite one pair for this persona."
    else:
        listed = "\n".join(f"{i + 1}. {p}" for i, p in enumerate(personas))
        ask = f"Personas:\n{listed}\nWrite one pair per persona, in this order, each about a different fact of the document."
    return f"Subject: {subject}\nDocument:\n{document}\n\n{ask}"


def _reply(pairs: list[dict]) -> str:
    items = [{key: pair[key] for key in PAIR["required"]} for pair in pairs]
    return json.dumps(items[0] if len(items) == 1 else {"pairs": items}, ensure_ascii=False)


def messages(document: str, subject: str, personas: list[str], demos: list[dict]) -> list[dict]:
    """Rules, then each demonstration as a worked turn (small models follow demonstrated turns
    more closely than described ones), then the real document."""
    turns = [{"role": "system", "content": SYSTEM}]
    for demo in demos:
        turns += [{"role": "user", "content": _task(demo["material"], demo["subject"], [demo["persona"]])},
                  {"role": "assistant", "content": _reply([demo])}]
    return turns + [{"role": "user", "content": _task(document, subject, personas)}]


def decide(reply: dict, personas: list[str], document: str) -> StageResult:
    """Attach each pair to its persona, tidy spaces, and quote the sentence that states the
    answer ("" when no sentence does: the deterministic checks drop that pair)."""
    pairs = [reply] if len(personas) == 1 else reply["pairs"]
    out = []
    for persona, pair in zip(personas, pairs):
        tidy = {key: " ".join(str(pair[key]).split()) for key in ("question", "answer", "answer_type")}
        evidence = locate_evidence(tidy["question"], tidy["answer"], tidy["answer_type"], document)
        out.append(tidy | {"evidence": evidence, "persona": persona})
    return StageResult(True, data={"pairs": out})
