"""The build, in one readable place: read -> heuristic pre-filter -> dedup -> the LLM stages ->
dataset-wide question dedup and decontamination -> one output folder.

Each executor stage is listed here step by step, top to bottom (`document_stages`, `llm_steps`);
executors only run them: local by default, Slurm or Ray by config (`make_executor`).
`webscale-rl build --config FILE` and `make build-dataset` call `main`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import resource
import shlex
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
from datatrove.pipeline.dedup.exact_dedup import ExactDedupFilter, ExactFindDedups
from datatrove.pipeline.dedup.minhash import MinhashDedupBuckets
from datatrove.pipeline.inference.run_inference import InferenceConfig
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from webscale_rl.builder.budget import BudgetedRollout, BudgetSpent, max_tokens_for, spent_in
from webscale_rl.builder.config import ConfigError, config_hash, endpoints_from, load_config
from webscale_rl.builder.dedup import EXACT_CONFIG, FirstSeenExactSignature, dedup_settings
from webscale_rl.builder.documents import DocumentFolders, RankFileReader, keep_exclusions, rank_writer
from webscale_rl.builder.finalize import finalize
from webscale_rl.builder.funnel import Tally, collect_funnel
from webscale_rl.builder.inputs import make_reader
from webscale_rl.builder.prefilter import prefilter_steps
from webscale_rl.builder.rollout import Progress, Settings, rollout
from webscale_rl.builder.status import failed_tasks, follow, live_jobs, progress_while_running, record_slurm_jobs
from webscale_rl.inference import TransportInferenceRunner
from webscale_rl.models import PRESETS
from webscale_rl.processes import Stopped, children_die_with_parent, stop_on_signals
from webscale_rl.server import EmbeddedServer
from webscale_rl.transport import Endpoint

logger = logging.getLogger(__name__)


@dataclass
class Stage:
    """One executor's steps; `tasks` None runs as many tasks as the config's executor says."""

    name: str
    steps: list[PipelineStep]
    tasks: int | None = None


def document_stages(cfg: dict, docs: DocumentFolders) -> list[Stage]:
    """Read, pre-filter and deduplicate, in run order; each stage waits for the one before.

    Exact dedup hashes the whitespace-normalised text and keeps the first copy in input order, as
    MinHash does. The stages that filter a rank's pre-filtered documents read that rank's file,
    so signatures and filters see the same documents in the same order."""
    dedup = dedup_settings(cfg["dedup"])

    def dropped(reason: str) -> JsonlWriter | None:
        """Where a dedup filter keeps what it drops, when dropped documents are kept."""
        return rank_writer(docs.dropped / reason) if dedup.keep_dropped else None

    def exact_filter(exclusion_writer: JsonlWriter | None) -> list[PipelineStep]:
        return [ExactDedupFilter(str(docs.exact / "dups"), config=EXACT_CONFIG, exclusion_writer=exclusion_writer)] if dedup.exact else []

    stages = [Stage("1_prefilter", [
        *make_reader(cfg["input"]),
        *keep_exclusions(prefilter_steps(cfg["prefilter"]), docs.dropped / "prefilter" if dedup.keep_dropped else None),
        rank_writer(docs.prefiltered),
        *([FirstSeenExactSignature(str(docs.exact / "sigs"), config=EXACT_CONFIG)] if dedup.exact else []),
    ])]
    if dedup.exact:
        stages.append(Stage("2_exact_find", [
            ExactFindDedups(str(docs.exact / "sigs"), str(docs.exact / "dups"), config=EXACT_CONFIG),
        ], tasks=1))
    if dedup.minhash:
        stages += [
            Stage("3_minhash_sig", [
                RankFileReader(docs.prefiltered),
                *exact_filter(None),
                MinhashDedupSignature(str(docs.minhash / "sigs"), config=dedup.minhash),
            ]),
            Stage("4_minhash_buckets", [
                MinhashDedupBuckets(str(docs.minhash / "sigs"), str(docs.minhash / "buckets"), config=dedup.minhash),
            ], tasks=dedup.minhash.num_buckets),
            Stage("5_minhash_cluster", [
                MinhashDedupCluster(str(docs.minhash / "buckets"), str(docs.minhash / "remove"), config=dedup.minhash),
            ], tasks=1),
        ]
    stages.append(Stage("6_final", [
        RankFileReader(docs.prefiltered),
        *exact_filter(dropped("exact_duplicate")),
        *([MinhashDedupFilter(str(docs.minhash / "remove"), exclusion_writer=dropped("near_duplicate"))] if dedup.minhash else []),
        Tally(),
        rank_writer(docs.survivors),
    ]))
    return stages


def document_funnel(docs: DocumentFolders, stages: list[Stage]) -> dict:
    """The first stage counts what came in and what the pre-filter dropped, the last what dedup
    dropped and what goes on (the MinHash signature stage drops exact copies again, uncounted)."""
    return collect_funnel([docs.logs / stages[0].name, docs.logs / stages[-1].name])


def llm_steps(cfg: dict, survivors: Path, llm_dir: Path, endpoints: list[Endpoint], rollout_fn: Callable,
              settings: Settings) -> list[PipelineStep]:
    """The LLM stage: each surviving document through `rollout_fn` (the LLM calls and the pair
    checks) in datatrove's InferenceRunner, checkpointed, with a replay cache for resumed runs."""
    return [
        JsonlReader(str(survivors), glob_pattern="*.jsonl"),
        TransportInferenceRunner(
            rollout_fn=rollout_fn,
            shared_context={"settings": settings},
            config=InferenceConfig(
                server_type="endpoint", model_name_or_path="per-stage", endpoint_url=endpoints[0].urls[0] if endpoints[0].urls else "provider",
                max_concurrent_generations=sum(e.max_in_flight for e in endpoints),
                # Unused by our TransportServer (each attempt is timed by its endpoint's timeout): see webscale_rl/inference.py.
                max_concurrent_documents=cfg["max_concurrent_documents"], request_timeout=None,
                metric_interval=3600,
            ),
            output_writer=JsonlWriter(str(llm_dir / "output"), output_filename="${rank}_chunk_${chunk_index}.jsonl", compression=None),
            checkpoints_local_dir=str(llm_dir / "checkpoints"),
            records_per_chunk=cfg["records_per_chunk"],
            endpoints=endpoints,
        ),
    ]


