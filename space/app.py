"""The Webscale-RL demo: paste a document, watch each stage decide, take the QA pairs home.

Runs on a Hugging Face Space (`python app.py`) and locally (`webscale-rl demo`, `make demo`).
The endpoint comes from the environment (see space/engine.py); without one, the embedded
llama.cpp server starts. `mcp_server=True` also serves "document -> QA pairs" as an MCP tool.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time
from typing import Any, AsyncIterator

import gradio as gr

from webscale_rl.builder.inputs import sample_corpus_rows
from webscale_rl.builder.prefilter import MAX_CHARS
from webscale_rl.space import engine, views

logger = logging.getLogger(__name__)

PAPER = "https://arxiv.org/abs/2510.06499"
# Gradio lays highlighted text out with `word-break: break-all`, which cuts the document's words
# at the panel's edge ("worked l / ong hours"); the evidence is prose, so lines break between words.
CSS = "#evidence .textfield { word-break: normal; overflow-wrap: anywhere; }"
TICK = 1.0  # seconds between updates of the running clock when no stage has news
# Sample documents offered as examples: ones the default model keeps pairs for, a few domains,
# and planted junk that shows a drop.
EXAMPLE_IDS = ("b-023", "a-010", "b-027", "a-017", "junk-005", "junk-015", "junk-009")
INTRO = f"""# Webscale-RL: a document in, verifiable QA pairs out

Paste a web document and watch the [Webscale-RL]({PAPER}) pipeline decide, stage by stage, what it
makes of it. This demo runs the very code that builds the dataset, on the model configured for it."""
METHOD = f"""**The method** ([arXiv 2510.06499]({PAPER})) turns pretraining text into short-answer questions
whose answers a reward function can check, so reinforcement learning can use web-scale data.

0. **Pre-filter** (no model): length, Gopher, FineWeb and C4 quality rules drop junk cheaply.
1. **Filter**: the model drops boilerplate and fragments that need missing context.
2. **Identify**: up to 3 personas who would ask about the document, and its domain (one of 10),
   chosen in a short call that sees only the topic.
3. **Generate**: one pair per persona: the model copies a short answer from the document, types
   it, and asks for it, naming the subject; code then finds the sentence that states the answer
   (highlighted below).
4. **Check**: deterministic checks (the answer is in the document and fits the question, the
   question names its subject and does not give the answer away), then four readings by a
   reviewer model: it answers each question *blind* from the document, judges the question
   alone (without the document), answers from the evidence sentence alone, and says how sure it
   is that the sentence gives the pair's answer to its question. A pair is kept only if both
   answers agree with the pair's, the question stands on its own, and the reviewer is sure
   enough: its probability of "yes" (the column "support P(yes)") reaches the bar measured for
   the model, 60% for the default; a model with no measured bar is not asked.

Kept pairs download as JSONL in the dataset's `default` schema, the rows `load_dataset` gives.
The call plan changes how many model calls this takes, not what is decided."""


def example_rows() -> list[dict]:
    rows = {str(r["id"]): r for r in sample_corpus_rows()}
    return [rows[i] for i in EXAMPLE_IDS if i in rows]


def example_label(row: dict) -> str:
    meta = row.get("meta") or {}
    kind = f"junk: {meta['planted']}" if meta.get("planted") else meta.get("domain", "")
    return f"{row['id']} ({kind}) {row['text'][:40].strip()}..."


def view(run: engine.Run | None, message: str = "", max_personas: int = 3) -> tuple:
    """Values of every output component for a run (None: only a message, e.g. the cap)."""
    if run is None:
        empty: list = []
        return (message, "", "", [], empty, empty, empty, gr.update(value=None, visible=False))
    early = run.early_screen(max_personas)
    spans, colours = views.evidence_spans(run) if run.finished else ([(run.text, None)], {})
    path = engine.write_jsonl(run.records, run.doc_id, run.call_plan) if run.finished else None
    return (views.status_md(run), views.filter_md(run, early), views.identity_md(run, early),
            gr.update(value=spans, color_map=colours), views.kept_rows(run), views.dropped_rows(run),
            views.usage_rows(run), gr.update(value=str(path) if path else None, visible=path is not None))


def input_problem(text: str, call_plan: str = "fused") -> str | None:
    """What is wrong with a visitor's input, in words for them; None if nothing."""
    if not text or not text.strip():
        return "Paste a document (or click an example) first."
    if call_plan not in views.PLANS:
        return f"The call plan must be one of: {', '.join(views.PLANS)}."
    return engine.too_long(text)


