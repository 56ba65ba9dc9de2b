"""Faults injected by a proxy in front of the real server: each ends in a retry that
succeeds or in a typed error within the bound, and nothing hangs."""

from __future__ import annotations

import asyncio
import time

import pytest

from fault_proxy import FaultProxy
from webscale_rl.transport import Endpoint, LLMClient, TransportError, chat_payload, parse_json

pytestmark = pytest.mark.slow

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string", "maxLength": 30}},
    "required": ["city"],
    "additionalProperties": False,
}
PAYLOAD = chat_payload([{"role": "user", "content": "Name a city in France as JSON."}], schema=SCHEMA, max_tokens=40)


@pytest.fixture
def proxy(tiny_server):
    upstream = tiny_server.url.removesuffix("/v1")
    with FaultProxy(upstream, retry_after="1", hang_seconds=20) as p:
        yield p


def client_for(url: str, **kw) -> LLMClient:
    options = dict(timeout=4.0, max_retries=3, backoff_base=0.05, backoff_max=2.0)
    options.update(kw)
    return LLMClient(Endpoint(urls=[url] if isinstance(url, str) else url, **options))


@pytest.mark.parametrize("fault", ["429", "503", "drop", "hang", "truncate"])
def test_one_fault_then_success(proxy, fault):
    proxy.inject(fault)
    client = client_for(proxy.url)
    completion = asyncio.run(client.generate(PAYLOAD))
    assert parse_json(completion.text, SCHEMA)["city"]
    assert proxy.seen == [fault, "ok"]
    assert completion.usage["attempts"] == 2
    assert client.stats["default"].retries == 1


def test_retry_after_is_honoured(proxy):
    proxy.retry_after = "2"
    proxy.inject("429")
    started = time.monotonic()
    asyncio.run(client_for(proxy.url, backoff_base=0.01).generate(PAYLOAD))
    assert time.monotonic() - started >= 1.9  # waited what the server asked, not the 10 ms backoff


@pytest.mark.parametrize("fault,kind", [("503", "http_503"), ("drop", "connection"), ("hang", "timeout"), ("truncate", "bad_response")])
def test_persistent_fault_ends_in_typed_error(proxy, fault, kind):
    proxy.inject(*[fault] * 10)
    client = client_for(proxy.url, max_retries=2, timeout=2.0)
    with pytest.raises(TransportError) as info:
        asyncio.run(client.generate(PAYLOAD))
    assert info.value.kind in {kind, "connection"} if fault == "truncate" else info.value.kind == kind
    assert "gave up after 3 attempts" in str(info.value)
    assert proxy.seen == [fault] * 3
    assert client.stats["default"].errors == 1


def test_client_error_is_not_retried(tiny_server):
    client = client_for(tiny_server.url)
    bad = dict(PAYLOAD, messages="not a list of messages")
    with pytest.raises(TransportError) as info:
        asyncio.run(client.generate(bad))
    assert info.value.status is not None and 400 <= info.value.status < 500
    assert client.stats["default"].retries == 0


def test_replicas_survive_one_going_away(tiny_server, proxy):
    dead = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    client = client_for([dead, proxy.url], max_retries=2)

    async def many():
        return await asyncio.gather(*(client.generate(PAYLOAD) for _ in range(4)))

    results = asyncio.run(many())
    assert all(parse_json(r.text, SCHEMA)["city"] for r in results)
    assert len(proxy.seen) == 4  # every request was finally served by the live replica


@pytest.mark.parametrize("fault", ["hang", "503"])
def test_a_loaded_replica_is_retried_before_a_dead_one(proxy, fault):
    # The dead replica refuses, then the live one is too slow once or answers 503 (loading, or
    # shedding load): both are in their cooldown for the last attempt, which must go to the
    # replica that is there, not the one back soonest.
    dead = "http://127.0.0.1:9/v1"
    proxy.inject(fault)
    client = client_for([dead, proxy.url], max_retries=2, timeout=2.0)
    client.replicas["default"].next = 0  # the dead replica first
    completion = asyncio.run(client.generate(PAYLOAD))
    assert parse_json(completion.text, SCHEMA)["city"]
    assert proxy.seen == [fault, "ok"]
    assert completion.usage["attempts"] == 3


def test_in_flight_requests_are_capped(proxy):
    proxy.inject("hang", "hang", "hang")
    client = client_for(proxy.url, max_in_flight=1, timeout=1.5, max_retries=0)

    async def three():
        return await asyncio.gather(*(client.generate(PAYLOAD) for _ in range(3)), return_exceptions=True)

    started = time.monotonic()
    results = asyncio.run(three())
    assert all(isinstance(r, TransportError) and r.kind == "timeout" for r in results)
    assert time.monotonic() - started >= 4.0  # one at a time: three timeouts in a row
