"""Stage 1's fragment check: a short call on the document's opening alone, which asks whether
the document starts in the middle of a conversation or a series.

Asked inside the long screen call (`missing_context`), the 1.5B default passed all three planted
forum replies of the sample corpus: the sentences after their first read as informative. A
fragment shows in how it begins ("Same problem here", "As mentioned in part two"), so this call
sees only the first few sentences, after worked openings (builder/fewshot/opening.jsonl), and
names what they refer back to before it decides. It runs before the screen, so a fragment costs
no long call, and its instructions and examples are a prefix the server keeps cached.

A document that opens with a title names its own subject, which the instructions already call
no fragment; code sees a title (`titled`), so such a document gets no call. The 1.5B default
answered "nothing outside it: it is a fragment" for a titled article of the sample corpus in
every build, and for four titled READMEs of the held-out builds."""

from __future__ import annotations

import json
import re

from webscale_rl.builder.checks import BADGE
from webscale_rl.builder.stages.common import StageResult, fewshot

OPENING_CHARS = 300  # a title and a sentence or two: where a reply shows that it is one
SYSTEM = ("You sort the openings of web documents for a question-answering dataset. A document is a fragment when it "
          "starts in the middle of a conversation or a series: its first sentences reply to, agree with or thank "
          "someone for a message that is not included, or lean on steps, posts or parts we cannot see. A document "
          "that names its own subject first (a title, a heading, a quoted question after \"Re:\", a definition) is "
          "not a fragment, whatever its quality. First say what the opening refers back to, then whether it is a "
          "fragment. Reply in JSON.")
SCHEMA = {
    "type": "object",
    "properties": {"refers_to": {"type": "string", "minLength": 2, "maxLength": 80},
                   "fragment": {"type": "string", "enum": ["yes", "no"]}},
    "required": ["refers_to", "fragment"],
    "additionalProperties": False,
}


_COMMENT = re.compile(r"<!--.*?-->", re.S)
# What stands above a README's first words: HTML tags, badges and images, reStructuredText
# directives and link targets, field lists, rules and over/underlines.
_MARKUP = re.compile(rf"\s*(?:(?:<[^>]*>\s*)+|{BADGE}.*|\.\.\s.*|:\w[\w-]*:.*|[=~^*#_`-]{{3,}})\s*")
_UNDERLINE = re.compile(r"[=~^*#-]{3,}\s*")
_HEADING = re.compile(r"#{1,6}\s+\S|<h[1-6][^>]*>[^<]*\w")  # "# httpx-sse", '<h1 align="center">HTTPX2</h1>'
_SMALL = {"with", "from", "into", "onto", "over", "than", "that", "this", "your", "their", "about", "after",
          "under", "upon", "between", "without"}  # left lowercase in title case: "Counting Words in Python with a Dictionary"


def _text_lines(document: str) -> list[str]:
    """The document's lines from its first line of text: markup above it (tags, badges, a
    directive and its indented options, comments) shows nothing of how the text begins."""
    lines = _COMMENT.sub("", document).split("\n")
    at = 0
    while at < len(lines) and (not lines[at].strip() or _MARKUP.fullmatch(lines[at])
                               or (at and lines[at][:1].isspace() and lines[at - 1].lstrip().startswith(".."))):
        at += 1
    return lines[at:]


def titled(document: str) -> bool:
    """The text opens with a title: a Markdown heading, an underlined line, "Re:" and the
    thread's question, a short line the first paragraph restates ("Tungsten" / "Tungsten is a
    chemical element"), or a title-case line ("Descaling an Electric Kettle"), each followed by
    a blank line or its underline. A reply's first line ("Same problem here", "Yes, but only
    if ...") is none of these."""
    lines = _text_lines(document)
    if not lines:
        return False
    first, after = lines[0].strip(), lines[1] if len(lines) > 1 else ""
    if _HEADING.match(first) or (_UNDERLINE.fullmatch(after) and len(after.strip()) >= len(first)):
        return True
    words = first.split()
    if after.strip():
        return False
    if first.startswith("Re: "):
        return len(words) <= 30  # a thread's quoted question
    if len(words) > 12 or first.endswith((".", ",", ";", ":", "!", "?")):
        return False
    name = re.sub(r"\s*\([^)]*\)", "", first).lower()  # "e (mathematical constant)"
    if len(words) <= 8 and re.search(rf"\b{re.escape(name)}\s+(?:is|was|are|were)\b", " ".join(lines[2:6]).lower()[:200]):
        return True  # "Tungsten" / "Tungsten is a chemical element"; not "Thanks" / "Thanks for the help"
    long = [w for w in words if len(re.sub(r"\W", "", w)) >= 4 and w.lower() not in _SMALL]
    return len(words) >= 2 and bool(long) and all(w[0].isupper() or not w[0].isalpha() for w in long)


def opening(document: str) -> str:
    """The document's first OPENING_CHARS characters from its first line of text, cut at a space."""
    text = "\n".join(_text_lines(document)) or document
    if len(text) <= OPENING_CHARS:
        return text
    cut = text[:OPENING_CHARS]
    return cut[:cut.rfind(" ")] + " ..."


def messages(document: str) -> list[dict]:
    turns = [{"role": "system", "content": SYSTEM}]
    for example in fewshot("opening"):
        turns += [{"role": "user", "content": f"Opening:\n{example['opening']}"},
                  {"role": "assistant", "content": json.dumps({"refers_to": example["refers_to"], "fragment": example["fragment"]})}]
    return turns + [{"role": "user", "content": f"Opening:\n{opening(document)}"}]


def decide(reply: dict) -> StageResult:
    """A fragment is dropped as not self-contained, the screen's own reason for one; what its
    opening refers back to is the rationale the Space shows."""
    if reply["fragment"] == "yes":
        return StageResult(False, "llm_filter_not_self_contained", {"rationale": reply["refers_to"]})
    return StageResult(True)
