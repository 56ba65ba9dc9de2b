"""The layers of ARCHITECTURE.md hold: each folder imports nothing above it, but for the CLI (the
entry point dispatches to every layer) and the build's composition root, which ends a build
with the quality report and the card."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ABOVE = {  # folder -> packages it must not import
    "webscale_rl": ("webscale_rl.eval", "webscale_rl.builder", "webscale_rl.dataset_card", "webscale_rl.space"),
    "eval": ("webscale_rl.builder", "webscale_rl.dataset_card", "webscale_rl.space"),
    "builder": ("webscale_rl.dataset_card", "webscale_rl.space"),
    "dataset_card": ("webscale_rl.space",),
}
ENTRY_POINTS = {"webscale_rl/cli.py"}
ALLOWED = {"builder/pipeline.py": {"webscale_rl.dataset_card.card", "webscale_rl.dataset_card.report"}}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("folder", sorted(ABOVE))
def test_lower_layers_import_nothing_above_them(folder):
    wrong = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ENTRY_POINTS:
            continue
        bad = sorted(name for name in imported(path) - ALLOWED.get(rel, set()) if name.startswith(ABOVE[folder]))
        if bad:
            wrong[rel] = bad
    assert wrong == {}
