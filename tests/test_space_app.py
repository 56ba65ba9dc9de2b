"""The Space's app: its display logic (scripted model replies), its files, and the served app
on the real tiny model (the MCP tool, the queue, `webscale-rl demo`). Also what the other Space
tests share: the app served on 127.0.0.1 against a real llama.cpp server, and Debian's chromium
for Playwright (see shared/research/browser-tests.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
import tomllib
import types
import urllib.request
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pytest
import yaml

from test_rollout_decisions import Scripted
from webscale_rl.builder.config import ConfigError, load_config
from webscale_rl.builder.inputs import content_id, sample_corpus_rows
from webscale_rl.builder.write import DEFAULT_SCHEMA
from webscale_rl.models import measured_support_threshold
from webscale_rl.server import free_port
from webscale_rl.space import app, engine, views
from webscale_rl.transport import TransportError

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


def endpoint_env(url: str, model: str) -> dict[str, str]:
    """The Space settings that point the app at one llama.cpp server."""
    return {"WSRL_ENDPOINT_URLS": url, "WSRL_DIALECT": "llamacpp", "WSRL_MODEL": model, "WSRL_TIMEOUT": "120"}


@contextlib.contextmanager
def served_app(env: dict[str, str]) -> Iterator[str]:
    """The Space's app, built from `env` as on a Space, served on a free port; yields its URL."""
    backend = engine.open_backend(engine.config_from_env(env))
    demo = app.build_demo(backend)
    port = free_port()
    try:
        app.launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True, share=False)
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()
        backend.close()


# ---- the app's logic, with scripted model replies ----------------------------------------------
# A scripted fake stands in for the model only to reach each display branch on purpose; the
# browser tests (test_space_browser.py) and the parity test run the real server.


ROOT = Path(__file__).resolve().parents[1]
ROWS = {str(r["id"]): r for r in sample_corpus_rows()}
BRIDGE = ROWS["a-017"]["text"]
# What the generate stage writes for the fact code gives each persona: the answer it copies, then the question.
TOWER = {"answer": "227 meters", "question": "How high above the water does each tower of the Golden Gate Bridge rise, in meters?"}
START = {"answer": "January 5, 1933", "question": "On what date did construction of the Golden Gate Bridge begin?"}
TRAFFIC = {"answer": "110,000",  # points at a text the reader never sees: a deterministic drop
           "question": "According to the passage, how many vehicles cross the bridge on a typical day?"}
# The historian's refused question gets one more fact (facts_per_persona), and is refused again.
TRAFFIC_AGAIN = {"answer": "1.6 kilometers", "question": "According to the passage, how wide is the strait the Golden Gate Bridge spans?"}
AGREES = {"reader_answer": "227 meters", "context_sufficient": True, "leaks_answer": False}
DISAGREES = AGREES | {"reader_answer": "May 27, 1937"}
# Each persona's words pick its fact (facts.assign): the towers' height, the start of construction, the traffic.
PERSONAS = ["a civil engineering student measuring how high each tower rises above the water",
            "a tourist who wants to know when construction began", "a historian counting vehicles that cross each day"]
READ_OFF = ("227 meters", "January 5, 1933")  # what the evidence reader copies from each pair's sentence


def screened(**over) -> dict:
    return {"topic": "the Golden Gate Bridge", "personas": PERSONAS,
            "missing_context": "no", "boilerplate": "no"} | over


def fake_backend(fake) -> engine.Backend:
    # a served model, given the bar the default model was measured with, so the graded reading runs
    cfg = load_config(None, {"endpoints": {"default": {"urls": ["http://127.0.0.1:9/v1"]}}, "support_threshold": 0.6})
    return engine.Backend(cfg=cfg, client=types.SimpleNamespace(generate=fake), models={s: "scripted" for s in
                                                                                      ("filter", "identify", "generate", "check")})


def run_scripted(fake, text: str = BRIDGE, plan: str = "fused") -> engine.Run:
    return asyncio.run(engine.run_document(engine.new_run(text, plan), fake_backend(fake)))


