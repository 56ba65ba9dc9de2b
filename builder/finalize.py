"""After the LLM stages: turn rollout results into records, drop near-duplicate and
contaminated questions across the dataset, and write the one output folder (data, stats,
config, quality report, card)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from pathlib import Path

import yaml

from webscale_rl.builder.config import config_hash, public
from webscale_rl.builder.question_dedup import near_duplicate_questions
from webscale_rl.builder.stages.common import PROMPT_VERSION
from webscale_rl.builder.write import VERDICTS, write_dataset
from webscale_rl.eval.decontam import contaminated, load_benchmarks


def read_rollouts(folder: Path) -> list[dict]:
    """Documents written by the InferenceRunner, each with its one rollout result."""
    docs = []
    for path in sorted(folder.glob("*.jsonl*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            docs += [json.loads(line) for line in f if line.strip()]
    docs.sort(key=lambda d: str(d["id"]))
    return docs


def pair_id(source_id: str, question: str) -> str:
    return hashlib.sha256(f"{source_id}\x1f{' '.join(question.lower().split())}".encode()).hexdigest()[:20]


def source_domain(metadata: dict) -> str | None:
    """The domain a source document is labelled with, if its input carried one (`meta.domain`,
    as the sample corpus does, or a top-level `domain` field)."""
    meta = metadata.get("meta") if isinstance(metadata.get("meta"), dict) else {}
    label = meta.get("domain") or metadata.get("domain")
    return label if isinstance(label, str) else None


def make_records(docs: list[dict], cfg: dict, models: dict[str, str]) -> tuple[list[dict], dict]:
    """Records of kept pairs, and the LLM part of the funnel."""
    records, doc_drops, pair_drops, usage = [], Counter(), Counter(), {}
    pairs_generated = 0
    labelled = Counter()  # documents whose source carries a domain label, and those the model agreed with
    for doc in docs:
        results = doc.get("metadata", {}).get("rollout_results") or []
        if not results:
            doc_drops["llm_no_result"] += 1
            continue
        result = results[0]
        label = source_domain(doc.get("metadata", {}))
        if label and result.get("domain"):
            labelled["documents"] += 1
            labelled["agree"] += result["domain"] == label
        pairs_generated += result.get("pairs_generated", 0)
        pair_drops.update(result.get("pair_drops", {}))
        for stage, tally in (result.get("usage") or {}).items():
            total = usage.setdefault(stage, {"calls": 0, "prompt_tokens": 0, "cached_prompt_tokens": 0,
                                             "completion_tokens": 0, "seconds": 0.0})
            for key in total:
                total[key] += tally.get(key, 0)
            total["seconds"] = round(total["seconds"], 1)
        if result["status"] != "kept":
            doc_drops[result["drop_reason"]] += 1
            continue
        for pair in result["pairs"]:
            records.append({
                "id": pair_id(str(doc["id"]), pair["question"]),
                "question": pair["question"], "answer": pair["answer"], "answer_type": pair["answer_type"],
                "evidence": pair["evidence"], "domain": result["domain"], "persona": pair["persona"],
                "source_id": str(doc["id"]), "source_text": doc["text"] if cfg["include_source_text"] else "",
                # every verdict the rows carry, null where a reading did not read the pair (a computed
                # answer, or no graded reading for this model): the Space's JSON as the parquet rows
                "verdicts": {name: pair["verdicts"].get(name) for name in VERDICTS.names}, "models": models,
                "prompt_version": PROMPT_VERSION, "call_plan": cfg["call_plan"], "contamination": [],
                "solve_rate": pair.get("solve_rate"),
            })
    funnel = {"document_drops": dict(doc_drops), "pairs_generated": pairs_generated,
              "pair_drops": dict(pair_drops), "llm": usage,
              "domain_labels": {"documents": labelled["documents"], "agree": labelled["agree"]}}
    return records, funnel


def drop_across_dataset(records: list[dict], cfg: dict, pair_drops: Counter) -> list[dict]:
    """Near-duplicate questions (first one kept) and benchmark contamination."""
    near = cfg["near_duplicate_questions"]
    if near.get("enabled", True) and records:
        duplicates = set(near_duplicate_questions([r["question"] for r in records], threshold=near.get("threshold", 0.8)))
        if duplicates:
            pair_drops["near_duplicate_question"] += len(duplicates)
        records = [r for i, r in enumerate(records) if i not in duplicates]
    decont = cfg["decontamination"]
    if decont.get("benchmarks"):
        index = load_benchmarks(decont["benchmarks"], n=decont.get("ngram", 13))
        kept = []
        for record in records:
            hits = contaminated(index, record["question"], record["answer"])
            if hits and decont.get("action", "drop") == "drop":
                for name in hits[:1]:
                    pair_drops[f"contaminated_{name}"] += 1
                continue
            record["contamination"] = hits
            kept.append(record)
        records = kept
    return records


def finalize(cfg: dict, llm_output: Path, prefilter_funnel: dict, models: dict[str, str], timing: dict,
             budget_stop: dict | None = None) -> dict:
    """Write records, stats.json and build_config.yaml; return the stats. After a stop at the
    token budget, the documents left over are counted as `not_processed_budget`."""
    out = Path(cfg["output_dir"])
    docs = read_rollouts(llm_output)
    records, funnel = make_records(docs, cfg, models)
    pair_drops = Counter(funnel["pair_drops"])
    records = drop_across_dataset(records, cfg, pair_drops)
    document_drops = Counter(prefilter_funnel["document_drops"])
    document_drops.update(funnel["document_drops"])
    with_pairs = {r["source_id"] for r in records}
    lost = {str(d["id"]) for d in docs if (d.get("metadata", {}).get("rollout_results") or [{}])[0].get("status") == "kept"} - with_pairs
    if lost:  # every pair of these documents went to near-duplicate or contamination drops
        document_drops["all_pairs_dropped_after_generation"] += len(lost)
    if budget_stop and budget_stop["not_processed"]:
        document_drops["not_processed_budget"] += budget_stop["not_processed"]
    stats = {
        "documents_in": prefilter_funnel["documents_in"],
        "document_drops": dict(sorted(document_drops.items())),
        "documents_with_pairs": len(with_pairs),
        "pairs_generated": funnel["pairs_generated"],
        "pair_drops": dict(sorted(pair_drops.items())),
        "pairs_kept": len(records),
        "llm": funnel["llm"],
        "domain_labels": funnel["domain_labels"],
        "models": models,
        "call_plan": cfg["call_plan"],
        "prompt_version": PROMPT_VERSION,
        "config_hash": config_hash(cfg),
        **({"budget": budget_stop} if budget_stop else {}),
        **timing,
    }
    write_dataset(out, records, test_fraction=cfg["test_fraction"], seed=cfg["seed"])
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    (out / "build_config.yaml").write_text(yaml.safe_dump(public(cfg), sort_keys=False))
    return stats