def make_executor(cfg: dict, pipeline: list, logging_dir: Path, tasks: int | None = None, depends=None, job_name: str = "wsrl"):
    """The executor named in the config, around a pipeline of steps."""
    opts = dict(cfg["executor"])
    kind = opts.pop("type", "local")
    tasks = tasks or opts.pop("tasks", 1)
    opts.pop("tasks", None)
    if kind == "local":
        from datatrove.executor import LocalPipelineExecutor

        return LocalPipelineExecutor(pipeline, tasks=tasks, workers=opts.get("workers", 1), logging_dir=str(logging_dir), depends=depends)
    if kind == "slurm":
        from datatrove.executor import SlurmPipelineExecutor

        return SlurmPipelineExecutor(pipeline=pipeline, tasks=tasks, logging_dir=str(logging_dir), depends=depends,
                                     job_name=f"{job_name}-{logging_dir.name}", **opts)
    if kind == "ray":
        if importlib.util.find_spec("ray") is None:  # `make build-dataset` installs only what a local build needs
            raise ConfigError('executor.type ray needs Ray: run `make install` (or `pip install -e ".[ray]"`), then rerun')
        from datatrove.executor import RayPipelineExecutor

        from webscale_rl.builder.ray_instance import connect

        # No `depends=`: `build` runs the stages in turn and checks each (datatrove's would wait on a failed one forever).
        return RayPipelineExecutor(pipeline, tasks=tasks, logging_dir=str(logging_dir), **connect(opts))
    raise ConfigError(f"executor.type must be local, slurm or ray, got {kind!r}")


