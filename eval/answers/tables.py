"""The answer rules' word tables (units, name aliases, places), kept as JSON beside the code
so they read and grow as data; each is parsed once."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def table(name: str) -> dict:
    """The table `name` (units, names) of this package."""
    return json.loads(resources.files("webscale_rl.eval.answers").joinpath(f"{name}.json").read_text(encoding="utf-8"))
