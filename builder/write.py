"""Write QA records as a Hub dataset repo: one parquet layout, three configs.

`default` holds the full records; `verl` and `trl` hold the same rows reshaped for the two RL
trainers so users train without a conversion step. The YAML `configs` block that tells
`datasets.load_dataset` about the three configs lives in README.md; `write_dataset` writes a
metadata-only README so the folder loads at once, and `dataset_card.card.write_card` later
replaces it with the full card built from the same `hub_metadata`.

The build writes the folder (`finalize.py`), so the layout lives with it; the card, the quality
report and the push read the folder back through `split_files`, `row_counts` and `hub_metadata`.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from webscale_rl.eval.reward import chat_prompt

CONFIGS = ("default", "verl", "trl")
SPLITS = ("train", "test")
ROWS_PER_SHARD = 50_000
ROW_GROUP_ROWS = 10_000  # small row groups keep streaming and the dataset viewer cheap
DATA_SOURCE = "webscale_rl"  # verl picks the reward function by this name

SPLIT_RULE = (
    "A document's pairs all go to one split: `test` when "
    "int(sha256(f\"{seed}\\x1f{source_id}\")[:16], 16) / 2**64 < test_fraction, else `train`. "
    "No document contributes to both splits."
)

_STR = pa.string()
VERDICTS = pa.struct([("context_sufficient", pa.bool_()), ("answer_correct", pa.bool_()),
                      ("no_leakage", pa.bool_()), ("reader_answer", _STR), ("standalone", pa.bool_()),
                      ("evidence_answer", _STR), ("evidence_supports", pa.bool_()),
                      ("support", pa.float64())])  # P(yes) of the graded reading; null for a computed answer
MODELS = pa.struct([("filter", _STR), ("identify", _STR), ("generate", _STR), ("check", _STR), ("solve", _STR)])
MESSAGES = pa.list_(pa.struct([("role", _STR), ("content", _STR)]))

DEFAULT_SCHEMA = pa.schema([
    ("id", _STR), ("question", _STR), ("answer", _STR), ("answer_type", _STR), ("evidence", _STR),
    ("domain", _STR), ("persona", _STR), ("source_id", _STR), ("source_text", _STR),
    ("verdicts", VERDICTS), ("models", MODELS), ("prompt_version", _STR), ("call_plan", _STR),
    ("contamination", pa.list_(_STR)),  # benchmarks a kept pair matched (decontamination action "flag")
    ("solve_rate", pa.float64()),  # share of closed-book solver attempts the reward paid; null without the difficulty stage
])
OPTIONAL_DEFAULTS = {"contamination": [], "solve_rate": None}

VERL_SCHEMA = pa.schema([
    ("data_source", _STR), ("prompt", MESSAGES), ("ability", _STR),
    ("reward_model", pa.struct([("style", _STR), ("ground_truth", _STR)])),
    ("extra_info", pa.struct([("split", _STR), ("index", pa.int64()), ("id", _STR), ("answer_type", _STR),
                              ("question", _STR), ("source_id", _STR)])),
])

TRL_SCHEMA = pa.schema([("prompt", MESSAGES), ("answer", _STR), ("answer_type", _STR), ("id", _STR)])


def split_of(source_id: str, test_fraction: float, seed: int = 0) -> str:
    """Split by document, not by pair: two questions on one page must not straddle splits."""
    if test_fraction <= 0:
        return "train"
    digest = hashlib.sha256(f"{seed}\x1f{source_id}".encode()).hexdigest()
    return "test" if int(digest[:16], 16) / 2**64 < test_fraction else "train"


def _default_table(records: list[dict]) -> pa.Table:
    """Known columns with the explicit schema (so 0 rows still has every feature); any extra
    keys a newer builder adds are kept as inferred columns rather than silently dropped."""
    required = [name for name in DEFAULT_SCHEMA.names if name not in OPTIONAL_DEFAULTS]
    extra = sorted({key for r in records for key in r} - set(DEFAULT_SCHEMA.names))
    rows = []
    for record in records:
        missing = [name for name in required if name not in record]
        if missing:
            raise ValueError(f"record {record.get('id')!r} lacks {missing}")
        rows.append({**OPTIONAL_DEFAULTS, **record})
    table = pa.Table.from_pylist(rows, schema=DEFAULT_SCHEMA)
    for name in extra:
        table = table.append_column(name, pa.array([r.get(name) for r in rows]))
    return table


def _verl_table(records: list[dict], split: str) -> pa.Table:
    return pa.Table.from_pylist([{
        "data_source": DATA_SOURCE,
        "prompt": chat_prompt(r["question"]),
        "ability": r["domain"],
        "reward_model": {"style": "rule", "ground_truth": r["answer"]},
        "extra_info": {"split": split, "index": i, "id": r["id"], "answer_type": r["answer_type"],
                       "question": r["question"], "source_id": r["source_id"]},
    } for i, r in enumerate(records)], schema=VERL_SCHEMA)


def _trl_table(records: list[dict]) -> pa.Table:
    return pa.Table.from_pylist([{"prompt": chat_prompt(r["question"]), "answer": r["answer"],
                                  "answer_type": r["answer_type"], "id": r["id"]} for r in records],
                                schema=TRL_SCHEMA)


def _table(config: str, records: list[dict], split: str) -> pa.Table:
    if config == "verl":
        return _verl_table(records, split)
    if config == "trl":
        return _trl_table(records)
    return _default_table(records)


def _write_shards(table: pa.Table, folder: Path, split: str, rows_per_shard: int) -> list[Path]:
    count = max(1, math.ceil(table.num_rows / rows_per_shard))
    paths = []
    for index in range(count):
        path = folder / f"{split}-{index:05d}-of-{count:05d}.parquet"
        part = table.slice(index * rows_per_shard, rows_per_shard)
        if part.num_rows:
            pq.write_table(part, path, row_group_size=ROW_GROUP_ROWS)
        else:  # no row group at all: `datasets` fails on a row group of 0 rows
            pq.ParquetWriter(path, table.schema).close()
        paths.append(path)
    return paths


def write_dataset(out_dir: str | Path, records: list[dict], *, test_fraction: float = 0.0, seed: int = 0,
                  rows_per_shard: int = ROWS_PER_SHARD) -> dict:
    """Write data/<config>/<split>-NNNNN-of-NNNNN.parquet for every config and a metadata-only
    README.md; return {configs: {config: {split: {rows, files}}}, splits, rows, files, split_rule}."""
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    out = Path(out_dir)
    by_split: dict[str, list[dict]] = {"train": []}
    if test_fraction > 0:
        by_split["test"] = []
    for record in records:
        by_split[split_of(str(record["source_id"]), test_fraction, seed)].append(record)
    if not by_split.get("test", True):
        del by_split["test"]  # `datasets` refuses to load a split of 0 rows, so there is none

    summary: dict = {"configs": {}, "splits": list(by_split), "rows": {}, "files": [], "split_rule": SPLIT_RULE}
    for config in CONFIGS:
        folder = out / "data" / config
        shutil.rmtree(folder, ignore_errors=True)  # stale shards of an earlier build would load too
        folder.mkdir(parents=True)
        summary["configs"][config] = {}
        for split, rows in by_split.items():
            table = _table(config, rows, split)
            files = [p.relative_to(out).as_posix() for p in _write_shards(table, folder, split, rows_per_shard)]
            summary["configs"][config][split] = {"rows": table.num_rows, "files": files}
            summary["rows"][split] = table.num_rows
            summary["files"] += files
    _write_metadata_readme(out)
    return summary


def split_files(out_dir: str | Path, config: str = "default") -> dict[str, list[Path]]:
    """Parquet shards of one config on disk, per split, in order."""
    folder = Path(out_dir) / "data" / config
    found = {split: sorted(folder.glob(f"{split}-*.parquet")) for split in SPLITS}
    return {split: paths for split, paths in found.items() if paths}


def hub_metadata(out_dir: str | Path) -> dict:
    """The `configs` and `dataset_info` YAML entries, read back from the parquet files on disk
    so the card never describes data that is not there."""
    from datasets import Features

    out = Path(out_dir)
    configs, infos = [], []
    for config in CONFIGS:
        files = split_files(out, config)
        if not files:
            continue
        entry = {"config_name": config,
                 "data_files": [{"split": split, "path": f"data/{config}/{split}-*.parquet"} for split in files]}
        if config == "default":
            entry["default"] = True
        configs.append(entry)
        splits, schema, download_size = [], None, 0
        for split, paths in files.items():
            rows = num_bytes = 0
            for path in paths:
                meta = pq.read_metadata(path)
                schema = schema or meta.schema.to_arrow_schema()
                rows += meta.num_rows
                num_bytes += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
                download_size += path.stat().st_size
            splits.append({"name": split, "num_bytes": num_bytes, "num_examples": rows})
        infos.append({"config_name": config,
                      "features": Features.from_arrow_schema(schema)._to_yaml_list(),
                      "splits": splits, "download_size": download_size,
                      "dataset_size": sum(s["num_bytes"] for s in splits)})
    return {"configs": configs, "dataset_info": infos}


def row_counts(out_dir: str | Path, config: str = "default") -> dict[str, int]:
    return {split: sum(pq.read_metadata(p).num_rows for p in paths)
            for split, paths in split_files(out_dir, config).items()}


def _write_metadata_readme(out: Path) -> None:
    import yaml

    header = yaml.safe_dump(hub_metadata(out), sort_keys=False, allow_unicode=True)
    (out / "README.md").write_text(
        f"---\n{header}---\n\nData only: run `webscale-rl card {out}` to write the full dataset card.\n",
        encoding="utf-8")
