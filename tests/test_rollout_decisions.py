"""Every decision and drop reason of the four stages, with scripted model replies.

A scripted fake stands in for the model here only to reach each branch on purpose; the
same rollout runs against the real server in test_build_real.py."""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections import defaultdict, deque

import pytest
from datatrove.data import Document

from webscale_rl.builder import checks
from webscale_rl.builder.inputs import sample_corpus_rows
from webscale_rl.builder.rollout import Settings, rollout
from webscale_rl.builder.stages import check, domain, filter as filter_stage, generate, identify, opening, screen
from webscale_rl.transport import Completion, TransportError

DOC = Document(
    id="doc-1",
    text=(
        "The Harbour Bridge in Port Avalon spans 503 metres and carries eight traffic lanes. "
        "The chief engineer of the Harbour Bridge was Maria Lindqvist. It opened in 1932 after eight years of construction. "
        "A toll of 4 dollars is charged for cars travelling south."
    ),
)
# What the generate stage writes for the facts code gives the first two personas: the answer
# it copies, then the question.
PAIR_OK = {"answer": "503 metres", "question": "How long is the main span of the Harbour Bridge in Port Avalon, in metres?"}
PAIR_OK2 = {"answer": "Maria Lindqvist", "question": "Who was the chief engineer of the Harbour Bridge in Port Avalon?"}
OPENED = {"answer": "1932", "question": "In which year did the Harbour Bridge in Port Avalon open?"}
LEAKY = PAIR_OK | {"question": "How long is the 503 metre main span of the Harbour Bridge in Port Avalon?"}
EVIDENCE = "The Harbour Bridge in Port Avalon spans 503 metres and carries eight traffic lanes."
EVIDENCE2 = "The chief engineer of the Harbour Bridge was Maria Lindqvist."
GOOD = {"reader_answer": "503 metres", "context_sufficient": True, "leaks_answer": False}
GOOD2 = GOOD | {"reader_answer": "Maria Lindqvist"}
# What a reviewer reading only the evidence sentence copies out of it, when a test scripts nothing else.
READ_OFF = ("503 metres", "Maria Lindqvist")


def stage_of(payload: dict) -> str:
    if payload.get("logprobs"):  # the graded reading of the check stage
        return "support"
    if "schema" not in payload:  # the difficulty stage's solver answers in free text
        return "solve"
    schema = payload["schema"]
    if schema is opening.SCHEMA:
        return "opening"
    if schema is screen.SCHEMA:
        return "screen"
    if schema is filter_stage.SCHEMA:
        return "filter"
    if schema is identify.SCHEMA:
        return "identify"
    if schema is domain.SCHEMA:
        return "domain"
    text = json.dumps(schema)
    if "reader_answer" in text:
        return "check"
    if '"question"' in text:
        return "generate"
    if "clear" in text:
        return "standalone"
    return "evidence"


def _default_reply(stage: str, payload: dict, read_off: tuple[str, ...]) -> dict:
    """Unscripted, the opening reads as no fragment, the domain call files the bridge under engineering, and the readings of the
    check stage pass: the question is clear, and the evidence reader copies the known answer
    out of each sentence."""
    asked = payload["messages"][-1]["content"]
    if stage == "opening":
        return {"refers_to": "nothing outside it", "fragment": "no"}
    if stage == "domain":
        return {"field": "civil engineering", "domain": "Technology & Engineering"}
    if stage == "standalone":
        n = max(asked.count("?"), 1)
        return {"clear": "yes"} if "verdicts" not in json.dumps(payload["schema"]) else {"verdicts": [{"clear": "yes"}] * n}
    found = [next((a for a in read_off if a.split()[0] in line), "not stated") for line in asked.splitlines() if "Sentence:" in line]
    return {"answer": found[0]} if len(found) == 1 else {"answers": [{"answer": a} for a in found]}


def graded(p_yes: float) -> Completion:
    """A one-token reply with its first token's alternatives, as the transport returns them
    (token counts as the other scripted replies')."""
    return Completion("Yes" if p_yes >= 0.5 else "No", "length",
                      {"prompt_tokens": 100, "completion_tokens": 20,
                       "first_token_logprobs": {"Yes": math.log(p_yes), "No": math.log(1 - p_yes), "The": math.log(1e-4)}})


class Scripted:
    """Replies per stage, in order; a reply is a dict (sent as JSON), a raw string, or an exception.
    The standalone, evidence and support readings of the check stage pass unless a test scripts
    them (support: P(yes) of 0.9, or the probabilities scripted)."""

    def __init__(self, read_off: tuple[str, ...] = READ_OFF, solver: dict | None = None, **replies) -> None:
        self.read_off = read_off  # what the evidence reader copies from a sentence that holds it
        self.solver = {q: deque(texts) for q, texts in (solver or {}).items()}  # question -> attempts
        self.replies = {stage: deque(items) for stage, items in replies.items()}
        self.calls = defaultdict(int)
        self.payloads = []

    async def __call__(self, payload: dict) -> Completion:
        stage = stage_of(payload)
        self.calls[stage] += 1
        self.payloads.append(payload)
        if stage == "solve":
            question = payload["messages"][-1]["content"].split("\n\n")[0]
            reply = self.solver[question].popleft()
            if isinstance(reply, Exception):
                raise reply
            return Completion(reply, "stop", {"prompt_tokens": 30, "completion_tokens": 8})
        if stage == "support":
            return graded(self.replies[stage].popleft() if self.replies.get(stage) else 0.9)
        if stage in ("opening", "domain", "standalone", "evidence") and not self.replies.get(stage):
            return Completion(json.dumps(_default_reply(stage, payload, self.read_off)), "stop", {"prompt_tokens": 100, "completion_tokens": 20})
        reply = self.replies[stage].popleft()
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, tuple):  # (raw text, finish_reason)
            return Completion(reply[0], reply[1], {"prompt_tokens": 10, "completion_tokens": 5})
        if stage == "check" and isinstance(reply, dict) and "verdicts" in reply:  # the reviewer copies each question first
            asked = re.findall(r"^\d+\. (.*)$", payload["messages"][-1]["content"], re.MULTILINE)
            reply = {"verdicts": [{"question": q} | v for q, v in zip(asked, reply["verdicts"])] + reply["verdicts"][len(asked):]}
        return Completion(json.dumps(reply), "stop", {"prompt_tokens": 100, "completion_tokens": 20})


