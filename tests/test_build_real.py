"""The whole build against the real embedded server: both call plans, the record schema,
the funnel invariant, and a SIGKILLed run that resumes without re-sending finished calls.

The small preset (Qwen2.5-Coder-0.5B) runs here rather than the tiny one, which drops most
documents at the filter, so the generate and check stages would seldom be reached. What is
tested is the build's mechanics; the default model's pairs are measured in test_quality_real."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import datasets
import pytest
import yaml

from fault_proxy import FaultProxy
from hub_standin import start
from test_push import TOKEN, client_env, run
from webscale_rl.builder.inputs import sample_corpus_rows
from webscale_rl.eval.reward import answer_reward

pytestmark = pytest.mark.slow

RECORD_COLUMNS = {"id", "question", "answer", "answer_type", "evidence", "domain", "persona", "source_id",
                  "source_text", "verdicts", "models", "prompt_version", "call_plan"}


# Documents on which the 0.5B and 1.5B models kept pairs in sample builds (b-023: Maria
# Montessori; b-027: the Tour de France; b-022: a named scholarship; a-002: a named storage box).
# llama.cpp's prompt cache changes the numerics from run to run, so the same document can keep
# two pairs on one run and none on the next: a test asks for at least one kept pair over four
# such documents, not for a given pair.
KEEPS_A_PAIR = ("b-023", "b-027", "b-022", "a-002")


def sample_docs(n: int, junk: int = 0) -> list[dict]:
    docs = sample_corpus_rows()
    good = sorted((d for d in docs if not d.get("meta", {}).get("planted")), key=lambda d: d["id"] not in KEEPS_A_PAIR)
    bad = [d for d in docs if d.get("meta", {}).get("planted") in ("boilerplate", "too_short")]
    return good[:n] + bad[:junk]


def write_config(tmp_path: Path, docs: list[dict], endpoint_url: str, **over) -> Path:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs))
    cfg = {
        "output_dir": str(tmp_path / "out"),
        "input": {"source": str(corpus)},
        "endpoints": {"default": {"urls": [endpoint_url], "model": "Qwen2.5-Coder-0.5B-Instruct", "timeout": 300,
                                  "max_in_flight": 1, "backoff_base": 0.05}},
        "records_per_chunk": 1,
        "max_concurrent_documents": 1,
        "max_personas": 3,
        "sampling": {"generate": {"temperature": 0.7, "max_tokens": 300}},
    } | over
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def build(config: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "webscale_rl.cli", "build", "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def check_funnel(stats: dict) -> None:
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    assert stats["pairs_generated"] >= stats["pairs_kept"] + sum(
        v for k, v in stats["pair_drops"].items() if not k.startswith(("near_duplicate", "contaminated")))


@pytest.mark.parametrize("plan", ["fused", "paper"])
def test_both_call_plans_end_to_end(tmp_path, small_server, plan):
    # The fused build also runs the optional difficulty stage (the same model as solver).
    difficulty = {"enabled": plan == "fused", "samples": 2, "max_solve_rate": 0.5}
    docs = sample_docs(4, junk=1)
    config = write_config(tmp_path, docs, small_server.url, call_plan=plan, difficulty=difficulty)
    proc = build(config)
    output, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, output[-3000:]
    out = tmp_path / "out"
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents_in"] == len(docs) and stats["call_plan"] == plan
    check_funnel(stats)
    llm_stages = set(stats["llm"])
    assert llm_stages >= ({"screen"} if plan == "fused" else {"filter"})
    assert all(v["calls"] > 0 and v["prompt_tokens"] > 0 for v in stats["llm"].values())
    # llama.cpp reports the prompt tokens it reused from a slot's cache (the shared instructions)
    assert 0 < sum(v["cached_prompt_tokens"] for v in stats["llm"].values()) < sum(v["prompt_tokens"] for v in stats["llm"].values())
    rows = datasets.load_dataset(str(out), "default", split="train")
    assert RECORD_COLUMNS <= set(rows.column_names)
    assert len(rows) == stats["pairs_kept"] > 0, "no pair kept from four documents the 0.5B model kept pairs from before"
    for row in rows:
        assert row["call_plan"] == plan and row["answer_type"]
        assert row["evidence"] and row["verdicts"]["answer_correct"] is True
    if difficulty["enabled"]:
        assert all(row["solve_rate"] in (0.0, 0.5) for row in rows), rows["solve_rate"]  # 2 attempts, max 0.5
        solve_calls = stats["llm"]["solve"]["calls"]
        assert solve_calls % 2 == 0 and solve_calls >= 2 * (len(rows) + stats["pair_drops"].get("too_easy", 0))
        assert "**Difficulty.**" in (out / "README.md").read_text()
    else:
        assert "solve" not in stats["llm"] and set(rows["solve_rate"]) == {None}
    assert (out / "README.md").is_file() and (out / "build_config.yaml").is_file()
    rewards_score_the_trl_view(out)
    publish_and_load_back(tmp_path, out, f"acme/sample-{plan}", len(rows))


def rewards_score_the_trl_view(out: Path) -> None:
    """GRPO-style: the TRL reward function, given the trl config's columns as kwargs, pays a
    boxed correct answer and not a wrong one."""
    view = datasets.load_dataset(str(out), "trl", split="train")
    right = [[{"role": "assistant", "content": f"Let me think. The answer is \\boxed{{{a}}}."}] for a in view["answer"]]
    wrong = [[{"role": "assistant", "content": "The answer is \\boxed{Xylophone 987654321}."}] for _ in view["answer"]]
    columns = {key: view[key] for key in view.column_names if key != "prompt"}
    assert answer_reward(right, prompts=view["prompt"], **columns) == [1.0] * len(view)
    assert answer_reward(wrong, prompts=view["prompt"], **columns) == [0.0] * len(view)


# The reward.py of the pushed repo, fetched like any file of it and loaded by path in an
# interpreter that cannot import webscale_rl, scores the first trl row's answer and a hedge.
SCORE_WITH_PUSHED_MODULE = """
import importlib.util, sys
from datasets import load_dataset
from huggingface_hub import hf_hub_download


