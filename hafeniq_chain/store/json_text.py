"""JSON serialised where rows are built (often a worker process), not in the writer.

The json/jsonb codecs (``database.py``) take ``bytes`` as JSON text already made (no
JSON value is ever bytes), so a batch's hundreds of decoded-argument dicts are
serialised once, by orjson, off the event loop, and travel between processes as flat
bytes instead of nested objects.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def json_text(value: Any) -> bytes | None:
    """``value`` as JSON text (None stays None, i.e. SQL NULL)."""
    if value is None:
        return None
    try:
        return orjson.dumps(value)
    except TypeError:
        # NOTE: orjson refuses integers past 64 bits (uint256 amounts); the standard
        # library writes them exactly, and jsonb stores both spellings the same way.
        return json.dumps(value).encode()
