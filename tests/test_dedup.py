"""The build's document stages end to end on local executors: the sample corpus funnel (each planted
document dropped for the right kind of reason, every good one kept), duplicates across tasks,
dedup switches, and resume after a crash without duplicated survivors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datatrove.pipeline.base import PipelineStep

from webscale_rl.builder.config import ConfigError
from webscale_rl.builder.documents import DocumentFolders, dropped_documents
from webscale_rl.builder.inputs import make_reader
from webscale_rl.builder.pipeline import chained_executors, document_funnel, document_stages

QUALITY_PREFIXES = ("gopher_quality_", "gopher_repetition_", "fineweb_quality_", "c4_")


def run(work: Path, input_cfg: dict, dedup_cfg: dict | None = None, tasks: int = 1, prefilter_cfg: dict | None = None, wrap=None):
    """The build's document stages on local executors; `wrap(steps, stage name)` may change a stage."""
    cfg = {"input": input_cfg, "prefilter": prefilter_cfg or {}, "dedup": dedup_cfg or {},
           "executor": {"type": "local", "tasks": tasks}}
    docs = DocumentFolders.under(work)
    stages = document_stages(cfg, docs)
    if wrap:
        for stage in stages:
            stage.steps = wrap(stage.steps, stage.name)
    for executor in chained_executors(cfg, stages, docs.logs):
        executor.run()
    return docs.survivors, document_funnel(docs, stages)


def survivor_rows(folder: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.open(encoding="utf-8")]


def check_invariant(funnel: dict) -> None:
    assert funnel["documents_in"] == sum(funnel["document_drops"].values()) + funnel["documents_to_llm"]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("sample")
    survivors, funnel = run(work, {"source": "sample"})
    return work, survivors, funnel


def test_sample_corpus_funnel(sample_run):
    work, survivors, funnel = sample_run
    rows = survivor_rows(survivors)
    inputs = [json.loads(line) for p in sorted(Path(make_reader({"source": "sample"})[0].data_folder.path).glob("*.jsonl"))
              for line in p.open(encoding="utf-8")]
    kept = {r["id"] for r in rows}
    dropped = dropped_documents(work)
    check_invariant(funnel)
    assert funnel["documents_in"] == len(inputs) and funnel["documents_to_llm"] == len(rows) == len(kept)
    assert sum(funnel["document_drops"].values()) == len(dropped)
    expected = {
        "boilerplate": lambda r: r.startswith(QUALITY_PREFIXES),
        "too_short": lambda r: r == "too_few_tokens",
        "non_english": lambda r: r == "gopher_quality_too_few_stop_words",
        "exact_duplicate": lambda r: r == "exact_duplicate",
        "near_duplicate": lambda r: r == "near_duplicate",
    }
    for doc in inputs:
        planted = doc["meta"]["planted"]
        if planted in expected:
            assert doc["id"] not in kept and expected[planted](dropped.get(doc["id"], "")), (doc["id"], dropped.get(doc["id"]))
            if "duplicate_of" in doc["meta"]:
                assert doc["meta"]["duplicate_of"] in kept  # the original is the copy that stays
        else:  # good documents and fragments (left for the LLM filter) all survive
            assert doc["id"] in kept, (doc["id"], planted, dropped.get(doc["id"]))
    for reason in ("too_few_tokens", "gopher_quality_too_few_stop_words", "exact_duplicate", "near_duplicate"):
        assert funnel["document_drops"][reason] >= 2


def test_survivors_are_uncompressed_datatrove_jsonl(sample_run):
    _, survivors, _ = sample_run
    files = sorted(survivors.iterdir())
    assert files and all(f.suffix == ".jsonl" for f in files)
    row = survivor_rows(survivors)[0]
    assert set(row) >= {"id", "text", "metadata"} and "meta" in row["metadata"]
    # readable by the lead's LLM stage as written
    from datatrove.pipeline.readers import JsonlReader
    assert sum(1 for _ in JsonlReader(str(survivors), glob_pattern="*.jsonl").run(None, 0, 1)) == len(survivor_rows(survivors))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def good_docs(n: int) -> list[dict]:
    rows = [json.loads(line) for line in (Path(make_reader({"source": "sample"})[0].data_folder.path) / "junk.jsonl").open()]
    originals = [r for r in rows if r["meta"]["planted"] is None]
    return originals[:n]