class NoProject:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "webscale_rl":
            raise ImportError(name)


sys.meta_path.insert(0, NoProject())
repo = sys.argv[1]
path = hf_hub_download(repo, "reward.py", repo_type="dataset", revision="v1.0.0")
spec = importlib.util.spec_from_file_location("reward", path)
reward = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reward)
row = load_dataset(repo, "trl", split="train", revision="v1.0.0")[0]
done = [[{"role": "assistant", "content": text}] for text in (f"\\\\boxed{{{row['answer']}}}", f"\\\\boxed{{maybe {row['answer']}}}")]
print(*reward.answer_reward(done, answer=[row["answer"]] * 2, answer_type=[row["answer_type"]] * 2, prompts=[row["prompt"]] * 2))
"""


def publish_and_load_back(tmp_path: Path, out: Path, repo: str, rows: int) -> None:
    """The built folder, pushed with the real client to the Hub stand-in, loads at its tag."""
    server = start(tmp_path / "hub", token=TOKEN)
    try:
        env = client_env(server.url, tmp_path / "home", TOKEN)
        run([sys.executable, "-m", "webscale_rl.cli", "push", str(out), "--repo", repo, "--version", "1.0.0"], env, tmp_path)
        script = ("import sys; from datasets import load_dataset; "
                  "print(*[load_dataset(sys.argv[1], c, split='train', revision='v1.0.0').num_rows for c in ('default', 'verl', 'trl')])")
        loaded = run([sys.executable, "-c", script, repo], client_env(server.url, tmp_path / "home2", TOKEN), tmp_path)
        assert loaded.stdout.split()[-3:] == [str(rows)] * 3
        card = (out / "README.md").read_text(encoding="utf-8")
        assert "from reward import answer_reward" in card and "custom_reward_function.path=webscale-rl/reward.py" in card
        scored = run([sys.executable, "-I", "-c", SCORE_WITH_PUSHED_MODULE, repo],
                     client_env(server.url, tmp_path / "home3", TOKEN), tmp_path)
        assert scored.stdout.split()[-2:] == ["1.0", "0.0"]
    finally:
        server.shutdown()
        server.server_close()


def test_sigkilled_build_resumes_without_resending_finished_calls(tmp_path, small_server):
    """The kill lands while the sixth call is held unanswered by the proxy, a second after it was
    sent: every earlier reply has reached the replay cache (datatrove commits each one from a
    writer task, a few milliseconds after it arrives). Killed within those milliseconds, a run
    sends that one reply's call again too."""
    docs = sample_docs(4)
    with FaultProxy(small_server.url.removesuffix("/v1"), hang_seconds=120) as proxy:
        config = write_config(tmp_path, docs, proxy.url, call_plan="paper")
        proxy.inject(*["ok"] * 5, "hang")
        first = build(config, start_new_session=True)
        deadline = time.monotonic() + 600
        while len(proxy.seen) < 6 and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        assert first.poll() is None, "the first run ended before it could be killed"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        sent_before = list(proxy.bodies)
        second = build(config)
        output, _ = second.communicate(timeout=900)
        assert second.returncode == 0, output[-3000:]
        sent_after = proxy.bodies[len(sent_before):]

    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["documents_in"] == 4
    check_funnel(stats)
    # every input document is accounted for exactly once in the LLM stage output
    llm_docs = [json.loads(line)["id"] for p in (tmp_path / "out" / ".work" / "llm" / "output").glob("*.jsonl") for line in open(p)]
    assert sorted(llm_docs) == sorted(llm_docs_set := set(llm_docs)) and len(llm_docs_set) == 4
    # no call answered before the kill was sent again (at most the one in flight when killed)
    resent = Counter(body for body in sent_after if body in set(sent_before))
    assert sum(resent.values()) <= 1, f"{sum(resent.values())} finished calls were sent again"
