"""`webscale-rl estimate --config FILE`: what a build will cost, before it runs.

A dry run on a sample of the input, drawn across all its files:
1. count the input's documents (jsonl lines, parquet row counts; a Hub dataset needs
   `--documents`), then apply `input.limit` and `input.sample_rate` as the build would;
2. run the pre-filter on the sample: the share that reaches the LLM stages (dedup is not run:
   the estimate is an upper bound where the input has duplicates);
3. run the real LLM stages on a few of the surviving documents, against the configured
   endpoints: calls, prompt and completion tokens per stage come from the server's own
   tokenizer, and kept pairs per document from the real checks;
4. multiply out to the whole input, with cost at a price per million tokens and GPU hours at a
   throughput per GPU.

Per-document figures are means over the measured documents. Calls per document range from one
(dropped by the screen) to seven (a second generate call, and a pair through every check
reading), so a few documents give a wide figure: the output states a 95% range from the spread
between them, and how many documents would narrow it to within 20%.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
from collections import defaultdict
from itertools import islice
from pathlib import Path

from datatrove.data import Document

from webscale_rl.builder.config import ConfigError, load_config
from webscale_rl.builder.inputs import make_reader
from webscale_rl.builder.prefilter import first_drop, prefilter_steps
from webscale_rl.builder.rollout import Settings, rollout
from webscale_rl.transport import run_sync


def count_documents(reader) -> int | None:
    """Records in a local input (jsonl lines, parquet rows); None for a Hub dataset."""
    files = getattr(reader, "files", None)
    if files is None:
        return None
    total = 0
    for name in files:
        path = Path(reader.data_folder.resolve_paths(name))
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(path).metadata.num_rows
        else:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rb") as f:
                total += sum(1 for line in f if line.strip())
    return total


def sample_documents(reader, n: int) -> list[Document]:
    """Up to n documents, the first ones of every file in turn (or of the stream)."""
    files = getattr(reader, "files", None)
    if files is None:
        return list(islice(reader.run(None, 0, 1), n))
    per_file = math.ceil(n / max(len(files), 1))
    out = []
    for name in files:
        out += [doc for doc in islice(reader.read_file(name), per_file) if doc is not None]
    return out[:n]


def spread(items: list, k: int) -> list:
    """k items evenly spaced through the list (not the first k: the files differ)."""
    if len(items) <= k:
        return items
    step = len(items) / k
    return [items[int(i * step)] for i in range(k)]


TOTALS = ("calls", "prompt_tokens", "completion_tokens", "kept_pairs")


async def measure_llm(docs: list[Document], settings: Settings, generate) -> dict:
    """Per-stage calls and tokens summed over the documents, and every document's own totals
    (calls, tokens, kept pairs), whose spread gives the estimate's range."""
    stages: dict[str, dict[str, int]] = defaultdict(lambda: {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0})
    per_document = []
    for doc in docs:
        result = await rollout(doc, generate, settings)
        own = dict.fromkeys(TOTALS, 0) | {"kept_pairs": len(result["pairs"])}
        for stage, tally in result["usage"].items():
            for key in stages[stage]:
                stages[stage][key] += tally.get(key, 0)
                own[key] += tally.get(key, 0)
        per_document.append(own)
    return {"documents": len(docs), "stages": dict(stages), "per_document": per_document}


def mean_and_sd(values: list[float]) -> tuple[float, float]:
    """The sample mean and standard deviation (0 for fewer than two values)."""
    mean = sum(values) / len(values) if values else 0.0
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def mean_and_margin(values: list[float], population: float) -> tuple[float, float]:
    """The mean of documents measured out of `population`, and the half-width of its 95% range as
    an estimate of the population's mean (normal approximation; the finite-population
    correction makes it zero when every document was measured; one document gives no range)."""
    n = len(values)
    mean, sd = mean_and_sd(values)
    if n < 2:
        return mean, math.inf if n else 0.0
    correction = math.sqrt(max(population - n, 0) / max(population - 1, 1))
    return mean, 1.96 * sd / math.sqrt(n) * correction


def documents_for_margin(values: list[float], within: float = 0.2) -> int | None:
    """Documents to measure for a 95% range within ±`within` of the mean, from the spread seen
    (for a large input; on a small one the finite-population correction needs fewer)."""
    mean, sd = mean_and_sd(values)
    if len(values) < 2 or not mean:
        return None
    return max(len(values), math.ceil((1.96 * sd / (within * mean)) ** 2))


