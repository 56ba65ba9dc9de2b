"""One document through the four LLM stages (and the optional difficulty stage), under
either call plan.

`rollout(doc, generate, settings=...)` is datatrove's rollout signature: the batch pipeline
passes the InferenceRunner's `generate` (replay cache, checkpoints), the CLI and the Space
pass `LLMClient.generate`. It never raises: every outcome is a result dict that either
carries kept pairs or names the one reason the document was dropped, so the funnel adds up.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

from datatrove.pipeline.inference.types import InferenceError

from webscale_rl.builder import checks, facts
from webscale_rl.builder.config import DEFAULTS, LLM_STAGES, SCREEN, ConfigError, sampling, stage_endpoints, support_threshold
from webscale_rl.builder.stages import (
    check,
    domain,
    filter as filter_stage,
    generate as generate_stage,
    identify,
    opening,
    screen,
    solve,
)
from webscale_rl.builder.stages.common import StageResult, stable_seed, usage_of
from webscale_rl.models import PRESETS
from webscale_rl.transport import LLMError, chat_payload, first_token_logprobs, parse_json

logger = logging.getLogger(__name__)

STAGES = LLM_STAGES


def _default_sampling(key: str) -> dict:
    values = {stage: DEFAULTS["sampling"][stage][key] for stage in STAGES}
    return {**values, SCREEN: values["filter"]}


@dataclass
class Settings:
    """What a rollout needs from the build config; plain data so executors can pickle it."""

    call_plan: str = "fused"  # "fused" | "paper"
    seed: int = 0
    max_personas: int = 3
    facts_per_persona: int = 2  # a persona whose question the code checks refuse is asked about its next fact
    demos_per_prompt: int = 2
    # Per stage, and for the fused plan's screen call (the filter's unless given); defaults: builder/config.py.
    endpoints: dict[str, str] = field(default_factory=lambda: {s: "default" for s in (*STAGES, SCREEN)})
    temperature: dict[str, float] = field(default_factory=lambda: _default_sampling("temperature"))
    max_tokens: dict[str, int] = field(default_factory=lambda: _default_sampling("max_tokens"))
    # the graded reading's bar (config.support_threshold); the default model's unless given, None: off
    support_threshold: float | None = PRESETS["default"].support_threshold
    solve_samples: int = 0  # closed-book attempts per kept question; 0: no difficulty stage
    max_solve_rate: float | None = None  # drop kept pairs the solver gets right more often than this

    def __post_init__(self) -> None:
        if self.call_plan not in ("fused", "paper"):
            raise ConfigError(f"call_plan must be 'fused' or 'paper', got {self.call_plan!r}")
        if self.facts_per_persona < 1:
            raise ConfigError(f"facts_per_persona must be at least 1, got {self.facts_per_persona}")
        for per_stage in (self.endpoints, self.temperature, self.max_tokens):
            if SCREEN not in per_stage and "filter" in per_stage:
                per_stage[SCREEN] = per_stage["filter"]

    @classmethod
    def from_config(cls, cfg: dict, call_plan: str | None = None) -> "Settings":
        """What the build config says, for the build and the Space alike."""
        difficulty = cfg["difficulty"]
        per_stage = sampling(cfg)
        return cls(call_plan=call_plan or cfg["call_plan"], seed=cfg["seed"], max_personas=cfg["max_personas"],
                   facts_per_persona=cfg["facts_per_persona"], demos_per_prompt=cfg["demos_per_prompt"], endpoints=stage_endpoints(cfg),
                   temperature={s: v["temperature"] for s, v in per_stage.items()},
                   max_tokens={s: v["max_tokens"] for s, v in per_stage.items()},
                   support_threshold=support_threshold(cfg),
                   solve_samples=difficulty["samples"] if difficulty["enabled"] else 0,
                   max_solve_rate=difficulty["max_solve_rate"] if difficulty["enabled"] else None)

    @property
    def stages(self) -> list[str]:
        """The stages this build runs."""
        return [s for s in STAGES if s != "solve" or self.solve_samples]

    def stage_models(self, endpoint_models: dict[str, str]) -> dict[str, str | None]:
        """The model of every stage, as records carry it: None for a stage this build skips
        (the same keys in the build's parquet rows and in the Space's JSON)."""
        return {s: endpoint_models[self.endpoints[s]] if s in self.stages else None for s in STAGES}


class Progress:
    """Documents finished, pairs kept and tokens spent in this process, read by the live
    progress line and the token budget."""

    lock = threading.Lock()
    documents = 0
    pairs_kept = 0
    tokens = 0

    @classmethod
    def add(cls, pairs: int, tokens: int = 0) -> None:
        with cls.lock:
            cls.documents += 1
            cls.pairs_kept += pairs
            cls.tokens += tokens


def tokens_of(result: dict) -> int:
    """Prompt + completion tokens of one rollout result, over all its calls."""
    return sum(t.get("prompt_tokens", 0) + t.get("completion_tokens", 0) for t in (result.get("usage") or {}).values())


class _Dropped(Exception):
    """Ends a rollout early with a document-level drop reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Caller:
    """Builds payloads for one document and keeps its per-stage token accounts."""

    def __init__(self, doc_id: str, generate: Callable[[dict], Awaitable[Any]], settings: Settings) -> None:
        self.doc_id = doc_id
        self.generate = generate
        self.settings = settings
        self.usage: dict[str, dict[str, int]] = {}

    async def __call__(self, stage: str, messages: list[dict], schema: dict | None, salt: object = "", account: str | None = None,
                       top_logprobs: int | None = None) -> dict | str:
        """The reply parsed against `schema`, or its plain text when there is none; asked for
        `top_logprobs`, the first token's alternatives ({token: log probability}) instead."""
        account = account or stage
        payload = chat_payload(
            messages, schema=schema, endpoint=self.settings.endpoints.get(stage, "default"),
            max_tokens=1 if top_logprobs else self.settings.max_tokens[stage], temperature=self.settings.temperature[stage],
            seed=stable_seed(self.doc_id, self.settings.seed, account, salt), top_logprobs=top_logprobs,
        )
        started = time.monotonic()
        result = await self.generate(payload)
        tally = self.usage.setdefault(account, {"calls": 0, "prompt_tokens": 0, "cached_prompt_tokens": 0,
                                                "completion_tokens": 0, "seconds": 0.0})
        tally["calls"] += 1
        tally["seconds"] = round(tally["seconds"] + time.monotonic() - started, 3)
        for key, value in usage_of(result).items():
            tally[key] += value
        if top_logprobs:
            return first_token_logprobs(result)
        return parse_json(result.text, schema, result.finish_reason) if schema is not None else result.text or ""


