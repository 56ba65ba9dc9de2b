"""The one way every stage reaches a model: TGI, vLLM, SGLang, llama.cpp, OpenAI-compatible
APIs and Hugging Face Inference Providers, through huggingface_hub's AsyncInferenceClient.

Stages build a neutral payload with `chat_payload` (messages, sampling, a JSON schema and
the name of the endpoint that should answer) and await a `generate(payload)` callable that
returns a `Completion`. `LLMClient.generate` is that callable for the CLI, the Space and
tests; datatrove's InferenceRunner hands the rollout its own `generate`, which ends in
`LLMClient.complete` through `webscale_rl.inference`. Either way the same code picks the
replica, speaks the server's structured-output dialect, retries, and counts tokens.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import random
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Awaitable, Literal

import httpx
import httpx2
import jsonschema
from huggingface_hub import AsyncInferenceClient
from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError

from webscale_rl.retry import retry_after as _retry_after

logger = logging.getLogger(__name__)

Dialect = Literal["llamacpp", "tgi", "vllm", "openai"]
DIALECTS = ("llamacpp", "tgi", "vllm", "openai")
RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
# A placeholder sent when an endpoint has no key, so huggingface_hub never falls back to
# the user's HF token: that token must not travel to third-party servers.
NO_KEY = "no-key"


class LLMError(Exception):
    """Base of the typed errors a stage can record as a drop reason instead of crashing."""

    kind = "llm_error"


class ParseError(LLMError):
    """The reply is not JSON, is cut short, or breaks the schema."""

    def __init__(self, kind: str, message: str, text: str = "") -> None:
        super().__init__(message)
        self.kind = kind  # "truncated" | "invalid_json" | "schema_violation"
        self.text = text


class TransportError(LLMError):
    """The request did not get a usable reply within the retry budget."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind  # "http_<status>" | "timeout" | "connection" | "bad_response"
        self.status = status


@dataclass
class Endpoint:
    """One model served at one or more replica URLs (or by a named Inference Provider)."""

    name: str = "default"
    urls: list[str] = field(default_factory=list)
    model: str = "default"
    dialect: Dialect = "llamacpp"
    provider: str | None = None  # HF Inference Provider ("together", "openai", ...) instead of urls
    api_key_env: str | None = None  # name of the environment variable holding the key
    timeout: float = 120.0
    max_retries: int = 4
    max_in_flight: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    replica_cooldown: float = 10.0

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"endpoint {self.name}: dialect must be one of {DIALECTS}, got {self.dialect!r}")
        if not self.urls and not self.provider:
            raise ValueError(f"endpoint {self.name}: give `urls` or an Inference `provider`")
        self.urls = [u.rstrip("/") for u in self.urls]

    def api_key(self) -> str | None:
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise LLMError(f"endpoint {self.name}: environment variable {self.api_key_env} is empty or unset")
        return key


@dataclass
class Completion:
    """A reply; the same fields as datatrove's InferenceResult so stages accept either."""

    text: str
    finish_reason: str | None
    usage: dict = field(default_factory=dict)


def chat_payload(
    messages: list[dict],
    *,
    schema: dict | None = None,
    endpoint: str = "default",
    max_tokens: int = 512,
    temperature: float = 0.0,
    seed: int | None = None,
    top_p: float | None = None,
    top_logprobs: int | None = None,
) -> dict:
    """A neutral request: the transport turns `schema` into the endpoint's own dialect.
    `top_logprobs` asks for the most likely first tokens of the reply with their log
    probabilities (`first_token_logprobs`), for a reading graded by how sure the model is."""
    payload: dict[str, Any] = {
        "messages": messages, "max_tokens": max_tokens, "temperature": temperature, "endpoint": endpoint,
    }
    if schema is not None:
        payload["schema"] = schema
    if seed is not None:
        payload["seed"] = seed
    if top_p is not None:
        payload["top_p"] = top_p
    if top_logprobs is not None:
        payload["logprobs"], payload["top_logprobs"] = True, top_logprobs
    return payload


def first_token_logprobs(result) -> dict[str, float]:
    """{token: log probability} of the reply's first token, as `first_token_logprobs` asked;
    empty when the server sent none."""
    usage = getattr(result, "usage", None) or {}
    return dict(usage.get("first_token_logprobs") or {})


