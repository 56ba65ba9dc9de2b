"""Quality report of a built dataset folder: what a reader of the card needs to trust it.

Reads out_dir/data/default/*.parquet and out_dir/stats.json, writes out_dir/quality.json.
Every figure comes from deterministic code (webscale_rl.builder.checks, the same checks the
builder drops pairs with), never from a model. Percentages are over the rows a figure
applies to and are null when no row does (e.g. a build without source_text).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from webscale_rl.builder.checks import EXTRACTIVE, answer_in_text, evidence_in_document, leaks_answer, refers_to_passage

TOP_PERSONAS = 20
NEAR_DUPLICATE_THRESHOLD = 0.8  # the builder's default, so the rate reads "what dedup would still catch"
COLUMNS = ("id", "question", "answer", "answer_type", "evidence", "domain", "persona", "source_text", "contamination")


def _pct(hits: int, total: int) -> float | None:
    return round(100.0 * hits / total, 2) if total else None


def _length_stats(values: list[int]) -> dict:
    if not values:
        return {"mean": None, "median": None, "p90": None, "max": None}
    ordered = sorted(values)
    return {"mean": round(statistics.fmean(ordered), 2), "median": statistics.median(ordered),
            "p90": ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)], "max": ordered[-1]}


def distinct_n(texts: list[str], n: int) -> float | None:
    """Unique word n-grams / all word n-grams over the texts (lower-cased, whitespace split)."""
    seen, total = set(), 0
    for text in texts:
        words = text.lower().split()
        grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
        seen.update(grams)
        total += len(grams)
    return round(len(seen) / total, 4) if total else None


def normalized_entropy(counts: dict[str, int], categories: int) -> float | None:
    """Shannon entropy of the counts over log(categories): 1.0 is a perfectly even spread."""
    total = sum(counts.values())
    if not total or categories < 2:
        return None
    entropy = -sum(c / total * math.log(c / total) for c in counts.values() if c)
    return round(entropy / math.log(categories), 4)


def _read_rows(out: Path) -> tuple[list[dict], dict[str, int]]:
    """The default config's rows (only the columns the report uses) and rows per split."""
    rows, splits = [], Counter()
    for path in sorted((out / "data" / "default").glob("*.parquet")):
        parquet = pq.ParquetFile(path)
        columns = [c for c in COLUMNS if c in parquet.schema_arrow.names]
        split = path.name.split("-", 1)[0]
        for batch in parquet.iter_batches(columns=columns, batch_size=10_000):
            part = batch.to_pylist()
            splits[split] += len(part)
            rows += part
    return rows, dict(splits)


def _checks(rows: list[dict]) -> dict:
    with_source = [r for r in rows if r.get("source_text")]
    extractive = [r for r in rows if r.get("answer_type") in EXTRACTIVE and r.get("evidence")]
    evidence_hits = sum(evidence_in_document(r["evidence"] or "", r["source_text"]) for r in with_source)
    answer_hits = sum(answer_in_text(r["answer"], r["evidence"], r["answer_type"]) for r in extractive)
    leaks = sum(leaks_answer(r["question"], r["answer"], r["answer_type"]) for r in rows)
    passage = sum(refers_to_passage(r["question"]) for r in rows)
    return {
        "evidence_in_source_pct": _pct(evidence_hits, len(with_source)),
        "answer_in_evidence_pct": _pct(answer_hits, len(extractive)),
        "leakage_pct": _pct(leaks, len(rows)),
        "refers_to_passage_pct": _pct(passage, len(rows)),
        "checked_rows": {"evidence_in_source": len(with_source), "answer_in_evidence": len(extractive),
                         "leakage": len(rows)},
    }


def _duplicates(questions: list[str]) -> dict:
    from webscale_rl.builder.question_dedup import near_duplicate_questions

    exact = len(questions) - len({" ".join(q.lower().split()) for q in questions})
    near = len(near_duplicate_questions(questions, threshold=NEAR_DUPLICATE_THRESHOLD)) if questions else 0
    total = len(questions)
    return {"near_duplicate_rate": round(near / total, 4) if total else None,
            "exact_duplicate_rate": round(exact / total, 4) if total else None}


def _contamination(rows: list[dict], stats: dict) -> dict:
    flagged = Counter(name for r in rows for name in (r.get("contamination") or []))
    dropped = {key[len("contaminated_"):]: count for key, count in (stats.get("pair_drops") or {}).items()
               if key.startswith("contaminated_")}
    names = sorted(set(flagged) | set(dropped))
    return {"contamination": {name: flagged.get(name, 0) + dropped.get(name, 0) for name in names},
            "contamination_detail": {"flagged": dict(sorted(flagged.items())), "dropped": dict(sorted(dropped.items()))}}


