"""The data sets the model surfaces are losses of (``surfaces/data/*.csv``, written once by
``surfaces/data/make_data.py`` with a fixed seed), and how a model surface finds its minima."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from optviz.jit import jit

DATA = Path(__file__).resolve().parent / "data"


def load(name: str) -> np.ndarray:
    """``surfaces/data/<name>.csv`` as an ``(n, k)`` float64 array (the header row skipped)."""
    return np.loadtxt(DATA / f"{name}.csv", delimiter=",", skiprows=1, dtype=np.float64)


#: Where a model surface's ``p`` holds the batch size (``p[0]`` is the number of points ``n``,
#: the columns of the data follow from ``p[COLUMNS]``).
BATCH, COLUMNS = 1, 2


def packed(data: np.ndarray) -> np.ndarray:
    """The parameter array ``p`` of a model surface: ``[n, batch, column 0 ..., column 1 ...]``,
    the batch size ``n`` (the whole data set: exact gradients; see :func:`batch_of`)."""
    return np.ascontiguousarray(np.concatenate([[float(len(data)), float(len(data))], data.T.ravel()]))


@jit
def batch_of(p):
    """The points of this gradient: ``(indices, count)``, every point when the batch is the whole
    data set, else ``p[BATCH]`` points drawn without replacement from the run's generator (seeded
    by the run's seed, as gradient noise is: the same seed draws the same batches)."""
    n, b = int(p[0]), int(p[BATCH])
    if b >= n:
        return np.arange(n), n
    return np.random.permutation(n)[:b], b


def model_surface(data: np.ndarray, guesses, **fields):
    """The ``Surface`` of a model's loss on ``data``: ``p`` packs the data (:func:`packed`), and its
    minima are ``guesses`` polished (:func:`with_minima`); ``fields`` are the rest of the record."""
    from surfaces._base import Surface
    return with_minima(Surface(minima=(), make_params=lambda: packed(data), data_size=len(data), **fields), guesses)


def with_minima(surface, guesses):
    """``surface`` with its minima: each guess polished by Newton's method on the gradient to
    double precision (``_base.newton_refine``), lowest first."""
    from surfaces._base import newton_refine
    found = [newton_refine(surface, x, y) for x, y in guesses]
    found.sort(key=lambda m: surface.value(*m))
    return replace(surface, minima=tuple(found))
