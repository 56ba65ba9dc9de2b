"""`webscale-rl audit`: how precise the keep decision is, measured against a person's labels.

`eval/audit/labels.jsonl` holds generated pairs that a careful reader labelled good or bad by
the rubric (the question names what it asks about; the answer is right and answers what was
asked; it is short; the evidence states it; the question does not give it away). The audit
sends each labelled pair through the pipeline's own keep decision (`rollout.judge_pairs`: the
deterministic checks, then the check stage on a real model) and compares. The labels were
written without looking at the decision, so the figures can come out bad.

Keep precision: of the pairs the pipeline keeps, the share labelled good.
Good pairs dropped: of the pairs labelled good, the share the pipeline drops, and why.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path

from webscale_rl.builder.checks import locate_evidence
from webscale_rl.builder.inputs import sample_corpus_rows
from webscale_rl.builder.pipeline import ProgressLine
from webscale_rl.builder.rollout import Progress, Settings, judge_pairs
from webscale_rl.models import measured_support_threshold

LABEL_FIELDS = {"source", "subject", "question", "answer", "answer_type", "label", "fails", "note"}


def _audit_file(name: str) -> Path:
    return Path(str(resources.files("webscale_rl.eval").joinpath("audit", name)))


def documents() -> dict[str, str]:
    """Every document a label can point at: the sample corpus and the audit's own documents,
    which nobody on the project wrote (READMEs of Debian, PyPI and npm packages,
    scikit-learn's dataset descriptions, sections of the Debian Administrator's Handbook)."""
    texts = {str(row["id"]): row["text"] for row in sample_corpus_rows()}
    for line in _audit_file("documents.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts[row["id"]] = row["text"]
    return texts


def load_labels(path: Path | None = None) -> list[dict]:
    path = path or _audit_file("labels.jsonl")
    labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i, row in enumerate(labels, start=1):
        missing = LABEL_FIELDS - set(row)
        if missing or row["label"] not in ("good", "bad"):
            raise ValueError(f"{path}:{i}: a label needs {sorted(LABEL_FIELDS)} with label good|bad (missing {sorted(missing)})")
    return labels


async def decide(labels: list[dict], generate, settings: Settings) -> list[str]:
    """"kept" or the drop reason of each labelled pair, judged a document at a time as in a build.
    A build checks each question against all of its document's personas (a question may speak
    of another persona than its own); here a document's personas are those of its labels."""
    texts = documents()
    by_document: dict[tuple[str, str], list[int]] = defaultdict(list)
    personas: dict[tuple[str, str], list[str]] = defaultdict(list)
    for i, row in enumerate(labels):
        key = (row["source"], row["subject"])
        by_document[key].append(i)
        if row.get("persona") and row["persona"] not in personas[key]:
            personas[key].append(row["persona"])
    # at most as many pairs per check call as a build sends (one per persona)
    groups = [(key, indices[at:at + settings.max_personas]) for key, indices in by_document.items()
              for at in range(0, len(indices), settings.max_personas)]
    outcomes = [""] * len(labels)
    with ProgressLine(total=len(groups), already_done=0, what="audit"):
        for (source, subject), indices in groups:
            pairs = [{key: labels[i][key] for key in ("question", "answer", "answer_type")} | {"persona": labels[i].get("persona", "")}
                     for i in indices]
            for pair in pairs:  # the evidence is located as the generate stage locates it
                pair["evidence"] = locate_evidence(pair["question"], pair["answer"], pair["answer_type"], texts[source])
            kept, rejected = await judge_pairs(texts[source], subject, pairs, f"audit:{source}", generate, settings,
                                               personas[(source, subject)])
            kept_questions = {pair["question"] for pair in kept}
            reasons = {pair["question"]: reason for pair, reason in rejected}
            for i, pair in zip(indices, pairs):
                outcomes[i] = "kept" if pair["question"] in kept_questions else reasons[pair["question"]]
            Progress.add(len(kept))  # the live progress line counts judged documents and kept pairs
    return outcomes


def summary(labels: list[dict], outcomes: list[str]) -> dict:
    kept = [row for row, outcome in zip(labels, outcomes) if outcome == "kept"]
    good = [row for row in labels if row["label"] == "good"]
    kept_good = [row for row in kept if row["label"] == "good"]
    good_drops = Counter(outcome for row, outcome in zip(labels, outcomes) if row["label"] == "good" and outcome != "kept")
    return {
        "pairs": len(labels), "labelled_good": len(good), "kept": len(kept), "kept_good": len(kept_good),
        "keep_precision": round(len(kept_good) / len(kept), 3) if kept else None,
        "good_dropped": len(good) - len(kept_good),
        "good_dropped_share": round((len(good) - len(kept_good)) / len(good), 3) if good else None,
        "why_good_pairs_were_dropped": dict(good_drops.most_common()),
        "bad_pairs_kept": [{"question": row["question"], "answer": row["answer"], "fails": row["fails"], "note": row["note"]}
                           for row in kept if row["label"] == "bad"],
    }


def render(result: dict) -> str:
    lines = [f"{result['pairs']} labelled pairs, {result['labelled_good']} of them good by the rubric",
             f"kept by the pipeline: {result['kept']}, of which good: {result['kept_good']}"
             f" -> keep precision {result['keep_precision']:.1%}" if result["kept"] else "kept by the pipeline: none",
             f"good pairs dropped: {result['good_dropped']} of {result['labelled_good']}"]
    lines += [f"  {count:3d}  {reason}" for reason, count in result["why_good_pairs_were_dropped"].items()]
    if result["bad_pairs_kept"]:
        lines.append("bad pairs kept:")
        lines += [f"  {row['question']} -> {row['answer']}  (fails rubric {row['fails']}: {row['note']})" for row in result["bad_pairs_kept"]]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from webscale_rl.server import EmbeddedServer
    from webscale_rl.transport import Endpoint, LLMClient, run_sync

    parser = argparse.ArgumentParser(prog="webscale-rl audit", description="precision of the keep decision on hand-labelled pairs")
    parser.add_argument("--labels", type=Path, default=None, help="labelled pairs (default: eval/audit/labels.jsonl)")
    parser.add_argument("--model", default="default", help="embedded preset or .gguf to judge with (ignored with --url)")
    parser.add_argument("--url", default=None, help="an OpenAI-compatible endpoint instead of the embedded server")
    parser.add_argument("--call-plan", choices=["fused", "paper"], default="fused")
    parser.add_argument("--support-threshold", type=float, default=None,
                        help="the graded reading's bar (default: the embedded preset's measured one; off with --url)")
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here (e.g. DATASET/audit.json, shown in the card)")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    threshold = args.support_threshold if args.support_threshold is not None else \
        None if args.url else measured_support_threshold(args.model)
    settings = Settings(call_plan=args.call_plan, support_threshold=threshold)

    def run(url: str, model: str) -> list[str]:
        client = LLMClient(Endpoint(urls=[url], model=model, timeout=300))
        return run_sync(decide(labels, client.generate, settings))

    if args.url:
        outcomes, model = run(args.url, "endpoint"), args.url
    else:
        with EmbeddedServer(args.model, ctx_size=8192, parallel=4) as server:
            outcomes, model = run(server.url, args.model), server.model_path.name
    result = summary(labels, outcomes) | {"model": model, "call_plan": args.call_plan}
    print(render(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
