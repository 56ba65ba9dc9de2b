"""`webscale-rl estimate`: a dry run on a sample predicts what the build then spends."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from webscale_rl.builder.estimate import documents_for_margin, mean_and_margin, render, spread
from webscale_rl.builder.inputs import sample_corpus_rows


def test_measured_documents_are_spread_over_the_survivors():
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread([1, 2], 5) == [1, 2]


def test_the_range_narrows_with_more_documents_and_closes_when_all_are_measured():
    calls = [1, 2, 5, 5, 2, 4]  # calls per document: the screen only, up to every check reading
    mean, margin = mean_and_margin(calls, population=10_000)
    assert mean == pytest.approx(19 / 6) and margin == pytest.approx(1.96 * 1.722 / 6 ** 0.5, rel=1e-3)
    assert mean_and_margin(calls * 4, population=10_000)[1] < margin / 1.9  # four times the documents: half the range
    assert mean_and_margin(calls, population=6) == (mean, 0.0)  # every document measured
    assert mean_and_margin([3], population=100)[1] == float("inf")  # one document says nothing of the spread
    assert mean_and_margin([], population=100) == (0.0, 0.0)
    wanted = documents_for_margin(calls)
    assert mean_and_margin(calls * (wanted // 6 + 1), population=1e9)[1] <= 0.2 * mean  # the advice meets its promise
    assert documents_for_margin([3, 3, 3]) == 3 and documents_for_margin([0, 0]) is None


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_estimate_predicts_the_calls_of_a_build_within_20_percent(tmp_path, small_server, report):
    # Ten documents spread through the sample corpus and two that the pre-filter drops, in two
    # files; the estimate measures six of those that pass. The 0.5B model reaches every stage at
    # about half the default model's time: what is tested is the estimate's sampling and sums.
    good = [r for r in sample_corpus_rows() if not (r.get("meta") or {}).get("planted")][::7][:10]
    junk = [r for r in sample_corpus_rows() if (r.get("meta") or {}).get("planted") in ("too_short", "boilerplate")][:2]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, part in enumerate((good[:5] + junk[:1], good[5:] + junk[1:])):
        (corpus / f"part-{i}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({
        "output_dir": str(tmp_path / "out"), "input": {"source": str(corpus)},
        "endpoints": {"default": {"urls": [small_server.url], "model": "default", "timeout": 300}},
        "max_concurrent_documents": 1, "card": {"price_per_million_tokens": 0.2},
    }))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "webscale_rl.cli", *args, "--config", str(config)],
                              capture_output=True, text=True, timeout=1200)

    estimated = run("estimate", "--llm-docs", "6", "--json")
    assert estimated.returncode == 0, estimated.stderr[-3000:]
    predicted = json.loads(estimated.stdout[estimated.stdout.index("{"):])
    assert predicted["input_documents"] == 12 and predicted["measured_documents"] == 6
    built = run("build")
    assert built.returncode == 0, built.stderr[-3000:]
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    actual = sum(s["calls"] for s in stats["llm"].values())
    tokens = sum(s["prompt_tokens"] + s["completion_tokens"] for s in stats["llm"].values())
    report(f"calls: estimated {predicted['calls']:.1f} ± {predicted['calls_margin']:.1f}, actual {actual}; "
          f"tokens: estimated {predicted['prompt_tokens'] + predicted['completion_tokens']:,.0f}, actual {tokens:,}; "
          f"kept pairs: estimated {predicted['kept_pairs']:.1f} ± {predicted['kept_pairs_margin']:.1f}, actual {stats['pairs_kept']}")
    report(f"calls per measured document: {[d['calls'] for d in predicted['measured']]}")
    assert abs(predicted["calls"] - actual) <= 0.2 * actual
    assert set(predicted["stages"]) <= set(stats["llm"])

    text = render(predicted, price=0.2, gpu_tokens_per_second=2500)
    assert "cost: " in text and "GPU-hours" in text and "95% range" in text, text
