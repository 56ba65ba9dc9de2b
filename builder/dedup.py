"""Document stages before the LLM: read -> input accounting -> pre-filter -> exact dedup ->
MinHash near-dup -> survivors, as datatrove executors chained with `depends=`, plus the funnel
read back from their stats and a question-level near-duplicate finder.

Stages (folders under `work_dir/documents/`):
  1 prefilter   (N tasks) reader + pre-filter, writes prefiltered/<rank>.jsonl and exact-dedup
                signatures (datatrove ExactDedupSignature on a whitespace-normalised text; the
                first copy in input order is kept, as MinHash does)
  2 exact_find  (1 task)  ExactFindDedups
  3 minhash_sig (N tasks) prefiltered/<rank> -> ExactDedupFilter -> MinhashDedupSignature
  4 minhash_buckets (num_buckets tasks), 5 minhash_cluster (1 task)
  6 final       (N tasks) prefiltered/<rank> -> ExactDedupFilter -> MinhashDedupFilter -> survivors/<rank>.jsonl
Every stage writes one file per rank and datatrove skips completed tasks, so a rerun after a
crash redoes only unfinished tasks and overwrites their files: survivors are never duplicated.
Dropped documents are kept for inspection under dropped/ (dedup `keep_dropped: false` to skip).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Callable

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig, ExactDedupFilter, ExactDedupSignature, ExactFindDedups
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
from datatrove.pipeline.filters import SamplerFilter
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from webscale_rl.builder.config import DEDUP_DEFAULTS, MINHASH_DEFAULTS, ConfigError, unknown_key
from webscale_rl.eval.answers.text import normal_words

DEDUP_KEYS = set(DEDUP_DEFAULTS)
# Filters that count drops without a reason: the reason their drops get in the funnel.
UNNAMED_DROPS = {ExactDedupFilter.name: "exact_duplicate", MinhashDedupFilter.name: "near_duplicate",
                 SamplerFilter.name: "not_sampled"}


def normalized_text(doc: Document) -> str:
    """What exact dedup compares: the text with runs of whitespace collapsed."""
    return " ".join(doc.text.split())


class FirstSeenExactSignature(ExactDedupSignature):
    """datatrove's exact-dedup signatures with a priority that keeps the first copy: a lower rank
    gets a higher priority and, within a rank, datatrove keeps the earliest document."""

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
        self.priority = max(1, 65535 - rank)
        return super().run(data, rank, world_size)

    def get_hashes(self, doc: Document, doc_idx: int) -> list[tuple[int, int, int]]:
        return [(self.hash_fc(self.config.content_getter(doc)), self.priority, doc_idx)]


class RankFileReader(JsonlReader):
    """Reads exactly `<rank>.jsonl` of an earlier stage (nothing if that task wrote no file), so
    stages that must see the same document order per rank (dedup signature and filter) do."""

    name = "🐿 Jsonl (rank file)"

    def __init__(self, data_folder: str) -> None:
        super().__init__(data_folder, add_file_path=False)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        name = f"{rank:05d}.jsonl"
        if self.data_folder.exists(name):
            for doc in self.read_files_shard([name]):
                self.update_doc_stats(doc)
                yield doc


class Tally(PipelineStep):
    """Counts the documents passing through under one stat name (the funnel's last number)."""

    type = "🔢 - COUNT"
    name = "🔢 Tally"

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            self.stat_update(self.label)
            yield doc


def _writer(folder: Path) -> JsonlWriter:
    return JsonlWriter(str(folder), output_filename="${rank}.jsonl", compression=None)


def _dedup_settings(dedup_cfg: dict) -> tuple[bool, dict | None, bool]:
    cfg = dict(dedup_cfg or {})
    for key in cfg:
        if key not in DEDUP_KEYS:
            raise unknown_key("dedup", key, DEDUP_KEYS)
    minhash = cfg.get("minhash", {})
    if minhash is True or minhash is None:
        minhash = {}
    if minhash is not False and not isinstance(minhash, dict):
        raise ConfigError(f"dedup.minhash must be true, false or a mapping, got {minhash!r}")
    if minhash is not False:
        for key in minhash:
            if key not in MINHASH_DEFAULTS:
                raise unknown_key("dedup.minhash", key, MINHASH_DEFAULTS)
        minhash = {**MINHASH_DEFAULTS, **minhash}
        if not minhash.pop("enabled"):
            minhash = False
    return (bool(cfg.get("exact", DEDUP_DEFAULTS["exact"])), (minhash or None),
            bool(cfg.get("keep_dropped", DEDUP_DEFAULTS["keep_dropped"])))


def document_executors(reader: Callable[[], list], prefilter: Callable[[], list], dedup_cfg: dict, work_dir: Path,
                       make_executor: Callable) -> tuple[list, Path, list[Path]]:
    """The executors of the document stages in run order, the survivors folder, and the logging
    folders `collect_funnel` reads (the first and the last stage)."""
    exact, minhash, keep_dropped = _dedup_settings(dedup_cfg)
    base = Path(work_dir) / "documents"
    logs, prefiltered, survivors, dropped = base / "logs", base / "prefiltered", base / "survivors", base / "dropped"
    exact_cfg = ExactDedupConfig(content_getter=normalized_text)

    def exclusions(name: str) -> JsonlWriter | None:
        return _writer(dropped / name) if keep_dropped else None

    filters = prefilter()
    for i, step in enumerate(filters):
        if isinstance(step, BaseFilter) and step.exclusion_writer is None and keep_dropped:
            step.exclusion_writer = _writer(dropped / "prefilter" / f"{i:02d}_{getattr(step, 'prefix', type(step).__name__.lower())}")
    first = [*reader(), *filters, _writer(prefiltered)]
    if exact:
        first.append(FirstSeenExactSignature(str(base / "exact" / "sigs"), config=exact_cfg))
    executors = [make_executor(first, logs / "1_prefilter")]

    def exact_filter(excluded: bool) -> list[PipelineStep]:
        if not exact:
            return []
        return [ExactDedupFilter(str(base / "exact" / "dups"), config=exact_cfg,
                                 exclusion_writer=exclusions("exact_duplicate") if excluded else None)]

    if exact:
        executors.append(make_executor([ExactFindDedups(str(base / "exact" / "sigs"), str(base / "exact" / "dups"), config=exact_cfg)],
                                       logs / "2_exact_find", tasks=1, depends=executors[-1]))
    final = [RankFileReader(str(prefiltered)), *exact_filter(excluded=True)]
    if minhash:
        mh_cfg = MinhashConfig(**minhash)
        mh = base / "minhash"
        executors.append(make_executor([RankFileReader(str(prefiltered)), *exact_filter(excluded=False),
                                        MinhashDedupSignature(str(mh / "sigs"), config=mh_cfg)],
                                       logs / "3_minhash_sig", depends=executors[-1]))
        executors.append(make_executor([MinhashDedupBuckets(str(mh / "sigs"), str(mh / "buckets"), config=mh_cfg)],
                                       logs / "4_minhash_buckets", tasks=mh_cfg.num_buckets, depends=executors[-1]))
        executors.append(make_executor([MinhashDedupCluster(str(mh / "buckets"), str(mh / "remove"), config=mh_cfg)],
                                       logs / "5_minhash_cluster", tasks=1, depends=executors[-1]))
        final.append(MinhashDedupFilter(str(mh / "remove"), exclusion_writer=exclusions("near_duplicate")))
    final += [Tally("documents_to_llm"), _writer(survivors)]
    executors.append(make_executor(final, logs / "6_final", depends=executors[-1]))
    return executors, survivors, [logs / "1_prefilter", logs / "6_final"]


def _total(value) -> int:
    return int(value["total"] if isinstance(value, dict) else value)


def load_stats(logging_dir: Path) -> list[dict]:
    """Per-step stats of a stage, summed over its tasks' `stats/<rank>.json` files (datatrove's
    stats.json only holds the tasks of the last run, which after a resume is not all of them)."""
    logging_dir = Path(logging_dir)
    files = sorted((logging_dir / "stats").glob("*.json")) or ([logging_dir / "stats.json"] if (logging_dir / "stats.json").exists() else [])
    merged: dict[tuple[int, str], Counter] = {}
    for file in files:
        for i, step in enumerate(json.loads(file.read_text())):
            counts = merged.setdefault((i, step["name"]), Counter())
            for key, value in step.get("stats", {}).items():
                counts[key] += _total(value)
    return [{"name": name, "stats": counts} for (_, name), counts in merged.items()]


def _unnamed_reason(step_name: str) -> str:
    """stats.json names a step "<type>: <name>"."""
    for name, reason in UNNAMED_DROPS.items():
        if step_name.endswith(name):
            return reason
    return "unnamed_" + "_".join("".join(c if c.isalnum() else " " for c in step_name.lower()).split())


def collect_funnel(logging_dirs: list[Path]) -> dict:
    """documents_in, drops by reason and documents_to_llm from the stages' datatrove stats;
    documents_in == sum(document_drops) + documents_to_llm when every stage has finished."""
    documents_in = documents_to_llm = 0
    drops: Counter = Counter()
    for logging_dir in logging_dirs:
        for step in load_stats(logging_dir):
            stats = step["stats"]
            documents_in += stats.get("records_in", 0)
            documents_to_llm += stats.get("documents_to_llm", 0)
            named = 0
            for key, value in stats.items():
                if key.startswith("dropped_"):
                    drops[key.removeprefix("dropped_")] += value
                    named += value
            if stats.get("dropped", 0) > named:
                drops[_unnamed_reason(step["name"])] += stats["dropped"] - named
    return {"documents_in": documents_in, "document_drops": dict(sorted(drops.items())),
            "documents_to_llm": documents_to_llm}


def dropped_documents(work_dir: Path) -> dict[str, str]:
    """{document id: drop reason} of the documents kept under dropped/ (for inspection and tests)."""
    reasons = {}
    for path in sorted((Path(work_dir) / "documents" / "dropped").rglob("*.jsonl")):
        folder = path.parent.name
        for line in path.open(encoding="utf-8"):
            doc = json.loads(line)
            reasons[doc["id"]] = doc.get("metadata", {}).get("filter_reason") or folder
    return reasons


# ---- question-level near duplicates ------------------------------------------------------------

SHINGLE = 5
NUM_PERM = 128
_CHUNK = 8192  # shingles per block of the signature computation (8 MB at 128 permutations: stays in cache)


def _normalize(question: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed."""
    return " ".join(normal_words(question))


def _shingle_hashes(questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every character 5-gram of every normalised question, as one flat array,
    plus the start offset of each question in it (a question shorter than 5 characters is one shingle)."""
    codes, starts, pos = [], [], 0
    for q in questions:
        norm = _normalize(q)
        arr = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        if len(arr) < SHINGLE:
            arr = np.concatenate([arr, np.zeros(SHINGLE - len(arr), dtype=np.uint64)])
        codes.append(arr)
        starts.append(pos)
        pos += len(arr) - SHINGLE + 1
    flat = np.concatenate(codes)
    lengths = np.array([len(c) for c in codes])
    # window k of question j starts at (cumulative length before j) + k: a polynomial hash over 5 code points
    first = np.repeat(np.cumsum(lengths) - lengths, lengths - SHINGLE + 1)
    offset = np.arange(len(first)) - np.repeat(np.array(starts), lengths - SHINGLE + 1)
    index = first + offset
    h = np.zeros(len(index), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(SHINGLE):
            h = h * np.uint64(0x100000001B3) + flat[index + k]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return h, np.array(starts)


def _signatures(hashes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """MinHash signatures (questions x NUM_PERM). Permutation k maps a 32-bit shingle key x to
    ((a_k * x + b_k) mod 2**64) >> 32 with random 64-bit a_k, b_k (multiply-add-shift hashing,
    2-universal and much faster than a modulo in numpy); blocks hold whole questions."""
    rng = np.random.RandomState(0)
    a = rng.randint(0, 2**63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.randint(0, 2**63, size=NUM_PERM, dtype=np.uint64)
    x = hashes >> np.uint64(32)
    ends = np.append(starts[1:], len(hashes))
    out = np.empty((len(starts), NUM_PERM), dtype=np.uint64)
    q = 0
    while q < len(starts):
        last = max(q + 1, int(np.searchsorted(ends, starts[q] + _CHUNK, side="right")))
        lo, hi = starts[q], ends[last - 1]
        with np.errstate(over="ignore"):
            block = a[:, None] * x[None, lo:hi]
            block += b[:, None]
        block >>= np.uint64(32)
        out[q:last] = np.minimum.reduceat(block, starts[q:last] - lo, axis=1).T
        q = last
    return out


def _bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest chance candidates) that still makes a pair
    at exactly `threshold` a candidate with probability >= 0.9."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        if num_perm % rows == 0 and 1 - (1 - threshold**rows) ** (num_perm // rows) >= 0.9:
            best = (num_perm // rows, rows)
    return best


def near_duplicate_questions(questions: list[str], threshold: float = 0.8) -> list[int]:
    """Indices of questions whose Jaccard similarity with an earlier kept question is >= threshold.

    Similarity is over the sets of character 5-grams of the normalised questions (lower case, no
    punctuation): robust to a changed word or number in a short question, where word n-grams
    would change almost entirely. Greedy: the first of a group is kept, and every question
    flagged has a kept near-twin. MinHash (128 permutations) with LSH banding proposes
    candidates and the exact Jaccard of the shingle sets decides, so the cost grows linearly
    (100k questions in about 7 s on one core)."""
    if not questions:
        return []
    hashes, starts = _shingle_hashes(questions)
    ends = np.append(starts[1:], len(hashes))
    signatures = _signatures(hashes, starts)
    bands, rows = _bands(threshold)
    mix = np.random.RandomState(1).randint(1, 2**63, size=rows, dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        keys = (signatures.reshape(len(questions), bands, rows) * mix).sum(axis=2).tolist()
    sets: dict[int, set[int]] = {}

    def shingles(i: int) -> set[int]:
        if i not in sets:
            sets[i] = set(hashes[starts[i]:ends[i]].tolist())
        return sets[i]

    buckets: list[dict[int, list[int]]] = [{} for _ in range(bands)]
    duplicates = []
    for i, row in enumerate(keys):
        candidates = {j for band, key in enumerate(row) for j in buckets[band].get(key, ())}
        if candidates:
            mine = shingles(i)
            if any(len(mine & shingles(j)) >= threshold * len(mine | shingles(j)) for j in candidates):
                duplicates.append(i)
                continue
        for band, key in enumerate(row):
            buckets[band].setdefault(key, []).append(i)
    return duplicates