def run(fake: Scripted, **settings) -> dict:
    return asyncio.run(rollout(DOC, fake, Settings(**settings)))


def screened(personas=("a civil engineering student",), **over) -> dict:
    return {"topic": "the Harbour Bridge in Port Avalon", "personas": list(personas),
            "missing_context": "no", "boilerplate": "no"} | over


# ---- fused plan -------------------------------------------------------------------------------

def test_fused_keeps_checked_pairs_in_six_calls():
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK2]}],
                    check=[{"verdicts": [GOOD, GOOD2]}])
    result = run(fake)
    assert result["status"] == "kept" and result["domain"] == "Technology & Engineering"
    assert [(p["answer"], p["answer_type"]) for p in result["pairs"]] == [("503 metres", "number"), ("Maria Lindqvist", "name")]
    assert [p["evidence"] for p in result["pairs"]] == [EVIDENCE, EVIDENCE2]
    assert [p["persona"] for p in result["pairs"]] == ["a student", "a commuter"]
    assert result["pairs"][0]["verdicts"] == {"context_sufficient": True, "answer_correct": True, "no_leakage": True,
                                              "reader_answer": "503 metres", "standalone": True,
                                              "evidence_answer": "503 metres", "evidence_supports": True, "support": 0.9}
    # the graded reading reads one pair a call: its reply is one token
    assert dict(fake.calls) == {"opening": 1, "screen": 1, "domain": 1, "generate": 1, "check": 1, "standalone": 1, "evidence": 1,
                                "support": 2}
    assert {k: v for k, v in result["usage"]["screen"].items() if k != "seconds"} == {"calls": 1, "prompt_tokens": 100, "completion_tokens": 20,
                                                                                         "cached_prompt_tokens": 0}
    assert set(result["usage"]) == {"opening", "screen", "domain", "generate", "check", "check_standalone", "check_evidence",
                                    "check_support"}
    assert result["pairs_generated"] == 2 and result["pair_drops"] == {}


def test_a_pair_the_graded_reader_is_unsure_of_is_dropped():
    # P(yes) 0.55 for the span, 0.95 for the engineer: the reader doubts the first pair's question
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK2]}],
                    check=[{"verdicts": [GOOD, GOOD2]}], support=[0.55, 0.95])
    result = run(fake)
    assert [p["answer"] for p in result["pairs"]] == ["Maria Lindqvist"]
    assert result["pairs"][0]["verdicts"]["support"] == 0.95
    assert result["pair_drops"] == {"check_support_unsure": 1}
    assert [d["verdicts"]["support"] for d in result["dropped_pairs"] if d.get("reason") == "check_support_unsure"] == [0.55]
    asked = [p["messages"][-1]["content"] for p in fake.payloads if stage_of(p) == "support"]
    assert len(asked) == 2 and EVIDENCE in asked[0] and "Answer: 503 metres" in asked[0]
    assert all(p["max_tokens"] == 1 and p["top_logprobs"] == check.SUPPORT_TOKENS for p in fake.payloads if stage_of(p) == "support")


def test_the_graded_readings_calls_for_one_document_go_out_together():
    """One call per pair, independent of each other: sent in turn, they left the server's other
    slots idle at the end of every document."""
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK2]}],
                    check=[{"verdicts": [GOOD, GOOD2]}])
    in_flight, most = set(), []

    async def slow(payload: dict) -> Completion:
        in_flight.add(id(payload))
        most.append(len(in_flight) if stage_of(payload) == "support" else 0)
        await asyncio.sleep(0.01)
        in_flight.discard(id(payload))
        return await fake(payload)

    result = asyncio.run(rollout(DOC, slow, Settings()))
    assert len(result["pairs"]) == 2 and fake.calls["support"] == 2 and max(most) == 2


def test_without_a_bar_for_its_model_the_graded_reading_is_not_asked():
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK2]}],
                    check=[{"verdicts": [GOOD, GOOD2]}], support=[0.1, 0.1])
    result = run(fake, support_threshold=None)
    assert len(result["pairs"]) == 2 and "support" not in fake.calls and "support" not in result["pairs"][0]["verdicts"]


@pytest.mark.parametrize("logprobs, p_yes", [
    ({"Yes": math.log(0.7), " yes": math.log(0.1), "No": math.log(0.2)}, 0.8),  # case and a leading space are the same answer
    ({"The": math.log(0.9), "Sentence": math.log(0.1)}, None),                  # neither yes nor no: no verdict
    ({}, None),                                                                   # a server that sends no log probabilities
])
def test_support_is_the_share_of_yes_among_yes_and_no(logprobs: dict, p_yes: float | None):
    p = check.support_probability(logprobs)
    assert p == pytest.approx(p_yes) if p_yes is not None else p is None
    assert check.decide_support(logprobs, PAIR_OK, {}, 0.6).keep is (p is None or p >= 0.6)


