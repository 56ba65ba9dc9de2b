"""What our read + pre-filter + dedup costs next to a plain datatrove pipeline of the same blocks.

Both run on the same synthetic corpus (the sample corpus replicated with word-level changes, so
copies are not near-duplicates of each other) in a temporary folder, with the same executor
layout; ours adds input accounting, truncation, reason prefixes, exclusion writers and the tally.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
from datatrove.pipeline.dedup.exact_dedup import ExactDedupFilter, ExactDedupSignature, ExactFindDedups
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupBuckets
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from webscale_rl.builder.dedup import EXACT_CONFIG
from webscale_rl.builder.documents import DocumentFolders
from webscale_rl.builder.inputs import sample_corpus_dir
from webscale_rl.builder.pipeline import chained_executors, document_funnel, document_stages
from webscale_rl.builder.prefilter import prefilter_steps

DOCUMENTS = 1500  # ~13 ms per document per pipeline on one core: both sides in about 45 s
TASKS = 2


def synthetic_corpus(folder: Path, documents: int = DOCUMENTS, seed: int = 0) -> int:
    """Writes `documents` perturbed copies of the sample corpus into `folder` as two jsonl files."""
    rng = random.Random(seed)
    originals = [json.loads(line) for path in sorted(sample_corpus_dir().glob("*.jsonl")) for line in path.open(encoding="utf-8")]
    vocabulary = sorted({word for doc in originals for word in doc["text"].split()})
    folder.mkdir(parents=True, exist_ok=True)
    files = [(folder / f"part_{i}.jsonl").open("w", encoding="utf-8") for i in range(2)]
    for n in range(documents):
        doc = originals[n % len(originals)]
        paragraphs = doc["text"].split("\n\n")
        rng.shuffle(paragraphs)
        text = "\n\n".join(" ".join(w if rng.random() > 0.3 else rng.choice(vocabulary) for w in p.split(" ")) for p in paragraphs)
        files[n % 2].write(json.dumps({"id": f"syn-{n:05d}", "text": text, "meta": doc["meta"]}) + "\n")
    for f in files:
        f.close()
    return documents


def _local(pipeline: list, logging_dir: Path, tasks: int | None = None, depends=None) -> LocalPipelineExecutor:
    return LocalPipelineExecutor(pipeline, tasks=tasks or TASKS, workers=1, logging_dir=str(logging_dir), depends=depends)


def plain_executors(corpus: Path, work: Path) -> list[LocalPipelineExecutor]:
    """The same blocks, as a datatrove user would chain them with stock classes only."""
    mh_cfg = MinhashConfig()
    filtered, logs = work / "filtered", work / "logs"
    stage1 = _local([JsonlReader(str(corpus)), GopherQualityFilter(max_non_alpha_words_ratio=0.6), GopherRepetitionFilter(),
                     FineWebQualityFilter(), C4QualityFilter(filter_curly_bracket=False),
                     JsonlWriter(str(filtered), output_filename="${rank}.jsonl", compression=None),
                     ExactDedupSignature(str(work / "exact_sigs"), config=EXACT_CONFIG)], logs / "1")
    stage2 = _local([ExactFindDedups(str(work / "exact_sigs"), str(work / "exact_dups"), config=EXACT_CONFIG)], logs / "2", 1, stage1)
    stage3 = _local([JsonlReader(str(filtered)), ExactDedupFilter(str(work / "exact_dups"), config=EXACT_CONFIG),
                     MinhashDedupSignature(str(work / "sigs"), config=mh_cfg)], logs / "3", depends=stage2)
    stage4 = _local([MinhashDedupBuckets(str(work / "sigs"), str(work / "buckets"), config=mh_cfg)], logs / "4", mh_cfg.num_buckets, stage3)
    stage5 = _local([MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=mh_cfg)], logs / "5", 1, stage4)
    stage6 = _local([JsonlReader(str(filtered)), ExactDedupFilter(str(work / "exact_dups"), config=EXACT_CONFIG),
                     MinhashDedupFilter(str(work / "remove")),
                     JsonlWriter(str(work / "survivors"), output_filename="${rank}.jsonl", compression=None)], logs / "6", depends=stage5)
    return [stage1, stage2, stage3, stage4, stage5, stage6]


def _timed(executors: list) -> float:
    start = time.perf_counter()
    for executor in executors:
        executor.run()
    return time.perf_counter() - start


def bench_prefilter(documents: int = DOCUMENTS) -> dict:
    """{"ours_docs_per_s", "plain_docs_per_s", "ratio" (ours / plain throughput), "documents"}."""
    from datatrove.data import Document
    from datatrove.utils.text import split_into_words

    split_into_words("Load the word tokenizer before timing either side.")
    GopherQualityFilter().filter(Document(text="warm up " * 60, id="warm-up"))
    with tempfile.TemporaryDirectory(prefix="wsrl-bench-") as tmp:
        root = Path(tmp)
        n = synthetic_corpus(root / "corpus", documents)
        plain_s = _timed(plain_executors(root / "corpus", root / "plain"))
        cfg = {"input": {"source": str(root / "corpus")}, "prefilter": {}, "dedup": {}, "executor": {"type": "local", "tasks": TASKS}}
        docs = DocumentFolders.under(root / "ours")
        stages = document_stages(cfg, docs)
        ours_s = _timed(chained_executors(cfg, stages, docs.logs))
        funnel = document_funnel(docs, stages)
    if funnel["documents_in"] != n:
        raise RuntimeError(f"benchmark read {funnel['documents_in']} of {n} documents")
    return {"ours_docs_per_s": round(n / ours_s, 1), "plain_docs_per_s": round(n / plain_s, 1),
            "ratio": round(plain_s / ours_s, 3), "documents": n}


if __name__ == "__main__":
    print(json.dumps(bench_prefilter(), indent=2))


# Text of each kind that nobody on the project wrote, from packages this project installs:
# READMEs (the long descriptions shipped in package metadata), Python source and math docstrings.
CODE_MODULES = ["idna.core", "click.core", "packaging.version", "jsonschema.validators", "yaml.constructor",
                "httpx._client", "jinja2.lexer", "requests.sessions"]
MATH_OBJECTS = ["bernoulli", "fibonacci", "catalan", "harmonic", "totient", "zeta", "binomial", "rsolve"]


def _head(text: str, limit: int = 4000) -> str:
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > 0 else limit]


def texts_by_kind() -> dict[str, list[str]]:
    import importlib.util
    import inspect

    import sympy

    from webscale_rl.builder.audit import _audit_file
    from webscale_rl.builder.inputs import sample_corpus_rows

    readmes = [json.loads(line)["text"] for line in _audit_file("documents.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    code = [_head(Path(importlib.util.find_spec(name).origin).read_text(encoding="utf-8")) for name in CODE_MODULES]
    math = [_head(inspect.getdoc(getattr(sympy, name)) or "") for name in MATH_OBJECTS]
    web = [row["text"] for row in sample_corpus_rows() if not row["meta"].get("planted")]
    return {"reference": readmes, "code": code, "math": math, "web": web}


def kinds_table() -> dict[str, dict[str, float]]:
    """Share of each kind of text that each kind's rule set drops: {text kind: {rule set: share}}."""
    from datatrove.data import Document
    from datatrove.pipeline.filters.base_filter import get_filter_result

    from webscale_rl.builder.prefilter import KINDS

    table: dict[str, dict[str, float]] = {}
    for text_kind, texts in texts_by_kind().items():
        table[text_kind] = {}
        for rule_set in KINDS:
            filters = [step for step in prefilter_steps({"kind": rule_set}) if hasattr(step, "filter")]
            dropped = sum(any(not get_filter_result(f.filter(Document(text=t, id=str(i))))[0] for f in filters)
                          for i, t in enumerate(texts))
            table[text_kind][rule_set] = round(dropped / len(texts), 2)
    return table
