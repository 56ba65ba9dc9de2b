"""Where documents come from: the shipped sample corpus, jsonl / jsonl.gz / parquet files (local,
or any fsspec URL datatrove reads: `s3://`, `hf://datasets/...`, ...; a file, a folder or a
glob), or a Hub dataset read in streaming. Every reader counts what it cannot use (malformed JSON,
bytes that are not UTF-8, a missing, null or empty text field, a record too large to load)
under a `dropped_input_<reason>` stat, so the funnel accounts for every input record, and
logs the file and line of each skip.

A jsonl line that lacks the text field is counted and skipped (rows of a jsonl file may differ);
a parquet file or Hub dataset without the text column stops the run at once, because every row
would be lost: the message names the file, the missing column and the `text_key` setting.

`limit` is the number of usable documents each task reads (-1: all), as in datatrove.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.resources
import inspect
import io
import json
import re
from pathlib import Path
from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters import SamplerFilter
from datatrove.pipeline.readers import HuggingFaceDatasetReader, ParquetReader
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.utils.logging import logger

from webscale_rl.builder.config import INPUT_DEFAULTS, ConfigError, unknown_key

JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz", ".jsonl.zst", ".jsonl.zstd")
PARQUET_SUFFIXES = (".parquet",)
HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
URL = re.compile(r"^[A-Za-z][\w+.-]*://")
INPUT_KEYS = set(INPUT_DEFAULTS)
# Warnings per reason and task before the reader only counts (a broken file can have millions of lines).
MAX_WARNINGS = 20


class InputSchemaError(ConfigError):
    """A columnar source without the configured text column: stop instead of dropping every row."""


def content_id(text: str) -> str:
    """A stable id for records without one: the first 16 hex digits of the text's sha256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def schema_message(where: str, text_key: str, columns: list[str]) -> str:
    return (f"{where} has no column {text_key!r} (columns: {columns}). Set `input.text_key` in the config "
            f"to the column that holds the document text.")


class CountingReaderMixin:
    """Turns raw records into Documents, counting each unusable one with a reason.

    Put before a datatrove reader class; `columnar = True` makes a missing text column fatal.
    """

    columnar = False

    def _skip(self, reason: str, where: str, detail: str) -> None:
        key = f"dropped_input_{reason}"
        self.stat_update(key)
        warned = self.__dict__.setdefault("_warned", {})
        warned[key] = warned.get(key, 0) + 1
        if warned[key] <= MAX_WARNINGS:
            logger.warning(f"{where}: skipped record ({reason}): {detail}")
        elif warned[key] == MAX_WARNINGS + 1:
            logger.warning(f"{where}: more records skipped for {reason}; counting without logging")

    def get_document_from_dict(self, data: Any, source_file: str, id_in_file: int | str) -> Document | None:
        self.stat_update("records_in")
        where = f"{source_file}:{id_in_file}"
        if not isinstance(data, dict):
            self._skip("not_an_object", where, f"a JSON {type(data).__name__}, not an object")
            return None
        if self.text_key not in data:
            if self.columnar:
                raise InputSchemaError(schema_message(source_file, self.text_key, list(data)))
            self._skip("missing_text", where, f"no {self.text_key!r} field (fields: {list(data)[:10]}); "
                                              f"set `input.text_key` if the text is elsewhere")
            return None
        text = data.pop(self.text_key)
        if text is None:
            self._skip("missing_text", where, f"{self.text_key!r} is null")
            return None
        if not isinstance(text, str):
            self._skip("text_not_a_string", where, f"{self.text_key!r} is a {type(text).__name__}")
            return None
        if not text.strip():
            self._skip("empty_text", where, f"{self.text_key!r} is empty or whitespace")
            return None
        raw_id = data.pop(self.id_key, None)
        doc_id = str(raw_id) if raw_id not in (None, "") else content_id(text)
        metadata = data.pop("metadata", None)
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except json.JSONDecodeError:
                pass
        metadata = metadata if isinstance(metadata, dict) else ({} if metadata is None else {"metadata": metadata})
        data.pop("media", None)
        return Document(text=text, id=doc_id, metadata={**(self.default_metadata or {}), **metadata, **data})


