"""The transport against the REAL embedded llama.cpp server (tiny preset)."""

from __future__ import annotations

import asyncio

import pytest

from webscale_rl.transport import Endpoint, LLMClient, ParseError, chat_payload, parse_json

pytestmark = pytest.mark.slow

FACT_SCHEMA = {
    "type": "object",
    "properties": {
        "subject": {"type": "string", "maxLength": 40},
        "year": {"type": "integer", "minimum": 1000, "maximum": 2100},
        "is_true": {"type": "boolean"},
        "kind": {"type": "string", "enum": ["person", "place", "thing"]},
    },
    "required": ["subject", "year", "is_true", "kind"],
    "additionalProperties": False,
}

FACTS = [
    "The Eiffel Tower was completed in 1889.", "Marie Curie won a Nobel Prize in 1903.",
    "The Berlin Wall fell in 1989.", "Apollo 11 landed on the Moon in 1969.",
    "The Titanic sank in 1912.", "Wikipedia was launched in 2001.", "Python was first released in 1991.",
    "The Great Fire of London happened in 1666.", "Mount Everest was first climbed in 1953.",
    "The printing press spread across Europe after 1450.", "Lisbon was hit by an earthquake in 1755.",
    "The Suez Canal opened in 1869.", "The first iPhone went on sale in 2007.",
    "Napoleon died in 1821.", "The Panama Canal opened in 1914.", "Sydney Opera House opened in 1973.",
    "The euro became a currency in 1999.", "Charles Darwin published his book in 1859.",
    "The Golden Gate Bridge opened in 1937.", "Ada Lovelace was born in 1815.",
]


def test_twenty_schema_requests_all_parse_and_validate(tiny_server):
    client = LLMClient(Endpoint(urls=[tiny_server.url], max_in_flight=2))

    async def one(fact: str) -> dict:
        messages = [{"role": "user", "content": f"Describe this fact as JSON: {fact}"}]
        data, completion = await client.chat_json(messages, FACT_SCHEMA, max_tokens=120, temperature=0.8, seed=1)
        assert completion.usage["completion_tokens"] > 0
        return data

    async def all_of_them():
        return await asyncio.gather(*(one(f) for f in FACTS))

    results = asyncio.run(all_of_them())
    assert len(results) == 20
    for data in results:  # chat_json validated already; check the constraints hold in the values
        assert set(data) == {"subject", "year", "is_true", "kind"}
        assert len(data["subject"]) <= 40 and 1000 <= data["year"] <= 2100
    stats = client.stats["default"]
    assert stats.calls == 20 and stats.errors == 0
    assert stats.prompt_tokens > 20 * 10 and stats.completion_tokens > 0


def test_max_length_is_enforced_by_the_server(tiny_server):
    """Ask for a long text but constrain it: the grammar, not the model, keeps it short."""
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string", "minLength": 1, "maxLength": 12}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    client = LLMClient(Endpoint(urls=[tiny_server.url]))
    messages = [{"role": "user", "content": "Write a very long essay of at least 300 words about the history of bread."}]
    for seed in range(3):
        completion = asyncio.run(client.generate(chat_payload(messages, schema=schema, max_tokens=200, seed=seed, temperature=1.0)))
        data = parse_json(completion.text, schema, completion.finish_reason)
        assert 1 <= len(data["answer"]) <= 12


def test_unconstrained_reply_from_the_same_model_is_not_json(tiny_server):
    """Shows the schema matters: without it the 135M model answers in prose."""
    client = LLMClient(Endpoint(urls=[tiny_server.url]))
    messages = [{"role": "user", "content": "Write a very long essay about the history of bread."}]
    completion = asyncio.run(client.generate(chat_payload(messages, max_tokens=60)))
    with pytest.raises(ParseError):
        parse_json(completion.text, {"type": "object"}, completion.finish_reason)


def test_prompt_tokens_the_server_reuses_from_its_cache_are_counted(tiny_server):
    """llama.cpp reports reused prompt tokens; the transport must pass the field on (the
    huggingface_hub client keeps it off the response item) so stages and the card count them."""
    from webscale_rl.builder.stages.common import usage_of
    from webscale_rl.transport import run_sync

    client = LLMClient(Endpoint(urls=[tiny_server.url]))
    payload = chat_payload([{"role": "system", "content": "Answer in one word. " * 40},
                            {"role": "user", "content": "Name a colour."}], max_tokens=4, seed=1)
    first, again = (usage_of(run_sync(client.generate(payload))) for _ in range(2))
    assert again["cached_prompt_tokens"] > 0.9 * again["prompt_tokens"] > 0
    assert first["prompt_tokens"] == again["prompt_tokens"]


def test_the_first_tokens_alternatives_reach_a_stage_through_usage(tiny_server):
    """A graded reading asks for the first token's log probabilities; the transport keeps them
    in usage, the one field datatrove's InferenceResult also carries."""
    import math

    from webscale_rl.builder.stages.check import support_probability
    from webscale_rl.transport import first_token_logprobs, run_sync

    client = LLMClient(Endpoint(urls=[tiny_server.url]))
    payload = chat_payload([{"role": "user", "content": "Is Paris in France? Reply yes or no."}], max_tokens=1, top_logprobs=10)
    completion = run_sync(client.generate(payload))
    logprobs = first_token_logprobs(completion)
    assert 1 < len(logprobs) <= 10 and all(lp <= 0 for lp in logprobs.values())
    assert completion.text in logprobs and logprobs[completion.text] == max(logprobs.values())  # greedy: the reply is the likeliest
    assert sum(math.exp(lp) for lp in logprobs.values()) <= 1 + 1e-6
    p = support_probability(logprobs)
    assert p is None or 0 <= p <= 1
    plain = run_sync(client.generate(chat_payload(payload["messages"], max_tokens=1)))
    assert first_token_logprobs(plain) == {}  # not asked for, not sent
