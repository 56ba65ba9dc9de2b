"""The on-disk Hub layout: three configs of parquet shards that `datasets` loads as written.

`fake_build` (also used by test_card.py and test_push.py) writes a realistic finished output
folder without any LLM: records through `write.write_dataset`, a stats.json whose funnel adds
up to those records, build_config.yaml and optionally quality.json.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from webscale_rl.builder import write

DOMAINS = ["Math", "Natural Science", "Medicine & Health", "Technology & Engineering", "Commerce & Economics"]
PERSONAS = ["a high-school teacher", "a nurse", "a retired engineer", "a travel blogger", "a student"]
ANSWER_TYPES = ["number", "name", "short_phrase", "yes_no"]
MODELS = {"filter": "qwen2.5-0.5b-q4", "identify": "qwen2.5-0.5b-q4", "generate": "qwen2.5-1.5b-q4",
          "check": "qwen2.5-0.5b-q4"}
EVIL = "Chapter </details><script>alert(1)</script> | col | ```python\nimport os``` [x](javascript:alert(1)) $x$"


def fake_records(n_docs: int, tag: str = "a", evil: bool = False, seed: int = 0) -> list[dict]:
    """1-3 pairs per document, deterministic for (n_docs, tag, seed)."""
    rng = random.Random(f"{tag}-{seed}")
    records = []
    for d in range(n_docs):
        source_id = f"{tag}-doc-{d:04d}"
        domain = rng.choice(DOMAINS)
        text = f"Document {d} of build {tag}. The tower is {100 + d} metres tall and opened in {1900 + d}."
        if evil and d == 0:
            text = EVIL + "\n" + text
        for p in range(rng.randint(1, 3)):
            question = f"How tall, in metres, is the tower described in record {d}-{p} of build {tag}?"
            answer = str(100 + d)
            if evil and d == 0 and p == 0:
                question = "What follows " + EVIL + "?"
                answer = "</details>|```"
            records.append({
                "id": f"{tag}{d:04d}{p}", "question": question, "answer": answer,
                "answer_type": rng.choice(ANSWER_TYPES), "evidence": f"The tower is {100 + d} metres tall",
                "domain": domain, "persona": PERSONAS[(d + p) % len(PERSONAS)], "source_id": source_id,
                "source_text": text,
                "verdicts": {"context_sufficient": True, "answer_correct": True, "no_leakage": True,
                             "reader_answer": "the first sentence says so"},
                "models": MODELS, "prompt_version": "v3", "call_plan": "fused",
                "contamination": [],
            })
    return records


def fake_build(out: Path, n_docs: int = 12, tag: str = "a", *, evil: bool = False, quality: bool = True,
               test_fraction: float = 0.0, rows_per_shard: int = write.ROWS_PER_SHARD) -> dict:
    """A finished output folder; returns its stats."""
    records = fake_records(n_docs, tag, evil)
    write.write_dataset(out, records, test_fraction=test_fraction, rows_per_shard=rows_per_shard)
    document_drops = {"too_short": 7, "llm_filter_not_informative": 4, "llm_no_result": 1}
    pair_drops = {"check_answer_incorrect": 5, "check_leakage": 2, "near_duplicate_question": 1}
    stats = {
        "documents_in": n_docs + sum(document_drops.values()),
        "document_drops": document_drops,
        "documents_with_pairs": len({r["source_id"] for r in records}),
        "pairs_generated": len(records) + sum(pair_drops.values()),
        "pair_drops": pair_drops,
        "pairs_kept": len(records),
        "llm": {"filter": {"calls": 20, "prompt_tokens": 12000, "completion_tokens": 900},
                "identify": {"calls": 13, "prompt_tokens": 8000, "completion_tokens": 1300},
                "generate": {"calls": 13, "prompt_tokens": 15000, "completion_tokens": 4200},
                "check": {"calls": 13, "prompt_tokens": 9000, "completion_tokens": 1100}},
        "models": MODELS, "call_plan": "fused", "prompt_version": "v3", "config_hash": f"cfg{tag}0123456789",
        "started_at": "2026-03-01T10:00:00Z", "finished_at": "2026-03-01T10:07:30Z", "duration_s": 450.0,
    }
    (out / "stats.json").write_text(json.dumps(stats, indent=2))
    config = {"output_dir": str(out), "input": {"source": "sample", "limit": n_docs},
              "endpoints": {"default": {"embedded": "default", "api_key": "***"}}, "call_plan": "fused",
              "card": {"license": "other", "pretty_name": f"Webscale-RL test build {tag}",
                       "price_per_million_tokens": 0.5}}
    (out / "build_config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    if quality:
        (out / "quality.json").write_text(json.dumps({
            "evidence_in_source_pct": 97.5, "answer_in_evidence_pct": 95.0, "leakage_pct": 1.25,
            "near_duplicate_rate": 0.02, "distinct_1": 0.41, "distinct_2": 0.77,
            "answer_types": {"number": 10}, "contamination": {"gsm8k": 1, "mmlu": 0}}))
    work = out / ".work"
    work.mkdir(exist_ok=True)
    (work / "rollouts.jsonl").write_text('{"id": "scratch"}\n')
    return stats


def test_three_configs_written_and_counted(tmp_path):
    records = fake_records(10)
    summary = write.write_dataset(tmp_path, records, rows_per_shard=7)
    assert summary["splits"] == ["train"]
    for config in write.CONFIGS:
        files = write.split_files(tmp_path, config)["train"]
        assert [p.name for p in files] == [f"train-{i:05d}-of-{len(files):05d}.parquet" for i in range(len(files))]
        assert write.row_counts(tmp_path, config) == {"train": len(records)}
    verl = pq.read_table(write.split_files(tmp_path, "verl")["train"][0]).to_pylist()[0]
    assert verl["data_source"] == write.DATA_SOURCE
    assert verl["prompt"][0]["role"] == "user" and records[0]["question"] in verl["prompt"][0]["content"]
    assert verl["reward_model"] == {"style": "rule", "ground_truth": records[0]["answer"]}
    trl = pq.read_table(write.split_files(tmp_path, "trl")["train"][0]).to_pylist()[0]
    assert trl["answer"] == records[0]["answer"] and "\\boxed{}" in trl["prompt"][0]["content"]


def test_split_by_document_and_stale_shards_removed(tmp_path):
    records = fake_records(60)
    write.write_dataset(tmp_path, records, test_fraction=0.3, rows_per_shard=10)
    splits = {}
    for split, paths in write.split_files(tmp_path).items():
        for path in paths:
            for source_id in pq.read_table(path, columns=["source_id"]).column("source_id").to_pylist():
                splits.setdefault(source_id, set()).add(split)
    assert all(len(s) == 1 for s in splits.values())
    assert {next(iter(s)) for s in splits.values()} == {"train", "test"}
    assert all(write.split_of(sid, 0.3) == next(iter(s)) for sid, s in splits.items())
    write.write_dataset(tmp_path, records[:5])  # a smaller rebuild into the same folder
    assert write.row_counts(tmp_path) == {"train": 5}
    assert len(list((tmp_path / "data" / "default").iterdir())) == 1


def test_folder_loads_with_datasets_and_metadata_matches(tmp_path):
    from datasets import load_dataset

    fake_build(tmp_path, n_docs=20, test_fraction=0.25)
    meta = write.hub_metadata(tmp_path)
    assert [c["config_name"] for c in meta["configs"]] == list(write.CONFIGS)
    for info in meta["dataset_info"]:
        config = info["config_name"]
        expected = write.row_counts(tmp_path, config)
        assert {s["name"]: s["num_examples"] for s in info["splits"]} == expected
        loaded = load_dataset(str(tmp_path), config)
        assert {split: ds.num_rows for split, ds in loaded.items()} == expected


@pytest.mark.parametrize("bad", [-0.1, 1.0])
def test_bad_test_fraction_rejected(tmp_path, bad):
    with pytest.raises(ValueError):
        write.write_dataset(tmp_path, fake_records(2), test_fraction=bad)