def chained_executors(cfg: dict, stages: list[Stage], logs: Path) -> list:
    """One executor per stage, logging under `logs/<stage name>`, each depending on the one before."""
    executors: list = []
    for stage in stages:
        executors.append(make_executor(cfg, stage.steps, logs / stage.name, stage.tasks, depends=executors[-1] if executors else None))
    return executors


def runs_here(executor: dict) -> bool:
    """Whether every task runs on this machine: the local executor, or a Ray instance the build starts."""
    kind = executor.get("type", "local")
    if kind == "ray":
        from webscale_rl.builder.ray_instance import is_local

        return is_local(executor)
    return kind == "local"


class StageFailed(RuntimeError):
    """Tasks of a stage failed; the message says where their logs are and how to go on."""


def run_stage(executor) -> None:
    """Run one stage to its end. The local executor raises when a task fails; Ray's only logs
    it, so every task's completion is checked here."""
    executor.run()
    if failed := executor.get_incomplete_ranks(skip_completed=True):
        raise StageFailed(f"{len(failed)} of {executor.world_size} tasks failed (ranks {failed[:10]}); their logs are in "
                           f"{executor.logging_dir.path}/logs. Rerun the same command to run only those tasks again.")


@contextlib.contextmanager
def running_endpoints(cfg: dict):
    """Start the embedded llama.cpp server for every endpoint that asks for one."""
    urls, models = {}, {}
    with contextlib.ExitStack() as stack:
        for name, spec in cfg["endpoints"].items():
            if spec.get("embedded"):
                if not runs_here(cfg["executor"]):
                    raise ConfigError(f"endpoint {name}: the embedded server runs on this machine only; "
                                     "give cluster jobs `urls:` of a TGI/vLLM server they can reach")
                server = stack.enter_context(EmbeddedServer(spec["embedded"], **cfg["embedded_server"]))
                urls[name] = [server.url]
                preset = PRESETS.get(spec["embedded"])
                models[name] = f"{preset.display_name} GGUF, llama.cpp" if preset else server.model_path.name
            else:
                models[name] = spec.get("model", "default")
        yield endpoints_from(cfg, urls), models


class ProgressLine:
    """Documents done, pairs kept, rate and ETA: one line redrawn every 2 s on a terminal, a
    new line every 30 s elsewhere (a log file, CI, Slurm), where redraws would pile up. `what`
    names the work ("LLM stages" of a build, "audit" of the labelled pairs)."""

    current: "ProgressLine | None" = None  # the running one, for the line printed on a stop

    def __init__(self, total: int, already_done: int, what: str = "LLM stages") -> None:
        self.total, self.already_done, self.what = total, already_done, what
        self.counted_before = Progress.documents, Progress.pairs_kept  # by earlier work in this process
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.redraw = sys.stderr.isatty()

    @property
    def done(self) -> int:
        return self.already_done + Progress.documents - self.counted_before[0]

    def render(self) -> str:
        elapsed = time.monotonic() - self.started
        rate = (Progress.documents - self.counted_before[0]) / elapsed if elapsed > 0 else 0.0
        remaining = max(self.total - self.done, 0)
        eta = f"{remaining / rate:.0f}s" if rate > 0 else "?"
        return (f"{self.what}: {self.done}/{self.total} documents, {Progress.pairs_kept - self.counted_before[1]} pairs kept, "
                f"{rate * 60:.1f} docs/min, ETA {eta}")

    def _loop(self) -> None:
        while not self.stop.wait(2.0 if self.redraw else 30.0):
            print(("\r" if self.redraw else "") + self.render(), end="" if self.redraw else "\n", file=sys.stderr, flush=True)

    def __enter__(self) -> "ProgressLine":
        ProgressLine.current = self
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if exc[0] is None:  # on a stop it stays current, for the stop line
            ProgressLine.current = None
            print(("\r" if self.redraw else "") + self.render(), file=sys.stderr, flush=True)