def kept_run(plan: str = "fused") -> tuple[engine.Run, Scripted]:
    if plan == "fused":
        fake = Scripted(READ_OFF, screen=[screened()], generate=[{"questions": [TOWER, START, TRAFFIC]}, TRAFFIC_AGAIN],
                        check=[{"verdicts": [AGREES, DISAGREES]}])
    else:
        fake = Scripted(READ_OFF, filter=[{"topic": "the bridge", "missing_context": "no", "boilerplate": "no"}],
                        identify=[{"topic": "the bridge", "personas": PERSONAS}],
                        generate=[TOWER, START, TRAFFIC, TRAFFIC_AGAIN], check=[AGREES, DISAGREES])
    return run_scripted(fake, plan=plan), fake


@pytest.mark.parametrize("plan", ["fused", "paper"])
def test_each_call_is_named_as_the_rollout_accounts_it(plan):
    run, fake = kept_run(plan)
    names = [c.stage for c in run.calls]
    # a-017 opens with its title, so its first call is the screen: no look at its opening
    assert names == {"fused": ["screen", "domain", "generate", "generate", "check", "check_standalone", "check_evidence", "check_support"],
                     "paper": ["filter", "identify", "domain", "generate", "generate", "generate", "generate", "check", "check",
                               "check_standalone", "check_evidence", "check_support"]}[plan]
    assert {s: names.count(s) for s in names} == {s: u["calls"] for s, u in run.result["usage"].items()}
    assert all(c.state == "done" and c.seconds is not None and c.prompt_tokens == 100 for c in run.calls)
    assert views.usage_rows(run)[-1][:4] == ["total", len(names), 100 * len(names), 20 * len(names)]


def test_finished_calls_take_the_rollouts_account_names():
    """Whatever stage a new kind of call belongs to, the finished log names it as the rollout's
    usage does; a failed call, which the rollout does not charge, keeps its live name."""
    calls = [engine.Call(stage, 0.0, 1.0, state=state) for stage, state in
             [("filter", "done"), ("identify", "done"), ("generate", "done"), ("generate", "failed"),
              ("check", "done"), ("check", "done")]]
    usage = {"filter": {"calls": 1}, "identify": {"calls": 1}, "generate": {"calls": 1},
             "check": {"calls": 1}, "check_evidence": {"calls": 1}}
    engine.name_calls(calls, usage)
    assert [c.stage for c in calls] == ["filter", "identify", "generate", "generate", "check", "check_evidence"]
    engine.name_calls(calls, {"filter": {"calls": 2}})  # accounts that do not cover the calls change nothing
    assert calls[0].stage == "filter" and calls[-1].stage == "check_evidence"


@pytest.mark.parametrize("plan", ["fused", "paper"])
def test_kept_and_dropped_pairs_as_the_page_shows_them(plan):
    run, _ = kept_run(plan)
    assert run.finished and run.problem is None and run.prefilter_reason is None
    early = run.early_screen(3)
    assert early == {"keep": True, "reason": "", "rationale": run.result["filter_rationale"],
                     "domain": run.result["domain"], "personas": run.result["personas"]}
    assert "**kept**" in views.filter_md(run, early) and "a tourist" in views.identity_md(run, early)
    assert "It opens with a title, so no call looked at its opening" in views.filter_md(run, early)  # a-017's title
    kept = views.kept_rows(run)
    assert [r[:4] for r in kept] == [["Q1", TOWER["question"], "227 meters", "number"]]
    assert kept[0][4:] == [PERSONAS[0], "yes", "yes", "yes", "227 meters", "yes", "227 meters", "90%"]  # the graded reading's P(yes)
    assert len(kept[0]) == len(views.KEPT_HEADERS) == len(views.KEPT_WIDTHS)
    dropped = {r[5]: r for r in views.dropped_rows(run)}
    assert set(dropped) == {"question_refers_to_passage", "check_answer_incorrect"}
    assert dropped["check_answer_incorrect"][4].startswith("the reviewer, answering from the document without seeing")
    assert dropped["check_answer_incorrect"][6] == "May 27, 1937" and dropped["question_refers_to_passage"][6] == "(not checked)"
    spans, colours = views.evidence_spans(run)
    assert "".join(text for text, _ in spans) == BRIDGE
    labelled = {label: text for text, label in spans if label}
    assert labelled["Q1 kept"] == "Each tower rises 227 meters above the water."
    assert set(labelled) == {"Q1 kept", "D1 dropped", "D2 dropped", "D3 dropped"} and colours["Q1 kept"] != colours["D1 dropped"]
    again = next(p for p in run.result["dropped_pairs"] if p.get("question") == TRAFFIC_AGAIN["question"])
    assert again["evidence"] in labelled.values()  # the historian's second fact, refused too
    assert "1 QA pair(s) kept** of 4 generated" in views.status_md(run)