@pytest.mark.parametrize("over,reason", [
    ({"boilerplate": "yes"}, "llm_filter_not_informative"),
    ({"missing_context": "yes"}, "llm_filter_not_self_contained"),
    ({"personas": ["    ", "\t\n   "]}, "identify_no_persona"),
])
def test_screen_drops(over, reason):
    fake = Scripted(screen=[screened(**over)])
    result = run(fake)
    assert result["status"] == "dropped" and result["drop_reason"] == reason
    assert dict(fake.calls) == {"opening": 1, "screen": 1}


@pytest.mark.parametrize("call_plan", ["fused", "paper"])
def test_a_fragment_is_dropped_on_its_opening_before_the_long_call(call_plan):
    fake = Scripted(opening=[{"refers_to": "a fix someone suggested earlier", "fragment": "yes"}])
    result = run(fake, call_plan=call_plan)
    assert result["drop_reason"] == "llm_filter_not_self_contained" and dict(fake.calls) == {"opening": 1}
    assert result["filter_rationale"] == "a fix someone suggested earlier"  # what the Space shows as the why
    assert fake.payloads[0]["messages"][-1]["content"] == "Opening:\n" + opening.opening(DOC.text)
    assert fake.payloads[0]["max_tokens"] == Settings().max_tokens["filter"]


def test_a_titled_document_gets_no_look_at_its_opening():
    titled = Document(id="doc-3", text="The Harbour Bridge of Port Avalon\n\n" + DOC.text)
    fake = Scripted(screen=[screened(boilerplate="yes")], opening=[{"refers_to": "nothing outside it: it is a fragment", "fragment": "yes"}])
    result = asyncio.run(rollout(titled, fake, Settings()))
    assert result["drop_reason"] == "llm_filter_not_informative" and dict(fake.calls) == {"screen": 1}


@pytest.mark.parametrize("text", [
    "Understanding List Comprehensions in Python\n\nA list comprehension is a compact way to build a list.",
    "Counting Words in Python with a Dictionary\n\nA common exercise counts words.",
    "Tungsten\n\nTungsten is a chemical element with the symbol W.",
    "e (mathematical constant)\n\nThe number e is a mathematical constant.",
    "Re: Can I freeze cooked rice?\n\nShort answer: yes.",
    "tld\n===\nExtract the top level domain from the URL given.",
    '<p align="center">\n  <img src="logo.png">\n</p>\n\n# httpx-sse\n\nConsume Server-Sent Events.',
    "<!--\nCopyright 2024 The Authors.\n-->\n.. image:: https://example.org/logo.png\n   :alt: logo\n\nbrotli\n======\nA compression format.",
])
def test_a_title_is_seen_below_markup_and_in_its_forms(text):
    assert opening.titled(text)


@pytest.mark.parametrize("text", [
    "Same problem here\n\nI swapped the fuse and the dryer still will not start.",
    "Yes, but only if you did the second step first.\n\nUndo it and hold the bracket flat.",
    "Thanks everyone\n\nIn the end I went with the cheaper one.",
    "Update\n\nSo I tried what you said.",
    "Thanks\n\nThanks for the help, the fuse was it.",
    "The Haber process makes ammonia from nitrogen and hydrogen over an iron catalyst.",
    "",
])
def test_a_reply_or_a_plain_paragraph_is_not_titled(text):
    assert not opening.titled(text)


def test_no_planted_fragment_of_the_sample_corpus_passes_as_titled():
    fragments = [row for row in sample_corpus_rows() if row["meta"].get("planted") == "fragment"]
    assert len(fragments) == 3 and not any(opening.titled(row["text"]) for row in fragments)


def test_the_opening_starts_at_the_text_below_markup():
    text = '<!---\nLicensed to the ASF.\n-->\n<p align="center">\n  <img src="logo.png">\n</p>\n\nhf-xet is a client.'
    assert opening.opening(text) == "hf-xet is a client."


def test_the_opening_is_the_first_sentences_cut_at_a_space():
    text = "Same here. " + "word " * 200
    cut = opening.opening(text)
    assert cut.startswith("Same here. word") and cut.endswith(" ...") and len(cut) <= opening.OPENING_CHARS + 4
    assert opening.opening("Short reply.") == "Short reply."


def test_a_failed_opening_call_is_a_named_drop():
    result = run(Scripted(opening=[TransportError("timeout", "no reply")]))
    assert result["drop_reason"] == "llm_opening_timeout"


@pytest.mark.parametrize("reply,reason", [
    (('{"topic": "cut', "length"), "llm_screen_truncated"),
    (("not json at all", "stop"), "llm_screen_invalid_json"),
    ({"topic": "x", "boilerplate": True}, "llm_screen_schema_violation"),
    (TransportError("http_503", "endpoint default: HTTP 503 (gave up)", 503), "llm_screen_http_503"),
    (TransportError("timeout", "no reply"), "llm_screen_timeout"),
])
def test_malformed_truncated_and_failed_replies_are_counted(reply, reason):
    result = run(Scripted(screen=[reply]))
    assert result["status"] == "dropped" and result["drop_reason"] == reason


def test_fused_generate_failure_drops_the_document():
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[('{"questions": [{"answ', "length")])
    result = run(fake)
    assert result["drop_reason"] == "llm_generate_truncated"


