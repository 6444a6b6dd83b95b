"""The data sets the model surfaces are losses of (``surfaces/data/*.csv``, written once by
``surfaces/data/make_data.py`` with a fixed seed), and how a model surface finds its minima."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"


def load(name: str) -> np.ndarray:
    """``surfaces/data/<name>.csv`` as an ``(n, k)`` float64 array (the header row skipped)."""
    return np.loadtxt(DATA / f"{name}.csv", delimiter=",", skiprows=1, dtype=np.float64)


def packed(data: np.ndarray) -> np.ndarray:
    """The parameter array ``p`` of a model surface: ``[n, column 0 ..., column 1 ..., ...]``."""
    return np.ascontiguousarray(np.concatenate([[float(len(data))], data.T.ravel()]))


def with_minima(surface, guesses):
    """``surface`` with its minima: each guess polished by Newton's method on the gradient to
    double precision (``_base.newton_refine``), lowest first."""
    from surfaces._base import newton_refine
    found = [newton_refine(surface, x, y) for x, y in guesses]
    found.sort(key=lambda m: surface.value(*m))
    return replace(surface, minima=tuple(found))