class ListedFilesMixin:
    """Reads an explicit, sorted list of files (relative to `data_folder`), sharded by rank:
    the list is fixed when the config is read, so every task and every rerun sees the same shard."""

    files: list[str]

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        self._log_limit_scope(rank, world_size)
        for doc in self.read_files_shard(self.files[rank::world_size]):
            self.update_doc_stats(doc)
            yield doc

    def read_files_shard(self, shard: list[str]) -> DocumentsPipeline:
        """datatrove's loop, except that it stops as soon as `limit` documents are out: datatrove's
        pulls one record more before it checks, and that record would count as read but never
        reach a drop or the LLM, so the funnel would not add up."""
        done = 0
        for filepath in shard:
            self.stat_update("input_files")
            in_file = 0
            for document in self.read_file(filepath):
                yield document
                done, in_file = done + 1, in_file + 1
                if self.limit != -1 and done >= self.limit:
                    break
            self.stat_update("documents", value=in_file, unit="input_file")
            if self.limit != -1 and done >= self.limit:
                return


def _with_bounded_readline(f):
    """`f`, or `f` buffered when its readline takes no size limit (fsspec's remote files)."""
    try:
        inspect.signature(f.readline).bind(1)
    except (TypeError, ValueError):
        return io.BufferedReader(f)
    return f


class CountingJsonlReader(ListedFilesMixin, CountingReaderMixin, BaseDiskReader):
    """jsonl reader that counts bad lines instead of crashing or skipping them silently.

    A line longer than `max_record_bytes` is never loaded whole: it is read past in 1 MiB
    chunks and counted as `input_record_too_large` (memory stays bounded on any file).
    """

    name = "🐿 Jsonl (counting)"
    _requires_dependencies = ["orjson"]

    def __init__(self, data_folder: str, files: list[str], max_record_bytes: int = 16 << 20, compression: str | None = "infer",
                 **kwargs) -> None:
        super().__init__(data_folder, add_file_path=False, **kwargs)
        self.files = files
        self.max_record_bytes = max_record_bytes
        self.compression = compression

    def read_file(self, filepath: str) -> DocumentsPipeline:
        import orjson

        path = self.data_folder.resolve_paths(filepath)
        line_no = 0
        try:
            with self.data_folder.open(filepath, "rb", compression=self.compression) as opened:
                f = _with_bounded_readline(opened)
                while raw := f.readline(self.max_record_bytes + 1):
                    line_no += 1
                    where = f"{path}:{line_no}"
                    if len(raw) > self.max_record_bytes and not raw.endswith(b"\n"):
                        size = len(raw)
                        while chunk := f.readline(1 << 20):
                            size += len(chunk)
                            if chunk.endswith(b"\n"):
                                break
                        self.stat_update("records_in")
                        self._skip("record_too_large", where, f"{size / 2**20:.1f} MiB line, over the "
                                                              f"{self.max_record_bytes / 2**20:.0f} MiB limit (`input.max_record_mb`)")
                        continue
                    if not raw.strip():
                        continue
                    with self.track_time():
                        try:
                            line = raw.decode("utf-8")
                        except UnicodeDecodeError as err:
                            self.stat_update("records_in")
                            self._skip("not_utf8", where, f"byte {err.start} of the line is not UTF-8 ({err.reason})")
                            continue
                        try:
                            data = orjson.loads(line)
                        except orjson.JSONDecodeError as err:
                            self.stat_update("records_in")
                            self._skip("malformed_json", where, str(err))
                            continue
                        document = self.get_document_from_dict(data, path, line_no)
                    if document:
                        yield document
        except (EOFError, OSError) as err:  # truncated or corrupt compressed file: the rest is unreadable
            self.stat_update("records_in")
            self._skip("corrupt_file", f"{path}:{line_no + 1}", f"cannot read further ({err})")
        if line_no == 0:
            self.stat_update("input_files_empty")
            logger.warning(f"{path}: empty file, no records")


