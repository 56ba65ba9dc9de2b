"""The build config: defaults, overrides, secrets masked, endpoints given whole, every key
checked (with the closest valid name), the screen call's own settings, and `config --show`."""

from __future__ import annotations

import pytest
import yaml

from webscale_rl.builder.config import (
    ConfigError,
    config_hash,
    endpoints_from,
    load_config,
    public,
    resolved,
    stage_endpoints,
)
from webscale_rl.builder.rollout import Settings
from webscale_rl.cli import main as cli


def write(tmp_path, cfg: dict):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_user_endpoints_replace_the_embedded_default(tmp_path):
    cfg = load_config(write(tmp_path, {"endpoints": {"default": {"urls": ["http://tgi:8080/v1"], "dialect": "tgi"}}}))
    assert cfg["endpoints"] == {"default": {"urls": ["http://tgi:8080/v1"], "dialect": "tgi"}}
    assert [e.urls for e in endpoints_from(cfg)] == [["http://tgi:8080/v1"]]


def test_a_stronger_model_for_generate_only(tmp_path):
    cfg = load_config(write(tmp_path, {
        "endpoints": {"default": {"urls": ["http://small/v1"]}, "strong": {"urls": ["http://big/v1"]}},
        "stage_endpoints": {"generate": "strong"}}))
    assert stage_endpoints(cfg) == {"filter": "default", "identify": "default", "generate": "strong", "check": "default",
                                    "solve": "default", "screen": "default"}
    with pytest.raises(ConfigError, match="no endpoint named 'missing'"):
        load_config(write(tmp_path, {"stage_endpoints": {"check": "missing"}}))


def test_secrets_are_masked_but_token_counts_and_env_names_are_not(tmp_path):
    cfg = load_config(write(tmp_path, {"endpoints": {"default": {"urls": ["http://x/v1"], "api_key_env": "MY_KEY"}},
                                       "input": {"text_key": "body", "id_key": "doc_id"}}))
    cfg["endpoints"]["default"]["api_key"] = "sk-live-123"  # not a config key (see below), masked all the same
    shown = public(cfg)
    assert shown["input"]["text_key"] == "body" and shown["input"]["id_key"] == "doc_id"  # column names, not keys
    assert shown["endpoints"]["default"]["api_key"] == "***" and shown["endpoints"]["default"]["api_key_env"] == "MY_KEY"
    assert shown["sampling"]["generate"]["max_tokens"] == cfg["sampling"]["generate"]["max_tokens"]
    assert shown["card"]["price_per_million_tokens"] == 0.0
    assert "sk-live-123" not in yaml.safe_dump(shown)


def test_unknown_keys_and_bad_yaml_stop_with_a_message(tmp_path):
    with pytest.raises(ConfigError, match="unknown config key outptu_dir: did you mean output_dir\\?"):
        load_config(write(tmp_path, {"outptu_dir": "x"}))
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize("given, message", [
    ({"sampling": {"generat": {"temperature": 0.1}}}, "sampling.generat: did you mean sampling.generate\\?"),
    ({"sampling": {"generate": {"temprature": 0.1}}}, "sampling.generate.temprature: did you mean sampling.generate.temperature\\?"),
    ({"input": {"txt_key": "body"}}, "input.txt_key: did you mean input.text_key\\?"),
    ({"dedup": {"minhash": {"num_bucket": 4}}}, "dedup.minhash.num_bucket: did you mean dedup.minhash.num_buckets\\?"),
    ({"prefilter": {"gopher_qualty": True}}, "prefilter.gopher_qualty: did you mean prefilter.gopher_quality\\?"),
    ({"endpoints": {"default": {"url": ["http://x/v1"]}}}, "endpoints.default.url: did you mean endpoints.default.urls\\?"),
    ({"endpoints": {"default": {"urls": ["http://x/v1"], "api_key": "sk"}}}, "endpoints.default.api_key: did you mean endpoints.default.api_key_env\\?"),
    ({"stage_endpoints": {"generat": "default"}}, "stage_endpoints.generat: did you mean stage_endpoints.generate\\?"),
    ({"difficulty": {"sample": 3}}, "difficulty.sample: did you mean difficulty.samples\\?"),
    ({"card": {"licence": "mit"}}, "card.licence: did you mean card.license\\?"),
    ({"zzz": 1}, "unknown config key zzz: \\(known here"),
])
def test_an_unknown_key_at_any_level_names_the_closest_valid_one(tmp_path, given, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, given))


