"""What the Space runs for one document, with no prompt, rule or threshold of its own: the
build's pre-filter steps, `rollout` through the shared transport, and the build's record
maker. Endpoints come from the environment only, so visitors can neither see nor change them.

Environment (Space settings and secrets):
  WSRL_ENDPOINT_URLS  comma-separated OpenAI-compatible base URLs (TGI, vLLM: http://host:8080/v1)
  WSRL_DIALECT        tgi (default) | vllm | llamacpp | openai
  WSRL_MODEL          the model name (required with WSRL_PROVIDER)
  WSRL_API_KEY        secret key for WSRL_ENDPOINT_URLS, if the server needs one
  WSRL_PROVIDER       a Hugging Face Inference Provider (e.g. "auto", "together"), key from HF_TOKEN
  WSRL_EMBEDDED       preset of the embedded llama.cpp server when no endpoint is set (default: default)
  WSRL_TIMEOUT        seconds per model call (default 120)
  WSRL_DEADLINE       seconds for one whole document before the visitor is told to retry (default 600)
  WSRL_SUPPORT_THRESHOLD  the graded reading's bar, measured for the served model with
                      `webscale-rl audit` (default: the embedded preset's; none for a served model)
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

from datatrove.data import Document

from webscale_rl.builder.config import ConfigError, load_config
from webscale_rl.builder.drop_reasons import explain
from webscale_rl.builder.finalize import drop_across_dataset, make_records
from webscale_rl.builder.inputs import content_id, sample_corpus_rows
from webscale_rl.builder.prefilter import MAX_CHARS, first_drop, prefilter_steps
from webscale_rl.builder.rollout import Settings, rollout
from webscale_rl.builder.stages import check, domain, filter as filter_stage, identify, opening, screen
from webscale_rl.transport import LLMClient, parse_json

# What each model call is, named as the rollout's usage accounts name it.
STAGE_TITLES = {"opening": "opening (a fragment of a conversation?)", "screen": "filter + identify (one fused call)", "filter": "filter", "identify": "identify",
                "domain": "domain (a short call on the topic)", "generate": "generate", "check": "check"}
UNAVAILABLE_KINDS = ("connection", "timeout", "bad_response")


def endpoint_from_env(env: Mapping[str, str]) -> dict:
    """The `endpoints.default` entry of a build config, read from the Space's settings."""
    timeout = float(env.get("WSRL_TIMEOUT") or 120)
    if env.get("WSRL_ENDPOINT_URLS"):
        spec: dict[str, Any] = {"urls": [u.strip() for u in env["WSRL_ENDPOINT_URLS"].split(",") if u.strip()],
                                "dialect": env.get("WSRL_DIALECT") or "tgi", "timeout": timeout}
        if env.get("WSRL_MODEL"):
            spec["model"] = env["WSRL_MODEL"]
        if env.get("WSRL_API_KEY"):
            spec["api_key_env"] = "WSRL_API_KEY"  # the name travels, never the value
        return spec
    if env.get("WSRL_PROVIDER"):
        if not env.get("WSRL_MODEL"):
            raise ConfigError("WSRL_PROVIDER needs WSRL_MODEL (the model the provider serves)")
        return {"provider": env["WSRL_PROVIDER"], "model": env["WSRL_MODEL"], "dialect": "openai",
                "api_key_env": "HF_TOKEN", "timeout": timeout}
    return {"embedded": env.get("WSRL_EMBEDDED") or "default", "timeout": timeout}


def config_from_env(env: Mapping[str, str] | None = None) -> dict:
    """The build's config (its defaults for seed, personas, sampling) with the Space's endpoint,
    and the graded reading's bar when the Space's owner measured one for a served model."""
    env = os.environ if env is None else env
    overrides: dict[str, Any] = {"endpoints": {"default": endpoint_from_env(env)}}
    if env.get("WSRL_SUPPORT_THRESHOLD"):
        overrides["support_threshold"] = _number_or_word(env["WSRL_SUPPORT_THRESHOLD"])
    return load_config(None, overrides)


def _number_or_word(value: str) -> float | str:
    """"0.6" as the number the config takes; a word ("auto") as it is, for the config to judge."""
    try:
        return float(value)
    except ValueError:
        return value.strip()