def test_an_answer_cut_short_shows_what_its_evidence_says_with_it():
    cut = {"question": "How long does the timetest step take?", "answer": "10 minutes", "answer_type": "number",
           "evidence": "The timetest step runs for a minimum of 10 minutes on every machine in the lab.",
           "reason": "answer_cut_short"}
    bare = {"question": "How much did a Semper Augustus bulb sell for?", "answer": "5,000", "answer_type": "number",
            "evidence": "A single Semper Augustus bulb sold for more than 5,000 guilders in 1637.", "reason": "answer_lacks_unit"}
    elsewhere = cut | {"reason": "question_not_specific"}
    run = engine.Run(text=cut["evidence"], doc_id="x", call_plan="fused", result={"dropped_pairs": [cut, bare, elsewhere]})
    why = {row[0]: row[4] for row in views.dropped_rows(run)}
    # what this answer lost, not the reason's catalogue of other answers' examples
    assert why["D1"] == "the answer leaves out what the evidence says with it: \u201c... for a minimum of 10 minutes on every machine in ...\u201d"
    assert "Wall" not in why["D1"]
    assert why["D2"].endswith("does not name: \u201c... sold for more than 5,000 guilders in 1637.\u201d")
    assert why["D3"] == engine.plain("question_not_specific")


def test_evidence_quoted_with_its_line_wraps_undone_is_highlighted_where_the_document_wraps_it():
    text = "Fetchwell\n\nFetchwell keeps connections open between\nrequests for 90 seconds by default.\n"
    pair = {"question": "How long does Fetchwell keep a connection open?", "answer": "90 seconds",
            "evidence": "Fetchwell keeps connections open between requests for 90 seconds by default."}
    run = engine.Run(text=text, doc_id="x", call_plan="fused", result={"dropped_pairs": []}, records=[pair])
    spans, _ = views.evidence_spans(run)
    labelled = {label: piece for piece, label in spans if label}
    assert labelled == {"Q1 kept": "Fetchwell keeps connections open between\nrequests for 90 seconds by default."}


def test_records_are_the_builds_default_schema(tmp_path):
    run, _ = kept_run()
    assert [r["question"] for r in run.records] == [TOWER["question"]]
    record = run.records[0]
    assert record["source_id"] == "a-017" and record["source_text"] == BRIDGE and record["call_plan"] == "fused"
    assert record["models"] == {s: "scripted" for s in ("filter", "identify", "generate", "check")}
    pa.Table.from_pylist(run.records, schema=DEFAULT_SCHEMA)  # every column, of the right type
    assert set(record) == set(DEFAULT_SCHEMA.names)
    path = engine.write_jsonl(run.records, run.doc_id, "fused")
    assert [json.loads(line) for line in path.read_text().splitlines()] == run.records
    assert engine.write_jsonl([], run.doc_id, "fused") is None