def stop_message(stopped: Stopped, argv: list[str]) -> str:
    """The one line printed when a signal stops the build: how far it got, how to go on."""
    live = ProgressLine.current
    where = (f"after {live.done} of {live.total} documents through the LLM stages ({Progress.pairs_kept} pairs kept this run)"
             if live else "before the LLM stages")
    return f"Stopped by {stopped.by} {where}. Resume with: {shlex.join(['webscale-rl', 'build', *argv])}"


def count_lines(folder: Path) -> int:
    return sum(sum(1 for _ in open(p, "rb")) for p in folder.glob("*.jsonl")) if folder.exists() else 0


def claim_work_dir(work: Path, cfg: dict) -> None:
    """A rerun resumes from .work/; that is only right if it builds the same thing."""
    marker = work / "config_hash"
    wanted = config_hash(cfg)
    if marker.exists() and marker.read_text().strip() != wanted:
        raise ConfigError(
            f"{work.parent} holds a partial build of a different config ({marker.read_text().strip()} != {wanted}). "
            f"To resume it, rerun with its config (see {work.parent / 'build_config.yaml'} once written); "
            f"to start over, delete {work} or choose another output_dir.")
    marker.write_text(wanted + "\n")


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the process image, while
    ru_maxrss carries a parent's peak across fork and exec: a build started by `make bench`
    reported the bench process's 427 MB instead of its own 209 MB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: the best there is


