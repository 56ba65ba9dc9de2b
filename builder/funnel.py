"""The document funnel in stats.json: documents in, every drop reason, documents to the LLM,
read back from the stats datatrove writes for each task of the document stages.

A filter counts a drop as `dropped` plus, when it names one, `dropped_<reason>`; the steps that
name none get their reason from `UNNAMED_DROPS`. `Tally` counts what reaches the LLM stages.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import MinhashDedupFilter
from datatrove.pipeline.dedup.exact_dedup import ExactDedupFilter
from datatrove.pipeline.filters import SamplerFilter
from datatrove.utils.stats import MetricStats, PipelineStats

# Filters that count drops without a reason: the reason their drops get in the funnel.
UNNAMED_DROPS = {ExactDedupFilter.name: "exact_duplicate", MinhashDedupFilter.name: "near_duplicate",
                 SamplerFilter.name: "not_sampled"}
TO_LLM = "documents_to_llm"


class Tally(PipelineStep):
    """Counts the documents passing through (the funnel's last number)."""

    type = "🔢 - COUNT"
    name = "🔢 Tally"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            self.stat_update(TO_LLM)
            yield doc


def stage_stats(logging_dir: Path) -> PipelineStats:
    """A stage's stats summed over its tasks' `stats/<rank>.json` with datatrove's own merge
    (its stats.json only holds the tasks of the last run, which after a resume is not all of them)."""
    files = sorted((Path(logging_dir) / "stats").glob("*.json"))
    return sum((PipelineStats.from_json(json.loads(f.read_text())) for f in files), start=PipelineStats())


def _total(value: MetricStats | dict | int) -> int:
    """A count of merged stats: a stage of one task keeps the number or dict datatrove wrote."""
    return int((value if isinstance(value, MetricStats) else MetricStats.from_dict(value)).total)


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
        for step in stage_stats(logging_dir).stats:
            counts = {key: _total(value) for key, value in step.stats.items()}
            documents_in += counts.get("records_in", 0)
            documents_to_llm += counts.get(TO_LLM, 0)
            named = 0
            for key, value in counts.items():
                if key.startswith("dropped_"):
                    drops[key.removeprefix("dropped_")] += value
                    named += value
            if counts.get("dropped", 0) > named:
                drops[_unnamed_reason(step.name)] += counts["dropped"] - named
    return {"documents_in": documents_in, "document_drops": dict(sorted(drops.items())),
            "documents_to_llm": documents_to_llm}