# What a failed call can raise: our typed errors, or datatrove's wrapper around them.
CALL_ERRORS = (LLMError, InferenceError)


def _error_reason(stage: str, err: Exception) -> str:
    """e.g. llm_generate_truncated, llm_check_http_503, llm_screen_timeout."""
    kind = getattr(err, "kind", None) or getattr(err.__cause__, "kind", None) or "error"
    return f"llm_{stage}_{kind}"


async def _guard(stage: str, coro) -> Any:
    """Turn a failed call into a document drop named after the stage and the failure."""
    try:
        return await coro
    except CALL_ERRORS as err:
        raise _Dropped(_error_reason(stage, err)) from None


async def rollout(doc, generate: Callable[[dict], Awaitable[Any]], settings: Settings | dict | None = None) -> dict:
    settings = settings if isinstance(settings, Settings) else Settings(**(settings or {}))
    call = _Caller(str(doc.id), generate, settings)
    result: dict[str, Any] = {"status": "dropped", "drop_reason": "", "domain": None, "personas": [],
                              "pairs": [], "pairs_generated": 0, "pair_drops": {}, "dropped_pairs": [],
                              "filter_rationale": ""}
    try:
        screened = await _screen(doc.text, call, settings)
        result["filter_rationale"] = screened.data.get("rationale", "")
        if not screened.keep:
            raise _Dropped(screened.reason)
        result["personas"] = screened.data["personas"]
        subject = result["filter_rationale"]  # the topic the screen named, e.g. "Pine Hollow Campground"
        result["domain"] = domain.decide(await _guard("domain", call("identify", domain.messages(subject), domain.SCHEMA, account="domain")))
        pairs, failures = await _generate(doc, call, settings, result["domain"], subject, result["personas"])
        result["pairs_generated"] = len(pairs) + len(failures)
        _drop(result, failures)
        kept, rejected = await _check(doc.text, call, settings, pairs)
        _drop(result, rejected)
        if kept and settings.solve_samples:
            kept, too_easy = await _solve(kept, call, settings)
            _drop(result, too_easy)
        result["pairs"] = kept
        if kept:
            result["status"] = "kept"
        else:
            result["drop_reason"] = "no_pair_kept"
    except _Dropped as dropped:
        result["drop_reason"] = dropped.reason
    except Exception as err:  # a bug must not kill the task; it is counted and logged loudly
        logger.exception("rollout failed on document %s", doc.id)
        result["drop_reason"] = f"rollout_error_{type(err).__name__}"
    result["usage"] = call.usage
    Progress.add(len(result["pairs"]), tokens_of(result))
    return result


