"""A token budget for the LLM stages: `build --max-tokens N` (or `--max-cost USD` at the
config's `card.price_per_million_tokens`) ends the LLM stage once N tokens are spent, counting
what earlier runs of the same build spent. The dataset folder is still written, with the
documents left over counted as `not_processed_budget`; a rerun with a larger budget resumes
from datatrove's checkpoints and finishes them.

The budget is checked before each document starts, so the overshoot is at most the documents
already in flight (`max_concurrent_documents`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Awaitable, Callable

from webscale_rl.builder.rollout import Progress, tokens_of


class BudgetSpent(BaseException):
    """Ends the LLM task when the budget is used up. Not an Exception, so that datatrove's
    `except Exception` lets it through and the task stays unfinished, hence resumable."""


def spent_in(llm_output: Path) -> int:
    """Tokens spent on the documents an earlier run of this build already wrote."""
    total = 0
    for path in sorted(llm_output.glob("*.jsonl")) if llm_output.exists() else []:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    for result in json.loads(line).get("metadata", {}).get("rollout_results") or []:
                        total += tokens_of(result)
    return total


def max_tokens_for(max_tokens: int | None, max_cost: float | None, price_per_million: float) -> int | None:
    """The budget in tokens, from a token count or a cost at the given price."""
    if max_cost is None:
        return max_tokens
    if price_per_million <= 0:
        raise ValueError("--max-cost needs card.price_per_million_tokens in the config (USD per million tokens)")
    by_cost = int(max_cost / price_per_million * 1e6)
    return by_cost if max_tokens is None else min(by_cost, max_tokens)


class BudgetedRollout:
    """The rollout, refused once `spent_before` plus this process's tokens reach `max_tokens`."""

    def __init__(self, rollout_fn: Callable[..., Awaitable[dict]], max_tokens: int, spent_before: int) -> None:
        self.rollout_fn, self.max_tokens, self.spent_before = rollout_fn, max_tokens, spent_before

    def spent(self) -> int:
        return self.spent_before + Progress.tokens

    async def __call__(self, doc, generate: Callable[[dict], Awaitable[Any]], **kwargs) -> dict:
        if self.spent() >= self.max_tokens:
            raise BudgetSpent(f"token budget of {self.max_tokens:,} spent ({self.spent():,})")
        return await self.rollout_fn(doc, generate, **kwargs)
