"""`webscale-rl` command line. Each subcommand lives beside the code it drives; this file
only dispatches, so importing it stays cheap."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys

# subcommand -> (module:function taking argv, one-line help)
COMMANDS = {
    "serve": ("webscale_rl.cli:serve_main", "run the embedded llama.cpp server until Ctrl-C"),
    "smoke": ("webscale_rl.cli:smoke_main", "start the embedded server and get one schema-valid JSON reply"),
    "build": ("webscale_rl.builder.pipeline:main", "build a dataset from a YAML config"),
    "status": ("webscale_rl.builder.status:main", "how far a build is: tasks per stage, documents, pairs, failed tasks, Slurm jobs"),
    "estimate": ("webscale_rl.builder.estimate:main", "calls, tokens, kept pairs and cost of a build, from a dry run on a sample"),
    "config": ("webscale_rl.builder.config:main", "check a build config; --show prints it resolved, secrets masked"),
    "report": ("webscale_rl.dataset_card.report:main", "quality report of a built dataset folder"),
    "audit": ("webscale_rl.builder.audit:main", "precision of the keep decision on hand-labelled pairs"),
    "card": ("webscale_rl.dataset_card.card:main", "(re)generate the dataset card of a built folder"),
    "push": ("webscale_rl.dataset_card.push:main", "push a built folder to the Hub as a tagged version"),
    "demo": ("webscale_rl.space.app:main", "launch the Gradio demo (endpoint from WSRL_* variables, else embedded)"),
    "push-space": ("webscale_rl.space.publish:main", "create or update the demo as a Hugging Face Space"),
    "bench": ("webscale_rl.builder.bench:main", "benchmarks, printed as side-by-side ratios"),
}


def serve_main(argv: list[str]) -> int:
    from webscale_rl.server import EmbeddedServer, serve_forever

    parser = argparse.ArgumentParser(prog="webscale-rl serve", description=COMMANDS["serve"][1])
    parser.add_argument("--model", default="default", help="preset (tiny, default), a .gguf path, or hf:owner/repo/file.gguf")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--ctx-size", type=int, default=4096)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument("--api-key-env", default=None, help="require the key held in this environment variable")
    args = parser.parse_args(argv)
    serve_forever(EmbeddedServer(args.model, port=args.port, ctx_size=args.ctx_size, parallel=args.parallel,
                                 api_key_env=args.api_key_env))
    return 0


SMOKE_SCHEMA = {
    "type": "object",
    "properties": {
        "question": {"type": "string", "maxLength": 200},
        "answer": {"type": "string", "maxLength": 60},
    },
    "required": ["question", "answer"],
    "additionalProperties": False,
}


def smoke_main(argv: list[str]) -> int:
    from webscale_rl.server import EmbeddedServer
    from webscale_rl.transport import Endpoint, LLMClient, run_sync

    parser = argparse.ArgumentParser(prog="webscale-rl smoke", description=COMMANDS["smoke"][1])
    parser.add_argument("--model", default="default")
    args = parser.parse_args(argv)
    with EmbeddedServer(args.model) as server:
        client = LLMClient(Endpoint(urls=[server.url]))
        messages = [{"role": "user", "content": "Water boils at 100 degrees Celsius at sea level. "
                     "Write one short question about this fact and its answer as JSON."}]
        data, completion = run_sync(client.chat_json(messages, SMOKE_SCHEMA, max_tokens=200))
    print(json.dumps({"model": server.model_path.name, "reply": data, "usage": completion.usage}, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpx2", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in COMMANDS:
        print("usage: webscale-rl <command> [options]\n\ncommands:")
        for name, (_, help_text) in COMMANDS.items():
            print(f"  {name:<10} {help_text}")
        return 0 if not argv or argv[0] in {"-h", "--help"} else 2
    target, _ = COMMANDS[argv[0]]
    module, function = target.split(":")
    try:
        return int(getattr(importlib.import_module(module), function)(argv[1:]) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ValueError as err:
        # A config the build cannot run with: one clear line and exit code 2, no traceback.
        from webscale_rl.builder.config import ConfigError

        if not isinstance(err, ConfigError):
            raise
        print(f"webscale-rl {argv[0]}: config error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
