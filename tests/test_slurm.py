"""The build on a real Slurm cluster: the first command submits the document stages and the LLM
stage as dependent job arrays and returns; once they finish, the same command skips every
finished task and writes the dataset folder. The jobs reach the real llama.cpp server of the
session over 127.0.0.1 (same node)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
import yaml

from sample_slice import first_calls_answered, sample_slice
from slurm_cluster import SlurmCluster, slurm_cluster  # noqa: F401 (fixture)
from webscale_rl.builder.documents import dropped_documents
from webscale_rl.builder.status import collect, render

pytestmark = pytest.mark.slow

JOB_PREFIX = "wsrl-"  # make_executor names every job wsrl-<stage folder>
TASKS = 2


def write_config(tmp_path: Path, docs: list[dict], url: str, partition: str) -> Path:
    source = tmp_path / "corpus"  # one file per task: datatrove gives each task whole files
    source.mkdir()
    for part in range(TASKS):
        (source / f"part-{part}.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs[part::TASKS]), encoding="utf-8")
    cfg = {
        "output_dir": str(tmp_path / "out"),
        "input": {"source": str(source)},
        "endpoints": {"default": {"urls": [url], "model": "SmolLM2", "timeout": 120, "max_in_flight": 1}},
        "records_per_chunk": 1,
        "max_concurrent_documents": 1,
        "executor": {"type": "slurm", "tasks": TASKS, "partition": partition, "time": "00:20:00",
                     "cpus_per_task": 1, "mem_per_cpu_gb": 1,
                     "venv_path": str(Path(sys.prefix) / "bin" / "activate")},
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def build(config: Path, *args: str) -> subprocess.CompletedProcess:
    """The build command; without --detach it waits for its jobs (the LLM stage may take 600 s here)."""
    return subprocess.run([sys.executable, "-m", "webscale_rl.cli", "build", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=300 if "--detach" in args else 900)


def slurm_logs(work: Path) -> str:
    """The tail of every job's log, for the failure message."""
    return "".join(f"--- {p.relative_to(work)}\n{p.read_text(errors='replace')[-1500:]}\n"
                   for p in sorted(work.rglob("slurm_logs/*.out")))


def wait_for_llm_stage(cluster: SlurmCluster, work: Path, timeout: float) -> None:
    """Until the LLM stage has a completion marker per task; fail early when the queue has no job
    of ours left (a failed stage kills its dependants: kill_invalid_depend)."""
    completions = work / "logs" / "llm" / "completions"
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        if completions.is_dir() and len(list(completions.iterdir())) == TASKS:
            return
        if any(job["name"].startswith(JOB_PREFIX) for job in cluster.queue()):
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 10:  # markers are written just before a task's job ends
            pytest.fail(f"the Slurm jobs left the queue before the LLM stage completed\n{slurm_logs(work)}")
        time.sleep(1)
    pytest.fail(f"the LLM stage did not complete in {timeout:.0f}s; queue: {cluster.queue()}\n{slurm_logs(work)}")


@pytest.mark.timeout(900)  # the LLM wait alone may take 600 s on a busy machine
def test_build_on_slurm_submits_then_resumes(tmp_path, tiny_server, slurm_cluster):  # noqa: F811
    docs = sample_slice(6)
    config = write_config(tmp_path, docs, tiny_server.url, slurm_cluster.partition)
    out = tmp_path / "out"
    work = out / ".work"
    try:
        first = build(config, "--detach")
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        assert "Submitted" in first.stdout, first.stdout[-3000:]
        ours = [job for job in slurm_cluster.queue() if job["name"].startswith(JOB_PREFIX)]
        assert any(job["name"] == f"{JOB_PREFIX}llm" for job in ours), ours
        assert not (out / "stats.json").exists()

        wait_for_llm_stage(slurm_cluster, work, timeout=600)

        second = build(config)
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        assert "Submitted" not in second.stdout
    finally:
        slurm_cluster.cancel(JOB_PREFIX)

    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents_in"] == len(docs) == 8
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    dropped = dropped_documents(work)
    for doc in docs[6:]:
        assert doc["id"] in dropped and not dropped[doc["id"]].startswith("llm_"), (doc["id"], dropped)
    heuristic_drops = sum(v for k, v in stats["document_drops"].items() if not k.startswith("llm_"))
    assert heuristic_drops >= 2, stats["document_drops"]
    ranks = {p.name.split("_")[0] for p in (work / "llm" / "output").glob("*.jsonl")}
    assert ranks == {f"{r:05d}" for r in range(TASKS)}, ranks  # both array tasks of the LLM stage did work
    survivors = [d["text"] for d in docs if dropped.get(d["id"], "llm_").startswith("llm_")]  # kept or dropped by a model call
    assert first_calls_answered(stats, survivors), stats["llm"]  # every survivor had its first call answered