def test_fused_wrong_number_of_pairs_is_a_schema_violation():
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK]}])
    assert run(fake)["drop_reason"] == "llm_generate_schema_violation"


@pytest.mark.parametrize("verdict,reason", [
    (GOOD | {"context_sufficient": False}, "check_context_insufficient"),
    (GOOD | {"leaks_answer": True}, "check_leaks_answer"),
    (GOOD | {"reader_answer": "611 metres"}, "check_answer_incorrect"),  # the blind reviewer read another answer
    (GOOD | {"reader_answer": "not stated"}, "check_answer_incorrect"),
])
def test_check_verdicts(verdict, reason):
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK2]}], check=[{"verdicts": [verdict, GOOD2]}])
    result = run(fake)
    assert result["status"] == "kept" and len(result["pairs"]) == 1
    assert result["pair_drops"] == {reason: 1}


# Names its bridge only as "Port Avalon's bridge", which the document never writes.
BRIDGE_ONLY = PAIR_OK | {"question": "How long is the main span of Port Avalon's bridge, in metres?"}


def test_the_question_alone_must_be_clear_and_the_evidence_must_answer_it():
    """The second and third readings run only on the pairs that passed the one before."""
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [BRIDGE_ONLY, PAIR_OK2]}],
                    check=[{"verdicts": [GOOD, GOOD2]}], standalone=[{"verdicts": [{"clear": "no"}, {"clear": "yes"}]}],
                    evidence=[{"answer": "not stated"}])
    result = run(fake)
    assert result["status"] == "dropped"
    assert result["pair_drops"] == {"check_question_needs_document": 1, "check_answer_not_in_evidence": 1}
    evidence_call = fake.payloads[-1]["messages"][-1]["content"]
    assert "Maria Lindqvist" in evidence_call and "503" not in evidence_call  # only the survivor, by its sentence
    assert all("Port Avalon opened" not in m["content"] for m in fake.payloads[-2]["messages"][1:] if m["role"] == "user"
               and "Harbour" in m["content"])  # the standalone reader never sees the document
    dropped = {p["reason"]: p for p in result["dropped_pairs"]}
    assert dropped["check_answer_not_in_evidence"]["verdicts"]["evidence_answer"] == "not stated"


DEPOSITS = Document(id="doc-2", text=(
    "Security Deposits in Three States\n"
    "Most states give a landlord a fixed period to return a security deposit after the tenant moves out. "
    "In California it is 21 days, in New York it is 14 days, and in Texas it is 30 days."))
PERIODS = {"California": "21 days", "New York": "14 days", "Texas": "30 days"}


def test_pairs_citing_one_sentence_are_read_apart_by_the_evidence_reader():
    """Three questions on one sentence of three figures: the real 1.5B reader, asked about all
    three at once, answered 30, 30, 30, and each alone rightly. Each gets a call of its own (a
    reply listing three answers would not fit the one-answer schema it is scripted with here)."""
    questions = [{"answer": days, "question": f"How many days does a landlord in {state} have to return a security deposit?"}
                 for state, days in PERIODS.items()]
    fake = Scripted(screen=[screened(["a tenant", "a landlord", "a lawyer"], topic="security deposits in three states")],
                    generate=[{"questions": questions}],
                    check=[{"verdicts": [GOOD | {"reader_answer": days} for days in PERIODS.values()]}],
                    evidence=[{"answer": days} for days in PERIODS.values()])
    result = asyncio.run(rollout(DEPOSITS, fake, Settings()))
    assert sorted(p["answer"] for p in result["pairs"]) == ["14 days", "21 days", "30 days"], result["dropped_pairs"]
    assert fake.calls["evidence"] == 3
    asked = [p["messages"][-1]["content"] for p in fake.payloads if stage_of(p) == "evidence"]
    assert [next(state for state in PERIODS if state in a.split("Question:")[1]) for a in asked] == list(PERIODS)
    assert len({p["seed"] for p in fake.payloads if stage_of(p) == "evidence"}) == 3


def test_a_question_naming_its_subject_as_the_document_does_passes_a_doubting_reviewer():
    """"the Harbour Bridge in Port Avalon" is written so in the document: the reviewer's "no"
    is overruled (it calls names it never heard of unclear), and the record says the question
    stands alone."""
    fake = Scripted(screen=[screened()], generate=[PAIR_OK],
                    check=[GOOD], standalone=[{"clear": "no"}])
    result = run(fake)
    assert result["status"] == "kept" and result["pairs"][0]["verdicts"]["standalone"] is True


def test_a_question_naming_the_package_of_its_readme_passes_a_doubting_reviewer():
    """The reviewer called "the `find-up-simple` package" unclear, a name it never heard of; the
    README is about that package, so the question names what it asks about."""
    readme = "# find-up-simple\n\nReturns a `Promise` for the found path, or `undefined` if it could not be found.\n"
    pair = {"question": "What type of object does the `find-up-simple` package return when the file is found?",
            "answer": "Promise", "answer_type": "name", "evidence": "Returns a `Promise` for the found path.", "persona": "a developer"}
    assert check.decide_standalone("no", pair, {}, readme).keep
    unnamed = pair | {"question": "What type of object does the package return when the file is found?"}
    assert not check.decide_standalone("no", unnamed, {}, readme).keep


