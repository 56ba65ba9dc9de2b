"""`make bench`: measurements printed as ratios taken side by side in one run.

- pre-filter + dedup throughput against a plain datatrove pipeline of the same blocks;
- the two call plans on the same documents and the same real server: calls, tokens, and
  accepted pairs per 1k tokens (the question the fused plan exists to answer).
"""

from __future__ import annotations

import argparse
import json
import time

from datatrove.data import Document

from webscale_rl.builder.inputs import sample_corpus_rows
from webscale_rl.builder.rollout import Settings, rollout
from webscale_rl.server import EmbeddedServer
from webscale_rl.transport import Endpoint, LLMClient, run_sync


def sample_documents(n: int) -> list[Document]:
    good = [r for r in sample_corpus_rows() if not (r.get("meta") or {}).get("planted")]
    step = max(len(good) // max(n, 1), 1)  # spread over both files and all domains, not the first few
    return [Document(text=r["text"], id=str(r["id"])) for r in good[::step][:n]]


async def _run_plan(client: LLMClient, docs: list[Document], plan: str) -> dict:
    totals = {"documents": len(docs), "kept_pairs": 0, "calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    started = time.monotonic()
    for doc in docs:
        result = await rollout(doc, client.generate, Settings(call_plan=plan))
        totals["kept_pairs"] += len(result["pairs"])
        for tally in result["usage"].values():
            for key in ("calls", "prompt_tokens", "completion_tokens"):
                totals[key] += tally[key]
    totals["seconds"] = round(time.monotonic() - started, 1)
    tokens = totals["prompt_tokens"] + totals["completion_tokens"]
    totals["pairs_per_1k_tokens"] = round(1000 * totals["kept_pairs"] / tokens, 3) if tokens else 0.0
    return totals


def bench_plans(model: str, n_docs: int) -> dict:
    docs = sample_documents(n_docs)
    with EmbeddedServer(model, ctx_size=8192) as server:
        client = LLMClient([Endpoint(name="default", urls=[server.url], model=model, timeout=300)])
        return {plan: run_sync(_run_plan(client, docs, plan)) for plan in ("fused", "paper")}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl bench", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="model preset for the call-plan benchmark (tiny drops every document at the filter)")
    parser.add_argument("--docs", type=int, default=6, help="documents per call plan, spread over the sample corpus")
    parser.add_argument("--skip-plans", action="store_true")
    args = parser.parse_args(argv)

    from webscale_rl.builder.prefilter_bench import bench_prefilter, kinds_table

    pre = bench_prefilter()
    print("\n== pre-filter + dedup throughput (same blocks, same documents, one run) ==")
    print(json.dumps(pre, indent=2))
    kinds = kinds_table()
    sets = list(next(iter(kinds.values())))
    print("\n== share of each kind of text that each pre-filter rule set drops (prefilter.kind) ==")
    print(f"{'text':12}" + "".join(f"{name:>12}" for name in sets))
    for text_kind, row in kinds.items():
        print(f"{text_kind:12}" + "".join(f"{row[name]:>12.0%}" for name in sets))

    if not args.skip_plans:
        plans = bench_plans(args.model, args.docs)
        fused, paper = plans["fused"], plans["paper"]
        print(f"\n== call plans on {args.docs} sample documents, model preset '{args.model}' ==")
        print(f"{'':24}{'fused':>12}{'paper':>12}{'fused/paper':>14}")
        for key in ("calls", "prompt_tokens", "completion_tokens", "kept_pairs", "pairs_per_1k_tokens", "seconds"):
            print(f"{key:24}{fused[key]:>12}{paper[key]:>12}{_ratio(fused[key], paper[key]):>14}")
    return 0
