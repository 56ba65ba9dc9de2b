"""Pair quality on the real default model: figures printed, only invariants asserted.

Runs the rollout (fused plan) against the real embedded server on one document of each domain
of the sample corpus: every other one through all its calls, the rest as far as their domain
(the opening, screen and domain calls; a titled document gets no opening call), the planted
fragments as far as the screen. It prints:
- domain accuracy against the corpus's own `meta.domain` labels (written with the documents,
  never shown to the model), on all ten;
- how often the model's generated answers are stated in a sentence of the document at all,
  before any check (a property of generation, not a re-run of a filter on its own output);
- kept pairs per document and seconds per document of the whole rollouts;
- how many of the corpus's planted fragments (forum replies to messages we cannot see) the LLM
  filter drops, and how many of the ten good documents it drops as fragments.
What must always hold is asserted: every kept pair quotes a sentence of its document as
evidence, an extractive answer is in that sentence, and every drop has a registered reason."""

from __future__ import annotations

import asyncio
import time

import pytest
from datatrove.data import Document

from webscale_rl.builder.checks import EXTRACTIVE, answer_in_text, locate_evidence, sentences
from webscale_rl.builder.drop_reasons import is_registered
from webscale_rl.builder.inputs import sample_corpus_rows
from webscale_rl.builder.rollout import Settings, rollout
from webscale_rl.builder.stages import opening
from webscale_rl.builder.stages.common import DOMAINS
from webscale_rl.transport import Endpoint, LLMClient, LLMError

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # five whole rollouts at about a minute each on 2 cores


def one_per_domain() -> list[dict]:
    picked: dict[str, dict] = {}
    for row in sample_corpus_rows():
        if not row["meta"].get("planted"):
            picked.setdefault(row["meta"]["domain"], row)
    return [picked[d] for d in DOMAINS if d in picked]


def test_domain_accuracy_and_evidence_support_on_the_default_model(default_server, report):
    client = LLMClient(Endpoint(urls=[default_server.url], timeout=300))
    docs = one_per_domain()
    whole = docs[::2]  # every other domain through the whole rollout; the rest to their domain only
    fragments = [row for row in sample_corpus_rows() if row["meta"].get("planted") == "fragment"]

    def first_calls_only(n: int | None):
        """Only the rollout's first `n` calls are answered (all when None): the fused plan's
        look at the opening is its first call, the screen its second, the domain its third. A later call is refused, so the rollout
        ends there with what it had decided. A titled document gets no look at its opening, so it has one call fewer."""
        answered: list[dict] = []

        async def generate(payload: dict):
            if n is not None and len(answered) >= n:
                raise LLMError("only the first calls are measured")
            answered.append(payload)
            return await client.generate(payload)
        return generate

    async def run(rows: list[dict], calls: int | None) -> list[dict]:
        return [await rollout(Document(id=d["id"], text=d["text"]),
                              first_calls_only(calls and calls - opening.titled(d["text"])), Settings()) for d in rows]

    started = time.monotonic()
    full = asyncio.run(run(whole, None))
    seconds = time.monotonic() - started
    rest = [d for d in docs if d not in whole]
    by_id = dict(zip([d["id"] for d in whole + rest], full + asyncio.run(run(rest, 3))))
    results = [by_id[d["id"]] for d in docs]
    fragment_results = asyncio.run(run(fragments, 2))

    screened = [(d, r) for d, r in zip(docs, results) if r["domain"]]
    right = sum(r["domain"] == d["meta"]["domain"] for d, r in screened)
    # a fact the model wrote no question for is dropped with its answer and no question: not generated
    generated = [(d, p) for d, r in zip(whole, full) for p in r["pairs"] + r["dropped_pairs"] if "question" in p]
    stated = sum(bool(locate_evidence(p["question"], p["answer"], p["answer_type"], d["text"])) for d, p in generated)
    kept = sum(len(r["pairs"]) for r in full)
    fragments_dropped = sum(r["drop_reason"] == "llm_filter_not_self_contained" for r in fragment_results)
    lines = [f"{len(docs)} documents, one per domain; {len(whole)} of them through the whole rollout, {seconds / len(whole):.1f} s each",
             f"domain right against the corpus labels: {right} of {len(screened)} documents that reached the domain step",
             f"generated answers stated in a sentence of the document: {stated} of {len(generated)}",
             f"kept pairs: {kept} ({kept / len(whole):.2f} per document)",
             f"planted fragments dropped by the LLM filter: {fragments_dropped} of {len(fragments)} "
             f"({', '.join(r['drop_reason'] if r['drop_reason'].startswith('llm_filter') else 'passed' for r in fragment_results)})",
             f"good documents dropped as fragments: {sum(r['drop_reason'] == 'llm_filter_not_self_contained' for r in results)} of {len(docs)}"]
    for d, r in zip(docs, results):
        rolled = f"kept {len(r['pairs'])}  {r['drop_reason'] or ''}" if d in whole else "(domain only)"
        lines.append(f"  {d['id']} {d['meta']['domain']:26} -> {r['domain']!s:26} {rolled}")
        lines += [f"      {pair['question']} -> {pair['answer']}" for pair in r["pairs"]]
    report(*lines)

    for d, r in zip(docs + fragments, results + fragment_results):
        assert r["domain"] is None or r["domain"] in DOMAINS
        assert r["drop_reason"] == "" or is_registered(r["drop_reason"])
        assert all(is_registered(p["reason"]) for p in r["dropped_pairs"])
        for pair in r["pairs"]:
            assert pair["evidence"] in sentences(d["text"])
            if pair["answer_type"] in EXTRACTIVE:
                assert answer_in_text(pair["answer"], pair["evidence"], pair["answer_type"])
            assert pair["verdicts"]["answer_correct"] and pair["verdicts"]["evidence_supports"] and pair["verdicts"]["standalone"]
