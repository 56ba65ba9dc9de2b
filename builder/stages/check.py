"""Stage 4, quality and leakage check: an LLM reads the material and a pair and says whether
the question has enough context, whether the answer is right per the material, and whether
the question gives the answer away. Only pairs passing all three are kept."""

from __future__ import annotations

import json

from webscale_rl.builder.stages.common import StageResult, one_or_many

SYSTEM = (
    "You review question-answer pairs written from a document. For each pair decide:\n"
    "context_sufficient: the question makes sense on its own, without seeing the document;\n"
    "answer_correct: the document supports the answer exactly;\n"
    "leaks_answer: the question states or strongly hints at its own answer.\n"
    "Be strict: when unsure, answer_correct is false. Reply in JSON with a short rationale first."
)

VERDICT = {
    "type": "object",
    "properties": {
        "rationale": {"type": "string", "maxLength": 240},
        "context_sufficient": {"type": "boolean"},
        "answer_correct": {"type": "boolean"},
        "leaks_answer": {"type": "boolean"},
    },
    "required": ["rationale", "context_sufficient", "answer_correct", "leaks_answer"],
    "additionalProperties": False,
}


def schema(n_pairs: int) -> dict:
    return one_or_many(VERDICT, "verdicts", n_pairs)


def messages(document: str, pairs: list[dict]) -> list[dict]:
    listed = "\n".join(
        f"{i + 1}. {json.dumps({'question': p['question'], 'answer': p['answer']}, ensure_ascii=False)}" for i, p in enumerate(pairs)
    )
    what = "this pair" if len(pairs) == 1 else "each pair, in order"
    user = f"Document:\n{document}\n\nPairs:\n{listed}\n\nReview {what}."
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def verdicts(reply: dict, n_pairs: int) -> list[dict]:
    return [reply] if n_pairs == 1 else list(reply["verdicts"])


def decide(verdict: dict) -> StageResult:
    record = {
        "context_sufficient": bool(verdict["context_sufficient"]),
        "answer_correct": bool(verdict["answer_correct"]),
        "no_leakage": not verdict["leaks_answer"],
        "rationale": verdict["rationale"],
    }
    if not record["context_sufficient"]:
        return StageResult(False, "check_context_insufficient", record)
    if not record["answer_correct"]:
        return StageResult(False, "check_answer_incorrect", record)
    if not record["no_leakage"]:
        return StageResult(False, "check_leaks_answer", record)
    return StageResult(True, data=record)
