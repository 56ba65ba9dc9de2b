"""A run, as the page shows it: markdown panels, highlighted evidence and table rows.

Pure functions of `engine.Run`, so they are tested without a browser. Everything the model
wrote is escaped before it goes into markdown: a document (or a reply) that carries markup or
instructions is shown as text, never rendered or obeyed."""

from __future__ import annotations

import re
import time

from webscale_rl.builder.checks import answer_uses
from webscale_rl.builder.stages import opening
from webscale_rl.space.engine import STAGE_TITLES, Run, plain

# A kept pair's evidence is highlighted in the document, so the table leaves room for the verdicts.
KEPT_HEADERS = ["#", "question", "answer", "answer type", "persona", "context sufficient", "answer correct",
                "no leakage", "reviewer's blind answer", "clear without the document", "answer from the evidence alone",
                "support P(yes)"]
# The verdict columns are as wide as their headers' longest words: on a 1400-pixel page 7% holds
# "document" and "evidence", and "sufficient" and "reviewer's" need 10%; narrower, a header
# breaks inside a word.
KEPT_WIDTHS = ["3%", "17%", "9%", "7%", "9%", "10%", "7%", "7%", "10%", "7%", "7%", "7%"]
DROPPED_HEADERS = ["#", "question", "answer", "answer type", "dropped because", "reason code", "reviewer's blind answer"]
# "dropped because" holds a sentence (a reason in plain words, with its examples): it gets the room.
DROPPED_WIDTHS = ["3%", "27%", "11%", "7%", "32%", "10%", "10%"]
USAGE_HEADERS = ["stage", "calls", "prompt tokens", "completion tokens", "seconds"]
PLANS = {"fused": "fused: a short look at the opening (none for a titled document), filter + identify in one call, the domain in a short call on the "
                  "topic, all questions in one call, each of the check's first three readings in one call for all pairs "
                  "(at most 8 calls, but for pairs that cite one sentence, which the evidence reading takes apart), "
                  "and the graded reading in a one-token call per pair",
         "paper": "paper: the look at the opening (none for a titled document), then one call per stage and per persona, as in the paper (4 + 2k "
                  "calls for k personas), "
                  "and the check's three further readings per surviving pair"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def esc(text: object) -> str:
    """Model or visitor text made inert inside markdown."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def _yes_no(value: object) -> str:
    return {True: "yes", False: "no"}.get(value, "-")


def status_md(run: Run) -> str:
    """The live stage log while the rollout runs, then the outcome in one line."""
    lines = [f"**Call plan:** {PLANS[run.call_plan]}", ""]
    if run.prefilter_reason is None:
        lines += ["| # | stage | status | s | tokens in / out |", "|---|---|---|---|---|"]
        now = time.monotonic()
        for i, call in enumerate(run.calls, 1):
            seconds = call.seconds if call.seconds is not None else now - call.started
            state = {"running": "running...", "done": "done", "failed": "failed"}[call.state]
            tokens = f"{call.prompt_tokens} / {call.completion_tokens}" if call.state == "done" else ""
            lines.append(f"| {i} | {STAGE_TITLES.get(call.stage, call.stage)} | {state} | {seconds:.1f} | {tokens} |")
    lines += ["", outcome_md(run)]
    return "\n".join(lines)


def outcome_md(run: Run) -> str:
    if not run.finished:
        running = next((c.stage for c in reversed(run.calls) if c.state == "running"), None)
        where = f"stage **{STAGE_TITLES.get(running, running)}**" if running else "the pre-filter"
        return f"Running: {where}, {time.monotonic() - run.started:.0f} s so far."
    if run.prefilter_reason:
        return (f"**Dropped before any model call** by the build's heuristic pre-filter: "
                f"{esc(plain(run.prefilter_reason))} (`{run.prefilter_reason}`).")
    if run.problem:
        return f"**Sorry:** {run.problem}"
    result = run.result or {}
    total = f"{time.monotonic() - run.started:.0f} s"
    if run.records:
        return f"**Done in {total}: {len(run.records)} QA pair(s) kept** of {result.get('pairs_generated', 0)} generated."
    reason = result.get("drop_reason") or "no_pair_kept"
    return f"**Done in {total}: no pair kept.** {esc(plain(reason))} (`{reason}`)."


def filter_md(run: Run, early: dict) -> str:
    """Stage 1, the LLM filter: its verdict, the reason, and the model's topic line (decided
    by the stage's own `decide` on the reply the rollout got)."""
    if "keep" not in early:
        return "### 1. Filter\n" + ("not reached." if run.finished else "waiting for the model...")
    verdict = "**kept** (informative and self-contained)" if early["keep"] else f"**dropped**: {esc(plain(early['reason']))}"
    titled = "\n\nIt opens with a title, so no call looked at its opening for a fragment." if opening.titled(run.text) else ""
    return f"### 1. Filter\n{verdict}\n\nThe model read it as: *{esc(early['rationale']) or '-'}*{titled}"


def identity_md(run: Run, early: dict) -> str:
    """Stage 2: the document's domain and the personas who would ask about it."""
    result = run.result
    domain = (result or {}).get("domain") or early.get("domain")
    personas = (result or {}).get("personas") or early.get("personas") or []
    if not domain:
        return "### 2. Domain and personas\n" + ("not reached." if run.finished or early.get("keep") is False
                                                 else "waiting for the model...")
    who = "\n".join(f"- {esc(p)}" for p in personas) or "- (none)"
    return f"### 2. Domain and personas\n**{esc(domain)}**\n\n{who}"


def numbered_pairs(run: Run) -> tuple[list[tuple[str, dict]], list[tuple[str, dict, str]]]:
    """(label, pair) of kept pairs and (label, pair, reason) of dropped ones, in display order."""
    result = run.result or {}
    kept = [(f"Q{i}", pair) for i, pair in enumerate(run.records, 1)]
    dropped = [(pair, pair["reason"]) for pair in result.get("dropped_pairs", [])] + list(run.late_drops)
    return kept, [(f"D{i}", pair, reason) for i, (pair, reason) in enumerate(dropped, 1)]


def evidence_spans(run: Run) -> tuple[list[tuple[str, str | None]], dict[str, str]]:
    """The document cut into (text, label) pieces, each pair's evidence sentence labelled with
    the pair, and the colours of the labels (kept green, dropped red)."""
    kept, dropped = numbered_pairs(run)
    spans: dict[tuple[int, int], list[str]] = {}
    for label, pair in [*kept, *((label, pair) for label, pair, _ in dropped)]:
        words = (pair.get("evidence") or "").split()
        # evidence is quoted with the writer's line wraps undone (`checks.lines`)
        found = re.search(r"\s+".join(map(re.escape, words)), run.text) if words else None
        if found:
            spans.setdefault(found.span(), []).append(label)
    pieces, colours, at = [], {}, 0
    for (start, end), labels in sorted(spans.items()):
        if start < at:  # overlaps an earlier span: that one is shown
            continue
        label = ", ".join(labels) + (" kept" if labels[0].startswith("Q") else " dropped")
        colours[label] = "#34d399" if labels[0].startswith("Q") else "#f87171"
        pieces += [(run.text[at:start], None), (run.text[start:end], label)]
        at = end
    pieces.append((run.text[at:], None))
    return [p for p in pieces if p[0]], colours


def kept_rows(run: Run) -> list[list[str]]:
    kept, _ = numbered_pairs(run)
    rows = []
    for label, pair in kept:
        verdicts = pair.get("verdicts") or {}
        rows.append([label, pair["question"], pair["answer"], pair["answer_type"], pair.get("persona", ""),
                     _yes_no(verdicts.get("context_sufficient")),
                     _yes_no(verdicts.get("answer_correct")), _yes_no(verdicts.get("no_leakage")),
                     verdicts.get("reader_answer", ""), _yes_no(verdicts.get("standalone")),
                     verdicts.get("evidence_answer", ""), _share(verdicts.get("support"))])
    return rows


def _share(p: float | None) -> str:
    """The fourth reading's P(yes) as a percentage; a computed answer is not read."""
    return "" if p is None else f"{p:.0%}"


def dropped_rows(run: Run) -> list[list[str]]:
    _, dropped = numbered_pairs(run)
    return [[label, pair.get("question", "(no pair written)"), pair.get("answer", ""), pair.get("answer_type", ""),
             why_dropped(pair, reason), reason, (pair.get("verdicts") or {}).get("reader_answer", "(not checked)")]
            for label, pair, reason in dropped]


def why_dropped(pair: dict, reason: str) -> str:
    """The reason in plain words; for an answer cut short or missing its unit, the evidence's
    words around the answer instead of the reason's catalogue of examples, so that a visitor
    sees what this answer left out ("...a minimum of 10 minutes...")."""
    text = plain(reason)
    around = _words_around(pair.get("answer", ""), pair.get("evidence", "")) if reason in _ABOUT_THE_WORDS_AROUND else ""
    if not around:
        return text
    return f"{text.split(':', 1)[0]}: \u201c{around}\u201d"


# Reasons about what the evidence says next to the answer.
_ABOUT_THE_WORDS_AROUND = {"answer_cut_short", "answer_lacks_unit"}


def _words_around(answer: str, evidence: str, n: int = 4) -> str:
    """The first place the evidence states the answer, with up to n words either side ("..."
    where the sentence goes on)."""
    uses = answer_uses(answer, evidence)
    if not uses:
        return ""
    at = uses[0]
    before, after = evidence[:at.start()].split(), evidence[at.end():].split()
    return " ".join((["..."] if len(before) > n else []) + before[-n:] + [at.group(0)] + after[:n] + (["..."] if len(after) > n else []))


def usage_rows(run: Run) -> list[list[object]]:
    """Per stage: calls, tokens and seconds (the rollout's accounts once it has finished)."""
    usage = (run.result or {}).get("usage")
    if usage is None:
        usage = {}
        for call in run.calls:
            tally = usage.setdefault(call.stage, {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "seconds": 0.0})
            tally["calls"] += 1
            tally["prompt_tokens"] += call.prompt_tokens
            tally["completion_tokens"] += call.completion_tokens
            tally["seconds"] += call.seconds or 0.0
    rows = [[STAGE_TITLES.get(stage, stage), t["calls"], t["prompt_tokens"], t["completion_tokens"], round(t["seconds"], 1)]
            for stage, t in usage.items()]
    if rows:
        rows.append(["total", *(sum(r[i] for r in rows) for i in (1, 2, 3)), round(sum(r[4] for r in rows), 1)])
    return rows