def test_near_duplicate_questions_are_dropped_as_in_a_build():
    twin = START | {"question": "How high above the water does each tower of the Golden Gate Bridge rise in meters?"}
    fake = Scripted(READ_OFF, screen=[screened(personas=PERSONAS[:2])], generate=[{"questions": [TOWER, twin]}],
                    check=[{"verdicts": [AGREES, AGREES | {"reader_answer": "January 5, 1933"}]}])
    run = run_scripted(fake)
    assert len(run.result["pairs"]) == 2 and len(run.records) == 1
    assert [(r[0], r[5]) for r in views.dropped_rows(run)] == [("D1", "near_duplicate_question")]


def test_filter_drop_shows_the_verdict_and_stops():
    run = run_scripted(Scripted(screen=[screened(boilerplate="yes")]))
    early = run.early_screen(3)
    assert early["keep"] is False and early["reason"] == run.result["drop_reason"] == "llm_filter_not_informative"
    assert "**dropped**: the LLM filter judged the document mostly boilerplate" in views.filter_md(run, early)
    assert views.identity_md(run, early).endswith("not reached.")
    assert run.records == [] and views.kept_rows(run) == []


def test_a_fragment_shows_what_its_opening_refers_to_and_stops():
    run = run_scripted(Scripted(opening=[{"refers_to": "a bracket fix from an earlier post", "fragment": "yes"}]), text=ROWS["junk-015"]["text"])
    early = run.early_screen(3)
    assert early == {"keep": False, "reason": "llm_filter_not_self_contained", "rationale": "a bracket fix from an earlier post"}
    assert "**dropped**: the LLM filter judged the document a fragment" in views.filter_md(run, early)
    assert "opens with a title" not in views.filter_md(run, early)
    assert [c.stage for c in run.calls] == ["opening"] and run.records == []


def test_a_whole_opening_leaves_the_verdict_to_the_screen():
    """Mid-run, only the opening has answered: the filter panel must not say "kept" before the
    screen has judged the document (the browser test watches for exactly that)."""
    run = engine.Run(text="x", doc_id="d", call_plan="fused",
                     calls=[engine.Call(stage="opening", started=0.0, state="done", reply={"refers_to": "nothing", "fragment": "no"})])
    assert run.early_screen(3) == {}


def test_prefilter_drop_makes_no_model_call():
    fake = Scripted()
    run = run_scripted(fake, text=ROWS["junk-009"]["text"])
    assert run.prefilter_reason == "too_few_tokens" and run.result is None and fake.payloads == []
    assert "Dropped before any model call" in views.status_md(run)


@pytest.mark.parametrize("error", [TransportError("connection", "endpoint default (http://10.0.0.7:8080/v1): connection failed"),
                                   TransportError("http_503", "endpoint default (http://10.0.0.7:8080/v1): HTTP 503", 503),
                                   TransportError("timeout", "no reply within 120s")])
def test_a_failing_endpoint_gets_a_friendly_message(error):
    run = run_scripted(Scripted(screen=[error]))
    status = views.status_md(run)
    assert run.problem and "not answering right now" in status and "try again" in status
    assert "10.0.0.7" not in status and "Traceback" not in status


def test_a_slow_model_gets_a_friendly_message():
    async def slow(payload):
        await asyncio.sleep(30)

    backend = fake_backend(slow)
    backend.deadline = 0.5
    run = asyncio.run(engine.run_document(engine.new_run(BRIDGE, "fused"), backend))
    assert "took longer than 0.5 s" in run.problem and "try again" in run.problem


def test_an_unusable_reply_is_a_verdict_not_an_outage():
    run = run_scripted(Scripted(screen=[("not json", "stop")]))
    assert run.problem is None and run.result["drop_reason"] == "llm_screen_invalid_json"
    assert "could not be used" in views.status_md(run)


def test_model_text_is_shown_as_text():
    hostile = "<img src=x onerror=alert(1)> **loud** [click](javascript:alert(2)) `code` # title | cell"
    out = views.esc(hostile)
    assert not re.search(r"(?<!\\)[<>*\[\]()`#|]", out)
    run = run_scripted(Scripted(screen=[screened(topic=hostile, boilerplate="yes")]))
    assert views.esc(hostile) in views.filter_md(run, run.early_screen(3))