def _drop(result: dict, dropped: list[tuple[dict, str]]) -> None:
    """Count each dropped pair under its reason and keep it, reason attached, for inspection
    (the Space shows them; the funnel only counts them)."""
    for pair, reason in dropped:
        result["pair_drops"][reason] = result["pair_drops"].get(reason, 0) + 1
        result["dropped_pairs"].append(pair | {"reason": reason})


async def _screen(document: str, call: _Caller, settings: Settings) -> StageResult:
    """Stage 1 and the topic and personas of stage 2: first, unless the document opens with a
    title, the short look at the opening that catches a fragment (`opening`, with the filter's
    endpoint and sampling), then the screen (fused) or the filter and identify calls (paper)."""
    if not opening.titled(document):
        start = opening.decide(await _guard("opening", call("filter", opening.messages(document), opening.SCHEMA, account="opening")))
        if not start.keep:
            return start
    if settings.call_plan == "fused":
        reply = await _guard("screen", call(SCREEN, screen.messages(document), screen.SCHEMA, account="screen"))
        return screen.decide(reply, settings.max_personas)
    verdict = filter_stage.decide(await _guard("filter", call("filter", filter_stage.messages(document), filter_stage.SCHEMA)))
    if not verdict.keep:
        return verdict
    classified = identify.decide(await _guard("identify", call("identify", identify.messages(document), identify.SCHEMA)), settings.max_personas)
    classified.data["rationale"] = verdict.data["rationale"]
    return classified


async def _generate(doc, call: _Caller, settings: Settings, domain: str, subject: str, personas: list[str]) -> tuple[list[dict], list[tuple[dict, str]]]:
    """Pairs that pass the code checks, and every other outcome as (pair or persona, reason).
    Code gives each persona a fact of the document (`facts.assign`); a persona left without one
    gets no call. A persona whose question the code checks refuse for its wording (or that the
    model skipped; `_worth_another_fact`) gets a fact from a source (a sentence, or a clause a
    place scopes) not asked about yet, up to `facts_per_persona` facts: the generate call
    carries no document, so another question costs little next to the check
    readings, which then judge all survivors at once. Still at most one pair per persona."""
    pool = facts.candidates(doc.text, subject)
    used: set[tuple[str, str]] = set()
    waiting, passed, dropped = list(personas), [], []
    for attempt in range(settings.facts_per_persona):
        chosen = facts.assign([fact for fact in pool if fact.source not in used], waiting, subject)
        items = [(persona, fact) for persona, fact in zip(waiting, chosen) if fact is not None]
        if attempt == 0:  # on a later attempt the persona's refused pair is already counted
            dropped += [({"persona": persona}, "no_fact_for_persona") for persona, fact in zip(waiting, chosen) if fact is None]
        if not items:
            break
        used |= {fact.source for _, fact in items}
        pairs, unasked = await _write_questions(call, settings, domain, subject, items, attempt)
        survivors, refused = _code_checks(pairs, doc.text, subject, personas)
        passed += survivors
        dropped += unasked + refused
        waiting = [pair["persona"] for pair, reason in unasked + refused if _worth_another_fact(reason)]
    return passed, dropped


