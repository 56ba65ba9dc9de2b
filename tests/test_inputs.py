"""make_reader: the sample corpus, local jsonl / jsonl.gz / parquet by file, folder or glob, and
the Hub path (datasets streaming) exercised on a local parquet folder with the same config keys."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from webscale_rl.builder.config import ConfigError
from webscale_rl.builder.inputs import (
    CountingHubReader,
    CountingJsonlReader,
    CountingParquetReader,
    content_id,
    make_reader,
    sample_corpus_dir,
)

ROWS = [
    {"doc_id": "p-1", "content": "Tides are caused mainly by the gravity of the Moon.", "lang": "en"},
    {"doc_id": None, "content": "A prism splits white light into a spectrum of colours.", "lang": "en"},
    {"doc_id": "p-3", "content": "Bees communicate the direction of food with a waggle dance.", "lang": "en"},
]
CUSTOM_KEYS = {"text_key": "content", "id_key": "doc_id"}


def read_all(steps, world_size: int = 1) -> list:
    assert len(steps) == 1
    return [doc for rank in range(world_size) for doc in steps[0].run(None, rank, world_size)]


@pytest.fixture
def parquet_folder(tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(ROWS[:2]), folder / "train-00000.parquet")
    pq.write_table(pa.Table.from_pylist(ROWS[2:]), folder / "train-00001.parquet")
    return folder


def expected(rows=ROWS) -> list[tuple[str, str]]:
    return [(r["doc_id"] or content_id(r["content"]), r["content"]) for r in rows]


def test_sample_reads_every_corpus_file_in_sorted_order():
    steps = make_reader({"source": "sample"})
    assert isinstance(steps[0], CountingJsonlReader)
    names = sorted(p.name for p in sample_corpus_dir().glob("*.jsonl"))
    assert "junk.jsonl" in names and steps[0].files == names
    docs = read_all(steps)
    lines = [json.loads(line) for name in names for line in (sample_corpus_dir() / name).open(encoding="utf-8")]
    assert [d.id for d in docs] == [row["id"] for row in lines]
    assert docs[0].metadata["meta"]["domain"]  # the other fields land in metadata
    assert "file_path" not in docs[0].metadata  # no local paths leak into the dataset


def test_jsonl_gz_file_folder_and_glob_give_the_same_documents(tmp_path):
    folder = tmp_path / "gz"
    folder.mkdir()
    with gzip.open(folder / "a.jsonl.gz", "wt", encoding="utf-8") as f:
        for row in ROWS:
            f.write(json.dumps(row) + "\n")
    for source in (folder / "a.jsonl.gz", folder, f"{folder}/*.jsonl.gz"):
        docs = read_all(make_reader({"source": str(source), **CUSTOM_KEYS}))
        assert [(d.id, d.text) for d in docs] == expected()
        assert docs[0].metadata == {"lang": "en"}


def test_content_hash_ids_are_stable_across_runs(tmp_path):
    path = tmp_path / "noid.jsonl"
    path.write_text("".join(json.dumps({"text": f"Document number {i} about rivers."}) + "\n" for i in range(3)))
    first = [d.id for d in read_all(make_reader({"source": str(path)}))]
    second = [d.id for d in read_all(make_reader({"source": str(path)}))]
    assert first == second and len(set(first)) == 3 and all(len(i) == 16 for i in first)


def test_local_parquet_folder(parquet_folder):
    steps = make_reader({"source": str(parquet_folder), **CUSTOM_KEYS})
    assert isinstance(steps[0], CountingParquetReader)
    assert [(d.id, d.text) for d in read_all(steps)] == expected()


def test_hub_path_streams_a_local_parquet_folder_with_the_same_keys(parquet_folder):
    """The Hub path is `datasets.load_dataset(source, name, split, streaming=True)`; the Hub is
    unreachable here, so it runs on a local folder, which load_dataset accepts the same way."""
    cfg = {"source": str(parquet_folder), "hub": True, "split": "train", **CUSTOM_KEYS}
    steps = make_reader(cfg)
    assert isinstance(steps[0], CountingHubReader) and steps[0].streaming
    assert steps[0].dataset_options == {"split": "train"}
    docs = read_all(steps)
    assert sorted((d.id, d.text) for d in docs) == sorted(expected())
    assert sorted((d.id, d.text) for d in read_all(make_reader({**cfg, "format": "hub", "hub": False}))) == sorted(expected())
    local = read_all(make_reader({"source": str(parquet_folder), **CUSTOM_KEYS}))
    assert sorted(d.id for d in local) == sorted(d.id for d in docs)


def test_hub_path_counts_rows_and_honours_limit(parquet_folder):
    steps = make_reader({"source": str(parquet_folder), "hub": True, "limit": 2, **CUSTOM_KEYS})
    assert len(read_all(steps)) == 2
    assert steps[0].stats["records_in"].total == 2


def test_hub_names_and_missing_sources():
    steps = make_reader({"source": "HuggingFaceFW/fineweb", "name": "sample-10BT", "limit": 5})
    assert isinstance(steps[0], CountingHubReader)
    assert steps[0].dataset == "HuggingFaceFW/fineweb"
    assert steps[0].dataset_options == {"split": "train", "name": "sample-10BT"} and steps[0].limit == 5
    with pytest.raises(ConfigError, match="no such file or folder"):
        make_reader({"source": "/nonexistent/file.jsonl"})
    with pytest.raises(ConfigError, match="unknown config key input.txt_key: did you mean input.text_key"):
        make_reader({"source": "sample", "txt_key": "body"})


def test_limit_and_sharding_over_tasks(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps({"id": f"{name}{i}", "text": f"text {name} {i}"}) + "\n" for i in range(4)))
    docs = read_all(make_reader({"source": str(tmp_path)}), world_size=2)
    assert sorted(d.id for d in docs) == sorted(f"{n}{i}" for n in "abc" for i in range(4))
    for limit in (4, 5):  # the limit at a file's end and inside a file
        steps = make_reader({"source": str(tmp_path), "limit": limit})
        assert len(read_all(steps)) == limit
        assert steps[0].stats["records_in"].total == limit, "a record read past the limit is counted but goes nowhere"


def test_unknown_extension_needs_a_format(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text(json.dumps({"id": "x", "text": "Some text about maps."}) + "\n")
    with pytest.raises(ConfigError, match="input.format"):
        make_reader({"source": str(path)})
    assert [d.id for d in read_all(make_reader({"source": str(path), "format": "jsonl"}))] == ["x"]


# ---- fsspec URLs, as datatrove's readers open them --------------------------------------------

def write_url_corpus(root):
    """Two jsonl files (one gzipped, one in a subfolder) and a parquet file with custom columns."""
    (root / "data" / "more").mkdir(parents=True)
    (root / "data" / "part-0.jsonl").write_text("".join(json.dumps({"id": f"j{i}", "text": f"jsonl {i}"}) + "\n" for i in range(3)))
    with gzip.open(root / "data" / "more" / "part-1.jsonl.gz", "wt") as f:
        f.write(json.dumps({"id": "g0", "text": "gzipped"}) + "\n")
    (root / "tables").mkdir()
    pq.write_table(pa.Table.from_pylist(ROWS), root / "tables" / "t.parquet")


URL_SOURCES = {  # source (after the URL root) -> ids read, or the error's text
    "/data": ["g0", "j0", "j1", "j2"],  # files in name order: more/part-1.jsonl.gz, part-0.jsonl
    "/data/*.jsonl": ["j0", "j1", "j2"],
    "/data/**/*.jsonl.gz": ["g0"],
    "/data/part-0.jsonl": ["j0", "j1", "j2"],
    "/tables/*.parquet|custom": ["p-1", content_id(ROWS[1]["content"]), "p-3"],
    "/tables/*.parquet": "no column 'text'",
    "/data/*.parquet": "/data/*.parquet': the pattern matches no file",
    "/nothing-here.jsonl": "no such file or folder",
}


def read_url_sources(root_url: str) -> dict:
    out = {}
    for key in URL_SOURCES:
        source, _, custom = key.partition("|")
        try:
            steps = make_reader({"source": root_url + source, **(CUSTOM_KEYS if custom else {})})
            out[key] = [d.id for d in steps[0].run(None, 0, 1)]
        except ConfigError as err:
            out[key] = str(err)
    return out


def check_url_sources(found: dict) -> None:
    for key, wanted in URL_SOURCES.items():
        if isinstance(wanted, list):
            assert found[key] == wanted, key
        else:
            assert wanted in found[key] and found[key].count("input.source") <= 1, (key, found[key])


def test_fsspec_urls_read_like_local_paths(tmp_path):
    write_url_corpus(tmp_path)
    check_url_sources(read_url_sources(f"file://{tmp_path}"))
    steps = make_reader({"source": f"file://{tmp_path}/data/*.jsonl"})
    assert steps[0].files == ["part-0.jsonl"]


def test_a_protocol_without_its_fsspec_package_names_it():
    with pytest.raises(ConfigError, match=r"input.source 'nosuchproto://bucket/x.jsonl'"):
        make_reader({"source": "nosuchproto://bucket/x.jsonl"})


HF_READ_SCRIPT = """
import json, sys
from huggingface_hub import HfApi
sys.path.insert(0, sys.argv[3])
from test_inputs import read_url_sources
folder, repo = sys.argv[1:3]
api = HfApi()
api.create_repo(repo, repo_type="dataset", private=True)
api.upload_folder(repo_id=repo, repo_type="dataset", folder_path=folder)
print(json.dumps(read_url_sources(f"hf://datasets/{repo}")))
"""


def test_hf_urls_are_read_through_the_hub(tmp_path):
    """`hf://datasets/...` goes to datatrove's readers through fsspec's HfFileSystem: here the
    real huggingface_hub client against the local Hub stand-in (a private repo, so the token
    from HF_TOKEN is used for listing and reading)."""
    import subprocess
    import sys
    from pathlib import Path

    from hub_standin import start
    from test_push import TOKEN, client_env

    write_url_corpus(tmp_path / "corpus")
    server = start(tmp_path / "standin", token=TOKEN)
    try:
        done = subprocess.run([sys.executable, "-c", HF_READ_SCRIPT, str(tmp_path / "corpus"), "acme/raw-docs",
                               str(Path(__file__).parent)], env=client_env(server.url, tmp_path / "home", TOKEN),
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr[-3000:]
    check_url_sources(json.loads(done.stdout.strip().splitlines()[-1]))
