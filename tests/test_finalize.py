"""After the LLM stages: rollout results become records, near-duplicate questions and
benchmark-contaminated pairs are dropped (or flagged) and counted, and the numbers reach
stats.json, quality.json and the card. The rollout output is written here in the exact form
datatrove's InferenceRunner writes it, so no model is needed."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from webscale_rl.builder.config import load_config
from webscale_rl.builder.finalize import finalize
from webscale_rl.dataset_card.card import write_card
from webscale_rl.dataset_card.report import quality_report

FIXTURES = Path(__file__).parent / "fixtures" / "benchmarks"
GSM8K_QUESTION = json.loads((FIXTURES / "gsm8k_like.jsonl").read_text().splitlines()[0])["question"]
VERDICTS = {"context_sufficient": True, "answer_correct": True, "no_leakage": True, "reader_answer": "340"}


def pair(question: str, answer: str, persona: str = "a baker") -> dict:
    return {"question": question, "answer": answer, "answer_type": "number", "evidence": f"It was {answer}.",
            "persona": persona, "verdicts": VERDICTS}


def rollout_line(doc_id: str, pairs: list[dict], status: str = "kept", reason: str = "") -> str:
    result = {"status": status, "drop_reason": reason, "domain": "Math", "personas": [p["persona"] for p in pairs],
              "pairs": pairs, "pairs_generated": len(pairs), "pair_drops": {}, "filter_rationale": "baking",
              "usage": {"screen": {"calls": 1, "prompt_tokens": 900, "completion_tokens": 40}}}
    return json.dumps({"id": doc_id, "text": f"Document {doc_id}.", "metadata": {"rollout_results": [result]}}) + "\n"


@pytest.fixture
def llm_output(tmp_path) -> Path:
    folder = tmp_path / "out" / ".work" / "llm" / "output"
    folder.mkdir(parents=True)
    (folder / "00000_chunk_0.jsonl").write_text(
        rollout_line("d1", [pair("How many loaves does the Millbrook bakery bake on a Saturday morning?", "340")])
        + rollout_line("d2", [pair(GSM8K_QUESTION, "159")])  # a benchmark question, word for word
        + rollout_line("d3", [pair("How many loaves does the Millbrook bakery bake on Saturday mornings?", "340")])
        + rollout_line("d4", [], status="dropped", reason="llm_filter_not_informative"))
    return folder


def run(tmp_path: Path, llm_output: Path, action: str) -> dict:
    cfg = load_config(None, {"output_dir": str(tmp_path / "out"),
                             "decontamination": {"benchmarks": {"gsm8k": str(FIXTURES / "gsm8k_like.jsonl"),
                                                                "math500": str(FIXTURES / "math500_like.jsonl")},
                                                 "action": action}})
    prefilter = {"documents_in": 6, "document_drops": {"too_few_tokens": 2}, "documents_to_llm": 4}
    stats = finalize(cfg, llm_output, prefilter, {s: "m" for s in ("filter", "identify", "generate", "check")},
                     {"started_at": "2026-01-01T00:00:00+00:00", "finished_at": "2026-01-01T00:01:00+00:00", "duration_s": 60})
    quality_report(tmp_path / "out")
    write_card(tmp_path / "out")
    return stats


def test_contaminated_and_near_duplicate_pairs_are_dropped_and_counted(tmp_path, llm_output):
    stats = run(tmp_path, llm_output, "drop")
    assert stats["pair_drops"] == {"contaminated_gsm8k": 1, "near_duplicate_question": 1}
    assert stats["pairs_kept"] == 1 and stats["documents_with_pairs"] == 1
    # d2 and d3 lost their only pair after generation: each is still one counted document
    assert stats["document_drops"] == {"all_pairs_dropped_after_generation": 2, "llm_filter_not_informative": 1,
                                       "too_few_tokens": 2}
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    rows = datasets.load_dataset(str(tmp_path / "out"), "default", split="train")
    assert [r["source_id"] for r in rows] == ["d1"]
    quality = json.loads((tmp_path / "out" / "quality.json").read_text())
    assert quality["contamination"] == {"gsm8k": 1}
    card = (tmp_path / "out" / "README.md").read_text()
    assert "| gsm8k | 1 |" in card and "dropped pair: contaminated&#95;gsm8k | 1 |" in card  # "_" escaped for Markdown


def test_flag_keeps_contaminated_pairs_and_names_the_benchmark(tmp_path, llm_output):
    stats = run(tmp_path, llm_output, "flag")
    assert stats["pair_drops"] == {"near_duplicate_question": 1} and stats["pairs_kept"] == 2
    rows = datasets.load_dataset(str(tmp_path / "out"), "default", split="train")
    assert {r["source_id"]: r["contamination"] for r in rows} == {"d1": [], "d2": ["gsm8k"]}
    assert "| gsm8k | 1 |" in (tmp_path / "out" / "README.md").read_text()