class CountingParquetReader(ListedFilesMixin, CountingReaderMixin, ParquetReader):
    """datatrove's parquet reader with counting; a file without the text column stops the run."""

    name = "📒 Parquet (counting)"
    columnar = True

    def __init__(self, data_folder: str, files: list[str], **kwargs) -> None:
        super().__init__(data_folder, **kwargs)
        self.files = files

    def read_file(self, filepath: str) -> DocumentsPipeline:
        import pyarrow.parquet as pq

        path = self.data_folder.resolve_paths(filepath)
        with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as pqf:
            names = pqf.schema_arrow.names
            if self.text_key not in names:
                raise InputSchemaError(schema_message(path, self.text_key, names))
            row = 0
            for batch in pqf.iter_batches(batch_size=self.batch_size):
                documents = []
                with self.track_time("batch"):
                    for record in batch.to_pylist():
                        row += 1
                        if document := self.get_document_from_dict(record, path, f"row {row}"):
                            documents.append(document)
                yield from documents


class CountingHubReader(CountingReaderMixin, HuggingFaceDatasetReader):
    """A Hub dataset (or anything `datasets.load_dataset` opens) in streaming, with counting."""

    name = "🤗 HuggingFace (counting)"
    columnar = True


def sample_corpus_dir() -> Path:
    return Path(str(importlib.resources.files("webscale_rl.builder") / "sample_corpus"))