def _worth_another_fact(reason: str) -> bool:
    """A question refused for its wording (it gives its answer away, asks for another kind of
    value) is worth another fact. One that could not name what it asks about is not: its
    document's things are mostly unnamed too (a local story's hospital, committee or section).
    On two sample builds, the six second questions kept after wording refusals were all good,
    the three kept after "not specific" refusals all bad. Nor is an answer the check readings
    did not confirm: given another fact and readings of their own, such personas kept one pair
    in each of two runs of the sample corpus, and both were bad ("Which tram number goes to
    the Graça stop in Lisbon?" -> 12, where tram 28 stops too). Nor is a failed call, which the
    transport has already retried."""
    return not reason.startswith("llm_") and reason != "question_not_specific"


async def _write_questions(call: _Caller, settings: Settings, domain: str, subject: str,
                           items: list[tuple[str, facts.Fact]], attempt: int) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The generate stage on (persona, fact) items. Fused: one call, whose failure drops the
    document on the first attempt and only these personas' further facts later; paper: one
    call per persona, whose failure loses only that persona's pair."""
    k = settings.demos_per_prompt
    if settings.call_plan == "fused":
        demos = generate_stage.pick_demos(domain, settings.seed, k=k)
        asked = call("generate", generate_stage.messages(subject, items, demos), generate_stage.schema(len(items)), salt=attempt or "")
        if not attempt:
            reply = await _guard("generate", asked)
        else:
            try:
                reply = await asked
            except CALL_ERRORS as err:
                return [], [({"persona": persona}, _error_reason("generate", err)) for persona, _ in items]
        written = generate_stage.decide(reply, items).data
        return written["pairs"], written["unasked"]
    pairs, failures = [], []
    for i, item in enumerate(items):
        demos = generate_stage.pick_demos(domain, settings.seed, salt=i, k=k)
        try:
            reply = await call("generate", generate_stage.messages(subject, [item], demos), generate_stage.schema(1),
                               salt=(attempt, i) if attempt else i)
        except CALL_ERRORS as err:
            failures.append(({"persona": item[0]}, _error_reason("generate", err)))
            continue
        pairs += generate_stage.decide(reply, [item]).data["pairs"]
    return pairs, failures


def _code_checks(pairs: list[dict], document: str, subject: str, personas: Sequence[str] = ()) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The deterministic checks (`checks.check_pair`): free, so they run before any reading."""
    survivors, rejected = [], []
    for pair in pairs:
        failed = checks.check_pair(pair, document, subject, personas)
        if failed:
            rejected.append((pair, failed[0]))
        else:
            survivors.append(pair)
    return survivors, rejected


async def judge_pairs(document: str, subject: str, pairs: list[dict], doc_id: str,
                      generate: Callable[[dict], Awaitable[Any]], settings: Settings | None = None,
                      personas: Sequence[str] = ()) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The keep decision on generated pairs, apart from generating them: what the audit of
    hand-labelled pairs (`webscale-rl audit`) measures. `personas` are the document's, which
    a build's code checks see too. Call failures become drop reasons."""
    settings = settings or Settings()
    try:
        return await _judge(document, subject, pairs, personas, _Caller(doc_id, generate, settings), settings)
    except _Dropped as dropped:
        return [], [(pair, dropped.reason) for pair in pairs]


