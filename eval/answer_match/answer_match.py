"""`answer_match`: the Webscale-RL answer check as a Hugging Face `evaluate` metric.

    import evaluate
    metric = evaluate.load("path/to/webscale-rl/eval/answer_match")
    metric.compute(predictions=["The answer is \\boxed{12k}"], references=["12,000"], answer_types=["number"])
    # {'accuracy': 1.0, 'correct': 1, 'total': 1, 'per_type': {'number': 1.0}}

The metric is a thin wrapper: the rules live in `webscale_rl.eval.verify`, which must be
importable (pip install the webscale-rl package). It is the check of the RL reward, so the same
answers score here as in training, and the reward.py a built dataset ships (generated from
the same module): hedges, contradictions, lists of candidates, partial names, wrong units,
empty boxes and repeated prompts score 0 here too.
"""

from __future__ import annotations

from collections import defaultdict

import datasets
import evaluate

from webscale_rl.eval.verify import infer_type, verify

_DESCRIPTION = """Rule-based answer equivalence for short verifiable answers. The final answer is taken
from each prediction (last \\boxed{}, else the text after "Answer:", else the last line) and compared
with the reference by answer type: numbers (separators, k/million, fractions, percent, scientific
notation, unit conversion, stated precision), dates in any common format, names and short phrases
(case, accents, articles, plurals, acronyms, qualifiers such as "Paris, France"), yes/no, unordered
lists and math expressions (symbolic equality with math-verify). Answers that game a reward score 0:
hedges, contradictions, several candidates, an answer buried in a denial, a part of a name, the right
number with the wrong unit, an empty box, a repeated question."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of model responses or answers (str).
    references: list of ground-truth answers (str).
    answer_types: optional list, one of number, date, name, short_phrase, yes_no, list, expression
        per reference (None entries or a missing list: the type is inferred from the reference).
    questions: optional list of the prompts or questions; a prediction that only repeats its
        question is then not counted as an answer.
Returns:
    accuracy: share of predictions judged equivalent to their reference.
    correct, total: the counts behind it.
    per_type: accuracy per answer type.
Examples:
    >>> metric = evaluate.load("eval/answer_match")
    >>> metric.compute(predictions=["0.5"], references=["50%"])["accuracy"]
    1.0
"""

_CITATION = """@misc{webscale_rl_answer_match,
  title = {answer_match: rule-based answer equivalence for verifiable RL rewards},
  note = {Part of the webscale-rl project},
}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class AnswerMatch(evaluate.Metric):
    """Accuracy of predictions under the webscale-rl answer check."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
            license="apache-2.0",
        )

    def _compute(self, predictions, references, answer_types=None, questions=None):
        types = list(answer_types) if answer_types is not None else [None] * len(references)
        asked = list(questions) if questions is not None else [None] * len(references)
        for name, values in (("answer_types", types), ("questions", asked)):
            if len(values) != len(references):
                raise ValueError(f"{name} has {len(values)} entries for {len(references)} references")
        hits: dict[str, list[bool]] = defaultdict(list)
        for prediction, reference, kind, question in zip(predictions, references, types, asked):
            kind = kind or infer_type(reference)
            hits[kind].append(verify(prediction, reference, kind, question))
        correct = sum(sum(v) for v in hits.values())
        total = len(references)
        return {"accuracy": correct / total if total else 0.0, "correct": correct, "total": total,
                "per_type": {kind: sum(v) / len(v) for kind, v in sorted(hits.items())}}