@dataclass
class Backend:
    """The configured endpoints, open for the app's lifetime (an embedded server runs inside)."""

    cfg: dict
    client: LLMClient
    models: dict[str, str]  # per stage, as the records name them
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    deadline: float = field(default_factory=lambda: float(os.environ.get("WSRL_DEADLINE") or 600))

    def close(self) -> None:
        self.stack.close()


def open_backend(cfg: dict) -> Backend:
    """Start what the config asks for (the embedded server, if any) exactly as the build does."""
    from webscale_rl.builder.pipeline import running_endpoints

    stack = contextlib.ExitStack()
    endpoints, endpoint_models = stack.enter_context(running_endpoints(cfg))
    models = Settings.from_config(cfg).stage_models(endpoint_models)
    return Backend(cfg=cfg, client=LLMClient(endpoints), models=models, stack=stack)


@lru_cache(maxsize=1)
def sample_ids() -> dict[str, str]:
    """Text -> id of the shipped sample corpus."""
    return {row["text"]: str(row["id"]) for row in sample_corpus_rows()}


def document_id(text: str) -> str:
    """The id the build gives this text: its sample-corpus id, else the content hash an id-less
    record gets. Seeds derive from it, so the same text gets the same pairs as in a build."""
    return sample_ids().get(text) or content_id(text)


def too_long(text: str) -> str | None:
    """The visitor-facing message when a text is over the cap, else None."""
    if len(text) <= MAX_CHARS:
        return None
    return (f"This text has {len(text):,} characters; the demo takes at most {MAX_CHARS:,} "
            f"(the length a build sends to the model). Paste a shorter part of it.")


def prefilter_drop(doc: Document, cfg: dict) -> str | None:
    """The build's heuristic pre-filter on one document: the first drop reason, else None."""
    return first_drop(prefilter_steps(cfg["prefilter"]), doc)


def plain(reason: str) -> str:
    """A drop reason in plain words (builder/drop_reasons.py), or its name if not registered."""
    try:
        return explain(reason)
    except KeyError:
        return reason.replace("_", " ")


def unavailable(reason: str) -> bool:
    """A model call that got no usable answer from the endpoint (not a verdict on the text)."""
    return reason.startswith("llm_") and (reason.endswith(UNAVAILABLE_KINDS) or "_http_" in reason)


def stage_of(payload: dict, max_personas: int, earlier: list[str]) -> str:
    """Which stage sent a payload, for the live log: told by the stage's JSON schema (the build's
    own objects); a call after a check call is part of the check. `name_calls` settles it."""
    schema = payload.get("schema")
    for name, module in (("opening", opening), ("screen", screen), ("filter", filter_stage), ("identify", identify), ("domain", domain)):
        if schema == module.SCHEMA:
            return name
    if "check" in earlier or any(schema == check.schema(n) for n in range(1, max_personas + 1)):
        return "check"
    return "generate"


def name_calls(calls: list[Call], usage: dict[str, dict]) -> None:
    """Name each answered call by the account the rollout charged it to: stages run one after
    another, so the accounts, in order, cover the answered calls in order."""
    names = [account for account, tally in usage.items() for _ in range(tally["calls"])]
    answered = [call for call in calls if call.state == "done"]
    if len(names) == len(answered):
        for call, name in zip(answered, names):
            call.stage = name


@dataclass
class Call:
    """One model call as the live view shows it."""

    stage: str
    started: float
    seconds: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    state: str = "running"  # running | done | failed
    reply: dict | None = None  # the parsed reply of a finished call


@dataclass
class Run:
    """Everything known about one document so far; the views render it at every update."""

    text: str
    doc_id: str
    call_plan: str
    started: float = field(default_factory=time.monotonic)
    calls: list[Call] = field(default_factory=list)
    prefilter_reason: str | None = None
    result: dict | None = None
    records: list[dict] = field(default_factory=list)
    late_drops: list[tuple[dict, str]] = field(default_factory=list)  # dataset-wide drops (near duplicates)
    problem: str | None = None  # a message for the visitor when the model could not be used
    finished: bool = False
    version: int = 0  # bumped at every change, so the page updates only when there is news

    def early_screen(self, max_personas: int) -> dict:
        """The filter verdict, domain and personas as soon as their calls have answered, decided
        by the stages' own `decide` (the final result replaces them)."""
        found: dict[str, Any] = {}
        for call in self.calls:
            if call.reply is None:
                continue
            if call.stage == "opening":  # it can only drop: a whole opening is not yet the filter's verdict
                start = opening.decide(call.reply)
                if not start.keep:
                    found.update(keep=False, reason=start.reason, rationale=start.data.get("rationale", ""))
            if call.stage in ("screen", "filter"):  # screen decides the filter verdict first, as here
                verdict = filter_stage.decide(call.reply)
                found.update(keep=verdict.keep, reason=verdict.reason, rationale=verdict.data.get("rationale", ""))
                if not verdict.keep:
                    continue
            if call.stage in ("screen", "identify"):
                found.update(personas=identify.decide(call.reply, max_personas).data.get("personas", []))
            if call.stage == "domain":
                found.update(domain=domain.decide(call.reply))
        return found