def test_input_cap_and_empty_input():
    assert app.input_problem("x" * engine.MAX_CHARS) is None
    message = app.input_problem("x" * (engine.MAX_CHARS + 1))
    assert "12,001 characters" in message and "at most 12,000" in message
    assert "Paste a document" in app.input_problem("   \n")
    assert "fused, paper" in app.input_problem(BRIDGE, "everything")


def test_document_ids_are_the_builds():
    assert engine.document_id(BRIDGE) == "a-017"
    assert engine.document_id(BRIDGE + " ") == content_id(BRIDGE + " ")


def test_endpoints_come_from_the_environment_only():
    secret = "sk-" + "5" * 24
    cfg = engine.config_from_env({"WSRL_ENDPOINT_URLS": "http://tgi-1:8080/v1, http://tgi-2:8080/v1", "WSRL_DIALECT": "tgi",
                                  "WSRL_MODEL": "m", "WSRL_API_KEY": secret})
    assert cfg["endpoints"] == {"default": {"urls": ["http://tgi-1:8080/v1", "http://tgi-2:8080/v1"], "dialect": "tgi",
                                            "timeout": 120.0, "model": "m", "api_key_env": "WSRL_API_KEY"}}
    assert secret not in json.dumps(cfg)
    provider = engine.config_from_env({"WSRL_PROVIDER": "together", "WSRL_MODEL": "Qwen/Qwen2.5-7B-Instruct"})
    assert provider["endpoints"]["default"]["api_key_env"] == "HF_TOKEN" and provider["endpoints"]["default"]["dialect"] == "openai"
    assert engine.config_from_env({})["endpoints"] == {"default": {"embedded": "default", "timeout": 120.0}}
    assert engine.config_from_env({"WSRL_EMBEDDED": "tiny", "WSRL_TIMEOUT": "30"})["endpoints"] == \
        {"default": {"embedded": "tiny", "timeout": 30.0}}
    with pytest.raises(ConfigError, match="WSRL_MODEL"):
        engine.config_from_env({"WSRL_PROVIDER": "together"})
    assert engine.Settings.from_config(cfg, "paper").call_plan == "paper" and engine.Settings.from_config(cfg).seed == cfg["seed"]


def test_a_served_model_gets_the_graded_readings_bar_only_from_the_spaces_owner():
    """The bar is measured per model: a served one has none unless the owner sets
    WSRL_SUPPORT_THRESHOLD; the embedded default brings its own."""
    served = {"WSRL_ENDPOINT_URLS": "http://vllm:8000/v1", "WSRL_DIALECT": "vllm", "WSRL_MODEL": "m"}
    def bar(env: dict[str, str]) -> float | None:
        return engine.Settings.from_config(engine.config_from_env(env)).support_threshold
    assert bar(served) is None
    assert bar(served | {"WSRL_SUPPORT_THRESHOLD": "0.55"}) == 0.55
    assert bar({}) == measured_support_threshold("default") is not None
    with pytest.raises(ConfigError, match="'high'"):
        bar(served | {"WSRL_SUPPORT_THRESHOLD": "high"})


# ---- the Space's files -------------------------------------------------------------------------

def space_header() -> dict:
    text = (ROOT / "space" / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(re.match(r"^---\n(.*?)\n---\n", text, re.S).group(1))


def test_space_readme_header_matches_the_tested_gradio():
    import gradio

    header = space_header()
    assert header["sdk"] == "gradio" and header["app_file"] == "app.py"
    assert header["sdk_version"] == gradio.__version__
    assert "mcp-server" in header["tags"]


def test_space_requirements_are_the_projects_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["space"]) \
        | set(project["optional-dependencies"]["server"])
    lines = (ROOT / "space" / "requirements.txt").read_text().splitlines()
    assert {line for line in lines if line and not line.startswith("#")} == wanted
    assert f"gradio[mcp]=={space_header()['sdk_version']}" in wanted


