"""Generate the dataset card (README.md with Hub metadata) of a built output folder.

Everything on the card is read from the folder itself: the parquet files (row counts, schema,
domains, examples), stats.json (funnel, models, tokens), build_config.yaml (license, source,
price), quality.json when present and changelog.json (written by `push`). Text that comes
from documents or models is escaped before it reaches the Markdown, so a page containing
`</details><script>` or a stray `|` cannot break the card or inject HTML.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from webscale_rl.builder.drop_reasons import explain
from webscale_rl.builder.write import CONFIGS, SPLIT_RULE, hub_metadata, split_files
from webscale_rl.dataset_card.plot import domain_plot
from webscale_rl.dataset_card.reward_module import (
    FILENAME as REWARD_FILE,
    REQUIREMENTS as REWARD_REQUIREMENTS,
    write_reward_module,
)
from webscale_rl.eval.reward import PROMPT_TEMPLATE

if TYPE_CHECKING:
    from huggingface_hub import DatasetCardData

TEMPLATE = Path(__file__).with_name("template.md")
PLOT_PATH = "assets/domain_distribution.png"
CHANGELOG = "changelog.json"
REPO_PLACEHOLDER = "ORG/NAME"
SAMPLE_ROWS = 3
PERSONA_EXAMPLES = 6
QUALITY_DROP_ROWS = 8

PAPER = {
    "title": "Webscale-RL: Automated Data Pipeline for Scaling RL Data to Pretraining Levels",
    "arxiv": "2510.06499",
    "url": "https://arxiv.org/abs/2510.06499",
    "bibtex": (
        "@article{cen2025webscalerl,\n"
        "  title   = {Webscale-RL: Automated Data Pipeline for Scaling RL Data to Pretraining Levels},\n"
        "  author  = {Cen, Zhepeng and others},\n"
        "  journal = {arXiv preprint arXiv:2510.06499},\n"
        "  year    = {2025}\n"
        "}"
    ),
}

COLUMN_DOCS = {
    "id": "stable pair id: hash of the source document id and the normalised question",
    "question": "self-contained question generated from the document for one persona",
    "answer": "short ground-truth answer taken from the document",
    "answer_type": "kind of answer (number, name, short phrase, yes/no, ...)",
    "evidence": "document span that supports the answer",
    "domain": "domain of the source document",
    "persona": "intended asker the question was written for",
    "source_id": "id of the source document",
    "source_text": "the source document (empty when the build excluded it)",
    "verdicts": "check-stage verdicts: context sufficient, answer correct (the reviewer's blind answer agrees), no leakage and that answer; the question-alone verdict; the answer read from the evidence sentence alone and whether it agrees; support, the probability that a reviewer shown the sentence, question and answer says the sentence gives that answer (null for a computed answer)",
    "models": "model used at each stage",
    "prompt_version": "version of the prompt set used",
    "call_plan": "how LLM calls were grouped per document",
    "contamination": "benchmarks whose n-grams the pair matched (empty when clean)",
    "data_source": "reward-function selector for verl",
    "prompt": "chat prompt: one user turn asking for the answer inside \\boxed{}",
    "ability": "the pair's domain",
    "reward_model": "`style` rule and the `ground_truth` answer",
    "extra_info": "split, index, pair id, answer type, question and source id",
}

STAGE_DOCS = {
    "filter": "drops boilerplate and non-self-contained documents",
    "identify": "assigns a domain and up to three personas",
    "generate": "writes one question-answer pair per persona",
    "check": "judges context, correctness and leakage; only passing pairs are kept",
    "solve": "optional: a solver model answers each kept question closed-book; its solve rate is recorded",
}

_ESCAPES = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "|": "&#124;", "`": "&#96;",
    "*": "&#42;", "_": "&#95;", "[": "&#91;", "]": "&#93;", "\\": "&#92;", "#": "&#35;", "~": "&#126;",
    "$": "&#36;",
})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clip(text: object, limit: int) -> str:
    text = str(text if text is not None else "")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def inline(text: object, limit: int = 300) -> str:
    """Untrusted text as one line of inert Markdown: every character that Markdown, HTML,
    tables or LaTeX would interpret becomes an HTML entity, and line breaks become spaces."""
    text = _CONTROL.sub("", clip(text, limit))
    return " ".join(text.split()).translate(_ESCAPES)


def cell(text: object, limit: int = 300) -> str:
    """Untrusted text for a table cell or HTML block: as `inline`, but line breaks are kept as <br>."""
    text = _CONTROL.sub("", clip(text, limit)).replace("\r\n", "\n")
    lines = [" ".join(line.split()).translate(_ESCAPES) for line in text.split("\n")]
    return "<br>".join(line for line in lines if line)


def code(text: object, limit: int = 80) -> str:
    """An inline code span of identifier-like text (names, versions, hashes); other characters
    are dropped because entities would show literally inside a code span."""
    kept = re.sub(r"[^\w.:/+@= -]", "", clip(text, limit)).strip()
    return f"`{kept}`" if kept else "`?`"


def fenced(text: str, lang: str = "") -> str:
    """A code block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def num(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def size_category(rows: int) -> str:
    bounds = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]
    return next((label for bound, label in bounds if rows < bound), "n>1T")