def build_demo(backend: engine.Backend) -> gr.Blocks:
    """The page; `backend` holds the endpoints, which visitors never see or choose."""
    max_personas = backend.cfg["max_personas"]

    async def make_pairs(text: str, call_plan: str) -> AsyncIterator[tuple]:
        problem = input_problem(text, call_plan)
        if problem:
            yield view(None, f"**{problem}**")
            return
        run = engine.new_run(text, call_plan)
        task = asyncio.create_task(engine.run_document(run, backend))
        shown, last = -1, 0.0
        try:
            while not task.done():
                if run.version != shown or time.monotonic() - last >= TICK:
                    shown, last = run.version, time.monotonic()
                    yield view(run, max_personas=max_personas)
                await asyncio.wait([task], timeout=0.25)
            task.result()
        except Exception:  # never a traceback or an endpoint address on the page
            logger.exception("demo run failed")
            yield view(None, "**Sorry: something went wrong on our side. Please try again.**")
            return
        finally:
            task.cancel()  # the visitor left: stop calling the model for them
        yield view(run, max_personas=max_personas)

    async def document_to_qa_pairs(document: str, call_plan: str = "fused") -> str:
        """Turn a text document into short-answer, verifiable question-answer pairs for RL training
        (the Webscale-RL method, arXiv 2510.06499), with the same pipeline that builds the dataset:
        a heuristic pre-filter, an LLM filter, domain and personas, at most one question per persona with its
        evidence sentence, deterministic checks and a blind reviewer.

        Args:
            document: the text to turn into QA pairs (plain text, at most 12,000 characters).
            call_plan: "fused" (at most 8 model calls and a one-token call per pair, more only for pairs citing one sentence) or "paper" (one call per stage and persona); both decide alike.
        Returns:
            A JSON object: `status` ("kept" or "dropped"), `drop_reason` and `why` (plain words) when no pair
            was kept, `pairs` (the kept pairs as records of the dataset's `default` schema: question,
            answer, answer_type, evidence, domain, persona, verdicts...), and `dropped_pairs`
            (question, answer and the reason each was dropped).
        """
        problem = input_problem(document, call_plan)
        if problem:
            raise gr.Error(problem)
        run = await engine.run_document(engine.new_run(document, call_plan), backend)
        if run.problem:
            raise gr.Error(run.problem)
        reason = run.prefilter_reason or ("" if run.records else (run.result or {}).get("drop_reason", ""))
        _, dropped = views.numbered_pairs(run)
        return json.dumps({"status": "kept" if run.records else "dropped", "drop_reason": reason,
                           "why": engine.plain(reason) if reason else "", "pairs": run.records,
                           "dropped_pairs": [{"question": p.get("question", ""), "answer": p.get("answer", ""),
                                              "reason": r, "why": engine.plain(r)} for _, p, r in dropped]},
                          ensure_ascii=False)

    with gr.Blocks(title="Webscale-RL: document to verifiable QA pairs") as demo:
        gr.Markdown(INTRO)
        with gr.Accordion("How the method works", open=False):
            gr.Markdown(METHOD)
        with gr.Row():
            with gr.Column(scale=1):
                document = gr.Textbox(label=f"Document (plain text, up to {MAX_CHARS:,} characters)", lines=12,
                                      max_lines=20, elem_id="document",
                                      placeholder="Paste an article, a how-to, a forum answer...")
                with gr.Row():
                    call_plan = gr.Radio(list(views.PLANS), value="fused", label="Call plan", elem_id="call-plan",
                                         info="fused: at most 8 model calls and a one-token call per pair (more for pairs citing one sentence); paper: one per stage and persona")
                    run_button = gr.Button("Make QA pairs", variant="primary", elem_id="run")
                rows = example_rows()
                gr.Examples(examples=[[r["text"]] for r in rows], inputs=[document], label="Examples from the sample corpus",
                            example_labels=[example_label(r) for r in rows], examples_per_page=len(rows))
            with gr.Column(scale=1):
                status = gr.Markdown("Results appear here, stage by stage.", elem_id="status")
                filter_box = gr.Markdown(elem_id="filter")
                identity_box = gr.Markdown(elem_id="identity")
        evidence = gr.HighlightedText(label="3. Each pair's evidence, highlighted in the document", elem_id="evidence",
                                      show_legend=True, combine_adjacent=False)
        kept = gr.Dataframe(headers=views.KEPT_HEADERS, label="4. Kept QA pairs, with the check's verdicts",
                            elem_id="kept", interactive=False, wrap=True, column_widths=views.KEPT_WIDTHS)
        download = gr.DownloadButton("Download kept pairs (JSONL, default schema)", visible=False,
                                     elem_id="download")
        dropped = gr.Dataframe(headers=views.DROPPED_HEADERS, label="Dropped pairs, and why", elem_id="dropped",
                               interactive=False, wrap=True, column_widths=views.DROPPED_WIDTHS)
        usage = gr.Dataframe(headers=views.USAGE_HEADERS, label="Latency and tokens per stage", elem_id="usage",
                             interactive=False)
        outputs = [status, filter_box, identity_box, evidence, kept, dropped, usage, download]
        run_button.click(make_pairs, inputs=[document, call_plan], outputs=outputs, api_name="make_pairs",
                         api_visibility="undocumented", concurrency_id="model", show_progress="minimal")
        gr.api(document_to_qa_pairs, api_name="document_to_qa_pairs", concurrency_id="model")
    return demo


def launch(demo: gr.Blocks, *, host: str | None = None, port: int | None = None, concurrency: int = 2,
           queue_size: int = 16, **kwargs: Any) -> None:
    """Queue with a concurrency limit (a burst of visitors waits instead of flooding the endpoint)
    and the MCP server; errors are never shown with their details."""
    demo.queue(default_concurrency_limit=concurrency, max_size=queue_size)
    demo.launch(server_name=host, server_port=port, mcp_server=True, ssr_mode=False, show_error=False,
                footer_links=["api", "gradio"], css=CSS, **kwargs)


def main(argv: list[str] | None = None) -> int:
    """`webscale-rl demo`, `make demo` and the Space: start the endpoint, serve the page."""
    parser = argparse.ArgumentParser(prog="webscale-rl demo", description="launch the Gradio demo")
    parser.add_argument("--host", default=None, help="default: 127.0.0.1 (on a Space: GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=int, default=None, help="default: 7860 or GRADIO_SERVER_PORT")
    parser.add_argument("--preset", default=None, help="embedded model preset when no endpoint is set (tiny, default)")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    if args.preset:
        env["WSRL_EMBEDDED"] = args.preset
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    backend = engine.open_backend(engine.config_from_env(env))
    try:
        launch(build_demo(backend), host=args.host, port=args.port,
               concurrency=int(os.environ.get("WSRL_CONCURRENCY") or 2))
    finally:
        backend.close()
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    raise SystemExit(main())