def _keep_first_token_logprobs(response: dict) -> None:
    """Copy the first token's alternatives into the response's usage. datatrove's
    InferenceResult carries a reply's text, finish reason and usage only, so usage is the one
    field that reaches a stage from either path (and datatrove's result cache keeps it)."""
    logprobs = (response.get("choices") or [{}])[0].get("logprobs") or {}
    content = logprobs.get("content") or []
    if content:
        response["usage"]["first_token_logprobs"] = {
            item["token"]: float(item["logprob"]) for item in content[0].get("top_logprobs") or []}


def response_format(dialect: Dialect, schema: dict) -> tuple[dict, dict]:
    """(response_format, extra body fields) that make this dialect ENFORCE the schema."""
    if dialect == "llamacpp":
        # llama.cpp reads `schema`; huggingface_hub's own rewrite only sets TGI's `value`.
        return {"type": "json_object", "value": schema, "schema": schema}, {}
    if dialect == "tgi":
        return {"type": "json_object", "value": schema}, {}
    if dialect == "vllm":
        # vLLM >= 0.10.2 reads structured_outputs, older releases guided_json; SGLang reads
        # json_schema in the body. Each ignores the fields it does not know.
        return {"type": "json_object"}, {"structured_outputs": {"json": schema}, "guided_json": schema}
    return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": True}}, {}


