"""The embedded server: the flags llama.cpp is compiled with; its life cycle (free port, /health, clean stop, no orphans)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def _cmake_args(cpu_flags: str) -> str:
    """The llama.cpp compile flags `make install` would use on a CPU listing these flags."""
    env = {k: v for k, v in os.environ.items() if k != "CMAKE_ARGS"}
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", 'print-cmake-args: ; @echo "$$CMAKE_ARGS"',
         "print-cmake-args", f"CPU_FLAGS=flags : {cpu_flags}"],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True, check=True).stdout.split()


@pytest.mark.parametrize("cpu_flags, expected, absent", [
    ("fpu avx avx2 fma f16c bmi2", [], ["-DGGML_AVX512=ON"]),
    # avx512f alone is not the set GGML_AVX512 compiles for (f, cd, vl, dq, bw)
    ("avx2 avx512f avx512_vnni", [], ["-DGGML_AVX512=ON", "-DGGML_AVX512_VNNI=ON"]),
    ("avx2 avx512f avx512cd avx512vl avx512dq avx512bw", ["-DGGML_AVX512=ON"], ["-DGGML_AVX512_VNNI=ON"]),
    ("avx2 avx512f avx512cd avx512vl avx512dq avx512bw avx512vbmi avx512_vnni avx512_bf16 amx_tile",
     ["-DGGML_AVX512=ON", "-DGGML_AVX512_VBMI=ON", "-DGGML_AVX512_VNNI=ON", "-DGGML_AVX512_BF16=ON"], ["-DGGML_AMX_TILE=ON"]),
])
def test_llama_cpp_compiles_for_avx512_only_where_the_cpu_lists_it(cpu_flags: str, expected: list[str], absent: list[str]) -> None:
    args = _cmake_args(cpu_flags)
    assert "-DGGML_NATIVE=OFF" in args and "-DGGML_AVX2=ON" in args
    assert all(flag in args for flag in expected) and not any(flag in args for flag in absent)
