"""The answer check as RL reward functions, in the two signatures trainers call.

TRL's GRPOTrainer calls `reward(prompts=..., completions=..., **columns)` with every dataset
column as a list (our `trl` config has prompt, answer, answer_type, id); completions are
strings for string prompts and [{"role": "assistant", "content": ...}] for chat prompts.
verl calls `compute_score(data_source, solution_str, ground_truth, extra_info)` once per
sample when `custom_reward_function.path` points at this file.

Example (TRL):
    from webscale_rl.eval.reward import answer_reward
    GRPOTrainer(model=..., reward_funcs=answer_reward, train_dataset=load_dataset(repo, "trl", split="train"))
Example (verl):
    custom_reward_function.path=<site-packages>/webscale_rl/eval/reward.py custom_reward_function.name=compute_score
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webscale_rl.eval.verify import score


def completion_text(completion: Any) -> str:
    """The text of one completion: a string, a message dict, or a chat list (the last
    assistant message; content may be a list of {"type": "text", "text": ...} parts)."""
    if completion is None:
        return ""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        content = completion.get("content", "")
        if isinstance(content, list):
            return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
        return "" if content is None else str(content)
    if isinstance(completion, (list, tuple)):
        messages = [m for m in completion if isinstance(m, dict)]
        assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
        return completion_text((assistant or messages or [None])[-1])
    return str(completion)


def _per_sample(value: Any, count: int, name: str) -> list:
    """A column as TRL passes it (a list; any sequence such as a `datasets` Column works),
    or one value broadcast to every completion."""
    if value is None or isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value] * count
    values = list(value)
    if len(values) != count:
        raise ValueError(f"{name} has {len(values)} values for {count} completions")
    return values


def answer_reward(completions: list, answer: list[str] | str, answer_type: list[str | None] | str | None = None,
                  **kwargs: Any) -> list[float]:
    """1.0 where the completion's final answer matches the row's `answer`, else 0.0.
    Extra columns (prompts, id, trainer_state, ...) arrive in kwargs and are ignored."""
    answers = _per_sample(answer, len(completions), "answer")
    types = _per_sample(answer_type, len(completions), "answer_type")
    return [score(completion_text(c), str(a), t or None) for c, a, t in zip(completions, answers, types)]


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict | None = None) -> float:
    """verl's custom reward: the same check; `extra_info["answer_type"]` selects the rules
    (our verl config stores it there) and otherwise the type is inferred."""
    answer_type = extra_info.get("answer_type") if isinstance(extra_info, dict) else None
    return score(completion_text(solution_str), str(ground_truth), answer_type or None)
