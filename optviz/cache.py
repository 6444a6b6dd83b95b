"""What a process keeps between requests: one least-recently-used cache, bounded by bytes.

Runs (:mod:`optviz.runner`) and the figures' surface grids and meshes
(:mod:`optviz.ui.figures`) share it, so ``OPTVIZ_CACHE_MB`` (:mod:`optviz.settings`, default
128 MB) bounds all of it: a 100,000-step run holds about 9 MB, a 3-D mesh about 0.5 MB.  An entry
larger than the whole cache is not kept.  Safe to use from several threads.
"""
from __future__ import annotations

import functools
import dataclasses
import sys
import threading
from typing import Any, Callable

import cachetools
import numpy as np

from optviz import settings

__all__ = ["CACHE", "memoize", "size_of", "get", "put", "clear"]

#: Bytes counted for a small Python object (a float, a short tuple), besides its arrays.
_SMALL = 64


def size_of(value: Any) -> int:
    """The bytes ``value`` holds: its arrays (a buffer shared by several counted once) plus a
    small constant per object."""
    seen: dict[int, int] = {}

    def visit(item):
        if isinstance(item, np.ndarray):
            owner = item if item.base is None else item.base
            seen[id(owner)] = getattr(owner, "nbytes", item.nbytes)
            return _SMALL
        if hasattr(item, "nbytes") and not isinstance(item, np.generic):   # a Trajectory
            seen[id(item)] = item.nbytes
            return _SMALL
        if isinstance(item, (tuple, list)):
            return _SMALL + sum(visit(part) for part in item)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):   # a grid's result
            return _SMALL + sum(visit(getattr(item, f.name)) for f in dataclasses.fields(item))
        if isinstance(item, dict):
            return _SMALL + sum(visit(k) + visit(v) for k, v in item.items())
        return max(_SMALL, sys.getsizeof(item))

    return visit(value) + sum(seen.values())


CACHE = cachetools.LRUCache(maxsize=settings.CACHE_BYTES, getsizeof=size_of)
_LOCK = threading.Lock()
_MISSING = object()


def get(key: Any, default: Any = None) -> Any:
    with _LOCK:
        return CACHE.get(key, default)


def put(key: Any, value: Any) -> None:
    """Keep ``value`` (unless it is larger than the whole cache), evicting the least recently
    used entries to make room."""
    with _LOCK:
        try:
            CACHE[key] = value
        except ValueError:   # larger than the cache: not kept
            CACHE.pop(key, None)


def clear() -> None:
    with _LOCK:
        CACHE.clear()


def memoize(fn: Callable) -> Callable:
    """Cache ``fn``'s results in :data:`CACHE`, keyed by its name and (hashable) arguments.
    Two threads that miss at once may both compute; the result is the same."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def cached(*args):
        key = (name, *args)
        value = get(key, _MISSING)
        if value is _MISSING:
            value = fn(*args)
            put(key, value)
        return value

    cached.uncached = fn
    return cached
