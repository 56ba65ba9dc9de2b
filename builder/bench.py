"""`make bench`: one table of figures measured side by side in one run, written as Markdown and
JSON with the date, the machine and the model.

- Pre-LLM stages: documents per second of our read + pre-filter + dedup against a plain
  datatrove pipeline of the same blocks on the same documents.
- Call plans: `fused` and `paper` on the same sample documents and the same real server:
  calls, prompt tokens, prompt tokens served from the server's cache, completion tokens and
  kept pairs per document, and tokens per kept pair.
- Saturation: completion tokens per second that the pipeline's fused run drives through a
  fresh server, divided by what a plain load generator gets replaying the same requests, at
  the same number of requests in flight, straight to another fresh server.
- Peak memory of a build process (a small build on the tiny preset).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import yaml
from datatrove.data import Document

from webscale_rl.builder.config import DEFAULTS
from webscale_rl.builder.inputs import sample_corpus_rows
from webscale_rl.builder.rollout import Settings, rollout, tokens_of
from webscale_rl.models import PRESETS
from webscale_rl.server import EmbeddedServer
from webscale_rl.transport import Endpoint, LLMClient, response_format, run_sync

KEYS = ("calls", "prompt_tokens", "cached_prompt_tokens", "completion_tokens")


def sample_documents(n: int) -> list[Document]:
    good = [r for r in sample_corpus_rows() if not (r.get("meta") or {}).get("planted")]
    step = max(len(good) // max(n, 1), 1)  # spread over both files and all domains, not the first few
    return [Document(text=r["text"], id=str(r["id"])) for r in good[::step][:n]]


async def run_plan(generate, docs: list[Document], plan: str, concurrency: int) -> dict:
    """The rollouts of one call plan, `concurrency` documents at a time as the build runs them."""
    totals = dict.fromkeys(("kept_pairs", *KEYS), 0)
    per_document: dict[str, dict] = {}
    gate = asyncio.Semaphore(concurrency)

    async def one(doc: Document) -> None:
        async with gate:
            result = await rollout(doc, generate, Settings(call_plan=plan))
        totals["kept_pairs"] += len(result["pairs"])
        for tally in result["usage"].values():
            for key in KEYS:
                totals[key] += tally.get(key, 0)
        per_document[str(doc.id)] = {"kept_pairs": len(result["pairs"]), "tokens": tokens_of(result)}

    started = time.monotonic()
    await asyncio.gather(*(one(doc) for doc in docs))
    totals["seconds"] = time.monotonic() - started
    totals["per_document"] = [per_document[str(doc.id)] for doc in docs]  # in the order of `docs`, for both plans
    return totals


def ratio_range(fused: list[dict], paper: list[dict], resamples: int = 2000, seed: int = 0) -> tuple[float, float | None] | None:
    """95% range of tokens per kept pair, fused / paper, over resamples of the documents (the
    same documents for both plans). A few documents keep 0 to 3 pairs each, so one run's ratio
    alone says little; the range says how much. None for the upper end: some resamples keep no
    fused pair, so the data bound it from below only. None in all when fused kept no pair at
    all (or neither plan did): then the documents bound nothing."""
    rng = random.Random(seed)
    ratios = []
    for _ in range(resamples):
        picked = [rng.randrange(len(fused)) for _ in fused]
        f_tokens, f_kept = (sum(fused[i][k] for i in picked) for k in ("tokens", "kept_pairs"))
        p_tokens, p_kept = (sum(paper[i][k] for i in picked) for k in ("tokens", "kept_pairs"))
        if f_kept or p_kept:
            ratios.append(math.inf if not f_kept else (f_tokens / f_kept) / (p_tokens / p_kept) if p_kept else 0.0)
    if not ratios or math.isinf(min(ratios)):
        return None
    ratios.sort()
    low, high = ratios[int(0.025 * len(ratios))], ratios[min(int(0.975 * len(ratios)), len(ratios) - 1)]
    return low, None if math.isinf(high) else high


def plain_body(payload: dict) -> dict:
    """The JSON a plain OpenAI client sends for one of our payloads (llama.cpp's dialect)."""
    body = {k: v for k, v in payload.items() if k not in ("endpoint", "schema", "model")}
    if payload.get("schema") is not None:
        body["response_format"], extra = response_format("llamacpp", payload["schema"])
        body.update(extra)
    return body


async def replay(url: str, payloads: list[dict], concurrency: int) -> dict:
    """A plain load generator: the same requests, in order, `concurrency` at a time."""
    queue: asyncio.Queue = asyncio.Queue()
    for payload in payloads:
        queue.put_nowait(plain_body(payload))
    completion = 0

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal completion
        while not queue.empty():
            body = queue.get_nowait()
            response = await http.post(f"{url}/chat/completions", json=body)
            response.raise_for_status()
            completion += int(response.json().get("usage", {}).get("completion_tokens") or 0)

    started = time.monotonic()
    async with httpx.AsyncClient(timeout=600) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return {"completion_tokens": completion, "seconds": time.monotonic() - started}


def bench_llm(model: str, n_docs: int, concurrency: int, documents_in_flight: int) -> dict:
    """Both call plans on one server, the fused plan first with its requests recorded; then the
    recorded requests replayed by a plain load generator on a fresh server. `concurrency` is the
    requests in flight for both; the pipeline keeps more documents than that in flight, as a
    build should, so that a document waiting on its next call leaves no request slot idle."""
    docs = sample_documents(n_docs)
    server_args = {"ctx_size": DEFAULTS["embedded_server"]["ctx_size"], "parallel": DEFAULTS["embedded_server"]["parallel"]}
    recorded: list[dict] = []
    with EmbeddedServer(model, **server_args) as server:
        client = LLMClient([Endpoint(name="default", urls=[server.url], model=model, timeout=600, max_in_flight=concurrency)])

        async def recording(payload: dict):
            recorded.append(payload)
            return await client.generate(payload)

        plans = {"fused": run_sync(run_plan(recording, docs, "fused", documents_in_flight)),
                 "paper": run_sync(run_plan(client.generate, docs, "paper", documents_in_flight))}
    with EmbeddedServer(model, **server_args) as server:
        plain = asyncio.run(replay(server.url, recorded, concurrency))
    pipeline_rate = plans["fused"]["completion_tokens"] / plans["fused"]["seconds"]
    plain_rate = plain["completion_tokens"] / plain["seconds"]
    spread = ratio_range(plans["fused"]["per_document"], plans["paper"]["per_document"])
    return {"documents": len(docs), "concurrency": concurrency, "documents_in_flight": documents_in_flight, "plans": plans,
            "tokens_per_kept_pair_ratio_95": list(spread) if spread else None,
            "saturation": {"pipeline_completion_tokens_per_s": pipeline_rate, "plain_completion_tokens_per_s": plain_rate,
                           "ratio": pipeline_rate / plain_rate if plain_rate else None, "requests": len(recorded)}}


def peak_build_memory_mb(n_docs: int = 3) -> float:
    """Peak resident memory of a small build's Python process (the tiny preset; the llama.cpp
    server is a separate process and not counted)."""
    with tempfile.TemporaryDirectory(prefix="wsrl-bench-build-") as tmp:
        corpus, config = Path(tmp) / "corpus.jsonl", Path(tmp) / "config.yaml"
        corpus.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in sample_documents(n_docs)))
        config.write_text(yaml.safe_dump({"output_dir": str(Path(tmp) / "out"), "input": {"source": str(corpus)},
                                          "endpoints": {"default": {"embedded": "tiny"}}}))
        done = subprocess.run([sys.executable, "-m", "webscale_rl.cli", "build", "--config", str(config)],
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"the memory benchmark's build failed:\n{done.stderr[-2000:]}")
        return json.loads((Path(tmp) / "out" / "stats.json").read_text())["peak_rss_mb"]


