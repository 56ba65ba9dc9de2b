"""Near-duplicate questions across a dataset: two pages often yield the same question in other
words, and a trainer should not see it twice. The build drops them (`finalize.py`), the Space
drops them on one document's pairs, and the quality report counts what would still be caught.

Candidates come from datasketch's MinHash LSH over character 5-grams; the exact Jaccard of the
5-gram sets decides, so the hashing only decides which pairs get compared. Two questions that
each name something the other does not ("In California, ..." and "In Texas, ...", "the first
10 ..." and "the first 100 ...") ask about different things, however alike their words: both stay.
"""

from __future__ import annotations

import xxhash
from datasketch import MinHash, MinHashLSH

from webscale_rl.builder.checks import named_particulars
from webscale_rl.eval.answers.text import normal_words

SHINGLE = 5
NUM_PERM = 128


def _normalize(question: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed."""
    return " ".join(normal_words(question))


def _shingles(question: str) -> set[str]:
    """The character 5-grams of the normalised question (a shorter one is its own shingle)."""
    norm = _normalize(question)
    return {norm[k:k + SHINGLE] for k in range(max(1, len(norm) - SHINGLE + 1))}


def _bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest chance candidates) that still makes a pair
    at exactly `threshold` a candidate with probability >= 0.9."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        if num_perm % rows == 0 and 1 - (1 - threshold**rows) ** (num_perm // rows) >= 0.9:
            best = (num_perm // rows, rows)
    return best


def _of_other_things(mine: set[str], theirs: set[str]) -> bool:
    """Each question names a thing or number the other does not: a swap, not a reworded twin
    ("John Bardeen" for "Bardeen" adds a name to one side only, and stays a twin)."""
    return bool(mine - theirs) and bool(theirs - mine)


def near_duplicate_questions(questions: list[str], threshold: float = 0.8) -> list[int]:
    """Indices of questions whose Jaccard similarity with an earlier kept question is >= threshold.

    Similarity is over the sets of character 5-grams of the normalised questions (lower case, no
    punctuation): robust to a changed word or number in a short question, where word n-grams
    would change almost entirely. Questions that swap a name or number stay (`_of_other_things`).
    Greedy: the first of a group is kept, and every question flagged has a kept near-twin. Only
    kept questions enter the LSH index, so the cost grows linearly (20k questions in about 5 s
    on one core)."""
    sets = [_shingles(q) for q in questions]
    particulars = [named_particulars(q) for q in questions]
    index = MinHashLSH(num_perm=NUM_PERM, params=_bands(threshold))
    duplicates = []
    for i, minhash in enumerate(MinHash.generator(sets, num_perm=NUM_PERM, hashfunc=xxhash.xxh32_intdigest)):
        mine = sets[i]
        if any(len(mine & sets[j]) >= threshold * len(mine | sets[j]) and not _of_other_things(particulars[i], particulars[j])
               for j in index.query(minhash)):
            duplicates.append(i)
        else:
            index.insert(i, minhash, check_duplication=False)
    return duplicates
