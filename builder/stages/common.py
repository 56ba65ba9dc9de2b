"""What every LLM stage shares: the method's domains and answer types, deterministic seeds,
and the shape of a stage result."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Callable

from webscale_rl.eval.answers.text import normalize

DOMAINS = [
    "Math", "Technology & Engineering", "Coding", "Social Science", "Natural Science",
    "Travel & Lifestyle", "Commerce & Economics", "Medicine & Health", "Education", "Other",
]
ANSWER_TYPES = ["number", "date", "name", "short_phrase", "yes_no", "list", "expression"]
PROMPT_VERSION = "wsrl-prompts-10"


def stable_seed(*parts: object) -> int:
    """A seed from (document id, run seed, stage...): identical payloads on a rerun are what
    lets datatrove's replay cache answer them without a new call."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass
class StageResult:
    """A decision taken on a reply: keep or a drop reason, plus what the stage learnt."""

    keep: bool
    reason: str = ""
    data: dict = field(default_factory=dict)


def one_or_many(item: dict, key: str, n: int) -> dict:
    """The schema of one reply item, or of exactly n of them under `key` (fused calls)."""
    if n == 1:
        return item
    return {
        "type": "object",
        "properties": {key: {"type": "array", "items": item, "minItems": n, "maxItems": n}},
        "required": [key],
        "additionalProperties": False,
    }


def place_by_copy(items: list[dict], copy_of: Callable[[dict], str], keys: list[str], duplicates_fill_gaps: bool) -> dict[int, dict]:
    """Reply items of a multi-item call placed at the input they were written for, known by
    the input's key the model copied into each item (`copy_of` reads it; small models answering several inputs at
    once sometimes take them in another order). An item whose copy matches no key goes to the
    first place still empty, in reply order; a second item for a taken place is dropped, or
    with `duplicates_fill_gaps` treated as matching no key."""
    wanted = {normalize(key): i for i, key in enumerate(keys)}
    placed: dict[int, dict] = {}
    loose = []
    for item in items[:len(keys)]:
        at = wanted.get(normalize(copy_of(item)))
        if at is None or (at in placed and duplicates_fill_gaps):
            loose.append(item)
        elif at not in placed:
            placed[at] = item
    for item, at in zip(loose, [i for i in range(len(keys)) if i not in placed]):
        placed[at] = item
    return placed


def usage_of(result) -> dict:
    """Token counts of a datatrove InferenceResult or a transport Completion; cached prompt
    tokens are those the server reused from its prompt cache instead of computing again."""
    usage = getattr(result, "usage", None) or {}
    details = usage.get("prompt_tokens_details") or {}  # OpenAI's field; llama.cpp and vLLM fill it
    return {"prompt_tokens": int(usage.get("prompt_tokens") or 0), "completion_tokens": int(usage.get("completion_tokens") or 0),
            "cached_prompt_tokens": int(details.get("cached_tokens") or 0)}


@lru_cache(maxsize=None)
def fewshot(name: str) -> tuple[dict, ...]:
    """The records of one few-shot data file, builder/fewshot/<name>.jsonl (package data)."""
    text = resources.files("webscale_rl.builder").joinpath("fewshot", f"{name}.jsonl").read_text(encoding="utf-8")
    return tuple(json.loads(line) for line in text.splitlines() if line.strip())


def labelled_documents() -> tuple[dict, ...]:
    """Short documents with the record a careful annotator writes for them
    (builder/fewshot/screen.jsonl), shown to the filter and identify stages as worked turns:
    small models copy field values from instructions but follow demonstrated records."""
    return fewshot("screen")


def labelled_turns(system: str, fields: list[str], document: str) -> list[dict]:
    """System prompt, one user/assistant pair per labelled document (only `fields`), then the document."""
    turns = [{"role": "system", "content": system}]
    for example in labelled_documents():
        turns += [{"role": "user", "content": f"Document:\n{example['document']}"},
                  {"role": "assistant", "content": json.dumps({f: example[f] for f in fields}, ensure_ascii=False)}]
    return turns + [{"role": "user", "content": f"Document:\n{document}"}]