def quality_report(out_dir: str | Path) -> dict:
    """Compute the report, write out_dir/quality.json and return it."""
    from webscale_rl.builder.stages.common import ANSWER_TYPES, DOMAINS

    out = Path(out_dir)
    rows, splits = _read_rows(out)
    stats_path = out / "stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    questions = [r["question"] or "" for r in rows]
    domains = Counter(r.get("domain") or "unknown" for r in rows)
    personas = Counter(r.get("persona") or "unknown" for r in rows)
    types = Counter(r.get("answer_type") or "unknown" for r in rows)
    report = {
        "rows": len(rows),
        "splits": splits,
        **_checks(rows),
        **_duplicates(questions),
        "distinct_1": distinct_n(questions, 1),
        "distinct_2": distinct_n(questions, 2),
        "answer_length_words": _length_stats([len((r["answer"] or "").split()) for r in rows]),
        "answer_length_chars": _length_stats([len(r["answer"] or "") for r in rows]),
        "question_length_words": _length_stats([len(q.split()) for q in questions]),
        "answer_types": {t: types[t] for t in [*ANSWER_TYPES, *sorted(set(types) - set(ANSWER_TYPES))] if types[t]},
        "domains": dict(domains.most_common()),
        "domain_balance": {"normalized_entropy": normalized_entropy(dict(domains), len(DOMAINS)),
                           "domains_present": len(domains)},
        "personas": {"distinct": len(personas), "top": dict(personas.most_common(TOP_PERSONAS))},
        **_contamination(rows, stats),
        "funnel": {key: stats[key] for key in ("documents_in", "documents_with_pairs", "pairs_generated", "pairs_kept")
                   if isinstance(stats.get(key), int)},
    }
    (out / "quality.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


def _fmt(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:,}" if isinstance(value, int) else f"{value:g}" if isinstance(value, float) else str(value)


def summary(report: dict) -> str:
    """The report as a few readable lines."""
    lines = [f"rows: {report['rows']:,}  " + "  ".join(f"{k}: {v:,}" for k, v in report["splits"].items())]
    for key, label in (("evidence_in_source_pct", "evidence found in source"),
                       ("answer_in_evidence_pct", "answer found in evidence (extractive types)"),
                       ("leakage_pct", "questions containing their answer"),
                       ("refers_to_passage_pct", "questions citing 'the passage'")):
        value = report[key]
        lines.append(f"{label}: {_fmt(value)}{' %' if value is not None else ''}")
    lines.append(f"near-duplicate questions: {_fmt(report['near_duplicate_rate'])}  "
                 f"exact duplicates: {_fmt(report['exact_duplicate_rate'])}  "
                 f"distinct-1: {_fmt(report['distinct_1'])}  distinct-2: {_fmt(report['distinct_2'])}")
    words = report["answer_length_words"]
    lines.append(f"answer length (words): mean {_fmt(words['mean'])}, median {_fmt(words['median'])}, "
                 f"p90 {_fmt(words['p90'])}, max {_fmt(words['max'])}")
    lines.append("answer types: " + (", ".join(f"{k} {v}" for k, v in report["answer_types"].items()) or "none"))
    balance = report["domain_balance"]
    lines.append(f"domains ({balance['domains_present']}, normalised entropy {_fmt(balance['normalized_entropy'])}): "
                 + (", ".join(f"{k} {v}" for k, v in report["domains"].items()) or "none"))
    top = list(report["personas"]["top"].items())[:5]
    lines.append(f"personas: {report['personas']['distinct']} distinct; top: "
                 + (", ".join(f"{k} ({v})" for k, v in top) or "none"))
    lines.append("contamination: " + (", ".join(f"{k} {v}" for k, v in report["contamination"].items()) or "none found"))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl report", description="Quality report of a built dataset folder.")
    parser.add_argument("dir", help="the build's output folder (holds data/ and stats.json)")
    args = parser.parse_args(argv)
    out = Path(args.dir)
    if not (out / "data" / "default").is_dir():
        parser.error(f"{out} holds no data/default/ folder: not a built dataset")
    report = quality_report(out)
    print(summary(report))
    print(f"\nwritten: {out / 'quality.json'}")
    return 0
