"""`make bench` keeps working: the whole table on 3 documents with the tiny preset, written as
Markdown and JSON with the date, the machine and the model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from webscale_rl.builder.bench import per_doc, plain_body, ratio_range
from webscale_rl.transport import chat_payload


def test_the_replayed_request_is_what_a_plain_client_sends():
    payload = chat_payload([{"role": "user", "content": "x"}], schema={"type": "object"}, max_tokens=5, seed=3)
    body = plain_body(payload)
    assert body["messages"] == payload["messages"] and body["max_tokens"] == 5 and body["seed"] == 3
    assert body["response_format"]["schema"] == {"type": "object"} and "endpoint" not in body and "schema" not in body


def test_per_document_figures_and_cache_share():
    plan = {"kept_pairs": 2, "calls": 10, "prompt_tokens": 8000, "cached_prompt_tokens": 6000, "completion_tokens": 1000}
    figures = per_doc(plan, 2)
    assert figures["calls"] == 5 and figures["cached_share"] == 0.75 and figures["tokens_per_kept_pair"] == 4500


def test_the_range_of_tokens_per_kept_pair_over_resampled_documents():
    paper = [{"tokens": 1000, "kept_pairs": 1}] * 4
    assert ratio_range([{"tokens": 500, "kept_pairs": 1}] * 4, paper) == (0.5, 0.5)
    # Fused keeps its one pair on the last of four documents: 2.0 on this run, but a resample
    # without that document keeps no fused pair, so nothing bounds the ratio from above.
    fused = [{"tokens": 500, "kept_pairs": 0}] * 3 + [{"tokens": 500, "kept_pairs": 1}]
    low, high = ratio_range(fused, paper)
    assert high is None and low == pytest.approx(2 / 3)
    assert ratio_range([{"tokens": 500, "kept_pairs": 0}] * 4, [{"tokens": 900, "kept_pairs": 0}] * 4) is None
    # fused keeps nothing and paper one pair: no resample bounds the ratio at all
    assert ratio_range([{"tokens": 500, "kept_pairs": 0}] * 4, [{"tokens": 900, "kept_pairs": 0}] * 3 + [paper[0]]) is None


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_bench_on_three_documents(tmp_path):
    done = subprocess.run([sys.executable, "-m", "webscale_rl.cli", "bench", "--model", "tiny", "--docs", "3", "--prefilter-docs", "300",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=1100)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "bench.json").read_text())
    assert result["model"].startswith("SmolLM2") and "CPU cores" in result["machine"] and result["date"]
    assert result["llm"]["documents"] == 3 and result["llm"]["saturation"]["ratio"] > 0
    assert result["llm"]["plans"]["fused"]["calls"] >= 3 and result["peak_build_rss_mb"] > 50
    assert len(result["llm"]["plans"]["paper"]["per_document"]) == 3
    assert result["prefilter"]["documents"] == 300 and result["prefilter"]["ratio"] > 0
    markdown = (tmp_path / "bench.md").read_text()
    for row in ("pre-LLM stages", "calls per document, fused / paper", "prompt tokens served from cache",
                "saturation", "peak memory of a build process"):
        assert row in markdown
    assert markdown in done.stdout


def test_a_build_reports_its_own_peak_memory_not_its_parents():
    """ru_maxrss carries a parent's peak across fork and exec; the bench starts its memory build
    from a process of some 400 MB, and the build reported that instead of its own."""
    import subprocess
    import sys
    ballast = bytearray(300 * 1024 * 1024)
    for at in range(0, len(ballast), 4096):
        ballast[at] = 1
    done = subprocess.run([sys.executable, "-c", "from webscale_rl.builder.pipeline import peak_rss_mb; print(peak_rss_mb())"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) < 300, done.stdout
