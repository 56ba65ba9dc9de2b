"""The generated dataset card: valid Hub metadata, numbers equal to stats.json, a referenced
plot, and document text that cannot break the Markdown."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from test_write import EVIL, fake_build, fake_records
from webscale_rl.builder import write
from webscale_rl.dataset_card import card


@pytest.fixture()
def built(tmp_path) -> tuple[Path, dict]:
    out = tmp_path / "out"
    stats = fake_build(out, n_docs=15, evil=True, test_fraction=0.25)
    card.write_card(out)
    return out, stats


def table_rows(text: str, heading: str) -> list[list[str]]:
    """Body rows (cells, entities decoded) of the first table after `heading`."""
    section = text.split(heading, 1)[1]
    rows = []
    for line in section.splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [html.unescape(c.strip()) for c in line.strip().strip("|").split("|")]
        rows.append(cells)
    return rows[2:]  # header and delimiter rows


def test_card_parses_and_validates(built):
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard, DatasetCardData

    out, stats = built
    loaded = DatasetCard.load(out / "README.md")
    data = loaded.data.to_dict()
    DatasetCardData(**data, ignore_metadata_errors=False)  # strict re-validation
    assert data["license"] == "other" and data["pretty_name"] == "Webscale-RL test build a"
    assert data["size_categories"] == ["n<1K"] and "question-answering" in data["task_categories"]
    configs = MetadataConfigs.from_dataset_card_data(loaded.data)
    assert set(configs) == set(write.CONFIGS)
    infos = DatasetInfosDict.from_dataset_card_data(loaded.data)
    for config in write.CONFIGS:
        counts = {name: split.num_examples for name, split in infos[config].splits.items()}
        assert counts == write.row_counts(out, config)
    assert sum(write.row_counts(out).values()) == stats["pairs_kept"]


def test_folder_with_card_loads_every_config(built):
    from datasets import load_dataset

    out, _ = built
    for config in write.CONFIGS:
        ds = load_dataset(str(out), config)
        assert {s: d.num_rows for s, d in ds.items()} == write.row_counts(out, config)


def test_funnel_numbers_equal_stats(built):
    out, stats = built
    text = (out / "README.md").read_text()
    rows = {label.replace("*", ""): int(n.replace("*", "").replace(",", ""))
            for label, n in table_rows(text, "## How it was built")}
    assert rows["documents in"] == stats["documents_in"]
    assert rows["documents with kept pairs"] == stats["documents_with_pairs"]
    assert rows["pairs generated"] == stats["pairs_generated"]
    assert rows["pairs kept"] == stats["pairs_kept"]
    for reason, n in stats["document_drops"].items():
        assert rows[f"− dropped document: {reason}"] == n
    for reason, n in stats["pair_drops"].items():
        assert rows[f"− dropped pair: {reason}"] == n
    assert not any("not accounted" in label for label in rows)  # the fake stats add up
    tokens = {r[0].replace("*", ""): r for r in table_rows(text, "## Token usage")}
    total = sum(t["prompt_tokens"] + t["completion_tokens"] for t in stats["llm"].values())
    assert int(tokens["total"][5].replace("*", "").replace(",", "")) == total
    assert f"**{total * 0.5 / 1e6:.2f} USD**" in text
    for stage, model in stats["models"].items():
        assert [stage, model] == table_rows(text, "## Models, prompts")[list(stats["models"]).index(stage)][:2]
    for value in (stats["prompt_version"], stats["call_plan"], stats["config_hash"]):
        assert f"`{value}`" in text


def test_domains_table_and_plot(built):
    out, _ = built
    text = (out / "README.md").read_text()
    plot = out / card.PLOT_PATH
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and plot.stat().st_size > 1000
    assert f"]({card.PLOT_PATH})" in text
    import pyarrow.parquet as pq
    domains: dict[str, int] = {}
    for paths in write.split_files(out).values():
        for path in paths:
            for d in pq.read_table(path, columns=["domain"]).column("domain").to_pylist():
                domains[d] = domains.get(d, 0) + 1
    shown = {name: int(n.replace(",", "")) for name, n, _ in table_rows(text, "## Domains")}
    assert shown == domains
    answer_types = table_rows(text, "## Answer types")
    assert sum(int(r[1]) for r in answer_types) == sum(domains.values()) and all(r[3] for r in answer_types)
    assert table_rows(text, "## Personas")


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[int] = []
        self.in_pre = 0
        self.pre_text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append(0)
        if tag in {"td", "th"}:
            self.rows[-1] += 1
        if tag == "pre":
            self.in_pre += 1

    def handle_endtag(self, tag):
        self.tags.append("/" + tag)
        if tag == "pre":
            self.in_pre -= 1

    def handle_data(self, data):
        if self.in_pre:
            self.pre_text += data


def test_document_text_cannot_break_markdown(built):
    out, _ = built
    text = (out / "README.md").read_text()
    assert "<script" not in text and "</details><script>" not in text
    rendered = MarkdownIt("commonmark").enable("table").render(text.split("\n---\n", 1)[1])
    parsed = _Html()
    parsed.feed(rendered)
    assert "script" not in parsed.tags
    assert parsed.tags.count("details") == parsed.tags.count("/details") == card.SAMPLE_ROWS + 1
    assert "import os" not in parsed.pre_text  # the ``` in the document did not open a code block
    assert "alert(1)" in rendered  # the text is still shown, as text
    assert 'href="javascript' not in rendered
    sample = table_rows(text, "## Sample rows")
    assert all(len(r) == 2 for r in sample)
    question = dict(sample)["question"]
    assert EVIL.split("\n")[0] in question.replace("<br>", "\n")
    for heading in ("## Answer types", "## Personas", "## Domains"):
        widths = {len(r) for r in table_rows(text, heading)}
        assert len(widths) == 1


def test_quality_in_plain_words_with_figures_that_can_come_out_bad(tmp_path):
    out = tmp_path / "out"
    fake_build(out, n_docs=4, quality=False)
    section = card.render_card(out).split("## Quality", 1)[1].split("## Limitations", 1)[0]
    assert "Not run for this build: `webscale-rl audit --out DIR/audit.json`" in section
    drops = {r[0].strip("`"): r for r in table_rows(section, "What the checks dropped")}
    assert drops["check_answer_incorrect"][1:3] == ["5", "31%"]  # of 16 generated
    assert drops["check_answer_incorrect"][3].startswith("the reviewer, answering from the document without seeing")
    assert "pct" not in section and "distinct" not in section  # no dump of keys

    stats = json.loads((out / "stats.json").read_text())
    (out / "stats.json").write_text(json.dumps(stats | {"domain_labels": {"documents": 10, "agree": 8}}))
    (out / "audit.json").write_text(json.dumps({"pairs": 40, "labelled_good": 22, "kept": 15, "kept_good": 14,
                                                "keep_precision": 0.933, "good_dropped": 8, "model": "judge.gguf"}))
    section = card.render_card(out).split("## Quality", 1)[1].split("## Limitations", 1)[0]
    other = 100 * sum(r["domain"] == "Other" for r in fake_records(4)) / len(fake_records(4))
    assert f"{other:.0f}% of the pairs are filed under \"Other\"" in section
    assert "(10 documents), the model chose the same domain for 80% of them" in section
    assert "the checks this build ran kept 15, and 93.3% of those were good. They dropped 8 of the 22 good pairs" in section


def test_difficulty_bands_from_the_records_solve_rates(tmp_path):
    out = tmp_path / "out"
    fake_build(out, n_docs=4)
    assert "**Difficulty.**" not in card.render_card(out)  # no difficulty stage, no section
    records = fake_records(4)
    rates = [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, None, 0.0, 0.0, 0.25][:len(records)]
    write.write_dataset(out, [r | {"solve_rate": rate} for r, rate in zip(records, rates)])
    stats = json.loads((out / "stats.json").read_text())
    (out / "stats.json").write_text(json.dumps(stats | {"models": stats["models"] | {"solve": "SmolLM2-135M"},
                                                        "pair_drops": stats["pair_drops"] | {"too_easy": 3}}))
    config = yaml.safe_load((out / "build_config.yaml").read_text())
    (out / "build_config.yaml").write_text(yaml.safe_dump(config | {"difficulty": {"enabled": True, "samples": 4, "max_solve_rate": 0.9}}))
    text = card.render_card(out)
    rated = [r for r in rates if r is not None]
    bands = {row[0]: row[1] for row in table_rows(text, "**Difficulty.**")}
    assert bands == {"never (0)": str(rated.count(0.0)), "sometimes (up to half)": str(sum(0 < r <= 0.5 for r in rated)),
                     "mostly (over half)": str(sum(0.5 < r < 1 for r in rated)), "always (1)": str(rated.count(1.0))}
    assert "SmolLM2-135M answered each kept question 4 times" in text
    assert f"Mean solve rate {sum(rated) / len(rated):.2f} over {len(rated)} pairs" in text
    assert "solved more often than 0.9 of the time were dropped as too easy: 3" in text
    assert "too_easy" in text  # the drop table explains it too


def test_deterministic_and_changelog_rendered(built):
    out, _ = built
    first = ((out / "README.md").read_bytes(), (out / card.PLOT_PATH).read_bytes())
    card.write_card(out)
    assert first == ((out / "README.md").read_bytes(), (out / card.PLOT_PATH).read_bytes())
    (out / card.CHANGELOG).write_text(json.dumps({"repo_id": "acme/qa", "versions": [
        {"version": "1.0.0", "tag": "v1.0.0", "date": "2026-03-01", "config_hash": "abc", "pairs_kept": 9,
         "documents_in": 20},
        {"version": "1.1.0", "tag": "v1.1.0", "date": "2026-03-02", "config_hash": "def", "pairs_kept": 11,
         "documents_in": 30}]}))
    text = card.render_card(out)
    changelog = text.split("## Changelog", 1)[1]
    assert changelog.index("v1.1.0") < changelog.index("v1.0.0")  # newest first
    assert 'load_dataset("acme/qa", "trl", split="train", revision="v1.1.0")' in text


def test_hub_source_and_license_in_metadata(tmp_path):
    import yaml
    from huggingface_hub import DatasetCard

    out = tmp_path / "out"
    fake_build(out, n_docs=3)
    config = yaml.safe_load((out / "build_config.yaml").read_text())
    config["input"] = {"source": "HuggingFaceFW/fineweb-edu", "name": "sample-10BT", "split": "train"}
    config["card"]["license"] = "odc-by"
    (out / "build_config.yaml").write_text(yaml.safe_dump(config))
    card.write_card(out)
    loaded = DatasetCard.load(out / "README.md")
    assert loaded.data.source_datasets == ["HuggingFaceFW/fineweb-edu"]
    assert loaded.data.license == "odc-by" and "license_name" not in loaded.data.to_dict()
    assert "(https://huggingface.co/datasets/HuggingFaceFW/fineweb-edu)" in loaded.text
    assert "name: sample-10BT" in loaded.text.split("## License", 1)[1]


def test_cli_writes_card(tmp_path, capsys):
    out = tmp_path / "out"
    fake_build(out, n_docs=3)
    assert card.main([str(out), "--repo", "acme/qa"]) == 0
    assert re.search(r'load_dataset\("acme/qa", "default"', (out / "README.md").read_text())
    assert (out / card.PLOT_PATH).exists()


def test_missing_stats_is_a_clear_error(tmp_path):
    write.write_dataset(tmp_path, [])
    with pytest.raises(FileNotFoundError, match="stats.json"):
        card.render_card(tmp_path)


def test_build_with_no_pairs_still_gets_a_card(tmp_path):
    fake_build(tmp_path, n_docs=0, quality=False)
    readme = card.write_card(tmp_path)
    text = readme.read_text()
    assert "**pairs kept** | **0**" in text and (tmp_path / card.PLOT_PATH).exists()
