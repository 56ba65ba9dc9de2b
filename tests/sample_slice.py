"""A small slice of the shipped sample corpus for the cluster tests: a few good documents and
planted junk ones the heuristics must drop, so every run exercises both ends of the funnel."""

from __future__ import annotations

import json
from importlib import resources

from webscale_rl.builder.stages import opening


def sample_slice(good: int, planted: tuple[str, ...] = ("too_short", "boilerplate")) -> list[dict]:
    """The first `good` documents of good_a.jsonl, then one planted junk document of each kind."""
    folder = resources.files("webscale_rl.builder").joinpath("sample_corpus")

    def read(name: str) -> list[dict]:
        return [json.loads(line) for line in folder.joinpath(name).read_text(encoding="utf-8").splitlines() if line.strip()]

    junk = read("junk.jsonl")
    return read("good_a.jsonl")[:good] + [next(d for d in junk if d["meta"]["planted"] == kind) for kind in planted]


def first_calls_answered(stats: dict, texts: list[str]) -> bool:
    """Every document that reached the model had its first call answered: the look at its
    opening, or the screen for a titled one, which gets no look at its opening."""
    untitled = sum(not opening.titled(text) for text in texts)
    calls = {stage: stats["llm"].get(stage, {}).get("calls", 0) for stage in ("opening", "screen")}
    return calls["opening"] >= untitled and calls["screen"] >= len(texts) - untitled
