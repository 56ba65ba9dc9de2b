"""Document stages before the LLM: read -> input accounting -> pre-filter -> exact dedup ->
MinHash near-dup -> survivors, as datatrove executors chained with `depends=`.

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
from pathlib import Path
from typing import Callable

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig, ExactDedupFilter, ExactDedupSignature, ExactFindDedups
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from webscale_rl.builder.config import DEDUP_DEFAULTS, MINHASH_DEFAULTS, ConfigError, unknown_key
from webscale_rl.builder.funnel import Tally

DEDUP_KEYS = set(DEDUP_DEFAULTS)


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
    folders `funnel.collect_funnel` reads (the first and the last stage)."""
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
    final += [Tally(), _writer(survivors)]
    executors.append(make_executor(final, logs / "6_final", depends=executors[-1]))
    return executors, survivors, [logs / "1_prefilter", logs / "6_final"]


def dropped_documents(work_dir: Path) -> dict[str, str]:
    """{document id: drop reason} of the documents kept under dropped/ (for inspection and tests)."""
    reasons = {}
    for path in sorted((Path(work_dir) / "documents" / "dropped").rglob("*.jsonl")):
        folder = path.parent.name
        for line in path.open(encoding="utf-8"):
            doc = json.loads(line)
            reasons[doc["id"]] = doc.get("metadata", {}).get("filter_reason") or folder
    return reasons