@pytest.mark.parametrize("given, message", [
    ({"seed": "zero"}, "seed must be an integer, got 'zero'"),
    ({"max_personas": True}, "max_personas must be an integer"),
    ({"call_plan": "fussed"}, "call_plan must be one of fused, paper, got 'fussed' \\(did you mean fused\\?\\)"),
    ({"sampling": {"generate": {"max_tokens": 1.5}}}, "sampling.generate.max_tokens must be an integer"),
    ({"input": "sample"}, "input must be a mapping"),
    ({"dedup": {"minhash": 3}}, "dedup.minhash must be true, false or a mapping"),
    ({"executor": {"type": "kubernetes"}}, "executor.type must be one of local, slurm, ray"),
    ({"endpoints": {"default": {"urls": ["http://x/v1"], "dialect": "tgl"}}}, "did you mean tgi"),
])
def test_values_of_the_wrong_type_or_choice_stop_before_any_work(tmp_path, given, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, given))


def test_open_sections_take_any_name(tmp_path):
    cfg = load_config(write(tmp_path, {
        "executor": {"type": "slurm", "tasks": 4, "partition": "cpu", "time": "1:00:00"},
        "decontamination": {"benchmarks": {"gsm8k": "/data/gsm8k.jsonl", "mine": ["/a.jsonl", "/b.jsonl"]}},
        "prefilter": {"gopher_quality": {"min_doc_words": 20}, "c4": False, "kind": "code"},
        "dedup": {"minhash": False}}))
    assert cfg["executor"]["partition"] == "cpu"


def test_the_screen_call_has_its_own_settings_defaulting_to_the_filters(tmp_path):
    default = Settings.from_config(load_config())
    assert default.endpoints["screen"] == default.endpoints["filter"]
    assert default.max_tokens["screen"] == default.max_tokens["filter"] == 200
    assert default.temperature["screen"] == default.temperature["filter"] == 0.0
    assert Settings().max_tokens["screen"] == 200 and Settings(max_tokens={"filter": 50}).max_tokens["screen"] == 50
    cfg = load_config(write(tmp_path, {
        "endpoints": {"default": {"urls": ["http://small/v1"]}, "strong": {"urls": ["http://big/v1"]}},
        "stage_endpoints": {"filter": "strong"}, "sampling": {"filter": {"max_tokens": 150}}}))
    follows = Settings.from_config(cfg)
    assert follows.endpoints["screen"] == "strong" and follows.max_tokens["screen"] == 150
    cfg = load_config(write(tmp_path, {
        "endpoints": {"default": {"urls": ["http://small/v1"]}, "strong": {"urls": ["http://big/v1"]}},
        "stage_endpoints": {"screen": "strong"}, "sampling": {"screen": {"max_tokens": 300}}}))
    own = Settings.from_config(cfg)
    assert own.endpoints["screen"] == "strong" and own.endpoints["filter"] == "default"
    assert own.max_tokens["screen"] == 300 and own.temperature["screen"] == 0.0 and own.max_tokens["filter"] == 200
    assert "screen" not in own.stages  # the records' `models` name the five stages, as before
    # The config file only holds what the user wrote: the config hash of a build without `screen` is unchanged.
    assert "screen" not in load_config()["sampling"]


