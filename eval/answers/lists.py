"""Lists: items split however they are written ("a, b and c", "a; b", bullet lines), matched
in any order, each item by the rules of its own type."""

from __future__ import annotations

import re
from itertools import permutations
from typing import Callable

from webscale_rl.eval.answers.extract import light


def split_list(text: str) -> list[str]:
    """Items of "a, b and c" / "a; b; c" / bullet lines / "a and b"."""
    text = text.strip()
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line) for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        return [line.strip().rstrip(",;.") for line in lines if line.strip()]
    sep = ";" if ";" in text else ","
    parts = [p.strip() for p in text.split(sep)]
    if len(parts) > 1:
        last = re.sub(r"^(?:and|or|&)\s+", "", parts[-1], flags=re.I)
        parts = parts[:-1] + [last]
        if " and " in parts[-1] and len(parts) > 1 and sep == ",":
            parts = parts[:-1] + [s.strip() for s in re.split(r"\s+(?:and|&)\s+", parts[-1])]
    else:
        parts = [p.strip() for p in re.split(r"\s+(?:and|&)\s+", text)]
    return [p for p in parts if p]


def compare_list(pred: str, gold: str, same_item: Callable[[str, str], bool]) -> bool:
    """The same items in any order; `same_item(pred_item, gold_item)` compares two items (eval/verify.py
    reads each reference item as its own type)."""
    g_items, p_items = split_list(gold), split_list(pred)
    if len(g_items) != len(p_items):
        return False
    if len(g_items) > 7:  # beyond a few items: sort-based matching instead of permutations
        return sorted(light(x) for x in p_items) == sorted(light(x) for x in g_items) or \
            all(any(same_item(p, g) for p in p_items) for g in g_items) and \
            all(any(same_item(p, g) for g in g_items) for p in p_items)
    equal = [[same_item(p, g) for g in g_items] for p in p_items]
    return any(all(equal[i][j] for i, j in enumerate(perm)) for perm in permutations(range(len(g_items))))