class Recorder:
    """Wraps `generate` so each call reports its stage, time and tokens while the rollout runs."""

    def __init__(self, generate: Callable[[dict], Awaitable[Any]], run: Run, max_personas: int,
                 changed: Callable[[], None]) -> None:
        self.generate = generate
        self.run = run
        self.max_personas = max_personas
        self.changed = changed

    async def __call__(self, payload: dict) -> Any:
        call = Call(stage_of(payload, self.max_personas, [c.stage for c in self.run.calls]), time.monotonic())
        self.run.calls.append(call)
        self._changed()
        try:
            result = await self.generate(payload)
        except Exception:
            call.state, call.seconds = "failed", time.monotonic() - call.started
            self._changed()
            raise
        call.state, call.seconds = "done", time.monotonic() - call.started
        usage = getattr(result, "usage", None) or {}
        call.prompt_tokens = int(usage.get("prompt_tokens") or 0)
        call.completion_tokens = int(usage.get("completion_tokens") or 0)
        with contextlib.suppress(Exception):  # an unusable reply is the rollout's to judge and name
            call.reply = parse_json(result.text, payload.get("schema"), result.finish_reason)
        self._changed()
        return result

    def _changed(self) -> None:
        self.run.version += 1
        self.changed()


def records_of(run: Run, result: dict, backend: Backend) -> tuple[list[dict], list[tuple[dict, str]]]:
    """Records in the dataset's `default` schema, made by the build's own functions, and the
    records the build's dataset-wide step would drop (near-duplicate questions), with reasons."""
    cfg = copy.deepcopy(backend.cfg) | {"call_plan": run.call_plan}
    doc = {"id": run.doc_id, "text": run.text, "metadata": {"rollout_results": [result]}}
    records, _ = make_records([doc], cfg, backend.models)
    drops: Counter = Counter()
    kept = drop_across_dataset(copy.deepcopy(records), cfg, drops)
    kept_ids = {r["id"] for r in kept}
    reason = ", ".join(sorted(drops))
    return kept, [(r, reason) for r in records if r["id"] not in kept_ids]


def new_run(text: str, call_plan: str) -> Run:
    return Run(text=text, doc_id=document_id(text), call_plan=call_plan)


async def run_document(run: Run, backend: Backend, changed: Callable[[], None] = lambda: None) -> Run:
    """Pre-filter, rollout and records for one text, filling in `run` and calling `changed`
    at each step; never raises for anything a model does."""
    doc = Document(id=run.doc_id, text=run.text)
    run.prefilter_reason = prefilter_drop(doc, backend.cfg)
    if run.prefilter_reason is None:
        settings = Settings.from_config(backend.cfg, run.call_plan)
        generate = Recorder(backend.client.generate, run, settings.max_personas, changed)
        try:
            run.result = await asyncio.wait_for(rollout(doc, generate, settings), timeout=backend.deadline)
        except asyncio.TimeoutError:
            run.problem = (f"The model took longer than {backend.deadline:g} s on this document. "
                           "It may be busy with other visitors: please try again in a minute.")
        if run.result is not None:
            name_calls(run.calls, run.result["usage"])
            reason = run.result["drop_reason"]
            if unavailable(reason):
                run.problem = ("The model endpoint is not answering right now, so nothing was decided about "
                               "your text. Please try again in a minute.")
            run.records, run.late_drops = records_of(run, run.result, backend)
    run.finished = True
    run.version += 1
    changed()
    return run


def write_jsonl(records: list[dict], doc_id: str, call_plan: str) -> Path | None:
    """The kept pairs as a JSONL file in the `default` schema, for the download button."""
    if not records:
        return None
    folder = Path(tempfile.mkdtemp(prefix="webscale-rl-space-"))
    path = folder / f"webscale-rl-{doc_id[:16]}-{call_plan}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