def per_doc(plan: dict, documents: int) -> dict:
    tokens = plan["prompt_tokens"] + plan["completion_tokens"]
    return {**{k: plan[k] / documents for k in ("kept_pairs", *KEYS)},
            "cached_share": plan["cached_prompt_tokens"] / plan["prompt_tokens"] if plan["prompt_tokens"] else 0.0,
            "tokens_per_kept_pair": tokens / plan["kept_pairs"] if plan["kept_pairs"] else None}


def table(result: dict) -> str:
    """The Markdown table of one run."""
    rows = [("pre-LLM stages: documents/s, ours / plain datatrove", _r(result["prefilter"]["ratio"]),
             f"{result['prefilter']['ours_docs_per_s']} vs {result['prefilter']['plain_docs_per_s']} docs/s")]
    llm = result.get("llm")
    if llm:
        fused, paper = (per_doc(llm["plans"][p], llm["documents"]) for p in ("fused", "paper"))
        for key, label in (("calls", "calls per document"), ("prompt_tokens", "prompt tokens per document"),
                           ("cached_prompt_tokens", "cached prompt tokens per document"),
                           ("completion_tokens", "completion tokens per document"),
                           ("kept_pairs", "kept pairs per document")):
            rows.append((f"{label}, fused / paper", _r(fused[key] / paper[key] if paper[key] else None),
                         f"{fused[key]:.1f} vs {paper[key]:.1f}"))
        rows.append(("prompt tokens served from cache, fused", f"{fused['cached_share']:.0%}", f"paper: {paper['cached_share']:.0%}"))
        ratio = (fused["tokens_per_kept_pair"] / paper["tokens_per_kept_pair"]
                 if fused["tokens_per_kept_pair"] and paper["tokens_per_kept_pair"] else None)
        spread = llm.get("tokens_per_kept_pair_ratio_95")
        rows.append(("tokens per kept pair, fused / paper", _r(ratio),
                     f"{_n(fused['tokens_per_kept_pair'])} vs {_n(paper['tokens_per_kept_pair'])}; 95% range over resampled documents: "
                     + (f"{spread[0]:.2f} to {_r(spread[1]) if spread[1] is not None else 'unbounded'}" if spread else "none, a plan kept no pair")))
        sat = llm["saturation"]
        rows.append(("saturation: completion tokens/s, pipeline / plain replay", _r(sat["ratio"]),
                     f"{sat['pipeline_completion_tokens_per_s']:.1f} vs {sat['plain_completion_tokens_per_s']:.1f} tok/s, "
                     f"{sat['requests']} requests, {llm['concurrency']} at a time ({llm['documents_in_flight']} documents in flight)"))
    if result.get("peak_build_rss_mb") is not None:
        rows.append(("peak memory of a build process (Python side)", f"{result['peak_build_rss_mb']:.0f} MB", "tiny preset, 3 documents"))
    head = (f"`make bench` on {result['date']}, {result['machine']}, model {result['model']}"
            + (f", {llm['documents']} sample documents" if llm else ""))
    lines = [head, "", "| figure | value | measured |", "|---|---:|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


def _r(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "n/a"


def _n(value: float | None) -> str:
    return f"{value:,.0f}" if value is not None else "no pair kept"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}, Python {platform.python_version()}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl bench", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="model preset for the LLM figures (tiny drops every document at the filter)")
    parser.add_argument("--docs", type=int, default=4, help="sample documents per call plan")
    parser.add_argument("--concurrency", type=int, default=DEFAULTS["max_concurrent_documents"], help="requests in flight")
    parser.add_argument("--documents-in-flight", type=int, default=None, help="documents in flight (default: twice --concurrency)")
    parser.add_argument("--skip-llm", action="store_true", help="only the figures that need no model")
    parser.add_argument("--prefilter-docs", type=int, default=None,
                        help="synthetic documents for the pre-LLM comparison (default 1500; fewer is quicker and noisier)")
    parser.add_argument("--out", default="output/bench", help="folder for bench.md and bench.json")
    args = parser.parse_args(argv)

    from webscale_rl.builder.prefilter_bench import DOCUMENTS, bench_prefilter, kinds_table

    preset = PRESETS.get(args.model)
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
              "model": preset.display_name if preset else args.model, "prefilter": bench_prefilter(args.prefilter_docs or DOCUMENTS)}
    if not args.skip_llm:
        result["llm"] = bench_llm(args.model, args.docs, args.concurrency, args.documents_in_flight or 2 * args.concurrency)
        result["peak_build_rss_mb"] = peak_build_memory_mb()
    result["bench_process_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    markdown = table(result)
    (out / "bench.md").write_text(markdown)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + markdown)
    kinds = kinds_table()
    sets = list(next(iter(kinds.values())))
    print("share of each kind of text that each pre-filter rule set drops (prefilter.kind):")
    print(f"{'text':12}" + "".join(f"{name:>12}" for name in sets))
    for text_kind, row in kinds.items():
        print(f"{text_kind:12}" + "".join(f"{row[name]:>12.0%}" for name in sets))
    print(f"\nwritten to {out / 'bench.md'} and {out / 'bench.json'}")
    return 0
