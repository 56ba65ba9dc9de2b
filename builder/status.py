"""`webscale-rl status OUTPUT_DIR`: how far a build is, per stage, for local, Slurm and Ray runs.

Everything is read from what the stages leave under OUTPUT_DIR/.work, so it works while a build
runs or after it stopped, from any machine that sees the folder: datatrove's `executor.json`
(the task count), `completions/` (tasks done), `stats/` (documents through finished tasks) and
task logs, the LLM stage's output chunks (documents and pairs so far), and for Slurm the job
ids the build recorded when it submitted, whose states slurmctld gives.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SLURM_JOBS = "slurm_jobs.jsonl"  # in a stage's logging dir: one line per submitted array
NEVER_RUNS = "DEPENDENCY_FAILED"  # pending on a dependency that failed
# Array-task states after which a task that left no completion marker will not finish.
ENDED_STATES = {"FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL",
                "DEADLINE", "COMPLETED", NEVER_RUNS}  # COMPLETED without a marker: the task ended without finishing its work
LIVE_STATES = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED"}
LOG_TAIL = 12
ERROR_LINE = re.compile(r"\| (ERROR|CRITICAL) +\|")


@dataclass
class Task:
    """A task of a stage that has not finished."""

    rank: int
    state: str  # failed, running, pending, not started, started (no end seen)
    slurm: str | None = None  # "<job>_<array index> <STATE>"
    log: Path | None = None


@dataclass
class Stage:
    name: str
    executor: str  # local, slurm or ray
    total: int
    done: int
    documents_in: int | None = None  # through finished tasks
    documents_out: int | None = None
    unfinished: list[Task] = field(default_factory=list)
    jobs: dict[str, dict[str, int]] = field(default_factory=dict)  # Slurm job id -> {state: array tasks}


def record_slurm_jobs(executors: list) -> None:
    """After a submission: note each stage's new job id and the ranks its array runs, since
    datatrove overwrites ranks_to_run.json at the next submission and keeps no job id."""
    for executor in executors:
        if executor.job_id in (None, -1):
            continue  # nothing was left to run in this stage
        with executor.logging_dir.open("ranks_to_run.json", "r") as f:
            ranks = json.load(f)
        with executor.logging_dir.open(SLURM_JOBS, "a") as f:
            f.write(json.dumps({"job_id": str(executor.job_id), "ranks": ranks, "tasks_per_job": executor.tasks_per_job}) + "\n")


def live_jobs(out: Path) -> list[str]:
    """The recorded Slurm jobs of the build in `out` that are still queued or running: a rerun
    must wait for them, since datatrove would submit their tasks a second time."""
    recorded = {json.loads(line)["job_id"] for path in (out / ".work").rglob(SLURM_JOBS) for line in path.read_text().splitlines()}
    if not recorded:
        return []
    return sorted({task.partition("_")[0] for task, state in slurm_states().items() if state in LIVE_STATES} & recorded, key=int)


def executor_kind(spec: dict) -> str:
    """Which datatrove executor wrote this executor.json (each has arguments of its own)."""
    if "partition" in spec:
        return "slurm"
    return "ray" if "ray_remote_kwargs" in spec else "local"


def stage_dirs(work: Path) -> list[Path]:
    """The logging dir of every stage that has started (or been submitted), in that order."""
    return sorted((p.parent for p in work.rglob("executor.json")), key=lambda d: (d / "executor.json").stat().st_mtime)


def slurm_states() -> dict[str, str]:
    """{"<job>_<index>": state} of every array task slurmctld still knows (MinJobAge after it ends).
    A task pending on a dependency that failed will never run (unless the cluster kills it, as
    DependencyParameters=kill_invalid_depend does): it counts as ended."""
    out = subprocess.run(["squeue", "-h", "--array", "-t", "all", "-o", "%i|%T|%r"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    states = {}
    for line in out.splitlines():
        task, state, reason = (line.strip().split("|") + ["", ""])[:3]
        if state == "PENDING" and reason == "DependencyNeverSatisfied":
            state = NEVER_RUNS
        job, _, index = task.partition("_")
        for i in _expand(index):  # a pending array can be listed as 123_[2-5,7]
            states[f"{job}_{i}"] = state
    return states


def _expand(index: str) -> list[str]:
    if not index.startswith("["):
        return [index]
    found = []
    for part in index.strip("[]").split("%")[0].split(","):
        low, _, high = part.partition("-")
        found += [str(i) for i in range(int(low), int(high or low) + 1)]
    return found


def _count(stats_file: Path, first: bool) -> int | None:
    """Documents a finished task read (its first step, a reader) or wrote (its last writer)."""
    steps = json.loads(stats_file.read_text())
    if first:
        return steps[0]["stats"].get("documents", {}).get("total") if steps else None
    return next((step["stats"].get("total", 0) for step in reversed(steps) if "WRITER" in step["name"]), None)


def _sum(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _log_failed(log: Path) -> bool:
    return log.exists() and any(ERROR_LINE.search(line) for line in log.read_text(errors="replace").splitlines())


def read_stage(folder: Path, slurm: dict[str, str] | None) -> Stage:
    spec = json.loads((folder / "executor.json").read_text())
    kind = executor_kind(spec)
    total = int(spec["world_size"])
    completions = folder / "completions"
    done = {int(p.name) for p in completions.iterdir()} if completions.is_dir() else set()
    stats = sorted((folder / "stats").glob("*.json")) if (folder / "stats").is_dir() else []
    stage = Stage(name=folder.name, executor=kind, total=total, done=len(done),
                  documents_in=_sum([_count(p, True) for p in stats]), documents_out=_sum([_count(p, False) for p in stats]))
    latest: dict[int, str] = {}  # rank -> "<job>_<index>" of its last submission
    for line in (folder / SLURM_JOBS).read_text().splitlines() if (folder / SLURM_JOBS).exists() else []:
        job = json.loads(line)
        states = stage.jobs.setdefault(job["job_id"], {})
        for index in range(-(-len(job["ranks"]) // job["tasks_per_job"])):
            task = f"{job['job_id']}_{index}"
            state = (slurm or {}).get(task, "ended (no longer listed by slurmctld)" if slurm is not None else "unknown")
            states[state] = states.get(state, 0) + 1
            for rank in job["ranks"][index * job["tasks_per_job"]:(index + 1) * job["tasks_per_job"]]:
                latest[rank] = task
    for rank in sorted(set(range(total)) - done):
        log = folder / "logs" / f"task_{rank:05d}.log"
        task = Task(rank=rank, state="not started", log=log if log.exists() else None)
        if rank in latest:
            job_state = (slurm or {}).get(latest[rank])
            task.slurm = f"{latest[rank]} {job_state or 'no longer listed'}"
            slurm_log = next(folder.rglob(f"slurm_logs/{latest[rank]}.out"), None)
            task.log = slurm_log or task.log
            if job_state in LIVE_STATES:
                task.state = job_state.lower() if job_state in ("PENDING", "RUNNING") else "running"
            elif slurm is not None and (job_state is None or job_state in ENDED_STATES):
                task.state = "failed"
        elif _log_failed(log):
            task.state = "failed"
        elif log.exists():
            task.state = "started"
        stage.unfinished.append(task)
    return stage


def llm_progress(work: Path) -> dict:
    """Documents through the LLM stages so far (written chunks) out of those sent to them, and
    the pairs kept; the folders are those `builder/pipeline.py` writes."""
    survivors = work / "documents" / "survivors"
    total = sum(sum(1 for _ in p.open("rb")) for p in survivors.glob("*.jsonl")) if survivors.is_dir() else None
    documents = pairs = 0
    for path in (work / "llm" / "output").glob("*.jsonl"):
        for line in path.open(encoding="utf-8"):
            result = (json.loads(line).get("metadata", {}).get("rollout_results") or [{}])[0]
            documents += 1
            pairs += len(result.get("pairs") or []) if result.get("status") == "kept" else 0
    return {"documents": documents, "of": total, "pairs_kept": pairs}


def collect(out: Path) -> dict:
    """The status of the build in `out`, as plain data (see `render`)."""
    work = out / ".work"
    if not work.is_dir():
        raise FileNotFoundError(f"{out} holds no build (no {work}); start one with: webscale-rl build --config FILE")
    folders = stage_dirs(work)
    slurm, slurm_error = None, None
    if any((folder / SLURM_JOBS).exists() for folder in folders):
        try:
            slurm = slurm_states()
        except (OSError, subprocess.SubprocessError) as err:
            slurm_error = f"squeue failed ({err}); job states unknown"
    stages = [read_stage(folder, slurm) for folder in folders]
    finished = (out / "stats.json").exists()
    return {"output_dir": str(out), "stages": stages, "llm": llm_progress(work), "slurm_error": slurm_error,
            "finished": json.loads((out / "stats.json").read_text()) if finished else None}


def _tail(path: Path | None) -> list[str]:
    if path is None or not path.exists():
        return ["(no log: the task never started)"]
    return path.read_text(errors="replace").splitlines()[-LOG_TAIL:]


def render(status: dict) -> str:
    """The status as text: a table of stages, the failed tasks with their log tails, the Slurm jobs."""
    stages = status["stages"]
    kinds = sorted({s.executor for s in stages}) or ["not started"]
    lines = [f"{status['output_dir']} ({', '.join(kinds)} run)", ""]
    if status["finished"]:
        stats = status["finished"]
        lines += [f"finished: {stats['pairs_kept']} pairs from {stats['documents_in']} documents", ""]
    lines.append(f"{'stage':<20} {'tasks done':>10}  documents")
    for stage in stages:
        docs = ""
        if stage.name == "llm":
            llm = status["llm"]
            docs = f"{llm['documents']} of {llm['of'] if llm['of'] is not None else '?'} through the LLM stages, {llm['pairs_kept']} pairs kept"
        elif stage.documents_in is not None or stage.documents_out is not None:
            counts = [f"{n} {what}" for n, what in ((stage.documents_in, "in"), (stage.documents_out, "out")) if n is not None]
            docs = ", ".join(counts) + (" (finished tasks only)" if stage.done < stage.total else "")
        lines.append(f"{stage.name:<20} {f'{stage.done}/{stage.total}':>10}  {docs}".rstrip())
    failed = failed_tasks(status)
    waiting = [(stage, task) for stage in stages for task in stage.unfinished if task.state != "failed"]
    if waiting:
        lines += ["", "not finished: " + ", ".join(f"{s.name} task {t.rank} ({t.state})" for s, t in waiting)]
    if failed:
        lines += ["", f"failed tasks ({len(failed)}); run the same build command again to rerun only these:"]
        for stage, task in failed:
            lines.append(f"  {stage.name} task {task.rank}" + (f", Slurm job {task.slurm}" if task.slurm else "")
                         + (f", log {task.log}:" if task.log else ":"))
            lines += [f"    | {line}" for line in _tail(task.log)]
    jobs = [(stage, job, states) for stage in stages for job, states in stage.jobs.items()]
    if jobs:
        lines += ["", "Slurm jobs:"]
        lines += [f"  {job:<10} {stage.name:<20} " + ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
                  for stage, job, states in jobs]
    if status["slurm_error"]:
        lines += ["", status["slurm_error"]]
    return "\n".join(lines)


def failed_tasks(status: dict) -> list[tuple[Stage, Task]]:
    return [(stage, task) for stage in status["stages"] for task in stage.unfinished if task.state == "failed"]


def progress_line(status: dict, documents_at_start: int, seconds: float) -> str:
    """Tasks done over all stages, documents through the LLM stages and pairs kept, with the rate
    since the wait began and the time left at that rate."""
    stages, llm = status["stages"], status["llm"]
    done, total = sum(s.done for s in stages), sum(s.total for s in stages)
    rate = (llm["documents"] - documents_at_start) / seconds if seconds > 0 else 0.0
    left = (llm["of"] - llm["documents"]) if llm["of"] is not None else None
    eta = f"{left / rate:.0f}s" if rate > 0 and left is not None else "?"
    return (f"tasks {done}/{total}, LLM stages: {llm['documents']}/{llm['of'] if llm['of'] is not None else '?'} documents, "
            f"{llm['pairs_kept']} pairs kept, {rate * 60:.1f} docs/min, ETA {eta}")


def follow(out: Path, every: float = 30.0, check: float = 2.0) -> dict:
    """Wait until the LLM stage of a submitted build has finished or a task has failed (nothing
    would then finish it), printing a progress line every `every` seconds; the last status.
    The outputs are read every `check` seconds, so the wait ends soon after the last task."""
    started = time.monotonic()
    documents_at_start, printed = None, -every
    while True:
        status = collect(out)
        if documents_at_start is None:
            documents_at_start = status["llm"]["documents"]
        llm = next((s for s in status["stages"] if s.name == "llm"), None)
        finished = (llm is not None and llm.done == llm.total) or failed_tasks(status)
        if finished or time.monotonic() - printed >= every:
            printed = time.monotonic()
            print(progress_line(status, documents_at_start, printed - started), file=sys.stderr, flush=True)
        if finished:
            return status
        time.sleep(check)


@contextlib.contextmanager
def progress_while_running(out: Path, every: float = 30.0) -> Iterator[None]:
    """Progress lines read from the run's outputs while an executor that blocks this process
    (Ray) runs the stages in other processes; a last one when it returns."""
    stop, started = threading.Event(), time.monotonic()
    documents_at_start = llm_progress(out / ".work")["documents"]

    def line() -> None:
        print(progress_line(collect(out), documents_at_start, time.monotonic() - started), file=sys.stderr, flush=True)

    def loop() -> None:
        while not stop.wait(every):
            line()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    line()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl status",
                                     description="per stage: tasks done, documents and pairs so far, failed tasks, Slurm jobs")
    parser.add_argument("output_dir", type=Path, help="the build's output_dir")
    args = parser.parse_args(argv)
    try:
        status = collect(args.output_dir)
    except FileNotFoundError as err:
        print(err)
        return 2
    print(render(status))
    return 1 if failed_tasks(status) else 0