def test_code_that_runs_as_quoted_passes_a_doubting_reviewer_and_a_reader_who_restates_it():
    """The reviewer takes "{x % 3 for x in range(10)}" for a snippet of some document, and the
    blind reader copies the code before its value; the code runs as it stands, so both are
    overruled. A call of a function the document defines is not."""
    quoted = {"question": "What does the set comprehension {x % 3 for x in range(10)} produce?", "answer": "{0, 1, 2}",
              "answer_type": "expression", "evidence": "A set comprehension such as {x % 3 for x in range(10)} produces {0, 1, 2}.",
              "persona": "a student"}
    restated = "set comprehension {x % 3 for x in range(10)} produces {0, 1, 2}"
    assert check.answers_agree(restated, quoted["answer"], "expression", quoted["question"])
    assert not check.answers_agree("{x % 3 for x in range(10)} produces {0, 1, 2, 3}", quoted["answer"], "expression", quoted["question"])
    # the reader of the real model's build named the code instead of copying it
    assert check.answers_agree("set comprehension produces {0, 1, 2}", quoted["answer"], "expression", quoted["question"])
    assert not check.answers_agree("set comprehension produces {1, 2}", quoted["answer"], "expression", quoted["question"])
    call = "What does sorted([3, 1, 2]) return?"
    assert check.answers_agree("The function returns [1, 2, 3]", "[1, 2, 3]", "expression", call)
    assert not check.answers_agree("The function returns [3, 2, 1]", "[1, 2, 3]", "expression", call)
    assert check.decide_standalone("no", quoted, {}, "").keep
    own = quoted | {"question": "What does count_words('the cat and the hat') return for 'the'?"}
    assert not check.decide_standalone("no", own, {}, "").keep


def test_an_evidence_sentence_that_says_what_the_quoted_code_gives_supports_the_pair() -> None:
    """The real model's evidence reader said "not stated" of "{x % 3 for x in range(10)} produces
    {0, 1, 2}"; the sentence says it in so many words. Another value, other code, or code the
    document defines still rest on the reader."""
    pair = {"question": "What is the result of a set comprehension such as {x % 3 for x in range(10)}?", "answer": "{0, 1, 2}",
            "answer_type": "expression",
            "evidence": "A set comprehension such as {x % 3 for x in range(10)} produces {0, 1, 2}, because duplicates are removed automatically."}
    assert check.decide_evidence("not stated", pair, {}).keep
    assert not check.decide_evidence("not stated", pair | {"answer": "{0, 1}"}, {}).keep
    assert not check.decide_evidence("not stated", pair | {"question": "What does {x % 2 for x in range(10)} produce?"}, {}).keep
    defined = {"question": "What does count_words('a b a') return?", "answer": "2", "answer_type": "expression",
               "evidence": "Calling count_words('a b a') returns 2 for the word a."}
    assert not check.decide_evidence("not stated", defined, {}).keep


def test_all_pairs_rejected_drops_the_document():
    fake = Scripted(screen=[screened()], generate=[PAIR_OK], check=[GOOD | {"reader_answer": "611"}])
    result = run(fake)
    assert result["status"] == "dropped" and result["drop_reason"] == "no_pair_kept"
    assert result["pair_drops"] == {"check_answer_incorrect": 1}


@pytest.mark.parametrize("pair,reason", [
    (PAIR_OK | {"question": "How long is the 503 metre main span of the Harbour Bridge in Port Avalon?"}, "question_leaks_answer"),
    (PAIR_OK | {"question": "According to the passage, how long is the main span of the Harbour Bridge in Port Avalon?"},
     "question_refers_to_passage"),
    (PAIR_OK | {"question": "How long is the main span of the bridge, in metres?"}, "question_not_specific"),
    (PAIR_OK | {"question": "How many metres long is the Sydney Opera House?"}, "question_not_grounded"),
    (PAIR_OK2 | {"question": "When did Maria Lindqvist become chief engineer of the Harbour Bridge in Port Avalon?"},
     "answer_does_not_fit_question"),
    # the student's question borrows the other persona of the document
    (PAIR_OK | {"question": "How long is the main span of the Harbour Bridge in Port Avalon that a commuter crosses?"},
     "question_names_a_persona"),
])
def test_deterministic_checks_drop_before_the_llm_check(pair, reason):
    other, verdict = (PAIR_OK2, GOOD2) if pair["answer"] == PAIR_OK["answer"] else (PAIR_OK, GOOD)
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [pair, other]}], check=[verdict])
    result = run(fake, facts_per_persona=1)
    assert result["pair_drops"] == {reason: 1}
    assert [p["answer"] for p in result["pairs"]] == [other["answer"]]
    blind = next(p for p in fake.payloads if stage_of(p) == "check")
    sent = blind["messages"][1]["content"].split("Questions:")[1]
    assert sent.strip().splitlines()[0] == f"1. {other['question']}" and "2." not in sent  # only the survivor was sent
    assert other["answer"] not in sent  # the reviewer answers blind
    assert result["dropped_pairs"][0]["reason"] == reason and result["dropped_pairs"][0]["question"] == pair["question"]


def test_bug_in_a_stage_is_counted_not_raised():
    fake = Scripted(screen=[ZeroDivisionError("boom")])
    result = run(fake)
    assert result["drop_reason"] == "rollout_error_ZeroDivisionError"


# ---- paper plan -------------------------------------------------------------------------------