def estimate(cfg: dict, documents: int | None, sample: int, llm_docs: int, generate) -> dict:
    """The whole-input estimate; `generate` answers the LLM calls (the configured endpoints)."""
    steps = make_reader(cfg["input"])
    reader = steps[0]
    total = documents if documents is not None else count_documents(reader)
    if total is None:
        raise ConfigError("a Hub dataset's size is not known offline: give --documents N (its row count)")
    limit = cfg["input"].get("limit")
    limited = limit is not None and 0 <= int(limit) * int(cfg["executor"].get("tasks", 1)) < total
    if limited:  # the build reads the first documents only: so does the sample
        total = int(limit) * int(cfg["executor"].get("tasks", 1))
    to_read = total * float(cfg["input"].get("sample_rate", 1.0))
    drawn = list(islice(reader.run(None, 0, 1), sample)) if limited else sample_documents(reader, sample)
    if not drawn:
        raise ConfigError(f"no readable document in the input {cfg['input']['source']!r}")
    prefilter = prefilter_steps(cfg["prefilter"])
    survivors = [doc for doc in drawn if first_drop(prefilter, doc) is None]
    pass_rate = len(survivors) / len(drawn)
    to_llm = to_read * pass_rate
    measured = run_sync(measure_llm(spread(survivors, llm_docs), Settings.from_config(cfg), generate)) if survivors else \
        {"documents": 0, "stages": {}, "per_document": []}
    per_doc = max(measured["documents"], 1)
    stages = {stage: {key: value / per_doc * to_llm for key, value in tally.items()}
              for stage, tally in measured["stages"].items()}
    result = {
        "input_documents": total, "documents_read": to_read, "sampled": len(drawn),
        "prefilter_pass_rate": pass_rate, "documents_to_llm": to_llm,
        "measured_documents": measured["documents"],
        "stages": stages,
    }
    calls = [d["calls"] for d in measured["per_document"]]
    for key in TOTALS:
        mean, margin = mean_and_margin([d[key] for d in measured["per_document"]], to_llm)
        result[key], result[f"{key}_margin"] = mean * to_llm, margin * to_llm
    result["documents_for_20_percent"] = documents_for_margin(calls)
    result["measured"] = measured["per_document"]
    return result


def render(result: dict, price: float, gpu_tokens_per_second: float | None) -> str:
    tokens = result["prompt_tokens"] + result["completion_tokens"]
    lines = [
        f"input: {result['input_documents']:,} documents, {result['documents_read']:,.0f} read "
        f"(limit and sample_rate); the pre-filter passed {result['prefilter_pass_rate']:.0%} of {result['sampled']} sampled",
        f"LLM stages: {result['documents_to_llm']:,.0f} documents, measured on {result['measured_documents']} "
        f"(per-document means; longer documents cost more)",
        "",
        f"{'stage':18}{'calls':>14}{'prompt tokens':>18}{'completion tokens':>20}",
    ]
    for stage, s in result["stages"].items():
        lines.append(f"{stage:18}{s['calls']:>14,.0f}{s['prompt_tokens']:>18,.0f}{s['completion_tokens']:>20,.0f}")
    lines += [f"{'total':18}{result['calls']:>14,.0f}{result['prompt_tokens']:>18,.0f}{result['completion_tokens']:>20,.0f}",
              f"{'95% range ±':18}{result['calls_margin']:>14,.0f}{result['prompt_tokens_margin']:>18,.0f}"
              f"{result['completion_tokens_margin']:>20,.0f}", "",
              f"expected kept pairs: {result['kept_pairs']:,.0f} ± {result['kept_pairs_margin']:,.0f}"]
    wanted = result["documents_for_20_percent"]
    if wanted and result["calls_margin"] > 0.2 * result["calls"]:
        lines.append(f"the range comes from the spread between the {result['measured_documents']} measured documents; "
                     f"about --llm-docs {wanted} would bring calls within ±20%")
    if price:
        lines.append(f"cost: {tokens * price / 1e6:,.2f} USD at {price} USD per million tokens")
    if gpu_tokens_per_second:
        lines.append(f"GPU time: {tokens / gpu_tokens_per_second / 3600:,.1f} GPU-hours at {gpu_tokens_per_second:,.0f} tokens/s per GPU")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from webscale_rl.builder.pipeline import running_endpoints
    from webscale_rl.transport import LLMClient

    parser = argparse.ArgumentParser(prog="webscale-rl estimate", description="What a build will cost, before it runs.")
    parser.add_argument("--config", default=None, help="the build's YAML config")
    parser.add_argument("--sample", type=int, default=40, help="documents drawn across the input files for the pre-filter")
    parser.add_argument("--llm-docs", type=int, default=12,
                        help="surviving documents sent through the real LLM stages (more: a narrower range)")
    parser.add_argument("--documents", type=int, default=None, help="the input's size, for a Hub dataset")
    parser.add_argument("--price", type=float, default=None, help="USD per million tokens (default: card.price_per_million_tokens)")
    parser.add_argument("--gpu-tokens-per-second", type=float, default=None, help="throughput of one GPU, for GPU-hours")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    with running_endpoints(cfg) as (endpoints, _):
        result = estimate(cfg, args.documents, args.sample, args.llm_docs, LLMClient(endpoints).generate)
    price = args.price if args.price is not None else float(cfg["card"].get("price_per_million_tokens") or 0)
    print(json.dumps(result, indent=2) if args.json else render(result, price, args.gpu_tokens_per_second))
    return 0
