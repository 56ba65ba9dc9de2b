"""The build on Ray (`executor: {type: ray}`): a local Ray instance the build starts, bound to
127.0.0.1, runs the same stages as the local executor, and gives every document of the sample
corpus the same outcome and every record the same id. With the tiny preset the model drops
every document at the filter, so the ids compared are those of each document's outcome (kept,
or its drop reason) and of the records, which is where a lost, doubled or reordered task shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from sample_slice import first_calls_answered, sample_slice
from webscale_rl.builder.config import load_config
from webscale_rl.builder.documents import dropped_documents
from webscale_rl.builder.pipeline import build, make_executor, run_stage
from webscale_rl.builder.status import collect

pytestmark = pytest.mark.slow

TASKS = 2


def write_config(tmp_path: Path, name: str, source: Path, url: str, executor: dict) -> Path:
    cfg = {
        "output_dir": str(tmp_path / name),
        "input": {"source": str(source)},
        "endpoints": {"default": {"urls": [url], "model": "SmolLM2", "timeout": 300, "max_in_flight": 1}},
        "records_per_chunk": 1,
        "max_concurrent_documents": 1,
        "executor": {"tasks": TASKS, **executor},
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def outcomes(out: Path) -> dict[str, str]:
    """Every input document's outcome: its heuristic drop reason, or what the LLM stages made of it."""
    found = dict(dropped_documents(out / ".work"))
    for path in sorted((out / ".work" / "llm" / "output").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            doc = json.loads(line)
            assert doc["id"] not in found, f"{doc['id']} has two outcomes"
            result = doc["metadata"]["rollout_results"][0]
            found[doc["id"]] = result["drop_reason"] if result["status"] == "dropped" else result["status"]
    return found


def record_ids(out: Path) -> list[str]:
    return sorted(i for path in (out / "data" / "default").rglob("*.parquet") for i in pq.read_table(path)["id"].to_pylist())


@pytest.mark.timeout(900)
def test_ray_build_gives_every_document_and_record_the_local_builds_id(tmp_path, tiny_server, capsys):
    docs = sample_slice(4)
    source = tmp_path / "corpus"  # one file per task: datatrove gives each task whole files
    source.mkdir()
    for part in range(TASKS):
        (source / f"part-{part}.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs[part::TASKS]), encoding="utf-8")
    local_stats = build(load_config(write_config(tmp_path, "local", source, tiny_server.url, {"type": "local"})))
    ray_cfg = load_config(write_config(tmp_path, "ray", source, tiny_server.url,
                                       {"type": "ray", "num_cpus": 2, "cpus_per_task": 1, "mem_per_cpu_gb": 0.5}))
    capsys.readouterr()  # the local build's output
    try:
        ray_stats = build(ray_cfg)
        assert re.search(r"tasks \d+/\d+, LLM stages: 4/4 documents, \d+ pairs kept", capsys.readouterr().err)  # the progress view
        import ray  # only now: the build sets Ray's environment before its first import

        assert ray.is_initialized()
        nodes = ray.nodes()
        assert [n["NodeManagerAddress"] for n in nodes] == ["127.0.0.1"], nodes
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        # The rank pools of this job's workers spawn their processes (a fork of a Ray worker can hang).
        # (a lambda: Ray ships it by value, where this test module cannot be imported)
        assert ray.get(ray.remote(lambda: __import__("multiprocess").get_start_method()).remote()) == "spawn"

        # A failed task: Ray only logs it, the build must stop and say how to go on.
        failing = make_executor(ray_cfg, [lambda data, rank, world_size: [] if rank == 0 else 1 / 0], tmp_path / "failing")
        with pytest.raises(RuntimeError, match=r"1 of 2 tasks failed \(ranks \[1\]\).*Rerun the same command"):
            run_stage(failing)
    finally:
        import ray

        ray.shutdown()

    local, on_ray = outcomes(tmp_path / "local"), outcomes(tmp_path / "ray")
    assert set(local) == {d["id"] for d in docs}, local
    assert on_ray == local
    assert record_ids(tmp_path / "ray") == record_ids(tmp_path / "local")
    for stats in (local_stats, ray_stats):
        assert stats["documents_in"] == len(docs)
        assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    assert ray_stats["document_drops"] == local_stats["document_drops"]
    assert {stage: tally["calls"] for stage, tally in ray_stats["llm"].items() if stage in ("opening", "screen")} \
        == {stage: tally["calls"] for stage, tally in local_stats["llm"].items() if stage in ("opening", "screen")}
    assert first_calls_answered(ray_stats, [d["text"] for d in docs[:4]])  # the four good ones; the heuristics drop the rest
    ranks = {p.name.split("_")[0] for p in (tmp_path / "ray" / ".work" / "llm" / "output").glob("*.jsonl")}
    assert ranks == {f"{r:05d}" for r in range(TASKS)}, ranks  # both Ray tasks of the LLM stage did work
    status = collect(tmp_path / "ray")  # `webscale-rl status` reads a Ray run as it reads a local one
    assert {stage.executor for stage in status["stages"]} == {"ray"}
    assert all(stage.done == stage.total and not stage.unfinished for stage in status["stages"]), status["stages"]
    assert (status["llm"]["documents"], status["llm"]["of"]) == (4, 4)
    assert status["llm"]["pairs_kept"] >= len(record_ids(tmp_path / "ray"))  # the records are what the dataset-wide steps keep
