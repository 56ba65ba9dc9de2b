"""prefilter_steps: every planted junk document of the sample corpus is dropped for the right kind
of reason, every good document and every fragment passes, and each rule can be tuned or turned off."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest
from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import get_filter_result

from webscale_rl.builder import prefilter
from webscale_rl.builder.config import ConfigError
from webscale_rl.builder.inputs import make_reader
from webscale_rl.builder.prefilter import (
    C4Quality,
    LocalLanguageFilter,
    MinTokensFilter,
    TruncateLongDocuments,
    cut_at_boundary,
    prefilter_steps,
)

QUALITY_PREFIXES = ("gopher_quality_", "gopher_repetition_", "fineweb_quality_", "c4_")
# The kind of reason each planted category must be dropped for by the heuristics.
EXPECTED = {
    "boilerplate": lambda r: r.startswith(QUALITY_PREFIXES),
    "too_short": lambda r: r == "too_few_tokens",
    "non_english": lambda r: r == "gopher_quality_too_few_stop_words",
}


def first_drop(steps, doc: Document) -> str | None:
    """The builder's one-document run of the steps; a drop must carry its reason."""
    reason = prefilter.first_drop(steps, doc)
    assert reason != "unnamed", "dropped without a reason"
    return reason


@pytest.fixture(scope="module")
def corpus():
    return list(make_reader({"source": "sample"})[0].run(None, 0, 1))


def test_sample_corpus_planted_documents(corpus):
    outcomes = {doc.id: (doc.metadata["meta"]["planted"], first_drop(prefilter_steps({}), doc)) for doc in corpus}
    planted = {p for p, _ in outcomes.values()}
    assert {"boilerplate", "too_short", "non_english", "fragment", None} <= planted
    for doc_id, (kind, reason) in outcomes.items():
        if kind in EXPECTED:
            assert reason and EXPECTED[kind](reason), f"{doc_id} ({kind}) -> {reason}"
        else:  # good documents, fragments and the dedup stage's duplicates pass the heuristics
            assert reason is None, f"{doc_id} ({kind}) was dropped: {reason}"
    goods = [i for i, (kind, _) in outcomes.items() if kind is None]
    assert len(goods) >= 60  # the two good files (32 each) plus the originals in junk.jsonl


def test_every_rule_can_be_turned_off(corpus):
    off = {rule: False for rule in ("min_tokens", "gopher_quality", "gopher_repetition", "fineweb_quality", "c4")}
    steps = prefilter_steps(off)
    assert [type(s) for s in steps] == [TruncateLongDocuments]
    assert all(first_drop(prefilter_steps(off), doc) is None for doc in corpus)


def test_rule_parameters_are_passed_through(corpus):
    doc = next(d for d in corpus if d.metadata["meta"]["planted"] is None)
    assert first_drop(prefilter_steps({"min_tokens": {"min_tokens": 10_000}}), doc) == "too_few_tokens"
    strict = {"min_tokens": False, "gopher_quality": {"min_doc_words": 5000}}
    assert first_drop(prefilter_steps(strict), doc) == "gopher_quality_too_few_words"
    steps = prefilter_steps({"gopher_repetition": {"top_n_grams": [[2, 0.001]]}})
    assert first_drop(steps, doc) == "gopher_repetition_top_2_gram"
    with pytest.raises(ConfigError, match="gopher_quality.no_such_param"):
        prefilter_steps({"gopher_quality": {"no_such_param": 1}})
    with pytest.raises(ConfigError, match="unknown config key prefilter.gopher: did you mean prefilter.gopher_"):
        prefilter_steps({"gopher": True})


CODE_DOC = """Reading a JSON config in JavaScript

The snippet below loads a settings object and falls back to defaults when a key is missing.

const defaults = { retries: 3, timeout: 10 };
function load(raw) {
  const parsed = JSON.parse(raw);
  return { ...defaults, ...parsed };
}

The spread operator copies every key of the defaults first and then the parsed keys, so any key present in the file wins over the default. Calling load with an empty object such as {} returns the defaults unchanged. Calling it with a timeout of five keeps three retries but uses the shorter timeout. This pattern keeps configuration handling short and easy to test. It also avoids mutating the shared defaults object, which would leak settings between calls."""


