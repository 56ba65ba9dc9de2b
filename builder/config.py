"""The build config: one YAML file names inputs, filters, endpoints per stage, the call plan,
concurrency, sampling, seed and the output folder.

Every default lives in this module, and so does the shape of every section (`SCHEMA`):
`load_config` checks a whole config against it, so an unknown key at any level or a value of
the wrong type stops the run before any work, naming the closest valid key
("unknown config key sampling.generat: did you mean sampling.generate?"). Library code raises
`ConfigError`; only the command line turns it into a message and exit code 2.

The resolved config (`load_config`) holds the top-level defaults below merged with the file;
the sections whose defaults their reader applies (`input`, `prefilter`, `dedup`, each
endpoint) keep only what the file says, so `build_config.yaml` and the config hash name what
the user chose. `resolved(cfg)` fills those in too (`webscale-rl config --show`).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from webscale_rl.transport import Endpoint


class ConfigError(ValueError):
    """A config (or a setting given in code) that the build cannot run with."""


LLM_STAGES = ("filter", "identify", "generate", "check", "solve")
# The fused plan's one call for filter + identify. It has its own `sampling.screen` and
# `stage_endpoints.screen`; each is the filter's unless given.
SCREEN = "screen"

DEFAULTS: dict[str, Any] = {
    "output_dir": "output/webscale-rl",
    "input": {"source": "sample"},  # the rest: INPUT_DEFAULTS
    "prefilter": {},  # PREFILTER_DEFAULTS, RULE_DEFAULTS and KINDS
    "dedup": {},  # DEDUP_DEFAULTS
    "endpoints": {"default": {"embedded": "default"}},  # each: ENDPOINT_DEFAULTS
    "stage_endpoints": {},  # e.g. {generate: strong} ; unnamed stages use "default"
    "call_plan": "fused",
    "seed": 0,
    "max_personas": 3,
    # A persona whose question the code checks refuse is asked about another fact, up to this
    # many in all (1: one question per persona, as the paper).
    "facts_per_persona": 2,
    "demos_per_prompt": 2,
    # The check stage's graded reading: "auto" takes the bar measured for the embedded preset
    # that serves the check stage (none for a model it was not measured on, which turns the
    # reading off); a number sets the bar, null turns the reading off.
    "support_threshold": "auto",
    "sampling": {
        "filter": {"temperature": 0.0, "max_tokens": 200},
        "identify": {"temperature": 0.0, "max_tokens": 200},
        "generate": {"temperature": 0.7, "max_tokens": 350},
        "check": {"temperature": 0.0, "max_tokens": 400},  # three verdicts, each with its question copied
        "solve": {"temperature": 1.0, "max_tokens": 96},
        # screen: the filter's (see SCREEN)
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

# input: (builder/inputs.py) `limit` is the number of usable documents each task reads (-1 or
# null: all); `sample_rate` a seeded share of them; `max_record_mb` the largest jsonl line read.
INPUT_DEFAULTS: dict[str, Any] = {
    "source": "sample", "format": None, "hub": False, "name": None, "split": "train",
    "text_key": "text", "id_key": "id", "limit": -1, "max_record_mb": 16, "sample_rate": 1.0,
}

# prefilter: (builder/prefilter.py)
# Method (Webscale-RL): documents under 50 tokens carry too little to ground a question.
MIN_TOKENS = 50
MAX_CHARS = 12000  # longer documents are cut at a paragraph boundary, never dropped
PREFILTER_DEFAULTS: dict[str, Any] = {"kind": "web", "max_chars": MAX_CHARS}
# Each rule's parameters; defaults that differ from datatrove's, each for a reason.
RULE_DEFAULTS: dict[str, dict[str, Any]] = {
    "min_tokens": {"enabled": True, "min_tokens": MIN_TOKENS},
    "language": {"enabled": False, "model_path": None, "languages": ["en"], "language_threshold": 0.65,
                 "backend": "ft176"},
    # datatrove splits words with spaCy, so punctuation marks and numbers count as words that
    # lack a letter: its 0.8 "alpha words" floor drops math, code and recipe pages (0.69-0.8
    # on the sample corpus); boilerplate still fails the stop-word, FineWeb or C4 rules.
    "gopher_quality": {"enabled": True, "max_non_alpha_words_ratio": 0.6},
    "gopher_repetition": {"enabled": True},
    "fineweb_quality": {"enabled": True},
    # Code explanations contain "{" and code lines without final punctuation: no curly-bracket
    # rule, and by default C4 only decides keep/drop, it does not delete lines from the text.
    "c4": {"enabled": True, "filter_curly_bracket": False, "rewrite_text": False},
}
RULE_ORDER = ["min_tokens", "language", "gopher_quality", "gopher_repetition", "fineweb_quality", "c4"]
# The rules that suit each kind of source (the method mixes web pages, Wikipedia, math and code).
# The web-prose rules read technical text as junk: on long descriptions of PyPI packages FineWeb
# dropped 6 of 8 and Gopher quality 3, and on Python source files and math docstrings they drop
# most (`make bench` prints the table). Repetition and length still catch junk of every kind.
# A rule the config names explicitly is on whatever the kind.
KINDS: dict[str, list[str]] = {
    "web": RULE_ORDER,
    "reference": ["min_tokens", "language", "gopher_repetition"],
    "math": ["min_tokens", "language", "gopher_repetition"],
    "code": ["min_tokens", "gopher_repetition"],
}

# dedup: (builder/dedup.py) exact content hash, then MinHash (true, false or these parameters).
MINHASH_DEFAULTS: dict[str, Any] = {"enabled": True, "n_grams": 5, "num_buckets": 14, "hashes_per_bucket": 8}
DEDUP_DEFAULTS: dict[str, Any] = {"exact": True, "minhash": MINHASH_DEFAULTS, "keep_dropped": True}

# endpoints.<name>: the fields of transport.Endpoint (its dataclass holds the defaults, since the
# transport sits below the builder), or `embedded: PRESET` to start the llama.cpp server.
ENDPOINT_DEFAULTS: dict[str, Any] = {
    f.name: (f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default)
    for f in dataclasses.fields(Endpoint) if f.name != "name"
}

# Key names whose values are secrets: api_key, hf_token, secret, password... but not max_tokens,
# nor the names of input columns (input.text_key, input.id_key).
SECRET_KEY = re.compile(r"(?:^|_)(?:key|token|secret|password|passwd|credentials?)$", re.IGNORECASE)
NOT_SECRET = {"text_key", "id_key"}


# ---- the shape of a config ------------------------------------------------------------------

NUMBER = (int, float)
OPTIONAL_STR = (str, type(None))


@dataclasses.dataclass(frozen=True)
class Value:
    """A leaf: one of `types` (bool is not a number), and one of `choices` when given."""

    types: tuple
    choices: tuple | None = None


@dataclasses.dataclass(frozen=True)
class Section:
    """A mapping with known keys; `extra` allows any other key (passed on, e.g. to Slurm)."""

    keys: dict
    extra: bool = False


@dataclasses.dataclass(frozen=True)
class Named:
    """A mapping from names the user chooses (endpoints, benchmarks) to `item`."""

    item: Any


@dataclasses.dataclass(frozen=True)
class Switch:
    """`true`, `false`, null, or a mapping of the shape `section` (a rule with parameters)."""

    section: Section


ANY = Value(())
SAMPLING = Section({"temperature": Value(NUMBER), "max_tokens": Value((int,))})
ENDPOINT = Section({
    "embedded": Value((str,)), "urls": Value((list,)), "model": Value((str,)),
    "dialect": Value((str,), ("llamacpp", "tgi", "vllm", "openai")), "provider": Value(OPTIONAL_STR),
    "api_key_env": Value(OPTIONAL_STR), "timeout": Value(NUMBER), "max_retries": Value((int,)),
    "max_in_flight": Value((int,)), "backoff_base": Value(NUMBER), "backoff_max": Value(NUMBER),
    "replica_cooldown": Value(NUMBER),
})
# A prefilter rule's mapping holds `enabled` and datatrove's parameters for that filter (checked
# against the filter's signature when the step is built).
RULE = Switch(Section({"enabled": Value((bool,))}, extra=True))

SCHEMA = Section({
    "output_dir": Value((str,)),
    "input": Section({
        "source": Value((str,)), "format": Value(OPTIONAL_STR, ("jsonl", "parquet", "hub", None)),
        "hub": Value((bool,)), "name": Value(OPTIONAL_STR), "split": Value((str,)), "text_key": Value((str,)),
        "id_key": Value((str,)), "limit": Value((int, type(None))), "max_record_mb": Value(NUMBER),
        "sample_rate": Value(NUMBER),
    }),
    "prefilter": Section({"kind": Value((str,), tuple(KINDS)), "max_chars": Value((int,)),
                          **{rule: RULE for rule in RULE_ORDER}}),
    "dedup": Section({
        "exact": Value((bool,)), "keep_dropped": Value((bool,)),
        "minhash": Switch(Section({"enabled": Value((bool,)), "n_grams": Value((int,)), "num_buckets": Value((int,)),
                                   "hashes_per_bucket": Value((int,))})),
    }),
    "endpoints": Named(ENDPOINT),
    "stage_endpoints": Section({stage: Value((str,)) for stage in (*LLM_STAGES, SCREEN)}),
    "call_plan": Value((str,), ("fused", "paper")),
    "seed": Value((int,)),
    "max_personas": Value((int,)),
    "facts_per_persona": Value((int,)),
    "support_threshold": Value((str, int, float, type(None))),
    "demos_per_prompt": Value((int,)),
    "sampling": Section({stage: SAMPLING for stage in (*LLM_STAGES, SCREEN)}),
    "difficulty": Section({"enabled": Value((bool,)), "samples": Value((int,)),
                           "max_solve_rate": Value((*NUMBER, type(None)))}),
    "embedded_server": Section({"ctx_size": Value((int,)), "parallel": Value((int,)), "threads": Value((int, type(None))),
                                "port": Value((int, type(None))), "startup_timeout": Value(NUMBER),
                                "api_key_env": Value(OPTIONAL_STR)}),
    "executor": Section({"type": Value((str,), ("local", "slurm", "ray")), "tasks": Value((int,)),
                         "workers": Value((int,))}, extra=True),  # any other Slurm/RayPipelineExecutor argument; Ray: address, num_cpus
    "max_concurrent_documents": Value((int,)),
    "records_per_chunk": Value((int,)),
    "include_source_text": Value((bool,)),
    "near_duplicate_questions": Section({"enabled": Value((bool,)), "threshold": Value(NUMBER)}),
    "decontamination": Section({"benchmarks": Named(ANY), "action": Value((str,), ("drop", "flag")),
                                "ngram": Value((int,))}),
    "test_fraction": Value(NUMBER),
    "card": Section({"license": Value((str,)), "pretty_name": Value((str,)), "price_per_million_tokens": Value(NUMBER)}),
})


def unknown_key(where: str, key: object, known) -> ConfigError:
    """The error for a key that is not one of `known`, naming the closest valid one."""
    known = sorted(str(k) for k in known)
    path = f"{where}.{key}" if where else str(key)
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    hint = f"did you mean {where + '.' if where else ''}{close[0]}? " if close else ""
    return ConfigError(f"unknown config key {path}: {hint}(known here: {', '.join(known)})")


def _type_name(types: tuple) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list",
             dict: "a mapping", type(None): "null"}
    return " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in types))


def check(value: Any, shape: Any, where: str = "") -> None:
    """Raise ConfigError unless `value` has the given shape (see SCHEMA)."""
    label = where or "the config"
    if isinstance(shape, Switch):
        if value is None or isinstance(value, bool):
            return
        if not isinstance(value, dict):
            raise ConfigError(f"{label} must be true, false or a mapping of parameters, got {value!r}")
        return check(value, shape.section, where)
    if isinstance(shape, (Section, Named)):
        if not isinstance(value, dict):
            raise ConfigError(f"{label} must be a mapping, got {value!r}")
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(shape, Named):
                check(item, shape.item, path)
            elif key in shape.keys:
                check(item, shape.keys[key], path)
            elif not shape.extra:
                raise unknown_key(where, key, shape.keys)
        return
    if shape.types:
        ok = isinstance(value, shape.types) and not (isinstance(value, bool) and bool not in shape.types)
        if not ok:
            raise ConfigError(f"{label} must be {_type_name(shape.types)}, got {value!r}")
    if shape.choices is not None and value not in shape.choices:
        choices = ", ".join(str(c) for c in shape.choices if c is not None)
        close = difflib.get_close_matches(str(value), [str(c) for c in shape.choices if c is not None], n=1)
        raise ConfigError(f"{label} must be one of {choices}, got {value!r}" + (f" (did you mean {close[0]}?)" if close else ""))


# ---- loading --------------------------------------------------------------------------------

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
    """Defaults < YAML file < overrides (from the command line), checked against SCHEMA."""
    cfg = copy.deepcopy(DEFAULTS)
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as err:
            raise ConfigError(f"cannot read config {path}: {err.strerror or err}") from None
        try:
            loaded = yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            raise ConfigError(f"config {path} is not valid YAML: {err}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"config {path} must be a mapping of settings")
        cfg = merge(cfg, loaded)
    cfg = merge(cfg, overrides or {})
    check(cfg, SCHEMA)
    stage_endpoints(cfg)  # every stage's endpoint is one the config names
    return cfg


def endpoints_from(cfg: dict, urls: dict[str, list[str]] | None = None) -> list[Endpoint]:
    """Endpoint objects; `urls` fills in the addresses of embedded servers once started."""
    out = []
    for name, spec in cfg["endpoints"].items():
        spec = {k: v for k, v in spec.items() if k != "embedded"}
        if urls and name in urls:
            spec["urls"] = urls[name]
        spec.setdefault("model", cfg["endpoints"][name].get("embedded") or "default")
        try:
            out.append(Endpoint(name=name, **spec))
        except (TypeError, ValueError) as err:
            raise ConfigError(f"endpoints.{name}: {err}") from None
    return out


def support_threshold(cfg: dict) -> float | None:
    """The graded reading's bar: a number or null as given, or for "auto" the one measured for
    the embedded preset that serves the check stage (none for a served or unmeasured model)."""
    value = cfg["support_threshold"]
    if value != "auto" and isinstance(value, str):
        raise ConfigError(f"support_threshold: {value!r} is not a number, null or 'auto'")
    if value != "auto":
        return None if value is None else float(value)
    from webscale_rl.models import measured_support_threshold

    return measured_support_threshold(cfg["endpoints"][stage_endpoints(cfg)["check"]].get("embedded"))


def stage_endpoints(cfg: dict) -> dict[str, str]:
    """The endpoint name of each LLM stage, and of the fused plan's screen call (the filter's
    unless `stage_endpoints.screen` is given)."""
    chosen = cfg.get("stage_endpoints") or {}
    for stage, endpoint in chosen.items():
        if stage not in (*LLM_STAGES, SCREEN):
            raise unknown_key("stage_endpoints", stage, (*LLM_STAGES, SCREEN))
        if endpoint not in cfg["endpoints"]:
            close = difflib.get_close_matches(str(endpoint), list(cfg["endpoints"]), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"stage_endpoints.{stage}: no endpoint named {endpoint!r}{hint}; "
                              f"endpoints: {', '.join(cfg['endpoints'])}")
    out = {stage: chosen.get(stage, "default") for stage in LLM_STAGES}
    out[SCREEN] = chosen.get(SCREEN, out["filter"])
    return out


def sampling(cfg: dict) -> dict[str, dict]:
    """Temperature and max_tokens of each LLM stage and of the screen call (the filter's,
    overridden by whatever `sampling.screen` gives)."""
    out = {stage: dict(cfg["sampling"][stage]) for stage in LLM_STAGES}
    out[SCREEN] = {**out["filter"], **(cfg["sampling"].get(SCREEN) or {})}
    return out


def resolved(cfg: dict) -> dict:
    """The config with every default in effect filled in, as the build reads it."""
    out = copy.deepcopy(cfg)
    out["input"] = {**INPUT_DEFAULTS, **cfg["input"]}
    prefilter = {**PREFILTER_DEFAULTS, **cfg["prefilter"]}
    for rule in RULE_ORDER:
        given = cfg["prefilter"].get(rule)
        on = rule in cfg["prefilter"] or rule in KINDS.get(prefilter["kind"], [])
        params = {**RULE_DEFAULTS[rule], **({"enabled": True} if rule in cfg["prefilter"] else {}),
                  **(given if isinstance(given, dict) else {})}
        if given is False or given is None and rule in cfg["prefilter"] or not on:
            params["enabled"] = False
        prefilter[rule] = params
    out["prefilter"] = prefilter
    dedup = {**DEDUP_DEFAULTS, **cfg["dedup"]}
    minhash = cfg["dedup"].get("minhash", {})
    dedup["minhash"] = ({**MINHASH_DEFAULTS, "enabled": False} if minhash is False
                        else {**MINHASH_DEFAULTS, **(minhash if isinstance(minhash, dict) else {})})
    out["dedup"] = dedup
    for name, spec in cfg["endpoints"].items():
        base = dict(ENDPOINT_DEFAULTS)
        if spec.get("embedded"):
            base = {k: v for k, v in base.items() if k not in ("urls", "provider")}
            base["model"] = spec["embedded"]
        out["endpoints"][name] = {**base, **spec}
    out["stage_endpoints"] = stage_endpoints(cfg)
    out["sampling"] = sampling(cfg)
    return out


def public(cfg: dict) -> dict:
    """The config as written to the output folder and card: values of secret-looking keys
    are masked unless they only name an environment variable (`*_env`)."""

    def clean(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: clean(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v, key) for v in value]
        if SECRET_KEY.search(key) and not key.endswith("_env") and key not in NOT_SECRET and value not in (None, ""):
            return "***"
        return value

    return clean(cfg)


def config_hash(cfg: dict) -> str:
    """Identifies what was built: everything except where it was written."""
    relevant = {k: v for k, v in public(cfg).items() if k != "output_dir"}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]


def main(argv: list[str]) -> int:
    """`webscale-rl config --show [--config FILE]`: the resolved config as YAML, secrets masked."""
    parser = argparse.ArgumentParser(prog="webscale-rl config", description="show the resolved build config")
    parser.add_argument("--show", action="store_true", help="print the config with every default in effect, as YAML")
    parser.add_argument("--config", default=None, help="YAML config (default: the built-in defaults)")
    args = parser.parse_args(argv)
    cfg = load_config(args.config)  # checked even without --show
    if args.show:
        print(yaml.safe_dump(public(resolved(cfg)), sort_keys=False, allow_unicode=True), end="")
    else:
        print(f"{args.config or 'the defaults'}: valid (add --show to print it resolved)")
    return 0
