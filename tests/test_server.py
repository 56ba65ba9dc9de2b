"""The embedded server's life cycle: free port, /health, clean stop, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from webscale_rl.server import EmbeddedServer, ServerError

pytestmark = pytest.mark.slow


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): read its state
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


def test_start_health_and_stop(tmp_path):
    server = EmbeddedServer("tiny", log_path=tmp_path / "log").start()
    pid = server.process.pid
    assert httpx.get(server.url.removesuffix("/v1") + "/health").status_code == 200
    assert server.url.startswith("http://127.0.0.1:")
    server.stop()
    assert wait_gone(pid)


def test_no_orphan_when_parent_is_killed(tmp_path):
    """SIGKILL the Python parent (no cleanup code can run): the server must still go."""
    script = (
        "import sys, time\n"
        "from webscale_rl.server import EmbeddedServer\n"
        f"s = EmbeddedServer('tiny', log_path=r'{tmp_path / 'log'}').start()\n"
        "print(s.process.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child_pid = int(parent.stdout.readline())
    assert alive(child_pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert wait_gone(child_pid), "llama-server outlived its parent"


def test_interrupt_of_serve_stops_the_server(tmp_path):
    cmd = [sys.executable, "-m", "webscale_rl.cli", "serve", "--model", "tiny"]
    parent = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = ""
    while "ready at" not in line:
        line = parent.stdout.readline()
        assert line, "serve exited before it was ready"
    url = line.split("ready at ")[1].split()[0]
    assert httpx.get(url.removesuffix("/v1") + "/health").status_code == 200
    children = subprocess.run(["pgrep", "-P", str(parent.pid)], capture_output=True, text=True).stdout.split()
    parent.send_signal(signal.SIGINT)
    assert parent.wait(timeout=20) == 0
    assert children and all(wait_gone(int(pid)) for pid in children)


def test_bad_model_file_fails_with_the_server_log(tmp_path):
    bogus = tmp_path / "broken.gguf"
    bogus.write_bytes(b"not a gguf file at all")
    with pytest.raises(ServerError) as info:
        EmbeddedServer(str(bogus), log_path=tmp_path / "log", startup_timeout=60).start()
    assert "exited with code" in str(info.value)