def type_name(dtype: pa.DataType) -> str:
    """Short readable name of an arrow type for the schema table."""
    if pa.types.is_struct(dtype):
        return "struct{" + ", ".join(f"{f.name}: {type_name(f.type)}" for f in dtype) + "}"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return f"list<{type_name(dtype.value_type)}>"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "string"
    return str(dtype)


# -- reading the folder ------------------------------------------------------------------------

def _read_json(path: Path, required: bool = True) -> dict:
    if not path.exists():
        if required:
            raise FileNotFoundError(f"{path} is missing: is {path.parent} a finished build?")
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def read_changelog(out_dir: str | Path) -> dict:
    """{repo_id, versions: [{version, tag, date, ...}, ...]} oldest first; empty before any push."""
    data = _read_json(Path(out_dir) / CHANGELOG, required=False)
    return {"repo_id": data.get("repo_id"), "versions": list(data.get("versions", []))}


_LIGHT_COLUMNS = ["id", "question", "answer", "answer_type", "evidence", "domain", "persona", "source_id"]


def _light_table(out: Path) -> pa.Table:
    """Default-config rows (train then test) without the heavy columns, with a `split` column;
    kept in Arrow so counting a million rows stays cheap."""
    tables = []
    for split, paths in split_files(out, "default").items():
        for path in paths:
            columns = [*_LIGHT_COLUMNS, *(["solve_rate"] if "solve_rate" in pq.read_schema(path).names else [])]
            table = pq.read_table(path, columns=columns)
            if "solve_rate" not in columns:  # a build from before the difficulty stage
                table = table.append_column("solve_rate", pa.nulls(table.num_rows, pa.float64()))
            tables.append(table.append_column("split", pa.array([split] * table.num_rows, pa.string())))
    if not tables:
        return pa.table({**{name: pa.array([], pa.string()) for name in [*_LIGHT_COLUMNS, "split"]},
                         "solve_rate": pa.array([], pa.float64())})
    return pa.concat_tables(tables)


def _counts(column: pa.ChunkedArray) -> Counter:
    return Counter({item["values"]: item["counts"] for item in pc.value_counts(column).to_pylist()})


def _source_texts(out: Path, ids: list[str]) -> dict[str, str]:
    """Source text of a few sample pairs, read only for those ids."""
    found: dict[str, str] = {}
    for paths in split_files(out, "default").values():
        for path in paths:
            table = pq.read_table(path, columns=["id", "source_text"], filters=[("id", "in", ids)])
            found.update(zip(table.column("id").to_pylist(), table.column("source_text").to_pylist()))
    return found


