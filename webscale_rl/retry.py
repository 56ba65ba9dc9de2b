"""What an HTTP `Retry-After` header asks for, read the same way by the model transport
(webscale_rl/transport.py) and the Hub push (dataset_card/push.py)."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime


def retry_after(value: str | None) -> float | None:
    """Seconds to wait: the header's delay in seconds, or until its HTTP date; None when the
    header is absent or unreadable. Never negative."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