def test_paper_plan_makes_four_plus_two_k_calls():
    fake = Scripted(
        filter=[{"topic": "a bridge", "missing_context": "no", "boilerplate": "no"}],
        identify=[{"topic": "a bridge", "personas": ["a student", "a commuter"]}],
        generate=[PAIR_OK, PAIR_OK2], check=[GOOD, GOOD2],
    )
    result = run(fake, call_plan="paper")
    # 4 + 2k (opening, filter, identify, domain; a generate and a check per persona), k = 2,
    # and per pair the check stage's three further readings
    assert dict(fake.calls) == {"opening": 1, "filter": 1, "identify": 1, "domain": 1, "generate": 2, "check": 2, "standalone": 2, "evidence": 2,
                                "support": 2}
    assert result["status"] == "kept" and len(result["pairs"]) == 2
    assert set(result["usage"]) == {"opening", "filter", "identify", "domain", "generate", "check", "check_standalone", "check_evidence",
                                    "check_support"}


def test_paper_plan_filter_drop_stops_before_identify():
    fake = Scripted(filter=[{"topic": "menu", "missing_context": "no", "boilerplate": "yes"}])
    result = run(fake, call_plan="paper")
    assert result["drop_reason"] == "llm_filter_not_informative" and dict(fake.calls) == {"opening": 1, "filter": 1}


@pytest.mark.parametrize("reply,expected", [
    ({"field": "astronomy", "domain": "Other"}, "Natural Science"),  # a field its area lists outright decides
    ({"field": "Education", "domain": "Other"}, "Education"),  # an area's own name, in any case
    ({"field": "urban planning", "domain": "Social Science"}, "Social Science"),  # no area names it outright: the model's choice
    ({"field": "rowing", "domain": "Other"}, "Other"),
])
def test_the_domain_call_decides_from_the_topic(reply, expected):
    fake = Scripted(screen=[screened()], domain=[reply], generate=[{"questions": [PAIR_OK]}], check=[GOOD])
    result = run(fake)
    assert result["domain"] == expected
    asked = next(p for p in fake.payloads if stage_of(p) == "domain")["messages"][-1]["content"]
    assert asked == "Topic: the Harbour Bridge in Port Avalon"  # the topic alone, never the document


def test_a_failed_domain_call_drops_the_document_with_a_named_reason():
    fake = Scripted(screen=[screened()], domain=[TransportError("timeout", "read timed out")])
    result = run(fake)
    assert result["status"] == "dropped" and result["drop_reason"] == "llm_domain_timeout"
    assert "generate" not in fake.calls


def test_paper_plan_counts_failures_per_pair():
    fake = Scripted(
        filter=[{"topic": "a bridge", "missing_context": "no", "boilerplate": "no"}],
        identify=[{"topic": "a bridge", "personas": ["a student", "a commuter"]}],
        generate=[("garbage", "stop"), PAIR_OK2], check=[("{", "length")],
    )
    result = run(fake, call_plan="paper")
    assert result["pairs_generated"] == 2
    assert result["pair_drops"] == {"llm_generate_invalid_json": 1, "llm_check_truncated": 1}
    assert result["drop_reason"] == "no_pair_kept"


def test_same_document_and_seed_give_identical_payloads():
    def payloads(seed):
        fake = Scripted(screen=[screened(["a student", "a commuter", "a historian"])], generate=[{"questions": [PAIR_OK, PAIR_OK2, OPENED]}],
                        check=[{"verdicts": [GOOD, GOOD2, GOOD | {"reader_answer": "1932"}]}], read_off=READ_OFF + ("1932",))
        assert run(fake, seed=seed)["status"] == "kept"
        return fake.payloads

    assert payloads(1) == payloads(1)
    assert payloads(1)[1] != payloads(2)[1]  # another seed: other sampling seed and maybe other demos


def test_unknown_call_plan_is_refused():
    with pytest.raises(ValueError, match="call_plan"):
        Settings(call_plan="both")


def test_code_gives_each_persona_a_fact_and_the_model_only_writes_the_question():
    """The answer, its type and the evidence come from the fact code found; the model's copy
    of the answer only says which fact a question is for, so questions written out of order
    still meet their facts, and an answer that is none of the facts' falls back to the order."""
    assert checks.sentences("Route 66 runs through U.S. towns. Dr. Reyes drove it.") == [
        "Route 66 runs through U.S. towns.", "Dr. Reyes drove it."]
    fake = Scripted(screen=[screened(["a student", "a commuter", "a historian"])],
                    generate=[{"questions": [PAIR_OK2, {"answer": "1932", "question": "In which year did the Harbour Bridge in Port Avalon open?"},
                                             PAIR_OK | {"answer": "611 metres"}]}],
                    check=[{"verdicts": [GOOD, GOOD2, GOOD | {"reader_answer": "1932"}]}], read_off=READ_OFF + ("1932",))
    result = run(fake)
    assert [(p["persona"], p["answer"], p["evidence"]) for p in result["pairs"]] == [
        ("a student", "503 metres", EVIDENCE), ("a commuter", "Maria Lindqvist", EVIDENCE2),
        ("a historian", "1932", "It opened in 1932 after eight years of construction.")]
    assert result["pairs"][0]["question"] == PAIR_OK["question"]
    sent = next(p for p in fake.payloads if stage_of(p) == "generate")["messages"][-1]["content"]
    assert "Answer: 503 metres" in sent and "Fact: The chief engineer of the Harbour Bridge was Maria Lindqvist." in sent
    assert "evidence" not in json.dumps(generate.schema(2)) and "answer_type" not in json.dumps(generate.schema(2))


