"""The answer check as RL reward functions, in the two signatures trainers call.

TRL's GRPOTrainer calls `reward(prompts=..., completions=..., **columns)` with every dataset
column as a list (our `trl` config has prompt, answer, answer_type, id); completions are
strings for string prompts and [{"role": "assistant", "content": ...}] for chat prompts.
verl calls `compute_score(data_source, solution_str, ground_truth, extra_info)` once per
sample when `custom_reward_function.path` points at this file.

Both refuse a completion that only repeats its prompt (TRL passes `prompts`; our verl rows
carry the question in extra_info). Where the reference itself cannot be checked (empty, too
long, an expression math-verify cannot parse) TRL's reward is None, which GRPOTrainer reads as
"skip this sample"; verl has no such value and gets 0.0.

Every built dataset ships this module, eval/verify.py and eval/answers/ inlined into one file, reward.py
(dataset_card/reward_module.py), so trainers need the dataset and PyPI packages only.

Example (TRL):
    from webscale_rl.eval.reward import answer_reward
    GRPOTrainer(model=..., reward_funcs=answer_reward, train_dataset=load_dataset(repo, "trl", split="train"))
Example (verl):
    custom_reward_function.path=<site-packages>/webscale_rl/eval/reward.py custom_reward_function.name=compute_score
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from webscale_rl.eval.answers.extract import PROMPT_INSTRUCTION
from webscale_rl.eval.verify import gold_decidable, score

# The prompt every RL view asks with (and the difficulty stage's solver gets): the question,
# then the instruction the reward's answer extraction relies on.
PROMPT_TEMPLATE = "{question}\n\n" + PROMPT_INSTRUCTION.replace("{", "{{").replace("}", "}}")


def chat_prompt(question: str) -> list[dict]:
    return [{"role": "user", "content": PROMPT_TEMPLATE.format(question=question)}]


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


def prompt_text(prompt: Any) -> str:
    """The text of a prompt as TRL passes it: a string, or a chat list (every message's text)."""
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, dict):
        return completion_text(prompt)
    if isinstance(prompt, (list, tuple)):
        return "\n\n".join(completion_text(m) for m in prompt)
    return str(prompt)


def answer_reward(completions: list, answer: list[str] | str, answer_type: list[str | None] | str | None = None,
                  **kwargs: Any) -> list[float | None]:
    """1.0 where the completion's final answer matches the row's `answer`, else 0.0; None for
    a row whose answer the rules cannot check (TRL skips it). `prompts`, when TRL passes it,
    lets the check refuse a completion that repeats its prompt; other extra columns (id,
    trainer_state, ...) arrive in kwargs and are ignored."""
    answers = _per_sample(answer, len(completions), "answer")
    types = _per_sample(answer_type, len(completions), "answer_type")
    prompts = kwargs.get("prompts")
    questions = [None] * len(completions) if prompts is None else \
        [prompt_text(p) for p in _per_sample(prompts, len(completions), "prompts")]
    return [score(completion_text(c), str(a), t or None, q) if gold_decidable(str(a or ""), t or None) else None
            for c, a, t, q in zip(completions, answers, types, questions)]


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict | None = None) -> float:
    """verl's custom reward: the same check; `extra_info["answer_type"]` selects the rules and
    `extra_info["question"]` is the question a completion must not merely repeat (our verl
    config stores both there); without them the type is inferred."""
    info = extra_info if isinstance(extra_info, dict) else {}
    return score(completion_text(solution_str), str(ground_truth), info.get("answer_type") or None,
                 info.get("question") or None)