def parse_json(text: str, schema: dict | None, finish_reason: str | None = None) -> dict:
    """Parse and validate a reply; raise ParseError naming what went wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        kind = "truncated" if finish_reason == "length" else "invalid_json"
        raise ParseError(kind, f"reply is not valid JSON ({err.msg} at char {err.pos})", text) from None
    if schema is not None:
        try:
            jsonschema.validate(data, schema)
        except jsonschema.ValidationError as err:
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            raise ParseError("schema_violation", f"reply breaks the schema at {where}: {err.message[:200]}", text) from None
    return data


class _Replicas:
    """Round-robin over URLs, skipping ones that failed recently. Each datatrove task has its own
    client, so each starts at a random URL: otherwise every task's first requests would all go
    to the first replica."""

    def __init__(self, urls: list[str], cooldown: float) -> None:
        self.urls = urls
        self.cooldown = cooldown
        self.down_until = {u: 0.0 for u in urls}
        self.busy = {u: False for u in urls}
        self.next = random.randrange(len(urls)) if urls else 0

    def pick(self) -> str:
        now = time.monotonic()
        for _ in range(len(self.urls)):
            url = self.urls[self.next % len(self.urls)]
            self.next += 1
            if self.down_until[url] <= now:
                return url
        # All down: a replica that timed out or answered with an error status (503 while it loads
        # or sheds load) is alive, one that refused or broke the connection may be gone; among
        # equals, the one back soonest.
        return min(self.urls, key=lambda u: (not self.busy[u], self.down_until[u]))

    def mark_down(self, url: str, busy: bool = False) -> None:
        self.down_until[url] = time.monotonic() + self.cooldown
        self.busy[url] = busy

    def mark_up(self, url: str) -> None:
        """A reply proves the replica is serving, whatever another request saw of it."""
        self.down_until[url] = 0.0
        self.busy[url] = False


@dataclass
class CallStats:
    calls: int = 0
    errors: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0


_CLIENT_IDS = itertools.count()


class LLMClient:
    """Sends neutral payloads to named endpoints with retries, replica failover and limits."""

    def __init__(self, endpoints: Endpoint | list[Endpoint] | dict[str, Endpoint]) -> None:
        if isinstance(endpoints, Endpoint):
            endpoints = [endpoints]
        if isinstance(endpoints, dict):
            endpoints = list(endpoints.values())
        self.endpoints = {e.name: e for e in endpoints}
        self.replicas = {e.name: _Replicas(e.urls, e.replica_cooldown) for e in endpoints if e.urls}
        self.stats: dict[str, CallStats] = {name: CallStats() for name in self.endpoints}
        # Semaphores belong to one event loop (datatrove runs one loop per task): keyed by the
        # loop object, weakly, since a new loop can get the id of a finished one.
        self._limits: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._uid = next(_CLIENT_IDS)
        self._secrets = [k for k in (self._key_or_none(e) for e in endpoints) if k]

    @staticmethod
    def _key_or_none(endpoint: Endpoint) -> str | None:
        try:
            return endpoint.api_key()
        except LLMError:
            return None

    def scrub(self, text: str) -> str:
        """Remove every configured key from a message before it is logged or raised."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def endpoint(self, name: str) -> Endpoint:
        if name in self.endpoints:
            return self.endpoints[name]
        if "default" in self.endpoints:
            return self.endpoints["default"]
        raise LLMError(f"no endpoint named {name!r} (configured: {', '.join(self.endpoints)})")

    def _limit(self, endpoint: Endpoint) -> asyncio.Semaphore:
        limits = self._limits.setdefault(asyncio.get_running_loop(), {})
        if endpoint.name not in limits:
            limits[endpoint.name] = asyncio.Semaphore(endpoint.max_in_flight)
        return limits[endpoint.name]

    async def complete(self, payload: dict) -> dict:
        """Send one payload (left unmodified) and return the OpenAI-style response as a dict."""
        body = dict(payload)
        endpoint = self.endpoint(body.pop("endpoint", "default"))
        schema = body.pop("schema", None)
        body.pop("model", None)
        messages = body.pop("messages")
        extra: dict = {}
        if schema is not None:
            body["response_format"], extra = response_format(endpoint.dialect, schema)
        stats = self.stats[endpoint.name]
        key = endpoint.api_key() or NO_KEY
        attempt = 0
        async with self._limit(endpoint):
            while True:
                url = self.replicas[endpoint.name].pick() if endpoint.urls else None
                started = time.monotonic()
                try:
                    response = await asyncio.wait_for(
                        self._send(endpoint, url, key, messages, body, extra), timeout=endpoint.timeout
                    )
                    latency = time.monotonic() - started
                    usage = response.get("usage") or {}
                    stats.calls += 1
                    stats.prompt_tokens += int(usage.get("prompt_tokens") or 0)
                    stats.completion_tokens += int(usage.get("completion_tokens") or 0)
                    stats.latency_s += latency
                    response["usage"] = {**usage, "latency_s": round(latency, 3), "attempts": attempt + 1}
                    if url is not None:
                        self.replicas[endpoint.name].mark_up(url)
                    if body.get("logprobs"):
                        _keep_first_token_logprobs(response)
                    return response
                except Exception as err:  # classified below; anything unknown is re-raised
                    error, retry_after = self._classify(err, endpoint, url)
                    if error.kind in ("connection", "timeout", "bad_response"):
                        self._retire(endpoint, url, key)  # the retry starts on fresh connections
                    if url is not None and (error.kind in ("connection", "timeout") or (error.status or 0) >= 500):
                        self.replicas[endpoint.name].mark_down(url, busy=error.kind == "timeout" or error.status is not None)
                    retryable = error.kind in ("connection", "timeout", "bad_response") or error.status in RETRYABLE_STATUS
                    if not retryable or attempt >= endpoint.max_retries:
                        stats.errors += 1
                        if retryable:
                            error.args = (f"{error.args[0]} (gave up after {attempt + 1} attempts)",)
                        raise error from None
                    delay = min(endpoint.backoff_max, endpoint.backoff_base * 2**attempt) * random.uniform(0.5, 1.0)
                    if retry_after is not None:
                        delay = min(max(delay, retry_after), endpoint.backoff_max)
                    logger.warning("%s; retry %d/%d in %.1fs", error, attempt + 1, endpoint.max_retries, delay)
                    stats.retries += 1
                    attempt += 1
                    await asyncio.sleep(delay)

    def _client(self, endpoint: Endpoint, url: str | None, key: str) -> AsyncInferenceClient:
        """One client (one connection pool) per endpoint, replica and key on the running loop,
        reused by every attempt and request there; `close_clients` closes them."""
        clients = _OPEN_ON_LOOP.setdefault(asyncio.get_running_loop(), {})
        slot = (self._uid, endpoint.name, url, endpoint.provider, key)
        if slot not in clients:
            if url is not None:
                clients[slot] = AsyncInferenceClient(base_url=url, api_key=key, timeout=endpoint.timeout)
            else:
                clients[slot] = AsyncInferenceClient(provider=endpoint.provider, api_key=key, timeout=endpoint.timeout)
        return clients[slot]

    def _retire(self, endpoint: Endpoint, url: str | None, key: str) -> None:
        """Stop handing out this client after a connection failed; requests still in flight on
        it finish, and `close_clients` closes it with the others."""
        clients = _OPEN_ON_LOOP.get(asyncio.get_running_loop())
        slot = (self._uid, endpoint.name, url, endpoint.provider, key)
        if clients and slot in clients:
            clients[("retired", next(_CLIENT_IDS))] = clients.pop(slot)

    async def _send(self, endpoint: Endpoint, url: str | None, key: str, messages: list, body: dict, extra: dict) -> dict:
        client = self._client(endpoint, url, key)
        out = await client.chat_completion(
            messages, model=endpoint.model if url is None else None, extra_body=extra or None, **body
        )
        response = dict(out)
        if getattr(out, "usage", None) is not None:
            # huggingface_hub keeps fields it does not declare (prompt_tokens_details, with the
            # tokens served from the server's prompt cache) on the attribute, not in the item.
            response["usage"] = dict(out.usage)
        return response

    def _classify(self, err: Exception, endpoint: Endpoint, url: str | None) -> tuple[TransportError, float | None]:
        where = f"endpoint {endpoint.name} ({url or endpoint.provider})"
        if isinstance(err, (asyncio.TimeoutError, InferenceTimeoutError, httpx2.TimeoutException, httpx.TimeoutException)):
            return TransportError("timeout", f"{where}: no reply within {endpoint.timeout:.0f}s"), None
        if isinstance(err, HfHubHTTPError) and err.response is not None:
            status = err.response.status_code
            retry_after = _retry_after(err.response.headers.get("retry-after"))
            detail = self.scrub((err.response.text or "")[:300].replace("\n", " "))
            hint = {401: " (check the API key variable)", 403: " (check the API key's permissions)",
                    404: " (check the URL: it should end in /v1 for OpenAI-compatible servers)"}.get(status, "")
            return TransportError(f"http_{status}", f"{where}: HTTP {status}{hint} {detail}".rstrip(), status), retry_after
        if isinstance(err, (httpx2.TransportError, httpx.TransportError, ConnectionError)):
            return TransportError("connection", f"{where}: connection failed ({type(err).__name__})"), None
        if isinstance(err, (json.JSONDecodeError, UnicodeDecodeError)):
            return TransportError("bad_response", f"{where}: malformed response body ({type(err).__name__})"), None
        raise err

    async def generate(self, payload: dict) -> Completion:
        """The `generate` callable stages await outside datatrove (CLI, Space, tests)."""
        response = await self.complete(payload)
        return completion_from_response(response)

    async def chat_json(self, messages: list[dict], schema: dict, **params) -> tuple[dict, Completion]:
        """One schema-constrained call, parsed and validated."""
        completion = await self.generate(chat_payload(messages, schema=schema, **params))
        return parse_json(completion.text, schema, completion.finish_reason), completion


def completion_from_response(response: dict) -> Completion:
    choice = response["choices"][0]
    message = choice.get("message") or {}
    return Completion(
        text=message.get("content") or "", finish_reason=choice.get("finish_reason"), usage=response.get("usage") or {}
    )


# The HTTP clients opened on each event loop, to close when that loop's work is done. An
# AsyncInferenceClient (its httpx connection pool) belongs to the loop it was opened on: keyed
# by the loop object, weakly, so a later loop never gets one and a finished loop's entry goes.
_OPEN_ON_LOOP: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def close_clients() -> None:
    """Close every HTTP client the transport opened on the running loop."""
    clients = _OPEN_ON_LOOP.pop(asyncio.get_running_loop(), {})
    for client in clients.values():
        await client.close()


def run_sync(coro: Awaitable) -> Any:
    """Run a coroutine from synchronous code (CLI, Gradio handlers) on a new loop, closing the
    HTTP clients it opened before the loop ends."""

    async def main() -> Any:
        try:
            return await coro
        finally:
            await close_clients()

    return asyncio.run(main())
