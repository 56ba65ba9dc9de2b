"""`build --max-tokens` / `--max-cost`: the LLM stage stops at the budget, the folder and card
say so and count what was left, and a rerun with a larger budget finishes every document once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from webscale_rl.builder.budget import max_tokens_for
from webscale_rl.builder.pipeline import budget_rerun_args


def test_a_cost_is_turned_into_tokens_at_the_configured_price():
    assert max_tokens_for(5000, None, 0.0) == 5000
    assert max_tokens_for(None, 2.0, 0.5) == 4_000_000
    assert max_tokens_for(1000, 2.0, 0.5) == 1000  # the tighter of the two
    with pytest.raises(ValueError, match="price_per_million_tokens"):
        max_tokens_for(None, 2.0, 0.0)


def test_the_finish_command_drops_the_old_budget():
    assert budget_rerun_args(["--config", "c.yaml", "--max-tokens", "500", "--max-cost=2"]) == [
        "--config", "c.yaml", "--max-tokens", "N"]


def build(config: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "webscale_rl.cli", "build", "--config", str(config), *extra],
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_build_stops_at_its_budget_and_a_rerun_with_more_finishes_it(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "output_dir": str(tmp_path / "out"), "input": {"source": "sample", "limit": 6},
        "endpoints": {"default": {"embedded": "tiny"}}, "embedded_server": {"parallel": 1},
        "max_concurrent_documents": 1, "records_per_chunk": 1,
    }))
    out = tmp_path / "out"
    first = build(config, "--max-tokens", "3000")  # the tiny model's screen call costs about 1,500
    assert first.returncode == 0, first.stderr[-3000:]
    stats = json.loads((out / "stats.json").read_text())
    budget = stats["budget"]
    assert budget["max_tokens"] == 3000 and budget["spent"] >= 3000
    assert budget["spent"] - 3000 < 2500, "more than the one document in flight was spent past the budget"
    assert stats["document_drops"]["not_processed_budget"] == budget["not_processed"] > 0
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    assert "Stopped at the token budget" in first.stdout and "--max-tokens N" in first.stdout
    assert "This build stopped at its token budget" in (out / "README.md").read_text()

    second = build(config, "--max-tokens", "1000000")
    assert second.returncode == 0, second.stderr[-3000:]
    stats = json.loads((out / "stats.json").read_text())
    assert "budget" not in stats and "not_processed_budget" not in stats["document_drops"]
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    ids = [json.loads(line)["id"] for p in (out / ".work" / "llm" / "output").glob("*.jsonl") for line in open(p)]
    survivors = [json.loads(line)["id"] for p in (out / ".work" / "documents" / "survivors").glob("*.jsonl") for line in open(p)]
    assert len(ids) == len(set(ids)) and set(ids) == set(survivors), "a document lost or done twice"
    assert "token budget" not in (out / "README.md").read_text()