async def _judge(document: str, subject: str, pairs: list[dict], personas: Sequence[str], call: _Caller,
                 settings: Settings) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The deterministic checks first (free), then the check stage on the survivors."""
    survivors, rejected = _code_checks(pairs, document, subject, personas)
    kept, dropped = await _check(document, call, settings, survivors)
    return kept, rejected + dropped


async def _check(document: str, call: _Caller, settings: Settings, pairs: list[dict]) -> tuple[list[dict], list[tuple[dict, str]]]:
    """Kept pairs (with verdicts attached) and the rest with their drop reasons. The check
    stage's readings run in turn (`check.readings`), each only on the pairs that passed the
    one before, so a pair dropped early costs no further tokens."""
    passed, rejected = [(pair, {}) for pair in pairs], []
    for reading in check.readings(document, settings.support_threshold):
        read = [i for i, (pair, _) in enumerate(passed) if reading.reads(pair)]
        replies = await _ask(call, settings, "check", [passed[i][0] for i in read], reading, account=reading.account) if read else []
        reply_to = dict(zip(read, replies))
        survivors = []
        for i, (pair, record) in enumerate(passed):
            if i not in reply_to:  # not a pair this reading is for
                survivors.append((pair, record))
                continue
            reply = reply_to[i]
            if isinstance(reply, Exception):
                rejected.append((pair, _error_reason("check", reply)))
                continue
            decision = reading.decide(reply, pair, record)
            if decision.keep:
                survivors.append((pair, decision.data))
            else:
                rejected.append((pair | {"verdicts": decision.data}, decision.reason))
        passed = survivors
    return [pair | {"verdicts": record} for pair, record in passed], rejected


async def _ask(call: _Caller, settings: Settings, stage: str, pairs: list[dict], reading, account: str | None = None) -> list:
    """One reply item per pair: one call for all of them (fused; pairs the reading keeps apart
    go in calls of their own) or one call each (paper), where a failed call stands in as the
    exception for the pairs it was about."""
    if settings.call_plan == "fused":
        # The rounds are independent calls, so they go out together: sent one after another,
        # the graded reading's one-token calls left the server's other slots idle at the end
        # of every document (saturation 0.81 in `make bench`).
        rounds = _apart(pairs, reading.apart)

        async def ask(round_: int, batch: list[int]) -> list:
            asked = [pairs[i] for i in batch]
            reply = await _guard(stage, call(stage, reading.messages(asked), reading.schema(len(asked)), salt=round_ or "",
                                             account=account, top_logprobs=reading.top_logprobs))
            return reading.items(reply, asked)

        replies = await asyncio.gather(*(ask(round_, batch) for round_, batch in enumerate(rounds)), return_exceptions=True)
        failed = next((r for r in replies if isinstance(r, BaseException)), None)
        if failed is not None:
            raise failed
        out: list = [None] * len(pairs)
        for batch, items in zip(rounds, replies):
            for i, item in zip(batch, items):
                out[i] = item
        return out
    out: list = []
    for i, pair in enumerate(pairs):
        try:
            out += reading.items(await call(stage, reading.messages([pair]), reading.schema(1), salt=i, account=account,
                                            top_logprobs=reading.top_logprobs), [pair])
        except CALL_ERRORS as err:
            out.append(err)
    return out


def _apart(pairs: list[dict], key: Callable[[dict], str] | None) -> list[list[int]]:
    """Indices of the pairs in rounds where no two share the key: the first of each key, then
    the second, and so on. One round when no key repeats (or none is given)."""
    if key is None:
        return [list(range(len(pairs)))]
    rounds: list[list[int]] = []
    seen: Counter[str] = Counter()
    for i, pair in enumerate(pairs):
        k = key(pair)
        at = seen[k]
        seen[k] += 1
        if at == len(rounds):
            rounds.append([])
        rounds[at].append(i)
    return rounds


async def rate_difficulty(pairs: list[dict], doc_id: str, generate: Callable[[dict], Awaitable[Any]],
                          settings: Settings) -> tuple[list[dict], list[tuple[dict, str]]]:
    """The difficulty stage on given pairs, apart from a build (tests, notebooks)."""
    return await _solve(pairs, _Caller(doc_id, generate, settings), settings)


async def _solve(pairs: list[dict], call: _Caller, settings: Settings) -> tuple[list[dict], list[tuple[dict, str]]]:
    """Difficulty: `solve_samples` closed-book attempts per kept question, all in flight at
    once; each pair gets its `solve_rate`, and the ones over `max_solve_rate` are dropped.
    A failed attempt is left out of the rate; a pair whose attempts all failed keeps None."""

    async def attempt(i: int, j: int) -> str | None:
        try:
            return await call("solve", solve.messages(pairs[i]["question"]), None, salt=(i, j))
        except CALL_ERRORS:
            return None

    replies = await asyncio.gather(*(attempt(i, j) for i in range(len(pairs)) for j in range(settings.solve_samples)))
    kept, dropped = [], []
    for i, pair in enumerate(pairs):
        attempts = [r for r in replies[i * settings.solve_samples:(i + 1) * settings.solve_samples] if r is not None]
        rated = pair | {"solve_rate": solve.solve_rate(attempts, pair)}
        if solve.too_easy(rated["solve_rate"], settings.max_solve_rate):
            dropped.append((rated, "too_easy"))
        else:
            kept.append(rated)
    return kept, dropped
