"""datatrove's InferenceRunner on our transport.

datatrove 0.10.1's `endpoint` server probes `/v1/models` under a URL whose requests go to
`/chat/completions`, sends no key on the probe or on localhost, and pops "model" from the
payload so its own retries fail. Here the runner keeps everything that works (checkpointed
chunks, the sqlite replay cache, bounded concurrency, stats) and hands the request itself
to `LLMClient.complete`, which copies the payload, authenticates every call, retries and
fails over between replicas. The batch pipeline and the interactive path therefore share
one way of calling models.

Retries are the transport's alone: datatrove retries a request whose server call raises
ConnectionError, OSError or TimeoutError (6 more times, waiting 5 s doubling), which on top of
the transport's own budget would multiply it, so such an error is handed back as the typed
TransportError datatrove passes through. `InferenceConfig.request_timeout` is read only by
datatrove's own endpoint server, which is not used: each attempt is timed by the endpoint's
`timeout`.
"""

from __future__ import annotations

import asyncio

import httpx
from datatrove.pipeline.inference.run_inference import InferenceConfig, InferenceRunner
from datatrove.pipeline.inference.servers.base import InferenceServer

from webscale_rl.processes import stop_on_signals
from webscale_rl.transport import NO_KEY, Endpoint, LLMClient, TransportError, close_clients


class TransportServer(InferenceServer):
    """An InferenceServer that starts nothing and sends through LLMClient."""

    def __init__(self, config: InferenceConfig, rank: int, endpoints: list[Endpoint]) -> None:
        super().__init__(config, rank)
        self.endpoints = endpoints
        self.client = LLMClient(endpoints)

    async def start_server(self) -> None:
        return None

    async def monitor_health(self) -> None:
        await asyncio.Future()  # nothing to watch; the transport handles dead replicas

    def get_base_url(self) -> str:
        first = self.endpoints[0]
        return first.urls[0] if first.urls else f"provider:{first.provider}"

    async def is_ready(self) -> bool:
        """Ready when every endpoint has one replica answering /health (with its key)."""
        async with httpx.AsyncClient(timeout=5.0) as http:
            for endpoint in self.endpoints:
                if not endpoint.urls:
                    continue
                headers = {"Authorization": f"Bearer {endpoint.api_key() or NO_KEY}"}
                for url in endpoint.urls:
                    try:
                        response = await http.get(url.removesuffix("/v1") + "/health", headers=headers)
                        if response.status_code == 200:
                            break
                    except httpx.HTTPError:
                        continue
                else:
                    return False
        return True

    async def _wait_until_ready(self, max_attempts: int = 60, delay_sec: float = 1.0) -> None:
        await super()._wait_until_ready(max_attempts=max_attempts, delay_sec=delay_sec)

    async def _make_request(self, payload: dict) -> dict:
        try:
            return await self.client.complete(payload)
        except (ConnectionError, OSError, asyncio.TimeoutError) as err:  # what datatrove would retry again
            kind = "timeout" if isinstance(err, TimeoutError) else "connection"
            raise TransportError(kind, f"{type(err).__name__}: {err}") from err

    async def server_cleanup(self) -> None:
        await close_clients()  # the task's loop ends here: close the transport's connection pools
        await super().server_cleanup()


class TransportInferenceRunner(InferenceRunner):
    """InferenceRunner whose requests go through our transport to named endpoints."""

    name = "🤖 LLM stages"

    def __init__(self, *args, endpoints: list[Endpoint], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.endpoints = endpoints

    def _init_server(self, rank: int) -> InferenceServer:
        return TransportServer(self.config, rank, self.endpoints)

    def run(self, data, rank: int = 0, world_size: int = 1) -> None:
        """As datatrove's, but a SIGTERM (Slurm before a time limit, `scancel`) or Ctrl-C ends
        the task within seconds, leaving its checkpoints for the rerun. Under `webscale-rl
        build` on this machine the build's own handler is already in place."""
        with stop_on_signals(lambda stopped: f"LLM task {rank} stopped by {stopped.by}; "
                             "run the same build command again to resume it from its checkpoints."):
            super().run(data, rank, world_size)
