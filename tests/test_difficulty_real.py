"""The difficulty stage against a real model (the default preset: SmolLM2-135M rarely puts its
answer in the box the reward reads, so it scores near zero on everything): closed-book, it
solves a question anyone knows and never one whose answer exists only in a document."""

from __future__ import annotations

import pytest

from webscale_rl.builder.rollout import Settings, rate_difficulty
from webscale_rl.transport import Endpoint, LLMClient, run_sync

pytestmark = pytest.mark.slow

EASY = {"question": "What is the chemical symbol for gold?", "answer": "Au", "answer_type": "short_phrase"}
ONLY_IN_A_DOCUMENT = {"question": "Who was the chief engineer of the Harbour Bridge in Port Avalon, opened in 1932?",
                      "answer": "Maria Lindqvist", "answer_type": "name"}


def test_the_solver_separates_common_knowledge_from_document_facts(default_server, report):
    client = LLMClient(Endpoint(urls=[default_server.url]))
    settings = Settings(solve_samples=8, max_solve_rate=0.5)
    kept, dropped = run_sync(rate_difficulty([EASY, ONLY_IN_A_DOCUMENT], "doc-1", client.generate, settings))
    rates = {p["answer"]: p["solve_rate"] for p in kept + [pair for pair, _ in dropped]}
    report(f"default preset solve rates over 8 attempts: {rates}")
    assert rates["Maria Lindqvist"] == 0.0 and rates["Au"] > 0.5
    assert [(pair["answer"], reason) for pair, reason in dropped] == [("Au", "too_easy")]
    assert [p["answer"] for p in kept] == ["Maria Lindqvist"]
