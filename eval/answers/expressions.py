"""Expressions: symbolic equality through math-verify (sympy), which is imported lazily so
the other answer types need nothing beyond the standard library."""

from __future__ import annotations

import re
import signal
import threading
from functools import lru_cache

MAX_EXPRESSION_CHARS = 160
# what makes sympy compute for minutes: factorials of big numbers, big or nested exponents, towers
_COSTLY = re.compile(r"\d{3,}\s*!|\^\s*\{?\s*[-+]?\d{3,}|\*\*\s*\(?\s*\d{3,}|\^\s*\{[^{}]*\d\s*\^\s*\{?\s*\d|(?:\^[^^]*){7,}")


@lru_cache(maxsize=1)
def _math_verify():
    try:
        import math_verify
    except ImportError:  # the package is a declared dependency; sympy alone still works
        return None
    return math_verify


def _mv_timeout() -> int | None:
    """math-verify times out with SIGALRM, which only the main thread may use (verl and TRL may
    score in worker threads), and its alarm cancels any timer the caller had set (a trainer's
    watchdog, pytest-timeout). Off the main thread or under a caller's timer, run without it:
    the size and shape screens above keep sympy's work bounded."""
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return None
    return 3


def _mv_parse(text: str):
    mv = _math_verify()
    configs = [mv.LatexExtractionConfig(), mv.ExprExtractionConfig()]
    text = re.sub(r"(?<!\\)\bpi\b", r"\\pi", text)
    candidates = [text] if "$" in text else [f"${text}$", text]
    for candidate in candidates:
        parsed = mv.parse(candidate, extraction_config=configs, parsing_timeout=_mv_timeout())
        if parsed:
            return parsed
    return None


def compare_expression(pred: str, gold: str) -> bool | None:
    """Symbolic equality through math-verify (sets, intervals, equations, LaTeX). Inputs
    beyond MAX_EXPRESSION_CHARS or with towers of powers are not handed to sympy, which can
    spend unbounded time on them (and math-verify has no timeout off the main thread)."""
    if re.sub(r"\s+", "", pred) == re.sub(r"\s+", "", gold):
        return True
    if _math_verify() is None or any(len(t) > MAX_EXPRESSION_CHARS or _COSTLY.search(t) for t in (pred, gold)):
        return None
    try:
        g, p = _mv_parse(gold), _mv_parse(pred)
        if not g or not p:
            return None
        return bool(_math_verify().verify(g, p, timeout_seconds=_mv_timeout()))
    except Exception:  # noqa: BLE001 - math-verify raises many kinds on odd input; undecided
        return None




def expression_parses(gold: str) -> bool:
    """math-verify reads the reference as mathematics (it keeps the raw text when it fails),
    within the size that keeps sympy fast."""
    if _math_verify() is None or len(gold) > MAX_EXPRESSION_CHARS or _COSTLY.search(gold):
        return False
    try:
        parsed = _mv_parse(gold) or []
    except Exception:  # noqa: BLE001
        return False
    return any(not isinstance(item, str) for item in parsed)
