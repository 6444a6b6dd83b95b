"""The service's settings, read once from the environment when optviz is imported.

=========================  ===========  =====================================================
variable                   default      what
=========================  ===========  =====================================================
``OPTVIZ_WORK_LIMIT``      8000000      work units (about one evaluation each, see
                                        :mod:`optviz.kernels`) one request may spend across
                                        its runs: 0.3-1 s of one core here
``OPTVIZ_GRID_WORK_LIMIT`` 40000000     work units one sweep or basin map (``/api/sweep``,
                                        ``/api/basins``) may spend across its cells, on two
                                        threads: about 0.3-1 s of two cores here
``OPTVIZ_TIME_LIMIT``      1.5          seconds of CPU time one request's runs may take, a
                                        safety net for arithmetic that work units do not see
                                        (see :mod:`optviz.kernels`)
``OPTVIZ_CACHE_MB``        128          megabytes of runs and surface grids each worker
                                        process keeps between requests (0: none)
``OPTVIZ_MAX_BODY_BYTES``  1000000      largest request body; a larger one gets 413
``OPTVIZ_FRAME_ANCESTORS`` ``*``        who may show the app in a frame (CSP
                                        ``frame-ancestors``): ``*`` anyone (course pages embed
                                        it), ``'none'`` nobody, or a list of origins
=========================  ===========  =====================================================

A bad value stops the server at start with a message naming the variable and what it allows.
"""
from __future__ import annotations

import math
import os
import re

__all__ = ["WORK_LIMIT", "GRID_WORK_LIMIT", "TIME_LIMIT", "CACHE_BYTES", "MAX_BODY_BYTES", "FRAME_ANCESTORS"]


def _integer(name: str, default: int, low: int, high: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low:,} to {high:,}; got {text!r}")
    return value


def _seconds(name: str, default: float, low: float, high: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not low <= value <= high:
        raise ValueError(f"{name} must be a number of seconds from {low:g} to {high:g}; got {text!r}")
    return value


def _frame_ancestors(name: str) -> str:
    text = " ".join(os.environ.get(name, "*").split())
    # a CSP source list: keywords in quotes, schemes, hosts with optional wildcard and port
    source = r"('none'|'self'|\*|[a-z][a-z0-9+.-]*:(//[a-z0-9*.-]+(:\d+|:\*)?)?|[a-z0-9*.-]+(:\d+|:\*)?)"
    if not text or not re.fullmatch(rf"{source}( {source})*", text, flags=re.IGNORECASE):
        raise ValueError(f"{name} must be *, 'none', 'self' or a list of origins such as "
                         f"https://moodle.example.edu; got {os.environ.get(name)!r}")
    return text


WORK_LIMIT = _integer("OPTVIZ_WORK_LIMIT", 8_000_000, 1_000, 10 ** 12)
GRID_WORK_LIMIT = _integer("OPTVIZ_GRID_WORK_LIMIT", 40_000_000, 1_000, 10 ** 12)
TIME_LIMIT = _seconds("OPTVIZ_TIME_LIMIT", 1.5, 0.05, 3600.0)
CACHE_BYTES = _integer("OPTVIZ_CACHE_MB", 128, 0, 1 << 20) * (1 << 20)
MAX_BODY_BYTES = _integer("OPTVIZ_MAX_BODY_BYTES", 1_000_000, 10_000, 1 << 30)
FRAME_ANCESTORS = _frame_ancestors("OPTVIZ_FRAME_ANCESTORS")