def _schema_rows(out: Path) -> dict[str, list[dict]]:
    tables = {}
    for config in CONFIGS:
        files = split_files(out, config)
        if not files:
            continue
        schema = pq.read_schema(next(iter(files.values()))[0])
        tables[config] = [{"name": f.name, "type": type_name(f.type), "doc": COLUMN_DOCS.get(f.name, "")}
                          for f in schema]
    return tables


def _funnel(stats: dict) -> dict:
    """Funnel rows in pipeline order, plus any gap between the totals and the listed drops."""
    doc_drops = sorted((stats.get("document_drops") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    pair_drops = sorted((stats.get("pair_drops") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    docs_in, with_pairs = stats.get("documents_in", 0), stats.get("documents_with_pairs", 0)
    generated, kept = stats.get("pairs_generated", 0), stats.get("pairs_kept", 0)
    return {
        "documents_in": docs_in, "document_drops": doc_drops, "documents_with_pairs": with_pairs,
        "pairs_generated": generated, "pair_drops": pair_drops, "pairs_kept": kept,
        "doc_gap": docs_in - sum(n for _, n in doc_drops) - with_pairs,
        "pair_gap": generated - sum(n for _, n in pair_drops) - kept,
        "doc_yield": with_pairs / docs_in if docs_in else 0.0,
        "pairs_per_doc": kept / with_pairs if with_pairs else 0.0,
    }


def _share(counter: Counter) -> list[dict]:
    total = sum(counter.values()) or 1
    return [{"name": k, "count": n, "pct": 100.0 * n / total}
            for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def _tokens(stats: dict, price: float) -> dict:
    rows = []
    for stage, t in (stats.get("llm") or {}).items():
        prompt, completion = int(t.get("prompt_tokens", 0)), int(t.get("completion_tokens", 0))
        rows.append({"stage": stage, "calls": int(t.get("calls", 0)), "prompt": prompt,
                     "cached": int(t.get("cached_prompt_tokens", 0)), "completion": completion, "total": prompt + completion})
    total = {k: sum(r[k] for r in rows) for k in ("calls", "prompt", "cached", "completion", "total")}
    kept = stats.get("pairs_kept", 0)
    return {"rows": rows, "total": total, "price": price, "cost": total["total"] * price / 1e6,
            "tokens_per_pair": total["total"] / kept if kept else 0.0,
            "cached_pct": 100.0 * total["cached"] / total["prompt"] if total["prompt"] else 0.0}


def _quality(stats: dict, domains: Counter, audit: dict | None, quality: dict | None) -> dict:
    """The figures a reader needs to decide whether to trust the pairs, each one that could
    have come out bad: the "Other" share, agreement with the source's own domain labels, what
    the checks dropped and why, and the audit of the keep decision against a person's labels.
    Rates of the checks' own rules over the kept pairs are left out: they are zero by construction."""
    total = sum(domains.values())
    labels = stats.get("domain_labels") or {}
    generated = stats.get("pairs_generated", 0)
    drops = sorted((stats.get("pair_drops") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    contamination = (quality or {}).get("contamination")
    return {
        "other_pct": 100.0 * domains.get("Other", 0) / total if total else None,
        "labelled_documents": labels.get("documents", 0),
        "agreement_pct": 100.0 * labels["agree"] / labels["documents"] if labels.get("documents") else None,
        "generated": generated,
        "drops": [{"reason": reason, "count": n, "pct": 100.0 * n / generated if generated else 0.0,
                   "meaning": _meaning(reason)} for reason, n in drops[:QUALITY_DROP_ROWS]],
        "audit": audit,
        "contamination": sorted(contamination.items()) if isinstance(contamination, dict) else [],
    }


# Bands of solve_rate: (label, low, high), a rate r falls in the first band with low <= r <= high.
DIFFICULTY_BANDS = [("never (0)", 0.0, 0.0), ("sometimes (up to half)", 1e-9, 0.5),
                    ("mostly (over half)", 0.5 + 1e-9, 1 - 1e-9), ("always (1)", 1.0, 1.0)]


def _difficulty(table: pa.Table, stats: dict, config: dict) -> dict | None:
    """How often the solver model answered each kept question closed-book, in bands; None
    when the build ran without the difficulty stage."""
    rates = [r for r in table["solve_rate"].to_pylist() if r is not None]
    settings = config.get("difficulty") or {}
    if not rates and not settings.get("enabled"):
        return None
    bands = [{"band": label, "pairs": sum(low <= r <= high for r in rates)} for label, low, high in DIFFICULTY_BANDS]
    for band in bands:
        band["pct"] = 100.0 * band["pairs"] / len(rates) if rates else 0.0
    return {"solver": (stats.get("models") or {}).get("solve", "?"), "samples": settings.get("samples"),
            "max_solve_rate": settings.get("max_solve_rate"), "rated": len(rates),
            "unrated": table.num_rows - len(rates), "mean": sum(rates) / len(rates) if rates else None,
            "bands": bands, "too_easy": (stats.get("pair_drops") or {}).get("too_easy", 0)}


def _meaning(reason: str) -> str:
    try:
        return explain(reason)
    except KeyError:  # a build from an older version of the registry
        return reason.replace("_", " ")


_SOURCE_DETAIL_KEYS = ("dataset", "name", "config", "subset", "split", "revision", "path", "data_files", "glob_pattern")


def _source(config: dict) -> dict:
    spec = config.get("input") or {}
    source = str(spec.get("source", "unknown"))
    # a Hub name (the only form that reaches a link or the metadata); builder/inputs.py decides the same way
    is_name = re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", source) is not None
    declared = spec.get("hub") or spec.get("format") == "hub"
    hub_id = source if is_name and (declared or not Path(source).exists()) else None
    if source == "sample":
        text = "the sample corpus shipped with the `webscale-rl` package"
    elif hub_id:
        text = f"the Hub dataset [{hub_id}](https://huggingface.co/datasets/{hub_id})"
    else:
        text = f"local files ({inline(source, 120)})"
    details = [f"{inline(k, 40)}: {inline(v, 120)}" for k, v in spec.items() if k in _SOURCE_DETAIL_KEYS]
    return {"name": source, "hub_id": hub_id, "text": text, "details": details}


def _examples(table: pa.Table) -> dict:
    """Deterministic examples: the first row (by id) of each answer type and of a few personas."""
    answer_types = _counts(table["answer_type"])
    persona_goal = min(PERSONA_EXAMPLES, len(_counts(table["persona"])))
    by_type: dict[str, dict] = {}
    personas: dict[str, dict] = {}
    samples: list[dict] = []
    for batch in table.sort_by("id").to_batches(max_chunksize=10_000):
        for r in batch.to_pylist():
            by_type.setdefault(r["answer_type"], r)
            if len(personas) < persona_goal:
                personas.setdefault(r["persona"], r)
            if len(samples) < SAMPLE_ROWS:
                samples.append(r)
        if len(by_type) == len(answer_types) and len(personas) == persona_goal:
            break
    return {
        "answer_types": [dict(row, example=by_type[row["name"]]) for row in _share(answer_types)],
        "personas": list(personas.values()),
        "samples": samples,
    }


def card_context(out_dir: str | Path, repo_id: str | None = None) -> dict:
    """Everything the template shows, computed from the folder."""
    out = Path(out_dir)
    stats = _read_json(out / "stats.json")
    config_path = out / "build_config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    quality = _read_json(out / "quality.json", required=False)
    audit = _read_json(out / "audit.json", required=False)
    changelog = read_changelog(out)
    card_cfg = config.get("card") or {}
    table = _light_table(out)
    split_counts = _counts(table["split"])
    rows = {split: split_counts[split] for split in split_files(out, "default")}
    repo = repo_id or changelog["repo_id"] or REPO_PLACEHOLDER
    versions = changelog["versions"]
    examples = _examples(table)
    texts = _source_texts(out, [r["id"] for r in examples["samples"]]) if examples["samples"] else {}
    examples["samples"] = [dict(r, source_text=texts.get(r["id"]) or "") for r in examples["samples"]]
    verl_files = [p.relative_to(out).as_posix() for p in split_files(out, "verl").get("train", [])]
    return {
        "repo_id": repo,
        "revision": versions[-1]["tag"] if versions else "main",
        "pretty_name": str(card_cfg.get("pretty_name") or "Webscale-RL QA pairs"),
        "license": str(card_cfg.get("license") or "other"),
        "source": _source(config),
        "stats": stats,
        "funnel": _funnel(stats),
        "rows": rows,
        "total_rows": sum(rows.values()),
        "configs": [c for c in CONFIGS if split_files(out, c)],
        "schemas": _schema_rows(out),
        "split_rule": SPLIT_RULE,
        "prompt_template": PROMPT_TEMPLATE.format(question="{question}"),
        "verl_files": verl_files,
        "reward_file": REWARD_FILE,
        "reward_requirements": REWARD_REQUIREMENTS,
        "domains": _share(_counts(table["domain"])),
        "plot_path": PLOT_PATH,
        **examples,
        "models": sorted(((stage, model) for stage, model in (stats.get("models") or {}).items() if model),
                         key=lambda kv: list(STAGE_DOCS).index(kv[0])
                         if kv[0] in STAGE_DOCS else len(STAGE_DOCS)),
        "stage_docs": STAGE_DOCS,
        "tokens": _tokens(stats, float(card_cfg.get("price_per_million_tokens") or 0.0)),
        "quality": _quality(stats, _counts(table["domain"]), audit, quality),
        "difficulty": _difficulty(table, stats, config),
        "changelog": list(reversed(versions)),
        "paper": PAPER,
        "build_config": fenced(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), "yaml"),
    }


def card_metadata(out_dir: str | Path, context: dict) -> DatasetCardData:
    """YAML front matter: Hub fields plus the `configs`/`dataset_info` that `datasets` reads."""
    from huggingface_hub import DatasetCardData

    extra = hub_metadata(out_dir)
    license_fields = {"license_name": "source-terms"} if context["license"] == "other" else {}
    return DatasetCardData(
        language=["en"],
        license=context["license"],
        pretty_name=context["pretty_name"],
        size_categories=[size_category(context["total_rows"])],
        task_categories=["question-answering", "text-generation"],
        source_datasets=[context["source"]["hub_id"]] if context["source"]["hub_id"] else None,
        tags=["reinforcement-learning", "rlvr", "grpo", "verifiable-rewards", "synthetic", "webscale-rl"],
        **license_fields,
        **extra,
    )


def _render(out_dir: str | Path, context: dict) -> str:
    import jinja2
    from huggingface_hub import DatasetCard

    data = card_metadata(out_dir, context)
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters.update(inline=inline, cell=cell, code=code, num=num, fenced=fenced)
    text = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(card_data=data.to_yaml(), **context)
    DatasetCard(text)  # raises if the front matter does not parse
    return text


def render_card(out_dir: str | Path, repo_id: str | None = None) -> str:
    """The full README.md text (metadata + body) for the folder."""
    return _render(out_dir, card_context(out_dir, repo_id))


def write_card(out_dir: str | Path, repo_id: str | None = None) -> Path:
    """Write README.md, the domain plot and the reward module it references; return the README path."""
    out = Path(out_dir)
    context = card_context(out, repo_id)
    domain_plot({d["name"]: d["count"] for d in context["domains"]}, out / PLOT_PATH)
    write_reward_module(out)
    readme = out / "README.md"
    readme.write_text(_render(out, context), encoding="utf-8")
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webscale-rl card",
                                     description="(re)generate the dataset card and reward.py of a built folder")
    parser.add_argument("out_dir", help="the build's output folder")
    parser.add_argument("--repo", default=None, help="repo id shown in the snippets (default: last pushed, or ORG/NAME)")
    args = parser.parse_args(argv)
    path = write_card(args.out_dir, args.repo)
    print(f"wrote {path}, {Path(args.out_dir) / PLOT_PATH} and {Path(args.out_dir) / REWARD_FILE}")
    return 0
