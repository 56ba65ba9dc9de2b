"""One registry of drop reasons: every reason the code can emit has a plain-words meaning, so
the funnel, the card and the Space never show a bare name nobody can look up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webscale_rl.builder.drop_reasons import PREFIXES, REASONS, explain, is_registered

BUILDER = Path(__file__).resolve().parents[1] / "builder"

# The places a reason is written as a literal, and how it reaches the funnel.
EMITTERS = [
    (re.compile(r'StageResult\(False, "(\w+)"'), "{}"),          # a stage's decision
    (re.compile(r'reasons\.append\("(\w+)"\)'), "{}"),           # the deterministic pair checks
    (re.compile(r'_skip\("(\w+)"'), "input_{}"),                 # unreadable input records
    (re.compile(r'(?:pair|doc)_drops\["(\w+)"\]'), "{}"),        # counted in the funnel directly
    (re.compile(r'\["drop_reason"\] = "(\w+)"'), "{}"),          # a rollout's document-level outcome
]


def emitted_reasons() -> set[str]:
    found = set()
    for path in BUILDER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern, template in EMITTERS:
            found |= {template.format(name) for name in pattern.findall(text)}
    return found


def test_the_scan_finds_the_reasons_it_is_meant_to():
    """Guards the scan itself: if a refactor renamed the emitters, the next test would pass on nothing."""
    found = emitted_reasons()
    assert {"check_answer_incorrect", "question_not_specific", "input_malformed_json", "no_pair_kept",
            "near_duplicate_question", "llm_filter_not_informative"} <= found
    assert len(found) >= 25


def test_every_reason_the_code_emits_is_registered():
    unregistered = sorted(r for r in emitted_reasons() if not is_registered(r))
    assert unregistered == [], f"register these in builder/drop_reasons.py: {unregistered}"


@pytest.mark.parametrize("reason", ["llm_generate_truncated", "llm_check_http_503", "rollout_error_KeyError",
                                    "contaminated_gsm8k", "gopher_quality_too_few_stop_words", "language_de"])
def test_reasons_with_a_variable_part_are_explained_by_their_prefix(reason):
    assert explain(reason)


def test_unknown_reasons_are_refused_and_meanings_are_sentences():
    with pytest.raises(KeyError, match="not registered"):
        explain("made_up_reason")
    for meaning in [*REASONS.values(), *PREFIXES.values()]:
        assert len(meaning.split()) >= 5 and meaning == meaning.strip() and not meaning.endswith(".")
