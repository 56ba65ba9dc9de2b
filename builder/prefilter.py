"""Cheap heuristic pre-filter, run before any LLM call: datatrove's Gopher, FineWeb and C4 rules,
a minimum length, an optional fastText language filter, and a length cap.

Config (`prefilter:` in the build config); each rule is `true` (defaults), `false` (off) or a
mapping of its datatrove parameters (plus `enabled:`):

    kind: web                 # the rule set for this kind of source: web | reference | code | math
    max_chars: 12000          # longer documents are cut at a paragraph boundary, never dropped
    min_tokens: {min_tokens: 50}
    language: {model_path: models/lid.176.bin, languages: [en]}   # off by default
    gopher_quality: {}        # GopherQualityFilter parameters
    gopher_repetition: {}     # GopherRepetitionFilter parameters
    fineweb_quality: {}       # FineWebQualityFilter parameters
    c4: {}                    # C4QualityFilter parameters, plus rewrite_text (default false)

Each drop is counted by datatrove's filter stats as `dropped_<rule>_<sub-reason>`, e.g.
`dropped_gopher_quality_too_few_stop_words`; the funnel reads them from stats.json.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    LanguageFilter,
)
from datatrove.pipeline.filters.base_filter import BaseFilter, get_filter_result
from datatrove.utils.lid import FastTextLID

# The defaults, with why they differ from datatrove's, are in the config module.
from webscale_rl.builder.config import (
    KINDS,
    MAX_CHARS,
    MIN_TOKENS,
    PREFILTER_DEFAULTS,
    RULE_DEFAULTS,
    RULE_ORDER,
    ConfigError,
    unknown_key,
)

# Word pieces and single punctuation marks: close to a BPE token count for English prose.
TOKEN = re.compile(r"\w+|[^\w\s]")

# datatrove's Gopher reason names, made readable (its "enough_stop_words" means too few).
GOPHER_REASONS = {
    "short_doc": "too_few_words",
    "long_doc": "too_many_words",
    "below_avg_threshold": "avg_word_too_short",
    "above_avg_threshold": "avg_word_too_long",
    "below_alpha_threshold": "too_few_alpha_words",
    "enough_stop_words": "too_few_stop_words",
}

LID_HELP = """\
prefilter.language is enabled but its fastText model {path!r} does not exist.
Download one of these once (this machine must have network access, or copy the file over):
  - fastText lid.176 (176 languages, codes like `en`), backend ft176 (the default):
      https://dl.fbaipublicfiles.com/fasttext/supervised-models/lid.176.bin
  - GlotLID v3 (codes like `eng_Latn`), backend glotlid:
      https://huggingface.co/cis-lmu/glotlid/resolve/main/model_v3.bin
put it for example in models/lid.176.bin and set
  prefilter: {{language: {{model_path: models/lid.176.bin, languages: [en]}}}}
