"""Text normalisation shared by every answer type."""

from __future__ import annotations

import unicodedata


def ascii_fold(text: str) -> str:
    """Unicode compatibility forms and accents folded: "Ｃafé" -> "Cafe"."""
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))
