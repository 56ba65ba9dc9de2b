"""Document dedup before the LLM, with datatrove's own steps: an exact content hash that keeps
the first copy, then MinHash near-duplicates (datatrove's four stages). `pipeline.py` places the
steps; this module holds what they share: the settings read from the config, the text exact
dedup compares, and the signature step that keeps the first copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig, ExactDedupSignature
from datatrove.pipeline.dedup.minhash import MinhashConfig

from webscale_rl.builder.config import DEDUP_DEFAULTS, MINHASH_DEFAULTS, ConfigError, unknown_key

DEDUP_KEYS = set(DEDUP_DEFAULTS)


def normalized_text(doc: Document) -> str:
    """What exact dedup compares: the text with runs of whitespace collapsed."""
    return " ".join(doc.text.split())


EXACT_CONFIG = ExactDedupConfig(content_getter=normalized_text)


class FirstSeenExactSignature(ExactDedupSignature):
    """datatrove's exact-dedup signatures with a priority that keeps the first copy: a lower rank
    gets a higher priority and, within a rank, datatrove keeps the earliest document."""

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1):
        self.priority = max(1, 65535 - rank)
        return super().run(data, rank, world_size)

    def get_hashes(self, doc: Document, doc_idx: int) -> list[tuple[int, int, int]]:
        return [(self.hash_fc(self.config.content_getter(doc)), self.priority, doc_idx)]


@dataclass(frozen=True)
class DedupSettings:
    """The `dedup` section of a config: MinHash's parameters, or None when it is off."""

    exact: bool
    minhash: MinhashConfig | None
    keep_dropped: bool


def dedup_settings(dedup_cfg: dict) -> DedupSettings:
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
    return DedupSettings(exact=bool(cfg.get("exact", DEDUP_DEFAULTS["exact"])),
                         minhash=MinhashConfig(**minhash) if minhash else None,
                         keep_dropped=bool(cfg.get("keep_dropped", DEDUP_DEFAULTS["keep_dropped"])))