def test_c4_keeps_code_with_curly_brackets_and_leaves_the_text_alone():
    doc = Document(text=CODE_DOC, id="code")
    c4 = [s for s in prefilter_steps({}) if isinstance(s, C4Quality)][0]
    assert get_filter_result(c4.filter(doc))[0] and doc.text == CODE_DOC
    strict = [s for s in prefilter_steps({"c4": {"filter_curly_bracket": True}}) if isinstance(s, C4Quality)][0]
    assert get_filter_result(strict.filter(Document(text=CODE_DOC, id="code"))) == (False, "c4_curly_bracket")
    rewriting = [s for s in prefilter_steps({"c4": {"rewrite_text": True}}) if isinstance(s, C4Quality)][0]
    rewritten = Document(text=CODE_DOC, id="code")
    assert rewriting.filter(rewritten) is True and "const defaults" not in rewritten.text


def test_long_documents_are_truncated_at_a_paragraph_boundary_not_dropped():
    paragraphs = [f"Paragraph {i} explains one more step of the procedure in plain words." * 3 for i in range(400)]
    text = "\n\n".join(paragraphs)
    steps = prefilter_steps({"max_chars": 5000})
    out = list(steps[0].run([Document(text=text, id="long"), Document(text="short text", id="s")], 0, 1))
    assert [d.id for d in out] == ["long", "s"]
    long_doc = out[0]
    assert long_doc.metadata["truncated"] is True and long_doc.metadata["original_chars"] == len(text)
    assert len(long_doc.text) <= 5000 and text.startswith(long_doc.text)
    assert text[len(long_doc.text):].startswith("\n\n")  # cut exactly at a paragraph break
    assert "truncated" not in out[1].metadata
    assert steps[0].stats["truncated"].total == 1
    assert len(cut_at_boundary("x" * 9000, 4000)) == 4000  # no boundary at all: a hard cut
    with pytest.raises(ConfigError, match="max_chars"):
        prefilter_steps({"max_chars": 0})


def test_min_tokens_counts_words_and_punctuation():
    rule = MinTokensFilter(min_tokens=6)
    assert rule.filter(Document(text="Yes, it works!", id="a")) == (False, "too_few_tokens")  # 5 tokens
    assert rule.filter(Document(text="Yes, it works now!", id="b")) is True  # 6 tokens


def test_language_filter_without_a_model_file_stops_with_instructions(tmp_path):
    assert not any(isinstance(s, LocalLanguageFilter) for s in prefilter_steps({}))  # off by default
    for cfg in ({"language": True}, {"language": {"model_path": str(tmp_path / "lid.176.bin")}}):
        with pytest.raises(ConfigError) as err:
            prefilter_steps(cfg)
        message = str(err.value)
        assert "lid.176.bin" in message and "glotlid" in message.lower() and "model_path" in message


def test_language_filter_on_a_local_fasttext_model(tmp_path, corpus):
    """A tiny fastText model trained here stands in for lid.176.bin (same file format and labels)."""
    fasttext = pytest.importorskip("fasttext")
    english = [d.text for d in corpus if d.metadata["meta"]["planted"] is None][:10]
    german = [d.text for d in corpus if d.metadata["meta"].get("language") == "de"]
    assert german
    train = tmp_path / "train.txt"
    train.write_text("".join(f"__label__{lang} {' '.join(t.split())}\n" for lang, texts in (("en", english), ("de", german * 5))
                             for t in texts), encoding="utf-8")
    try:
        model = fasttext.train_supervised(input=str(train), epoch=50, lr=0.3, dim=16, minCount=1, thread=1, seed=0, verbose=0)
    except RuntimeError as err:  # the fasttext wheel's trainer yields NaN on some CPUs; loading is unaffected
        pytest.skip(f"cannot train the stand-in fastText model on this machine ({err})")
    model.save_model(str(tmp_path / "lid.bin"))
    cfg = {"language": {"model_path": str(tmp_path / "lid.bin"), "languages": ["en"]}}
    assert any(isinstance(s, LocalLanguageFilter) for s in prefilter_steps(cfg))
    de_doc = next(d for d in corpus if d.metadata["meta"].get("language") == "de")
    assert first_drop(prefilter_steps(cfg), Document(text=de_doc.text, id="de")) == "wrong_language_de"
    kept = Document(text=english[0], id="en")
    assert first_drop(prefilter_steps(cfg), kept) is None and kept.metadata["language"] == "en"
    unsure = {"language": {**cfg["language"], "language_threshold": 1.5}}  # no score reaches it
    assert first_drop(prefilter_steps(unsure), Document(text=english[1], id="en2")) == "language_low_confidence_en"


