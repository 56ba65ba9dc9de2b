"""One reading of Retry-After for the transport and the Hub push; the transport keeps one HTTP
client per endpoint and replica on each event loop, closed when that loop's work is done; and
datatrove's own retries never run on top of the transport's."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest
from huggingface_hub.errors import HfHubHTTPError

from webscale_rl import transport
from webscale_rl.dataset_card import push
from webscale_rl.retry import retry_after
from webscale_rl.transport import Endpoint, LLMClient, TransportError, chat_payload, run_sync

PAYLOAD = chat_payload([{"role": "user", "content": "hi"}], max_tokens=5)


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("3") == 3.0 and retry_after("0.25") == 0.25 and retry_after(" 2 ") == 2.0
    assert retry_after("-5") == 0.0
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 < retry_after(later) <= 30
    assert retry_after(format_datetime(datetime(2000, 1, 1, tzinfo=timezone.utc), usegmt=True)) == 0.0
    assert retry_after(None) is None and retry_after("") is None and retry_after("soon") is None


def test_the_push_waits_what_the_hub_asks_even_a_fraction(monkeypatch):
    """Push used to honour only whole seconds; it now reads the header as the transport does."""
    slept: list[float] = []
    monkeypatch.setattr(push.time, "sleep", slept.append)
    answers = iter([("0.5", 429), ("Wed, 21 Oct 2015 07:28:00 GMT", 503), (None, 412)])

    def call():
        try:
            value, status = next(answers)
        except StopIteration:
            return "done"
        headers = {"Retry-After": value} if value else {}
        response = httpx2.Response(status, headers=headers, request=httpx2.Request("POST", "http://hub/api"))
        raise HfHubHTTPError("busy", response=response)

    assert push.with_retries(call, "commit") == "done"
    assert slept == [0.5, 0.0, push.RETRY_BASE_DELAY * 4]  # the header wins; without one, the backoff


class CannedServer:
    """An OpenAI-compatible endpoint on a thread that counts the TCP connections it accepts."""

    def __init__(self, script: list[int] | None = None) -> None:
        self.connections = 0
        self.requests = 0
        self.script = list(script or [])  # statuses to answer first, then 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                server.connections += 1
                super().setup()

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests += 1
                status = server.script.pop(0) if server.script else 200
                if status == 0:  # drop the connection without a reply
                    self.close_connection = True
                    return
                body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop",
                                                "index": 0}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}
                                  if status == 200 else {"error": "busy"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if status != 200:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def canned():
    server = CannedServer()
    yield server
    server.close()


def client_for(url: str) -> LLMClient:
    return LLMClient(Endpoint(urls=[url], timeout=10.0, backoff_base=0.01))


def test_requests_and_retries_on_one_loop_share_one_connection(canned):
    client = client_for(canned.url)
    canned.script = [503]

    loops = []

    async def calls():
        loops.append(asyncio.get_running_loop())
        return [await client.generate(PAYLOAD) for _ in range(3)]

    assert [c.text for c in run_sync(calls())] == ["ok"] * 3
    assert canned.requests == 4 and client.stats["default"].retries == 1
    assert canned.connections == 1  # one pool for the retry and all three requests
    assert loops[0] not in transport._OPEN_ON_LOOP  # run_sync closed it with its loop (other tests' loops may remain)


def test_after_a_dropped_connection_the_retry_starts_on_a_fresh_client(canned):
    client = client_for(canned.url)
    canned.script = [0]

    loops = []

    async def calls():
        loops.append(asyncio.get_running_loop())
        first = await client.generate(PAYLOAD)
        open_now = list(transport._OPEN_ON_LOOP[asyncio.get_running_loop()])
        return [first, await client.generate(PAYLOAD)], open_now

    results, open_then = run_sync(calls())
    assert [c.text for c in results] == ["ok", "ok"] and client.stats["default"].retries == 1
    assert canned.connections == 2  # the dropped one, then one pool for the retry and the next request
    assert sum(1 for slot in open_then if slot[0] == "retired") == 1  # kept to be closed with the loop
    assert loops[0] not in transport._OPEN_ON_LOOP


def test_a_client_is_never_reused_across_event_loops(canned):
    """The CLI and the Space call through run_sync, a new loop each time: each loop opens its
    own connection, and a client opened on one loop is closed with it, never handed to the next."""
    client = client_for(canned.url)
    opened = []

    async def one():
        result = await client.generate(PAYLOAD)
        opened.extend(transport._OPEN_ON_LOOP[asyncio.get_running_loop()].values())
        return result

    for _ in range(3):
        assert run_sync(one()).text == "ok"
    assert canned.connections == 3 and len(set(map(id, opened))) == 3
    assert asyncio.run(client.generate(PAYLOAD)).text == "ok"  # plain asyncio.run (datatrove, tests) works too
    assert canned.connections == 4


def test_concurrent_loops_in_threads_keep_their_own_clients(canned):
    client = client_for(canned.url)
    results, errors = [], []

    async def three():
        return await asyncio.gather(*(client.generate(PAYLOAD) for _ in range(3)))

    def worker():
        try:
            results.append(run_sync(three()))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(results) == 3


def test_datatrove_does_not_retry_on_top_of_the_transport():
    """An OSError out of the transport would make datatrove retry it 6 more times, 5 s doubling;
    the adapter hands it back typed, which datatrove passes through at once."""
    from datatrove.pipeline.inference.run_inference import InferenceConfig

    from webscale_rl.inference import TransportServer

    async def broken(payload):
        raise OSError("network is unreachable")

    async def send():
        endpoint = Endpoint(urls=["http://127.0.0.1:9/v1"])
        config = InferenceConfig(server_type="endpoint", model_name_or_path="m", endpoint_url="x")
        server = TransportServer(config, 0, [endpoint])
        server.client.complete = broken
        return await server._make_request(PAYLOAD)

    started = time.monotonic()
    with pytest.raises(TransportError) as info:
        asyncio.run(send())
    assert info.value.kind == "connection" and time.monotonic() - started < 1