def test_a_fact_asked_twice_and_a_persona_without_a_fact_are_counted():
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK]}], check=[GOOD])
    result = run(fake, facts_per_persona=1)
    assert [p["answer"] for p in result["pairs"]] == ["503 metres"]
    assert result["pairs_generated"] == 2 and result["pair_drops"] == {"no_question_for_fact": 1}
    bare = Document(id="doc-2", text="Welcome. Click here to sign in. Thanks for reading and see you soon.")
    fake = Scripted(screen=[screened(["a student"])])
    result = asyncio.run(rollout(bare, fake, Settings()))
    assert dict(fake.calls) == {"opening": 1, "screen": 1, "domain": 1}  # no fact, no generate call
    assert result["drop_reason"] == "no_pair_kept" and result["pair_drops"] == {"no_fact_for_persona": 1}


@pytest.mark.parametrize("call_plan", ["fused", "paper"])
def test_a_persona_whose_question_the_code_refuses_is_asked_about_another_fact(call_plan):
    """The refused pair is counted, the persona's next fact comes from a sentence not asked
    about yet, and the check readings judge both rounds' survivors together."""
    screen_replies = {"screen": [screened(["a student", "a commuter"])]} if call_plan == "fused" else {
        "filter": [{"topic": "the Harbour Bridge in Port Avalon", "missing_context": "no", "boilerplate": "no"}],
        "identify": [{"topic": "the Harbour Bridge in Port Avalon", "personas": ["a student", "a commuter"]}]}
    first = [{"questions": [LEAKY, PAIR_OK2]}] if call_plan == "fused" else [LEAKY, PAIR_OK2]
    verdicts = [{"verdicts": [GOOD2, GOOD | {"reader_answer": "1932"}]}] if call_plan == "fused" else [GOOD2, GOOD | {"reader_answer": "1932"}]
    fake = Scripted(**screen_replies, generate=[*first, OPENED], check=verdicts, read_off=READ_OFF + ("1932",))
    result = run(fake, call_plan=call_plan)
    assert [(p["persona"], p["answer"]) for p in result["pairs"]] == [("a commuter", "Maria Lindqvist"), ("a student", "1932")]
    assert result["pair_drops"] == {"question_leaks_answer": 1} and result["dropped_pairs"][0]["question"] == LEAKY["question"]
    assert result["pairs_generated"] == 3 == len(result["pairs"]) + sum(result["pair_drops"].values())
    asked_again = [p for p in fake.payloads if stage_of(p) == "generate"][-1]["messages"][-1]["content"]
    assert "Persona: a student" in asked_again and "Fact: It opened in 1932" in asked_again
    assert "503" not in asked_again and "a commuter" not in asked_again
    assert fake.calls["generate"] == (2 if call_plan == "fused" else 3) and fake.calls["check"] == (1 if call_plan == "fused" else 2)


def test_another_fact_only_up_to_facts_per_persona_and_only_after_a_wording_refusal():
    vague = OPENED | {"question": "In which year did it open to traffic?"}
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [LEAKY, PAIR_OK2]}, vague],
                    check=[GOOD2])
    result = run(fake)
    assert fake.calls["generate"] == 2  # the second refusal ends the persona's turn
    assert result["pair_drops"] == {"question_leaks_answer": 1, "question_not_specific": 1}
    assert result["status"] == "kept" and len(result["pairs"]) == 1
    unnamed = PAIR_OK | {"question": "How long is the main span of the bridge, in metres?"}
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [unnamed, PAIR_OK2]}], check=[GOOD2])
    result = run(fake)
    assert fake.calls["generate"] == 1 and result["pair_drops"] == {"question_not_specific": 1}


def test_a_failed_call_for_further_facts_keeps_what_the_first_call_wrote():
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [LEAKY, PAIR_OK2]}, ("{not json", "stop")],
                    check=[GOOD2])
    result = run(fake)
    assert result["status"] == "kept" and [p["answer"] for p in result["pairs"]] == ["Maria Lindqvist"]
    assert set(result["pair_drops"]) == {"question_leaks_answer", "llm_generate_invalid_json"}
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [LEAKY, PAIR_OK2]}], check=[GOOD2])
    result = run(fake, facts_per_persona=1)
    assert fake.calls["generate"] == 1 and result["pairs_generated"] == 2
    with pytest.raises(ValueError, match="facts_per_persona"):
        Settings(facts_per_persona=0)


def test_verdicts_meet_their_questions_by_the_copy_the_reviewer_makes():
    """A reviewer that answers the second question first still judges each pair by its own
    answer: the copied question, not the order, says which verdict is whose."""
    swapped = {"verdicts": [{"question": "2. " + PAIR_OK2["question"]} | GOOD2, {"question": PAIR_OK["question"]} | GOOD]}
    fake = Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK2]}], check=[swapped])
    result = run(fake)
    assert [(p["answer"], p["verdicts"]["reader_answer"]) for p in result["pairs"]] == [("503 metres", "503 metres"), ("Maria Lindqvist", "Maria Lindqvist")]
    assert check.verdicts({"verdicts": [GOOD2 | {"question": "no such question"}, GOOD | {"question": PAIR_OK2["question"]}]},
                          [PAIR_OK, PAIR_OK2]) == [GOOD2 | {"question": "no such question"}, GOOD | {"question": PAIR_OK2["question"]}]


