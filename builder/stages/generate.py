"""Stage 3, verifiable QA generation: one short-answer question per persona, about a fact
of the document, shaped by two demonstrations from the domain's few-shot library.

Code picks each persona's fact: a sentence and the value it states (`builder/facts.py`). The
model writes the question that asks for that value. Left to choose the answer too, the 1.5B
default answered with values the document gives for something else, half formulas and
versions it made up; given the value and its sentence, the answer is in the document and
the evidence states it by construction, and what is left to the model, phrasing a question
that names its subject, is what it does well.

Both call plans use the same instructions: the paper plan asks for one persona per call,
the fused plan for all personas of the document in one call."""

from __future__ import annotations

import json
import random
from functools import lru_cache

from webscale_rl.builder.checks import answer_as_asked, locate_evidence
from webscale_rl.builder.facts import Fact, with_context
from webscale_rl.builder.stages.common import DOMAINS, StageResult, fewshot, one_or_many, place_by_copy, stable_seed

SLUGS = {
    "Math": "math", "Technology & Engineering": "technology_engineering", "Coding": "coding",
    "Social Science": "social_science", "Natural Science": "natural_science",
    "Travel & Lifestyle": "travel_lifestyle", "Commerce & Economics": "commerce_economics",
    "Medicine & Health": "medicine_health", "Education": "education", "Other": "other",
}

SYSTEM = (
    "You write quiz questions for training language models with verifiable rewards. You are given the "
    "subject of a document, a persona, a fact from the document and an answer copied from that fact. "
    "Write the one question whose answer is exactly that answer:\n"
    "- the fact answers the question with that answer, and the question asks for that kind of value "
    "(a year: 'In which year', a full date: 'On which date', a decade: 'In which decade', a count: 'How many', "
    "a person: 'Who', a price: 'How much');\n"
    "- the question names the subject and whatever else a reader needs, so that someone who has never seen "
    "the document knows which thing, place, person or event it is about; never write 'the passage', "
    "'the text', 'the article', 'the document' or 'according to';\n"
    "- the question does not contain its answer;\n"
    "- besides naming the subject, the question says only what its own fact (and the sentence before it) "
    "states: no detail from another item's fact, none from what you know;\n"
    "- ask it the way the persona would.\n"
    "Reply in JSON."
)

# The model copies the answer it writes for before the question: asked for several facts at
# once it may take them in another order, and the copied answer says which fact each
# question belongs to.
QUESTION = {
    "type": "object",
    "properties": {"answer": {"type": "string", "maxLength": 80}, "question": {"type": "string", "minLength": 10, "maxLength": 300}},
    "required": ["answer", "question"],
    "additionalProperties": False,
}


def schema(n_facts: int) -> dict:
    """One question, or exactly one per fact in order."""
    return one_or_many(QUESTION, "questions", n_facts)


def library(domain: str) -> tuple[dict, ...]:
    """The domain's demonstrations (data files in builder/fewshot/)."""
    return fewshot(SLUGS.get(domain, "other"))


@lru_cache(maxsize=None)
def worked_examples(domain: str) -> tuple[tuple[dict, Fact], ...]:
    """The domain's demonstrations with the fact each one asks about: its answer and the
    sentence of its material that states it, located once. A demonstration no sentence
    answers shows nothing this stage does and is left out."""
    out = []
    for demo in library(domain if domain in DOMAINS else "Other"):
        sentence = locate_evidence(demo["question"], demo["answer"], demo["answer_type"], demo["material"])
        if sentence:
            context = dict(with_context(demo["material"])).get(sentence, "")
            out.append((demo, Fact(sentence, demo["answer"], demo["answer_type"], context)))
    return tuple(out)


def pick_demos(domain: str, seed: int, salt: object = "", k: int = 2) -> list[tuple[dict, Fact]]:
    """k worked examples, the same ones for every document of a domain in a run (same seed
    and salt): the rules and demonstrations then form one prompt prefix that the server keeps
    cached from one document to the next, and only the document's facts are computed anew.
    Picked per document, they made each generate call's prefix unique after the rules."""
    examples = list(worked_examples(domain))
    return random.Random(stable_seed(domain, seed, "fewshot", salt)).sample(examples, min(k, len(examples)))


def _item(persona: str, fact: Fact, indent: str = "") -> str:
    lines = [f"Persona: {persona}", f"Fact: {fact.sentence}"]
    if fact.context:
        lines.append(f"(The sentence before it: {fact.context})")
    lines.append(f"Answer: {fact.answer}")
    return f"\n{indent}".join(lines)


def _task(subject: str, items: list[tuple[str, Fact]]) -> str:
    if len(items) == 1:
        return f"Subject: {subject}\n" + _item(*items[0])
    listed = "\n".join(f"{i + 1}. " + _item(persona, fact, "   ") for i, (persona, fact) in enumerate(items))
    return f"Subject: {subject}\n{listed}\nWrite one question for each numbered item, in order."


def messages(subject: str, items: list[tuple[str, Fact]], demos: list[tuple[dict, Fact]]) -> list[dict]:
    """Rules, then each demonstration as a worked turn (small models follow demonstrated turns
    more closely than described ones), then the document's facts, one per persona."""
    turns = [{"role": "system", "content": SYSTEM}]
    for demo, fact in demos:
        turns += [{"role": "user", "content": _task(demo["subject"], [(demo["persona"], fact)])},
                  {"role": "assistant", "content": json.dumps({"answer": demo["answer"], "question": demo["question"]}, ensure_ascii=False)}]
    return turns + [{"role": "user", "content": _task(subject, items)}]


def _tidy(question: str) -> str:
    """Spaces collapsed, and nothing after the question mark: small models append the answer
    ("... designed for? (Answer: 4)")."""
    question = " ".join(str(question).split())
    return question[:question.rindex("?") + 1] if "?" in question else question


def decide(reply: dict, items: list[tuple[str, Fact]]) -> StageResult:
    """Each question with the fact it was written for, found by the answer the model copied
    (a question whose copied answer is none of the facts' goes to the first fact still
    without one): the answer and its type come from the fact, cut to what the question asks
    (`answer_as_asked`), and the evidence is its sentence."""
    written = [reply] if len(items) == 1 else list(reply["questions"])
    # a second question for one fact: the first stands, and the fact's persona has no other
    placed = place_by_copy(written, lambda item: item["answer"], [fact.answer for _, fact in items], duplicates_fill_gaps=False)
    pairs = []
    for i, (persona, fact) in enumerate(items):
        if i in placed:
            question = _tidy(placed[i]["question"])
            pairs.append({"question": question, "answer": answer_as_asked(question, fact.answer, fact.answer_type),
                          "answer_type": fact.answer_type, "evidence": fact.sentence, "persona": persona})
    unasked = [({"persona": persona, "answer": fact.answer, "evidence": fact.sentence}, "no_question_for_fact")
               for i, (persona, fact) in enumerate(items) if i not in placed]
    return StageResult(True, data={"pairs": pairs, "unasked": unasked})
