"""Benchmark decontamination: flag generated pairs that share an n-gram with a benchmark.

Benchmarks are local files (the Hub may be unreachable, so paths are configuration):
jsonl, json, csv or parquet, optionally gzipped jsonl, or a folder of them. The text fields
are found by name: the question from question/problem/input/query/prompt, the answer side
from answer/solution/target/options/choices (any present are used).

Overlap follows lm-eval-harness's decontamination: text is lower-cased, punctuation is
deleted, words are split on whitespace (eval/answers/text.py, which also folds accents: the
normalisation of the answer check and the pair checks), and two texts overlap when they share one word
13-gram. Rule for short texts: a text of fewer than n words is one gram made of all its
words, so a short question matches only a benchmark text that is the same words (after
normalisation). A generated *answer* is checked only when it has at least n words: short
answers ("72", "Paris") recur everywhere and say nothing about leakage.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from webscale_rl.eval.answers.text import normal_words

QUESTION_FIELDS = ("question", "problem", "input", "query", "prompt", "question_text")
ANSWER_FIELDS = ("answer", "solution", "target", "options", "choices", "correct answer", "answer_text", "targets")
SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".parquet", ".csv")


@dataclass
class BenchmarkIndex:
    """n-gram hashes -> bitmask of the benchmarks holding them."""

    n: int
    names: list[str] = field(default_factory=list)
    grams: dict[int, int] = field(default_factory=dict)
    items: dict[str, int] = field(default_factory=dict)  # benchmark -> rows indexed


def ngram_hashes(text: str, n: int) -> set[int]:
    """Hashes of the word n-grams of a text; a text shorter than n words is one gram."""
    words = normal_words(text)
    if not words:
        return set()
    if len(words) < n:
        return {xxhash.xxh3_64_intdigest(" ".join(words))}
    return {xxhash.xxh3_64_intdigest(" ".join(words[i:i + n])) for i in range(len(words) - n + 1)}


def _rows(path: Path) -> list[dict]:
    name = path.name.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if name.endswith(".csv"):
        import pyarrow.csv as pacsv

        return pacsv.read_csv(path).to_pylist()
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        if name.endswith(".json"):
            data = json.load(f)
            if isinstance(data, dict):  # {"data": [...]} or {"examples": [...]}
                data = next((v for v in data.values() if isinstance(v, list)), [data])
            return [r for r in data if isinstance(r, dict)]
        return [json.loads(line) for line in f if line.strip()]


def _as_text(value) -> str:
    """Strings as they are; option lists and {"text": [...]} choices joined with spaces."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(_as_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return " ".join(_as_text(v) for v in value)
    return str(value)


def _fields(row: dict, wanted: tuple[str, ...]) -> list[str]:
    lowered = {str(k).casefold(): k for k in row}
    return [lowered[name] for name in wanted if name in lowered]


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
        if not found:
            raise ValueError(f"benchmark folder {path} holds no {', '.join(SUFFIXES)} file")
        return found
    if not path.exists():
        raise FileNotFoundError(f"benchmark file not found: {path}")
    if not path.name.lower().endswith(SUFFIXES):
        raise ValueError(f"benchmark file {path} is not one of {', '.join(SUFFIXES)}")
    return [path]


def _index_file(index: BenchmarkIndex, bit: int, path: Path) -> int:
    rows = _rows(path)
    if not rows:
        return 0
    columns = sorted({str(k) for r in rows[:50] for k in r})
    if not any(_fields(r, QUESTION_FIELDS + ANSWER_FIELDS) for r in rows[:50]):
        raise ValueError(f"benchmark file {path} has no text column: expected one of "
                         f"{', '.join(QUESTION_FIELDS + ANSWER_FIELDS)}; found {', '.join(columns) or 'none'}")
    for row in rows:
        for key in _fields(row, QUESTION_FIELDS + ANSWER_FIELDS):
            for gram in ngram_hashes(_as_text(row[key]), index.n):
                index.grams[gram] = index.grams.get(gram, 0) | bit
    return len(rows)


def load_benchmarks(benchmarks: dict[str, str | list[str]], n: int = 13) -> BenchmarkIndex:
    """Index benchmark files: {name: path or [paths]} -> BenchmarkIndex. Every path must
    exist and hold a question or answer column; errors name the file."""
    if n < 1:
        raise ValueError(f"n-gram size must be >= 1, got {n}")
    index = BenchmarkIndex(n=n)
    for name, paths in benchmarks.items():
        bit = 1 << len(index.names)
        index.names.append(name)
        index.items[name] = 0
        for raw in [paths] if isinstance(paths, (str, Path)) else list(paths):
            for path in _files(Path(raw).expanduser()):
                index.items[name] += _index_file(index, bit, path)
    return index


def contaminated(index: BenchmarkIndex, question: str, answer: str) -> list[str]:
    """Names of the benchmarks (in configuration order) sharing an n-gram with the pair."""
    grams = ngram_hashes(question, index.n)
    if len(normal_words(answer)) >= index.n:
        grams |= ngram_hashes(answer, index.n)
    mask = 0
    for gram in grams:
        mask |= index.grams.get(gram, 0)
    return [name for i, name in enumerate(index.names) if mask >> i & 1]
