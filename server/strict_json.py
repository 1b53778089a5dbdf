"""JSON as the standard has it, and as every database keeps it.

Python's parser also takes NaN and Infinity, turns a number like 1e999 into infinity, and
turns an escaped lone surrogate ("\\ud800") into a string that cannot be written as UTF-8.
Given bytes, it also reads UTF-16 and UTF-32, and lets a surrogate encoded in UTF-8 bytes
through. None of those can be stored (PostgreSQL refuses them; SQLite would keep what PostgreSQL
will not), so they are refused here, where the request is read, with a clear 400.
"""

from __future__ import annotations

import json
import math
import re

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _constant(text: str):
    raise ValueError(f"{text} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def loads(data: bytes):
    """Parse ``data`` (UTF-8); ValueError or RecursionError if it is not strict, storable JSON."""
    # UTF-8 only (RFC 8259), strictly: a surrogate's bytes are a UnicodeDecodeError, a ValueError;
    # a leading byte order mark is allowed, as the standard permits and as before
    text = data.decode("utf-8-sig")
    value = json.loads(text, parse_constant=_constant, parse_float=_finite)
    if _SURROGATE_ESCAPE.search(data):
        # escaped pairs (an emoji) are fine; a lone half cannot be written out again
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # UnicodeEncodeError is a ValueError
    return value
