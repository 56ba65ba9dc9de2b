"""Stage 1's fragment check: a short call on the document's opening alone, which asks whether
the document starts in the middle of a conversation or a series.

Asked inside the long screen call (`missing_context`), the 1.5B default passed all three planted
forum replies of the sample corpus: the sentences after their first read as informative. A
fragment shows in how it begins ("Same problem here", "As mentioned in part two"), so this call
sees only the first few sentences, after worked openings (builder/fewshot/opening.jsonl), and
names what they refer back to before it decides. It runs before the screen, so a fragment costs
no long call, and its instructions and examples are a prefix the server keeps cached."""

from __future__ import annotations

import json

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


def opening(document: str) -> str:
    """The document's first OPENING_CHARS characters, cut at a space."""
    if len(document) <= OPENING_CHARS:
        return document
    cut = document[:OPENING_CHARS]
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
