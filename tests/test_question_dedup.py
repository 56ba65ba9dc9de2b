"""Near-duplicate questions: the greedy first-kept rule on hand-made cases, the LSH index against
comparing every pair on the few-shot library's questions and edited copies, and scale."""

from __future__ import annotations

import random

from webscale_rl.builder.checks import named_particulars
from webscale_rl.builder.question_dedup import _of_other_things, _shingles, near_duplicate_questions
from webscale_rl.builder.stages.common import DOMAINS
from webscale_rl.builder.stages.generate import library


def test_near_duplicate_questions_basic():
    questions = [
        "What is the boiling point of water at sea level in degrees Celsius?",
        "What is the boiling point of water at sea level, in degrees Celsius?",  # punctuation only
        "What is the boiling point of water at sea level, measured in degrees Celsius?",  # Jaccard 0.80
        "What is the boiling point of water at sea level in degrees Fahrenheit?",  # another unit: 0.76, but not a twin
        "How many moons does Mars have?",
        "how many moons does mars have",
        "Which planet has the most moons?",
        "",
        "",
    ]
    assert near_duplicate_questions(questions) == [1, 5, 8]
    assert near_duplicate_questions(questions, threshold=0.6) == [1, 2, 5, 8]
    assert near_duplicate_questions([]) == []


def test_questions_that_swap_a_name_or_number_ask_about_other_things():
    deposit = "In {}, when does the landlord have to return the deposit to the tenant after they move out?"
    questions = [
        deposit.format("New York"),
        deposit.format("Texas"),  # Jaccard 0.80 with New York's: another state, another answer
        "What is the sum of the first 100 natural numbers?",
        "What is the sum of the first 10 natural numbers?",  # 0.85
        "When did the first working point-contact transistor come out, built by Bardeen and Brattain?",
        # 0.77, and names only add to one side: the same question
        "When did the first working point-contact transistor come out, built by John Bardeen and Walter Brattain?",
        "What is the sum of the first 100 Natural Numbers?",  # capitals alone name nothing new
    ]
    assert near_duplicate_questions(questions, threshold=0.75) == [5, 6]


def jaccard(a: str, b: str) -> float:
    """The similarity, 0 for two questions that each name something the other does not."""
    x, y = _shingles(a), _shingles(b)
    return 0.0 if _of_other_things(named_particulars(a), named_particulars(b)) else len(x & y) / len(x | y)


def test_the_index_finds_what_comparing_every_pair_finds():
    rng = random.Random(0)
    real = sorted({demo["question"] for domain in DOMAINS for demo in library(domain)})
    words = [w for q in real for w in q.split()]
    questions = []
    for question in real:  # each with copies one to three words away, some below the threshold
        for changes in range(4):
            tokens = question.split()
            for _ in range(changes):
                tokens[rng.randrange(len(tokens))] = rng.choice(words)
            questions.append(" ".join(tokens))
    rng.shuffle(questions)
    for threshold in (0.6, 0.8):
        flagged = set(near_duplicate_questions(questions, threshold))
        assert len(flagged) > len(real) // 2  # the copies are there to be found
        kept: list[str] = []
        for i, question in enumerate(questions):
            best = max((jaccard(question, other) for other in kept), default=0.0)
            if i in flagged:
                assert best >= threshold, question  # the exact Jaccard decides
            else:
                # the LSH proposes a pair at the threshold with probability >= 0.9, above it all but surely
                assert best < threshold + 0.1, question
                kept.append(question)


def test_near_duplicate_questions_recall_and_scale():
    rng = random.Random(3)
    vocab = [f"term{i}" for i in range(3000)]
    base = [" ".join(rng.choice(vocab) for _ in range(rng.randint(10, 20))) + "?" for _ in range(20_000)]
    twins = {}
    for i in rng.sample(range(len(base)), 200):  # one word appended: character Jaccard stays well above 0.8
        twins[len(base) + len(twins)] = i
    questions = base + [base[i][:-1] + " now?" for i in twins.values()]
    flagged = near_duplicate_questions(questions, threshold=0.8)
    assert set(twins) <= set(flagged)
    assert len(flagged) - len(twins) < 5  # random questions are not near-duplicates
