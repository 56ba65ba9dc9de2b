"""The build config: one YAML file names inputs, filters, endpoints per stage, the call plan,
concurrency, sampling, seed and the output folder. Defaults live here, in one place."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from webscale_rl.transport import Endpoint

DEFAULTS: dict[str, Any] = {
    "output_dir": "output/webscale-rl",
    "input": {"source": "sample"},
    "prefilter": {},
    "dedup": {},
    "endpoints": {"default": {"embedded": "default"}},
    "stage_endpoints": {},  # e.g. {generate: strong} ; unnamed stages use "default"
    "call_plan": "fused",
    "seed": 0,
    "max_personas": 3,
    "demos_per_prompt": 2,
    "sampling": {
        "filter": {"temperature": 0.0, "max_tokens": 200},
        "identify": {"temperature": 0.0, "max_tokens": 200},
        "generate": {"temperature": 0.7, "max_tokens": 350},
        "check": {"temperature": 0.0, "max_tokens": 200},
        "solve": {"temperature": 1.0, "max_tokens": 96},
    },
    # Optional difficulty stage: a (small) solver model answers each kept question closed-book
    # `samples` times; records get `solve_rate`, and pairs solved more often than
    # `max_solve_rate` (null: none) are dropped as `too_easy`. Point `stage_endpoints.solve`
    # at the solver's endpoint.
    "difficulty": {"enabled": False, "samples": 4, "max_solve_rate": None},
    # 4 slots: llama.cpp gives each request the slot whose cached prompt it shares most, so each
    # stage keeps its instructions and examples cached across documents.
    "embedded_server": {"ctx_size": 8192, "parallel": 4},
    "executor": {"type": "local", "tasks": 1, "workers": 1},
    "max_concurrent_documents": 2,
    "records_per_chunk": 8,
    "include_source_text": True,
    "near_duplicate_questions": {"enabled": True, "threshold": 0.8},
    "decontamination": {"benchmarks": {}, "action": "drop", "ngram": 13},
    "test_fraction": 0.0,
    "card": {"license": "other", "pretty_name": "Webscale-RL QA pairs", "price_per_million_tokens": 0.0},
}

# Key names whose values are secrets: api_key, hf_token, secret, password... but not max_tokens.
SECRET_KEY = re.compile(r"(?:^|_)(?:key|token|secret|password|passwd|credentials?)$", re.IGNORECASE)


# Settings a user gives whole: their endpoints replace the embedded default rather than
# being merged into it (a merged `embedded:` key would start a server nobody asked for), and
# a cluster executor must not inherit the local default `workers: 1` (one task at a time).
REPLACED_WHOLE = {"endpoints", "executor"}


def merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in REPLACED_WHOLE:
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_config(path: str | Path | None = None, overrides: dict | None = None) -> dict:
    """Defaults < YAML file < overrides (from the command line)."""
    cfg = copy.deepcopy(DEFAULTS)
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
        try:
            loaded = yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            raise SystemExit(f"config {path} is not valid YAML: {err}") from None
        if not isinstance(loaded, dict):
            raise SystemExit(f"config {path} must be a mapping of settings")
        cfg = merge(cfg, loaded)
    cfg = merge(cfg, overrides or {})
    unknown = set(cfg) - set(DEFAULTS)
    if unknown:
        raise SystemExit(f"unknown config keys {sorted(unknown)}; known keys: {sorted(DEFAULTS)}")
    return cfg


def endpoints_from(cfg: dict, urls: dict[str, list[str]] | None = None) -> list[Endpoint]:
    """Endpoint objects; `urls` fills in the addresses of embedded servers once started."""
    out = []
    for name, spec in cfg["endpoints"].items():
        spec = {k: v for k, v in spec.items() if k != "embedded"}
        if urls and name in urls:
            spec["urls"] = urls[name]
        spec.setdefault("model", cfg["endpoints"][name].get("embedded") or "default")
        out.append(Endpoint(name=name, **spec))
    return out


def stage_endpoints(cfg: dict) -> dict[str, str]:
    names = {"filter", "identify", "generate", "check", "solve"}
    chosen = cfg.get("stage_endpoints") or {}
    for stage, endpoint in chosen.items():
        if stage not in names:
            raise SystemExit(f"stage_endpoints: unknown stage {stage!r} (stages: {sorted(names)})")
        if endpoint not in cfg["endpoints"]:
            raise SystemExit(f"stage_endpoints.{stage}: no endpoint named {endpoint!r}")
    return {stage: chosen.get(stage, "default") for stage in names}


def public(cfg: dict) -> dict:
    """The config as written to the output folder and card: values of secret-looking keys
    are masked unless they only name an environment variable (`*_env`)."""

    def clean(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v, key) for v in value]
        if SECRET_KEY.search(key) and not key.endswith("_env") and value not in (None, ""):
            return "***"
        return value

    return clean(cfg)


def config_hash(cfg: dict) -> str:
    """Identifies what was built: everything except where it was written."""
    relevant = {k: v for k, v in public(cfg).items() if k != "output_dir"}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]
