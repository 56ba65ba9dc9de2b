"""The build config: defaults, overrides, secrets masked, and endpoints given whole."""

from __future__ import annotations

import pytest
import yaml

from webscale_rl.builder.config import config_hash, endpoints_from, load_config, public, stage_endpoints


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
                                    "solve": "default"}
    with pytest.raises(SystemExit, match="no endpoint named 'missing'"):
        stage_endpoints(load_config(write(tmp_path, {"stage_endpoints": {"check": "missing"}})))


def test_secrets_are_masked_but_token_counts_and_env_names_are_not(tmp_path):
    cfg = load_config(write(tmp_path, {"endpoints": {"default": {"urls": ["http://x/v1"], "api_key": "sk-live-123",
                                                                 "api_key_env": "MY_KEY"}}}))
    shown = public(cfg)
    assert shown["endpoints"]["default"]["api_key"] == "***" and shown["endpoints"]["default"]["api_key_env"] == "MY_KEY"
    assert shown["sampling"]["generate"]["max_tokens"] == cfg["sampling"]["generate"]["max_tokens"]
    assert shown["card"]["price_per_million_tokens"] == 0.0
    assert "sk-live-123" not in yaml.safe_dump(shown)


def test_unknown_keys_and_bad_yaml_stop_with_a_message(tmp_path):
    with pytest.raises(SystemExit, match="unknown config keys \\['outptu_dir'\\]"):
        load_config(write(tmp_path, {"outptu_dir": "x"}))
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [unclosed\n")
    with pytest.raises(SystemExit, match="not valid YAML"):
        load_config(bad)


def test_config_hash_ignores_where_the_output_goes(tmp_path):
    a = load_config(None, {"output_dir": "a"})
    assert config_hash(a) == config_hash(load_config(None, {"output_dir": "b"}))
    assert config_hash(a) != config_hash(load_config(None, {"seed": 1}))


def test_a_cluster_executor_does_not_inherit_local_workers(tmp_path):
    cfg = load_config(write(tmp_path, {"executor": {"type": "slurm", "tasks": 8, "partition": "cpu"}}))
    assert cfg["executor"] == {"type": "slurm", "tasks": 8, "partition": "cpu"}