# ---- the served app, against the real tiny model -----------------------------------------------

async def mcp_session(url: str, *calls: tuple[str, dict]) -> tuple[list, list]:
    """List the MCP tools and make the given tool calls, as an MCP client does."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with streamable_http_client(f"{url}/gradio_api/mcp/") as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            results = [await session.call_tool(name, arguments) for name, arguments in calls]
    return tools, results


def test_the_mcp_tool_turns_a_document_into_pairs(tiny_server):
    """One tool, described by its docstring; called over MCP it runs the real pipeline."""
    with served_app(endpoint_env(tiny_server.url, "SmolLM2-135M-Instruct")) as url:
        schema = json.loads(urllib.request.urlopen(f"{url}/gradio_api/mcp/schema").read())
        tools, (short, bridge, too_long) = asyncio.run(mcp_session(
            url, ("document_to_qa_pairs", {"document": ROWS["junk-009"]["text"]}),
            ("document_to_qa_pairs", {"document": BRIDGE, "call_plan": "fused"}),
            ("document_to_qa_pairs", {"document": "x " * 7000})))
    assert [t["name"] for t in schema] == ["document_to_qa_pairs"] == [t.name for t in tools]
    assert "verifiable question-answer pairs" in tools[0].description and "2510.06499" in tools[0].description
    assert set(tools[0].inputSchema["properties"]) == {"document", "call_plan"}
    short = json.loads(short.content[0].text)
    assert short == {"status": "dropped", "drop_reason": "too_few_tokens", "why": "the document is shorter than the method's minimum of 50 tokens", "pairs": [],
                     "dropped_pairs": []}
    bridge = json.loads(bridge.content[0].text)
    assert bridge["status"] in {"kept", "dropped"} and bridge["why"] == (engine.plain(bridge["drop_reason"]) if bridge["drop_reason"] else "")
    assert all(set(p) == set(DEFAULT_SCHEMA.names) and p["source_id"] == "a-017" for p in bridge["pairs"])
    assert too_long.isError and "at most 12,000" in too_long.content[0].text


def test_the_queue_limits_concurrency(tiny_server, monkeypatch):
    """A burst waits in a bounded queue; the page and the MCP tool share one concurrency limit."""
    launched = {}
    monkeypatch.setattr("gradio.Blocks.launch", lambda demo, **kw: launched.update(demo=demo, **kw))
    backend = engine.open_backend(engine.config_from_env(endpoint_env(tiny_server.url, "smol")))
    try:
        app.launch(app.build_demo(backend), concurrency=2, queue_size=16)
    finally:
        backend.close()
    demo = launched["demo"]
    assert demo._queue.max_size == 16 and launched["mcp_server"] is True and launched["show_error"] is False
    named = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name in ("make_pairs", "document_to_qa_pairs")}
    assert {fn.concurrency_id for fn in named.values()} == {"model"}
    assert {fn.concurrency_limit for fn in named.values()} <= {2, "default"}
    assert demo._queue.default_concurrency_limit == 2


def test_webscale_rl_demo_starts_the_embedded_server(tmp_path):
    """No endpoint in the environment: `webscale-rl demo` starts llama.cpp itself, serves the
    page, and takes the server down with it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSRL_")} | {"GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "webscale_rl.cli", "demo", "--preset", "tiny", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(1)
        else:
            pytest.fail("the demo did not serve its page in 180 s")
        children = subprocess.run(["ps", "--ppid", str(proc.pid), "-o", "pid=,comm="], capture_output=True, text=True).stdout
        assert "llama-server" in children and "Webscale-RL" in page
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=60)
    server_pid = int(children.split()[0])
    time.sleep(1)
    assert not Path(f"/proc/{server_pid}").exists() or "zombie" in Path(f"/proc/{server_pid}/status").read_text()
    assert "SmolLM2" in output