def sample_corpus_rows() -> list[dict]:
    """Every row of the shipped sample corpus, files in name order (for tests and benchmarks)."""
    return [json.loads(line) for path in sorted(sample_corpus_dir().glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _format_of(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    return None


def _local_files(source: str) -> tuple[Path, list[str]] | None:
    """(base folder, sorted files relative to it) for a local file, folder or glob; None if nothing local."""
    if glob.has_magic(source):
        matches = sorted(Path(p).resolve() for p in glob.glob(source, recursive=True) if Path(p).is_file())
        if not matches:
            raise ConfigError(f"input.source {source!r}: the pattern matches no file")
        fixed = []
        for part in Path(source).parts:
            if glob.has_magic(part):
                break
            fixed.append(part)
        base = Path(*fixed).resolve() if fixed else Path(".").resolve()
        return base, [str(p.relative_to(base)) for p in matches]
    path = Path(source).expanduser()
    if path.is_file():
        return path.parent.resolve(), [path.name]
    if path.is_dir():
        files = sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file() and _format_of(p.name))
        if not files:
            raise ConfigError(f"input.source {source!r}: the folder has no jsonl, jsonl.gz or parquet file")
        return path.resolve(), files
    return None


def _remote_files(source: str) -> tuple[str, list[str]]:
    """(base URL, sorted files relative to it) for an fsspec URL: a file, a folder or a glob,
    listed through datatrove's DataFolder as its readers will open them."""
    from datatrove.io import get_datafolder

    protocol, path = source.split("://", 1)
    parts = path.rstrip("/").split("/")
    fixed = [] if not glob.has_magic(path) else parts[:next(i for i, part in enumerate(parts) if glob.has_magic(part))]
    try:
        if fixed or glob.has_magic(path):
            base = f"{protocol}://{'/'.join(fixed)}"
            files = get_datafolder(base).list_files(glob_pattern="/".join(parts[len(fixed):]))
            if not files:
                raise ConfigError(f"input.source {source!r}: the pattern matches no file")
            return base, files
        folder = get_datafolder(source.rstrip("/"))
        if folder.isdir(""):
            files = [name for name in folder.list_files() if _format_of(name)]
            if not files:
                raise ConfigError(f"input.source {source!r}: the folder has no jsonl, jsonl.gz or parquet file")
            return source.rstrip("/"), files
        base, name = source.rstrip("/").rsplit("/", 1)
        if "://" in base and get_datafolder(base).isfile(name):
            return base, [name]
    except ConfigError:
        raise
    except (ImportError, ValueError) as err:  # an unknown protocol, or its fsspec package (s3fs...) is missing
        raise ConfigError(f"input.source {source!r}: {err}") from None
    except FileNotFoundError:
        pass
    raise ConfigError(f"input.source {source!r}: no such file or folder")


def _choose_format(files: list[str], declared: str | None, source: str) -> str:
    if declared:
        if declared not in ("jsonl", "parquet"):
            raise ConfigError(f"input.format must be jsonl, parquet or hub, got {declared!r}")
        return declared
    formats = {_format_of(f) for f in files} - {None}
    if len(formats) != 1:
        raise ConfigError(f"input.source {source!r}: cannot tell the format from the file names "
                         f"({sorted(formats) or 'no known extension'}); set `input.format: jsonl` or `parquet`")
    return formats.pop()


def _check_parquet_columns(base: Path | str, files: list[str], text_key: str) -> None:
    """Stop before any work when a parquet file lacks the text column (reading only its schema)."""
    import pyarrow.parquet as pq
    from datatrove.io import get_datafolder

    folder = get_datafolder(str(base))
    for name in files:
        with folder.open(name, "rb") as f:
            names = pq.read_schema(f).names
        if text_key not in names:
            raise InputSchemaError(schema_message(f"{base}/{name}", text_key, names))


def make_reader(input_cfg: dict) -> list[PipelineStep]:
    """The reader steps for the `input:` section of the config (see the module docstring)."""
    for key in input_cfg:
        if key not in INPUT_KEYS:
            raise unknown_key("input", key, INPUT_KEYS)
    source = input_cfg.get("source")
    if not source:
        raise ConfigError("input.source is required: `sample`, a local file/folder/glob or a Hub dataset name")
    source = str(source)
    text_key = input_cfg.get("text_key", INPUT_DEFAULTS["text_key"])
    id_key = input_cfg.get("id_key", INPUT_DEFAULTS["id_key"])
    limit = -1 if input_cfg.get("limit") is None else int(input_cfg["limit"])
    rate = input_cfg.get("sample_rate", INPUT_DEFAULTS["sample_rate"])
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 < rate <= 1:
        raise ConfigError(f"input.sample_rate must be a share of the input between 0 and 1, got {rate!r}")
    # datatrove's seeded sampler: the same documents on every run, counted as `not_sampled`
    sampler = [SamplerFilter(rate=float(rate), seed=0)] if rate < 1 else []
    declared = input_cfg.get("format")
    common = {"text_key": text_key, "id_key": id_key, "limit": limit}

    hub = bool(input_cfg.get("hub")) or declared == "hub"
    local = None if hub else (
        (sample_corpus_dir(), sorted(p.name for p in sample_corpus_dir().glob("*.jsonl"))) if source == "sample"
        else _remote_files(source) if URL.match(source) else _local_files(source))
    if local is None:
        if not hub and not HUB_NAME.match(source):
            raise ConfigError(f"input.source {source!r}: no such file or folder, and not a Hub dataset name (org/name)")
        options = {"split": input_cfg.get("split", INPUT_DEFAULTS["split"])}
        if input_cfg.get("name"):
            options["name"] = input_cfg["name"]
        return [CountingHubReader(source, dataset_options=options, streaming=True, **common), *sampler]

    base, files = local
    fmt = _choose_format(files, declared, source)
    if fmt == "parquet":
        _check_parquet_columns(base, files, text_key)
        return [CountingParquetReader(str(base), files=files, **common), *sampler]
    max_record_bytes = int(float(input_cfg.get("max_record_mb", INPUT_DEFAULTS["max_record_mb"])) * 2**20)
    return [CountingJsonlReader(str(base), files=files, max_record_bytes=max_record_bytes, **common), *sampler]
