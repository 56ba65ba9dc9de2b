"""`webscale-rl estimate`: a dry run on a sample predicts what the build then spends."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from webscale_rl.builder.estimate import spread
from webscale_rl.builder.inputs import sample_corpus_rows


def test_measured_documents_are_spread_over_the_survivors():
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread([1, 2], 5) == [1, 2]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_estimate_predicts_the_calls_of_the_build_within_20_percent(tmp_path):
    rows = sample_corpus_rows()
    good = [r for r in rows if not (r.get("meta") or {}).get("planted")][:12]
    junk = [r for r in rows if (r.get("meta") or {}).get("planted") in ("too_short", "boilerplate")][:3]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, part in enumerate((good[:6] + junk[:1], good[6:] + junk[1:])):  # two files, junk in both
        (corpus / f"part-{i}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "output_dir": str(tmp_path / "out"), "input": {"source": str(corpus)},
        "endpoints": {"default": {"embedded": "tiny"}}, "embedded_server": {"parallel": 1},
        "max_concurrent_documents": 1, "card": {"price_per_million_tokens": 0.2},
    }))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "webscale_rl.cli", *args, "--config", str(config)],
                              capture_output=True, text=True, timeout=900)

    estimated = run("estimate", "--llm-docs", "4", "--json")
    assert estimated.returncode == 0, estimated.stderr[-3000:]
    predicted = json.loads(estimated.stdout[estimated.stdout.index("{"):])
    assert predicted["input_documents"] == 15 and predicted["measured_documents"] == 4
    built = run("build")
    assert built.returncode == 0, built.stderr[-3000:]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    actual = sum(s["calls"] for s in stats["llm"].values())
    print(f"estimated calls {predicted['calls']:.1f}, actual {actual}; "
          f"estimated tokens {predicted['prompt_tokens'] + predicted['completion_tokens']:,.0f}, actual "
          f"{sum(s['prompt_tokens'] + s['completion_tokens'] for s in stats['llm'].values()):,}")
    assert abs(predicted["calls"] - actual) <= 0.2 * actual
    assert set(predicted["stages"]) <= set(stats["llm"])

    text = run("estimate", "--llm-docs", "2", "--gpu-tokens-per-second", "2500")
    assert text.returncode == 0 and "cost: " in text.stdout and "GPU-hours" in text.stdout, text.stdout + text.stderr[-2000:]