def test_duplicates_across_files_and_tasks(tmp_path):
    originals = good_docs(2)
    copy_exact = {**originals[0], "id": "copy-exact"}
    copy_near = {**originals[1], "id": "copy-near", "text": originals[1]["text"].replace("Supermarkets", "Grocery shops") + " Thanks."}
    write_jsonl(tmp_path / "in" / "a.jsonl", originals)
    write_jsonl(tmp_path / "in" / "b.jsonl", [copy_exact, copy_near])
    survivors, funnel = run(tmp_path / "work", {"source": str(tmp_path / "in")}, tasks=2)
    assert sorted(r["id"] for r in survivor_rows(survivors)) == sorted(r["id"] for r in originals)
    assert funnel["document_drops"] == {"exact_duplicate": 1, "near_duplicate": 1}
    check_invariant(funnel)


def test_dedup_switches(tmp_path):
    originals = good_docs(2)
    rows = originals + [{**originals[0], "id": "copy-exact"}]
    write_jsonl(tmp_path / "in" / "a.jsonl", rows)
    source = {"source": str(tmp_path / "in")}
    _, only_near = run(tmp_path / "w1", source, {"exact": False})
    assert only_near["document_drops"] == {"near_duplicate": 1}  # MinHash still catches the copy
    survivors, none = run(tmp_path / "w2", source, {"exact": False, "minhash": {"enabled": False}, "keep_dropped": False})
    assert none["documents_to_llm"] == 3 and none["document_drops"] == {}
    assert not (tmp_path / "w2" / "documents" / "dropped").exists()
    _, exact_only = run(tmp_path / "w3", source, {"minhash": False})
    assert exact_only["document_drops"] == {"exact_duplicate": 1}
    with pytest.raises(ConfigError, match="dedup.minhash.threshold"):
        run(tmp_path / "w4", source, {"minhash": {"threshold": 0.8}})


class CrashOnce(PipelineStep):
    """Passes documents through; on rank 1 raises after `after` of them while its marker file is absent."""

    name = "💥 crash once"

    def __init__(self, marker: Path, after: int) -> None:
        super().__init__()
        self.marker, self.after = str(marker), after

    def run(self, data, rank: int = 0, world_size: int = 1):
        for i, doc in enumerate(data):
            if rank == 1 and i == self.after and not Path(self.marker).exists():
                Path(self.marker).touch()
                raise RuntimeError("simulated crash")
            yield doc


@pytest.mark.parametrize("stage", ["1_prefilter", "6_final"])
def test_resume_after_a_crash_does_not_duplicate_survivors(tmp_path, stage):
    def wrap(pipeline, name):
        if name == stage:
            return [*pipeline[:-1], CrashOnce(tmp_path / "crashed", after=20), pipeline[-1]] if stage == "6_final" \
                else [pipeline[0], CrashOnce(tmp_path / "crashed", after=20), *pipeline[1:]]
        return pipeline

    with pytest.raises(RuntimeError, match="simulated crash"):
        run(tmp_path / "work", {"source": "sample"}, tasks=2, wrap=wrap)
    assert (tmp_path / "crashed").exists()
    assert (tmp_path / "work" / "documents" / "logs" / stage / "completions" / "00000").exists()  # rank 0 finished
    assert not (tmp_path / "work" / "documents" / "logs" / stage / "completions" / "00001").exists()
    survivors, funnel = run(tmp_path / "work", {"source": "sample"}, tasks=2, wrap=wrap)  # the rerun
    _, clean = run(tmp_path / "clean", {"source": "sample"}, tasks=2)
    ids = [r["id"] for r in survivor_rows(survivors)]
    assert len(ids) == len(set(ids)) == clean["documents_to_llm"]
    assert funnel == clean
    check_invariant(funnel)
    # a third run has nothing left to do and changes nothing
    survivors_again, again = run(tmp_path / "work", {"source": "sample"}, tasks=2)
    assert again == clean and [r["id"] for r in survivor_rows(survivors_again)] == ids
