"""`webscale-rl status` on a local run whose stage has a failed task: tasks done out of the total,
documents through the finished tasks, and the failed task with the tail of its log. (The
Slurm side is in tests/test_slurm.py, the Ray side in tests/test_ray.py.)"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from webscale_rl.builder.status import collect, render


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

