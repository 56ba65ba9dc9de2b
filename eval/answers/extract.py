"""Extraction: the final answer out of a free-form response (the last \boxed{}, else what
follows "Answer:", else the last line), without the reasoning, the wrappers and any copy of
the prompt."""

from __future__ import annotations

import re
from functools import lru_cache

from webscale_rl.eval.answers.text import normal_words, normalize

# The instruction every RL prompt of the dataset ends with (builder/write.py builds the
# prompt from it). A completion that repeats it, or the question, has not answered: the copies
# are removed before the answer is extracted.
PROMPT_INSTRUCTION = "Give a short, exact answer. Put only the final answer inside \\boxed{}."
MAX_BOXES = 8  # more distinct boxed answers than this is a list of guesses, refused outright
ECHO_RUN = 6  # an answer sharing this many consecutive words with the question copies it

_THINK_END = re.compile(r"</think>", re.I)
_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.I | re.S)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_ANSWER_MARK = re.compile(
    r"(?:final\s+answer|answer)[ \t]*(?:\*\*|__)?[ \t]*(?:[:：=]|\bis\b:?)[ \t]*(?:\*\*|__)?", re.I)


def answer_region(response: str) -> str:
    """The response without its reasoning: after the last </think>, or with <think> blocks removed."""
    text = str(response or "")
    ends = list(_THINK_END.finditer(text))
    return text[ends[-1].end():] if ends else _THINK_BLOCK.sub("", text)


def _box_spans(text: str) -> list[tuple[int, int]]:
    """(index of "{", index of its matching "}") of every closed \\boxed{...}, in order of
    opening (nested braces matched in one linear pass)."""
    starts = sorted(m.end() - 1 for m in _BOXED.finditer(text))
    if not starts:
        return []
    closing: dict[int, int] = {}
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            closing[stack.pop()] = i
    return [(start, closing[start]) for start in starts if start in closing]


def all_boxed(text: str) -> list[str]:
    """Contents of every closed top-level \\boxed{...}, in order (a box inside a box is part of it)."""
    outer, end = [], -1
    for start, stop in _box_spans(text):
        if start > end:
            outer.append((start, stop))
            end = stop
    return [text[start + 1:stop] for start, stop in outer]


def _echo_pattern(text: str) -> re.Pattern | None:
    words = text.split()
    if len(words) < 4:
        return None  # "Who?" may well be part of an answer
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.I)


@lru_cache(maxsize=4096)
def _echo_patterns(question: str) -> tuple[re.Pattern, ...]:
    """The prompt's instruction, the whole question and each of its paragraphs, longest first."""
    parts = {question.strip(), PROMPT_INSTRUCTION, *(part.strip() for part in re.split(r"\n\s*\n", question))}
    patterns = (_echo_pattern(part) for part in sorted(parts, key=len, reverse=True) if part)
    return tuple(pattern for pattern in patterns if pattern is not None)


def strip_echo(response: str, question: str | None = None) -> str:
    """The response without copies of the prompt's instruction and of the question (any case,
    any spacing): what is left is what the model wrote itself."""
    text = str(response or "")
    for pattern in _echo_patterns(str(question or "")):
        text = pattern.sub(" ", text)
    return text


def copies_question(answer: str, question: str | None) -> bool:
    """The answer shares a run of ECHO_RUN words with the question: a cut copy of the prompt."""
    if not question:
        return False
    q, a = normal_words(question), normal_words(answer)
    runs = {tuple(q[i:i + ECHO_RUN]) for i in range(len(q) - ECHO_RUN + 1)}
    return any(tuple(a[i:i + ECHO_RUN]) in runs for i in range(len(a) - ECHO_RUN + 1))


def _last_boxed(text: str) -> str | None:
    """Content of the last closed \\boxed{...}, matching nested braces."""
    spans = _box_spans(text)
    if not spans:
        return None
    start, stop = spans[-1]
    return text[start + 1:stop]


# LaTeX that shows nothing: an answer drawn invisibly, or spacing, is no answer
_INVISIBLE = re.compile(r"\\[hv]?phantom\s*\{[^{}]*\}|\\(?:quad|qquad|[,;:! ])|^\s*\{\s*\}\s*$")


def strip_wrappers(text: str) -> str:
    """Markdown emphasis, LaTeX math delimiters, quotes and a final full stop."""
    text = _INVISIBLE.sub("", text).strip()
    for _ in range(3):
        before = text
        text = re.sub(r"^(?:[-*•]\s+|\d+[.)]\s+(?=\D))", "", text) if "\n" not in text else text
        text = text.strip().strip("*_`").strip()
        for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ('"', '"'),
                            ("“", "”"), ("'", "'"), ("«", "»")):
            if len(text) > len(left) + len(right) and text.startswith(left) and text.endswith(right):
                text = text[len(left):len(text) - len(right)].strip()
        text = re.sub(r"^\\text\{(.*)\}$", r"\1", text)
        text = re.sub(r"(?<![A-Z.][A-Z])[.。]+$|(?<=[a-zA-Z])!+$", "", text).strip()  # keep "U.S." and "5!"
        if text == before:
            break
    return text


def extract_answer(response: str) -> str:
    """The final answer of a response: the last \\boxed{} (our RL prompt asks for one), else
    what follows the last "Answer:" / "the answer is", else the last non-empty line.
    Reasoning in <think>...</think> is ignored."""
    text = answer_region(response)
    boxed = _last_boxed(text)
    if boxed is not None:
        return strip_wrappers(boxed)
    marks = list(_ANSWER_MARK.finditer(text))
    if marks:
        rest = text[marks[-1].end():]
        same_line = rest.split("\n", 1)[0].strip()
        following = [line for line in rest.splitlines() if line.strip()]
        if same_line:
            return strip_wrappers(same_line)
        if following:
            return strip_wrappers(_bullet_block(following, from_start=True) or following[0])
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return strip_wrappers(_bullet_block(lines, from_start=False) or lines[-1])


_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+\S")


def _bullet_block(lines: list[str], from_start: bool) -> str | None:
    """A list answer written as bullet lines: the first block after "Answer:" or the last
    block of the response, kept whole so a list is not cut to its last item."""
    ordered = lines if from_start else lines[::-1]
    block = []
    for line in ordered:
        if not _BULLET.match(line):
            break
        block.append(line.strip())
    if len(block) < 2:
        return None
    return "\n".join(block if from_start else block[::-1])


def light(text: str) -> str:
    """Case, accents, spacing and outer wrappers only: safe for every type (keeps '1.5' != '15')."""
    return normalize(strip_wrappers(text))