def test_config_show_prints_the_resolved_config_with_secrets_masked(tmp_path, capsys, monkeypatch):
    path = write(tmp_path, {"endpoints": {"default": {"urls": ["http://x/v1"], "api_key_env": "MY_KEY"}},
                            "sampling": {"generate": {"temperature": 0.2}}, "input": {"source": "sample", "limit": 5}})
    assert cli(["config", "--show", "--config", str(path)]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["input"] == {**resolved(load_config())["input"], "limit": 5}
    assert shown["input"]["text_key"] == "text" and shown["prefilter"]["min_tokens"] == {"enabled": True, "min_tokens": 50}
    assert shown["prefilter"]["max_chars"] == 12000 and shown["dedup"]["minhash"]["num_buckets"] == 14
    assert shown["endpoints"]["default"]["timeout"] == 120.0 and shown["endpoints"]["default"]["api_key_env"] == "MY_KEY"
    assert shown["sampling"]["generate"] == {"temperature": 0.2, "max_tokens": 350}
    assert shown["sampling"]["screen"] == shown["sampling"]["filter"] and shown["stage_endpoints"]["screen"] == "default"
    code = resolved(load_config(None, {"prefilter": {"kind": "code"}}))["prefilter"]
    assert code["gopher_quality"]["enabled"] is False and code["gopher_repetition"]["enabled"] is True
    masked = public(resolved(load_config()) | {"extra": {"hf_token": "hf_secret"}})
    assert masked["extra"]["hf_token"] == "***"


def test_the_cli_turns_a_config_error_into_one_line_and_exit_code_2(tmp_path, capsys):
    path = write(tmp_path, {"sampling": {"generat": {"temperature": 0.1}}})
    for command in (["config", "--config", str(path)], ["build", "--config", str(path)]):
        assert cli(command) == 2
        err = capsys.readouterr().err
        assert "did you mean sampling.generate?" in err and "Traceback" not in err
    assert cli(["config", "--config", str(write(tmp_path, {"seed": 3}))]) == 0


def test_config_hash_ignores_where_the_output_goes(tmp_path):
    a = load_config(None, {"output_dir": "a"})
    assert config_hash(a) == config_hash(load_config(None, {"output_dir": "b"}))
    assert config_hash(a) != config_hash(load_config(None, {"seed": 1}))


def test_a_cluster_executor_does_not_inherit_local_workers(tmp_path):
    cfg = load_config(write(tmp_path, {"executor": {"type": "slurm", "tasks": 8, "partition": "cpu"}}))
    assert cfg["executor"] == {"type": "slurm", "tasks": 8, "partition": "cpu"}


def test_a_ray_build_without_ray_installed_says_how_to_install_it(tmp_path, monkeypatch):
    """`make build-dataset` installs only what a local build needs; Ray comes with `make install`."""
    import importlib.util

    from webscale_rl.builder.pipeline import make_executor

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    cfg = load_config(write(tmp_path, {"executor": {"type": "ray", "tasks": 2}}))
    with pytest.raises(ConfigError, match=r"make install"):
        make_executor(cfg, [], tmp_path / "logs")


def test_the_fused_screen_call_is_sent_with_the_screen_settings():
    """By default it is sent as before, with the filter's endpoint and sampling (same requests, so
    the same seeds, cache entries and records); `screen` settings change only that call."""
    import asyncio

    from test_rollout_decisions import DOC, Scripted, screened
    from webscale_rl.builder.rollout import rollout

    def first_payload(settings: Settings) -> dict:
        """The screen call's payload: the rollout's second, after the look at the opening."""
        fake = Scripted(screen=[screened(boilerplate="yes")])
        asyncio.run(rollout(DOC, fake, settings))
        assert fake.payloads[0]["endpoint"] == settings.endpoints["filter"]  # the opening goes with the filter's settings
        return fake.payloads[1]

    before = first_payload(Settings())
    assert (before["endpoint"], before["max_tokens"], before["temperature"]) == ("default", 200, 0.0)
    own = first_payload(Settings(endpoints={"filter": "default", "screen": "strong"}, max_tokens={"filter": 200, "screen": 320},
                                 temperature={"filter": 0.0, "screen": 0.3}))
    assert (own["endpoint"], own["max_tokens"], own["temperature"]) == ("strong", 320, 0.3)
    assert own["seed"] == before["seed"]


@pytest.mark.parametrize("over, threshold", [
    ({}, 0.75),                                                                       # the embedded default: its measured bar
    ({"endpoints": {"default": {"embedded": "small"}}}, None),                        # a preset with none measured: off
    ({"endpoints": {"default": {"urls": ["http://vllm:8000/v1"], "model": "m"}}}, None),  # a served model: off unless given
    ({"endpoints": {"default": {"urls": ["http://vllm:8000/v1"], "model": "m"}}, "support_threshold": 0.8}, 0.8),
    ({"support_threshold": None}, None),
    ({"endpoints": {"default": {"embedded": "small"}, "judge": {"embedded": "default"}},
      "stage_endpoints": {"check": "judge"}}, 0.75),                                  # the check stage's model decides
])
def test_the_graded_readings_bar_is_the_check_models_own(over: dict, threshold: float | None) -> None:
    assert Settings.from_config(load_config(None, over)).support_threshold == threshold


def test_a_bar_that_is_not_a_number_says_what_it_takes() -> None:
    with pytest.raises(ConfigError, match="support_threshold: 'high' is not a number, null or 'auto'"):
        Settings.from_config(load_config(None, {"support_threshold": "high"}))