def llm_job(cluster: SlurmCluster) -> dict | None:
    return next((job for job in cluster.queue() if job["name"] == f"{JOB_PREFIX}llm"), None)


@pytest.mark.timeout(900)
def test_sigterm_to_a_running_llm_task_stops_it_and_the_rerun_resumes(tmp_path, tiny_server, slurm_cluster):  # noqa: F811
    """What Slurm does before a time limit (or `scancel --signal=TERM`): the task ends within
    seconds, says so in its log, leaves no completion marker, and the same command then
    resubmits only what did not finish."""
    good = [json.loads(line) for line in resources.files("webscale_rl.builder").joinpath("sample_corpus", "good_b.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()][:8]  # four per task: work left after the first
    config = write_config(tmp_path, good, tiny_server.url, slurm_cluster.partition)
    out = tmp_path / "out"
    work = out / ".work"
    try:
        assert "Submitted" in build(config, "--detach").stdout
        deadline = time.monotonic() + 300
        while not list((work / "llm" / "output").glob("*.jsonl")):  # a task is past its first document
            assert time.monotonic() < deadline and llm_job(slurm_cluster), slurm_logs(work)
            time.sleep(0.5)
        running = [job["id"] for job in slurm_cluster.queue() if job["name"] == f"{JOB_PREFIX}llm" and job["state"] == "RUNNING"]
        signalled = subprocess.run(["scancel", "--signal=TERM", *running], capture_output=True, text=True)
        assert signalled.returncode == 0, signalled.stderr
        deadline = time.monotonic() + 60
        while llm_job(slurm_cluster) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert llm_job(slurm_cluster) is None, "the LLM tasks did not end within a minute of SIGTERM"
        logs = slurm_logs(work)
        assert "stopped by SIGTERM; run the same build command again to resume it" in logs, logs
        completions = work / "logs" / "llm" / "completions"
        assert not completions.is_dir() or len(list(completions.iterdir())) < TASKS

        second = build(config, "--detach")
        assert "Submitted" in second.stdout, second.stdout[-3000:] + second.stderr[-3000:]
        wait_for_llm_stage(slurm_cluster, work, timeout=600)
        third = build(config)
        assert third.returncode == 0, third.stdout[-3000:] + third.stderr[-3000:]
    finally:
        slurm_cluster.cancel(JOB_PREFIX)

    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents_in"] == len(good)
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    ids = [json.loads(line)["id"] for p in (work / "llm" / "output").glob("*.jsonl") for line in open(p)]
    survivors = [json.loads(line)["id"] for p in (work / "documents" / "survivors").glob("*.jsonl") for line in open(p)]
    assert len(ids) == len(set(ids)) and set(ids) == set(survivors), "a document lost or done twice"


@pytest.mark.timeout(1200)
def test_scancel_part_way_then_the_same_command_resubmits_only_the_rest(tmp_path, tiny_server, slurm_cluster):  # noqa: F811
    """`scancel` of the LLM array while it runs: the waiting build command stops and says so,
    `webscale-rl status` names the cancelled tasks and their jobs, the same command with --detach
    resubmits only the tasks without a completion marker, and without it waits, showing
    progress, and ends with every document once and a funnel that adds up."""
    good = [json.loads(line) for line in resources.files("webscale_rl.builder").joinpath("sample_corpus", "good_b.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()][:8]
    config = write_config(tmp_path, good, tiny_server.url, slurm_cluster.partition)
    out = tmp_path / "out"
    work = out / ".work"
    first_out = tmp_path / "first.out"
    with open(first_out, "w") as sink:
        first = subprocess.Popen([sys.executable, "-m", "webscale_rl.cli", "build", "--config", str(config)],
                                 stdout=sink, stderr=subprocess.STDOUT)
    try:
        while f"webscale-rl status {out}" not in first_out.read_text():
            assert first.poll() is None, first_out.read_text()[-3000:]
            time.sleep(0.5)
        status = collect(out)
        assert [s.name for s in status["stages"]][-1] == "llm" and len(status["stages"]) >= 3, status["stages"]
        assert all(s.executor == "slurm" and len(s.jobs) == 1 for s in status["stages"]), status["stages"]
        [job_id] = status["stages"][-1].jobs
        assert any(job["id"].startswith(f"{job_id}_") or job["id"] == job_id for job in slurm_cluster.queue()), job_id

        deadline = time.monotonic() + 400
        while not list((work / "llm" / "output").glob("*.jsonl")):  # a task is past its first document
            assert time.monotonic() < deadline and llm_job(slurm_cluster), slurm_logs(work)
            time.sleep(0.5)
        cancelled = subprocess.run(["scancel", job_id], capture_output=True, text=True)
        assert cancelled.returncode == 0, cancelled.stderr
        deadline = time.monotonic() + 120
        while llm_job(slurm_cluster) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert llm_job(slurm_cluster) is None, "the LLM array was still queued two minutes after scancel"
        assert first.wait(timeout=120) == 1, first_out.read_text()[-3000:]  # the waiting build saw it
        assert "tasks failed or were cancelled" in first_out.read_text(), first_out.read_text()[-3000:]

        status = collect(out)
        llm = status["stages"][-1]
        unfinished = {task.rank for task in llm.unfinished}
        assert unfinished and llm.done == TASKS - len(unfinished), llm
        assert all(task.state == "failed" and task.slurm.startswith(f"{job_id}_") for task in llm.unfinished), llm.unfinished
        assert all(task.slurm.endswith("CANCELLED") for task in llm.unfinished), llm.unfinished
        assert 0 < status["llm"]["documents"] < len(good), status["llm"]
        print("\n$ webscale-rl status OUTPUT_DIR   # after scancel\n" + render(status))

        second = build(config, "--detach")
        assert "Submitted" in second.stdout, second.stdout[-3000:] + second.stderr[-3000:]
        resubmitted = [json.loads(line) for line in (work / "logs" / "llm" / "slurm_jobs.jsonl").read_text().splitlines()]
        assert len(resubmitted) == 2 and sorted(resubmitted[1]["ranks"]) == sorted(unfinished), resubmitted
        assert all(len(s.jobs) == 1 for s in collect(out)["stages"][:-1]), "a finished document stage was resubmitted"
        third = build(config)  # submits nothing more: waits for the resubmitted tasks, then writes the folder
        assert third.returncode == 0, third.stdout[-3000:] + third.stderr[-3000:]
        assert "still queued or running; nothing submitted" in third.stdout, third.stdout[-3000:]
        assert re.search(r"tasks \d+/\d+, LLM stages: 8/8 documents, \d+ pairs kept, [\d.]+ docs/min, ETA", third.stderr), \
            third.stderr[-3000:]
    finally:
        if first.poll() is None:
            first.kill()
        slurm_cluster.cancel(JOB_PREFIX)

    status = collect(out)
    assert all(s.done == s.total and not s.unfinished for s in status["stages"]), status["stages"]
    print("\n$ webscale-rl build --config ...   # waiting for the resubmitted tasks\n"
          + "\n".join(line for line in third.stdout.splitlines() + third.stderr.splitlines()
                      if line.startswith(("tasks ", "Slurm jobs ", "Follow them"))))
    print("\n$ webscale-rl status OUTPUT_DIR   # after the rerun\n" + render(status))
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents_in"] == len(good)
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    ids = [json.loads(line)["id"] for p in (work / "llm" / "output").glob("*.jsonl") for line in open(p)]
    survivors = [json.loads(line)["id"] for p in (work / "documents" / "survivors").glob("*.jsonl") for line in open(p)]
    assert sorted(ids) == sorted(set(survivors)) and len(survivors) == len(set(survivors)), "a document lost or done twice"
    assert status["llm"]["documents"] == len(ids)
    assert len((work / "logs" / "llm" / "slurm_jobs.jsonl").read_text().splitlines()) == 2  # no task ran twice
