"""Bad input never crashes the run and is never skipped silently. Outcomes:

- malformed JSON line           -> counted `input_malformed_json`, warning names file:line
- bytes that are not UTF-8      -> counted `input_not_utf8`, file:line and byte offset
- text field missing / null     -> counted `input_missing_text` (message suggests `input.text_key`)
- text empty or whitespace      -> counted `input_empty_text`
- text not a string, not an object line -> `input_text_not_a_string`, `input_not_an_object`
- empty file                    -> no record, a warning naming the file
- 50 MB single-line document    -> counted `input_record_too_large` (over `input.max_record_mb`,
                                   default 16), read past in 1 MiB chunks: memory stays bounded
- 2 MB document                 -> read, then truncated to `prefilter.max_chars` (metadata truncated)
- truncated .jsonl.gz           -> records before the damage kept, the rest counted `input_corrupt_file`
- parquet without the text column -> the run stops at once: InputSchemaError (a ConfigError) naming the file, the missing
                                   column, the columns present and the `text_key` setting
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from loguru import logger

from webscale_rl.builder.documents import DocumentFolders
from webscale_rl.builder.inputs import InputSchemaError, make_reader
from webscale_rl.builder.pipeline import chained_executors, document_funnel, document_stages
from webscale_rl.builder.prefilter import prefilter_steps

GOOD_TEXT = ("Rain gauges measure how much water falls over a period of time. The simplest gauge is a straight-sided "
             "container with a flat bottom, and the depth of water in it after a storm is the rainfall. Weather services "
             "use funnels to make small amounts easier to read, and they place gauges away from trees and walls so that "
             "the readings are not distorted by wind or by water running off nearby surfaces. Daily totals are read at "
             "the same hour each morning, which keeps the records of different stations comparable over many years. "
             "Snow is melted first and then measured as water.")


@pytest.fixture
def messages():
    out: list[str] = []
    handle = logger.add(lambda m: out.append(str(m)), level="WARNING")
    yield out
    logger.remove(handle)


def read(source: Path, **cfg) -> tuple[list, dict]:
    reader = make_reader({"source": str(source), **cfg})[0]
    docs = list(reader.run(None, 0, 1))
    return docs, {k: v.total for k, v in reader.stats.stats.items()}


def test_bad_jsonl_lines_are_counted_with_file_and_line(tmp_path, messages):
    path = tmp_path / "bad.jsonl"
    lines = [
        json.dumps({"id": "ok-1", "text": GOOD_TEXT}).encode(),
        b'{"id": "broken", "text": "unterminated',
        b'{"id": "latin1", "text": "caf\xe9 au lait"}',
        json.dumps({"id": "no-text", "body": GOOD_TEXT}).encode(),
        json.dumps({"id": "null-text", "text": None}).encode(),
        json.dumps({"id": "empty-text", "text": "   \n "}).encode(),
        json.dumps({"id": "number-text", "text": 42}).encode(),
        b'["an", "array"]',
        b"",  # a blank line is not a record
        json.dumps({"id": "ok-2", "text": GOOD_TEXT + " Again."}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    docs, stats = read(path)
    assert [d.id for d in docs] == ["ok-1", "ok-2"]
    assert stats["records_in"] == 9
    assert {k: v for k, v in stats.items() if k.startswith("dropped_")} == {
        "dropped_input_malformed_json": 1, "dropped_input_not_utf8": 1, "dropped_input_missing_text": 2,
        "dropped_input_empty_text": 1, "dropped_input_text_not_a_string": 1, "dropped_input_not_an_object": 1}
    text = "\n".join(messages)
    for line_no, reason in [(2, "malformed_json"), (3, "not_utf8"), (4, "missing_text"), (5, "missing_text"),
                            (6, "empty_text"), (7, "text_not_a_string"), (8, "not_an_object")]:
        assert f"{path}:{line_no}: skipped record ({reason})" in text
    assert "input.text_key" in text and "byte 29 of the line is not UTF-8" in text


def test_empty_file(tmp_path, messages):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    docs, stats = read(tmp_path / "empty.jsonl")
    assert docs == [] and stats.get("records_in", 0) == 0 and stats["input_files_empty"] == 1
    assert any("empty.jsonl: empty file" in m for m in messages)


def test_50_mb_document_is_counted_without_loading_it(tmp_path, messages):
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as f:
        f.write(json.dumps({"id": "before", "text": GOOD_TEXT}).encode() + b"\n")
        f.write(b'{"id": "huge", "text": "')
        chunk = b"All work and no play makes a very long line. " * 20_000  # ~0.9 MB
        for _ in range(60):
            f.write(chunk)
        f.write(b'"}\n')
        f.write(json.dumps({"id": "after", "text": GOOD_TEXT}).encode() + b"\n")
    assert path.stat().st_size > 50 * 2**20
    tracemalloc.start()
    docs, stats = read(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [d.id for d in docs] == ["before", "after"]
    assert stats["dropped_input_record_too_large"] == 1 and stats["records_in"] == 3
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MiB"
    assert any(f"{path}:2: skipped record (record_too_large)" in m and "input.max_record_mb" in m for m in messages)


def test_long_document_is_truncated_by_policy_not_dropped(tmp_path):
    corpus = make_reader({"source": "sample"})[0].run(None, 0, 1)
    articles = "\n\n".join(d.text for d in corpus if d.metadata["meta"]["planted"] is None)
    text = (articles + "\n\n") * (2 * 2**20 // len(articles) + 1)  # ~2 MB of real paragraphs
    (tmp_path / "long.jsonl").write_text(json.dumps({"id": "long", "text": text}) + "\n")
    docs, _ = read(tmp_path / "long.jsonl")
    stream = docs
    for step in prefilter_steps({}):
        stream = list(step.run(stream, 0, 1))
    assert [d.id for d in stream] == ["long"]
    assert stream[0].metadata["truncated"] is True and stream[0].metadata["original_chars"] == len(text)
    assert len(stream[0].text) <= 12000 and text.startswith(stream[0].text)


def test_truncated_gzip_keeps_what_it_can_read(tmp_path, messages):
    full = gzip.compress("".join(json.dumps({"id": f"g{i}", "text": f"{GOOD_TEXT} {i}"}) + "\n" for i in range(300)).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(full[: len(full) // 2])
    docs, stats = read(path)
    assert 0 < len(docs) < 300
    assert stats["dropped_input_corrupt_file"] == 1 and stats["records_in"] == len(docs) + 1
    assert any("cut.jsonl.gz" in m and "corrupt_file" in m for m in messages)


def test_parquet_without_the_text_column_stops_at_once(tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist([{"id": "1", "body": GOOD_TEXT}]), folder / "part-0.parquet")
    with pytest.raises(InputSchemaError) as err:
        make_reader({"source": str(folder)})
    message = str(err.value)
    assert "part-0.parquet" in message and "'text'" in message and "body" in message and "text_key" in message
    docs = list(make_reader({"source": str(folder), "text_key": "body"})[0].run(None, 0, 1))
    assert [d.id for d in docs] == ["1"]


def test_parquet_rows_with_null_text_are_counted(tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist([{"id": "1", "text": GOOD_TEXT}, {"id": "2", "text": None}, {"id": "3", "text": ""}]),
                   folder / "p.parquet")
    docs, stats = read(folder)
    assert [d.id for d in docs] == ["1"]
    assert stats["dropped_input_missing_text"] == 1 and stats["dropped_input_empty_text"] == 1


def test_hub_dataset_without_the_text_column_stops(tmp_path):
    folder = tmp_path / "hub"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist([{"id": "1", "body": GOOD_TEXT}]), folder / "train-0.parquet")
    reader = make_reader({"source": str(folder), "hub": True})[0]
    with pytest.raises(InputSchemaError, match=r"no column 'text'.*input\.text_key"):
        list(reader.run(None, 0, 1))


def test_every_bad_case_in_one_run_keeps_the_funnel_balanced(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(b"\n".join([
        json.dumps({"id": "ok", "text": GOOD_TEXT}).encode(), b"{not json", b'{"text": "\xff\xfe"}',
        json.dumps({"id": "nt"}).encode(), json.dumps({"id": "e", "text": ""}).encode(),
        json.dumps({"id": "short", "text": "Too short to use."}).encode()]) + b"\n")
    (folder / "b.jsonl").write_bytes(b"")
    cfg = {"input": {"source": str(folder)}, "prefilter": {}, "dedup": {}, "executor": {"type": "local", "tasks": 2}}
    docs = DocumentFolders.under(tmp_path / "work")
    stages = document_stages(cfg, docs)
    for executor in chained_executors(cfg, stages, docs.logs):
        executor.run()
    funnel = document_funnel(docs, stages)
    assert funnel == {"documents_in": 6, "documents_to_llm": 1, "document_drops": {
        "input_empty_text": 1, "input_malformed_json": 1, "input_missing_text": 1, "input_not_utf8": 1,
        "too_few_tokens": 1}}
    assert [json.loads(line)["id"] for p in docs.survivors.glob("*.jsonl") for line in p.open()] == ["ok"]
