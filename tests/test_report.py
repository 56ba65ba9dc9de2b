"""The quality report on a small built folder whose every figure is known in advance."""

from __future__ import annotations

import json
import math

import pytest

from webscale_rl.builder.write import write_dataset
from webscale_rl.dataset_card.report import distinct_n, main, normalized_entropy, quality_report

SOURCE = ("The Millbrook viaduct was finished in 1887. It is 412 metres long and carries two rail tracks. "
          "Its chief engineer was Ada Kowalski.")


def _record(i: int, question: str, answer: str, answer_type: str, evidence: str, domain: str, persona: str,
            contamination: list[str] | None = None, source: str = SOURCE) -> dict:
    return {"id": f"q{i}", "question": question, "answer": answer, "answer_type": answer_type, "evidence": evidence,
            "domain": domain, "persona": persona, "source_id": f"doc{i % 3}", "source_text": source,
            "verdicts": {"context_sufficient": True, "answer_correct": True, "no_leakage": True, "reader_answer": "ok"},
            "models": {"filter": "m", "identify": "m", "generate": "m", "check": "m"},
            "prompt_version": "v", "call_plan": "fused", "contamination": contamination or []}


RECORDS = [
    # evidence verbatim, answer in evidence, no leak
    _record(0, "In what year was the Millbrook viaduct finished?", "1887", "number",
            "The Millbrook viaduct was finished in 1887.", "Technology & Engineering", "a rail historian"),
    # evidence paraphrased (not in source); answer not in that evidence either
    _record(1, "How long is the Millbrook viaduct in metres?", "412", "number",
            "The viaduct measures about four hundred metres.", "Technology & Engineering", "a rail historian"),
    # the question leaks its answer; flagged as contaminated with gsm8k
    _record(2, "Was Ada Kowalski, the chief engineer, the person who led the Millbrook viaduct works?", "Ada Kowalski",
            "name", "Its chief engineer was Ada Kowalski.", "Social Science", "a biographer", ["gsm8k"]),
    # yes/no: not extractive, so outside "answer in evidence"
    _record(3, "Does the Millbrook viaduct carry more than one rail track?", "yes", "yes_no",
            "It is 412 metres long and carries two rail tracks.", "Travel & Lifestyle", "a tourist"),
    # near-duplicate of row 0
    _record(4, "In what year was the Millbrook viaduct finished ?", "1887", "number",
            "The Millbrook viaduct was finished in 1887.", "Technology & Engineering", "a tourist"),
]


@pytest.fixture()
def built(tmp_path):
    write_dataset(tmp_path, RECORDS, test_fraction=0.3, seed=1)
    stats = {"documents_in": 10, "documents_with_pairs": 3, "pairs_generated": 9, "pairs_kept": 5,
             "pair_drops": {"contaminated_gsm8k": 2, "contaminated_math500": 1, "near_duplicate_question": 1}}
    (tmp_path / "stats.json").write_text(json.dumps(stats))
    return tmp_path


def test_report_figures(built):
    report = quality_report(built)
    assert json.loads((built / "quality.json").read_text()) == report
    assert report["rows"] == 5 and sum(report["splits"].values()) == 5
    assert report["evidence_in_source_pct"] == 80.0  # 4 of 5 quotes are verbatim
    assert report["answer_in_evidence_pct"] == 75.0  # 3 of the 4 extractive answers
    assert report["leakage_pct"] == 20.0
    assert report["refers_to_passage_pct"] == 0.0
    assert report["checked_rows"] == {"evidence_in_source": 5, "answer_in_evidence": 4, "leakage": 5}
    assert report["near_duplicate_rate"] == 0.2
    assert report["exact_duplicate_rate"] == 0.0
    assert report["answer_types"] == {"number": 3, "name": 1, "yes_no": 1}
    assert report["answer_length_words"] == {"mean": 1.2, "median": 1, "p90": 2, "max": 2}
    assert report["domains"] == {"Technology & Engineering": 3, "Social Science": 1, "Travel & Lifestyle": 1}
    expected_entropy = -(0.6 * math.log(0.6) + 2 * 0.2 * math.log(0.2)) / math.log(10)
    assert report["domain_balance"] == {"normalized_entropy": round(expected_entropy, 4), "domains_present": 3}
    assert report["personas"] == {"distinct": 3, "top": {"a rail historian": 2, "a tourist": 2, "a biographer": 1}}
    assert report["contamination"] == {"gsm8k": 3, "math500": 1}
    assert report["contamination_detail"] == {"flagged": {"gsm8k": 1}, "dropped": {"gsm8k": 2, "math500": 1}}
    assert report["funnel"] == {"documents_in": 10, "documents_with_pairs": 3, "pairs_generated": 9, "pairs_kept": 5}


def test_empty_dataset_and_missing_source_text(tmp_path):
    write_dataset(tmp_path / "empty", [])
    report = quality_report(tmp_path / "empty")
    assert report["rows"] == 0 and report["evidence_in_source_pct"] is None and report["leakage_pct"] is None
    assert report["distinct_1"] is None and report["contamination"] == {} and report["answer_types"] == {}
    assert (tmp_path / "empty" / "quality.json").exists()

    write_dataset(tmp_path / "nosource", [dict(r, source_text="") for r in RECORDS[:2]])
    report = quality_report(tmp_path / "nosource")
    assert report["evidence_in_source_pct"] is None and report["checked_rows"]["evidence_in_source"] == 0
    assert report["answer_in_evidence_pct"] == 50.0


def test_cli_prints_a_summary(built, capsys):
    assert main([str(built)]) == 0
    out = capsys.readouterr().out
    assert "rows: 5" in out and "evidence found in source: 80 %" in out and "gsm8k 3" in out
    assert (built / "quality.json").exists()
    with pytest.raises(SystemExit):
        main([str(built / "nothing-here")])


def test_helpers():
    assert distinct_n(["a b a", "a c"], 1) == round(3 / 5, 4)
    assert distinct_n(["a b a b"], 2) == round(2 / 3, 4)
    assert distinct_n([], 2) is None
    assert normalized_entropy({"x": 5, "y": 5}, 2) == 1.0
    assert normalized_entropy({"x": 5}, 10) == 0.0