def test_junk_file_format():
    from webscale_rl.builder.inputs import sample_corpus_dir

    rows = [json.loads(line) for line in (sample_corpus_dir() / "junk.jsonl").open(encoding="utf-8")]
    assert 20 <= len(rows) <= 25
    assert [r["id"] for r in rows] == [f"junk-{i:03d}" for i in range(1, len(rows) + 1)]
    domains = {"Math", "Technology & Engineering", "Coding", "Social Science", "Natural Science", "Travel & Lifestyle",
               "Commerce & Economics", "Medicine & Health", "Education", "Other"}
    ids = {r["id"] for r in rows}
    for row in rows:
        assert row["meta"]["domain"] in domains and row["meta"]["shape"]
        assert row["meta"]["planted"] in {None, "boilerplate", "too_short", "non_english", "exact_duplicate",
                                          "near_duplicate", "fragment"}
        if row["meta"]["planted"] in ("exact_duplicate", "near_duplicate"):
            assert row["meta"]["duplicate_of"] in ids


def test_rule_sets_per_kind_of_source():
    assert [type(s).__name__ for s in prefilter_steps({"kind": "code"})] == ["TruncateLongDocuments", "MinTokensFilter", "GopherRepetition"]
    assert len(prefilter_steps({})) == len(prefilter_steps({"kind": "web"}))  # web is the default
    assert "C4Quality" in [type(s).__name__ for s in prefilter_steps({"kind": "code", "c4": True})]  # named rules stay on
    with pytest.raises(ConfigError, match="prefilter.kind"):
        prefilter_steps({"kind": "poetry"})


DATASET_CARD = """Harbor weather stations dataset
===============================

The Harbor weather stations dataset holds hourly readings from 40 coastal stations.
Each station records air temperature, pressure and wind speed, and the readings run
from January 2001 to December 2010, with gaps where a station was under repair.

Data set characteristics
------------------------

======== ===== ===== ===== =====
 reading   min   max  mean    sd
======== ===== ===== ===== =====
 temp     -9.1  38.2  14.6   6.2
 pressure  968  1041  1013   8.4
 wind      0.0  41.3   5.1   3.7
======== ===== ===== ===== =====

Missing values
--------------

About 2 percent of the hours have no reading, mostly during the storms of 2004.
The stations were chosen by the port authority to cover every pier of the harbour.
"""


def test_repetition_is_measured_on_lines_that_carry_text():
    """A table's borders and a heading's underline repeat no content: the card passes, and is
    left as it came. A line or a paragraph of text repeated is still boilerplate."""
    steps = prefilter_steps({"kind": "reference"})
    card = Document(text=DATASET_CARD, id="card")
    assert first_drop(steps, card) is None and card.text == DATASET_CARD
    spam = "Buy cheap tickets now at the best price online today.\n" * 12 + DATASET_CARD
    assert first_drop(prefilter_steps({"kind": "reference"}), Document(text=spam, id="spam")) == "gopher_repetition_dup_line_frac"
    # blank lines still part paragraphs, so a repeated paragraph is caught as one
    shop = "Our shop ships every order within two days.\nReturns are free for thirty days after delivery.\n\n"
    pasted = "Harbor shop\n===========\n\n" + shop * 8 + "We also sell gift cards and wrapping paper all year round.\n"
    assert first_drop(prefilter_steps({"kind": "reference"}), Document(text=pasted, id="pasted")) == "gopher_repetition_dup_para_frac"


def test_what_each_rule_set_drops_on_text_nobody_here_wrote():
    """READMEs, Python source and math docstrings from installed packages, and the sample corpus's
    web prose. Prints the table; asserts only that a kind's smaller rule set never drops more than
    the full web set, and that the web set keeps the web prose it was tuned on."""
    from webscale_rl.builder.prefilter_bench import kinds_table

    table = kinds_table()
    print("\n" + "\n".join(f"{text:10} " + "  ".join(f"{name} {share:.0%}" for name, share in row.items()) for text, row in table.items()))
    for row in table.values():
        assert all(share <= row["web"] for share in row.values())
    assert table["web"]["web"] == 0.0


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed (the `train` extra)")
def test_the_word_rules_run_without_loading_torch():
    """spaCy's thinc imports torch whenever it is installed; a build worker has no use for it and
    paid about 200 MB for it. A fresh interpreter, as a worker is, runs the rules and then
    still imports torch on request."""
    script = textwrap.dedent("""
        import sys
        from datatrove.data import Document
        from webscale_rl.builder.prefilter import prefilter_steps
        docs = iter([Document(text="The river runs past the mill and under the old stone bridge. " * 20, id="d")])
        for step in prefilter_steps({}):
            docs = step.run(docs)
        list(docs)
        print("spacy" in sys.modules, "torch" in sys.modules)
        import torch
        print(torch.tensor([1, 2]).sum().item())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False", "3"]
