"""Decontamination against benchmark-shaped files we wrote (tests/fixtures/benchmarks):
planted benchmark questions are flagged with the right benchmark names, clean ones are not."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from webscale_rl.eval.answers.text import normal_words
from webscale_rl.eval.decontam import contaminated, load_benchmarks, ngram_hashes

FIXTURES = Path(__file__).parent / "fixtures" / "benchmarks"
BENCHMARKS = {"gsm8k": str(FIXTURES / "gsm8k_like.jsonl"), "mmlu_pro": str(FIXTURES / "mmlu_pro_like.parquet"),
              "math500": [str(FIXTURES / "math500_like.jsonl")]}


def _first(path: Path, field: str) -> str:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()[0][field]
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])[field]


@pytest.fixture(scope="module")
def index():
    return load_benchmarks(BENCHMARKS)


def test_index_counts_every_row(index):
    assert index.names == ["gsm8k", "mmlu_pro", "math500"]
    assert index.items == {"gsm8k": 4, "mmlu_pro": 3, "math500": 3}


def test_planted_questions_are_flagged_by_benchmark(index):
    gsm = _first(FIXTURES / "gsm8k_like.jsonl", "question")
    math = _first(FIXTURES / "math500_like.jsonl", "problem")
    assert contaminated(index, gsm, "159") == ["gsm8k"]
    # case, punctuation and spacing do not hide a copy (lm-eval-harness normalisation)
    assert contaminated(index, gsm.upper().replace(",", " ;").replace(".", "!"), "159") == ["gsm8k"]
    # a 13-word window inside a longer, otherwise new question is enough
    window = " ".join(normal_words(math)[2:15])  # 13 words once symbols are deleted
    assert contaminated(index, f"For a school contest, {window}, explain briefly?", "38") == ["math500"]
    shorter = " ".join(normal_words(math)[2:14])  # 12 words: no shared 13-gram
    assert contaminated(index, f"For a school contest, {shorter}, explain briefly?", "38") == []
    # a question copied from one benchmark and an answer copied from another's solution
    solution = _first(FIXTURES / "gsm8k_like.jsonl", "answer").split("####")[0]
    short_mmlu = _first(FIXTURES / "mmlu_pro_like.parquet", "question")
    assert contaminated(index, short_mmlu, solution) == ["gsm8k", "mmlu_pro"]


def test_short_texts_match_only_whole(index):
    short = _first(FIXTURES / "mmlu_pro_like.parquet", "question")
    assert len(normal_words(short)) < 13
    assert contaminated(index, short, "Mitochondrion") == ["mmlu_pro"]
    assert contaminated(index, "Which organelle produces most of the ATP?", "Mitochondrion") == []
    # short answers never flag on their own: "72" and "1" are answers in the fixtures
    assert contaminated(index, "How many legs do eight spiders and one beetle have in total?", "72") == []


def test_clean_questions_pass(index):
    questions = [
        "Which river flows through the city of Lyon before joining the Rhone?",
        "How many rolls does a baker sell in a week if she sells forty a day?",
        "What is the remainder when 3 to the power 100 is divided by 7?",
    ]
    for q in questions:
        assert contaminated(index, q, "an answer") == [], q


def test_ngram_size_is_configurable():
    index8 = load_benchmarks({"math500": BENCHMARKS["math500"]}, n=8)
    math = _first(FIXTURES / "math500_like.jsonl", "problem")
    window = " ".join(normal_words(math)[3:11])  # 8 words
    assert contaminated(index8, f"Quick one: {window} - what do you get?", "38") == ["math500"]
    assert len(ngram_hashes("one two three", 8)) == 1


def test_folder_and_csv_inputs(tmp_path):
    folder = tmp_path / "bbh"
    folder.mkdir()
    (folder / "part.csv").write_text("input,target\n\"Sort the following words alphabetically: zebra apple mango kiwi "
                                     "pear fig lime plum date\",apple date fig\n", encoding="utf-8")
    (folder / "notes.txt").write_text("ignored")
    index = load_benchmarks({"bbh": str(folder)})
    assert index.items == {"bbh": 1}
    assert contaminated(index, "Sort the following words alphabetically: zebra apple mango kiwi pear fig lime plum date",
                        "apple") == ["bbh"]


def test_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        load_benchmarks({"x": str(missing)})
    no_text = tmp_path / "ids.jsonl"
    no_text.write_text('{"id": 1, "label": 3}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"ids\.jsonl.*no text column.*found id, label"):
        load_benchmarks({"x": str(no_text)})
    with pytest.raises(ValueError, match="not one of"):
        (tmp_path / "b.txt").write_text("q")
        load_benchmarks({"x": str(tmp_path / "b.txt")})