@pytest.mark.parametrize("reader, answer, answer_type, agree", [
    ("quad-core ARM", "quad-core ARM, 1.7 GHz", "short_phrase", True),
    ("503 metres", "503", "number", True),
    ("not stated", "no", "yes_no", False),   # a blind "not stated" is no "no"
    ("2", "2, 3 and 5", "list", False),       # one item of a list is not the list
    ("3, 5, 2", "2, 3 and 5", "list", True),
    ("Perseid Meteor Shower", "Perseids", "name", True),  # the plural s aside, one names the other
    ("Perseus", "Perseids", "name", False),
    ("Southern Hemisphere", "Northern Hemisphere", "short_phrase", False),
    ("gcc -Wall -Wextra", "Wall", "name", False),  # a part of a word: Wall is no option, -Wall is
    ("gcc -Wall -Wextra", "-Wall", "name", True),
    ("python-zstandard", "Python", "name", False),
    ("Euler's number", "Euler", "name", True),
    # the reader names more than the pair: half an answer, or a question with more than one
    ("Henri Desgrange and L'Auto", "Henri Desgrange", "name", False),
    ("GIS StackExchange, GitHub", "GIS StackExchange", "name", False),
    ("Geometry interface, NumPy ufuncs", "Geometry", "name", False),
    ("Pandas and Polars", "Pandas and Polars", "short_phrase", True),
])
def test_blind_answers_agree_only_when_they_say_the_same(reader, answer, answer_type, agree):
    assert check.answers_agree(reader, answer, answer_type) is agree


def test_a_reader_who_gives_back_the_questions_words_confirms_nothing():
    # "RAKE" and its expansion are one name to the verifier, but this reader answered with the
    # question's own word: it read the question as asking for what it already names
    assert not check.answers_agree("RAKE", "Rapid Automatic Keyword Extraction", "name", "What is the short name of the RAKE algorithm?")
    assert check.answers_agree("Rapid Automatic Keyword Extraction", "Rapid Automatic Keyword Extraction", "name", "What does RAKE stand for?")
    assert not check.answers_agree("Python", "Python 3", "name", "Which version of Python does Tallyho need?")
    assert check.answers_agree("Python 3", "Python 3", "name", "Which version of Python does Tallyho need?")
    assert check.answers_agree("Python", "Python", "name", "Which language are the Python bindings of Tallyho written in?")


@pytest.mark.parametrize("question, reader, agree", [
    ("What is the maximum cost of a project in Millbrook's participatory budget?", "no more than $300,000", True),
    ("What is the minimum grade point average for a Westfield Community Foundation scholarship?", "at least 3.0", True),
    ("What is the maximum cost of a project in Millbrook's participatory budget?", "no more than $250,000", False),
    # asked for the amount itself, a reader who finds only a cap does not confirm it
    ("How much does each project in Millbrook's participatory budget cost?", "no more than $300,000", False),
    ("What is the maximum cost of a project in Millbrook's participatory budget?", "more than $300,000", False),
])
def test_a_bound_agrees_with_the_limit_a_question_asks_for(question, reader, agree):
    answer = "3.0" if "grade" in question else "$300,000"
    assert check.answers_agree(reader, answer, "number", question) is agree


# ---- difficulty (optional stage) ---------------------------------------------------------------

def kept_two(solver: dict | None = None) -> Scripted:
    return Scripted(screen=[screened(["a student", "a commuter"])], generate=[{"questions": [PAIR_OK, PAIR_OK2]}],
                    check=[{"verdicts": [GOOD, GOOD2]}], solver=solver)


def test_difficulty_rates_each_kept_pair_by_the_reward_and_drops_the_too_easy():
    fake = kept_two(solver={
        PAIR_OK["question"]: ["\\boxed{503}", "It is \\boxed{503 metres}.", "\\boxed{500}", "\\boxed{503}"],
        PAIR_OK2["question"]: ["\\boxed{John Bradfield}", "\\boxed{Lindqvist or Smith}", "\\boxed{}", "no idea"],
    })
    result = run(fake, solve_samples=4, max_solve_rate=0.5)
    assert [(p["answer"], p["solve_rate"]) for p in result["pairs"]] == [("Maria Lindqvist", 0.0)]
    assert [(p["answer"], p["solve_rate"], p["reason"]) for p in result["dropped_pairs"]] == [("503 metres", 0.75, "too_easy")]
    assert result["pair_drops"] == {"too_easy": 1} and fake.calls["solve"] == 8
    assert result["usage"]["solve"]["calls"] == 8
    seeds = [p["seed"] for p in fake.payloads if stage_of(p) == "solve"]
    assert len(set(seeds)) == 8, "every attempt must be a fresh sample"


def test_difficulty_without_a_threshold_only_rates_and_a_failed_attempt_is_left_out():
    fake = kept_two(solver={
        PAIR_OK["question"]: ["\\boxed{503}", TransportError("timeout", "no reply")],
        PAIR_OK2["question"]: [TransportError("timeout", "no reply"), TransportError("http_503", "gave up", 503)],
    })
    result = run(fake, solve_samples=2)
    assert [p["solve_rate"] for p in result["pairs"]] == [1.0, None]
    assert result["status"] == "kept" and result["pair_drops"] == {}


def test_no_difficulty_stage_unless_asked():
    result = run(kept_two())
    assert "solve" not in result["usage"] and all("solve_rate" not in p for p in result["pairs"])


def test_the_solver_sees_exactly_the_prompt_of_the_rl_views():
    from webscale_rl.eval.reward import chat_prompt

    fake = kept_two(solver={PAIR_OK["question"]: ["\\boxed{1}"], PAIR_OK2["question"]: ["\\boxed{1}"]})
    run(fake, solve_samples=1)
    assert [p["messages"] for p in fake.payloads if stage_of(p) == "solve"] == [chat_prompt(PAIR_OK["question"]), chat_prompt(PAIR_OK2["question"])]
