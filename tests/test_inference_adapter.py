"""datatrove's InferenceRunner sending through our transport to the real server."""

from __future__ import annotations

import json

import pytest
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.inference.run_inference import InferenceConfig
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from fault_proxy import FaultProxy
from webscale_rl.inference import TransportInferenceRunner
from webscale_rl.server import EmbeddedServer
from webscale_rl.transport import Endpoint, chat_payload, parse_json

pytestmark = pytest.mark.slow

SCHEMA = {"type": "object", "properties": {"topic": {"type": "string", "maxLength": 30}},
          "required": ["topic"], "additionalProperties": False}


async def topic_rollout(doc: Document, generate) -> dict:
    payload = chat_payload([{"role": "user", "content": f"Give the topic of: {doc.text}"}], schema=SCHEMA, max_tokens=120)
    result = await generate(payload)
    return parse_json(result.text, SCHEMA, result.finish_reason)


def run(tmp_path, endpoint: Endpoint):
    data = tmp_path / "in"
    data.mkdir(exist_ok=True)
    with open(data / "docs.jsonl", "w") as f:
        for i, text in enumerate(["Bread is baked from flour.", "Rivers flow to the sea.", "Chess has 64 squares."]):
            f.write(json.dumps({"id": f"d{i}", "text": text}) + "\n")
    runner = TransportInferenceRunner(
        rollout_fn=topic_rollout,
        config=InferenceConfig(server_type="endpoint", model_name_or_path=endpoint.model,
                               endpoint_url=endpoint.urls[0], max_concurrent_generations=2, request_timeout=30),
        output_writer=JsonlWriter(str(tmp_path / "out"), output_filename="${rank}_chunk_${chunk_index}.jsonl", compression=None),
        checkpoints_local_dir=str(tmp_path / "ckpt"), records_per_chunk=2, endpoints=[endpoint],
    )
    LocalPipelineExecutor([JsonlReader(str(data)), runner], tasks=1, logging_dir=str(tmp_path / "logs")).run()
    rows = [json.loads(line) for p in sorted((tmp_path / "out").glob("*.jsonl")) for line in open(p)]
    return rows


def test_runner_through_transport_with_auth_and_a_retried_fault(tmp_path, monkeypatch):
    monkeypatch.setenv("ADAPTER_TEST_KEY", "adapter-secret-123")
    with EmbeddedServer("tiny", api_key_env="ADAPTER_TEST_KEY", log_path=tmp_path / "server.log") as server:
        with FaultProxy(server.url.removesuffix("/v1")) as proxy:
            proxy.inject("503")
            endpoint = Endpoint(urls=[proxy.url], api_key_env="ADAPTER_TEST_KEY", backoff_base=0.01)
            rows = run(tmp_path, endpoint)
    assert sorted(r["id"] for r in rows) == ["d0", "d1", "d2"]
    for row in rows:
        assert row["metadata"]["rollout_results"][0]["topic"]
    assert proxy.seen.count("503") == 1 and proxy.seen.count("ok") == 3
    assert all(h.get("authorization") == "Bearer adapter-secret-123" for h in proxy.headers)
