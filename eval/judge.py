"""Optional generative judge for the cases the rules cannot decide, as the method's paper
rewards with an LLM judge. The rules answer first (fast, free, reproducible); only when
`verify.decide` returns None (no number, date or yes/no polarity found in the prediction,
an expression that does not parse, ...) is a model asked, through the shared transport.

Verdicts are cached on disk (SQLite, safe across processes) keyed by the judge prompt
version, the model and the exact inputs, so a rerun or a repeated rollout costs nothing.

    client = LLMClient(Endpoint(urls=["http://127.0.0.1:8080"]))
    cache = JudgeCache("~/.cache/webscale-rl/judge.sqlite")
    ok = run_sync(averify(response, "12,000", "number", client=client, cache=cache))
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from pathlib import Path

from webscale_rl.eval.verify import decide, extract_answer
from webscale_rl.transport import LLMClient, LLMError

logger = logging.getLogger(__name__)

JUDGE_PROMPT_VERSION = "wsrl-judge-1"
SCHEMA = {
    "type": "object",
    "properties": {"equivalent": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 160}},
    "required": ["equivalent", "reason"],
    "additionalProperties": False,
}
SYSTEM = (
    "You grade short answers. Say whether the candidate answer means the same as the reference "
    "answer. Differences of format, wording, units or precision that keep the meaning are "
    "equivalent. A hedge (several answers, 'maybe', 'it depends'), a different value, a missing "
    "part or an extra claim that contradicts the reference is not. Reply in JSON."
)


class JudgeCache:
    """Verdicts on disk: key -> (equivalent, reason)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, equivalent INTEGER, reason TEXT)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, key: str) -> bool | None:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT equivalent FROM verdicts WHERE key = ?", (key,)).fetchone()
        return None if row is None else bool(row[0])

    def put(self, key: str, equivalent: bool, reason: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?, ?)", (key, int(equivalent), reason))

    def __len__(self) -> int:
        with self._lock, self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]


def judge_messages(answer: str, ground_truth: str, answer_type: str | None, question: str | None = None) -> list[dict]:
    lines = [f"Question: {question}"] if question else []
    lines += [f"Reference answer ({answer_type or 'any type'}): {ground_truth}", f"Candidate answer: {answer}",
              "Is the candidate answer equivalent to the reference answer?"]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def cache_key(model: str, answer: str, ground_truth: str, answer_type: str | None, question: str | None) -> str:
    material = json.dumps([JUDGE_PROMPT_VERSION, model, answer, ground_truth, answer_type, question], ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()


async def judge(client: LLMClient, prediction: str, ground_truth: str, answer_type: str | None = None, *,
                question: str | None = None, cache: JudgeCache | None = None, endpoint: str = "default",
                max_tokens: int = 128) -> bool:
    """Ask the model (or the cache) whether the response's final answer matches."""
    answer = extract_answer(prediction)
    target = client.endpoint(endpoint)
    # keyed by the model's name, not its URL: the embedded server picks a new port each run
    key = cache_key(f"{target.provider or target.dialect}:{target.model}", answer, ground_truth, answer_type, question)
    if cache is not None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    data, _ = await client.chat_json(judge_messages(answer, ground_truth, answer_type, question), SCHEMA,
                                     endpoint=endpoint, max_tokens=max_tokens, temperature=0.0)
    verdict = bool(data["equivalent"])
    if cache is not None:
        cache.put(key, verdict, str(data.get("reason", "")))
    return verdict


async def averify(prediction: str, ground_truth: str, answer_type: str | None = None, *,
                  client: LLMClient | None = None, cache: JudgeCache | None = None, question: str | None = None,
                  endpoint: str = "default") -> bool:
    """The rules first; the judge only where they cannot decide. A failed judge call counts
    as no match (logged), so one bad request never stops a training or evaluation run."""
    decided = decide(prediction, ground_truth, answer_type)
    if decided is not None or client is None:
        return bool(decided)
    try:
        return await judge(client, prediction, ground_truth, answer_type, question=question, cache=cache, endpoint=endpoint)
    except LLMError as err:
        logger.warning("judge call failed (%s); scoring as no match", err)
        return False
