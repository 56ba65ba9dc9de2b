"""The few-shot libraries teach the QA generator by example, so every demonstration must obey
the same rules the pipeline asks of generated pairs. Runs under pytest or plain python3."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

from webscale_rl.builder.checks import check_pair, locate_evidence
from webscale_rl.builder.stages import generate

LIBRARIES = {
    "math": "Math", "technology_engineering": "Technology & Engineering", "coding": "Coding",
    "social_science": "Social Science", "natural_science": "Natural Science",
    "travel_lifestyle": "Travel & Lifestyle", "commerce_economics": "Commerce & Economics",
    "medicine_health": "Medicine & Health", "education": "Education", "other": "Other",
}
ANSWER_TYPES = {"number", "date", "name", "short_phrase", "yes_no", "list", "expression"}
FIELDS = {"id", "domain", "subject", "material", "persona", "question", "answer", "answer_type", "evidence"}
PASSAGE_REFERENCES = ("the passage", "the text", "the article", "the material", "according to")
EXTRACTIVE = {"number", "date", "name", "short_phrase", "list"}


def _fewshot_dir():
    """The package data, as the generate stage reads it."""
    return resources.files("webscale_rl.builder") / "fewshot"


def load(slug: str) -> list[dict]:
    text = (_fewshot_dir() / f"{slug}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def all_demos() -> list[tuple[str, dict]]:
    return [(slug, demo) for slug in LIBRARIES for demo in load(slug)]


def _mentions(haystack: str, needle: str) -> bool:
    """Case-insensitive whole-token containment, so '5' is not found inside '1950'."""
    return re.search(r"(?<!\w)" + re.escape(needle.lower()) + r"(?!\w)", haystack.lower()) is not None


def test_every_library_is_large_and_varied():
    for slug, domain in LIBRARIES.items():
        demos = load(slug)
        assert len(demos) >= 6, f"{slug}: only {len(demos)} demos"
        types = {d["answer_type"] for d in demos}
        assert len(types) >= 4, f"{slug}: answer types {sorted(types)}"
        assert all(d["domain"] == domain for d in demos), f"{slug}: domain field mismatch"


def test_fields_and_ids():
    ids = Counter()
    for slug, demo in all_demos():
        assert set(demo) == FIELDS, f"{demo.get('id')}: fields {sorted(demo)}"
        assert all(isinstance(demo[k], str) and demo[k].strip() for k in FIELDS), demo["id"]
        assert re.fullmatch(rf"{slug}-\d\d", demo["id"]), demo["id"]
        assert demo["answer_type"] in ANSWER_TYPES, demo["id"]
        ids[demo["id"]] += 1
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"


def test_material_length():
    for _, demo in all_demos():
        words = len(demo["material"].split())
        assert 60 <= words <= 140, f"{demo['id']}: material has {words} words"


def test_evidence_is_verbatim_and_supports_answer():
    for _, demo in all_demos():
        assert demo["evidence"] in demo["material"], f"{demo['id']}: evidence not copied verbatim"
        if demo["answer_type"] in EXTRACTIVE:
            assert demo["answer"].lower() in demo["evidence"].lower(), f"{demo['id']}: answer not in evidence"


def test_answers_are_short_and_checkable():
    for _, demo in all_demos():
        answer = demo["answer"]
        assert len(answer.split()) <= 8, f"{demo['id']}: answer too long"
        assert not answer.rstrip().endswith("."), f"{demo['id']}: answer reads like a sentence"
        # a yes or no is guessed right half the time: the pipeline drops such pairs, so no demo shows one
        assert demo["answer_type"] != "yes_no", f"{demo['id']}: a yes/no demo"


def test_questions_stand_alone_without_leaking():
    for _, demo in all_demos():
        question = demo["question"]
        assert question.rstrip().endswith("?"), f"{demo['id']}: not a question"
        assert not any(ref in question.lower() for ref in PASSAGE_REFERENCES), f"{demo['id']}: refers to the source"
        assert not _mentions(question, demo["answer"]), f"{demo['id']}: question contains its answer"


def test_generator_loads_and_samples_the_libraries():
    """What the generate stage actually reads."""
    for slug, domain in LIBRARIES.items():
        assert generate.SLUGS[domain] == slug
        assert list(generate.library(domain)) == load(slug)
        picked = generate.pick_demos(domain, seed=0)
        assert len(picked) == 2 and picked[0] != picked[1]
        assert picked == generate.pick_demos(domain, seed=0)


def test_demos_pass_the_pipelines_own_deterministic_checks():
    """A demonstration the pipeline would drop would teach the model to be dropped."""
    for _slug, demo in all_demos():
        assert check_pair(demo, demo["material"], demo["subject"]) == [], demo["id"]


def test_code_locates_each_demos_evidence():
    """The evidence a demo's author chose is the sentence the pipeline's own locator finds (for
    yes/no, which no sentence spells out, a sentence about the question)."""
    for _, demo in all_demos():
        found = locate_evidence(demo["question"], demo["answer"], demo["answer_type"], demo["material"])
        assert found, demo["id"]
        assert found in demo["evidence"] or demo["evidence"] in found, (demo["id"], found)


def test_generate_prompts_of_one_domain_share_all_but_the_facts():
    """The server reuses a cached prompt prefix only when it is identical: two documents of one
    domain in one run must differ only in their last turn, their own facts."""
    from webscale_rl.builder.facts import Fact

    def prompt(subject: str, sentence: str, answer: str) -> list[dict]:
        demos = generate.pick_demos("Natural Science", seed=3)
        return generate.messages(subject, [("a student", Fact(sentence, answer, "number", ""))], demos)

    first = prompt("Mars", "Mars has 2 moons.", "2")
    second = prompt("Jupiter", "Jupiter has 95 known moons.", "95")
    assert first[:-1] == second[:-1] and first[-1] != second[-1]
    assert len(first) == 1 + 2 * 2 + 1


def test_the_domain_calls_worked_topics_cover_each_domain_once_and_none_is_a_sample_document():
    """One example per domain, so none is favoured by count; none of the sample corpus, whose
    `meta.domain` labels measure the call."""
    from webscale_rl.builder.inputs import sample_corpus_rows
    from webscale_rl.builder.stages import domain

    examples = domain.labelled_topics()
    assert sorted(e["domain"] for e in examples) == sorted(LIBRARIES.values())
    assert all(domain.decide(e) == e["domain"] for e in examples)  # the code's own reading of each field agrees
    titles = {row["text"].split("\n", 1)[0].lower() for row in sample_corpus_rows()}
    assert not any(e["topic"].lower() in title or title in e["topic"].lower() for e in examples for title in titles)
