"""Two real llama.cpp servers as the replicas of one endpoint, one SIGKILLed in the middle of a
build while it is answering a request: the build finishes, every document is counted once and
none is dropped for a transport error, and the requests that were going to the dead replica
are served by the survivor. Requests are counted in each server's own log (one "stop
processing" line per finished request, one "processing task" line per started one)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
import yaml

from sample_slice import first_calls_answered
from webscale_rl.server import EmbeddedServer

pytestmark = pytest.mark.slow

TASKS = 2


def started(log: Path) -> int:
    return log.read_text(errors="replace").count("processing task")


def finished(log: Path) -> int:
    return log.read_text(errors="replace").count("stop processing")


@pytest.mark.timeout(900)
def test_a_replica_killed_mid_build_loses_no_document(tmp_path, report):
    good = [json.loads(line) for line in resources.files("webscale_rl.builder").joinpath("sample_corpus", "good_b.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()][:8]
    source = tmp_path / "corpus"
    source.mkdir()
    for part in range(TASKS):
        (source / f"part-{part}.jsonl").write_text("".join(json.dumps(d) + "\n" for d in good[part::TASKS]), encoding="utf-8")
    out = tmp_path / "out"
    with EmbeddedServer("tiny", ctx_size=4096, threads=1, log_path=tmp_path / "a.log") as a, \
            EmbeddedServer("tiny", ctx_size=4096, threads=1, log_path=tmp_path / "b.log") as b:
        cfg = {"output_dir": str(out), "input": {"source": str(source)},
               "endpoints": {"default": {"urls": [a.url, b.url], "model": "SmolLM2", "timeout": 300, "max_in_flight": 1}},
               "records_per_chunk": 1, "max_concurrent_documents": 1,
               "executor": {"type": "local", "tasks": TASKS, "workers": TASKS}}
        config = tmp_path / "config.yaml"
        config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
        with open(tmp_path / "build.log", "w") as build_log:
            build = subprocess.Popen([sys.executable, "-m", "webscale_rl.cli", "build", "--config", str(config)],
                                     stdout=build_log, stderr=subprocess.STDOUT)
        try:
            # Both replicas have served the build, and b is in the middle of a request.
            while not (finished(a.log_path) and finished(b.log_path) and started(b.log_path) > finished(b.log_path)):
                assert build.poll() is None, "the build ended before b could be killed mid-request:\n" + \
                    (tmp_path / "build.log").read_text()[-3000:]
                time.sleep(0.2)
            os.kill(b.process.pid, signal.SIGKILL)
            b.process.wait()
            a_before, b_before = finished(a.log_path), finished(b.log_path)
            assert build.wait(timeout=600) == 0, (tmp_path / "build.log").read_text()[-3000:]
        finally:
            if build.poll() is None:
                build.kill()
        a_after, b_after = finished(a.log_path), finished(b.log_path)

    log = (tmp_path / "build.log").read_text()
    assert f"endpoint default ({b.url}): connection failed" in log, log[-3000:]
    assert b_after == b_before, "the killed replica kept answering"
    assert a_after > a_before, "no request moved to the survivor"
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents_in"] == len(good)
    assert stats["documents_in"] == sum(stats["document_drops"].values()) + stats["documents_with_pairs"]
    transport_drops = {k: v for k, v in stats["document_drops"].items()
                       if k.startswith("llm_") and k.rsplit("_", 1)[-1] in ("connection", "timeout") or "_http_" in k}
    assert not transport_drops, stats["document_drops"]
    work = out / ".work"
    ids = [json.loads(line)["id"] for p in (work / "llm" / "output").glob("*.jsonl") for line in open(p)]
    survivors = [json.loads(line)["id"] for p in (work / "documents" / "survivors").glob("*.jsonl") for line in open(p)]
    assert sorted(ids) == sorted(survivors) and len(ids) == len(set(ids)), "a document lost or done twice"
    assert first_calls_answered(stats, [d["text"] for d in good if d["id"] in ids]), stats["llm"]
    report(f"requests finished: a {a_before} before the kill, {a_after - a_before} after; b {b_before}, none after")
