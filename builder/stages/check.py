"""Stage 4, quality and leakage check: an LLM reads the material and the questions, answers
each question itself without seeing the pair's answer, and says whether the question has
enough context and whether it gives its own answer away.

The pair's answer is judged correct only when the reviewer's blind answer agrees with it, by
the same verifier the RL reward uses. Shown the answer, small reviewers copy it and approve
everything; answering blind, they cannot confirm a wrong answer or an unanswerable question."""

from __future__ import annotations

import json

from webscale_rl.builder.checks import normalize
from webscale_rl.builder.stages.common import StageResult, one_or_many
from webscale_rl.eval.verify import verify

SYSTEM = (
    "You review questions written from a document. For each question:\n"
    "reader_answer: answer it yourself, from the document only, in a few words "
    "(\"not stated\" when the document does not say);\n"
    "context_sufficient: the question makes sense on its own, without seeing the document;\n"
    "leaks_answer: the question itself states or strongly hints at its answer.\n"
    "Reply in JSON."
)

VERDICT = {
    "type": "object",
    "properties": {
        "reader_answer": {"type": "string", "maxLength": 80},
        "context_sufficient": {"type": "boolean"},
        "leaks_answer": {"type": "boolean"},
    },
    "required": ["reader_answer", "context_sufficient", "leaks_answer"],
    "additionalProperties": False,
}


def schema(n_pairs: int) -> dict:
    return one_or_many(VERDICT, "verdicts", n_pairs)


def messages(document: str, pairs: list[dict]) -> list[dict]:
    listed = "\n".join(f"{i + 1}. {p['question']}" for i, p in enumerate(pairs))
    what = "this question" if len(pairs) == 1 else "each question, in order"
    user = f"Document:\n{document}\n\nQuestions:\n{listed}\n\nReview {what}."
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def verdicts(reply: dict, n_pairs: int) -> list[dict]:
    return [reply] if n_pairs == 1 else list(reply["verdicts"])


NOT_STATED = {"not stated", "not mentioned", "unknown", "n/a", "none"}


def answers_agree(reader_answer: str, answer: str, answer_type: str) -> bool:
    """The verifier's equivalence, or for names and phrases one answer containing the other
    ("quad-core ARM" for "quad-core ARM, 1.7 GHz"): the reviewer answers in a few words."""
    if normalize(reader_answer).strip(" .") in NOT_STATED:  # "not stated" must never read as "no"
        return False
    if verify(reader_answer, answer, answer_type):
        return True
    if answer_type in ("name", "short_phrase"):
        a, b = normalize(reader_answer).strip(" ."), normalize(answer).strip(" .")
        return bool(a and b) and (a in b or b in a)
    return False


def decide(verdict: dict, pair: dict) -> StageResult:
    record = {
        "context_sufficient": bool(verdict["context_sufficient"]),
        "answer_correct": answers_agree(verdict["reader_answer"], pair["answer"], pair["answer_type"]),
        "no_leakage": not verdict["leaks_answer"],
        "reader_answer": verdict["reader_answer"],
    }
    if not record["context_sufficient"]:
        return StageResult(False, "check_context_insufficient", record)
    if not record["answer_correct"]:
        return StageResult(False, "check_answer_incorrect", record)
    if not record["no_leakage"]:
        return StageResult(False, "check_leaks_answer", record)
    return StageResult(True, data=record)
