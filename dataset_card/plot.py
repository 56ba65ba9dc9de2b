"""The domain-distribution bar chart committed next to the card.

Drawn with pillow, always: identical counts give a byte-identical file (no timestamps in the
PNG), which keeps a re-push of the same build free of changes. (A matplotlib path used to take
over whenever matplotlib happened to be installed, so the same build drew a different chart on
another machine; no install of this project had it.)
"""

from __future__ import annotations

from pathlib import Path

TITLE = "QA pairs per domain"
BAR_COLOR = (70, 110, 180)


def domain_plot(counts: dict[str, int], path: str | Path) -> Path:
    """Write a horizontal bar chart of `counts` (largest first) as PNG at `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return _pillow_plot(items, path)


def _pillow_plot(items: list[tuple[str, int]], path: Path) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    row, label_w, bar_w, margin = 22, 220, 420, 16
    width = margin * 2 + label_w + bar_w + 60
    height = margin * 2 + 30 + row * max(1, len(items))
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((margin, margin), TITLE, fill="black", font=font)
    top = margin + 30
    if not items:
        draw.text((margin, top), "no QA pairs kept", fill="black", font=font)
    peak = max((n for _, n in items), default=1) or 1
    for i, (name, n) in enumerate(items):
        y = top + i * row
        label = name.encode("ascii", "replace").decode()  # the fallback font may lack other glyphs
        label = label if len(label) <= 34 else label[:31] + "..."
        draw.text((margin, y + 4), label, fill="black", font=font)
        x0 = margin + label_w
        x1 = x0 + max(1, round(bar_w * n / peak))
        draw.rectangle([x0, y + 2, x1, y + row - 4], fill=BAR_COLOR)
        draw.text((x1 + 6, y + 4), f"{n:,}", fill="black", font=font)
    image.save(path, format="PNG")
    return path