or turn the rule off with `prefilter: {{language: false}}` (Gopher's stop-word rule still drops
most non-English text)."""


def snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "other"


def import_spacy_without_torch() -> None:
    """Import spaCy, whose blank tokenizer splits words for the Gopher and FineWeb rules, with
    torch hidden. spaCy's thinc imports torch when it is installed (the `train` extra brings it):
    about 200 MB of resident memory and seconds of start-up in every worker, for a tokenizer
    that never calls it. A process that already holds torch or spaCy is left as it is."""
    if "spacy" in sys.modules or "torch" in sys.modules:
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        import spacy  # noqa: F401
    finally:
        del sys.modules["torch"]


class PrefixedReasons:
    """Mixin for datatrove filters: drop reasons become `<prefix>_<sub-reason>` in the stats."""

    prefix = "filter"
    renames: dict[str, str] = {}

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        import_spacy_without_torch()  # here, in the worker that runs the rules
        return super().run(data, rank, world_size)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        keep, reason = get_filter_result(super().filter(doc))
        if keep:
            return True
        reason = snake(reason or "other")
        if reason.startswith(self.prefix.split("_")[0] + "_"):
            reason = reason.split("_", 1)[1]
        return False, f"{self.prefix}_{self.renames.get(reason, reason)}"


class GopherQuality(PrefixedReasons, GopherQualityFilter):
    prefix = "gopher_quality"
    renames = GOPHER_REASONS


class GopherRepetition(PrefixedReasons, GopherRepetitionFilter):
    """Gopher's repetition rules, measured on the lines that carry text. Reference text draws
    its tables and underlines its headings with runs of "=" and "-": counted as words, they
    made the most frequent n-gram of a dataset card or a README, and the rules dropped half the
    dataset descriptions scikit-learn ships and 11 of 100 Debian READMEs. Lines without a letter
    or a digit repeat no content, so leaving them out hides no boilerplate; blank lines stay,
    since they separate the paragraphs the rules compare."""

    prefix = "gopher_repetition"

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        original = doc.text
        doc.text = "\n".join(line for line in original.split("\n") if not line.strip() or any(c.isalnum() for c in line))
        try:
            return super().filter(doc)
        finally:
            doc.text = original


class FineWebQuality(PrefixedReasons, FineWebQualityFilter):
    prefix = "fineweb_quality"


class C4Quality(PrefixedReasons, C4QualityFilter):
    """C4's rules; with `rewrite_text=False` the document text is left as it was."""

    prefix = "c4"

    def __init__(self, rewrite_text: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rewrite_text = rewrite_text

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        original = doc.text
        result = super().filter(doc)
        if not self.rewrite_text:
            doc.text = original
        return result


class MinTokensFilter(BaseFilter):
    """Drops documents with fewer than `min_tokens` tokens (words and punctuation marks)."""

    name = "📏 Min tokens"
    prefix = "min_tokens"

    def __init__(self, min_tokens: int = MIN_TOKENS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_tokens = min_tokens

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        count = 0
        for _ in TOKEN.finditer(doc.text):
            count += 1
            if count >= self.min_tokens:
                return True
        return False, "too_few_tokens"


class LocalFastTextLID(FastTextLID):
    """A fastText language-id model loaded from a local file (datatrove's downloads it)."""

    def __init__(self, model_path: str, languages: list[str] | None = None) -> None:
        super().__init__(languages)
        self.model_path = model_path

    @property
    def model(self):
        if self._model is None:
            from fasttext.FastText import _FastText

            self._model = _FastText(self.model_path)
        return self._model


class LocalLanguageFilter(LanguageFilter):
    """datatrove's LanguageFilter on a local model file, with the language in the drop reason."""

    prefix = "language"

    def __init__(self, model_path: str, languages: list[str], language_threshold: float = 0.65,
                 backend: str = "ft176", **kwargs: Any) -> None:
        super().__init__(languages=languages, language_threshold=language_threshold, backend=backend, **kwargs)
        self.model = LocalFastTextLID(model_path, self.languages)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if super().filter(doc):
            return True
        lang = str(doc.metadata.get("language", "unknown"))
        if self.languages and lang in self.languages:
            return False, f"language_low_confidence_{snake(lang)}"
        return False, f"wrong_language_{snake(lang)}"


class TruncateLongDocuments(PipelineStep):
    """Cuts documents longer than `max_chars` at the last paragraph boundary before the limit
    (else the last line break, sentence end or space) and marks metadata["truncated"]: the
    LLM stages never see a whole over-long document, and none is dropped for its length."""

    type = "✂️ - FORMAT"
    name = "✂️ Truncate long documents"

    def __init__(self, max_chars: int = MAX_CHARS) -> None:
        super().__init__()
        self.max_chars = max_chars

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            self.stat_update("total")
            if len(doc.text) > self.max_chars:
                with self.track_time():
                    doc.metadata["original_chars"] = len(doc.text)
                    doc.text = cut_at_boundary(doc.text, self.max_chars)
                    doc.metadata["truncated"] = True
                self.stat_update("truncated")
            yield doc


def cut_at_boundary(text: str, max_chars: int) -> str:
    head = text[:max_chars]
    for boundary in ("\n\n", "\n", ". ", " "):
        cut = head.rfind(boundary)
        if cut >= max_chars // 2:
            return head[: cut + (1 if boundary == ". " else 0)].rstrip()
    return head


def _rule_params(cfg: dict, rule: str) -> dict | None:
    """Merged parameters of a rule, or None when it is off."""
    value = cfg.get(rule, {})
    if value is False or value is None:
        return None
    if value is True:
        value = {"enabled": True}
    if not isinstance(value, dict):
        raise ConfigError(f"prefilter.{rule} must be true, false or a mapping of parameters, got {value!r}")
    params = {**RULE_DEFAULTS[rule], **({"enabled": True} if rule in cfg else {}), **value}
    if not params.pop("enabled"):
        return None
    return params


def _parameters(cls: type) -> list[str]:
    """The keyword arguments a filter class takes, following **kwargs up to its base classes."""
    names: list[str] = []
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
        names += [p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    return list(dict.fromkeys(names))


def _build(rule: str, params: dict) -> PipelineStep:
    if rule == "language":
        path = params.pop("model_path", None)
        if not path or not Path(path).expanduser().is_file():
            raise ConfigError(LID_HELP.format(path=path))
        return LocalLanguageFilter(str(Path(path).expanduser()), **params)
    cls = {"min_tokens": MinTokensFilter, "gopher_quality": GopherQuality, "gopher_repetition": GopherRepetition,
           "fineweb_quality": FineWebQuality, "c4": C4Quality}[rule]
    for key in ("top_n_grams", "dup_n_grams"):  # YAML gives lists of lists; datatrove expects tuples
        if key in params:
            params[key] = tuple(tuple(pair) for pair in params[key])
    accepted = _parameters(cls)
    for key in params:
        if key not in accepted:
            raise unknown_key(f"prefilter.{rule}", key, ["enabled", *accepted])
    try:
        return cls(**params)
    except TypeError as err:
        raise ConfigError(f"prefilter.{rule}: {err}") from None


def prefilter_steps(prefilter_cfg: dict) -> list[PipelineStep]:
    """The pre-filter steps in order: truncate, min tokens, language, Gopher, FineWeb, C4."""
    cfg = dict(prefilter_cfg or {})
    for key in cfg:
        if key not in (*PREFILTER_DEFAULTS, *RULE_ORDER):
            raise unknown_key("prefilter", key, [*PREFILTER_DEFAULTS, *RULE_ORDER])
    kind = cfg.pop("kind", PREFILTER_DEFAULTS["kind"])
    if kind not in KINDS:
        raise ConfigError(f"prefilter.kind must be one of {sorted(KINDS)}, got {kind!r}")
    max_chars = cfg.get("max_chars", PREFILTER_DEFAULTS["max_chars"])
    if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars <= 0:
        raise ConfigError(f"prefilter.max_chars must be a positive number of characters, got {max_chars!r}")
    steps: list[PipelineStep] = [TruncateLongDocuments(max_chars)]
    for rule in RULE_ORDER:
        if rule not in KINDS[kind] and rule not in cfg:
            continue
        params = _rule_params(cfg, rule)
        if params is not None:
            steps.append(_build(rule, params))
    return steps


def first_drop(steps: list[PipelineStep], doc: Document) -> str | None:
    """Runs the steps like a pipeline on one document (the Space, the tests): the reason of the
    first drop as the funnel names it, "unnamed" for a drop without one, None when kept."""
    stream = [doc]
    for step in steps:
        stream = list(step.run(stream, 0, 1))
    if stream:
        return None
    for step in steps:
        for key, value in step.stats.stats.items():
            if key.startswith("dropped_") and value.total:
                return key.removeprefix("dropped_")
    return "unnamed"