def build(cfg: dict, max_tokens: int | None = None, detach: bool = False) -> dict | None:
    """Run (or resume) the build. On Slurm it waits for the jobs it submits, showing progress,
    unless `detach`: then None, with the jobs still running. With `max_tokens`, the LLM stage
    ends once that many tokens are spent (earlier runs included) and the folder is written from
    what was done."""
    out = Path(cfg["output_dir"])
    work = out / ".work"
    work.mkdir(parents=True, exist_ok=True)
    claim_work_dir(work, cfg)
    started = datetime.now(timezone.utc)

    # 1. Cheap first: read, pre-filter and deduplicate before any LLM call.
    docs = DocumentFolders.under(work)
    stages = document_stages(cfg, docs)
    executors = chained_executors(cfg, stages, docs.logs)
    kind = cfg["executor"].get("type", "local")
    distributed = kind == "slurm"  # submitted jobs, chained by `depends=`, that run after this returns
    if not distributed:  # locally and on Ray, each stage runs to its end in turn
        for executor in executors:
            run_stage(executor)

    # 2. The LLM stages.
    llm_out = work / "llm" / "output"
    settings = Settings.from_config(cfg)
    if max_tokens is not None and kind != "local":
        raise ConfigError("--max-tokens/--max-cost work with the local executor only for now; "
                         "on a cluster, limit the input instead (input.limit or sample_rate)")
    rollout_fn = BudgetedRollout(rollout, max_tokens, spent_in(llm_out)) if max_tokens is not None else rollout
    budget_stop = None
    with running_endpoints(cfg) as (endpoints, endpoint_models):
        llm = make_executor(cfg, llm_steps(cfg, docs.survivors, work / "llm", endpoints, rollout_fn, settings),
                            work / "logs" / "llm", depends=executors[-1] if distributed else None)
        if distributed:
            if live := live_jobs(out):  # submitting now would run their tasks twice
                print(f"Slurm jobs {', '.join(live)} of this build are still queued or running; nothing submitted.")
            else:
                llm.run()  # submits the whole chain and returns
                record_slurm_jobs([*executors, llm])
            if live or llm.get_incomplete_ranks(skip_completed=True):
                if not live:
                    print(f"Submitted the document and LLM stages as {kind} jobs (logs: {work / 'logs'}).")
                print(f"Follow them with: webscale-rl status {shlex.quote(str(out))}", flush=True)
                if detach:
                    print("When they have finished, run the same command again: it skips every finished task and "
                          f"writes the dataset folder {out}.")
                    return None
                if failed := failed_tasks(follow(out)):
                    raise StageFailed(f"{len(failed)} tasks failed or were cancelled; `webscale-rl status {shlex.quote(str(out))}` "
                                      "shows them with their logs. Rerun the same command to resubmit only the unfinished tasks.")
        elif kind == "ray":
            with progress_while_running(out):
                run_stage(llm)
        else:
            with ProgressLine(total=count_lines(docs.survivors), already_done=count_lines(llm_out)):
                try:
                    llm.run()
                except BudgetSpent as spent:
                    budget_stop = {"max_tokens": max_tokens, "spent": rollout_fn.spent(),
                                   "not_processed": count_lines(docs.survivors) - count_lines(llm_out)}
                    logger.warning("%s: the LLM stage stops here and the dataset folder is written from what was done", spent)
    prefilter_funnel = document_funnel(docs, stages)
    models = settings.stage_models(endpoint_models)

    # 3. Dataset-wide steps and the output folder.
    finished = datetime.now(timezone.utc)
    timing = {"started_at": started.isoformat(), "finished_at": finished.isoformat(),
              "duration_s": round((finished - started).total_seconds(), 1),
              "peak_rss_mb": round(peak_rss_mb(), 1)}
    stats = finalize(cfg, llm_out, prefilter_funnel, models, timing, budget_stop)
    from webscale_rl.dataset_card.card import write_card
    from webscale_rl.dataset_card.report import quality_report

    quality_report(out)
    write_card(out)
    return stats


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl build", description="Build a Webscale-RL dataset from a YAML config.")
    parser.add_argument("--config", default=None, help="YAML config (defaults: the sample corpus on the embedded default model)")
    parser.add_argument("--output-dir", default=None)
    parser.add_argument("--call-plan", choices=["fused", "paper"], default=None)
    parser.add_argument("--limit", type=int, default=None, help="read at most this many input documents")
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="stop the LLM stages once this many tokens are spent (earlier runs of this build included); "
                             "rerun with a larger budget to finish")
    parser.add_argument("--max-cost", type=float, default=None,
                        help="the same as a cost in USD, at the config's card.price_per_million_tokens")
    parser.add_argument("--detach", action="store_true",
                        help="on Slurm, return once the jobs are submitted instead of waiting for them")
    args = parser.parse_args(argv)
    overrides: dict = {}
    if args.output_dir:
        overrides["output_dir"] = args.output_dir
    if args.call_plan:
        overrides["call_plan"] = args.call_plan
    if args.limit:
        overrides["input"] = {"limit": args.limit}
    cfg = load_config(args.config, overrides)
    children_die_with_parent()
    try:
        max_tokens = max_tokens_for(args.max_tokens, args.max_cost, float(cfg["card"].get("price_per_million_tokens") or 0))
    except ValueError as err:
        raise ConfigError(str(err)) from None
    try:
        with stop_on_signals(lambda stopped: stop_message(stopped, argv)):
            stats = build(cfg, max_tokens, args.detach)
    except StageFailed as err:
        print(f"webscale-rl build: {err}", file=sys.stderr)
        return 1
    if stats is None:
        return 0
    kept, docs = stats["pairs_kept"], stats["documents_in"]
    print(f"\n{kept} QA pairs from {docs} documents written to {Path(cfg['output_dir']).resolve()}")
    print("drops: " + ", ".join(f"{k}={v}" for k, v in stats["document_drops"].items()))
    if stats.get("budget"):
        budget = stats["budget"]
        print(f"Stopped at the token budget ({budget['spent']:,} of {budget['max_tokens']:,} tokens): "
              f"{budget['not_processed']} documents not processed yet. To finish, rerun with a larger budget: "
              f"{shlex.join(['webscale-rl', 'build', *budget_rerun_args(argv)])}")
    return 0


def budget_rerun_args(argv: list[str]) -> list[str]:
    """The build's arguments without its budget, for the line that says how to finish."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--max-tokens", "--max-cost"):
            skip = True
        elif not arg.startswith(("--max-tokens=", "--max-cost=")):
            out.append(arg)
    return out + ["--max-tokens", "N"]
