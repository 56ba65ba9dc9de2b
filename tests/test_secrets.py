"""API keys come from the environment, reach the server, and appear nowhere else."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fault_proxy import FaultProxy
from webscale_rl.server import EmbeddedServer
from webscale_rl.transport import Endpoint, LLMClient, TransportError, chat_payload

pytestmark = pytest.mark.slow

KEY = "sk-test-4f9c2e81d7b6a5c3e2f1a0b9c8d7e6f5"
PAYLOAD = chat_payload([{"role": "user", "content": "Say hi."}], max_tokens=8)


def test_key_reaches_server_but_never_logs_or_errors(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("WEBSCALE_TEST_KEY", KEY)
    monkeypatch.setenv("WEBSCALE_WRONG_KEY", KEY[::-1])
    caplog.set_level(logging.DEBUG)
    log = tmp_path / "server.log"
    with EmbeddedServer("tiny", api_key_env="WEBSCALE_TEST_KEY", log_path=log) as server:
        with FaultProxy(server.url.removesuffix("/v1")) as proxy:
            good = LLMClient(Endpoint(urls=[proxy.url], api_key_env="WEBSCALE_TEST_KEY", backoff_base=0.01))
            proxy.inject("503")  # a retried failure is logged: the key must not be in that line
            assert asyncio.run(good.generate(PAYLOAD)).text is not None
            assert proxy.headers[-1]["authorization"] == f"Bearer {KEY}"

            wrong = LLMClient(Endpoint(urls=[proxy.url], api_key_env="WEBSCALE_WRONG_KEY"))
            with pytest.raises(TransportError) as info:
                asyncio.run(wrong.generate(PAYLOAD))
            assert info.value.status == 401 and "API key" in str(info.value)
        endpoint_dump = repr(good.endpoints) + repr(Endpoint(urls=["x"], api_key_env="WEBSCALE_TEST_KEY"))
    for text in (str(info.value), repr(info.value), caplog.text, log.read_text(errors="replace"), endpoint_dump):
        assert KEY not in text and KEY[::-1] not in text
    assert not list(tmp_path.glob("webscale-rl-key-*"))  # the key file is gone with the server


def test_hf_token_is_not_sent_to_a_keyless_endpoint(tiny_server, monkeypatch):
    """huggingface_hub falls back to the user's HF token; a third-party server must not get it."""
    monkeypatch.setenv("HF_TOKEN", "hf_should_never_leave_this_machine")
    with FaultProxy(tiny_server.url.removesuffix("/v1")) as proxy:
        asyncio.run(LLMClient(Endpoint(urls=[proxy.url])).generate(PAYLOAD))
        sent = proxy.headers[-1].get("authorization", "")
    assert "hf_should_never_leave_this_machine" not in sent
