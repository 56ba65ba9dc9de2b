"""`webscale-rl audit`: the keep decision re-run on hand-labelled pairs, compared with the labels.

The scripted model reaches the decision's branches on purpose; the slow test runs the command
against the real embedded server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from test_rollout_decisions import Scripted
from webscale_rl.builder import audit
from webscale_rl.builder.rollout import Settings

BRIDGE = "a-017"  # Golden Gate Bridge, in the sample corpus
GOOD = {"source": BRIDGE, "subject": "the Golden Gate Bridge", "question": "How high above the water does each tower of the Golden Gate Bridge rise, in meters?",
        "answer": "227", "answer_type": "number", "label": "good", "fails": [], "note": "stated"}
VAGUE = GOOD | {"question": "How high does each tower rise above the water, in meters?", "label": "bad", "fails": [1], "note": "which bridge?"}
WRONG = GOOD | {"question": "On what date did the Golden Gate Bridge open to cars?", "answer": "January 5, 1933", "answer_type": "date",
                "label": "bad", "fails": [2], "note": "that is when construction began"}


def test_every_shipped_label_is_complete_and_points_at_a_document():
    labels = audit.load_labels()
    texts = audit.documents()
    assert len(labels) >= 70 and {row["label"] for row in labels} == {"good", "bad"}
    assert all(row["source"] in texts for row in labels)
    assert all(set(row["fails"]) <= {1, 2, 3, 4, 5} and (row["label"] == "good") == (not row["fails"]) for row in labels)


def test_a_label_without_its_fields_is_refused(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"source": BRIDGE, "question": "q?", "label": "fine"}) + "\n")
    with pytest.raises(ValueError, match="label good|bad"):
        audit.load_labels(path)


def test_the_decision_is_the_pipelines_and_the_summary_compares_it_with_the_labels(capsys):
    # the blind reviewer agrees on the tower and reads 1937 for the opening, so WRONG is dropped;
    # VAGUE never reaches the model (it names no bridge)
    fake = Scripted(("227 meters",), check=[{"verdicts": [{"reader_answer": "227 meters", "context_sufficient": True, "leaks_answer": False},
                                                          {"reader_answer": "May 27, 1937", "context_sufficient": True, "leaks_answer": False}]}])
    labels = [GOOD, VAGUE, WRONG]
    outcomes = asyncio.run(audit.decide(labels, fake, Settings()))
    assert outcomes == ["kept", "question_not_specific", "check_answer_incorrect"]
    # the progress line of a long audit: one document, its three labels, one pair kept
    assert "audit: 1/1 documents, 1 pairs kept" in capsys.readouterr().err
    result = audit.summary(labels, outcomes)
    assert (result["kept"], result["kept_good"], result["keep_precision"]) == (1, 1, 1.0)
    assert result["good_dropped"] == 0 and result["bad_pairs_kept"] == []
    # a kept bad pair and a dropped good one both show up
    flipped = audit.summary(labels, ["question_not_specific", "kept", "check_answer_incorrect"])
    assert flipped["keep_precision"] == 0.0 and flipped["why_good_pairs_were_dropped"] == {"question_not_specific": 1}
    assert flipped["bad_pairs_kept"][0]["note"] == "which bridge?"
    assert "keep precision 0.0%" in audit.render(flipped)


def test_a_question_is_checked_against_every_persona_its_document_has_in_the_labels():
    # as in a build, where the code checks see all of a document's personas: the second label
    # speaks of the first label's persona, not of its own
    painter = GOOD | {"persona": "a bridge painter"}
    borrowed = GOOD | {"persona": "a tourist", "question": "How high above the water, in meters, does each tower of the Golden Gate Bridge rise for a bridge painter?",
                       "label": "bad", "fails": [1], "note": "a persona, not a subject"}
    fake = Scripted(("227 meters",), check=[{"reader_answer": "227 meters", "context_sufficient": True, "leaks_answer": False}])
    assert asyncio.run(audit.decide([painter, borrowed], fake, Settings())) == ["kept", "question_names_a_persona"]


@pytest.mark.slow
def test_the_audit_command_on_the_real_model(tmp_path, default_server, report):
    labels = audit.load_labels()
    subset = [row for row in labels if row["source"] in {"a-006", "b-014"}]  # 14 pairs, good and bad
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in subset))
    out = tmp_path / "audit.json"
    done = subprocess.run([sys.executable, "-m", "webscale_rl.cli", "audit", "--labels", str(path), "--url", default_server.url,
                           "--out", str(out)], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    report(done.stdout)
    assert result["pairs"] == len(subset) and result["labelled_good"] == sum(r["label"] == "good" for r in subset)
    assert 0 <= result["kept_good"] <= result["kept"] <= result["pairs"]
    assert "labelled pairs" in done.stdout
