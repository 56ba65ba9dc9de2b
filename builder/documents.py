"""Where the document stages keep their files under `.work/documents/`, and the steps that
write and read them one rank at a time.

Every stage writes one file per rank and datatrove skips completed tasks, so a rerun after a
crash redoes only unfinished tasks and overwrites their files: survivors are never duplicated.
Dropped documents are kept for inspection under dropped/ (dedup `keep_dropped: false` to skip).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter


@dataclass(frozen=True)
class DocumentFolders:
    """The folders of one build's document stages."""

    root: Path

    @classmethod
    def under(cls, work_dir: Path) -> "DocumentFolders":
        return cls(Path(work_dir) / "documents")

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def prefiltered(self) -> Path:
        return self.root / "prefiltered"

    @property
    def survivors(self) -> Path:
        return self.root / "survivors"

    @property
    def dropped(self) -> Path:
        return self.root / "dropped"

    @property
    def exact(self) -> Path:
        return self.root / "exact"

    @property
    def minhash(self) -> Path:
        return self.root / "minhash"


def rank_writer(folder: Path) -> JsonlWriter:
    """`<rank>.jsonl`, uncompressed: a rerun of a task overwrites its own file."""
    return JsonlWriter(str(folder), output_filename="${rank}.jsonl", compression=None)


class RankFileReader(JsonlReader):
    """Reads exactly `<rank>.jsonl` of an earlier stage (nothing if that task wrote no file), so
    stages that must see the same document order per rank (dedup signature and filter) do."""

    name = "🐿 Jsonl (rank file)"

    def __init__(self, data_folder: Path) -> None:
        super().__init__(str(data_folder), add_file_path=False)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        name = f"{rank:05d}.jsonl"
        if self.data_folder.exists(name):
            for doc in self.read_files_shard([name]):
                self.update_doc_stats(doc)
                yield doc


def keep_exclusions(steps: list[PipelineStep], folder: Path | None) -> list[PipelineStep]:
    """The steps, each filter among them writing what it drops to `folder/<index>_<rule>` (none
    when `folder` is None)."""
    if folder is not None:
        for i, step in enumerate(steps):
            if isinstance(step, BaseFilter) and step.exclusion_writer is None:
                step.exclusion_writer = rank_writer(folder / f"{i:02d}_{getattr(step, 'prefix', type(step).__name__.lower())}")
    return steps


def dropped_documents(work_dir: Path) -> dict[str, str]:
    """{document id: drop reason} of the documents kept under dropped/ (for inspection and tests)."""
    reasons = {}
    for path in sorted(DocumentFolders.under(work_dir).dropped.rglob("*.jsonl")):
        folder = path.parent.name
        for line in path.open(encoding="utf-8"):
            doc = json.loads(line)
            reasons[doc["id"]] = doc.get("metadata", {}).get("filter_reason") or folder
    return reasons
