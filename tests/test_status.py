"""`webscale-rl status` on a local run whose stage has a failed task: tasks done out of the total,
documents through the finished tasks, and the failed task with the tail of its log. (The
Slurm side is in tests/test_slurm.py, the Ray side in tests/test_ray.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from webscale_rl.builder import status as status_module
from webscale_rl.builder.status import Stage, collect, follow, render


def fail_on_rank_one(data, rank: int, world_size: int):
    """Passes documents on; task 1 fails after its first, as a crashing step would."""
    for i, doc in enumerate(data):
        if rank == 1 and i == 1:
            raise ValueError("planted failure in task 1")
        yield doc


def test_status_of_a_local_stage_with_a_failed_task(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    for part in range(2):
        (source / f"{part}.jsonl").write_text("".join(json.dumps({"id": f"{part}-{i}", "text": "some text"}) + "\n"
                                                      for i in range(3)))
    out = tmp_path / "out"
    logs = out / ".work" / "documents" / "logs" / "1_prefilter"
    executor = LocalPipelineExecutor([JsonlReader(str(source)), fail_on_rank_one, JsonlWriter(str(out / ".work" / "kept"))],
                                     tasks=2, workers=1, logging_dir=str(logs))
    with pytest.raises(ValueError, match="planted failure"):
        executor.run()

    status = collect(out)
    [stage] = status["stages"]
    assert (stage.name, stage.executor, stage.done, stage.total) == ("1_prefilter", "local", 1, 2)
    assert (stage.documents_in, stage.documents_out) == (3, 3)  # task 0's only: task 1 left no stats
    [task] = stage.unfinished
    assert (task.rank, task.state) == (1, "failed")
    text = render(status)
    assert "1_prefilter                 1/2  3 in, 3 out (finished tasks only)" in text, text
    assert "failed tasks (1); run the same build command again to rerun only these:" in text, text
    assert "ValueError: planted failure in task 1" in text, text  # from the tail of its log

    done = subprocess.run([sys.executable, "-m", "webscale_rl.cli", "status", str(out)], capture_output=True, text=True)
    assert done.returncode == 1 and "planted failure in task 1" in done.stdout, done.stdout + done.stderr

    missing = subprocess.run([sys.executable, "-m", "webscale_rl.cli", "status", str(tmp_path / "nothing")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "holds no build" in missing.stdout, missing.stdout



def test_a_waiting_build_ends_at_the_next_check_and_prints_at_its_own_pace(monkeypatch, capsys):
    """`follow` reads the outputs every `check` seconds, so a submitted build's wait ends soon
    after its last task, while progress lines still come only every `every` seconds."""
    def state(done: int) -> dict:
        return {"stages": [Stage("llm", "slurm", total=2, done=done)],
                "llm": {"documents": done, "of": 2, "pairs_kept": done}}

    states = iter([state(0), state(1), state(1), state(2)])
    monkeypatch.setattr(status_module, "collect", lambda out: next(states))
    slept: list[float] = []
    monkeypatch.setattr(status_module.time, "sleep", slept.append)
    last = follow(Path("unused"), every=3600.0, check=0.5)
    assert last["stages"][0].done == 2 and slept == [0.5, 0.5, 0.5]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and "0/2 documents" in lines[0] and "2/2 documents" in lines[1], lines
