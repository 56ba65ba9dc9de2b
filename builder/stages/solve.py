"""Difficulty (optional, after the check): a small solver model answers each kept question
closed-book, several times, with exactly the prompt a trainee sees in the dataset's RL views;
`solve_rate` is the share of attempts the dataset's own reward pays.

A question the solver already gets right every time teaches a policy little (peers drop or
down-weight such items); `difficulty.max_solve_rate` turns the rate into a counted drop.
"""

from __future__ import annotations

from webscale_rl.eval.reward import chat_prompt
from webscale_rl.eval.verify import score


def messages(question: str) -> list[dict]:
    return chat_prompt(question)


def solve_rate(attempts: list[str], pair: dict) -> float | None:
    """Share of attempts the reward pays; None when no attempt came back."""
    if not attempts:
        return None
    paid = sum(score(text, pair["answer"], pair.get("answer_type"), pair["question"]) for text in attempts)
    return round(paid / len(attempts), 4)


def too_easy(rate: float | None, max_solve_rate: float | None) -> bool:
    return rate is not None and max_solve_rate is not None and rate > max_solve_rate
